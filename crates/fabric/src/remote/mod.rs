//! Remote fabrics: Databricks (SQL warehouses and all-purpose clusters),
//! Livy and Snowflake, each speaking its documented REST protocol through
//! [`http::Http`], which owns retries, timeouts and keeping tokens out of
//! messages; and Spark Connect, a gRPC client of its own ([`spark_connect`]).
//! The Spark engines make missing seed tables from their CSVs ([`seeds`]).

pub mod auth;
pub mod cluster;
pub mod http;
pub mod livy;
pub mod seeds;
pub mod snowflake;
pub mod snowflake_auth;
pub mod spark_connect;
pub mod spark_types;
pub mod warehouse;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::FabricError;

/// What every remote engine does; `Fabric::Remote` holds one.
pub trait RemoteEngine: Send + Sync {
    /// Runs `sql` with at most `limit` rows back.
    fn run(
        &self,
        sql: &str,
        limit: usize,
        control: &RunControl,
    ) -> Result<crate::RunResult, FabricError>;

    /// One statement as it is, with no row limit around it (`DESCRIBE …`).
    fn statement(&self, sql: &str, control: &RunControl) -> Result<crate::RunResult, FabricError>;

    /// What the engine is, for people (no secret, no network call).
    fn describe(&self) -> String;

    /// The columns of a table; `DESCRIBE TABLE` unless the engine knows better.
    fn describe_table(
        &self,
        parts: &[&str],
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        describe_table_by_sql(self, parts, control)
    }

    /// The columns a query would return, without running it; `DESCRIBE
    /// QUERY` unless the engine knows better.
    fn describe_query(
        &self,
        sql: &str,
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        let described = self.statement(&format!("DESCRIBE QUERY {sql}"), control)?;
        Ok(describe_rows_to_columns(&described.rows))
    }

    /// Makes the seeds' tables the SQL reads where they are missing, from
    /// their CSVs (Spark engines; the others read what `dbt seed` built).
    fn ensure_seeds(
        &self,
        seeds: &[crate::SeedLoad],
        control: &RunControl,
    ) -> Result<(), FabricError> {
        let _ = (seeds, control);
        Ok(())
    }

    /// Releases what the process holds there (an execution context, a session).
    fn close(&self) {}
}

/// `DESCRIBE TABLE` on a Spark engine, up to the partition section.
pub(crate) fn describe_table_by_sql(
    engine: &(impl RemoteEngine + ?Sized),
    parts: &[&str],
    control: &RunControl,
) -> Result<Vec<(String, String)>, FabricError> {
    let name: Vec<String> = parts
        .iter()
        .map(|p| format!("`{}`", p.replace('`', "``")))
        .collect();
    let described = engine.statement(&format!("DESCRIBE TABLE {}", name.join(".")), control)?;
    Ok(describe_rows_to_columns(&described.rows))
}

/// How long remote fabrics wait, and how often they ask.
#[derive(Clone, Debug)]
pub struct RemoteOptions {
    /// A statement that has not finished by then is cancelled.
    pub timeout: Duration,
    /// A cluster or session that has not started by then is given up on.
    pub start_timeout: Duration,
    /// The first wait between two status polls; it grows to `poll_max`.
    pub poll_initial: Duration,
    pub poll_max: Duration,
    /// Tries of one HTTP call that failed with 429, 5xx or a dropped connection.
    pub attempts: u32,
    /// The first pause before a retry (doubling) when the server names none.
    pub backoff: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        RemoteOptions {
            timeout: Duration::from_secs(300),
            start_timeout: Duration::from_secs(20 * 60),
            poll_initial: Duration::from_millis(10),
            poll_max: Duration::from_secs(1),
            attempts: 5,
            backoff: Duration::from_millis(250),
        }
    }
}

/// A run's brakes and voice: cancelled from any thread, progress to the caller.
/// Engines poll the flag (DuckDB's run watches it from a thread of its own).
#[derive(Clone)]
pub struct RunControl {
    cancelled: Arc<AtomicBool>,
    progress: Arc<dyn Fn(&str) + Send + Sync>,
}

impl Default for RunControl {
    fn default() -> Self {
        RunControl::new(|_| ())
    }
}

