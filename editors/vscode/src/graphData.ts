// Shapes `loupe/graph` answers into what the pipeline view draws: nodes with columns, and edges.
// Pure data, shared by the extension (which builds it) and the webview (which draws it).

export interface Column {
  name: string;
  type: string;
}
export interface Schema {
  columns: Column[];
  complete: boolean;
}
export interface GraphGem {
  name: string;
  kind: string;
  inputs: string[];
  output: Schema;
}
export interface GraphModel {
  name: string;
  kind: string; // "model" | "seed"
  file: string;
  gems: GraphGem[];
}
export interface GraphResponse {
  models: GraphModel[];
  edges: { from: string; to: string }[];
}

export type NodeRole = "input" | "gem" | "output" | "model" | "seed" | "source";

export interface ViewNode {
  id: string;
  /** What the node is called on screen. */
  label: string;
  /** Gem kind (Aggregate, Join, ...) or the input's kind (model, seed, source). */
  kind: string;
  role: NodeRole;
  columns: Column[];
  /** False when the node may have columns Loupe cannot know. */
  complete: boolean;
  /** The model file (for inputs and project nodes) to open on click. */
  file?: string;
  /** The gem to reveal or run (model view); null for the final SELECT. */
  gem?: string | null;
  /** The relation whose lineage a column of this node belongs to. */
  relation: string;
  diagnostics: ViewDiagnostic[];
}
export interface ViewEdge {
  id: string;
  from: string;
  to: string;
  /**
   * Model view: where a gem inserted on this edge goes, as `loupe/editPipeline` names it: `gem`
   * is the gem (or relation) the edge leaves, `reader` the gem it enters (null: the final SELECT).
   */
  insert?: { gem: string; reader: string | null };
}
export interface ViewDiagnostic {
  severity: "error" | "warning" | "info";
  message: string;
  code?: string;
}
export interface ViewGraph {
  mode: "model" | "project";
  title: string;
  /** The model the view follows (model mode). */
  model?: string;
  nodes: ViewNode[];
  edges: ViewEdge[];
}

const lower = (s: string) => s.toLowerCase();

/** The id of the final SELECT's node in a model view. */
export const FINAL_ID = "final";

/** The final SELECT's gem: the last gem of the model. */
export function finalGem(model: GraphModel): GraphGem | undefined {
  return model.gems[model.gems.length - 1];
}

/**
 * The model or seed a name read by a gem stands for. Gems name what they read as the SQL does
 * (`main.stg_orders`, the schema-qualified relation), the graph names models bare: a qualified
 * name whose last part is a model's name is that model.
 */
export function findModel(graph: GraphResponse, name: string): GraphModel | undefined {
  const n = lower(name);
  const exact = graph.models.find((m) => lower(m.name) === n);
  if (exact || !n.includes(".")) return exact;
  const last = n.slice(n.lastIndexOf(".") + 1).replace(/^"|"$/g, "");
  return graph.models.find((m) => lower(m.name) === last);
}

/** The kind of a relation read by a model: a model, a seed, or (with a dot, not in the project) a source. */
function relationKind(graph: GraphResponse, name: string): "model" | "seed" | "source" {
  const m = findModel(graph, name);
  if (m) return m.kind === "seed" ? "seed" : "model";
  return "source";
}

/**
 * The model's gems, left to right: its inputs (refs, sources, seeds), each CTE, then the final
 * SELECT. `columnsOf` supplies columns the graph does not carry (seeds, sources).
 */
