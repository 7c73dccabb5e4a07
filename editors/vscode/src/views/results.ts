// The results panel: the rows of a gem run, its progress with Cancel, copy and CSV export, and the
// stale mark once the gem's code changes.
import * as vscode from "vscode";
import { WorkDoneProgress, WorkDoneProgressBegin, WorkDoneProgressReport, WorkDoneProgressEnd } from "vscode-languageclient/node";
import { Clients } from "../clients";
import { modelName } from "../projects";
import { codeKey, isStale, resultsData, ResultsData, RunResponse, toCsv, toTsv } from "../resultsData";
import { webviewHtml } from "../webviewHtml";
import { gemRanges, gemText } from "../symbols";

type State =
  | { type: "empty" }
  | { type: "running"; title: string; fabric: string; step: string }
  | { type: "result"; data: ResultsData }
  | { type: "error"; title: string; message: string; sql?: string }
  | { type: "cancelled"; title: string };

interface LastRun {
  uri: vscode.Uri;
  gem: string | null;
  key: string | undefined;
}

let runCounter = 0;

export class ResultsView implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "loupe.results";
  private view?: vscode.WebviewView;
  private state: State = { type: "empty" };
  private running?: vscode.CancellationTokenSource;
  private last?: LastRun;
  private staleTimer?: NodeJS.Timeout;
  private disposables: vscode.Disposable[] = [];
  private readonly runningChanged = new vscode.EventEmitter<boolean>();
  readonly onDidChangeRunning = this.runningChanged.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly clients: Clients,
    private readonly fabricOf: (root: string) => string | undefined,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.last && e.document.uri.toString() === this.last.uri.toString()) this.scheduleStaleCheck();
      }),
    );
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "dist")] };
    view.webview.html = webviewHtml(view.webview, this.extensionUri, "results", "Loupe Results");
    view.webview.onDidReceiveMessage((m) => this.onMessage(m), undefined, this.disposables);
    view.onDidDispose(() => (this.view = undefined));
  }

  private post(): void {
    void this.view?.webview.postMessage(this.state);
  }

  private setState(s: State): void {
    this.state = s;
    this.post();
  }

  private async onMessage(m: { type: string }): Promise<void> {
    switch (m.type) {
      case "ready":
        this.post();
        break;
      case "cancel":
        this.cancel();
        break;
      case "copy":
        if (this.state.type === "result") {
          await vscode.env.clipboard.writeText(toTsv(this.state.data.columns, this.state.data.rows));
          void vscode.window.setStatusBarMessage(`Copied ${this.state.data.rows.length} rows`, 3000);
        }
        break;
      case "copySql":
        if (this.state.type === "result") await vscode.env.clipboard.writeText(this.state.data.sql);
        break;
      case "csv":
        await this.exportCsv();
        break;
      case "rerun":
        if (this.last) await this.run(this.last.uri, this.last.gem);
        break;
    }
  }

  async exportCsv(): Promise<void> {
    if (this.state.type !== "result") {
      void vscode.window.showInformationMessage("Run a gem first: there are no rows to export.");
      return;
    }
    const data = this.state.data;
    const folder = this.last ? vscode.Uri.joinPath(this.last.uri, "..") : vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `${(data.gem ?? data.model).replace(/[^\w.-]+/g, "_")}.csv`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: { CSV: ["csv"] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(toCsv(data.columns, data.rows), "utf8"));
    void vscode.window.showInformationMessage(`Saved ${data.rows.length} rows to ${vscode.workspace.asRelativePath(target)}`);
  }

  cancel(): void {
    this.running?.cancel();
  }

  private scheduleStaleCheck(): void {
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.staleTimer = setTimeout(() => void this.checkStale(), 400);
  }

  private async checkStale(): Promise<void> {
    const last = this.last;
    if (!last || last.key === undefined || this.state.type !== "result" || this.state.data.stale) return;
    const doc = await vscode.workspace.openTextDocument(last.uri);
    const gems = await gemRanges(last.uri);
    const current = gemText(doc, gems, last.gem);
    if (isStale(last.key, current)) {
      this.state = { type: "result", data: { ...this.state.data, stale: true } };
      void this.view?.webview.postMessage({ type: "stale" });
    }
  }

  /** Runs a gem (`gem` null: the model's final SELECT) and shows its rows. */
  async run(uri: vscode.Uri, gem: string | null): Promise<void> {
    const pc = await this.clients.ensureFor(uri);
    if (!pc || pc.failed) {
      void vscode.window.showErrorMessage("Loupe: no language server runs for this file, so the gem cannot run.");
      return;
    }
    this.running?.cancel();
    const model = modelName(uri.fsPath);
    const title = gem ? `${model} › ${gem}` : model;
    const settings = vscode.workspace.getConfiguration("loupe");
    const limit = settings.get<number>("run.rowLimit") ?? 1000;
    const fabric = this.fabricOf(pc.root) ?? "";
    const doc = await vscode.workspace.openTextDocument(uri);
    const gems = await gemRanges(uri);
    const text = gemText(doc, gems, gem);
    this.last = { uri, gem, key: text === undefined ? undefined : codeKey(text) };

    const cts = new vscode.CancellationTokenSource();
    this.running = cts;
    this.runningChanged.fire(true);
    await vscode.commands.executeCommand(`${ResultsView.viewId}.focus`, { preserveFocus: true });
    this.setState({ type: "running", title, fabric, step: "compiling" });

    const token = `loupe-run-${++runCounter}`;
    const progress = pc.client.onProgress(WorkDoneProgress.type, token, (v: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
      if (this.running !== cts) return;
      const step = v.kind === "begin" ? (v.message ?? v.title) : v.message;
      if (step && this.state.type === "running") this.setState({ ...this.state, step });
    });
    const params: Record<string, unknown> = { uri: uri.toString(), limit, workDoneToken: token };
    if (gem) params.gem = gem;
    try {
      const answer = await pc.client.sendRequest<RunResponse>("loupe/runGem", params, cts.token);
      if (this.running !== cts) return;
      this.setState({ type: "result", data: resultsData(answer, { model, gem, fabric }) });
      // The code may have changed while the gem ran.
      this.scheduleStaleCheck();
    } catch (e) {
      if (this.running !== cts && this.running !== undefined) return;
      if (cts.token.isCancellationRequested) {
        this.setState({ type: "cancelled", title });
      } else {
        const message = e instanceof Error ? e.message : String(e);
        this.setState({ type: "error", title, message });
      }
    } finally {
      progress.dispose();
      if (this.running === cts) {
        this.running = undefined;
        this.runningChanged.fire(false);
      }
      cts.dispose();
    }
  }

  dispose(): void {
    this.running?.cancel();
    for (const d of this.disposables) d.dispose();
    this.runningChanged.dispose();
  }
}
