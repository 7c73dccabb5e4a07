//! The embedded DuckDB fabric: a database file under the project's `target/`,
//! seeds loaded from their CSVs on first use, gems run with a row limit.

use std::path::Path;
use std::time::Instant;

use duckdb::Connection;

use crate::{FabricError, RunResult, SeedLoad};

pub struct DuckDbFabric {
    connection: Connection,
}

fn query_error(e: duckdb::Error) -> FabricError {
    FabricError::Query(e.to_string())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl DuckDbFabric {
    /// Opens (creating) the database file; `None` gives an in-memory database.
    pub fn open(path: Option<&Path>) -> Result<DuckDbFabric, FabricError> {
        let connection = match path {
            Some(p) => {
                if let Some(dir) = p.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| FabricError::Unavailable(format!("{}: {e}", dir.display())))?;
                }
                Connection::open(p)
            }
            None => Connection::open_in_memory(),
        }
        .map_err(|e| FabricError::Unavailable(e.to_string()))?;
        Ok(DuckDbFabric { connection })
    }

    /// Opens an existing database file without writing to it (nor locking
    /// out another reader).
    pub fn open_read_only(path: &Path) -> Result<DuckDbFabric, FabricError> {
        if !path.is_file() {
            return Err(FabricError::Unavailable(format!(
                "{}: no such DuckDB database (has dbt built it yet?)",
                path.display()
            )));
        }
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(|e| FabricError::Unavailable(e.to_string()))?;
        let connection = Connection::open_with_flags(path, config)
            .map_err(|e| FabricError::Unavailable(format!("{}: {e}", path.display())))?;
        Ok(DuckDbFabric { connection })
    }

    /// Creates each seed's table from its CSV, again whenever the CSV changed
    /// since it was loaded (its size and modification time are remembered).
    pub fn load_seeds(&self, seeds: &[SeedLoad]) -> Result<(), FabricError> {
        if seeds.is_empty() {
            return Ok(());
        }
        self.connection
            .execute_batch("create table if not exists loupe_seed_loads (seed varchar primary key, stamp varchar)")
            .map_err(query_error)?;
        for seed in seeds {
            let key = format!("{}.{}", seed.schema, seed.table);
            let stamp = crate::remote::seeds::stamp(seed)?;
            let loaded: Option<String> = self
                .connection
                .query_row(
                    "select stamp from loupe_seed_loads where seed = ?",
                    [&key],
                    |r| r.get(0),
                )
                .ok();
            if loaded.as_deref() == Some(stamp.as_str()) {
                continue;
            }
            let columns: Vec<String> = seed
                .columns
                .iter()
                .map(|(c, t)| format!("cast({} as {t}) as {}", quote(c), quote(c)))
                .collect();
            let csv = seed.csv.to_string_lossy().replace('\'', "''");
            let sql = format!(
                "create schema if not exists {schema}; create or replace table {schema}.{table} as select {columns} from read_csv('{csv}', header = true, all_varchar = true)",
                schema = quote(&seed.schema),
                table = quote(&seed.table),
                // Without known columns the CSV's own (text) columns stand.
                columns = if columns.is_empty() { "*".to_string() } else { columns.join(", ") },
            );
            self.connection
                .execute_batch(&sql)
                .map_err(|e| FabricError::Query(format!("loading seed `{}`: {e}", seed.table)))?;
            self.connection
                .execute(
                    "insert or replace into loupe_seed_loads values (?, ?)",
                    [&key, &stamp],
                )
                .map_err(query_error)?;
        }
        Ok(())
    }

    /// Runs `sql` with at most `limit` rows back, values as text.
    pub fn run(&self, sql: &str, limit: usize) -> Result<RunResult, FabricError> {
        let started = Instant::now();
        let columns = self.describe(sql)?;
        // Every value as VARCHAR: the engine formats it as it would print it.
        let select = format!(
            "select columns(*)::varchar from ({sql}) as loupe_gem limit {}",
            limit + 1
        );
        let mut statement = self.connection.prepare(&select).map_err(query_error)?;
        let width = columns.len();
        let mut rows: Vec<Vec<Option<String>>> = statement
            .query_map([], |r| {
                (0..width).map(|i| r.get::<_, Option<String>>(i)).collect()
            })
            .map_err(query_error)?
            .collect::<Result<_, _>>()
            .map_err(query_error)?;
        let truncated = rows.len() > limit;
        rows.truncate(limit);
        Ok(RunResult {
            row_count: (!truncated).then_some(rows.len() as u64),
            columns,
            rows,
            truncated,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            sql: sql.to_string(),
        })
    }

    /// Runs statements that return nothing (DDL, loading data).
    pub fn execute(&self, sql: &str) -> Result<(), FabricError> {
        self.connection.execute_batch(sql).map_err(query_error)
    }

    /// The columns of a table, as the engine types them.
    pub fn describe_table(&self, parts: &[&str]) -> Result<Vec<(String, String)>, FabricError> {
        let name: Vec<String> = parts.iter().map(|p| quote(p)).collect();
        self.describe(&name.join("."))
    }

    /// The columns a query would return, without running it.
    pub fn describe_query(&self, sql: &str) -> Result<Vec<(String, String)>, FabricError> {
        self.describe(sql)
    }

    fn describe(&self, subject: &str) -> Result<Vec<(String, String)>, FabricError> {
        let mut describe = self
            .connection
            .prepare(&format!("describe {subject}"))
            .map_err(query_error)?;
        let columns = describe
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(query_error)?
            .collect::<Result<_, _>>()
            .map_err(query_error)?;
        Ok(columns)
    }

    /// A handle that cancels the running query from another thread.
    pub fn canceller(&self) -> QueryCanceller {
        QueryCanceller(self.connection.interrupt_handle())
    }
}