export function modelView(
  graph: GraphResponse,
  modelName: string,
  diagnosticsByGem: Map<string, ViewDiagnostic[]> = new Map(),
  columnsOf: (relation: string) => Schema | undefined = () => undefined,
): ViewGraph | undefined {
  const model = findModel(graph, modelName);
  if (!model || model.kind === "seed") return undefined;
  const gemNames = new Set(model.gems.slice(0, -1).map((g) => lower(g.name)));
  const nodes: ViewNode[] = [];
  const edges: ViewEdge[] = [];
  const inputIds = new Map<string, string>();
  const last = finalGem(model);

  const inputNode = (read: string): string => {
    const upstream = findModel(graph, read);
    const name = upstream?.name ?? read;
    const key = lower(name);
    const existing = inputIds.get(key);
    if (existing) return existing;
    const id = `input:${key}`;
    inputIds.set(key, id);
    const kind = relationKind(graph, name);
    const schema = (upstream && upstream.kind !== "seed" && finalGem(upstream)?.output) || columnsOf(name);
    nodes.push({
      id,
      label: name,
      kind,
      role: "input",
      columns: schema?.columns ?? [],
      complete: schema?.complete ?? false,
      file: upstream?.file,
      relation: name,
      diagnostics: [],
    });
    return id;
  };

  // Inputs first so they sit on the left in reading order.
  for (const gem of model.gems) {
    for (const input of gem.inputs) {
      if (!gemNames.has(lower(input))) inputNode(input);
    }
  }
  // The final SELECT is named after the model, which a CTE may be named too (`customers` in
  // `customers.sql`): it gets an id of its own, and reads name CTEs, never the final gem.
  const idOf = (gem: GraphGem) => (gem === last ? FINAL_ID : `gem:${lower(gem.name)}`);
  for (const gem of model.gems) {
    const id = idOf(gem);
    nodes.push({
      id,
      label: gem.name,
      kind: gem === last ? `final SELECT · ${gem.kind}` : gem.kind,
      role: gem === last ? "output" : "gem",
      columns: gem.output.columns,
      complete: gem.output.complete,
      file: model.file,
      gem: gem === last ? null : gem.name,
      relation: model.name,
      diagnostics: diagnosticsByGem.get(gem === last ? FINAL_ID : lower(gem.name)) ?? [],
    });
    const seen = new Set<string>();
    for (const input of gem.inputs) {
      const from = gemNames.has(lower(input)) ? `gem:${lower(input)}` : inputNode(input);
      if (seen.has(from)) continue;
      seen.add(from);
      edges.push({ id: `${from}->${id}`, from, to: id, insert: { gem: input, reader: gem === last ? null : gem.name } });
    }
  }
  return { mode: "model", title: model.name, model: model.name, nodes, edges };
}

/** The project's models, seeds and sources, with the edges between them. */
export function projectView(
  graph: GraphResponse,
  diagnosticsByModel: Map<string, ViewDiagnostic[]> = new Map(),
  columnsOf: (relation: string) => Schema | undefined = () => undefined,
): ViewGraph {
  const nodes = new Map<string, ViewNode>();
  const add = (name: string): string => {
    const key = lower(name);
    const id = `rel:${key}`;
    if (nodes.has(id)) return id;
    const model = findModel(graph, name);
    const kind = relationKind(graph, name);
    const schema = (model && model.kind !== "seed" && finalGem(model)?.output) || columnsOf(name);
    nodes.set(id, {
      id,
      label: model?.name ?? name,
      kind,
      role: kind,
      columns: schema?.columns ?? [],
      complete: schema?.complete ?? false,
      file: model?.file,
      relation: model?.name ?? name,
      diagnostics: diagnosticsByModel.get(key) ?? [],
    });
    return id;
  };
  for (const m of graph.models) add(m.name);
  const edges: ViewEdge[] = [];
  const seen = new Set<string>();
  for (const e of graph.edges) {
    const from = add(e.from);
    const to = add(e.to);
    const id = `${from}->${to}`;
    if (seen.has(id)) continue;
    seen.add(id);
    edges.push({ id, from, to });
  }
  return { mode: "project", title: "Project", nodes: [...nodes.values()], edges };
}

/** Relations in a view whose columns the graph does not give (seeds, sources). */
export function relationsMissingColumns(view: ViewGraph): string[] {
  return view.nodes.filter((n) => n.columns.length === 0 && (n.role === "input" || n.role === "seed" || n.role === "source")).map((n) => n.relation);
}

