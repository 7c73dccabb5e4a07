import { test } from "node:test";
import assert from "node:assert/strict";
import {
  diagnosticsByGem,
  gemAt,
  GraphResponse,
  lineageCells,
  modelView,
  projectView,
  relationsMissingColumns,
  withColumns,
} from "../src/graphData";

const cols = (...names: string[]) => ({ columns: names.map((n) => ({ name: n, type: "INTEGER" })), complete: true });

// The shape `loupe/graph` answers with (docs/lsp-extensions.md).
const graph: GraphResponse = {
  models: [
    { name: "raw_orders", kind: "seed", file: "seeds/raw_orders.csv", gems: [] },
    {
      name: "stg_orders",
      kind: "model",
      file: "models/staging/stg_orders.sql",
      gems: [
        { name: "source", kind: "Source", inputs: ["raw_orders"], output: cols("id", "user_id") },
        { name: "renamed", kind: "Reformat", inputs: ["source"], output: cols("order_id", "customer_id") },
        { name: "stg_orders", kind: "Reformat", inputs: ["renamed"], output: cols("order_id", "customer_id") },
      ],
    },
    {
      name: "customers",
      kind: "model",
      file: "models/marts/customers.sql",
      gems: [
        { name: "orders", kind: "Source", inputs: ["stg_orders"], output: cols("order_id", "customer_id") },
        { name: "payments", kind: "Source", inputs: ["shop.payments"], output: { columns: [], complete: false } },
        { name: "customer_orders", kind: "Aggregate", inputs: ["orders"], output: cols("customer_id", "number_of_orders") },
        {
          name: "customers",
          kind: "Join",
          inputs: ["customer_orders", "payments", "customer_orders"],
          output: cols("customer_id", "number_of_orders", "lifetime_value"),
        },
      ],
    },
  ],
  edges: [
    { from: "raw_orders", to: "stg_orders" },
    { from: "stg_orders", to: "customers" },
    { from: "shop.payments", to: "customers" },
    { from: "stg_orders", to: "customers" },
  ],
};

test("a model's view: inputs, then each CTE, then the final SELECT, with their columns", () => {
  const v = modelView(graph, "Customers")!;
  assert.equal(v.mode, "model");
  assert.deepEqual(
    v.nodes.map((n) => [n.id, n.role, n.kind]),
    [
      ["input:stg_orders", "input", "model"],
      ["input:shop.payments", "input", "source"],
      ["gem:orders", "gem", "Source"],
      ["gem:payments", "gem", "Source"],
      ["gem:customer_orders", "gem", "Aggregate"],
      ["final", "output", "final SELECT · Join"],
    ],
  );
  // An upstream model's input carries that model's output columns and its file (one click away).
  const stg = v.nodes[0];
  assert.deepEqual(stg.columns.map((c) => c.name), ["order_id", "customer_id"]);
  assert.equal(stg.file, "models/staging/stg_orders.sql");
  assert.equal(v.nodes[5].label, "customers");
  assert.equal(v.nodes[5].gem, null);
});

test("edges follow the reads between gems, once each", () => {
  const v = modelView(graph, "customers")!;
  assert.deepEqual(
    v.edges.map((e) => `${e.from} -> ${e.to}`),
    [
      "input:stg_orders -> gem:orders",
      "input:shop.payments -> gem:payments",
      "gem:orders -> gem:customer_orders",
      "gem:customer_orders -> final",
      "gem:payments -> final",
    ],
  );
});

test("each edge says where a gem inserted on it goes: after its start, read by its end only", () => {
  const v = modelView(graph, "customers")!;
  assert.deepEqual(
    v.edges.map((e) => [e.id, e.insert]),
    [
      ["input:stg_orders->gem:orders", { gem: "stg_orders", reader: "orders" }],
      ["input:shop.payments->gem:payments", { gem: "shop.payments", reader: "payments" }],
      ["gem:orders->gem:customer_orders", { gem: "orders", reader: "customer_orders" }],
      // Into the final SELECT, which a CTE of the same name does not stand for.
      ["gem:customer_orders->final", { gem: "customer_orders", reader: null }],
      ["gem:payments->final", { gem: "payments", reader: null }],
    ],
  );
  // The project view's edges are between models: no gem goes there.
  assert.ok(projectView(graph).edges.every((e) => e.insert === undefined));
});

test("a seed has no pipeline of its own; an unknown model neither", () => {
  assert.equal(modelView(graph, "raw_orders"), undefined);
  assert.equal(modelView(graph, "nope"), undefined);
});

test("columns the graph lacks (seeds, sources) are asked for and filled in", () => {
  const v = projectView(graph);
  assert.deepEqual(relationsMissingColumns(v).sort(), ["raw_orders", "shop.payments"]);
  const filled = withColumns(v, new Map([["raw_orders", cols("id", "user_id", "order_date")]]));
  assert.deepEqual(filled.nodes.find((n) => n.id === "rel:raw_orders")!.columns.map((c) => c.name), ["id", "user_id", "order_date"]);
  assert.equal(filled.nodes.find((n) => n.id === "rel:shop.payments")!.columns.length, 0);
});

test("the project view: every model, seed and source, with edges once each", () => {
  const v = projectView(graph, new Map([["customers", [{ severity: "error", message: "boom" }]]]));
  assert.deepEqual(
    v.nodes.map((n) => [n.id, n.role]),
    [
      ["rel:raw_orders", "seed"],
      ["rel:stg_orders", "model"],
      ["rel:customers", "model"],
      ["rel:shop.payments", "source"],
    ],
  );
  assert.deepEqual(v.edges.map((e) => e.id), ["rel:raw_orders->rel:stg_orders", "rel:stg_orders->rel:customers", "rel:shop.payments->rel:customers"]);
  assert.equal(v.nodes[2].diagnostics[0].message, "boom");
  assert.deepEqual(v.nodes[2].columns.map((c) => c.name), ["customer_id", "number_of_orders", "lifetime_value"]);
});

