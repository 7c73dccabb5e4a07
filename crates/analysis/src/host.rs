//! The entry point for clients (CLI, language server): load a project into
//! the database, change files, and ask for diagnostics and schemas as plain data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use salsa::{Durability, Setter};
use serde::Serialize;

use crate::db::{PackageSettings, Project, ProjectSettings, RootDatabase, SourceFile};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::model::{
    model_analysis, model_diagnostics, model_is_disabled, project_index, seed_schema,
};
use crate::parallel::worker_threads;
use crate::project::{discover, FileKind, Invocation};
use crate::schema::RelationSchema;
use crate::syntax::Dialect;
use crate::text::{LineCol, LineIndex};

/// The stack of every thread that analyses. The bounds on SQL depth
/// (`syntax::depth`) and macro nesting keep analysis within an ordinary 8 MiB
/// stack (the `hostile` tests check it); this is a margin on top.
/// Reserved, not committed, until used.
pub const ANALYSIS_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Models, macros and YAML larger than this are not analyzed (they are
/// reported instead). Seeds have no such bound: dbt loads every row, and
/// their types come from every row.
const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// A diagnostic placed in a file, as clients show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileDiagnostic {
    pub file: String,
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub start: LineCol,
    pub end: LineCol,
    pub model: Option<String>,
    pub gem: Option<String>,
    /// The diagnostic's first line, for a snippet.
    #[serde(skip)]
    pub line_text: Arc<str>,
}

/// A loaded project and its database. A clone is a snapshot: it answers
/// queries on its own thread, and is cancelled when the original changes.
#[derive(Clone)]
pub struct AnalysisHost {
    db: RootDatabase,
    project: Project,
    root: PathBuf,
    files: Arc<BTreeMap<PathBuf, SourceFile>>,
    /// Files that could not be read as text.
    unreadable: Arc<Vec<(String, String)>>,
    /// The options the project was loaded with, to list its files again.
    invocation: Arc<Invocation>,
    /// The properties files were parsed on all cores once: later the index
    /// reads only those an edit changed.
    properties_read: Arc<std::sync::atomic::AtomicBool>,
    /// Models an editor has set the text of: their text is of low durability.
    editing: rustc_hash::FxHashSet<SourceFile>,
}

/// A diagnostic about a whole file (at its start).
fn whole_file_diagnostic(file: &str, message: String) -> FileDiagnostic {
    FileDiagnostic {
        file: file.to_string(),
        code: Code::ProjectError.as_str(),
        name: Code::ProjectError.name(),
        severity: Severity::Error,
        message,
        start: LineCol { line: 1, col: 1 },
        end: LineCol { line: 1, col: 1 },
        model: None,
        gem: None,
        line_text: "".into(),
    }
}

