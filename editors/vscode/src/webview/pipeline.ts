// The pipeline view's page: lays the graph out with elkjs (layered, left to right) and draws it as
// SVG. Talks to the extension by messages only; no network.
import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkNode, ElkExtendedEdge } from "elkjs/lib/elk-api";
import type { ViewEdge, ViewGraph, ViewNode } from "../graphData";
import { editableParts, inputColumns, rowColumns, type ColumnRow, type GemParts } from "../pipelineEdit";

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): any; setState(s: unknown): void };
const vscode = acquireVsCodeApi();
const elk = new ELK();

const NODE_W = 210;
const HEAD_H = 44;
const ROW_H = 20;
let MAX_ROWS = 14;
const SVG = "http://www.w3.org/2000/svg";

const app = document.getElementById("app")!;
app.innerHTML = `
<div class="toolbar">
  <span class="title" id="title"></span>
  <span class="hint">click a node to reveal its code · hover a column for its lineage · ▶ runs the gem · + edits the pipeline there</span>
  <span class="spacer"></span>
  <button id="mode-model" class="seg" title="The active model's gems">Model</button>
  <button id="mode-project" class="seg" title="Every model of the project">Project</button>
  <button id="fit" title="Fit the graph to the view">Fit</button>
</div>
<div id="note" class="note" hidden></div>
<div id="canvas" tabindex="0"><svg id="svg"><g id="viewport"></g></svg><div id="message" class="message"></div></div>
<div id="tooltip" class="tooltip" hidden></div>`;

const svg = document.getElementById("svg") as unknown as SVGSVGElement;
const viewport = document.getElementById("viewport") as unknown as SVGGElement;
const message = document.getElementById("message")!;
const tooltip = document.getElementById("tooltip")!;
let current: ViewGraph | undefined;
let transform = { x: 20, y: 20, k: 1 };
let layoutSize = { w: 0, h: 0 };
let hoverKey = 0;
let lastKey = "";

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

function applyTransform(): void {
  viewport.setAttribute("transform", `translate(${transform.x},${transform.y}) scale(${transform.k})`);
}

function fit(): void {
  const r = svg.getBoundingClientRect();
  if (!layoutSize.w || !r.width) return;
  // Shrink to fit, but not below a readable size: a wider graph pans (drag) instead.
  const k = Math.min(1, (r.width - 40) / layoutSize.w, (r.height - 40) / layoutSize.h);
  transform = { k: Math.max(k, current?.mode === "project" ? 0.5 : 0.6), x: 20, y: 20 };
  applyTransform();
}

function nodeHeight(n: ViewNode): number {
  const rows = Math.min(n.columns.length, MAX_ROWS) + (n.columns.length > MAX_ROWS ? 1 : 0) + (n.complete ? 0 : 1);
  return HEAD_H + Math.max(rows, 1) * ROW_H + 6;
}