/// Cancels a fabric's running query (the query then fails with an interrupt error).
#[derive(Clone)]
pub struct QueryCanceller(std::sync::Arc<duckdb::InterruptHandle>);

impl QueryCanceller {
    pub fn cancel(&self) {
        self.0.interrupt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_with_a_limit_and_reports_engine_types() {
        let fabric = DuckDbFabric::open(None).unwrap();
        let result = fabric
            .run(
                "select range as n, range * 1.5 as x, 'a' || range as s from range(5)",
                3,
            )
            .unwrap();
        assert_eq!(
            result.columns,
            [
                ("n".into(), "BIGINT".into()),
                ("x".into(), "DECIMAL(21,1)".into()),
                ("s".into(), "VARCHAR".into())
            ]
        );
        assert_eq!(
            result.rows[1],
            [Some("1".into()), Some("1.5".into()), Some("a1".into())]
        );
        assert!(result.truncated && result.row_count.is_none());
        assert_eq!(
            fabric
                .describe_query("select range as n, 'a' as s from range(5)")
                .unwrap(),
            [
                ("n".into(), "BIGINT".into()),
                ("s".into(), "VARCHAR".into())
            ]
        );
        let error = fabric
            .run("select no_such_column from range(1)", 10)
            .unwrap_err();
        assert!(matches!(error, FabricError::Query(m) if m.contains("no_such_column")));
    }

    #[test]
    fn instants_carry_their_offset() {
        // DuckDB writes TIMESTAMPTZ itself: in its TimeZone setting when the
        // ICU extension is loaded, else in UTC; with the offset either way.
        let fabric = DuckDbFabric::open(None).unwrap();
        let result = fabric
            .run(
                "select cast('2024-07-01 12:00:00+02' as timestamptz) as at",
                10,
            )
            .unwrap();
        assert_eq!(result.columns[0].1, "TIMESTAMP WITH TIME ZONE");
        let shown = result.rows[0][0].clone().unwrap();
        assert!(
            shown.starts_with("2024-07-0") && shown[19..].starts_with(['+', '-']),
            "{shown}"
        );
    }

    #[test]
    fn a_cancelled_query_stops_with_an_error() {
        let fabric = DuckDbFabric::open(None).unwrap();
        let canceller = fabric.canceller();
        let cancelling = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            canceller.cancel();
        });
        let started = Instant::now();
        let error = fabric
            .run("select sum(a.range % 7) from range(1000000000000) a", 10)
            .unwrap_err();
        cancelling.join().unwrap();
        assert!(
            error.to_string().to_lowercase().contains("interrupt"),
            "{error}"
        );
        assert!(started.elapsed().as_secs() < 60);
    }
}