/// Diagnostics of one file, placed by line and column.
fn file_diagnostics(db: &RootDatabase, project: Project, file: SourceFile) -> Vec<FileDiagnostic> {
    let index = project_index(db, project);
    match file.kind(db) {
        FileKind::Model | FileKind::Snapshot
            if index.node_for_file(file).is_none_or(|n| !n.opaque) =>
        {
            let model = index.node_for_file(file).map(|n| n.name.clone());
            let placer = DiagnosticPlacer::new(file.text(db));
            model_diagnostics(db, project, file)
                .iter()
                .map(|d| placer.place(file.path(db), d, model.clone()))
                .collect()
        }
        FileKind::Properties => {
            let errors = index
                .broken_properties
                .iter()
                .map(|(f, m)| (*f, m, 0, Severity::Error));
            let warnings = index
                .properties_warnings
                .iter()
                .map(|(f, m, at)| (*f, m, *at, Severity::Warning));
            let placer = DiagnosticPlacer::new(file.text(db));
            errors
                .chain(warnings)
                .filter(|(f, ..)| *f == file)
                .map(|(_, message, at, severity)| {
                    let mut d = Diagnostic::new(
                        Code::ProjectError,
                        crate::text::TextRange::empty(at),
                        message.clone(),
                    );
                    d.severity = severity;
                    placer.place(file.path(db), &d, None)
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Places the diagnostics of one text by line and column: the line index is
/// built once, not once per diagnostic, and a line that many diagnostics
/// share is kept once (a generated model can be one line with thousands).
pub struct DiagnosticPlacer<'a> {
    text: &'a str,
    /// Built at the first diagnostic: most files have none.
    lines: std::cell::OnceCell<LineIndex>,
    last_line: std::cell::RefCell<Option<(u32, Arc<str>)>>,
}

impl<'a> DiagnosticPlacer<'a> {
    pub fn new(text: &'a str) -> Self {
        DiagnosticPlacer {
            text,
            lines: Default::default(),
            last_line: Default::default(),
        }
    }

    pub fn place(&self, file: &str, d: &Diagnostic, model: Option<String>) -> FileDiagnostic {
        let lines = self.lines.get_or_init(|| LineIndex::new(self.text));
        let start = lines.line_col(self.text, d.range.start);
        let end = lines.line_col(self.text, d.range.end);
        let mut last = self.last_line.borrow_mut();
        let line_text = match &*last {
            Some((line, text)) if *line == start.line => text.clone(),
            _ => {
                let text: Arc<str> = lines.line_text(self.text, start.line).into();
                *last = Some((start.line, text.clone()));
                text
            }
        };
        FileDiagnostic {
            file: file.to_string(),
            code: d.code.as_str(),
            name: d.code.name(),
            severity: d.severity,
            message: d.message.clone(),
            start,
            end,
            model,
            gem: d.gem.clone(),
            line_text,
        }
    }
}

fn read_text(path: &Path, kind: FileKind) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the file: {e}"))?;
    if bytes.len() > MAX_FILE_BYTES && kind != FileKind::Seed {
        return Err(format!(
            "the file is {} MB, more than Loupe analyzes",
            bytes.len() / (1024 * 1024)
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not valid UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A file's diagnostics. A panic while analyzing it becomes one diagnostic on
/// the file, and the other files go on; only an edit (salsa's cancellation)
/// unwinds, to end the pass (see `for_each_parallel`).
fn guarded_file_diagnostics(
    db: &RootDatabase,
    project: Project,
    file: SourceFile,
) -> Vec<FileDiagnostic> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        file_diagnostics(db, project, file)
    }))
    .unwrap_or_else(|panic| {
        if is_pending_edit(panic.as_ref()) {
            std::panic::resume_unwind(panic);
        }
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| {
                // salsa's payload on a thread that waited for a query which panicked on another.
                "the analysis of a file it reads failed".into()
            });
        let message = format!("internal error while analyzing this file: {what}");
        vec![whole_file_diagnostic(file.path(db), message)]
    })
}

/// Whether a panic is salsa cancelling for an edit (to end the pass with),
/// not a failure: salsa also unwinds a thread that waited for a query whose
/// own thread panicked, and that one file's failure must not end the pass.
fn is_pending_edit(panic: &(dyn std::any::Any + Send)) -> bool {
    panic
        .downcast_ref::<salsa::Cancelled>()
        .is_some_and(|c| !matches!(c, salsa::Cancelled::PropagatedPanic))
}

/// Threads reading files: reading waits on the disk more than it computes
/// when the files are not cached, and the disk serves several reads at once
/// (`loupe lineage --all` of 10,000 models not in the page cache, on two
/// cores: 2.6-2.8 s reading on 2 threads, 1.6-1.8 s on 16).
const READER_THREADS: usize = 16;

/// The texts of `files`, read on several threads (a project of 10,000 models
/// spent a tenth of its cold check reading them one after another).
fn read_texts(files: &[&crate::project::DiscoveredFile]) -> Vec<Result<String, String>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let texts: Vec<std::sync::OnceLock<Result<String, String>>> =
        files.iter().map(|_| std::sync::OnceLock::new()).collect();
    std::thread::scope(|scope| {
        for _ in 0..READER_THREADS.min(files.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                let _ = texts[i].set(read_text(&f.path, f.kind));
            });
        }
    });
    texts
        .into_iter()
        .map(|t| t.into_inner().expect("every file is read"))
        .collect()
}

