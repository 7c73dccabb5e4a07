// Bundles the extension (Node, CommonJS) and the webview pages (browser, IIFE); with --tests,
// the unit tests into out/test.
import * as esbuild from "esbuild";
import { cpSync, mkdirSync, readdirSync, rmSync } from "fs";

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");
const tests = process.argv.includes("--tests");

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: "warning", target: "es2022" };

const builds = [
  { ...common, entryPoints: ["src/extension.ts"], outfile: "dist/extension.js", platform: "node", format: "cjs", external: ["vscode"] },
  { ...common, entryPoints: ["src/webview/pipeline.ts"], outfile: "dist/webview/pipeline.js", platform: "browser", format: "iife" },
  { ...common, entryPoints: ["src/webview/results.ts"], outfile: "dist/webview/results.js", platform: "browser", format: "iife" },
];

if (tests) {
  rmSync("out/test", { recursive: true, force: true });
  await esbuild.build({
    ...common,
    sourcemap: true,
    entryPoints: readdirSync("test").filter((f) => f.endsWith(".test.ts")).map((f) => `test/${f}`),
    outdir: "out/test",
    platform: "node",
    format: "cjs",
    external: ["vscode"],
  });
} else {
  rmSync("dist", { recursive: true, force: true });
  mkdirSync("dist/webview", { recursive: true });
  cpSync("src/webview/pipeline.css", "dist/webview/pipeline.css");
  cpSync("src/webview/results.css", "dist/webview/results.css");
  if (watch) {
    for (const b of builds) await (await esbuild.context(b)).watch();
  } else {
    await Promise.all(builds.map((b) => esbuild.build(b)));
  }
}
