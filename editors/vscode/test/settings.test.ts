import { test } from "node:test";
import assert from "node:assert/strict";
import { initializationOptions, needsRestart, readSettings } from "../src/settings";

const getter = (values: Record<string, unknown>) => <T>(k: string) => values[k] as T | undefined;

test("defaults: a row limit, nothing else", () => {
  const s = readSettings(getter({}));
  assert.deepEqual(s, { fabric: null, rowLimit: 1000, vars: null, target: null, trace: "off" });
  assert.deepEqual(initializationOptions(s), { rowLimit: 1000 });
});

test("settings the user set reach the server as initialization options", () => {
  const s = readSettings(
    getter({ fabric: " prod ", "run.rowLimit": 250, vars: { start: "2024-01-01" }, target: "dev", "trace.server": "verbose" }),
  );
  assert.deepEqual(initializationOptions(s), {
    fabric: "prod",
    rowLimit: 250,
    vars: { start: "2024-01-01" },
    target: "dev",
    trace: "verbose",
  });
});

test("vars written as a JSON string are parsed; other text is dropped", () => {
  assert.deepEqual(readSettings(getter({ vars: '{"a": 1}' })).vars, { a: 1 });
  assert.equal(readSettings(getter({ vars: "a: 1" })).vars, null);
  assert.equal(readSettings(getter({ vars: {} })).vars, null);
  assert.equal(readSettings(getter({ vars: [1] })).vars, null);
});

test("the row limit is clamped to a sane range", () => {
  assert.equal(readSettings(getter({ "run.rowLimit": 0 })).rowLimit, 1);
  assert.equal(readSettings(getter({ "run.rowLimit": 5e9 })).rowLimit, 1_000_000);
  assert.equal(readSettings(getter({ "run.rowLimit": 12.7 })).rowLimit, 12);
  assert.equal(readSettings(getter({ "run.rowLimit": "x" })).rowLimit, 1000);
});

test("a change of what the server reads at start restarts it; an unknown trace value does not", () => {
  const a = readSettings(getter({}));
  assert.equal(needsRestart(a, readSettings(getter({ fabric: "prod" }))), true);
  assert.equal(needsRestart(a, readSettings(getter({ "trace.server": "bogus" }))), false);
});