/// A salsa input for a file found on disk with its text as read; an
/// unreadable file is empty and noted in `unreadable`.
fn new_source_file(
    db: &RootDatabase,
    f: &crate::project::DiscoveredFile,
    text: Result<String, String>,
    unreadable: &mut Vec<(String, String)>,
) -> SourceFile {
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            unreadable.push((f.display.clone(), e));
            String::new()
        }
    };
    // As read from disk, medium; a model an editor opens turns low (see `set_editor_text`).
    let config_tags = crate::jinja::config_tags(f.kind, &text);
    SourceFile::builder(
        f.display.clone(),
        Arc::from(text),
        f.kind,
        f.package.clone(),
        f.package_relative.clone(),
        config_tags,
    )
    .durability(Durability::MEDIUM)
    .new(db)
}

fn dialect_for(adapter: &str) -> Dialect {
    Dialect::from_name(adapter).unwrap_or(Dialect::Generic)
}

impl AnalysisHost {
    /// Loads the dbt project at `root` as dbt would see it with no options
    /// beyond `loupe.toml` and the environment. Fails only when
    /// `dbt_project.yml` (or `loupe.toml`) is unusable.
    pub fn load(root: &Path) -> Result<AnalysisHost, String> {
        AnalysisHost::load_with(root, Invocation::for_project(root)?)
    }

    /// Loads the project with explicit options (`--vars`, `--target`, ...);
    /// what they leave unset comes from `loupe.toml` and the environment.
    pub fn load_with(root: &Path, invocation: Invocation) -> Result<AnalysisHost, String> {
        let invocation = invocation.or(Invocation::for_project(root)?);
        crate::jinja::scan_builtin_macros_in_background();
        let discovered = discover(root, &invocation)?;
        let db = RootDatabase::default();
        let mut unreadable = Vec::new();
        let texts = read_texts(&discovered.files.iter().collect::<Vec<_>>());
        let inputs: Vec<SourceFile> = discovered
            .files
            .iter()
            .zip(texts)
            .map(|(f, text)| new_source_file(&db, f, text, &mut unreadable))
            .collect();
        // Built at once from paths found in order: a path comparison walks
        // components, and inserting one by one compared each path ~14 times.
        let files: BTreeMap<PathBuf, SourceFile> = discovered
            .files
            .iter()
            .map(|f| f.path.clone())
            .zip(inputs.iter().copied())
            .collect();
        let settings = ProjectSettings {
            dispatch: discovered
                .packages
                .first()
                .map(|p| p.dispatch.clone())
                .unwrap_or_default(),
            dialect: dialect_for(&discovered.target.adapter),
            vars: invocation.vars.clone(),
            target: discovered.target.clone(),
            packages: discovered
                .packages
                .iter()
                .map(|p| PackageSettings {
                    name: p.name.clone(),
                    models: p.models.clone(),
                    seeds: p.seeds.clone(),
                    snapshots: p.snapshots.clone(),
                    vars: p.vars.clone(),
                })
                .collect(),
        };
        let catalog = crate::project::WarehouseCatalog::load(&discovered.root);
        let project = Project::builder(Arc::new(settings), Arc::new(inputs), Arc::new(catalog))
            .durability(Durability::HIGH)
            .new(&db);
        Ok(AnalysisHost {
            db,
            project,
            root: discovered.root,
            files: Arc::new(files),
            unreadable: Arc::new(unreadable),
            invocation: Arc::new(invocation),
            properties_read: Default::default(),
            editing: Default::default(),
        })
    }

