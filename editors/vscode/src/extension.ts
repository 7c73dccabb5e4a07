// Loupe for VS Code: a client of `loupe lsp` with the pipeline and results views.
import * as path from "path";
import * as vscode from "vscode";
import { Clients, ProjectClient } from "./clients";
import { LineageResponse } from "./graphData";
import { impactItems, impactTitle, ImpactResponse } from "./impactData";
import { modelName } from "./projects";
import { needsRestart, readSettings } from "./settings";
import { statusText } from "./status";
import { gemAtPosition, gemRanges } from "./symbols";
import { PipelineView } from "./views/pipeline";
import { ResultsView } from "./views/results";

interface FabricsResponse {
  fabrics: string[];
  default: string | null;
  selected: string | null;
  details?: { name: string; kind: string; status: string }[];
}

let clients: Clients | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("Loupe");
  clients = new Clients(context, output);
  const c = clients;
  const fabrics = new Map<string, string>();

  const results = new ResultsView(context.extensionUri, c, (root) => fabrics.get(root));
  const runGem = (uri: vscode.Uri, gem: string | null) => results.run(uri, gem);
  const pipeline = new PipelineView(context.extensionUri, c, runGem);
  context.subscriptions.push(
    output,
    results,
    pipeline,
    vscode.window.registerWebviewViewProvider(ResultsView.viewId, results, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.window.registerWebviewPanelSerializer(PipelineView.viewType, pipeline.serializer()),
  );

  // ---- Status bar: the fabric, and whether analysis runs or failed ----
  const status = vscode.window.createStatusBarItem("loupe.status", vscode.StatusBarAlignment.Left, 50);
  status.name = "Loupe";
  status.command = "loupe.selectFabric";
  context.subscriptions.push(status);
  const updateStatus = () => {
    const editor = vscode.window.activeTextEditor;
    const pc = (editor && c.forUri(editor.document.uri)) ?? c.all()[0];
    if (!pc) {
      status.hide();
      return;
    }
    const s = statusText({
      fabric: fabrics.get(pc.root),
      starting: pc.client.state !== 2 /* Running */ && !pc.failed,
      failed: pc.failed,
      analysing: pc.pending.size > 0,
      running: results.isRunning,
      project: path.basename(pc.root),
    });
    status.text = s.text;
    status.tooltip = s.tooltip;
    status.backgroundColor = pc.failed ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
    status.command = pc.failed ? "loupe.showOutput" : "loupe.selectFabric";
    status.show();
  };
  context.subscriptions.push(
    c.onDidChange(updateStatus),
    results.onDidChangeRunning(updateStatus),
    vscode.window.onDidChangeActiveTextEditor(updateStatus),
  );

  const loadFabrics = async (pc: ProjectClient): Promise<FabricsResponse | undefined> => {
    try {
      const f = await pc.client.sendRequest<FabricsResponse>("loupe/fabrics", {});
      const chosen = f.selected ?? f.default ?? f.fabrics[0];
      if (chosen) fabrics.set(pc.root, chosen);
      updateStatus();
      return f;
    } catch {
      return undefined;
    }
  };
  c.onStarted = async (pc) => {
    // The `loupe.fabric` setting chooses the fabric of every project that defines it.
    const wanted = readSettings((k) => vscode.workspace.getConfiguration("loupe").get(k)).fabric;
    if (wanted) {
      try {
        await pc.client.sendRequest("loupe/selectFabric", { name: wanted });
      } catch (e) {
        output.appendLine(`loupe.fabric = ${wanted}: ${e instanceof Error ? e.message : e}`);
      }
    }
    await loadFabrics(pc);
  };

  const activeClient = async (): Promise<{ pc: ProjectClient; editor?: vscode.TextEditor } | undefined> => {
    const editor = vscode.window.activeTextEditor;
    const pc = editor ? await c.ensureFor(editor.document.uri) : c.all().find((p) => !p.failed);
    if (!pc) {
      void vscode.window.showWarningMessage("Loupe: open a SQL file of a dbt project first.");
      return undefined;
    }
    return { pc, editor };
  };

  // ---- Commands ----
  const command = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  // The "Run" lens and the "Run gem" code action of the server carry `{uri, gem}`.
  command("loupe.runGem", async (arg?: { uri?: string; gem?: string | null }) => {
    if (arg && typeof arg.uri === "string") {
      await runGem(vscode.Uri.parse(arg.uri), arg.gem ?? null);
      return;
    }
    const editor = vscode.window.activeTextEditor;
    if (!editor || !/\.sql$/i.test(editor.document.uri.fsPath)) {
      void vscode.window.showWarningMessage("Loupe: put the cursor in a gem of a model to run it.");
      return;
    }
    const gems = await gemRanges(editor.document.uri);
    const gem = gemAtPosition(gems, editor.selection.active);
    await runGem(editor.document.uri, gem?.name ?? null);
  });
  command("loupe.cancelRun", () => results.cancel());
  command("loupe.exportCsv", () => results.exportCsv());
  command("loupe.fetchSourceSchema", async (arg: { uri: string }) => {
    const pc = await c.ensureFor(vscode.Uri.parse(arg.uri));
    if (!pc) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Loupe: fetching the source's columns", cancellable: true },
      (_p, token) => pc.client.sendRequest("workspace/executeCommand", { command: "loupe.fetchSourceSchema", arguments: [arg] }, token),
    );
  });
  command("loupe.openPipeline", (uri?: vscode.Uri) => pipeline.show(uri instanceof vscode.Uri ? uri : undefined, "model"));
  command("loupe.openProjectGraph", () => pipeline.show(undefined, "project"));

  const lineage = async (direction: "upstream" | "downstream") => {
    const a = await activeClient();
    if (!a?.editor) return;
    const doc = a.editor.document;
    const range = doc.getWordRangeAtPosition(a.editor.selection.active, /[A-Za-z_][A-Za-z0-9_$]*/);
    if (!range) {
      void vscode.window.showWarningMessage("Loupe: put the cursor on a column name.");
      return;
    }
    const column = doc.getText(range);
    const model = modelName(doc.uri.fsPath);
    let answer: LineageResponse;
    try {
      answer = await a.pc.client.sendRequest<LineageResponse>("loupe/lineage", { model, column, direction });
    } catch (e) {
      void vscode.window.showWarningMessage(`Loupe: no lineage for ${model}.${column}: ${e instanceof Error ? e.message : e}`);
      return;
    }
    const kindTo = new Map<number, string>();
    for (const e of answer.edges) kindTo.set(direction === "upstream" ? e.from : e.to, e.kind);
    const items = answer.nodes
      .map((n, i) => ({ n, i }))
      .filter(({ i }) => i !== answer.root)
      .map(({ n, i }) => ({
        label: `${n.relation}${n.gem && n.gem.toLowerCase() !== n.relation.toLowerCase() ? ` › ${n.gem}` : ""} . ${n.column}`,
        description: kindTo.get(i) ?? "",
        detail: n.file ? `${n.file}${n.line !== null && n.line !== undefined ? `:${n.line + 1}` : ""}` : undefined,
        node: n,
      }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage(`Loupe: ${model}.${column} has no ${direction} lineage.`);
      return;
    }
    const pick = await vscode.window.showQuickPick(items, {
      title: `${direction === "upstream" ? "Where" : "What"} ${model}.${column} ${direction === "upstream" ? "comes from" : "feeds"}`,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (pick?.node.file) {
      const file = path.isAbsolute(pick.node.file) ? pick.node.file : path.join(a.pc.root, pick.node.file);
      const line = pick.node.line ?? 0;
      await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(line, 0, line, 0) });
    }
  };
  // The downstream lenses carry `{uri}`: what this model's changes break.
  command("loupe.showImpact", async (arg?: { uri?: string }) => {
    const uri = arg?.uri ? vscode.Uri.parse(arg.uri) : vscode.window.activeTextEditor?.document.uri;
    const pc = uri ? await c.ensureFor(uri) : undefined;
    if (!uri || !pc) {
      void vscode.window.showWarningMessage("Loupe: open a model of a dbt project first.");
      return;
    }
    let answer: ImpactResponse;
    try {
      answer = await pc.client.sendRequest<ImpactResponse>("loupe/impact", { uri: uri.toString() });
    } catch (e) {
      void vscode.window.showWarningMessage(`Loupe: no impact for this file: ${e instanceof Error ? e.message : e}`);
      return;
    }
    const pick = await vscode.window.showQuickPick(impactItems(answer), { title: impactTitle(answer), matchOnDetail: true });
    if (pick?.file !== undefined) {
      const at = new vscode.Position(pick.line ?? 0, pick.character ?? 0);
      await vscode.window.showTextDocument(vscode.Uri.file(path.join(pc.root, pick.file)), { selection: new vscode.Range(at, at) });
    }
  });
  command("loupe.lineageUpstream", () => lineage("upstream"));
  command("loupe.lineageDownstream", () => lineage("downstream"));

  // Compiled SQL as a read-only document beside the model.
  const compiledScheme = "loupe-compiled";
  const compiled = new (class implements vscode.TextDocumentContentProvider {
    readonly changed = new vscode.EventEmitter<vscode.Uri>();
    onDidChange = this.changed.event;
    async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
      const source = vscode.Uri.parse(uri.query);
      const pc = await c.ensureFor(source);
      if (!pc) return "-- no Loupe server for this file";
      try {
        const r = await pc.client.sendRequest<{ sql: string }>("loupe/compiled", { uri: source.toString() });
        return r.sql;
      } catch (e) {
        return `-- ${modelName(source.fsPath)} does not render: ${e instanceof Error ? e.message : e}`;
      }
    }
  })();
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(compiledScheme, compiled),
    vscode.workspace.onDidSaveTextDocument((d) => {
      for (const doc of vscode.workspace.textDocuments) {
        if (doc.uri.scheme === compiledScheme && doc.uri.query === d.uri.toString()) compiled.changed.fire(doc.uri);
      }
    }),
  );
  command("loupe.showCompiled", async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !/\.sql$/i.test(editor.document.uri.fsPath)) return;
    const uri = vscode.Uri.from({
      scheme: compiledScheme,
      path: `/${modelName(editor.document.uri.fsPath)} (compiled).sql`,
      query: editor.document.uri.toString(),
    });
    const doc = await vscode.workspace.openTextDocument(uri);
    compiled.changed.fire(uri);
    await vscode.languages.setTextDocumentLanguage(doc, "sql");
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  });

  command("loupe.selectFabric", async () => {
    const a = await activeClient();
    if (!a) return;
    const f = await loadFabrics(a.pc);
    if (!f) {
      void vscode.window.showWarningMessage("Loupe: this server cannot list fabrics.");
      return;
    }
    const current = fabrics.get(a.pc.root);
    const details = f.details ?? f.fabrics.map((name) => ({ name, kind: "", status: "" }));
    const pick = await vscode.window.showQuickPick(
      details.map((d) => ({
        label: d.name,
        description: [d.kind, d.name === f.default ? "default" : "", d.name === current ? "selected" : ""].filter(Boolean).join(" · "),
        detail: d.status,
      })),
      { title: `Fabric for ${path.basename(a.pc.root)}`, placeHolder: "Where gems run" },
    );
    if (!pick) return;
    try {
      await a.pc.client.sendRequest("loupe/selectFabric", { name: pick.label });
      fabrics.set(a.pc.root, pick.label);
      updateStatus();
    } catch (e) {
      void vscode.window.showErrorMessage(`Loupe: ${e instanceof Error ? e.message : e}`);
    }
  });

  command("loupe.refreshCatalog", async () => {
    const a = await activeClient();
    if (!a) return;
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "Loupe: asking the fabric for source columns", cancellable: true },
      async (_p, token) => {
        try {
          return await a.pc.client.sendRequest<{ fabric: string; described: string[]; failed: { table: string; message: string }[] }>(
            "loupe/refreshCatalog",
            {},
            token,
          );
        } catch (e) {
          if (!token.isCancellationRequested) void vscode.window.showErrorMessage(`Loupe: ${e instanceof Error ? e.message : e}`);
          return undefined;
        }
      },
    );
    if (!r) return;
    const msg = `Loupe: ${r.described.length} source table${r.described.length === 1 ? "" : "s"} described on ${r.fabric}.`;
    if (r.failed.length) {
      for (const f of r.failed) output.appendLine(`${f.table}: ${f.message}`);
      const p = await vscode.window.showWarningMessage(`${msg} ${r.failed.length} failed.`, "Show Output");
      if (p) output.show();
    } else {
      void vscode.window.showInformationMessage(msg);
    }
  });
  command("loupe.restartServer", async () => {
    fabrics.clear();
    await c.restart();
    updateStatus();
  });
  command("loupe.showOutput", () => output.show());

  // Settings read at start: restart the servers when they change.
  let settings = readSettings((k) => vscode.workspace.getConfiguration("loupe").get(k));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("loupe")) return;
      const next = readSettings((k) => vscode.workspace.getConfiguration("loupe").get(k));
      const restart = needsRestart(settings, next) || e.affectsConfiguration("loupe.server.path");
      settings = next;
      if (restart) await vscode.commands.executeCommand("loupe.restartServer");
    }),
    vscode.workspace.onDidOpenTextDocument((d) => {
      if (/\.(sql|ya?ml)$/i.test(d.uri.fsPath)) void c.ensureFor(d.uri);
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void c.startWorkspace()),
  );

  await c.startWorkspace();
  updateStatus();
}

export async function deactivate(): Promise<void> {
  await clients?.dispose();
  clients = undefined;
}
