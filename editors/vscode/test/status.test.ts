import { test } from "node:test";
import assert from "node:assert/strict";
import { statusText } from "../src/status";

const base = { fabric: "duckdb", starting: false, analysing: false, running: false, project: "shop" };

test("the status bar shows the fabric", () => {
  assert.equal(statusText(base).text, "$(database) duckdb");
});
test("it spins while analysis or a run is going, and says when the server failed", () => {
  assert.equal(statusText({ ...base, analysing: true }).text, "$(sync~spin) duckdb");
  assert.match(statusText({ ...base, running: true }).tooltip, /running a gem on duckdb/);
  const failed = statusText({ ...base, failed: "exited with code 101" });
  assert.equal(failed.text, "$(error) Loupe");
  assert.match(failed.tooltip, /exited with code 101/);
  assert.equal(statusText({ ...base, starting: true }).text, "$(loading~spin) Loupe");
});
