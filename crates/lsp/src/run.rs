//! Running a gem on a fabric: compile it with the analysis, hand the SQL and
//! the seeds to the fabric. Shared by `loupe run` and `loupe/runGem`.
//!
//! Compiling needs the analysis; executing does not. The two are apart so the
//! language server drops its snapshot before a long query: edits never wait
//! for the engine.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use loupe_analysis::db::SourceFile;
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::model::Upstream;
use loupe_fabric::{
    DuckDbFabric, FabricConfig, FabricKind, FabricsFile, QueryCanceller, RunResult, SeedLoad,
};

/// A gem compiled for a fabric, ready to execute without the analysis.
pub struct PreparedRun {
    pub fabric_name: String,
    pub fabric: FabricConfig,
    pub root: PathBuf,
    pub sql: String,
    pub seeds: Vec<SeedLoad>,
}

/// Compiles `gem` (the final SELECT when `None`) of the model in `file` for the
/// fabric `fabric` (the project's default when `None`).
pub fn prepare_run(
    host: &AnalysisHost,
    file: SourceFile,
    gem: Option<&str>,
    fabric: Option<&str>,
    upstream: Upstream,
) -> Result<PreparedRun, String> {
    let compiled =
        loupe_analysis::model::compile_gem(host.db(), host.project(), file, gem, upstream)?;
    let (fabric_name, fabric) = FabricsFile::load(host.root())?.get(fabric)?;
    let seeds = compiled
        .seeds
        .iter()
        .map(|s| SeedLoad {
            schema: s.schema.clone(),
            table: s.table.clone(),
            csv: host.root().join(&s.csv),
            columns: s.columns.to_pairs(),
        })
        .collect();
    Ok(PreparedRun {
        fabric_name,
        fabric,
        root: host.root().to_path_buf(),
        sql: compiled.sql,
        seeds,
    })
}

/// Executes a prepared run, at most `limit` rows back. `on_start` receives a
/// handle that cancels the query from another thread.
pub fn execute_run(
    run: &PreparedRun,
    limit: usize,
    on_start: impl FnOnce(QueryCanceller),
) -> Result<RunResult, String> {
    match run.fabric.kind {
        FabricKind::Duckdb => {
            // One DuckDB instance at a time may hold the database file.
            static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
            let _turn = ONE_AT_A_TIME
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let engine = DuckDbFabric::open(Some(&run.fabric.duckdb_path(&run.root)))
                .map_err(|e| e.to_string())?;
            on_start(engine.canceller());
            engine.load_seeds(&run.seeds).map_err(|e| e.to_string())?;
            engine.run(&run.sql, limit).map_err(|e| e.to_string())
        }
        other => Err(format!(
            "fabric `{}` is {other:?}, which this build of Loupe cannot run yet",
            run.fabric_name
        )),
    }
}

/// What a fabric can do in this build, for pickers: `ready`, or why not.
pub fn fabric_status(fabric: &FabricConfig, root: &Path) -> String {
    match fabric.kind {
        FabricKind::Duckdb => format!(
            "ready (embedded DuckDB, {})",
            fabric.duckdb_path(root).display()
        ),
        other => format!("{other:?} fabrics cannot run in this build of Loupe yet"),
    }
}

/// Compiles and executes in one go (the command line's way).
pub fn run_gem(
    host: &AnalysisHost,
    file: SourceFile,
    gem: Option<&str>,
    fabric: Option<&str>,
    upstream: Upstream,
    limit: usize,
) -> Result<RunResult, String> {
    execute_run(
        &prepare_run(host, file, gem, fabric, upstream)?,
        limit,
        |_| (),
    )
}

/// The project file of a model path (its project is the nearest dbt_project.yml above it).
pub fn load_model(path: &Path) -> Result<(AnalysisHost, SourceFile), String> {
    let path = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let root = path
        .ancestors()
        .find(|d| d.join("dbt_project.yml").is_file())
        .ok_or_else(|| format!("{} is not inside a dbt project", path.display()))?;
    let host = AnalysisHost::load(root)?;
    let file = host
        .file(&path)
        .ok_or_else(|| format!("{} is not a model of {}", path.display(), root.display()))?;
    Ok((host, file))
}
