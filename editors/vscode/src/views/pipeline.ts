// The pipeline view: the active model's gems as a graph (inputs, each CTE, the final SELECT), each
// with its kind and output columns, diagnostics on the gem at fault; zoomed out, the project's
// models. Click reveals code, hovering a column lights up its lineage.
import * as path from "path";
import * as vscode from "vscode";
import type { WorkspaceEdit as LspWorkspaceEdit } from "vscode-languageclient/node";
import { Clients, ProjectClient } from "../clients";
import {
  diagnosticsByGem,
  GraphResponse,
  LineageResponse,
  lineageCells,
  modelView,
  projectView,
  relationsMissingColumns,
  Schema,
  ViewDiagnostic,
  ViewGraph,
  withColumns,
} from "../graphData";
import { edgeInsertParams, GemParts } from "../pipelineEdit";
import { modelName } from "../projects";
import { gemRanges } from "../symbols";
import { webviewHtml } from "../webviewHtml";

type Mode = "model" | "project";

function severity(s: vscode.DiagnosticSeverity): ViewDiagnostic["severity"] {
  return s === vscode.DiagnosticSeverity.Error ? "error" : s === vscode.DiagnosticSeverity.Warning ? "warning" : "info";
}

function codeOf(d: vscode.Diagnostic): string | undefined {
  if (d.code === undefined) return undefined;
  return typeof d.code === "object" ? String(d.code.value) : String(d.code);
}

