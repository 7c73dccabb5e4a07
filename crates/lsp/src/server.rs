//! The language server: open documents (ropey), the analysis host, snapshots
//! for requests, debounced diagnostics, cancellation and panic isolation.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loupe_analysis::host::{AnalysisHost, FileDiagnostic};
use loupe_analysis::project::Invocation;
use ropey::Rope;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::convert::Positions;
use crate::handlers;

/// How long typing must pause before diagnostics are recomputed. Keystrokes come 100 ms or more
/// apart (key repeat 30 ms), so a longer pause coalesces none of them and only delays the answer;
/// 10 ms gathers the changes an editor sends in one burst (a macro replayed, an undo of many
/// edits). A pass begun anyway is cancelled by the next edit.
const DIAGNOSTICS_DELAY: Duration = Duration::from_millis(10);

pub struct State {
    pub host: Option<AnalysisHost>,
    pub documents: HashMap<Uri, Rope>,
    /// What was last published per file, to send only changes.
    pub published: HashMap<Uri, Vec<Diagnostic>>,
    /// The last scopes of each file whose SQL parsed, for completion in half-typed SQL.
    pub last_scopes: HashMap<PathBuf, Vec<loupe_analysis::schema::ScopeInfo>>,
    /// Rows captured by running a gem: (model file, gem or "" for the final SELECT).
    pub samples: HashMap<(PathBuf, String), Arc<Sample>>,
    /// The fabric chosen with `loupe/selectFabric`.
    pub selected_fabric: Option<String>,
    /// dbt's options from the client's initialization options (`dbt.vars`, `dbt.target`, ...).
    pub invocation: Invocation,
    /// Rows a run brings back when the request does not say (`rowLimit`).
    pub row_limit: Option<usize>,
    /// The project at its Git base revision, once loaded.
    pub base: Option<crate::base::BaseAnalysis>,
    /// Why there is no base (not a Git repository, no such revision...).
    pub base_problem: Option<String>,
    /// The base revision the editor asked for (`git.base`).
    pub git_base: Option<String>,
    /// The editor shows work-done progress (`window.workDoneProgress`).
    pub shows_progress: bool,
    /// The editor resolves a code action's edit when the user picks it
    /// (`codeAction.resolveSupport` lists `edit`).
    pub resolves_code_actions: bool,
    /// Held by a pass while it compares with `published` and sends: two
    /// passes sending at once could deliver a file's older list last, and
    /// the client would keep it while `published` holds the newer one.
    pub publishing: Arc<tokio::sync::Mutex<()>>,
}

/// A gem's sample rows, keyed by the SQL that produced them (stale once it changes).
#[derive(Clone, Debug)]
pub struct Sample {
    pub sql: String,
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Option<String>>>,
    pub truncated: bool,
    /// How the run took its upstream models (the same compile tells staleness).
    pub upstream: loupe_analysis::model::Upstream,
    /// The run failed: the fabric's message (and no rows).
    pub error: Option<String>,
}

pub struct Backend {
    pub client: Client,
    pub state: Arc<Mutex<State>>,
    generation: Arc<AtomicU64>,
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            state: Arc::new(Mutex::new(State {
                host: None,
                documents: HashMap::new(),
                published: HashMap::new(),
                last_scopes: HashMap::new(),
                samples: HashMap::new(),
                selected_fabric: None,
                invocation: Invocation::default(),
                row_limit: None,
                base: None,
                base_problem: None,
                git_base: None,
                shows_progress: false,
                resolves_code_actions: false,
                publishing: Arc::default(),
            })),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A snapshot of the analysis, if a project is loaded.
    pub fn snapshot(&self) -> Option<AnalysisHost> {
        self.state.lock().unwrap().host.clone()
    }