    /// Lists the project's files on disk again after files were created,
    /// deleted or renamed: new files are read and added, gone ones dropped,
    /// the others kept with their current text (an editor's unsaved text
    /// included), so only what depends on the change is analyzed again.
    /// Returns whether the list changed. A change to the project's settings
    /// (`dbt_project.yml`, packages, profiles) needs a new `load_with`.
    pub fn sync_files(&mut self) -> Result<bool, String> {
        let discovered = discover(&self.root, &self.invocation)?;
        let mut files = BTreeMap::new();
        let mut inputs = Vec::new();
        let mut unreadable: Vec<(String, String)> = self
            .unreadable
            .iter()
            .filter(|(display, _)| discovered.files.iter().any(|f| &f.display == display))
            .cloned()
            .collect();
        let kept: Vec<Option<SourceFile>> = discovered
            .files
            .iter()
            .map(|f| {
                self.files.get(&f.path).copied().filter(|old| {
                    old.kind(&self.db) == f.kind
                        && old.package(&self.db) == &f.package
                        && old.package_relative(&self.db) == &f.package_relative
                })
            })
            .collect();
        let new_files: Vec<_> = discovered
            .files
            .iter()
            .zip(&kept)
            .filter(|(_, kept)| kept.is_none())
            .map(|(f, _)| f)
            .collect();
        let mut texts = read_texts(&new_files).into_iter();
        for (f, kept) in discovered.files.iter().zip(kept) {
            let file = match kept {
                Some(file) => file,
                None => {
                    let text = texts.next().expect("a text per new file");
                    new_source_file(&self.db, f, text, &mut unreadable)
                }
            };
            files.insert(f.path.clone(), file);
            inputs.push(file);
        }
        if inputs.as_slice() == self.project.files(&self.db).as_slice() {
            return Ok(false);
        }
        self.project
            .set_files(&mut self.db)
            .with_durability(Durability::HIGH)
            .to(Arc::new(inputs));
        self.files = Arc::new(files);
        self.unreadable = Arc::new(unreadable);
        Ok(true)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn db(&self) -> &RootDatabase {
        &self.db
    }

    pub fn project(&self) -> Project {
        self.project
    }

    /// The target the project builds into, and what named its adapter.
    pub fn target(&self) -> &crate::project::Target {
        &self.project.settings(&self.db).target
    }

    /// Replaces what fabrics said about warehouse tables.
    pub fn set_catalog(&mut self, catalog: crate::project::WarehouseCatalog) {
        use salsa::Setter;
        self.project
            .set_catalog(&mut self.db)
            .with_durability(Durability::HIGH)
            .to(Arc::new(catalog));
    }

    /// Source tables whose YAML lists no columns: `(source, table, schema, identifier)`.
    pub fn undescribed_sources(&self) -> Vec<(String, String, String, String)> {
        self.source_tables_where(|s| s.columns.is_none())
    }

    /// Every source table, for a fabric to describe: YAML lists a table's
    /// columns as documentation, often not all of them.
    pub fn source_tables(&self) -> Vec<(String, String, String, String)> {
        self.source_tables_where(|_| true)
    }

    fn source_tables_where(
        &self,
        keep: impl Fn(&crate::project::SourceTable) -> bool,
    ) -> Vec<(String, String, String, String)> {
        let index = crate::model::project_index(&self.db, self.project);
        index
            .sources
            .values()
            .filter(|s| keep(s))
            .map(|s| {
                (
                    s.source.clone(),
                    s.table.clone(),
                    s.schema.clone(),
                    s.identifier.clone(),
                )
            })
            .collect()
    }

    /// Replaces a file's text as it changed on disk (a checkout, another tool). The file keeps its
    /// durability: a change on disk is rare, and often comes with many others.
    pub fn set_file_text(&mut self, path: &Path, text: String) -> bool {
        let Some(&file) = self.files.get(path) else {
            return false;
        };
        // The same text again (a file saved, an editor's text re-applied) changes nothing.
        if file.text(&self.db).as_ref() != text.as_str() {
            self.replace_text(file, text);
        }
        true
    }

    /// Sets a file's text as an editor has it open. A model turns low-durability the first time
    /// (when the editor opens it), even with its text unchanged: salsa then re-verifies the other
    /// models' analyses by durability alone after each keystroke (0.4 ms instead of 20 ms at
    /// 10,000 models). Turning low costs one full re-verification, and what depends on the file
    /// counts as changed once: better at open than at the first keystroke. Macros and YAML change
    /// what every model reads, so they stay medium.
    pub fn set_editor_text(&mut self, path: &Path, text: String) -> bool {
        let Some(&file) = self.files.get(path) else {
            return false;
        };
        if file.kind(&self.db) == FileKind::Model && self.editing.insert(file) {
            self.replace_text(file, text);
            return true;
        }
        self.set_file_text(path, text)
    }

    /// Low for models an editor has open, medium for every other file.
    fn replace_text(&mut self, file: SourceFile, text: String) {
        let durability = if self.editing.contains(&file) {
            Durability::LOW
        } else {
            Durability::MEDIUM
        };
        let config_tags = crate::jinja::config_tags(file.kind(&self.db), &text);
        if *file.config_tags(&self.db) != config_tags {
            // What names relations changed: as for macros and YAML, medium.
            file.set_config_tags(&mut self.db)
                .with_durability(Durability::MEDIUM)
                .to(config_tags);
        }
        file.set_text(&mut self.db)
            .with_durability(durability)
            .to(Arc::from(text));
    }

    pub fn file(&self, path: &Path) -> Option<SourceFile> {
        self.files.get(path).copied()
    }

    /// Every file of the project and its packages.
    pub fn files(&self) -> impl Iterator<Item = SourceFile> + '_ {
        self.files.values().copied()
    }

