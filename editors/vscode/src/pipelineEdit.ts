// What the pipeline view's edit form sends and starts from: `loupe/editPipeline` operations (on a
// gem, or on an edge between two gems) and `loupe/gemParts` answers turned into the form's rows.
// Pure data, shared by the extension and the webview.
import type { Schema, ViewEdge } from "./graphData";

/** A column of a Reformat as `loupe/editPipeline` takes it (docs/lsp-extensions.md). */
export interface ColumnSpec {
  column?: string;
  expression?: string;
  function?: string;
  name?: string;
}

/** A gem's editable parts: the `gem` of an `editParts` operation. */
export type GemSpec = { kind: "Filter"; condition: string } | { kind: "Reformat"; columns: ColumnSpec[] } | { kind: string; [k: string]: unknown };

/** The `loupe/gemParts` answer. */
export interface GemParts {
  gem: string | null;
  kind: string;
  parts: GemSpec | null;
  reason: string | null;
  inputs: (Schema & { name: string })[];
}

/** One row of the Reformat editor: what the column is (a column's name or an expression), and its name. */
export interface ColumnRow {
  expression: string;
  as: string;
}

const PLAIN = /^[a-z_][a-z0-9_]*$/;

/** A Reformat's columns as the form's rows. */
export function columnRows(columns: ColumnSpec[]): ColumnRow[] {
  return columns.map((c) => {
    const expression = c.expression ?? (c.function ? `${c.function}(${c.column ?? "*"})` : (c.column ?? ""));
    return { expression, as: c.name && c.name !== c.column ? c.name : "" };
  });
}

/** The form's rows as a Reformat's columns: a plain name picks that column; empty rows are left out. */
export function rowColumns(rows: ColumnRow[]): ColumnSpec[] {
  const out: ColumnSpec[] = [];
  for (const r of rows) {
    const expression = r.expression.trim();
    const as = r.as.trim();
    if (!expression) continue;
    const spec: ColumnSpec = PLAIN.test(expression) ? { column: expression } : { expression };
    if (as) spec.name = as;
    out.push(spec);
  }
  return out;
}

/** The parts the form edits, when the answer has them: a Filter's condition or a Reformat's columns. */
export function editableParts(answer: GemParts | undefined): { condition: string } | { rows: ColumnRow[] } | undefined {
  const p = answer?.parts;
  if (!p) return undefined;
  if (p.kind === "Filter" && typeof (p as { condition?: unknown }).condition === "string") return { condition: (p as { condition: string }).condition };
  if (p.kind === "Reformat" && Array.isArray((p as { columns?: unknown }).columns)) return { rows: columnRows((p as { columns: ColumnSpec[] }).columns) };
  return undefined;
}

/** The columns of a gem's inputs, each once, for the form's pickers. */
export function inputColumns(answer: GemParts | undefined): { name: string; type: string }[] {
  const seen = new Set<string>();
  const out: { name: string; type: string }[] = [];
  for (const input of answer?.inputs ?? []) {
    for (const c of input.columns) {
      const key = c.name.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(c);
    }
  }
  return out;
}

/**
 * The `loupe/editPipeline` parameters for an insert on an edge: the gem (or relation) the edge leaves
 * is the request's `gem`, the gem it enters the operation's `reader`.
 */
export function edgeInsertParams(edge: ViewEdge, operation: Record<string, unknown>): { gem: string; operation: Record<string, unknown> } | undefined {
  if (!edge.insert || operation.op !== "insert") return undefined;
  return { gem: edge.insert.gem, operation: { ...operation, reader: { gem: edge.insert.reader } } };
}
