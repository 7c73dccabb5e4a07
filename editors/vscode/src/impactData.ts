// The answer of `loupe/impact` as quick-pick items: each change of the model
// against the Git base at the gem that makes it, then each use downstream it
// breaks. Pure, so it is unit-tested without VS Code.

export interface Place {
  file: string;
  gem: string | null;
  start: { line: number; col: number };
  end: { line: number; col: number };
}

export interface ImpactUse {
  model: string;
  place: Place;
  breaks: boolean;
}

export interface Impact {
  node: string;
  change: string;
  column: string | null;
  breaking: boolean;
  at: Place | null;
  uses: ImpactUse[];
  downstream: string[];
  message: string;
}

export interface ImpactResponse {
  model?: string;
  branch?: string | null;
  base?: { revision: string; label: string } | null;
  baseProblem?: string | null;
  downstreamModels?: string[];
  impacts?: Impact[];
  breaking?: boolean;
}

export interface ImpactItem {
  label: string;
  description: string;
  detail?: string;
  /** Project-relative file and 0-based position to open. */
  file?: string;
  line?: number;
  character?: number;
}

function placed(place: Place | null): Pick<ImpactItem, "file" | "line" | "character" | "detail"> {
  if (!place) return {};
  const gem = place.gem ? ` (gem ${place.gem})` : "";
  return {
    file: place.file,
    line: place.start.line - 1,
    character: place.start.col - 1,
    detail: `${place.file}:${place.start.line}${gem}`,
  };
}

export function impactTitle(r: ImpactResponse): string {
  const against = r.base ? `against ${r.base.label}` : `no base: ${r.baseProblem ?? "not in a Git repository"}`;
  const branch = r.branch ? ` on ${r.branch}` : "";
  return `Impact of ${r.model ?? "this model"}${branch}, ${against}`;
}

export function impactItems(r: ImpactResponse): ImpactItem[] {
  const items: ImpactItem[] = [];
  for (const i of r.impacts ?? []) {
    items.push({ label: `${i.breaking ? "$(error)" : "$(info)"} ${i.message}`, description: i.node, ...placed(i.at) });
    for (const u of i.uses) {
      items.push({
        label: `    ${u.breaks ? "$(close) breaks" : "$(arrow-right) reads it in"} ${u.model}`,
        description: u.breaks ? "breaking" : "",
        ...placed(u.place),
      });
    }
  }
  const downstream = r.downstreamModels ?? [];
  if (items.length === 0) {
    items.push({
      label: `No breaking change; ${downstream.length} downstream model${downstream.length === 1 ? "" : "s"}`,
      description: downstream.join(", "),
    });
  }
  return items;
}
