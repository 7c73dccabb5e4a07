// The status bar item's text: the fabric, and whether analysis runs or failed.

export interface StatusInput {
  fabric?: string;
  starting: boolean;
  failed?: string;
  analysing: boolean;
  running: boolean;
  project: string;
}

export function statusText(s: StatusInput): { text: string; tooltip: string } {
  const fabric = s.fabric ?? "no fabric";
  if (s.failed) {
    return { text: "$(error) Loupe", tooltip: `Loupe's server for ${s.project} failed: ${s.failed}. Click to show the output.` };
  }
  if (s.starting) return { text: "$(loading~spin) Loupe", tooltip: `Loupe is starting for ${s.project}` };
  if (s.running) return { text: `$(loading~spin) ${fabric}`, tooltip: `Loupe: running a gem on ${fabric}` };
  if (s.analysing) return { text: `$(sync~spin) ${fabric}`, tooltip: `Loupe: analysing ${s.project} · fabric ${fabric}` };
  return { text: `$(database) ${fabric}`, tooltip: `Loupe: ${s.project} · fabric ${fabric}. Click to choose the fabric.` };
}
