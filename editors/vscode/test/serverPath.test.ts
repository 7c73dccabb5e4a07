import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { findServer, shippedBinary } from "../src/serverPath";

const ext = "/ext/loupe-0.1.0";
const base = { extensionPath: ext, platform: "linux" as const, arch: "x64", pathVar: "/usr/local/bin:/usr/bin", home: "/home/ana" };

test("the setting wins over the shipped binary and PATH", () => {
  const files = new Set(["/opt/loupe/bin/loupe", shippedBinary(ext, "linux", "x64"), "/usr/bin/loupe"]);
  const r = findServer({ ...base, setting: "/opt/loupe/bin/loupe", isExecutable: (f) => files.has(f) });
  assert.deepEqual(r, { command: "/opt/loupe/bin/loupe", source: "setting" });
});

test("a setting with ~ is read from the home folder", () => {
  const r = findServer({ ...base, setting: "~/bin/loupe", isExecutable: (f) => f === "/home/ana/bin/loupe" });
  assert.deepEqual(r, { command: "/home/ana/bin/loupe", source: "setting" });
});

test("a setting that names a missing file is an error, not a silent fallback", () => {
  const r = findServer({ ...base, setting: "/nowhere/loupe", isExecutable: (f) => f === "/usr/bin/loupe" });
  assert.ok("error" in r);
  assert.match(r.error, /loupe\.server\.path/);
  assert.match(r.error, /\/nowhere\/loupe/);
});

test("without a setting, the binary shipped for the platform", () => {
  const shipped = path.join(ext, "server", "linux-x64", "loupe");
  const r = findServer({ ...base, setting: "  ", isExecutable: (f) => f === shipped || f === "/usr/bin/loupe" });
  assert.deepEqual(r, { command: shipped, source: "shipped" });
});

test("then the first loupe on PATH", () => {
  const r = findServer({ ...base, setting: null, isExecutable: (f) => f === "/usr/bin/loupe" || f === "/usr/local/bin/loupe" });
  assert.deepEqual(r, { command: "/usr/local/bin/loupe", source: "path" });
});

test("Windows looks for loupe.exe with ; in PATH", () => {
  const r = findServer({
    ...base,
    platform: "win32",
    pathVar: "C:\\tools;C:\\loupe",
    isExecutable: (f) => f === path.join("C:\\loupe", "loupe.exe"),
  });
  assert.deepEqual(r, { command: path.join("C:\\loupe", "loupe.exe"), source: "path" });
});

test("nothing found: one message that says what to do", () => {
  const r = findServer({ ...base, isExecutable: () => false });
  assert.ok("error" in r);
  assert.match(r.error, /loupe\.server\.path/);
  assert.match(r.error, /PATH/);
  assert.match(r.error, /linux-x64/);
});