/** Fills in columns fetched later (`loupe/schema`) without rebuilding the view. */
export function withColumns(view: ViewGraph, columns: Map<string, Schema>): ViewGraph {
  return {
    ...view,
    nodes: view.nodes.map((n) => {
      const s = n.columns.length === 0 ? columns.get(lower(n.relation)) : undefined;
      return s ? { ...n, columns: s.columns, complete: s.complete } : n;
    }),
  };
}

// ---- Diagnostics on the gem at fault ----

export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
export interface GemRange {
  name: string;
  range: Range;
}

const before = (a: Range["start"], b: Range["start"]) => a.line < b.line || (a.line === b.line && a.character <= b.character);

export function rangeContains(outer: Range, pos: Range["start"]): boolean {
  return before(outer.start, pos) && before(pos, outer.end);
}

/** The gem whose range holds the position; the innermost when ranges nest. */
export function gemAt(gems: GemRange[], pos: Range["start"]): GemRange | undefined {
  let best: GemRange | undefined;
  for (const g of gems) {
    if (!rangeContains(g.range, pos)) continue;
    if (!best || before(best.range.start, g.range.start)) best = g;
  }
  return best;
}

/**
 * Diagnostics grouped by the gem they fall in: the lower-cased name of a CTE, or FINAL_ID for the
 * last gem (the final SELECT), which also takes those outside every gem.
 */
export function diagnosticsByGem(
  gems: GemRange[],
  diagnostics: { range: Range; message: string; severity: ViewDiagnostic["severity"]; code?: string }[],
): Map<string, ViewDiagnostic[]> {
  const out = new Map<string, ViewDiagnostic[]>();
  const fallback = gems[gems.length - 1];
  for (const d of diagnostics) {
    const gem = gemAt(gems, d.range.start) ?? fallback;
    if (!gem) continue;
    const key = gem === fallback ? FINAL_ID : lower(gem.name);
    const list = out.get(key) ?? [];
    list.push({ severity: d.severity, message: d.message, code: d.code });
    out.set(key, list);
  }
  return out;
}

// ---- Lineage highlight ----

export interface LineageNode {
  relation: string;
  gem: string | null;
  column: string;
  file?: string | null;
  line?: number | null;
}
export interface LineageResponse {
  root: number;
  nodes: LineageNode[];
  edges: { from: number; to: number; kind: string }[];
}

/**
 * Which (node, column) cells of the view a lineage answer lights up, as `nodeId\0column` keys.
 * A lineage node names a relation and maybe a gem: a gem of the followed model maps to that gem's
 * node; a node without a gem is the relation's output (the final gem, or the input/project node).
 */
export function lineageCells(view: ViewGraph, lineage: LineageResponse): Set<string> {
  const cells = new Set<string>();
  const model = view.model ? lower(view.model) : undefined;
  const finalNode = view.nodes.find((n) => n.role === "output");
  for (const ln of lineage.nodes) {
    const rel = lower(ln.relation);
    const col = lower(ln.column);
    let node: ViewNode | undefined;
    if (view.mode === "model" && rel === model) {
      node = ln.gem ? (view.nodes.find((n) => n.gem && lower(n.gem) === lower(ln.gem!)) ?? (lower(ln.gem) === model ? finalNode : undefined)) : finalNode;
    } else if (!ln.gem || view.mode === "project") {
      node = view.nodes.find((n) => n.role !== "gem" && n.role !== "output" && lower(n.relation) === rel);
      if (!node && view.mode === "project") node = view.nodes.find((n) => lower(n.relation) === rel);
    } else {
      // A gem of an upstream model: its output reaches this view through the input node.
      continue;
    }
    if (node && node.columns.some((c) => lower(c.name) === col)) cells.add(`${node.id}\u0000${col}`);
  }
  return cells;
}