    /// The absolute path of a project file.
    pub fn path_of(&self, file: SourceFile) -> PathBuf {
        self.root.join(file.path(&self.db))
    }

    /// SQL models of the project (not seeds or snapshots), in file order.
    pub fn models(&self) -> Vec<SourceFile> {
        let index = project_index(&self.db, self.project);
        index
            .nodes
            .iter()
            .filter(|n| n.is_sql_model() && n.file_kind == FileKind::Model)
            .map(|n| n.file)
            .collect()
    }

    /// Diagnostics of one file, placed by line and column.
    pub fn file_diagnostics(&self, file: SourceFile) -> Vec<FileDiagnostic> {
        guarded_file_diagnostics(&self.db, self.project, file)
    }

    /// What `engine` lacks of each model's SQL (functions, syntax, types),
    /// sorted by file and position: `loupe check --fabric NAME`.
    pub fn portability(&self, engine: crate::portability::Engine) -> Vec<FileDiagnostic> {
        let index = project_index(&self.db, self.project);
        let mut out: Vec<FileDiagnostic> = Vec::new();
        for &file in self.project.files(&self.db).iter() {
            if file.kind(&self.db) != FileKind::Model {
                continue;
            }
            let model = index.node_for_file(file).map(|n| n.name.clone());
            let placer = DiagnosticPlacer::new(file.text(&self.db));
            for d in crate::portability::model_gaps(&self.db, self.project, file, engine) {
                out.push(placer.place(file.path(&self.db), &d, model.clone()));
            }
        }
        out.sort_by(|a, b| (&a.file, a.start, &a.message).cmp(&(&b.file, b.start, &b.message)));
        out
    }

