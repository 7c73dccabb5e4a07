// One language server per project (a folder with dbt_project.yml or loupe.toml), and one per
// folder of loose .sql files.
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  StaticFeature,
  DynamicFeature,
} from "vscode-languageclient/node";
import { findServer, ServerLocation, shippedBinary } from "./serverPath";
import { initializationOptions, readSettings } from "./settings";
import { projectRoot, PROJECT_MARKERS } from "./projects";

/**
 * The server's own commands (`loupe.runGem`, `loupe.fetchSourceSchema`) are registered once by the
 * extension, which routes them to the right project's server; the client library would register
 * them once per server and fail from the second project on.
 */
class LoupeLanguageClient extends LanguageClient {
  registerFeature(feature: StaticFeature | DynamicFeature<any>): void {
    const method = (feature as DynamicFeature<any>).registrationType?.method;
    if (method === "workspace/executeCommand") return;
    super.registerFeature(feature);
  }
}

export interface ProjectClient {
  root: string;
  loose: boolean;
  client: LanguageClient;
  /** Files changed since the server last published their diagnostics. */
  pending: Set<string>;
  failed?: string;
}

const SELECTOR_LANGUAGES = ["sql", "jinja-sql", "yaml"];

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === "win32") return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class Clients implements vscode.Disposable {
  private clients = new Map<string, ProjectClient>();
  private starting = new Map<string, Promise<ProjectClient | undefined>>();
  private notifiedMissing = false;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** Called after a server starts (fabric selection, views). */
  onStarted?: (pc: ProjectClient) => void;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.OutputChannel,
  ) {}

  all(): ProjectClient[] {
    return [...this.clients.values()];
  }

  locateServer(): ServerLocation | { error: string } {
    const config = vscode.workspace.getConfiguration("loupe");
    // An unpacked .vsix may lose the binary's executable bit.
    const shipped = shippedBinary(this.context.extensionPath, process.platform, process.arch);
    if (process.platform !== "win32" && fs.existsSync(shipped) && !isExecutable(shipped)) {
      try {
        fs.chmodSync(shipped, 0o755);
      } catch (e) {
        this.output.appendLine(`cannot make ${shipped} executable: ${e}`);
      }
    }
    return findServer({
      setting: config.get<string>("server.path"),
      extensionPath: this.context.extensionPath,
      platform: process.platform,
      arch: process.arch,
      pathVar: process.env.PATH,
      home: process.env.HOME ?? process.env.USERPROFILE,
      isExecutable,
    });
  }

  /** The project root a file belongs to, or its folder for a loose .sql file. */
  rootOf(uri: vscode.Uri): { root: string; loose: boolean } | undefined {
    if (uri.scheme !== "file") return undefined;
    const file = uri.fsPath;
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    const root = projectRoot(file, fs.existsSync, folder ? path.dirname(folder) : undefined);
    if (root) return { root, loose: false };
    if (/\.sql$/i.test(file)) return { root: path.dirname(file), loose: true };
    return undefined;
  }

  /** The server of a file, if one runs. */
  forUri(uri: vscode.Uri): ProjectClient | undefined {
    const r = this.rootOf(uri);
    return r ? this.clients.get(r.root) : undefined;
  }

  /** The server of a file, started when it does not run yet. */
  async ensureFor(uri: vscode.Uri): Promise<ProjectClient | undefined> {
    const r = this.rootOf(uri);
    if (!r) return undefined;
    return this.ensure(r.root, r.loose);
  }

  async ensure(root: string, loose: boolean): Promise<ProjectClient | undefined> {
    const existing = this.clients.get(root);
    if (existing) return existing;
    const inFlight = this.starting.get(root);
    if (inFlight) return inFlight;
    const p = this.start(root, loose).finally(() => this.starting.delete(root));
    this.starting.set(root, p);
    return p;
  }

  /** Starts the servers of every project in the workspace. */
  async startWorkspace(): Promise<void> {
    const exclude = "**/{node_modules,target,dbt_packages,.git}/**";
    const markers = await vscode.workspace.findFiles(`**/{${PROJECT_MARKERS.join(",")}}`, exclude, 50);
    const roots = new Set(markers.map((u) => path.dirname(u.fsPath)));
    await Promise.all([...roots].map((r) => this.ensure(r, false)));
    for (const doc of vscode.workspace.textDocuments) await this.ensureFor(doc.uri);
  }

  private async start(root: string, loose: boolean): Promise<ProjectClient | undefined> {
    const server = this.locateServer();
    if ("error" in server) {
      this.output.appendLine(server.error);
      if (!this.notifiedMissing) {
        this.notifiedMissing = true;
        const pick = await vscode.window.showErrorMessage(server.error, "Open Settings", "Show Output");
        if (pick === "Open Settings") {
          void vscode.commands.executeCommand("workbench.action.openSettings", "loupe.server.path");
        } else if (pick === "Show Output") {
          this.output.show();
        }
      }
      return undefined;
    }
    const settings = readSettings((k) => vscode.workspace.getConfiguration("loupe").get(k));
    this.output.appendLine(`Starting ${server.command} lsp (${server.source}) for ${root}`);
    const serverOptions: ServerOptions = {
      command: server.command,
      args: ["lsp"],
      options: { cwd: root, env: { ...process.env, RUST_BACKTRACE: "1" } },
    };
    const base = root.replace(/\\/g, "/").replace(/[{}[\]*?]/g, "?");
    const pattern = loose ? `${base}/*.sql` : `${base}/**/*`;
    const pc: ProjectClient = { root, loose, client: undefined as unknown as LanguageClient, pending: new Set() };
    const clientOptions: LanguageClientOptions = {
      documentSelector: SELECTOR_LANGUAGES.filter((l) => !loose || l !== "yaml").map((language) => ({
        scheme: "file",
        language,
        pattern,
      })),
      workspaceFolder: {
        uri: vscode.Uri.file(root),
        name: path.basename(root),
        index: vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root))?.index ?? 0,
      },
      initializationOptions: initializationOptions(settings),
      // Files created, deleted or changed outside the editor (a checkout, a rename, `dbt deps`)
      // reach the server, which reloads the project and its Git base.
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher(
          new vscode.RelativePattern(root, loose ? "*.sql" : "**/{*.sql,*.py,*.yml,*.yaml,*.csv,*.toml,.dbtignore}"),
        ),
      },
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      middleware: {
        didChange: (event, next) => {
          const key = event.document.uri.toString();
          pc.pending.add(key);
          this.changed.fire();
          // A server that finds nothing new to say may not publish again: stop waiting after a while.
          setTimeout(() => {
            if (pc.pending.delete(key)) this.changed.fire();
          }, 5000);
          return next(event);
        },
        handleDiagnostics: (uri, diagnostics, next) => {
          if (pc.pending.delete(uri.toString())) this.changed.fire();
          next(uri, diagnostics);
        },
      },
    };
    const client = new LoupeLanguageClient(
      `loupe:${root}`,
      loose ? `Loupe (${path.basename(root)})` : `Loupe: ${path.basename(root)}`,
      serverOptions,
      clientOptions,
    );
    pc.client = client;
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped && this.clients.get(root) === pc) {
        pc.failed = pc.failed ?? "the server stopped";
      } else if (e.newState === State.Running) {
        pc.failed = undefined;
      }
      this.changed.fire();
    });
    this.clients.set(root, pc);
    this.changed.fire();
    try {
      await client.start();
      pc.failed = undefined;
    } catch (e) {
      pc.failed = e instanceof Error ? e.message : String(e);
      this.output.appendLine(`The server for ${root} failed to start: ${pc.failed}`);
      void vscode.window.showErrorMessage(`Loupe's server failed to start for ${path.basename(root)}: ${pc.failed}`, "Show Output").then((p) => {
        if (p) this.output.show();
      });
    }
    this.changed.fire();
    if (!pc.failed) this.onStarted?.(pc);
    return pc;
  }

  async restart(): Promise<void> {
    const roots = this.all().map((pc) => ({ root: pc.root, loose: pc.loose }));
    await Promise.all(
      this.all().map(async (pc) => {
        this.clients.delete(pc.root);
        try {
          await pc.client.stop(3000);
        } catch {
          // A server that already died stops with an error: nothing left to stop.
        }
      }),
    );
    this.notifiedMissing = false;
    this.changed.fire();
    if (roots.length === 0) {
      await this.startWorkspace();
      return;
    }
    await Promise.all(roots.map((r) => this.ensure(r.root, r.loose)));
  }

  async dispose(): Promise<void> {
    await Promise.all(this.all().map((pc) => pc.client.stop(2000).catch(() => undefined)));
    this.clients.clear();
    this.changed.dispose();
  }
}