    /// Runs `work` on a snapshot off the async runtime. A stale request (the
    /// text changed meanwhile) answers ContentModified; a panic answers an
    /// internal error and the server goes on.
    pub async fn with_snapshot<T: Send + 'static>(
        &self,
        work: impl FnOnce(&AnalysisHost) -> T + Send + 'static,
    ) -> Result<Option<T>> {
        let Some(snapshot) = self.snapshot() else {
            return Ok(None);
        };
        let outcome = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&snapshot)))
        })
        .await
        .map_err(|_| Error::internal_error())?;
        match outcome {
            Ok(value) => Ok(Some(value)),
            Err(panic) if panic.is::<salsa::Cancelled>() => Err(Error {
                code: ErrorCode::ServerError(-32801),
                message: "content modified".into(),
                data: None,
            }),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown".into());
                Err(Error {
                    code: ErrorCode::InternalError,
                    message: format!("internal error: {what}").into(),
                    data: None,
                })
            }
        }
    }

    /// Applies a document's new text to the analysis and schedules diagnostics.
    fn update_document(&self, uri: &Uri, text: String) {
        if let Some(path) = uri.to_file_path() {
            let mut state = self.state.lock().unwrap();
            if let Some(host) = state.host.as_mut() {
                host.set_editor_text(&path, text);
            }
        }
        self.schedule_diagnostics();
    }

    /// Recomputes and publishes diagnostics once typing pauses.
    pub(crate) fn schedule_diagnostics(&self) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let (client, state, current) = (
            self.client.clone(),
            self.state.clone(),
            self.generation.clone(),
        );
        tokio::spawn(async move {
            tokio::time::sleep(DIAGNOSTICS_DELAY).await;
            if current.load(Ordering::SeqCst) != generation {
                return;
            }
            publish_diagnostics(client, state, current, generation).await;
        });
    }

    fn load_project(&self, root: &Path) {
        let invocation = self.state.lock().unwrap().invocation.clone();
        let host = match AnalysisHost::load_with(root, invocation) {
            Ok(host) => {
                if host.target().adapter_from == loupe_analysis::project::AdapterSource::Assumed {
                    let client = self.client.clone();
                    tokio::spawn(async move {
                        client
                            .log_message(
                                MessageType::INFO,
                                "Loupe: no profiles.yml names this project's adapter: its SQL is read as DuckDB's. \
                                 Set `dbt.adapter` in Loupe's settings (snowflake, bigquery, databricks...) \
                                 or `adapter` under [dbt] in loupe.toml.",
                            )
                            .await;
                    });
                }
                Some(host)
            }
            Err(message) => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    client
                        .show_message(MessageType::ERROR, format!("Loupe: {message}"))
                        .await;
                });
                None
            }
        };
        let mut state = self.state.lock().unwrap();
        // Editors' unsaved text wins over the disk.
        let mut host = host;
        if let Some(h) = host.as_mut() {
            for (uri, rope) in &state.documents {
                if let Some(path) = uri.to_file_path() {
                    h.set_editor_text(&path, rope.to_string());
                }
            }
        }
        state.host = host;
    }

    /// Loads (or refreshes) the project at its Git base revision off the
    /// request path, then republishes diagnostics with the impact of the
    /// change. The base's analysis is kept while the revision stays.
    pub(crate) fn refresh_base(&self) {
        let (state, backend) = (self.state.clone(), self.clone_handle());
        tokio::spawn(async move {
            let (root, invocation, asked, current) = {
                let s = state.lock().unwrap();
                let Some(host) = s.host.as_ref() else { return };
                (
                    host.root().to_path_buf(),
                    s.invocation.clone(),
                    s.git_base.clone(),
                    s.base.clone(),
                )
            };
            let loaded = tokio::task::spawn_blocking(move || {
                let fresh =
                    current.as_ref().and_then(|b| {
                        let repo = loupe_git::ProjectRepo::open(&root).ok()??;
                        let same =
                            repo.resolve_base(asked.as_deref().or(
                                loupe_analysis::project::configured_git_base(&root).as_deref(),
                            ))
                            .ok()?
                                == b.revision;
                        same.then(|| b.with_fresh_changes(&root).ok()).flatten()
                    });
                match fresh {
                    Some(b) => Ok(Some(b)),
                    None => crate::base::BaseAnalysis::load(&root, asked.as_deref(), invocation),
                }
            })
            .await;
            {
                let mut s = state.lock().unwrap();
                match loaded {
                    Ok(Ok(Some(base))) => {
                        s.base = Some(base);
                        s.base_problem = None;
                    }
                    Ok(Ok(None)) => {
                        s.base = None;
                        s.base_problem = Some("not in a Git repository".into());
                    }
                    Ok(Err(message)) => {
                        s.base = None;
                        s.base_problem = Some(message);
                    }
                    Err(_) => s.base_problem = Some("loading the base revision failed".into()),
                }
            }
            backend.schedule_diagnostics();
        });
    }

    fn clone_handle(&self) -> Backend {
        Backend {
            client: self.client.clone(),
            state: self.state.clone(),
            generation: self.generation.clone(),
        }
    }
}