export class PipelineView implements vscode.Disposable {
  static readonly viewType = "loupe.pipeline";
  private panel?: vscode.WebviewPanel;
  private uri?: vscode.Uri;
  private mode: Mode = "model";
  private timer?: NodeJS.Timeout;
  private disposables: vscode.Disposable[] = [];
  private graph?: GraphResponse;
  private view?: ViewGraph;
  private generation = 0;
  private lastGood = new Map<string, ViewGraph>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly clients: Clients,
    private readonly runGem: (uri: vscode.Uri, gem: string | null) => Promise<void>,
  ) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e && this.follows(e.document.uri)) {
          this.uri = e.document.uri;
          this.schedule(0);
        }
      }),
      vscode.languages.onDidChangeDiagnostics((e) => {
        if (!this.panel) return;
        if (this.mode === "project" || (this.uri && e.uris.some((u) => u.toString() === this.uri!.toString()))) this.schedule(250);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.panel && e.document.uri.scheme === "file" && /\.(sql|ya?ml)$/i.test(e.document.uri.fsPath)) this.schedule(600);
      }),
    );
  }

  private follows(uri: vscode.Uri): boolean {
    return uri.scheme === "file" && /\.sql$/i.test(uri.fsPath) && this.clients.rootOf(uri) !== undefined;
  }

  /** Opens the view beside the editor, following `uri` (or the active editor). */
  async show(uri?: vscode.Uri, mode?: Mode): Promise<void> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (target && this.follows(target)) this.uri = target;
    if (mode) this.mode = mode;
    if (!this.uri) {
      this.mode = "project";
    }
    if (!this.panel) {
      this.adopt(
        vscode.window.createWebviewPanel(
          PipelineView.viewType,
          "Loupe Pipeline",
          { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
          PipelineView.options(this.extensionUri),
        ),
      );
    } else {
      this.panel.reveal(undefined, true);
    }
    this.schedule(0);
  }

  static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, "dist")],
    };
  }

  /** Takes a panel: a new one, or one VS Code restores after a reload. */
  adopt(panel: vscode.WebviewPanel, state?: { mode?: Mode; uri?: string }): void {
    this.panel = panel;
    if (state?.mode) this.mode = state.mode;
    if (state?.uri && !this.uri) this.uri = vscode.Uri.parse(state.uri);
    panel.webview.options = PipelineView.options(this.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, "images", "pipeline.svg");
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, "pipeline", "Loupe Pipeline");
    panel.webview.onDidReceiveMessage((m) => void this.onMessage(m), undefined, this.disposables);
    panel.onDidDispose(() => (this.panel = undefined), undefined, this.disposables);
    this.schedule(0);
  }

  /** Restores the view after a reload, following the model it followed. */
  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel, state) => {
        this.panel?.dispose();
        this.adopt(panel, state ?? undefined);
      },
    };
  }

  private schedule(ms: number): void {
    if (!this.panel) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), ms);
  }

  private async client(): Promise<ProjectClient | undefined> {
    if (this.uri) return this.clients.ensureFor(this.uri);
    return this.clients.all().find((c) => !c.failed && !c.loose);
  }

  private abs(pc: ProjectClient, file: string): string {
    return path.isAbsolute(file) ? file : path.join(pc.root, file);
  }

  async refresh(): Promise<void> {
    if (!this.panel) return;
    const generation = ++this.generation;
    if (!this.uri) {
      // A view restored after a reload, or opened from the palette: follow the active model.
      const active = vscode.window.activeTextEditor?.document.uri;
      if (active && this.follows(active)) this.uri = active;
    }
    const pc = await this.client();
    if (!pc || pc.failed) {
      void this.panel.webview.postMessage({ type: "message", text: "Open a model of a dbt project to see its pipeline." });
      return;
    }
    let graph: GraphResponse;
    try {
      graph = await pc.client.sendRequest<GraphResponse>("loupe/graph", {});
    } catch (e) {
      void this.panel.webview.postMessage({ type: "message", text: `The pipeline is not available: ${e instanceof Error ? e.message : e}` });
      return;
    }
    if (generation !== this.generation) return;
    this.graph = graph;
    let view: ViewGraph | undefined;
    if (this.mode === "model" && this.uri) {
      const gems = await gemRanges(this.uri);
      const diags = vscode.languages.getDiagnostics(this.uri).map((d) => ({
        range: { start: d.range.start, end: d.range.end },
        message: d.message,
        severity: severity(d.severity),
        code: codeOf(d),
      }));
      const name = modelName(this.uri.fsPath);
      view = modelView(graph, name, diagnosticsByGem(gems, diags));
      if (!view) {
        void this.panel.webview.postMessage({ type: "message", text: `${path.basename(this.uri.fsPath)} is not a model of this project.` });
        return;
      }
      if (!view.nodes.some((n) => n.role === "output")) {
        // Half-typed SQL that does not parse: keep the last pipeline of this model, marked.
        const last = this.lastGood.get(name.toLowerCase());
        const note = `${name} does not parse right now${diags.length ? " (see Problems)" : ""}`;
        if (last) {
          void this.panel.webview.postMessage({ type: "graph", view: last, note: `${note}: showing its last pipeline` });
        } else {
          void this.panel.webview.postMessage({ type: "message", text: `${note}.` });
        }
        return;
      }
      this.lastGood.set(name.toLowerCase(), view);
    } else {
      const byModel = new Map<string, ViewDiagnostic[]>();
      for (const m of graph.models) {
        const list = vscode.languages
          .getDiagnostics(vscode.Uri.file(this.abs(pc, m.file)))
          .filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning)
          .map((d) => ({ severity: severity(d.severity), message: d.message, code: codeOf(d) }));
        if (list.length) byModel.set(m.name.toLowerCase(), list);
      }
      view = projectView(graph, byModel);
    }
    // Seeds and sources: their columns come from loupe/schema.
    const missing = relationsMissingColumns(view);
    if (missing.length) {
      const found = new Map<string, Schema>();
      await Promise.all(
        missing.map(async (rel) => {
          try {
            found.set(rel.toLowerCase(), await pc.client.sendRequest<Schema>("loupe/schema", { relation: rel }));
          } catch {
            // An unknown relation keeps no columns.
          }
        }),
      );
      view = withColumns(view, found);
    }
    if (generation !== this.generation || !this.panel) return;
    this.view = view;
    void this.panel.webview.postMessage({ type: "graph", view, state: { mode: this.mode, uri: this.uri?.toString() } });
    this.panel.title = view.mode === "model" ? `Pipeline: ${view.title}` : "Loupe Project";
  }

  private async onMessage(m: { type: string; [k: string]: unknown }): Promise<void> {
    const pc = await this.client();
    const node = this.view?.nodes.find((n) => n.id === m.node);
    switch (m.type) {
      case "ready":
        this.schedule(0);
        break;
      case "mode":
        this.mode = m.mode === "project" ? "project" : "model";
        if (this.mode === "model" && !this.uri) this.mode = "project";
        this.schedule(0);
        break;
      case "reveal": {
        if (!node || !pc) return;
        if (this.uri && (node.role === "gem" || node.role === "output")) {
          await this.revealGem(this.uri, node.gem ?? null);
        } else if (node.file) {
          const uri = vscode.Uri.file(this.abs(pc, node.file));
          if (this.mode === "project" && m.open === true) {
            this.mode = "model";
          }
          this.uri = uri;
          await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
          this.schedule(0);
        }
        break;
      }
      case "run": {
        if (!node || !pc) return;
        if (this.uri && (node.role === "gem" || node.role === "output")) await this.runGem(this.uri, node.gem ?? null);
        else if (node.file) await this.runGem(vscode.Uri.file(this.abs(pc, node.file)), null);
        break;
      }
      case "edit": {
        if (!pc || !this.uri) return;
        if (typeof m.edge === "string") {
          // On an edge: only the gem it enters reads the new gem.
          const edge = this.view?.edges.find((e) => e.id === m.edge);
          const params = edge && edgeInsertParams(edge, (m.operation ?? {}) as Record<string, unknown>);
          if (!params) return;
          const error = await this.editPipeline(pc, this.uri, params.gem, params.operation);
          void this.panel?.webview.postMessage({ type: "edited", error });
          break;
        }
        if (!node || (node.role !== "gem" && node.role !== "output")) return;
        const error = await this.editPipeline(pc, this.uri, node.gem ?? null, m.operation);
        void this.panel?.webview.postMessage({ type: "edited", error });
        break;
      }
      case "parts": {
        // A gem's parts as written, for the form to start from.
        if (!node || !pc || !this.uri || (node.role !== "gem" && node.role !== "output")) return;
        let answer: GemParts | undefined;
        let error: string | undefined;
        try {
          answer = await pc.client.sendRequest<GemParts>("loupe/gemParts", { uri: this.uri.toString(), gem: node.gem ?? null });
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
        void this.panel?.webview.postMessage({ type: "parts", node: node.id, answer, error });
        break;
      }
      case "lineage": {
        if (!node || !pc || typeof m.column !== "string" || !this.view) return;
        const view = this.view;
        const ask = async (direction: string): Promise<LineageResponse | undefined> => {
          try {
            return await pc.client.sendRequest<LineageResponse>("loupe/lineage", {
              model: node.relation,
              column: m.column,
              direction,
            });
          } catch {
            return undefined;
          }
        };
        const [up, down] = await Promise.all([ask("upstream"), ask("downstream")]);
        const cells = new Set<string>();
        for (const l of [up, down]) if (l) for (const c of lineageCells(view, l)) cells.add(c);
        cells.add(`${node.id}\u0000${String(m.column).toLowerCase()}`);
        void this.panel?.webview.postMessage({ type: "highlight", key: m.key, cells: [...cells] });
        break;
      }
    }
  }

  /** Asks the server for the edit and applies it (the editor's undo takes it back); the refusal, if any. */
  private async editPipeline(pc: ProjectClient, uri: vscode.Uri, gem: string | null, operation: unknown): Promise<string | undefined> {
    let answer: { edit: LspWorkspaceEdit; gem: string | null; title: string };
    try {
      answer = await pc.client.sendRequest("loupe/editPipeline", { uri: uri.toString(), gem, operation });
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    const edit = await pc.client.protocol2CodeConverter.asWorkspaceEdit(answer.edit);
    if (!(await vscode.workspace.applyEdit(edit))) return "VS Code did not apply the edit.";
    await this.revealGem(uri, answer.gem);
    this.schedule(0);
    return undefined;
  }

  /** Selects a gem's name in its model (null: the final SELECT, the last gem). */
  private async revealGem(uri: vscode.Uri, gem: string | null): Promise<void> {
    const editor = await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    const gems = await gemRanges(uri);
    const g = gem === null ? gems[gems.length - 1] : gems.slice(0, -1).find((s) => s.name.toLowerCase() === gem.toLowerCase());
    if (!g) return;
    editor.selection = new vscode.Selection(g.selection.start, g.selection.end);
    editor.revealRange(g.full, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
