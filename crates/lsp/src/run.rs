//! Running a gem on a fabric: compile it with the analysis, hand the SQL and
//! the seeds to the fabric. Shared by `loupe run` and `loupe/runGem`.
//!
//! Compiling needs the analysis; executing does not. The two are apart so the
//! language server drops its snapshot before a long query: edits never wait
//! for the engine.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use loupe_analysis::db::SourceFile;
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::model::Upstream;
use loupe_analysis::project::WarehouseCatalog;
use loupe_fabric::{
    Environment, Fabric, FabricConfig, FabricKind, FabricsFile, RemoteEngine, RunControl,
    RunResult, SeedLoad,
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
    // Seed columns typed as the analysis types them, in the names of the
    // engine that makes the tables.
    let engine_names = match fabric.kind {
        FabricKind::Spark | FabricKind::Databricks | FabricKind::Livy => {
            loupe_analysis::syntax::Dialect::Databricks
        }
        _ => loupe_analysis::syntax::Dialect::DuckDb,
    };
    let seeds = compiled
        .seeds
        .iter()
        .map(|s| SeedLoad {
            schema: s.schema.clone(),
            table: s.table.clone(),
            csv: host.root().join(&s.csv),
            columns: s.columns.to_pairs_in(engine_names),
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

/// One DuckDB instance at a time may hold the database file.
fn duckdb_turn() -> std::sync::MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Remote fabrics by project and name, kept for the process: their OAuth
/// tokens, execution contexts and Livy sessions outlive one run.
type RemoteClients = HashMap<(PathBuf, String), (FabricConfig, Arc<dyn RemoteEngine>)>;
static REMOTE_FABRICS: Mutex<Option<RemoteClients>> = Mutex::new(None);

fn remote_fabric(
    name: &str,
    config: &FabricConfig,
    root: &Path,
) -> Result<Arc<dyn RemoteEngine>, String> {
    let key = (root.to_path_buf(), name.to_string());
    let mut cache = REMOTE_FABRICS.lock().unwrap_or_else(|p| p.into_inner());
    let cache = cache.get_or_insert_with(HashMap::new);
    if let Some((known, fabric)) = cache.get(&key) {
        if known == config {
            return Ok(fabric.clone());
        }
    }
    let connected = Fabric::connect(config, root, &Environment::from_process())
        .map_err(|e| format!("fabric `{name}`: {e}"))?;
    let Fabric::Remote(fabric) = connected else {
        return Err(format!("fabric `{name}` is not a remote one"));
    };
    cache.insert(key, (config.clone(), fabric.clone()));
    Ok(fabric)
}

/// Releases what remote fabrics hold for this process (execution contexts,
/// Livy sessions): the command line does it after a run, the server at exit.
pub fn close_remote_fabrics() {
    let fabrics = REMOTE_FABRICS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    for (_, fabric) in fabrics.into_iter().flatten().map(|(_, f)| f) {
        fabric.close();
    }
}

/// Calls `work` with a fabric and `seeds` readable there: the embedded
/// database opened for the time of the call, or the process's remote client
/// (which makes the seed tables it lacks once).
fn with_fabric<T>(
    name: &str,
    config: &FabricConfig,
    root: &Path,
    seeds: &[SeedLoad],
    control: &RunControl,
    work: impl FnOnce(&Fabric) -> Result<T, loupe_fabric::FabricError>,
) -> Result<T, String> {
    match config.kind {
        FabricKind::Duckdb => {
            let _turn = duckdb_turn();
            let engine = Fabric::connect(config, root, &Environment::default())
                .map_err(|e| e.to_string())?;
            engine
                .load_seeds(seeds, control)
                .map_err(|e| e.to_string())?;
            work(&engine).map_err(|e| e.to_string())
        }
        FabricKind::Databricks | FabricKind::Livy | FabricKind::Snowflake | FabricKind::Spark => {
            let engine = Fabric::Remote(remote_fabric(name, config, root)?);
            engine
                .load_seeds(seeds, control)
                .and_then(|()| work(&engine))
                .map_err(|e| format!("fabric `{name}`: {e}"))
        }
    }
}

/// [`with_fabric`] for a prepared run's fabric and seeds.
fn with_run_fabric<T>(
    run: &PreparedRun,
    control: &RunControl,
    work: impl FnOnce(&Fabric) -> Result<T, loupe_fabric::FabricError>,
) -> Result<T, String> {
    with_fabric(
        &run.fabric_name,
        &run.fabric,
        &run.root,
        &run.seeds,
        control,
        work,
    )
}

/// Executes a prepared run, at most `limit` rows back; `control` cancels it
/// from another thread and hears its progress.
pub fn execute_run(
    run: &PreparedRun,
    limit: usize,
    control: &RunControl,
) -> Result<RunResult, String> {
    with_run_fabric(run, control, |fabric| fabric.run(&run.sql, limit, control))
}

/// The columns and types the fabric says a prepared gem returns, without running it.
pub fn describe_run(
    run: &PreparedRun,
    control: &RunControl,
) -> Result<Vec<(String, String)>, String> {
    with_run_fabric(run, control, |fabric| {
        fabric.describe_query(&run.sql, control)
    })
}

/// What a fabric is and whether it can run, for pickers (no network call).
pub fn fabric_status(fabric: &FabricConfig, root: &Path) -> String {
    match fabric.kind {
        FabricKind::Duckdb => format!(
            "ready (embedded DuckDB, {})",
            fabric.duckdb_path(root).display()
        ),
        FabricKind::Databricks | FabricKind::Livy | FabricKind::Snowflake | FabricKind::Spark => {
            match Fabric::connect(fabric, root, &Environment::from_process()) {
                Ok(connected) => format!("ready ({})", connected.describe()),
                Err(e) => format!("not ready: {e}"),
            }
        }
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
        &RunControl::default(),
    )
}

/// The project file of a model path (its project is the nearest dbt_project.yml above it).
pub fn load_model(
    path: &Path,
    invocation: loupe_analysis::project::Invocation,
) -> Result<(AnalysisHost, SourceFile), String> {
    let path = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let root = path
        .ancestors()
        .find(|d| d.join("dbt_project.yml").is_file())
        .ok_or_else(|| format!("{} is not inside a dbt project", path.display()))?;
    let host = AnalysisHost::load_with(root, invocation)?;
    let file = host
        .file(&path)
        .ok_or_else(|| format!("{} is not a model of {}", path.display(), root.display()))?;
    Ok((host, file))
}

/// What a catalog refresh found: tables described and those that failed.
pub struct CatalogRefresh {
    pub fabric_name: String,
    pub catalog: WarehouseCatalog,
    pub described: Vec<String>,
    pub failed: Vec<(String, String)>,
}

/// Asks a fabric for the columns of `sources` (`(source, table, schema,
/// identifier)`, the project's source tables) and saves what it said
/// in `target/loupe-catalog.json`, beside what earlier refreshes found.
pub fn refresh_catalog(
    root: &Path,
    sources: &[(String, String, String, String)],
    fabric: Option<&str>,
    dbt_duckdb_file: Option<&str>,
    control: &RunControl,
) -> Result<CatalogRefresh, String> {
    let (fabric_name, config) =
        FabricsFile::load(root)?.get_for_catalog(root, fabric, dbt_duckdb_file)?;
    let mut catalog = WarehouseCatalog::load(root);
    catalog.fabric = fabric_name.clone();
    let type_names = type_names_of(config.kind);
    let (mut described, mut failed) = (Vec::new(), Vec::new());
    with_fabric(&fabric_name, &config, root, &[], control, |engine| {
        for (source, table, schema, identifier) in sources {
            let name = format!("{source}.{table}");
            match engine.describe_table(&[schema, identifier], control) {
                Ok(columns) => {
                    control.report(&format!("described {name}"));
                    catalog.insert(schema, identifier, columns, type_names);
                    described.push(name);
                }
                Err(loupe_fabric::FabricError::Cancelled) => {
                    return Err(loupe_fabric::FabricError::Cancelled)
                }
                Err(e) => failed.push((name, e.to_string())),
            }
        }
        Ok(())
    })?;
    catalog.save(root)?;
    Ok(CatalogRefresh {
        fabric_name,
        catalog,
        described,
        failed,
    })
}

/// The dialect whose type names a fabric of `kind` answers in.
fn type_names_of(kind: FabricKind) -> loupe_analysis::syntax::Dialect {
    use loupe_analysis::syntax::Dialect;
    match kind {
        FabricKind::Duckdb => Dialect::DuckDb,
        FabricKind::Databricks | FabricKind::Livy | FabricKind::Spark => Dialect::Databricks,
        FabricKind::Snowflake => Dialect::Snowflake,
    }
}

/// The columns of one warehouse table, from a fabric.
pub fn describe_table(
    root: &Path,
    fabric: Option<&str>,
    dbt_duckdb_file: Option<&str>,
    schema: &str,
    table: &str,
    control: &RunControl,
) -> Result<(String, Vec<(String, String)>), String> {
    let (fabric_name, config) =
        FabricsFile::load(root)?.get_for_catalog(root, fabric, dbt_duckdb_file)?;
    let columns = with_fabric(&fabric_name, &config, root, &[], control, |engine| {
        engine.describe_table(&[schema, table], control)
    })?;
    Ok((fabric_name, columns))
}