/// dbt's options from `initializationOptions.dbt` (or the top level of the
/// options): `vars` (a mapping, or YAML/JSON text as `--vars` takes),
/// `target`, `profile`, `profilesDir`, `adapter`.
fn invocation_from_options(
    options: Option<&serde_json::Value>,
) -> std::result::Result<Invocation, String> {
    // `{"dbt": {"vars": ...}}`, or the same keys at the top level.
    let Some(dbt) = options.map(|o| o.get("dbt").unwrap_or(o)) else {
        return Ok(Invocation::default());
    };
    let text = |key: &str| dbt.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let vars = match dbt.get("vars") {
        None | Some(serde_json::Value::Null) => serde_yaml::Value::Null,
        Some(serde_json::Value::String(s)) => Invocation::parse_vars(s)?,
        Some(v @ serde_json::Value::Object(_)) => {
            serde_yaml::to_value(v).map_err(|e| format!("dbt.vars: {e}"))?
        }
        Some(_) => return Err("dbt.vars must be an object or YAML text".into()),
    };
    Ok(Invocation {
        vars,
        target: text("target"),
        profile: text("profile"),
        profiles_dir: text("profilesDir").map(PathBuf::from),
        adapter: text("adapter"),
    })
}

/// Diagnostics published per file where they changed: the open files first
/// (what the user looks at), then the whole project (files that are not open
/// but depend on an edited one included).
pub async fn publish_diagnostics(
    client: Client,
    state: Arc<Mutex<State>>,
    current: Arc<AtomicU64>,
    generation: u64,
) {
    let open: Vec<PathBuf> = state
        .lock()
        .unwrap()
        .documents
        .keys()
        .filter_map(|u| u.to_file_path().map(|p| p.into_owned()))
        .collect();
    for scope in [Some(open), None] {
        if current.load(Ordering::SeqCst) != generation {
            return;
        }
        let (Some(snapshot), base, shows_progress) = ({
            let s = state.lock().unwrap();
            (s.host.clone(), s.base.clone(), s.shows_progress)
        }) else {
            return;
        };
        let is_project_pass = scope.is_none();
        // The open files' scopes are taken after their diagnostics are out.
        let open_paths = scope.clone();
        let compute = move || {
            salsa::Cancelled::catch(std::panic::AssertUnwindSafe(|| {
                compute_diagnostics(&snapshot, scope.as_deref(), base.as_ref())
            }))
            .ok()
        };
        let computed = if is_project_pass {
            let pass = in_background(compute);
            tokio::pin!(pass);
            tokio::select! {
                computed = &mut pass => computed,
                () = tokio::time::sleep(crate::progress::REPORT_AFTER), if shows_progress => {
                    // Counted only for a pass long enough to be shown, not at every keystroke.
                    let host = state.lock().unwrap().host.clone();
                    let models = host.map_or(0, |host| {
                        host.files_of_kind(loupe_analysis::project::FileKind::Model).len()
                    });
                    let _reported = crate::progress::Reported::begin(
                        &client,
                        format!("loupe/check/{generation}"),
                        "Loupe: checking the project".to_string(),
                        format!("{models} models"),
                    );
                    pass.await
                }
            }
        } else {
            tokio::task::spawn_blocking(compute).await.ok().flatten()
        };
        let Some(by_file) = computed else {
            return;
        };
        let publishing = state.lock().unwrap().publishing.clone();
        let sending = publishing.lock().await;
        if current.load(Ordering::SeqCst) != generation {
            return;
        }
        let changed = {
            let mut state = state.lock().unwrap();
            let mut by_file = by_file;
            if is_project_pass {
                // Files that left the project (deleted, moved, ignored) lose what they showed.
                for uri in state.published.keys() {
                    by_file.entry(uri.clone()).or_default();
                }
            }
            let mut changed = Vec::new();
            for (uri, list) in by_file {
                // Unchanged, or clean and never reported (and not open): nothing to send.
                let unchanged = match state.published.get(&uri) {
                    Some(previous) => previous == &list,
                    None => list.is_empty() && !state.documents.contains_key(&uri),
                };
                if !unchanged {
                    state.published.insert(uri.clone(), list.clone());
                    changed.push((uri, list));
                }
            }
            changed
        };
        for (uri, list) in changed {
            client.publish_diagnostics(uri, list, None).await;
        }
        drop(sending);
        if let Some(paths) = open_paths {
            let Some(snapshot) = state.lock().unwrap().host.clone() else {
                return;
            };
            let scopes = tokio::task::spawn_blocking(move || {
                salsa::Cancelled::catch(std::panic::AssertUnwindSafe(|| {
                    open_file_scopes(&snapshot, &paths)
                }))
                .ok()
            })
            .await
            .ok()
            .flatten();
            if let Some(scopes) = scopes.filter(|_| current.load(Ordering::SeqCst) == generation) {
                state.lock().unwrap().last_scopes.extend(scopes);
            }
        }
    }
}