async function render(view: ViewGraph): Promise<void> {
  const key = JSON.stringify(view);
  if (key === lastKey) return;
  const modeChanged = current?.mode !== view.mode || current?.model !== view.model;
  lastKey = key;
  current = view;
  // The project's models show fewer columns each, so more models fit.
  MAX_ROWS = view.mode === "project" ? 6 : 14;
  document.getElementById("title")!.textContent = view.mode === "model" ? `Pipeline of ${view.title}` : "Models of the project";
  document.getElementById("mode-model")!.classList.toggle("active", view.mode === "model");
  document.getElementById("mode-project")!.classList.toggle("active", view.mode === "project");
  message.hidden = view.nodes.length > 0;
  message.textContent = view.nodes.length ? "" : "Nothing to draw yet.";

  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": "56",
      "elk.spacing.nodeNode": "28",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.spacing.edgeNodeBetweenLayers": "20",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
      // One layered drawing: models with no edges sit in the first layer, not in a row of their own.
      "elk.separateConnectedComponents": "false",
    },
    // Inputs on the left, the final SELECT on the right, as the pipeline reads.
    children: view.nodes.map((n): ElkNode => ({
      id: n.id,
      width: NODE_W,
      height: nodeHeight(n),
      layoutOptions: (n.role === "input"
        ? { "elk.layered.layering.layerConstraint": "FIRST" }
        : n.role === "output"
          ? { "elk.layered.layering.layerConstraint": "LAST" }
          : {}) as Record<string, string>,
    })),
    edges: view.edges.map((e) => ({ id: e.id, sources: [e.from], targets: [e.to] }) as ElkExtendedEdge),
  };
  const laid = await elk.layout(graph);
  if (current !== view) return;
  layoutSize = { w: laid.width ?? 0, h: laid.height ?? 0 };
  viewport.replaceChildren();
  const defs = el("defs", {}, viewport);
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow" }, marker);
  const edgesLayer = el("g", { class: "edges" }, viewport);
  const nodesLayer = el("g", { class: "nodes" }, viewport);
  for (const e of (laid.edges ?? []) as ElkExtendedEdge[]) {
    for (const s of e.sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      let d = `M${pts[0].x},${pts[0].y}`;
      for (let i = 1; i < pts.length; i++) d += ` L${pts[i].x},${pts[i].y}`;
      el("path", { d, class: "edge", "data-from": e.sources[0], "data-to": e.targets[0], "marker-end": "url(#arrow)" }, edgesLayer);
    }
  }
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  for (const c of laid.children ?? []) {
    const n = byId.get(c.id)!;
    drawNode(nodesLayer, n, c.x ?? 0, c.y ?? 0, c.height ?? nodeHeight(n));
  }
  // A "+" halfway along each edge into a gem: a new gem there is read by that gem only.
  const addsLayer = el("g", { class: "edge-adds" }, viewport);
  const edgeById = new Map(view.edges.map((e) => [e.id, e]));
  for (const e of (laid.edges ?? []) as ElkExtendedEdge[]) {
    const edge = edgeById.get(e.id);
    const s = e.sections?.[0];
    if (!edge?.insert || !s) continue;
    const at = halfway([s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    const add = el("g", { class: "edge-add", transform: `translate(${at.x - 8},${at.y - 8})`, "data-edge": edge.id, tabindex: 0, role: "button" }, addsLayer);
    el("circle", { cx: 8, cy: 8, r: 8 }, add);
    el("path", { d: "M8,4 L8,12 M4,8 L12,8" }, add);
    const t = el("title", {}, add);
    t.textContent = `Insert a gem between ${byId.get(edge.from)?.label ?? edge.from} and ${edge.insert.reader ?? "the final SELECT"}`;
  }
  if (modeChanged) fit();
  else applyTransform();
}

function drawNode(layer: SVGGElement, n: ViewNode, x: number, y: number, h: number): void {
  const worst = n.diagnostics.some((d) => d.severity === "error") ? "error" : n.diagnostics.some((d) => d.severity === "warning") ? "warning" : "";
  const g = el("g", { class: `node role-${n.role} ${worst ? `has-${worst}` : ""}`, transform: `translate(${x},${y})`, "data-id": n.id, tabindex: 0, role: "button" }, layer);
  g.setAttribute("aria-label", `${n.label}, ${n.kind}, ${n.columns.length} columns`);
  el("rect", { class: "box", width: NODE_W, height: h, rx: 6 }, g);
  el("rect", { class: "head", width: NODE_W, height: HEAD_H - 4, rx: 6 }, g);
  el("rect", { class: "head-fill", y: HEAD_H - 14, width: NODE_W, height: 10 }, g);
  const name = el("text", { class: "name", x: 10, y: 18 }, g);
  name.textContent = clip(n.label, 24);
  const kind = el("text", { class: "kind", x: 10, y: 34 }, g);
  kind.textContent = `${n.kind}${n.columns.length ? ` · ${n.columns.length}${n.complete ? "" : "+"} columns` : ""}`;
  if (n.role === "gem" || n.role === "output" || n.role === "model") {
    const run = el("g", { class: "run", transform: `translate(${NODE_W - 26},10)`, "data-run": n.id }, g);
    el("rect", { width: 18, height: 18, rx: 3 }, run);
    el("path", { d: "M6,4 L14,9 L6,14 Z" }, run);
    const t = el("title", {}, run);
    t.textContent = `Run ${n.role === "output" ? "the final SELECT" : n.role === "model" ? n.label : n.gem}`;
  }
  if (n.role === "gem" || n.role === "output") {
    const add = el("g", { class: "add", transform: `translate(${NODE_W - 50 - (worst ? 24 : 0)},10)`, "data-add": n.id }, g);
    el("rect", { width: 18, height: 18, rx: 3 }, add);
    el("path", { d: "M9,4 L9,14 M4,9 L14,9" }, add);
    const t = el("title", {}, add);
    t.textContent = `Edit the pipeline at ${n.role === "output" ? "the final SELECT" : n.gem}`;
  }
  if (worst) {
    const badge = el("g", { class: `badge ${worst}`, transform: `translate(${NODE_W - (n.role === "input" || n.role === "seed" || n.role === "source" ? 26 : 50)},10)` }, g);
    el("circle", { cx: 9, cy: 9, r: 9 }, badge);
    const bt = el("text", { x: 9, y: 13, "text-anchor": "middle" }, badge);
    bt.textContent = String(n.diagnostics.length);
    badge.addEventListener("mouseenter", (ev) => showTip(ev as MouseEvent, n.diagnostics.map((d) => `${d.code ? `${d.code}: ` : ""}${d.message}`).join("\n")));
    badge.addEventListener("mouseleave", hideTip);
  }
  const shown = n.columns.slice(0, MAX_ROWS);
  shown.forEach((col, i) => {
    const row = el("g", { class: "col", transform: `translate(0,${HEAD_H + i * ROW_H})`, "data-col": col.name.toLowerCase() }, g);
    el("rect", { class: "col-bg", x: 2, width: NODE_W - 4, height: ROW_H }, row);
    const cn = el("text", { class: "col-name", x: 10, y: 14 }, row);
    cn.textContent = clip(col.name, 18);
    const ct = el("text", { class: "col-type", x: NODE_W - 10, y: 14, "text-anchor": "end" }, row);
    ct.textContent = clip(col.type, 12);
    const t = el("title", {}, row);
    t.textContent = `${col.name} ${col.type}`;
    row.addEventListener("mouseenter", () => askLineage(n, col.name));
    row.addEventListener("mouseleave", clearHighlight);
  });
  let extra = shown.length;
  if (n.columns.length > MAX_ROWS) {
    const more = el("text", { class: "more", x: 10, y: HEAD_H + extra * ROW_H + 14 }, g);
    more.textContent = `… ${n.columns.length - MAX_ROWS} more`;
    extra++;
  }
  if (!n.complete) {
    const more = el("text", { class: "more", x: 10, y: HEAD_H + extra * ROW_H + 14 }, g);
    more.textContent = n.columns.length ? "+ columns Loupe cannot know" : "columns unknown";
  }
}

/** The point halfway along a polyline. */
function halfway(pts: { x: number; y: number }[]): { x: number; y: number } {
  const lengths = pts.slice(1).map((p, i) => Math.hypot(p.x - pts[i].x, p.y - pts[i].y));
  let rest = lengths.reduce((a, b) => a + b, 0) / 2;
  for (let i = 0; i < lengths.length; i++) {
    if (rest <= lengths[i] && lengths[i] > 0) {
      const f = rest / lengths[i];
      return { x: pts[i].x + (pts[i + 1].x - pts[i].x) * f, y: pts[i].y + (pts[i + 1].y - pts[i].y) * f };
    }
    rest -= lengths[i];
  }
  return pts[pts.length - 1];
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function showTip(ev: MouseEvent, text: string): void {
  tooltip.textContent = text;
  tooltip.hidden = false;
  tooltip.style.left = `${ev.clientX + 12}px`;
  tooltip.style.top = `${ev.clientY + 12}px`;
}
function hideTip(): void {
  tooltip.hidden = true;
}

let hoverTimer: ReturnType<typeof setTimeout> | undefined;
function askLineage(n: ViewNode, column: string): void {
  const key = ++hoverKey;
  if (hoverTimer) clearTimeout(hoverTimer);
  hoverTimer = setTimeout(() => vscode.postMessage({ type: "lineage", node: n.id, column, key }), 120);
}
function clearHighlight(): void {
  hoverKey++;
  if (hoverTimer) clearTimeout(hoverTimer);
  svg.classList.remove("tracing");
  for (const e of viewport.querySelectorAll(".lit")) e.classList.remove("lit");
}
function highlight(cells: string[]): void {
  clearHighlight();
  svg.classList.add("tracing");
  const litNodes = new Set<string>();
  for (const cell of cells) {
    const [id, col] = cell.split("\u0000");
    const node = viewport.querySelector(`.node[data-id="${CSS.escape(id)}"]`);
    if (!node) continue;
    litNodes.add(id);
    node.classList.add("lit");
    node.querySelector(`.col[data-col="${CSS.escape(col)}"]`)?.classList.add("lit");
  }
  for (const p of viewport.querySelectorAll(".edge")) {
    if (litNodes.has(p.getAttribute("data-from")!) && litNodes.has(p.getAttribute("data-to")!)) p.classList.add("lit");
  }
}

// ---- Interaction: click to reveal, play to run, drag to pan, wheel to zoom ----
let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | undefined;
svg.addEventListener("mousedown", (ev) => {
  drag = { x: ev.clientX, y: ev.clientY, tx: transform.x, ty: transform.y, moved: false };
});
window.addEventListener("mousemove", (ev) => {
  if (!drag) return;
  const dx = ev.clientX - drag.x;
  const dy = ev.clientY - drag.y;
  if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
  if (drag.moved) {
    transform.x = drag.tx + dx;
    transform.y = drag.ty + dy;
    applyTransform();
  }
});
window.addEventListener("mouseup", () => setTimeout(() => (drag = undefined), 0));
svg.addEventListener(
  "wheel",
  (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    const k = Math.min(2, Math.max(0.2, transform.k * (ev.deltaY < 0 ? 1.1 : 1 / 1.1)));
    const px = ev.clientX - r.left;
    const py = ev.clientY - r.top;
    transform.x = px - ((px - transform.x) * k) / transform.k;
    transform.y = py - ((py - transform.y) * k) / transform.k;
    transform.k = k;
    applyTransform();
  },
  { passive: false },
);
svg.addEventListener("click", (ev) => {
  if (drag?.moved) return;
  const target = ev.target as Element;
  const onEdge = target.closest("[data-edge]");
  if (onEdge) {
    const e = current?.edges.find((x) => x.id === onEdge.getAttribute("data-edge"));
    if (e) openEdgeForm(e);
    return;
  }
  const add = target.closest("[data-add]");
  if (add) {
    const n = current?.nodes.find((x) => x.id === add.getAttribute("data-add"));
    if (n) openForm(n);
    return;
  }
  const run = target.closest("[data-run]");
  if (run) {
    vscode.postMessage({ type: "run", node: run.getAttribute("data-run") });
    return;
  }
  const node = target.closest(".node");
  if (node) vscode.postMessage({ type: "reveal", node: node.getAttribute("data-id"), open: ev.detail >= 2 });
});
svg.addEventListener("keydown", (ev) => {
  const onEdge = (ev.target as Element).closest?.("[data-edge]");
  if (onEdge && (ev.key === "Enter" || ev.key === " ")) {
    const e = current?.edges.find((x) => x.id === onEdge.getAttribute("data-edge"));
    if (e) openEdgeForm(e);
    return;
  }
  const node = (ev.target as Element).closest?.(".node");
  if (node && (ev.key === "Enter" || ev.key === " ")) vscode.postMessage({ type: "reveal", node: node.getAttribute("data-id") });
});
document.getElementById("mode-model")!.addEventListener("click", () => vscode.postMessage({ type: "mode", mode: "model" }));
document.getElementById("mode-project")!.addEventListener("click", () => vscode.postMessage({ type: "mode", mode: "project" }));
document.getElementById("fit")!.addEventListener("click", fit);
window.addEventListener("resize", () => {
  if (current) fit();
});

// ---- The edit form: an operation at a gem, columns picked from its port schema ----
const KINDS = ["Filter", "Reformat", "Aggregate", "Join", "OrderBy", "Limit", "Deduplicate", "SetOperation"];
const form = document.createElement("form");
form.id = "edit-form";
form.className = "edit-form";
form.hidden = true;
document.body.appendChild(form);
let formNode: ViewNode | undefined;
let formEdge: ViewEdge | undefined;

function options(n: ViewNode, multiple = false, name = ""): string {
  const rows = n.columns
    .map((c) => `<option value="${escapeHtml(c.name)}">${escapeHtml(c.name)} : ${escapeHtml(c.type)}</option>`)
    .join("");
  return `<select name="${name}" ${multiple ? `multiple size="${Math.min(6, Math.max(2, n.columns.length))}"` : ""}>${rows}</select>`;
}
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
function others(n: ViewNode): string {
  const names = (current?.nodes ?? []).filter((x) => x.id !== n.id && x.role !== "output").map((x) => (x.role === "gem" ? x.gem ?? x.label : x.label));
  return `<select name="other">${names.map((x) => `<option>${escapeHtml(x)}</option>`).join("")}</select>`;
}

function fields(kind: string, n: ViewNode): string {
  switch (kind) {
    case "Filter":
      return `<label>Condition <input name="condition" placeholder="status = 'paid'" required></label><label>Column ${options(n, false, "pick")}</label>`;
    case "Reformat":
      return `<label>Columns ${options(n, true, "columns")}</label><label>Computed <input name="expression" placeholder="amount * 2"></label><label>as <input name="as" placeholder="double_amount"></label>`;
    case "Aggregate":
      return `<label>Group by ${options(n, true, "groupBy")}</label><label>Aggregate <select name="function"><option>sum</option><option>count</option><option>avg</option><option>min</option><option>max</option></select> of ${options(n, false, "of")}</label><label>as <input name="as" value="total"></label>`;
    case "Join":
      return `<label>Other input ${others(n)}</label><label>Kind <select name="joinType"><option>inner</option><option>left</option><option>right</option><option>full</option></select></label><label>Key ${options(n, false, "left")} = <input name="right" placeholder="other's column"></label>`;
    case "OrderBy":
      return `<label>By ${options(n, false, "column")}</label><label><input type="checkbox" name="descending"> descending</label>`;
    case "Limit":
      return `<label>Rows <input name="count" type="number" value="100" min="0"></label>`;
    case "Deduplicate":
      return `<label>One row per (none: distinct rows) ${options(n, true, "columns")}</label>`;
    case "SetOperation":
      return `<label>Other input ${others(n)}</label><label>Operator <select name="operator"><option value="unionAll">union all</option><option value="union">union</option><option value="intersect">intersect</option><option value="except">except</option></select></label>`;
  }
  return "";
}

const KIND_SELECT = `<label>Kind <select name="kind">${KINDS.map((k) => `<option>${k}</option>`).join("")}</select></label>`;

function wireKind(n: ViewNode): void {
  const kind = form.querySelector<HTMLSelectElement>("select[name=kind]")!;
  const refill = (): void => {
    form.querySelector(".kind-fields")!.innerHTML = fields(kind.value, n);
    const pick = form.querySelector<HTMLSelectElement>("select[name=pick]");
    pick?.addEventListener("change", () => appendTo("input[name=condition]", pick.value));
  };
  kind.addEventListener("change", refill);
  refill();
}

/** Appends a picked column to a condition being typed. */
function appendTo(selector: string, text: string): void {
  const input = form.querySelector<HTMLInputElement>(selector);
  if (!input) return;
  input.value = `${input.value}${input.value && !input.value.endsWith(" ") ? " " : ""}${text}`;
  input.focus();
}

function openForm(n: ViewNode): void {
  formNode = n;
  formEdge = undefined;
  const where = n.role === "output" ? "the final SELECT" : `gem ${n.gem}`;
  form.innerHTML = `<div class="form-head">Edit the pipeline at ${escapeHtml(where)}</div>
  <div class="parts-fields"><div class="form-note">Reading the gem's parts…</div></div>
  <div class="form-head">Insert after it</div>
  ${KIND_SELECT}
  <div class="kind-fields"></div>
  <label>Name <input name="name" placeholder="(automatic)"></label>
  <div class="form-error" hidden></div>
  <div class="form-buttons"><button type="submit" class="primary">Insert</button>
  ${n.role === "gem" ? `<button type="button" data-op="rename">Rename…</button>` : ""}
  <button type="button" data-op="remove">Remove</button><button type="button" data-op="cancel">Cancel</button></div>`;
  wireKind(n);
  form.hidden = false;
  (form.querySelector("select[name=kind]") as HTMLElement).focus();
  vscode.postMessage({ type: "parts", node: n.id });
}

/** The form for a new gem on an edge: it reads the edge's start, only the edge's end reads it. */
function openEdgeForm(e: ViewEdge): void {
  const from = current?.nodes.find((x) => x.id === e.from);
  const to = current?.nodes.find((x) => x.id === e.to);
  if (!from || !to || !e.insert) return;
  formNode = from;
  formEdge = e;
  const reader = to.role === "output" ? "the final SELECT" : to.label;
  form.innerHTML = `<div class="form-head">Insert between ${escapeHtml(from.label)} and ${escapeHtml(reader)}</div>
  <div class="form-note">Only ${escapeHtml(reader)} reads the new gem; other readers of ${escapeHtml(from.label)} keep reading it.</div>
  ${KIND_SELECT}
  <div class="kind-fields"></div>
  <label>Name <input name="name" placeholder="(automatic)"></label>
  <div class="form-error" hidden></div>
  <div class="form-buttons"><button type="submit" class="primary">Insert</button><button type="button" data-op="cancel">Cancel</button></div>`;
  wireKind(from);
  form.hidden = false;
  (form.querySelector("select[name=kind]") as HTMLElement).focus();
}

/** The gem's current parts, editable in place: a Filter's condition, a Reformat's columns. */
function showParts(answer: GemParts | undefined, error: string | undefined): void {
  const box = form.querySelector<HTMLElement>(".parts-fields");
  if (!box) return;
  const parts = editableParts(answer);
  const columns = inputColumns(answer);
  const options = columns.map((c) => `<option value="${escapeHtml(c.name)}">${escapeHtml(c.name)} : ${escapeHtml(c.type)}</option>`).join("");
  if (!parts) {
    const why = error ?? answer?.reason ?? "";
    box.innerHTML = why ? `<div class="form-note">${escapeHtml(why)}</div>` : "";
    return;
  }
  if ("condition" in parts) {
    box.innerHTML = `<label>Condition of this Filter <input name="edit-condition" value="${escapeHtml(parts.condition)}"></label>
    <label>Column <select name="edit-pick"><option value="" selected>(pick a column of its input)</option>${options}</select></label>
    <div class="form-buttons"><button type="button" class="primary" data-op="apply">Apply</button></div>`;
    const pick = box.querySelector<HTMLSelectElement>("select[name=edit-pick]")!;
    pick.addEventListener("change", () => pick.value && appendTo("input[name=edit-condition]", pick.value));
    return;
  }
  box.innerHTML = `<div class="form-subhead">Columns of this Reformat</div>
  <datalist id="input-columns">${columns.map((c) => `<option value="${escapeHtml(c.name)}">${escapeHtml(c.type)}</option>`).join("")}</datalist>
  <div class="rows"></div>
  <div class="form-buttons"><button type="button" data-op="add-row">+ Column</button><button type="button" class="primary" data-op="apply">Apply</button></div>`;
  for (const r of parts.rows) addRow(r);
}

function addRow(r: ColumnRow): void {
  const rows = form.querySelector(".parts-fields .rows");
  if (!rows) return;
  const row = document.createElement("div");
  row.className = "row";
  row.innerHTML = `<input name="row-expression" list="input-columns" placeholder="column or expression" value="${escapeHtml(r.expression)}">
  <span>as</span><input name="row-as" placeholder="(same)" value="${escapeHtml(r.as)}">
  <button type="button" data-op="drop-row" title="Remove this column">×</button>`;
  rows.appendChild(row);
}

/** What the parts section says now, as an `editParts` operation's gem. */
function editedParts(): Record<string, unknown> | undefined {
  const condition = form.querySelector<HTMLInputElement>("input[name=edit-condition]");
  if (condition) return { kind: "Filter", condition: condition.value.trim() };
  const rows = [...form.querySelectorAll(".parts-fields .row")].map((r) => ({
    expression: r.querySelector<HTMLInputElement>("input[name=row-expression]")?.value ?? "",
    as: r.querySelector<HTMLInputElement>("input[name=row-as]")?.value ?? "",
  }));
  if (rows.length) return { kind: "Reformat", columns: rowColumns(rows) };
  return undefined;
}

function selected(name: string): string[] {
  const sel = form.querySelector<HTMLSelectElement>(`select[name=${name}]`);
  return sel ? [...sel.selectedOptions].map((o) => o.value) : [];
}
function value(name: string): string {
  return (form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name=${name}]`)?.value ?? "").trim();
}

function gemSpec(kind: string): Record<string, unknown> {
  switch (kind) {
    case "Filter":
      return { kind, condition: value("condition") };
    case "Reformat": {
      const columns: Record<string, string>[] = selected("columns").map((c) => ({ column: c }));
      if (value("expression")) columns.push({ expression: value("expression"), name: value("as") || "computed" });
      return { kind, columns };
    }
    case "Aggregate":
      return { kind, groupBy: selected("groupBy"), aggregates: [{ function: value("function"), column: value("of"), name: value("as") || "total" }] };
    case "Join":
      return { kind, other: value("other"), joinType: value("joinType"), keys: [{ left: value("left"), right: value("right") || value("left") }] };
    case "OrderBy":
      return { kind, columns: [{ column: value("column"), descending: form.querySelector<HTMLInputElement>("input[name=descending]")?.checked ?? false }] };
    case "Limit":
      return { kind, count: Number(value("count") || "100") };
    case "Deduplicate":
      return { kind, columns: selected("columns") };
    case "SetOperation":
      return { kind, other: value("other"), operator: value("operator") };
  }
  return { kind };
}

function sendEdit(operation: Record<string, unknown>): void {
  if (formEdge) vscode.postMessage({ type: "edit", edge: formEdge.id, operation });
  else if (formNode) vscode.postMessage({ type: "edit", node: formNode.id, operation });
}
// Enter in the gem's own parts applies them (the form's submit inserts a new gem).
form.addEventListener("keydown", (ev) => {
  if (ev.key !== "Enter" || !(ev.target as Element).closest(".parts-fields")) return;
  ev.preventDefault();
  const gem = editedParts();
  if (gem) sendEdit({ op: "editParts", gem });
});
form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  sendEdit({ op: "insert", gem: gemSpec(value("kind")), ...(value("name") ? { name: value("name") } : {}) });
});
form.addEventListener("click", (ev) => {
  const button = (ev.target as Element).closest("[data-op]");
  const op = button?.getAttribute("data-op");
  if (op === "cancel") form.hidden = true;
  else if (op === "add-row") addRow({ expression: "", as: "" });
  else if (op === "drop-row") button?.closest(".row")?.remove();
  else if (op === "apply") {
    const gem = editedParts();
    if (gem) sendEdit({ op: "editParts", gem });
  }
  else if (op === "remove") sendEdit({ op: "remove" });
  else if (op === "rename" && value("name")) sendEdit({ op: "rename", name: value("name") });
  else if (op === "rename") showFormError("Type the new name in Name first.");
});
function showFormError(text: string): void {
  const e = form.querySelector<HTMLElement>(".form-error");
  if (!e) return;
  e.hidden = false;
  e.textContent = text;
}

window.addEventListener("message", (ev) => {
  const m = ev.data;
  if (m.type === "edited") {
    if (m.error) showFormError(m.error);
    else form.hidden = true;
    return;
  }
  if (m.type === "parts") {
    if (!form.hidden && !formEdge && formNode?.id === m.node) showParts(m.answer, m.error);
    return;
  }
  if (m.type === "graph") {
    if (m.state) vscode.setState(m.state);
    const note = document.getElementById("note")!;
    note.hidden = !m.note;
    note.textContent = m.note ?? "";
    void render(m.view);
  }
  else if (m.type === "highlight" && m.key === hoverKey) highlight(m.cells);
  else if (m.type === "message") {
    message.hidden = false;
    message.textContent = m.text;
    viewport.replaceChildren();
    current = undefined;
    lastKey = "";
  }
});
vscode.postMessage({ type: "ready" });
