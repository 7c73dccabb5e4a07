import { test } from "node:test";
import assert from "node:assert/strict";
import { codeKey, elapsedText, isStale, resultsData, rowCountText, toCsv, toTsv, visibleSlice } from "../src/resultsData";

const answer = {
  columns: [
    ["customer_id", "INTEGER"],
    ["first_order", "DATE"],
    ["lifetime_value", "DECIMAL(18,3)"],
  ] as [string, string][],
  rows: [
    ["1", "2018-01-01", "33.000"],
    ["2", null, null],
  ],
  truncated: false,
  row_count: 2,
  elapsed_ms: 3.14159,
  sql: "WITH __loupe_stg_orders AS (...) SELECT * FROM customer_orders",
};

test("a run's answer becomes the table: names, types, numeric columns, facts", () => {
  const d = resultsData(answer, { model: "customers", gem: "customer_orders", fabric: "duckdb" });
  assert.equal(d.title, "customers › customer_orders");
  assert.deepEqual(d.columns, [
    { name: "customer_id", type: "INTEGER" },
    { name: "first_order", type: "DATE" },
    { name: "lifetime_value", type: "DECIMAL(18,3)" },
  ]);
  assert.deepEqual(d.numeric, [true, false, true]);
  assert.equal(d.rowCountText, "2 rows");
  assert.equal(d.elapsedText, "3.1 ms");
  assert.equal(d.fabric, "duckdb");
  assert.equal(d.sql, answer.sql);
  assert.equal(d.stale, false);
  assert.equal(resultsData(answer, { model: "customers", gem: null, fabric: "x" }).title, "customers");
});

test("row counts say when more rows exist", () => {
  assert.equal(rowCountText({ rows: new Array(100).fill([]), truncated: true, row_count: null }), "first 100 rows (more exist)");
  assert.equal(rowCountText({ rows: new Array(10000).fill([]), truncated: false, row_count: 10000 }), "10,000 rows");
  assert.equal(rowCountText({ rows: [[]], truncated: false, row_count: 1 }), "1 row");
  assert.equal(rowCountText({ rows: [], truncated: false, row_count: null }), "0 rows");
});

test("elapsed time in the unit a person reads", () => {
  assert.equal(elapsedText(42.4), "42 ms");
  assert.equal(elapsedText(1534), "1.53 s");
  assert.equal(elapsedText(125_000), "2 min 5 s");
});

test("CSV export quotes what needs quoting and leaves NULL empty", () => {
  const csv = toCsv(
    [{ name: "id" }, { name: "note, with comma" }],
    [
      ["1", 'say "hi"'],
      ["2", null],
      ["3", "two\nlines"],
      ["4", " padded"],
    ],
  );
  assert.equal(csv, 'id,"note, with comma"\r\n1,"say ""hi"""\r\n2,\r\n3,"two\nlines"\r\n4," padded"\r\n');
});

test("copy gives tab-separated text without stray tabs or newlines", () => {
  assert.equal(toTsv([{ name: "a" }, { name: "b" }], [["x\ty", null], ["1", "2\n3"]]), "a\tb\nx y\t\n1\t2 3\n");
});

test("rows go stale when the gem's code changes, not when only its layout does", () => {
  const ran = "customer_orders as (\n  select customer_id from orders\n)";
  assert.equal(isStale(ran, "customer_orders as (\n    select customer_id\n    from orders\n)"), false);
  assert.equal(isStale(ran, "customer_orders as (\n  select customer_id, 1 from orders\n)"), true);
  assert.equal(isStale(ran, undefined), true);
  assert.equal(codeKey("  a\n\tb  "), "a b");
});

test("the table draws only the rows in view, so 10,000 rows scroll smoothly", () => {
  assert.deepEqual(visibleSlice(0, 440, 22, 10_000), { start: 0, end: 30 });
  assert.deepEqual(visibleSlice(22 * 5000, 440, 22, 10_000), { start: 4990, end: 5030 });
  assert.deepEqual(visibleSlice(22 * 9999, 440, 22, 10_000), { start: 9989, end: 10_000 });
  assert.deepEqual(visibleSlice(-50, 440, 22, 3), { start: 0, end: 3 });
});
