import { test } from "node:test";
import assert from "node:assert/strict";
import { columnRows, edgeInsertParams, editableParts, GemParts, inputColumns, rowColumns } from "../src/pipelineEdit";

// The shape `loupe/gemParts` answers with (docs/lsp-extensions.md).
const reformat: GemParts = {
  gem: null,
  kind: "Reformat",
  parts: {
    kind: "Reformat",
    columns: [{ column: "id" }, { column: "amount", name: "paid_amount" }, { expression: "amount * 2", name: "doubled" }, { expression: "upper(status)" }, { expression: '"ID"', name: "Order ID" }],
  },
  reason: null,
  inputs: [{ name: "orders", columns: [{ name: "id", type: "INTEGER" }, { name: "amount", type: "DOUBLE" }], complete: true }],
};

test("a Reformat's columns become the form's rows, and the rows the same columns", () => {
  const parts = editableParts(reformat);
  assert.ok(parts && "rows" in parts);
  assert.deepEqual(parts.rows, [
    { expression: "id", as: "" },
    { expression: "amount", as: "paid_amount" },
    { expression: "amount * 2", as: "doubled" },
    { expression: "upper(status)", as: "" },
    { expression: '"ID"', as: "Order ID" },
  ]);
  assert.deepEqual(rowColumns(parts.rows), (reformat.parts as { columns: unknown }).columns);
});

test("rows typed in the form: a plain name picks a column, empty rows are left out", () => {
  assert.deepEqual(
    rowColumns([
      { expression: " customer_id ", as: "" },
      { expression: "", as: "nothing" },
      { expression: "Amount", as: "a" },
      { expression: "coalesce(x, 0)", as: " x " },
    ]),
    [{ column: "customer_id" }, { expression: "Amount", name: "a" }, { expression: "coalesce(x, 0)", name: "x" }],
  );
  // Aggregated columns (from a form that writes them) read back as expressions.
  assert.deepEqual(columnRows([{ function: "sum", column: "amount", name: "total" }, { column: "id", name: "id" }]), [
    { expression: "sum(amount)", as: "total" },
    { expression: "id", as: "" },
  ]);
});

test("a Filter's condition is its part; other kinds have none, and say why", () => {
  assert.deepEqual(editableParts({ ...reformat, kind: "Filter", parts: { kind: "Filter", condition: "status = 'paid'" } }), { condition: "status = 'paid'" });
  assert.equal(editableParts({ ...reformat, kind: "Aggregate", parts: null, reason: "edit the code instead" }), undefined);
  assert.equal(editableParts(undefined), undefined);
});

test("the pickers list each input column once", () => {
  const twoInputs: GemParts = {
    ...reformat,
    inputs: [...reformat.inputs, { name: "customers", columns: [{ name: "ID", type: "INTEGER" }, { name: "name", type: "VARCHAR" }], complete: true }],
  };
  assert.deepEqual(inputColumns(twoInputs).map((c) => c.name), ["id", "amount", "name"]);
});

test("an insert on an edge: the edge's start is the gem, its end the reader", () => {
  const edge = { id: "gem:orders->final", from: "gem:orders", to: "final", insert: { gem: "orders", reader: null } };
  assert.deepEqual(edgeInsertParams(edge, { op: "insert", gem: { kind: "Limit", count: 10 } }), {
    gem: "orders",
    operation: { op: "insert", gem: { kind: "Limit", count: 10 }, reader: { gem: null } },
  });
  assert.equal(edgeInsertParams(edge, { op: "remove" }), undefined);
  assert.equal(edgeInsertParams({ id: "a->b", from: "a", to: "b" }, { op: "insert" }), undefined);
});