/// Runs the whole-project pass on a thread of its own at a low scheduling priority (its worker
/// threads inherit it): it keeps every core busy for seconds on a large project, and a completion
/// or hover asked meanwhile should not wait behind it for its share of a core.
async fn in_background<T: Send + 'static>(
    work: impl FnOnce() -> Option<T> + Send + 'static,
) -> Option<T> {
    let (send, receive) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("loupe-project-pass".into())
        .spawn(move || {
            lower_this_threads_priority();
            let _ = send.send(work());
        });
    if spawned.is_err() {
        return None;
    }
    receive.await.ok().flatten()
}

fn lower_this_threads_priority() {
    // On Linux the nice value is per thread (`who` 0 is the calling thread) and threads it
    // starts inherit it; elsewhere it would apply to the whole process.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

type Scopes = Vec<(PathBuf, Vec<loupe_analysis::schema::ScopeInfo>)>;

/// The scopes of the open models whose SQL parses, kept for completion in
/// half-typed SQL. Only open files are typed in: a copy of every model's
/// scopes doubled the memory.
fn open_file_scopes(snapshot: &AnalysisHost, open: &[PathBuf]) -> Scopes {
    let (db, project) = (snapshot.db(), snapshot.project());
    open.iter()
        .filter_map(|p| snapshot.file(p))
        .filter(|f| {
            matches!(
                f.kind(db),
                loupe_analysis::project::FileKind::Model
                    | loupe_analysis::project::FileKind::Snapshot
            )
        })
        .filter_map(|f| {
            let facts = loupe_analysis::model::model_ide_facts(db, project, f);
            (!facts.scopes.is_empty()).then(|| (snapshot.path_of(f), facts.scopes.clone()))
        })
        .collect()
}

/// LSP diagnostics of the given files (all project files with `None`).
fn compute_diagnostics(
    snapshot: &AnalysisHost,
    only: Option<&[PathBuf]>,
    base: Option<&crate::base::BaseAnalysis>,
) -> HashMap<Uri, Vec<Diagnostic>> {
    let db = snapshot.db();
    // Before the first open file's diagnostics wait for the project index.
    snapshot.read_properties_in_parallel();
    let diagnostics = match only {
        None => snapshot.check(),
        Some(paths) => paths
            .iter()
            .filter_map(|p| snapshot.file(p))
            .flat_map(|f| snapshot.file_diagnostics(f))
            .collect(),
    };
    let files: Vec<_> = match only {
        None => snapshot.files().collect(),
        Some(paths) => paths.iter().filter_map(|p| snapshot.file(p)).collect(),
    };
    let mut by_file: HashMap<Uri, Vec<Diagnostic>> = HashMap::new();
    let mut texts: HashMap<String, (Uri, Arc<str>)> = HashMap::new();
    for f in files {
        let Some(uri) = Uri::from_file_path(snapshot.path_of(f)) else {
            continue;
        };
        by_file.entry(uri.clone()).or_default();
        texts.insert(f.path(db).clone(), (uri, f.text(db).clone()));
    }
    // The line indexes of the file being placed: diagnostics come file by file.
    let mut placing: Option<(&str, Positions)> = None;
    for d in &diagnostics {
        if let Some((uri, text)) = texts.get(&d.file) {
            if placing.as_ref().is_none_or(|(file, _)| *file != d.file) {
                placing = Some((&d.file, Positions::new(text)));
            }
            let (_, positions) = placing.as_ref().expect("set above");
            by_file
                .entry(uri.clone())
                .or_default()
                .push(to_lsp_diagnostic(text, positions, d));
        }
    }
    if let Some(base) = base {
        let files: Option<Vec<String>> = only.map(|_| texts.keys().cloned().collect());
        for impact in base.impacts(snapshot, files.as_deref()) {
            let Some(at) = impact.at.as_ref().filter(|_| impact.breaking) else {
                continue;
            };
            if let Some((uri, text)) = texts.get(&at.file) {
                by_file
                    .entry(uri.clone())
                    .or_default()
                    .push(crate::convert::impact_diagnostic(
                        snapshot,
                        text,
                        &impact,
                        at,
                        &base.revision.label,
                    ));
            }
        }
    }
    by_file
}

fn to_lsp_diagnostic(text: &str, positions: &Positions, d: &FileDiagnostic) -> Diagnostic {
    let lines = positions.lines();
    let start = lines.offset(text, d.start.line as u64, d.start.col as u64);
    let end = lines.offset(text, d.end.line as u64, d.end.col as u64);
    Diagnostic {
        range: positions.range(loupe_analysis::text::TextRange::new(start, end)),
        severity: Some(match d.severity {
            loupe_analysis::diagnostics::Severity::Error => DiagnosticSeverity::ERROR,
            loupe_analysis::diagnostics::Severity::Warning => DiagnosticSeverity::WARNING,
            loupe_analysis::diagnostics::Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("loupe".into()),
        message: match &d.gem {
            Some(gem) => format!("{} (gem `{gem}`)", d.message),
            None => d.message.clone(),
        },
        ..Default::default()
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        #[allow(deprecated)]
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .and_then(|f| f.uri.to_file_path().map(|p| p.into_owned()))
            .or_else(|| {
                params
                    .root_uri
                    .as_ref()
                    .and_then(|u| u.to_file_path().map(|p| p.into_owned()))
            });
        self.state.lock().unwrap().shows_progress = params
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        self.state.lock().unwrap().resolves_code_actions = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.code_action.as_ref())
            .and_then(|c| c.resolve_support.as_ref())
            .is_some_and(|r| r.properties.iter().any(|p| p == "edit"));
        // The editor's settings: the fabric to run on and how many rows to bring back.
        if let Some(options) = params.initialization_options.as_ref() {
            let mut state = self.state.lock().unwrap();
            state.selected_fabric = options
                .get("fabric")
                .and_then(|f| f.as_str())
                .filter(|f| !f.is_empty())
                .map(str::to_string);
            state.git_base = options
                .pointer("/git/base")
                .and_then(|b| b.as_str())
                .filter(|b| !b.is_empty())
                .map(str::to_string);
            state.row_limit = options
                .get("rowLimit")
                .and_then(|l| l.as_u64())
                .map(|l| l.clamp(1, 1_000_000) as usize);
        }
        match invocation_from_options(params.initialization_options.as_ref()) {
            Ok(invocation) => self.state.lock().unwrap().invocation = invocation,
            Err(message) => {
                self.client
                    .show_message(MessageType::ERROR, format!("Loupe: {message}"))
                    .await
            }
        }
        if let Some(root) = root {
            let root = find_project_root(&root);
            tokio::task::block_in_place(|| self.load_project(&root));
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "loupe".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::UTF16),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), "'".into(), "\"".into()]),
                    ..Default::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        resolve_provider: Some(true),
                        ..Default::default()
                    },
                )),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".into(), ",".into()]),
                    ..Default::default()
                }),
                #[cfg(feature = "fabric")]
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: handlers::execute_command::COMMANDS
                        .iter()
                        .map(|c| c.to_string())
                        .collect(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.schedule_diagnostics();
        self.refresh_base();
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        // A saved rename or new file changes what Git pairs with the base.
        self.refresh_base();
    }

    async fn shutdown(&self) -> Result<()> {
        // Execution contexts and Livy sessions are released with the server.
        #[cfg(feature = "fabric")]
        tokio::task::spawn_blocking(crate::run::close_remote_fabrics)
            .await
            .ok();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.state
            .lock()
            .unwrap()
            .documents
            .insert(doc.uri.clone(), Rope::from_str(&doc.text));
        self.update_document(&doc.uri, doc.text);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        // Edits apply in order under the lock, so no request sees half of them.
        let text = {
            let mut state = self.state.lock().unwrap();
            let Some(rope) = state.documents.get_mut(&uri) else {
                return;
            };
            for change in params.content_changes {
                match change.range {
                    Some(range) => {
                        let text = rope.to_string();
                        let start = rope.byte_to_char(crate::convert::offset(&text, range.start));
                        let end = rope.byte_to_char(crate::convert::offset(&text, range.end));
                        rope.remove(start..end);
                        rope.insert(start, &change.text);
                    }
                    None => *rope = Rope::from_str(&change.text),
                }
            }
            rope.to_string()
        };
        self.update_document(&uri, text);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.state.lock().unwrap().documents.remove(&uri);
        // The file on disk is the truth again.
        if let Some(path) = uri.to_file_path() {
            if let Ok(text) = std::fs::read_to_string(&path) {
                self.update_document(&uri, text);
            }
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // Files appeared or went away, or `.dbtignore` changed which count.
        let structural = params.changes.iter().any(|c| {
            c.typ != FileChangeType::CHANGED
                || c.uri
                    .to_file_path()
                    .is_some_and(|p| p.ends_with(".dbtignore"))
        });
        let root = self.snapshot().map(|h| h.root().to_path_buf());
        let settings_changed = params.changes.iter().any(|c| {
            c.uri.to_file_path().is_some_and(|p| {
                [
                    "dbt_project.yml",
                    "profiles.yml",
                    "packages.yml",
                    "dependencies.yml",
                    "loupe.toml",
                ]
                .iter()
                .any(|name| p.ends_with(name))
            })
        });
        match (structural, root) {
            (true, Some(root)) if settings_changed => {
                tokio::task::block_in_place(|| self.load_project(&root))
            }
            // Files appeared or went away (a git checkout): list them again;
            // what did not change keeps its analysis.
            (true, Some(root)) => tokio::task::block_in_place(|| {
                let mut guard = self.state.lock().unwrap();
                let synced = guard.host.as_mut().map(|host| host.sync_files());
                if !matches!(synced, Some(Ok(_))) {
                    drop(guard);
                    self.load_project(&root);
                    return;
                }
                let state = &mut *guard;
                let Some(host) = state.host.as_mut() else {
                    return;
                };
                for change in &params.changes {
                    if change.typ != FileChangeType::CHANGED
                        || state.documents.contains_key(&change.uri)
                    {
                        continue;
                    }
                    if let Some(path) = change.uri.to_file_path() {
                        if let Ok(text) = std::fs::read_to_string(&path) {
                            host.set_file_text(&path, text);
                        }
                    }
                }
                // Editors' unsaved text wins over the disk, new files included.
                for (uri, rope) in &state.documents {
                    if let Some(path) = uri.to_file_path() {
                        host.set_editor_text(&path, rope.to_string());
                    }
                }
            }),
            _ => {
                for change in params.changes {
                    let open = self
                        .state
                        .lock()
                        .unwrap()
                        .documents
                        .contains_key(&change.uri);
                    if open {
                        continue;
                    }
                    if let Some(path) = change.uri.to_file_path() {
                        if path.ends_with("dbt_project.yml") || path.ends_with("profiles.yml") {
                            if let Some(root) = self.snapshot().map(|h| h.root().to_path_buf()) {
                                tokio::task::block_in_place(|| self.load_project(&root));
                            }
                            break;
                        }
                        if let Ok(text) = std::fs::read_to_string(&path) {
                            let mut state = self.state.lock().unwrap();
                            if let Some(host) = state.host.as_mut() {
                                host.set_file_text(&path, text);
                            }
                        }
                    }
                }
            }
        }
        self.schedule_diagnostics();
        self.refresh_base();
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        handlers::hover::handle(self, params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        handlers::completion::handle(self, params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        handlers::definition::handle(self, params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        handlers::document_symbol::handle(self, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        handlers::code_action::handle(self, params).await
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        handlers::code_action_resolve::handle(self, action).await
    }

    #[cfg(feature = "fabric")]
    async fn execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> Result<Option<serde_json::Value>> {
        handlers::execute_command::handle(self, params).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        handlers::code_lens::handle(self, params).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        handlers::folding_range::handle(self, params).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        handlers::inlay_hint::handle(self, params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        handlers::references::handle(self, params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        handlers::rename::handle(self, params).await
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        handlers::signature_help::handle(self, params).await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        handlers::workspace_symbol::handle(self, params).await
    }
}

/// The folder with `dbt_project.yml` at or above `start` (else `start`).
fn find_project_root(start: &Path) -> PathBuf {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if d.join("dbt_project.yml").is_file() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    start.to_path_buf()
}
