// Where the `loupe` language server comes from: the `loupe.server.path` setting, else the binary
// shipped inside the extension for this platform, else `loupe` on PATH.
import * as path from "path";

export type ServerSource = "setting" | "shipped" | "path";

export interface ServerLocation {
  command: string;
  source: ServerSource;
}

export interface DiscoveryEnv {
  /** The `loupe.server.path` setting, as the user wrote it (may start with `~`). */
  setting?: string | null;
  /** The extension's install folder. */
  extensionPath: string;
  platform: NodeJS.Platform;
  arch: string;
  /** The PATH variable. */
  pathVar?: string;
  home?: string;
  /** Whether a file exists and can be executed. */
  isExecutable: (file: string) => boolean;
}

export function binaryName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "loupe.exe" : "loupe";
}

/** Where the packaged extension keeps its binary: `server/<platform>-<arch>/loupe`. */
export function shippedBinary(extensionPath: string, platform: NodeJS.Platform, arch: string): string {
  return path.join(extensionPath, "server", `${platform}-${arch}`, binaryName(platform));
}

export function expandHome(p: string, home?: string): string {
  if (home && (p === "~" || p.startsWith("~/"))) {
    return path.join(home, p.slice(1));
  }
  return p;
}

/**
 * The server to start. A setting that names a missing file is an error of its own (the user
 * asked for that file), so discovery stops there instead of silently taking another binary.
 */
export function findServer(env: DiscoveryEnv): ServerLocation | { error: string } {
  const setting = env.setting?.trim();
  if (setting) {
    const file = expandHome(setting, env.home);
    if (env.isExecutable(file)) {
      return { command: file, source: "setting" };
    }
    return {
      error: `The setting loupe.server.path names ${file}, which is not an executable file. Fix the setting or clear it to use the bundled server.`,
    };
  }
  const shipped = shippedBinary(env.extensionPath, env.platform, env.arch);
  if (env.isExecutable(shipped)) {
    return { command: shipped, source: "shipped" };
  }
  const sep = env.platform === "win32" ? ";" : ":";
  for (const dir of (env.pathVar ?? "").split(sep)) {
    if (!dir) continue;
    const candidate = path.join(dir, binaryName(env.platform));
    if (env.isExecutable(candidate)) {
      return { command: candidate, source: "path" };
    }
  }
  return {
    error:
      "Loupe's language server was not found: this extension has no `loupe` binary for " +
      `${env.platform}-${env.arch} and none is on PATH. Install it (cargo install --path crates/lsp --features fabric) ` +
      "or set loupe.server.path to the `loupe` executable.",
  };
}
