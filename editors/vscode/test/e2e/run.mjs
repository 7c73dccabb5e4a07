// End-to-end test: the packaged extension in a real VS Code (code-server), driven by Playwright
// through Chromium, on a copy of the valid fixture project with a few extra models.
//
// Environment:
//   LOUPE_BIN        the `loupe` binary (built with the `fabric` feature)
//   CODE_SERVER      code-server's entry.js (node_modules/code-server/out/node/entry.js)
//   NODE24           a Node 24 binary for code-server (default: `node`)
//   CHROMIUM         Chromium's binary (default: /usr/bin/chromium)
//   VSIX             a packaged extension to install (default: packaged here with vsce)
//   SCREENSHOTS      where screenshots go (default: ../../screenshots), "" to skip them
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const here = path.dirname(fileURLToPath(import.meta.url));
const extRoot = path.resolve(here, "../..");
const repo = path.resolve(extRoot, "../..");
const LOUPE_BIN = process.env.LOUPE_BIN ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(process.env.HOME, ".cache/loupe-target"), "debug/loupe");
const CODE_SERVER = process.env.CODE_SERVER;
const NODE24 = process.env.NODE24 ?? "node";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOTS = process.env.SCREENSHOTS ?? path.join(extRoot, "screenshots");
const KEEP = process.env.LOUPE_E2E_KEEP === "1";

assert.ok(existsSync(LOUPE_BIN), `no loupe binary at ${LOUPE_BIN}`);
assert.ok(CODE_SERVER && existsSync(CODE_SERVER), "CODE_SERVER must name code-server's entry.js");

const started = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- The project: the valid fixture plus models the test needs ----
const work = mkdtempSync(path.join(tmpdir(), "loupe-vscode-e2e-"));
const project = path.join(work, "shop");
cpSync(path.join(repo, "tests/fixtures/valid_project"), project, { recursive: true });
rmSync(path.join(project, "target"), { recursive: true, force: true });
// A gem at fault: `order_total` is not a column of `orders`.
writeFileSync(
  path.join(project, "models/marts/order_summary.sql"),
  `with orders as (
    select * from {{ ref('stg_orders') }}
),

order_totals as (
    select
        customer_id,
        order_total
    from orders
)

select * from order_totals
`,
);
// A Filter gem and a Reformat: the edit form starts from their parts.
writeFileSync(
  path.join(project, "models/marts/paid_orders.sql"),
  `with orders as (
    select * from {{ ref('stg_orders') }}
),

completed as (
    select * from orders
    where status = 'completed'
)

select order_id, customer_id, status from completed
`,
);
// Ten thousand rows to scroll.
writeFileSync(
  path.join(project, "models/marts/numbers.sql"),
  `with numbers as (
    select range as n, 'row ' || range as label from range(10000)
)

select * from numbers
`,
);
// A run long enough to cancel.
writeFileSync(
  path.join(project, "models/marts/slow.sql"),
  `with pairs as (
    select count(*) as n from range(100000000) a, range(100000000) b where a.range + b.range = 7
)

select * from pairs
`,
);

// A Git repository on a feature branch: `kind` leaves impact_source in the
// working tree while impact_reader still reads it.
writeFileSync(path.join(project, "models/marts/impact_source.sql"), "select 1 as id, 'web' as kind\n");
writeFileSync(path.join(project, "models/marts/impact_reader.sql"), "select id, kind from {{ ref('impact_source') }}\n");
const git = (...args) =>
  execFileSync("git", ["-c", "user.name=Loupe Test", "-c", "user.email=test@loupe.invalid", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args], {
    cwd: project,
    stdio: "ignore",
  });
git("init", "-q");
git("add", "-A");
git("commit", "-qm", "the shop");
git("checkout", "-qb", "feature");
writeFileSync(path.join(project, "models/marts/impact_source.sql"), "select 1 as id\n");

// ---- VS Code's folders and settings ----
const userData = path.join(work, "user-data");
const extensions = path.join(work, "extensions");
mkdirSync(path.join(userData, "User"), { recursive: true });
// `loupe.server.path` is a machine setting: in code-server those come from Machine/settings.json.
mkdirSync(path.join(userData, "Machine"), { recursive: true });
writeFileSync(path.join(userData, "Machine/settings.json"), JSON.stringify({ "loupe.server.path": LOUPE_BIN }, null, 2));
const writeSettings = (theme) =>
  writeFileSync(
    path.join(userData, "User/settings.json"),
    JSON.stringify(
      {
        "security.workspace.trust.enabled": false,
        "workbench.colorTheme": theme,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": false,
        "workbench.enableExperiments": false,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "update.mode": "none",
        "editor.minimap.enabled": false,
        // VS Code in a browser saves after a delay by default; the test types and reverts.
        "files.autoSave": "off",
        "editor.hover.delay": 200,
        "window.commandCenter": false,
        "chat.disableAIFeatures": true,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "loupe.server.path": LOUPE_BIN,
        "loupe.run.rowLimit": 10000,
      },
      null,
      2,
    ),
  );
