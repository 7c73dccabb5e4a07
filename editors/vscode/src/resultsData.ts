// The rows of a gem run (`loupe/runGem`): table data, copy/CSV export, and the stale mark.

export interface RunResponse {
  columns: [string, string][];
  rows: (string | null)[][];
  truncated: boolean;
  row_count: number | null;
  elapsed_ms: number;
  sql: string;
}

export interface ResultsData {
  title: string;
  model: string;
  gem: string | null;
  fabric: string;
  columns: { name: string; type: string }[];
  rows: (string | null)[][];
  /** "10,000 rows" or "first 100 rows (more exist)". */
  rowCountText: string;
  elapsedText: string;
  sql: string;
  stale: boolean;
  /** Rows cells look numeric in: right-aligned in the table. */
  numeric: boolean[];
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC|LONG|SHORT|BYTE)\b/i;

export function isNumericType(type: string): boolean {
  return NUMERIC.test(type.trim());
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function rowCountText(r: Pick<RunResponse, "rows" | "truncated" | "row_count">): string {
  const shown = r.rows.length;
  const word = (n: number) => (n === 1 ? "row" : "rows");
  if (r.row_count !== null && r.row_count !== undefined && !r.truncated) {
    return `${formatCount(r.row_count)} ${word(r.row_count)}`;
  }
  if (r.truncated) return `first ${formatCount(shown)} ${word(shown)} (more exist)`;
  return `${formatCount(shown)} ${word(shown)}`;
}

export function elapsedText(ms: number): string {
  if (!Number.isFinite(ms)) return "";
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

export function resultsData(
  r: RunResponse,
  meta: { model: string; gem: string | null; fabric: string },
): ResultsData {
  const columns = r.columns.map(([name, type]) => ({ name, type }));
  return {
    title: meta.gem ? `${meta.model} › ${meta.gem}` : meta.model,
    model: meta.model,
    gem: meta.gem,
    fabric: meta.fabric,
    columns,
    rows: r.rows,
    rowCountText: rowCountText(r),
    elapsedText: elapsedText(r.elapsed_ms),
    sql: r.sql,
    stale: false,
    numeric: columns.map((c) => isNumericType(c.type)),
  };
}

function csvCell(v: string | null): string {
  if (v === null || v === undefined) return "";
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** RFC 4180 CSV: a header of column names, CRLF line ends, NULL as an empty field. */
export function toCsv(columns: { name: string }[], rows: (string | null)[][]): string {
  const lines = [columns.map((c) => csvCell(c.name)).join(",")];
  for (const row of rows) lines.push(row.map(csvCell).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** Tab-separated text for the clipboard (pastes into spreadsheets); NULL as empty. */
export function toTsv(columns: { name: string }[], rows: (string | null)[][]): string {
  const clean = (v: string | null) => (v ?? "").replace(/[\t\r\n]+/g, " ");
  return [columns.map((c) => clean(c.name)).join("\t"), ...rows.map((r) => r.map(clean).join("\t"))].join("\n") + "\n";
}

/**
 * The code a run is keyed by: the gem's text with runs of whitespace folded, so reformatting that
 * keeps the SQL the same does not mark the rows stale.
 */
export function codeKey(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function isStale(ranWith: string, current: string | undefined): boolean {
  // A gem that disappeared (renamed, removed) is stale too.
  return current === undefined || codeKey(ranWith) !== codeKey(current);
}

/** The rows shown for a scroll position: the visible slice plus some overscan. */
export function visibleSlice(scrollTop: number, viewport: number, rowHeight: number, total: number, overscan = 10): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(viewport / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start, end };
}
