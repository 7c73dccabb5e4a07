//! A fabric named in loupe.toml, connected: one type for every engine, so
//! callers run gems and ask catalog questions without knowing which it is.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::remote::auth::{DatabricksAuth, Environment};
use crate::remote::cluster::Cluster;
use crate::remote::http::{Auth, Http};
use crate::remote::livy::Livy;
use crate::remote::snowflake::Snowflake;
use crate::remote::warehouse::Warehouse;
use crate::remote::{RemoteEngine, RemoteOptions, RunControl};
use crate::{DuckDbFabric, FabricConfig, FabricError, FabricKind, RunResult, SeedLoad};

pub enum Fabric {
    DuckDb(DuckDbFabric),
    /// Shared: a process keeps one client per remote fabric (its OAuth token,
    /// execution context or Livy session outlive a run).
    Remote(Arc<dyn RemoteEngine>),
}

impl Fabric {
    /// Opens an embedded database or prepares a remote client; remote fabrics
    /// are not contacted until the first run.
    pub fn connect(
        config: &FabricConfig,
        root: &Path,
        env: &Environment,
    ) -> Result<Fabric, FabricError> {
        let mut options = RemoteOptions::default();
        if let Some(seconds) = config.timeout_seconds {
            options.timeout = Duration::from_secs(seconds);
        }
        Fabric::connect_with(config, root, env, options)
    }

    /// [`Fabric::connect`] with explicit waits (tests use short ones).
    pub fn connect_with(
        config: &FabricConfig,
        root: &Path,
        env: &Environment,
        options: RemoteOptions,
    ) -> Result<Fabric, FabricError> {
        match config.kind {
            FabricKind::Duckdb if config.read_only == Some(true) => Ok(Fabric::DuckDb(
                DuckDbFabric::open_read_only(&config.duckdb_path(root))?,
            )),
            FabricKind::Duckdb => Ok(Fabric::DuckDb(DuckDbFabric::open(Some(
                &config.duckdb_path(root),
            ))?)),
            FabricKind::Databricks => {
                let auth = DatabricksAuth::resolve(
                    config.host.as_deref(),
                    config.profile.as_deref(),
                    env,
                )?;
                let warehouse = config.warehouse_id.clone().or(auth.warehouse_id.clone());
                let cluster = config.cluster_id.clone().or(auth.cluster_id.clone());
                let http = Http::new(
                    &auth.host.clone(),
                    Auth::Databricks(Arc::new(auth)),
                    options,
                );
                let remote: Arc<dyn RemoteEngine> = match (warehouse, cluster) {
                    (Some(w), _) => Arc::new(Warehouse::new(
                        http,
                        &w,
                        config.catalog.as_deref(),
                        config.schema.as_deref(),
                    )),
                    (None, Some(c)) => Arc::new(Cluster::new(http, &c)),
                    (None, None) => return Err(FabricError::Unavailable(
                        "a Databricks fabric needs `warehouse_id` or `cluster_id` (in loupe.toml, the profile, or DATABRICKS_WAREHOUSE_ID / DATABRICKS_CLUSTER_ID)".into(),
                    )),
                };
                Ok(Fabric::Remote(remote))
            }
            FabricKind::Livy => {
                let url = config.url.as_deref().ok_or_else(|| {
                    FabricError::Unavailable("a Livy fabric needs `url` in loupe.toml".into())
                })?;
                let livy = Livy::new(Http::new(url, Auth::None, options));
                Ok(Fabric::Remote(Arc::new(livy)))
            }
            FabricKind::Spark => Ok(Fabric::Remote(Arc::new(
                crate::remote::spark_connect::connect(config, env, options)?,
            ))),
            FabricKind::Snowflake => {
                let (settings, auth) = crate::remote::snowflake_auth::resolve(config, root, env)?;
                let http = Http::new(&settings.base_url, Auth::Snowflake(Arc::new(auth)), options);
                Ok(Fabric::Remote(Arc::new(Snowflake::new(http, settings))))
            }
        }
    }

    /// Makes seeds readable. The embedded database loads their CSVs (again
    /// when one changes); a Spark engine makes the tables `dbt seed` has not
    /// made there, once per client; Snowflake reads what `dbt seed` built.
    pub fn load_seeds(&self, seeds: &[SeedLoad], control: &RunControl) -> Result<(), FabricError> {
        match self {
            Fabric::DuckDb(db) => db.load_seeds(seeds),
            Fabric::Remote(remote) => remote.ensure_seeds(seeds, control),
        }
    }

    /// Runs `sql` with at most `limit` rows back.
    pub fn run(
        &self,
        sql: &str,
        limit: usize,
        control: &RunControl,
    ) -> Result<RunResult, FabricError> {
        match self {
            Fabric::DuckDb(db) => {
                // DuckDB cannot poll the flag, and forgets an interrupt that
                // arrives between the run's statements (describe, prepare,
                // fetch): interrupt it while cancelled, until the run ends.
                let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                let repeat = {
                    let (canceller, control, finished) =
                        (db.canceller(), control.clone(), finished.clone());
                    std::thread::spawn(move || {
                        while !finished.load(std::sync::atomic::Ordering::SeqCst) {
                            if control.is_cancelled() {
                                canceller.cancel();
                            }
                            std::thread::sleep(std::time::Duration::from_millis(20));
                        }
                    })
                };
                let result = db.run(sql, limit);
                finished.store(true, std::sync::atomic::Ordering::SeqCst);
                let _ = repeat.join();
                if control.is_cancelled() {
                    return Err(FabricError::Cancelled);
                }
                result
            }
            Fabric::Remote(remote) => remote.run(sql, limit, control),
        }
    }

    /// The columns and types of a table (`schema.table` or `catalog.schema.table`).
    pub fn describe_table(
        &self,
        parts: &[&str],
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        match self {
            Fabric::DuckDb(db) => db.describe_table(parts),
            Fabric::Remote(remote) => remote.describe_table(parts, control),
        }
    }

    /// The columns and types a query would return, without running it
    /// (`DESCRIBE` on DuckDB, `DESCRIBE QUERY` on Spark engines, a `LIMIT 0`
    /// result's row types on Snowflake).
    pub fn describe_query(
        &self,
        sql: &str,
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        match self {
            Fabric::DuckDb(db) => db.describe_query(sql),
            Fabric::Remote(remote) => remote.describe_query(sql, control),
        }
    }

    /// What the fabric is, for people (no secret, no network call).
    pub fn describe(&self) -> String {
        match self {
            Fabric::DuckDb(_) => "embedded DuckDB".into(),
            Fabric::Remote(remote) => remote.describe(),
        }
    }

    /// Releases what the process holds on the fabric (an execution context, a
    /// Livy session). The language server keeps them for its lifetime.
    pub fn close(&self) {
        if let Fabric::Remote(remote) = self {
            remote.close();
        }
    }
}