writeSettings("Default Light Modern");

// ---- Package and install the extension ----
let vsix = process.env.VSIX;
if (!vsix) {
  vsix = path.join(work, "loupe.vsix");
  log("packaging the extension");
  execFileSync("npx", ["vsce", "package", "--no-dependencies", "--skip-license", "--allow-missing-repository", "--no-rewrite-relative-links", "-o", vsix], {
    cwd: extRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
}
log("installing", vsix);
execFileSync(NODE24, [CODE_SERVER, "--user-data-dir", userData, "--extensions-dir", extensions, "--install-extension", vsix], {
  stdio: ["ignore", "inherit", "inherit"],
});

// ---- Start code-server ----
const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const server = spawn(
  NODE24,
  [
    CODE_SERVER,
    "--auth", "none",
    "--bind-addr", `127.0.0.1:${port}`,
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--user-data-dir", userData,
    "--extensions-dir", extensions,
    project,
  ],
  { stdio: ["ignore", "pipe", "pipe"], detached: true },
);
let serverLog = "";
server.stdout.on("data", (d) => (serverLog += d));
server.stderr.on("data", (d) => (serverLog += d));
for (let i = 0; ; i++) {
  if (/HTTP server listening/.test(serverLog)) break;
  if (i > 300 || server.exitCode !== null) throw new Error(`code-server did not start:\n${serverLog}`);
  await sleep(100);
}
log("code-server on port", port);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const failures = [];

async function cleanup() {
  await browser.close().catch(() => {});
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {}
  if (!KEEP) rmSync(work, { recursive: true, force: true });
}

// ---- Helpers that drive the workbench like a person ----
const mod = "Control";
// Keys typed while a webview has focus stay in its frame: give the focus back to the workbench.
async function unfocusWebview() {
  await page.evaluate(() => {
    const a = document.activeElement;
    if (a && a.tagName === "IFRAME") a.blur();
  });
}
async function command(title) {
  for (let attempt = 1; ; attempt++) {
    await unfocusWebview();
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget input");
    try {
      await input.waitFor({ state: "visible", timeout: 10000 });
      // The pointer leaves whatever it rested on (a tab's hover would cover the list).
      await input.hover({ timeout: 5000 });
      await input.fill(`>${title}`, { timeout: 5000 });
      const row = page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first();
      await row.waitFor({ timeout: 15000 });
      await row.click({ timeout: 5000 });
      return;
    } catch (e) {
      // The palette closes when the focus moves (an editor that opened a moment late takes it):
      // open it again, as a person would.
      if (attempt === 3) throw e;
      log(`the command palette closed before "${title}" ran; again`);
      if (await input.isVisible()) await page.keyboard.press("Escape");
      await sleep(300);
    }
  }
}
async function openFile(rel) {
  for (let attempt = 1; ; attempt++) {
    await unfocusWebview();
    await page.keyboard.press(`${mod}+P`);
    const input = page.locator(".quick-input-widget input");
    try {
      await input.waitFor({ state: "visible", timeout: 10000 });
      await input.fill(rel, { timeout: 5000 });
      const row = page.locator(".quick-input-list .monaco-list-row", { hasText: path.basename(rel) }).first();
      await row.waitFor({ timeout: 15000 });
      await sleep(200);
      await row.click({ timeout: 5000 });
      break;
    } catch (e) {
      // Quick open closes, or turns inert, when the window moves the focus under it (a server
      // that restarts shows and hides its progress): open it again, as a person would.
      if (attempt === 3) throw e;
      log(`quick open closed before ${rel} opened; again`);
      if (await input.isVisible()) await page.keyboard.press("Escape");
      await sleep(500);
    }
  }
  await page.locator(`.tab.active[data-resource-name="${path.basename(rel)}"], .tab.active:has-text("${path.basename(rel)}")`).first().waitFor({ timeout: 15000 });
  await page.locator(".monaco-editor .view-lines").first().waitFor();
  // The editor has the focus: a palette opened next is not closed by the focus arriving late.
  const focused = page.locator(".editor-group-container.active .monaco-editor.focused").first();
  try {
    await focused.waitFor({ timeout: 5000 });
  } catch {
    // Something else kept the focus (a notification, a view that refreshed): click into the
    // text, as a person would.
    const holder = await page.evaluate(() => {
      const a = document.activeElement;
      return a ? `${a.tagName}.${String(a.className).split(" ").slice(0, 3).join(".")}` : "nothing";
    });
    log(`the editor of ${rel} opened without the focus (${holder} has it); clicking into it`);
    await unfocusWebview();
    await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click({ timeout: 5000 });
    await focused.waitFor({ timeout: 10000 });
  }
}
async function goTo(line, col) {
  await page.keyboard.press(`${mod}+G`);
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible" });
  await input.fill(`:${line}:${col}`);
  await sleep(150);
  await page.keyboard.press("Enter");
  await sleep(150);
}
async function revert() {
  await command("File: Revert File");
  for (let i = 0; i < 50 && (await page.locator(".tab.active.dirty").count()) > 0; i++) await sleep(200);
  assert.equal(await page.locator(".tab.active.dirty").count(), 0, "the file is reverted");
}
async function cursorLine() {
  const t = await page.locator("#status\\.editor\\.selection").innerText();
  return Number(/Ln (\d+)/.exec(t)?.[1]);
}
async function frameWith(selector, timeout = 30000) {
  // The webview whose document holds `selector`.
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    for (const f of page.frames()) {
      try {
        if (await f.locator(selector).count()) return f;
      } catch {}
    }
    await sleep(200);
  }
  throw new Error(`no webview shows ${selector}`);
}
const GRAPH_MARGIN = 16;
// How far to move a box [lo, lo + size) so that it lies inside the view [vlo, vlo + vsize), in one
// drag of at most the view's size.
function panBy(lo, size, vlo, vsize) {
  const m = GRAPH_MARGIN;
  let d = 0;
  if (size > vsize - 2 * m || lo < vlo + m) d = vlo + m - lo;
  else if (lo + size > vlo + vsize - m) d = vlo + vsize - m - (lo + size);
  return Math.max(-(vsize - 2 * m), Math.min(vsize - 2 * m, d));
}
// The graph pans (at its smallest zoom a wide graph does not fit its view): drag the canvas, as a
// person would, until `selector` lies inside the view, then hand it back.
async function inGraph(f, selector) {
  const target = f.locator(selector).first();
  await target.waitFor({ timeout: 15000 });
  const svg = f.locator("#svg");
  for (let i = 0; i < 10; i++) {
    const [box, view] = [await target.boundingBox(), await svg.boundingBox()];
    if (!box || !view) break;
    const dx = panBy(box.x, box.width, view.x, view.width);
    const dy = panBy(box.y, box.height, view.y, view.height);
    if (Math.abs(dx) < 1 && Math.abs(dy) < 1) break;
    // Grab the canvas where the grab and the drop both stay inside the view.
    const edge = GRAPH_MARGIN / 2;
    const gx = dx > 0 ? view.x + edge : view.x + view.width - edge;
    const gy = dy > 0 ? view.y + edge : view.y + view.height - edge;
    await page.mouse.move(gx, gy);
    await page.mouse.down();
    await page.mouse.move(gx + dx, gy + dy, { steps: 6 });
    await page.mouse.up();
    await sleep(100);
  }
  return target;
}
// A view changes size a moment after its editor group does: wait until it stops changing, and
// return its frame. VS Code may put the view in a new frame as the group is maximised and restored
// (the old one is detached): the frame is looked up again, by what it shows, at each look.
async function settled(selector) {
  let [last, f] = ["", null];
  for (let i = 0; i < 25; i++) {
    f = await frameWith(selector);
    let now;
    try {
      now = JSON.stringify(await f.locator("#svg").boundingBox({ timeout: 2000 }));
    } catch {
      last = "";
      await sleep(200);
      continue;
    }
    if (now === last) break;
    last = now;
    await sleep(200);
  }
  return f;
}
// Where the views were when a step failed: the size of each graph's view and its pan and zoom.
async function describeGraphs() {
  for (const f of page.frames()) {
    try {
      if (!(await f.locator("#svg").count())) continue;
      const view = await f.locator("#svg").boundingBox();
      const transform = await f.locator("#viewport").getAttribute("transform");
      log(`  graph view ${JSON.stringify(view)} transform ${transform}`);
    } catch {}
  }
}
async function shot(name, locator) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  if (locator) await locator.screenshot({ path: file });
  else await page.screenshot({ path: file });
  log("screenshot", path.relative(extRoot, file));
}
async function step(name, fn) {
  const t = Date.now();
  try {
    await fn();
    log(`ok   ${name} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
  } catch (e) {
    failures.push(name);
    log(`FAIL ${name}: ${e.stack ?? e}`);
    await describeGraphs();
    if (SCREENSHOTS) await page.screenshot({ path: path.join(work, `failed-${name.replace(/\W+/g, "_")}.png`) }).catch(() => {});
    if (KEEP) log("work folder kept:", work);
  }
}

try {
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(project)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 60000 });
  log("workbench up");
  // More room for the editor and the views: no side bar.
  await page.keyboard.press(`${mod}+B`);
  // The status bar shows the fabric once the server answered loupe/fabrics.
  await step("status bar shows the fabric", async () => {
    await openFile("models/marts/customers.sql");
    await page.locator(".statusbar-item", { hasText: "duckdb" }).first().waitFor({ timeout: 60000 });
    // Let the restored editors and views settle before typing.
    await sleep(2000);
  });

  await step("diagnostic on the gem at fault", async () => {
    await openFile("models/marts/order_summary.sql");
    await page.locator(".monaco-editor .squiggly-error").first().waitFor({ timeout: 30000 });
    await page.keyboard.press(`${mod}+Shift+M`);
    const marker = page.locator(".markers-panel .monaco-list-row", { hasText: "order_total" }).first();
    await marker.waitFor({ timeout: 15000 });
    const text = await marker.innerText();
    // Line 8 (`order_total`) is inside the gem order_totals (lines 5-10).
    const line = Number(/\[Ln (\d+)/.exec(text)?.[1]);
    assert.ok(line >= 5 && line <= 10, `the diagnostic is at line ${line}: ${text}`);
    await page.keyboard.press(`${mod}+J`); // close the panel again
  });

  const hoverShot = async (theme) => {
    await openFile("models/marts/customers.sql");
    await goTo(13, 5); // on `customer_orders as (`
    // Right after a start the server may still be loading the project: ask again until it answers.
    const schema = page.locator(".monaco-hover:visible", { hasText: "number_of_orders" }).first();
    for (let attempt = 0; ; attempt++) {
      await command("Show or Focus Hover");
      try {
        await schema.waitFor({ timeout: 5000 });
        break;
      } catch (e) {
        if (attempt >= 5) throw e;
        await page.keyboard.press("Escape");
        // Focus the editor itself, then the gem's name again.
        await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().click();
        await goTo(13, 5);
      }
    }
    const text = await page.locator(".monaco-hover:visible").first().innerText();
    assert.match(text, /number_of_orders/);
    assert.match(text, /BIGINT|INTEGER/);
    await shot(`hover-${theme}`, page.locator(".part.editor"));
    await page.keyboard.press("Escape");
  };
  await step("hover with a schema", () => hoverShot("light"));

  await step("a change that breaks a model downstream, against Git", async () => {
    await openFile("models/marts/impact_source.sql");
    await page.keyboard.press(`${mod}+Shift+M`);
    const marker = page.locator(".markers-panel .monaco-list-row", { hasText: "removes `kind`" }).first();
    await marker.waitFor({ timeout: 60000 });
    assert.match(await marker.innerText(), /used by `impact_reader.kind`/);
    // The broken use, as related information under the error.
    await page.locator(".markers-panel .monaco-list-row", { hasText: "still reads it here" }).first().waitFor({ timeout: 10000 });
    await page.keyboard.press(`${mod}+J`);
    const lens = page.locator(".codelens-decoration a", { hasText: "breaks 1 use downstream" }).first();
    await lens.waitFor({ timeout: 20000 });
    await page.locator(".codelens-decoration a", { hasText: "1 downstream model" }).first().waitFor({ timeout: 5000 });
    await shot("impact-light", page.locator(".part.editor"));
    await lens.click();
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "breaks impact_reader" }).first().waitFor({ timeout: 15000 });
    await page.keyboard.press("Escape");
    // Gone from disk, gone from the project: the later steps see the shop as it was.
    await command("View: Close Editor");
    for (const model of ["impact_source", "impact_reader"]) rmSync(path.join(project, `models/marts/${model}.sql`));
    await sleep(2000);
  });

  await step("completion of a column", async () => {
    await openFile("models/marts/customers.sql");
    await goTo(34, 1);
    await page.keyboard.press("End");
    await page.keyboard.type("\n    customer_orders.");
    const suggest = page.locator(".suggest-widget .monaco-list-row", { hasText: "number_of_orders" }).first();
    try {
      await suggest.waitFor({ timeout: 8000 });
    } catch {
      await page.keyboard.press(`${mod}+Space`);
      await suggest.waitFor({ timeout: 15000 });
    }
    await page.keyboard.press("Escape");
    // Put the file back as it was.
    await revert();
  });

  await step("lineage of the column under the cursor", async () => {
    await openFile("models/marts/customers.sql");
    await goTo(38, 22); // customer_orders.number_of_orders in the final SELECT
    await command("Loupe: Show Lineage: Where This Column Comes From");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "customer_orders . number_of_orders" }).first().waitFor({ timeout: 15000 });
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "raw_orders . id" }).first().waitFor({ timeout: 5000 });
    await page.keyboard.press("Escape");
  });

  await step("compiled SQL beside the model", async () => {
    await openFile("models/marts/customers.sql");
    await command("Loupe: Show Compiled SQL");
    await page.locator(".tab", { hasText: "customers (compiled).sql" }).first().waitFor({ timeout: 15000 });
    await page.locator(".monaco-editor .view-lines", { hasText: "stg_customers" }).last().waitFor({ timeout: 15000 });
    const text = await page.locator(".editor-group-container.active .monaco-editor .view-lines").first().innerText();
    assert.ok(!text.includes("{{"), "Jinja is rendered");
    await page.locator(".tab", { hasText: "customers (compiled).sql" }).first().click();
    await command("View: Close Editor");
    await page.locator(".tab", { hasText: "customers (compiled).sql" }).waitFor({ state: "detached", timeout: 10000 });
  });

  await step("select a fabric from loupe.toml's list", async () => {
    await openFile("models/marts/customers.sql");
    await command("Loupe: Select Fabric");
    const row = page.locator(".quick-input-list .monaco-list-row", { hasText: "duckdb" }).first();
    await row.waitFor({ timeout: 15000 });
    assert.match(await row.innerText(), /ready/);
    await row.click();
    await page.locator(".statusbar-item", { hasText: "duckdb" }).first().waitFor();
  });

  const runAndRead = async (theme) => {
    await openFile("models/marts/customers.sql");
    await goTo(15, 9); // inside customer_orders
    await command("Loupe: Run Gem");
    const f = await frameWith(".tr[data-row]", 90000);
    const title = await f.locator("#title").innerText();
    assert.match(title, /customer_orders/);
    const header = await f.locator("#header").innerText();
    assert.match(header, /customer_id/);
    assert.match(header, /number_of_orders/);
    const facts = await f.locator("#facts").innerText();
    assert.match(facts, /rows/);
    assert.match(facts, /duckdb/);
    const firstRow = await f.locator('.tr[data-row="0"]').innerText();
    assert.ok(firstRow.trim().length > 0, "the first row has values");
    await shot(`results-${theme}`, page.locator(".part.panel"));
    return f;
  };
  await step("run a gem and read its rows", () => runAndRead("light"));

  await step("the rows go stale when the gem's code changes", async () => {
    const f = await frameWith(".tr[data-row]");
    await goTo(18, 1);
    await page.keyboard.press("End");
    await page.keyboard.type(" + 0");
    await f.locator("#stale:not([hidden])").waitFor({ timeout: 20000 });
    await revert();
  });

  await step("10,000 rows scroll in a virtual table", async () => {
    await openFile("models/marts/numbers.sql");
    await goTo(2, 5);
    await command("Loupe: Run Gem");
    const f = await frameWith('.tr[data-row="0"]', 90000);
    await f.locator("#facts", { hasText: "10,000 rows" }).waitFor({ timeout: 60000 });
    const inDom = await f.locator(".tr").count();
    assert.ok(inDom < 200, `only the visible rows are drawn (${inDom})`);
    await f.locator("#scroller").evaluate((el) => (el.scrollTop = el.scrollHeight));
    await f.locator('.tr[data-row="9999"]').waitFor({ timeout: 10000 });
    assert.match(await f.locator('.tr[data-row="9999"]').innerText(), /row 9999/);
  });

  await step("cancel a long run", async () => {
    await openFile("models/marts/slow.sql");
    await goTo(2, 5);
    await command("Loupe: Run Gem");
    const f = await frameWith("#cancel:not([hidden])", 60000);
    await sleep(1500);
    const t = Date.now();
    await f.locator("#cancel").click();
    await f.locator("#error", { hasText: "cancelled" }).waitFor({ timeout: 20000 });
    assert.ok(Date.now() - t < 15000, "the run stopped soon after Cancel");
    await shot("results-cancelled", page.locator(".part.panel"));
  });

  const pipeline = async (theme) => {
    await openFile("models/marts/customers.sql");
    await command("Loupe: Open Pipeline View");
    const f = await frameWith('.node[data-id="gem:customer_orders"]', 60000);
    // Every CTE, and the final SELECT (named like the model, as the CTE `customers` is).
    for (const id of ["gem:customers", "gem:orders", "gem:payments", "gem:customer_orders", "gem:customer_payments", "final"]) {
      await f.locator(`.node[data-id="${id}"]`).waitFor({ timeout: 10000 });
    }
    for (const input of ["stg_customers", "stg_orders", "jinja_pivot"]) {
      await f.locator(`.node[data-id="input:${input}"]`).waitFor({ timeout: 10000 });
    }
    const co = await f.locator('.node[data-id="gem:customer_orders"]').textContent();
    for (const col of ["customer_id", "first_order", "most_recent_order", "number_of_orders"]) assert.ok(co.includes(col), `customer_orders shows ${col}`);
    const fin = await f.locator('.node[data-id="final"]').textContent();
    assert.ok(fin.includes("lifetime_value"), "the final SELECT shows lifetime_value");
    assert.ok((await f.locator(".edge").count()) >= 7, "edges between the gems");
    // The view alone, maximised, for the picture.
    const tab = page.locator(".tab", { hasText: "Pipeline:" }).first();
    await tab.dblclick();
    await sleep(800);
    await shot(`pipeline-${theme}`, page.locator(".part.editor"));
    await tab.dblclick();
    return await settled('.node[data-id="gem:customer_orders"]');
  };
  await step("pipeline view shows every gem with its columns", () => pipeline("light"));

  await step("click a node to reveal its code", async () => {
    const f = await frameWith('.node[data-id="gem:customer_payments"]');
    await (await inGraph(f, '.node[data-id="gem:customer_payments"] .name')).click();
    for (let i = 0; i < 50 && (await cursorLine()) !== 23; i++) await sleep(200);
    assert.equal(await cursorLine(), 23, "the cursor is on the gem customer_payments");
  });

  await step("▶ on a node runs its gem", async () => {
    const f = await frameWith('.node[data-id="gem:customer_payments"]');
    await (await inGraph(f, '.node[data-id="gem:customer_payments"] [data-run]')).click();
    const r = await frameWith("#title");
    await r.locator("#title", { hasText: "customer_payments" }).waitFor({ timeout: 60000 });
    await r.locator('.tr[data-row="0"]').waitFor({ timeout: 60000 });
    assert.match(await r.locator("#header").innerText(), /lifetime_value/);
  });

  await step("hover a column to see its lineage", async () => {
    const f = await frameWith('.node[data-id="final"]');
    await (await inGraph(f, '.node[data-id="final"] .col[data-col="number_of_orders"]')).hover();
    await f.locator('.node[data-id="gem:customer_orders"] .col.lit[data-col="number_of_orders"]').waitFor({ timeout: 15000 });
  });

  await step("add a Filter from the pipeline view: in the graph and the code, then undo it", async () => {
    const f = await frameWith('.node[data-id="gem:orders"] [data-add]');
    await (await inGraph(f, '.node[data-id="gem:orders"] [data-add]')).click();
    await f.locator("#edit-form select[name=kind]").selectOption("Filter");
    // Picking a column (shown with its type) writes it into the condition.
    await f.locator("#edit-form select[name=pick]").selectOption("order_id");
    const condition = f.locator("#edit-form input[name=condition]");
    await condition.fill(`${await condition.inputValue()} is not null`);
    await sleep(300);
    await shot("pipeline-edit-form-light", page.locator(".part.editor"));
    await f.locator("#edit-form button[type=submit]").click();
    try {
      const added = f.locator('.node[data-id="gem:orders_filtered"]');
      const refused = f.locator("#edit-form .form-error:not([hidden])");
      for (let i = 0; i < 150 && !(await added.count()) && !(await refused.count()); i++) await sleep(200);
      if (await refused.count()) throw new Error(`the edit was refused: ${await refused.innerText()}`);
      await added.waitFor({ timeout: 1000 });
      assert.equal(await f.locator("#edit-form").isHidden(), true, "the form closes");
      // The code, revealed at the new gem (inlay hints split lines at column names).
      const line = (text) => page.locator(".monaco-editor .view-line", { hasText: text });
      await line("orders_filtered as (").first().waitFor({ timeout: 15000 });
      await line("is not null").first().waitFor({ timeout: 15000 });
      // The editor's undo takes the whole edit back, and the graph follows.
      await command("View: Focus Active Editor Group");
      await sleep(200);
      await page.keyboard.press(`${mod}+Z`);
      await f.locator('.node[data-id="gem:orders_filtered"]').waitFor({ state: "detached", timeout: 30000 });
      assert.equal(await line("orders_filtered").count(), 0, "the code is as it was");
    } finally {
      if ((await page.locator(".tab.active.dirty").count()) > 0) await revert();
    }
  });

  await step("add a Filter on an edge: only that gem reads it, in the graph and the code, then undo it", async () => {
    const edge = '[data-edge="gem:orders->gem:customer_orders"]';
    const f = await frameWith(edge);
    await (await inGraph(f, edge)).click();
    await f.locator("#edit-form .form-head", { hasText: "Insert between orders and customer_orders" }).waitFor({ timeout: 5000 });
    await f.locator("#edit-form select[name=kind]").selectOption("Filter");
    await f.locator("#edit-form input[name=condition]").fill("order_date is not null");
    await sleep(300);
    await shot("pipeline-edge-form-light", page.locator(".part.editor"));
    await f.locator("#edit-form button[type=submit]").click();
    try {
      const added = f.locator('.node[data-id="gem:orders_filtered"]');
      const refused = f.locator("#edit-form .form-error:not([hidden])");
      for (let i = 0; i < 150 && !(await added.count()) && !(await refused.count()); i++) await sleep(200);
      if (await refused.count()) throw new Error(`the edit was refused: ${await refused.innerText()}`);
      await added.waitFor({ timeout: 1000 });
      // orders -> orders_filtered -> customer_orders; customer_payments still reads orders.
      const edgeFrom = (from, to) => f.locator(`.edge[data-from="gem:${from}"][data-to="gem:${to}"]`);
      // (An edge's path may be a straight line, of no area: attached, not "visible".)
      const attached = { state: "attached", timeout: 10000 };
      await edgeFrom("orders", "orders_filtered").first().waitFor(attached);
      await edgeFrom("orders_filtered", "customer_orders").first().waitFor(attached);
      await edgeFrom("orders", "customer_payments").first().waitFor(attached);
      assert.equal(await edgeFrom("orders", "customer_orders").count(), 0, "customer_orders reads the new gem");
      // The code: customer_orders reads the new gem, customer_payments still joins orders
      // (each line brought into view: the editor draws only the lines it shows).
      const line = (text) => page.locator(".monaco-editor .view-line", { hasText: text });
      await line("orders_filtered as (").first().waitFor({ timeout: 15000 });
      await sleep(300);
      await shot("pipeline-edge-insert-light", page.locator(".part.editor"));
      await command("View: Focus Active Editor Group");
      await sleep(200);
      await goTo(25, 1);
      await line("from orders_filtered").first().waitFor({ timeout: 15000 });
      await goTo(34, 1);
      await line("left join orders on").first().waitFor({ timeout: 15000 });
      await page.keyboard.press(`${mod}+Z`);
      await f.locator('.node[data-id="gem:orders_filtered"]').waitFor({ state: "detached", timeout: 30000 });
      await edgeFrom("orders", "customer_orders").first().waitFor({ state: "attached", timeout: 10000 });
      assert.equal(await line("orders_filtered").count(), 0, "the code is as it was");
    } finally {
      if ((await page.locator(".tab.active.dirty").count()) > 0) await revert();
    }
  });

  await step("the form starts from a gem's parts: change a Filter's condition, then undo it", async () => {
    await openFile("models/marts/paid_orders.sql");
    try {
      await formStartsFromParts();
    } finally {
      // Gone from disk, gone from the project: the later steps see the shop as it was.
      await command("View: Focus First Editor Group");
      await page.locator('.tab.active:has-text("paid_orders.sql")').waitFor({ timeout: 10000 });
      await command("View: Close Editor");
      await page.locator('.tab:has-text("paid_orders.sql")').waitFor({ state: "detached", timeout: 10000 });
      rmSync(path.join(project, "models/marts/paid_orders.sql"));
      await sleep(2000);
    }
  });
  async function formStartsFromParts() {
    const f = await frameWith('.node[data-id="gem:completed"] [data-add]', 30000);
    await (await inGraph(f, '.node[data-id="gem:completed"] [data-add]')).click();
    const condition = f.locator("#edit-form input[name=edit-condition]");
    await condition.waitFor({ timeout: 15000 });
    assert.equal(await condition.inputValue(), "status = 'completed'");
    await sleep(300);
    await shot("pipeline-edit-parts-light", page.locator(".part.editor"));
    await condition.fill("status <> 'returned'");
    await f.locator('#edit-form [data-op="apply"]').click();
    // (An inlay hint stands between `status` and the rest of the condition.)
    const line = (text) => page.locator(".monaco-editor .view-line", { hasText: text });
    try {
      const refused = f.locator("#edit-form .form-error:not([hidden])");
      for (let i = 0; i < 150 && !(await line("<> 'returned'").count()) && !(await refused.count()); i++) await sleep(200);
      if (await refused.count()) throw new Error(`the edit was refused: ${await refused.innerText()}`);
      await line("<> 'returned'").first().waitFor({ timeout: 1000 });
      await f.locator("#edit-form").waitFor({ state: "hidden", timeout: 15000 });
      await command("View: Focus Active Editor Group");
      await sleep(200);
      await page.keyboard.press(`${mod}+Z`);
      await line("= 'completed'").first().waitFor({ timeout: 15000 });
      assert.equal(await line("'returned'").count(), 0, "the code is as it was");
    } finally {
      if ((await page.locator(".tab.active.dirty").count()) > 0) await revert();
    }
    // The final SELECT, a Reformat: one row per column, as written.
    await (await inGraph(f, '.node[data-id="final"] [data-add]')).click();
    const rows = f.locator("#edit-form input[name=row-expression]");
    await rows.first().waitFor({ timeout: 15000 });
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.value)), ["order_id", "customer_id", "status"]);
    await f.locator('#edit-form [data-op="cancel"]').click();
    assert.equal(await f.locator("#edit-form").isHidden(), true, "Cancel closes the form");
  }

  await step("zoomed out: the project's models, click one to open it", async () => {
    let f = await frameWith("#mode-project");
    await f.locator("#mode-project").click();
    await f.locator('.node[data-id="rel:customers"]').waitFor({ timeout: 20000 });
    for (const id of ["rel:stg_orders", "rel:raw_orders", "rel:jinja_pivot"]) await f.locator(`.node[data-id="${id}"]`).waitFor();
    assert.ok((await f.locator(".edge").count()) >= 10, "edges between the models");
    await sleep(300);
    const tab = page.locator(".tab", { hasText: "Loupe Project" }).first();
    await tab.dblclick();
    await sleep(800);
    await shot("project-light", page.locator(".part.editor"));
    await tab.dblclick();
    f = await settled('.node[data-id="rel:stg_orders"]');
    await (await inGraph(f, '.node[data-id="rel:stg_orders"] .name')).click();
    await page.locator('.tab.active:has-text("stg_orders.sql")').waitFor({ timeout: 10000 });
    await f.locator("#mode-model").click();
    await f.locator('.node[data-id="gem:renamed"]').waitFor({ timeout: 20000 });
  });

  await step("diagnostics drawn on the node at fault", async () => {
    await openFile("models/marts/order_summary.sql");
    const f = await frameWith('.node[data-id="gem:order_totals"]', 30000);
    await f.locator('.node.has-error[data-id="gem:order_totals"]').waitFor({ timeout: 20000 });
    assert.equal(await f.locator(".node.has-error").count(), 1, "only the gem at fault is marked");
  });

  // Dark theme: the same views again.
  await step("switch to the dark theme", async () => {
    writeSettings("Default Dark Modern");
    await page.reload();
    await page.locator(".monaco-workbench.vs-dark").waitFor({ timeout: 60000 });
    await page.locator(".statusbar-item", { hasText: "duckdb" }).first().waitFor({ timeout: 60000 });
    // Let the restored editors and views settle before typing.
    await sleep(2000);
  });
  await step("dark: hover", () => hoverShot("dark"));
  await step("dark: results", () => runAndRead("dark"));
  await step("dark: pipeline", () => pipeline("dark"));

  await step("restart the server; the output tells what ran", async () => {
    await command("Loupe: Restart Server");
    await openFile("models/marts/order_summary.sql");
    await page.locator(".statusbar-item", { hasText: "duckdb" }).first().waitFor({ timeout: 60000 });
    await page.locator(".monaco-editor .squiggly-error").first().waitFor({ timeout: 30000 });
    await command("Loupe: Show Output");
    await page.locator(".part.panel .view-lines", { hasText: "lsp" }).first().waitFor({ timeout: 15000 });
    const out = await page.locator(".part.panel .view-lines").first().innerText();
    assert.ok(out.includes(LOUPE_BIN), "the output names the server binary");
  });
} finally {
  await cleanup();
}
log(failures.length ? `FAILED: ${failures.join(", ")}` : "all end-to-end checks passed");
process.exit(failures.length ? 1 : 0);