    /// Every diagnostic of the project, sorted by file and position. Files are
    /// analyzed in parallel; a panic while analyzing one file is reported on
    /// that file and the others go on.
    pub fn check(&self) -> Vec<FileDiagnostic> {
        let mut out: Vec<FileDiagnostic> = self
            .unreadable
            .iter()
            .map(|(display, message)| whole_file_diagnostic(display, message.clone()))
            .collect();
        let files: Vec<SourceFile> = self.project.files(&self.db).iter().copied().collect();
        self.read_properties_in_parallel();
        // Models first, each on its own (the DAG-wide checks that follow
        // would otherwise make one thread render everything).
        let mut models = self.files_of_kind(FileKind::Model);
        let index = project_index(&self.db, self.project);
        models.extend(
            self.files_of_kind(FileKind::Snapshot)
                .into_iter()
                .filter(|&f| index.node_for_file(f).is_some_and(|n| !n.opaque)),
        );
        let models = self.models_upstream_first(models);
        let project = self.project;
        self.for_each_parallel(&models, |db, file| {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if !model_is_disabled(db, project, file) {
                    model_analysis(db, project, file);
                }
                // The DAG-wide checks read every model's calls, one by one.
                crate::model::model_calls(db, project, file);
            }));
        });
        let results = std::sync::Mutex::new(Vec::new());
        self.for_each_parallel(&files, |db, file| {
            let found = guarded_file_diagnostics(db, project, file);
            results.lock().unwrap().extend(found);
        });
        out.extend(results.into_inner().unwrap());
        out.sort_by(|a, b| {
            (&a.file, a.start, a.code, &a.message).cmp(&(&b.file, b.start, b.code, &b.message))
        });
        out
    }

    /// Parses the project's properties (YAML) files on all cores: the
    /// project index, which everything waits for, reads them one by one.
    pub fn read_properties_in_parallel(&self) {
        if self
            .properties_read
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let properties = self.files_of_kind(FileKind::Properties);
        let project = self.project;
        self.for_each_parallel(&properties, |db, file| {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::model::file_properties(db, project, file);
            }));
        });
    }

    /// `models` reordered so that each comes after the models it reads, their
    /// refs first rendered and resolved on all cores, in the chunks the order
    /// reads them in (see `model::models_upstream_first`). Models the order
    /// does not place keep their order, at the end.
    fn models_upstream_first(&self, mut models: Vec<SourceFile>) -> Vec<SourceFile> {
        let project = self.project;
        let chunks: Vec<u32> =
            (0..crate::model::model_edge_chunk_count(&self.db, project)).collect();
        self.for_each_parallel(&chunks, |db, chunk| {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::model::find_model_edges_chunk(db, project, chunk);
            }));
        });
        // A render that panics panics again here: the files keep their order.
        // An edit waiting (salsa's cancellation) still ends the pass.
        let order = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::model::models_upstream_first(&self.db, project)
        })) {
            Ok(order) => order,
            Err(why) if why.is::<salsa::Cancelled>() => std::panic::resume_unwind(why),
            Err(_) => return models,
        };
        let rank: rustc_hash::FxHashMap<SourceFile, usize> =
            order.into_iter().enumerate().map(|(i, f)| (f, i)).collect();
        models.sort_by_key(|f| rank.get(f).copied().unwrap_or(usize::MAX));
        models
    }

    /// The project's files of one kind (read from the inputs: no analysis waits).
    pub fn files_of_kind(&self, kind: FileKind) -> Vec<SourceFile> {
        let files = self.project.files(&self.db);
        files
            .iter()
            .copied()
            .filter(|f| f.kind(&self.db) == kind)
            .collect()
    }

    /// Runs `work` over `items` (files, or chunks of them) on all cores, each thread
    /// with its own handle on the shared database. An edit waiting to be
    /// applied (salsa's cancellation) stops every thread before its next item
    /// and unwinds the caller, so the edit does not wait for a whole project
    /// pass whose per-item panic guards would otherwise swallow it item after
    /// item.
    fn for_each_parallel<T: Copy + Send + Sync>(
        &self,
        items: &[T],
        work: impl Fn(&RootDatabase, T) + Sync,
    ) {
        use salsa::Database as _;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let cancelled = std::sync::Mutex::new(None::<salsa::Cancelled>);
        std::thread::scope(|scope| {
            for _ in 0..worker_threads() {
                let db = self.db.clone();
                let (next, work, cancelled) = (&next, &work, &cancelled);
                std::thread::Builder::new()
                    .stack_size(ANALYSIS_STACK_BYTES)
                    .spawn_scoped(scope, move || loop {
                        if cancelled.lock().unwrap().is_some() {
                            break;
                        }
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&item) = items.get(i) else { break };
                        let done = salsa::Cancelled::catch(std::panic::AssertUnwindSafe(|| {
                            db.unwind_if_revision_cancelled();
                            work(&db, item)
                        }));
                        match done {
                            // An item whose work waited on a query that panicked: its own failure.
                            Err(salsa::Cancelled::PropagatedPanic) | Ok(()) => {}
                            Err(why) => {
                                *cancelled.lock().unwrap() = Some(why);
                                break;
                            }
                        }
                    })
                    .expect("start an analysis thread");
            }
        });
        if let Some(why) = cancelled.into_inner().unwrap() {
            // As salsa unwinds: without the panic hook's message.
            std::panic::resume_unwind(Box::new(why));
        }
    }

    /// Every model's column lineage (model name -> its columns' edges),
    /// computed in parallel. Shared with the database, not copied: at
    /// thousands of models a copy was a tenth of the command's memory.
    pub fn all_lineage(&self) -> BTreeMap<String, Arc<crate::model::ModelLineage>> {
        self.read_properties_in_parallel();
        let index = project_index(&self.db, self.project);
        let models: Vec<SourceFile> = index
            .nodes
            .iter()
            .filter(|n| n.is_sql_model())
            .map(|n| n.file)
            .collect();
        let models = self.models_upstream_first(models);
        let project = self.project;
        self.for_each_parallel(&models, |db, file| {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                crate::model::model_lineage(db, project, file)
            }));
        });
        index
            .nodes
            .iter()
            .filter(|n| n.is_sql_model())
            .map(|n| {
                (
                    n.name.clone(),
                    crate::model::model_lineage(&self.db, project, n.file).clone(),
                )
            })
            .collect()
    }

    /// Every relation's columns, keyed `schema.name` in lower case.
    pub fn relation_schemas(&self) -> BTreeMap<String, RelationSchema> {
        let db = &self.db;
        let index = project_index(db, self.project);
        let mut out = BTreeMap::new();
        for node in index.nodes.iter().filter(|n| {
            !n.opaque || n.snapshot_of.is_some() || n.file_kind == FileKind::PythonModel
        }) {
            let ephemeral = node.is_sql_model()
                && crate::model::model_materialization(db, self.project, node.file).as_deref()
                    == Some("ephemeral");
            if node.snapshot_of.is_some() || node.file_kind == FileKind::PythonModel {
                let schema = crate::model::node_output(db, self.project, node);
                // A Python model whose properties declare no columns: nothing to show.
                if schema.columns.is_empty() && schema.open {
                    continue;
                }
                let (schema_name, identifier) =
                    crate::model::model_relation(db, self.project, node);
                out.insert(
                    format!("{schema_name}.{identifier}").to_lowercase(),
                    (*schema).clone(),
                );
                continue;
            }
            let schema = match (node.is_seed, ephemeral) {
                (true, _) => seed_schema(db, self.project, node.file).as_ref().clone(),
                (false, true) => continue,
                (false, false) => model_analysis(db, self.project, node.file).output.clone(),
            };
            let (schema_name, identifier) = crate::model::model_relation(db, self.project, node);
            out.insert(format!("{schema_name}.{identifier}").to_lowercase(), schema);
        }
        for s in index.sources.values() {
            if let Some(schema) = s.schema() {
                out.entry(format!("{}.{}", s.schema, s.identifier).to_lowercase())
                    .or_insert(schema);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::is_pending_edit;

    #[test]
    fn only_an_edit_ends_a_pass_not_a_failure_elsewhere() {
        assert!(is_pending_edit(&salsa::Cancelled::PendingWrite));
        assert!(!is_pending_edit(&salsa::Cancelled::PropagatedPanic));
        assert!(!is_pending_edit(&"index out of bounds".to_string()));
    }
}
