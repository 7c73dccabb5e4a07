// Settings that reach the server as initialization options, and the run limits the client uses.

export interface LoupeSettings {
  fabric: string | null;
  rowLimit: number;
  vars: Record<string, unknown> | null;
  target: string | null;
  trace: "off" | "messages" | "verbose";
}

/** Reads `loupe.*` through a getter shaped like `WorkspaceConfiguration.get`. */
export function readSettings(get: <T>(key: string) => T | undefined): LoupeSettings {
  const fabric = get<string | null>("fabric");
  const rowLimit = get<number>("run.rowLimit");
  const vars = get<Record<string, unknown> | string | null>("vars");
  const target = get<string | null>("target");
  const trace = get<string>("trace.server");
  return {
    fabric: typeof fabric === "string" && fabric.trim() ? fabric.trim() : null,
    rowLimit: clampLimit(rowLimit),
    vars: parseVars(vars),
    target: typeof target === "string" && target.trim() ? target.trim() : null,
    trace: trace === "messages" || trace === "verbose" ? trace : "off",
  };
}

export function clampLimit(value: unknown): number {
  const n = typeof value === "number" && Number.isFinite(value) ? Math.floor(value) : 1000;
  return Math.min(Math.max(n, 1), 1_000_000);
}

/** `--vars` as an object; the setting may be an object or a YAML/JSON-like string `{a: 1}`. */
export function parseVars(value: unknown): Record<string, unknown> | null {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.keys(value).length ? (value as Record<string, unknown>) : null;
  }
  if (typeof value === "string" && value.trim()) {
    try {
      const parsed = JSON.parse(value);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
    } catch {
      // Not JSON: ignored rather than sent half-understood.
    }
  }
  return null;
}

/** The `initializationOptions` of `initialize`: only what the user set. */
export function initializationOptions(s: LoupeSettings): Record<string, unknown> {
  const out: Record<string, unknown> = { rowLimit: s.rowLimit };
  if (s.fabric) out.fabric = s.fabric;
  if (s.vars) out.vars = s.vars;
  if (s.target) out.target = s.target;
  if (s.trace !== "off") out.trace = s.trace;
  return out;
}

/** Whether a change of these settings needs the server restarted (init options are read once). */
export function needsRestart(before: LoupeSettings, after: LoupeSettings): boolean {
  return JSON.stringify(initializationOptions(before)) !== JSON.stringify(initializationOptions(after));
}
