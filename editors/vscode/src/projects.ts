// Which project a file belongs to: the nearest folder above it with `dbt_project.yml` or `loupe.toml`.
import * as path from "path";

export const PROJECT_MARKERS = ["dbt_project.yml", "loupe.toml"];

export function projectRoot(file: string, exists: (p: string) => boolean, stopAt?: string): string | undefined {
  let dir = path.dirname(file);
  for (;;) {
    if (PROJECT_MARKERS.some((m) => exists(path.join(dir, m)))) return dir;
    if (stopAt && path.resolve(dir) === path.resolve(stopAt)) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Files a project's server handles (SQL and YAML); loose `.sql` files get a server of their own. */
export function isLoupeFile(file: string): boolean {
  return /\.(sql|ya?ml)$/i.test(file);
}

/** The model name of a model file, as refs name it. */
export function modelName(file: string): string {
  return path.basename(file).replace(/\.sql$/i, "");
}
