// The results panel's page: a virtualised table (only the visible rows are in the DOM), the run's
// facts, a stale mark, and Cancel while the gem runs.
import type { ResultsData } from "../resultsData";
import { visibleSlice } from "../resultsData";

declare function acquireVsCodeApi(): { postMessage(m: unknown): void };
const vscode = acquireVsCodeApi();
const ROW_H = 22;

const app = document.getElementById("app")!;
app.innerHTML = `
<div class="bar">
  <span id="title" class="title">No rows yet</span>
  <span id="stale" class="stale" hidden title="The gem's code changed since this run">stale</span>
  <span id="facts" class="facts"></span>
  <span class="spacer"></span>
  <span id="progress" class="progress" hidden><span class="spinner"></span><span id="step"></span></span>
  <button id="cancel" hidden>Cancel</button>
  <button id="rerun" hidden title="Run the gem again">Run again</button>
  <button id="copy" hidden title="Copy the rows as tab-separated text">Copy</button>
  <button id="csv" hidden title="Save the rows as CSV">Export CSV</button>
  <button id="sqlBtn" hidden title="Show the SQL that ran">SQL</button>
</div>
<pre id="sql" class="sql" hidden></pre>
<div id="error" class="error" hidden></div>
<div id="empty" class="empty">Run a gem (its “Run” lens, Loupe: Run Gem, or ▶ in the pipeline view) to see its rows here.</div>
<div id="table" class="table" hidden tabindex="0">
  <div id="header" class="header"></div>
  <div id="scroller" class="scroller"><div id="spacer" class="spacer-rows"><div id="rows" class="rows"></div></div></div>
</div>`;

const $ = (id: string) => document.getElementById(id)!;
const show = (id: string, on: boolean) => ($(id).hidden = !on);
let data: ResultsData | undefined;
let widths: number[] = [];

function setMode(mode: "empty" | "running" | "result" | "error" | "cancelled"): void {
  show("progress", mode === "running");
  show("cancel", mode === "running");
  for (const b of ["copy", "csv", "sqlBtn"]) show(b, mode === "result");
  show("rerun", mode === "result" || mode === "error" || mode === "cancelled");
  show("table", mode === "result");
  show("empty", mode === "empty");
  show("error", mode === "error" || mode === "cancelled");
  $("error").classList.toggle("cancelled", mode === "cancelled");
  if (mode !== "result") {
    show("sql", false);
    show("stale", false);
    $("facts").textContent = "";
  }
}

function measure(d: ResultsData): number[] {
  // Widths from the header's font and the cells' (the editor's) font, over the first rows.
  const font = (cls: string) => {
    const probe = document.createElement("div");
    probe.className = cls;
    probe.style.position = "absolute";
    probe.style.visibility = "hidden";
    document.body.appendChild(probe);
    const f = getComputedStyle(probe).font;
    probe.remove();
    return f;
  };
  const ctx = document.createElement("canvas").getContext("2d")!;
  const headFont = font("cname");
  const typeFont = font("ctype");
  const cellFont = font("td");
  return d.columns.map((c, i) => {
    ctx.font = headFont;
    let w = ctx.measureText(c.name).width;
    ctx.font = typeFont;
    w = Math.max(w, ctx.measureText(c.type).width);
    ctx.font = cellFont;
    for (let r = 0; r < Math.min(d.rows.length, 200); r++) {
      const v = d.rows[r][i];
      w = Math.max(w, ctx.measureText(v ?? "NULL").width);
    }
    return Math.min(Math.ceil(w) + 20, 360);
  });
}

function renderTable(d: ResultsData): void {
  widths = measure(d);
  const total = widths.reduce((a, b) => a + b, 0);
  const header = $("header");
  header.style.width = `${total}px`;
  header.replaceChildren(
    ...d.columns.map((c, i) => {
      const h = document.createElement("div");
      h.className = `th${d.numeric[i] ? " num" : ""}`;
      h.style.width = `${widths[i]}px`;
      h.title = `${c.name} ${c.type}`;
      const n = document.createElement("div");
      n.className = "cname";
      n.textContent = c.name;
      const t = document.createElement("div");
      t.className = "ctype";
      t.textContent = c.type;
      h.append(n, t);
      return h;
    }),
  );
  $("spacer").style.height = `${d.rows.length * ROW_H}px`;
  $("spacer").style.width = `${total}px`;
  ($("scroller") as HTMLElement).scrollTop = 0;
  drawRows();
}

function drawRows(): void {
  if (!data) return;
  const scroller = $("scroller");
  const { start, end } = visibleSlice(scroller.scrollTop, scroller.clientHeight || 400, ROW_H, data.rows.length);
  const rows = $("rows");
  rows.style.transform = `translateY(${start * ROW_H}px)`;
  const frag = document.createDocumentFragment();
  for (let r = start; r < end; r++) {
    const tr = document.createElement("div");
    tr.className = `tr${r % 2 ? " odd" : ""}`;
    tr.setAttribute("data-row", String(r));
    const row = data.rows[r];
    for (let i = 0; i < data.columns.length; i++) {
      const td = document.createElement("div");
      const v = row[i];
      td.className = `td${data.numeric[i] ? " num" : ""}${v === null ? " null" : ""}`;
      td.style.width = `${widths[i]}px`;
      td.textContent = v === null ? "NULL" : v;
      tr.appendChild(td);
    }
    frag.appendChild(tr);
  }
  rows.replaceChildren(frag);
}

$("scroller").addEventListener("scroll", () => {
  $("header").style.transform = `translateX(${-$("scroller").scrollLeft}px)`;
  requestAnimationFrame(drawRows);
});
window.addEventListener("resize", () => requestAnimationFrame(drawRows));
$("cancel").addEventListener("click", () => vscode.postMessage({ type: "cancel" }));
$("copy").addEventListener("click", () => vscode.postMessage({ type: "copy" }));
$("csv").addEventListener("click", () => vscode.postMessage({ type: "csv" }));
$("rerun").addEventListener("click", () => vscode.postMessage({ type: "rerun" }));
$("sqlBtn").addEventListener("click", () => show("sql", $("sql").hidden));

window.addEventListener("message", (ev) => {
  const m = ev.data;
  switch (m.type) {
    case "empty":
      setMode("empty");
      break;
    case "running":
      setMode("running");
      $("title").textContent = m.title;
      $("step").textContent = m.fabric && !String(m.step).includes(m.fabric) ? `${m.step} · ${m.fabric}` : m.step;
      break;
    case "result": {
      data = m.data as ResultsData;
      setMode("result");
      $("title").textContent = data.title;
      $("facts").textContent = [data.rowCountText, data.elapsedText, data.fabric ? `on ${data.fabric}` : ""].filter(Boolean).join(" · ");
      $("sql").textContent = data.sql;
      show("stale", data.stale);
      renderTable(data);
      break;
    }
    case "stale":
      show("stale", true);
      break;
    case "error":
      setMode("error");
      $("title").textContent = m.title;
      $("error").textContent = m.message;
      break;
    case "cancelled":
      setMode("cancelled");
      $("title").textContent = m.title;
      $("error").textContent = "The run was cancelled.";
      break;
  }
});
vscode.postMessage({ type: "ready" });