const r = (l1: number, c1: number, l2: number, c2: number) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });

test("diagnostics land on the gem whose code holds them", () => {
  const gems = [
    { name: "orders", range: r(0, 5, 2, 1) },
    { name: "customer_orders", range: r(4, 0, 10, 1) },
    { name: "customers", range: r(12, 0, 20, 0) },
  ];
  assert.equal(gemAt(gems, { line: 6, character: 3 })?.name, "customer_orders");
  assert.equal(gemAt(gems, { line: 3, character: 0 }), undefined);
  const by = diagnosticsByGem(gems, [
    { range: r(6, 4, 6, 10), message: "column `x` is not grouped", severity: "error", code: "L005" },
    { range: r(14, 0, 14, 3), message: "unknown column", severity: "error" },
    { range: r(3, 0, 3, 1), message: "between gems", severity: "warning" },
  ]);
  assert.deepEqual(by.get("customer_orders"), [{ severity: "error", message: "column `x` is not grouped", code: "L005" }]);
  // Outside every gem: on the final SELECT, so nothing is lost.
  assert.deepEqual(by.get("final")!.map((d) => d.message), ["unknown column", "between gems"]);
  assert.equal(by.get("orders"), undefined);
});

test("lineage lights the gems of the model and the input it comes through", () => {
  const v = modelView(graph, "customers")!;
  const cells = lineageCells(v, {
    root: 0,
    nodes: [
      { relation: "customers", gem: null, column: "customer_id" },
      { relation: "customers", gem: "customer_orders", column: "customer_id" },
      { relation: "customers", gem: "orders", column: "CUSTOMER_ID" },
      { relation: "stg_orders", gem: null, column: "customer_id" },
      { relation: "stg_orders", gem: "renamed", column: "customer_id" },
      { relation: "customers", gem: "orders", column: "not_a_column" },
    ],
    edges: [],
  });
  assert.deepEqual(
    [...cells].sort(),
    ["final\u0000customer_id", "gem:customer_orders\u0000customer_id", "gem:orders\u0000customer_id", "input:stg_orders\u0000customer_id"],
  );
});

test("lineage in the project view lights whole relations", () => {
  const v = projectView(graph);
  const cells = lineageCells(v, {
    root: 0,
    nodes: [
      { relation: "customers", gem: null, column: "customer_id" },
      { relation: "stg_orders", gem: "renamed", column: "customer_id" },
    ],
    edges: [],
  });
  assert.deepEqual([...cells].sort(), ["rel:customers\u0000customer_id", "rel:stg_orders\u0000customer_id"]);
});

test("a CTE named like its model is not the final SELECT", () => {
  const g: GraphResponse = {
    models: [
      {
        name: "customers",
        kind: "model",
        file: "models/customers.sql",
        gems: [
          { name: "customers", kind: "Source", inputs: ["stg_customers"], output: cols("customer_id") },
          { name: "customers", kind: "Reformat", inputs: ["customers"], output: cols("customer_id") },
        ],
      },
    ],
    edges: [],
  };
  const v = modelView(g, "customers")!;
  assert.deepEqual(v.nodes.map((n) => [n.id, n.gem ?? null]), [["input:stg_customers", null], ["gem:customers", "customers"], ["final", null]]);
  assert.deepEqual(v.edges.map((e) => e.id), ["input:stg_customers->gem:customers", "gem:customers->final"]);
  const lit = lineageCells(v, { root: 0, nodes: [{ relation: "customers", gem: null, column: "customer_id" }, { relation: "customers", gem: "customers", column: "customer_id" }], edges: [] });
  assert.deepEqual([...lit].sort(), ["final\u0000customer_id", "gem:customers\u0000customer_id"]);
});

test("gems read schema-qualified relations; they are the project's models and seeds", () => {
  const g: GraphResponse = {
    models: [
      { name: "raw_orders", kind: "seed", file: "seeds/raw_orders.csv", gems: [] },
      { name: "stg_orders", kind: "model", file: "models/stg_orders.sql", gems: [{ name: "stg_orders", kind: "Reformat", inputs: ["main.raw_orders"], output: cols("order_id") }] },
      {
        name: "orders",
        kind: "model",
        file: "models/orders.sql",
        gems: [
          { name: "o", kind: "Source", inputs: ["main.stg_orders"], output: cols("order_id") },
          { name: "r", kind: "Source", inputs: ["MAIN.RAW_ORDERS", "shop.payments"], output: cols("order_id") },
          { name: "orders", kind: "Join", inputs: ["o", "r"], output: cols("order_id") },
        ],
      },
    ],
    edges: [],
  };
  const v = modelView(g, "orders")!;
  const inputs = v.nodes.filter((n) => n.role === "input");
  assert.deepEqual(inputs.map((n) => [n.id, n.kind, n.relation, n.file ?? null]), [
    ["input:stg_orders", "model", "stg_orders", "models/stg_orders.sql"],
    ["input:raw_orders", "seed", "raw_orders", "seeds/raw_orders.csv"],
    ["input:shop.payments", "source", "shop.payments", null],
  ]);
  assert.deepEqual(inputs[0].columns.map((c) => c.name), ["order_id"]);
});