impl RunControl {
    pub fn new(progress: impl Fn(&str) + Send + Sync + 'static) -> RunControl {
        RunControl {
            cancelled: Arc::new(AtomicBool::new(false)),
            progress: Arc::new(progress),
        }
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    pub fn report(&self, message: &str) {
        (self.progress)(message)
    }

    /// Sleeps up to `pause`, waking early when the run is cancelled.
    pub fn pause(&self, pause: Duration) -> Result<(), FabricError> {
        let until = Instant::now() + pause;
        loop {
            if self.is_cancelled() {
                return Err(FabricError::Cancelled);
            }
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            std::thread::sleep((until - now).min(Duration::from_millis(20)));
        }
    }
}

/// Waits between status polls: short at first, longer while the work goes on.
pub(crate) struct Poller {
    next: Duration,
    max: Duration,
    deadline: Instant,
}

impl Poller {
    pub fn new(options: &RemoteOptions, timeout: Duration) -> Poller {
        Poller {
            next: options.poll_initial,
            max: options.poll_max,
            deadline: Instant::now() + timeout,
        }
    }

    /// Pauses before the next poll; `Err(TimedOut)` once the deadline passed.
    pub fn wait(&mut self, control: &RunControl) -> Result<(), FabricError> {
        if Instant::now() >= self.deadline {
            return Err(FabricError::TimedOut(String::new()));
        }
        control.pause(self.next.min(self.deadline - Instant::now()))?;
        self.next = (self.next * 3 / 2).min(self.max);
        Ok(())
    }
}

/// Wraps a query so the engine returns one row more than `limit` at most.
pub(crate) fn limited(sql: &str, limit: usize) -> String {
    let body = sql.trim().trim_end_matches(';').trim_end();
    // The newline keeps a trailing `-- comment` from swallowing the parenthesis.
    format!(
        "SELECT * FROM (\n{body}\n) AS loupe_gem LIMIT {}",
        limit + 1
    )
}

/// Why a cancelled statement stopped; a timeout told in the engine's words.
pub(crate) fn stop_reason(why: FabricError, engine: &str, timeout: Duration) -> FabricError {
    match why {
        FabricError::TimedOut(_) => FabricError::TimedOut(format!(
            "{engine} did not finish within {timeout:?}; the statement was cancelled"
        )),
        other => other,
    }
}

/// A wrapped run's answer cut to `limit` rows, timed and keyed by the gem's SQL.
pub(crate) fn limited_result(
    mut result: crate::RunResult,
    sql: &str,
    limit: usize,
    started: Instant,
    maybe_more: bool,
) -> crate::RunResult {
    let truncated = result.rows.len() > limit || maybe_more;
    result.rows.truncate(limit);
    result.truncated = truncated;
    result.row_count = (!truncated).then_some(result.rows.len() as u64);
    result.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    result.sql = sql.to_string();
    result
}

/// JSON rows (arrays of cells) as text rows; anything else is no rows.
pub(crate) fn json_rows(data: Option<&serde_json::Value>) -> Vec<Vec<Option<String>>> {
    data.and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .map(|row| {
            row.as_array()
                .map(|cells| cells.iter().map(cell_text).collect())
                .unwrap_or_default()
        })
        .collect()
}

/// A JSON cell as the text a table shows (`None` for null).
pub(crate) fn cell_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `DESCRIBE TABLE` rows (col_name, data_type, …) up to the partition
/// section, types upper-cased as the other catalog answers give them.
pub(crate) fn describe_rows_to_columns(rows: &[Vec<Option<String>>]) -> Vec<(String, String)> {
    rows.iter()
        .map_while(|row| {
            let name = row.first()?.clone()?;
            (!name.is_empty() && !name.starts_with('#')).then(|| {
                let data_type = row.get(1).cloned().flatten().unwrap_or_default();
                (name, data_type.to_uppercase())
            })
        })
        .collect()
}

/// Drops HTML tags and entities some Databricks error summaries carry.
pub(crate) fn strip_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_queries_with_a_limit_and_reads_describe_output() {
        assert_eq!(
            limited("select 1 -- one\n;", 9),
            "SELECT * FROM (\nselect 1 -- one\n) AS loupe_gem LIMIT 10"
        );
        let row = |a: &str, b: &str| vec![Some(a.to_string()), Some(b.to_string()), None];
        let rows = [
            row("id", "bigint"),
            row("day", "date"),
            row("# Partition Information", ""),
            row("day", "date"),
        ];
        assert_eq!(
            describe_rows_to_columns(&rows),
            [
                ("id".into(), "BIGINT".into()),
                ("day".into(), "DATE".into())
            ]
        );
        assert_eq!(
            strip_html("<span class='ansi-red-fg'>AnalysisException</span>: x &lt; y"),
            "AnalysisException: x < y"
        );
    }
}
