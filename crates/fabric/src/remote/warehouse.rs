//! A Databricks SQL warehouse through the SQL Statement Execution API 2.0:
//! submit asynchronously, poll while `PENDING`/`RUNNING`, read the inline
//! JSON_ARRAY result chunk by chunk, cancel on request or timeout.

use std::time::Instant;

use serde_json::{json, Value};

use super::http::{Http, Method, Replay};
use super::{describe_table_by_sql, json_rows, stop_reason, Poller, RemoteEngine, RunControl};
use crate::{FabricError, RunResult};

pub struct Warehouse {
    http: Http,
    warehouse_id: String,
    catalog: Option<String>,
    schema: Option<String>,
    seed_tables: super::seeds::SeedTables,
}

const STATEMENTS: &str = "/api/2.0/sql/statements";

impl Warehouse {
    pub fn new(
        http: Http,
        warehouse_id: &str,
        catalog: Option<&str>,
        schema: Option<&str>,
    ) -> Warehouse {
        Warehouse {
            http,
            warehouse_id: warehouse_id.to_string(),
            catalog: catalog.map(str::to_string),
            schema: schema.map(str::to_string),
            seed_tables: Default::default(),
        }
    }

    /// Asks the warehouse to stop a statement; gives back why it stopped.
    fn cancel(&self, id: &str, why: FabricError) -> FabricError {
        let path = format!("{STATEMENTS}/{id}/cancel");
        let _ = self.http.call_with(
            Replay::Once,
            Method::Post,
            &path,
            &[],
            None,
            &RunControl::default(),
        );
        stop_reason(why, "the SQL warehouse", self.http.options().timeout)
    }

    fn read_result(
        &self,
        id: &str,
        answer: &Value,
        sql: &str,
        limit: usize,
        started: Instant,
        control: &RunControl,
    ) -> Result<RunResult, FabricError> {
        let manifest = answer.get("manifest").cloned().unwrap_or(Value::Null);
        let columns: Vec<(String, String)> = manifest
            .pointer("/schema/columns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let text = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let ty = Some(text("type_text"))
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| text("type_name"));
                (text("name"), ty)
            })
            .collect();
        let mut rows: Vec<Vec<Option<String>>> = Vec::new();
        let mut chunk = answer.get("result").cloned();
        while let Some(data) = chunk.take() {
            rows.extend(json_rows(data.get("data_array")));
            if rows.len() > limit {
                break;
            }
            let current = data.get("chunk_index").and_then(Value::as_u64).unwrap_or(0);
            let chunks = manifest.get("total_chunk_count").and_then(Value::as_u64);
            let next = data.get("next_chunk_index").and_then(Value::as_u64);
            // Forward only, and within the manifest: a server cannot loop us.
            if let Some(next) = next.filter(|n| *n > current && chunks.is_none_or(|c| *n < c)) {
                control.report(&format!("reading rows (chunk {next})"));
                let path = format!("{STATEMENTS}/{id}/result/chunks/{next}");
                chunk = Some(self.http.call(Method::Get, &path, &[], None, control)?);
            }
        }
        let truncated =
            rows.len() > limit || manifest.get("truncated").and_then(Value::as_bool) == Some(true);
        rows.truncate(limit);
        let total = manifest.get("total_row_count").and_then(Value::as_u64);
        Ok(RunResult {
            columns,
            rows,
            truncated,
            row_count: if truncated { None } else { total },
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            sql: sql.to_string(),
        })
    }

    /// The columns of a table from Unity Catalog's tables API, when the name
    /// (or the fabric's `catalog`) gives a catalog; `None` otherwise.
    fn unity_catalog_columns(
        &self,
        parts: &[&str],
        control: &RunControl,
    ) -> Result<Option<Vec<(String, String)>>, FabricError> {
        let full = match parts {
            [c, s, t] => format!("{c}.{s}.{t}"),
            [s, t] => match &self.catalog {
                Some(c) => format!("{c}.{s}.{t}"),
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        let path = format!("/api/2.1/unity-catalog/tables/{}", path_segment(&full));
        let table = self.http.call(Method::Get, &path, &[], None, control)?;
        let mut columns: Vec<(u64, String, String)> = table
            .get("columns")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let text = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let position = c.get("position").and_then(Value::as_u64).unwrap_or(0);
                (position, text("name"), text("type_text").to_uppercase())
            })
            .collect();
        columns.sort_by_key(|c| c.0);
        Ok(Some(columns.into_iter().map(|(_, n, t)| (n, t)).collect()))
    }
}

/// A URL path segment: anything but letters, digits and `._-` percent-encoded.
fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

impl RemoteEngine for Warehouse {
    fn ensure_seeds(
        &self,
        seeds: &[crate::SeedLoad],
        control: &RunControl,
    ) -> Result<(), FabricError> {
        self.seed_tables.ensure(self, seeds, control)
    }

    fn statement(&self, sql: &str, control: &RunControl) -> Result<RunResult, FabricError> {
        self.run(sql, 10_000, control)
    }

    /// Unity Catalog's tables API where the catalog is known, `DESCRIBE TABLE` otherwise.
    fn describe_table(
        &self,
        parts: &[&str],
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        match self.unity_catalog_columns(parts, control) {
            Ok(Some(columns)) => Ok(columns),
            // Not in Unity Catalog (or not visible there): ask the warehouse itself.
            Ok(None) | Err(FabricError::Refused { .. }) => {
                describe_table_by_sql(self, parts, control)
            }
            Err(e) => Err(e),
        }
    }

    fn describe(&self) -> String {
        format!(
            "Databricks SQL warehouse {} on {}",
            self.warehouse_id,
            self.http.base()
        )
    }

    fn run(&self, sql: &str, limit: usize, control: &RunControl) -> Result<RunResult, FabricError> {
        let started = Instant::now();
        let mut request = json!({
            "warehouse_id": self.warehouse_id,
            "statement": sql,
            // Asynchronous: the statement id comes back at once, so a cancel can name it.
            "wait_timeout": "0s",
            "disposition": "INLINE",
            "format": "JSON_ARRAY",
            "row_limit": limit + 1,
        });
        if let Some(c) = &self.catalog {
            request["catalog"] = json!(c);
        }
        if let Some(s) = &self.schema {
            request["schema"] = json!(s);
        }
        control.report("submitting to the SQL warehouse");
        let mut answer = self
            .http
            .call(Method::Post, STATEMENTS, &[], Some(&request), control)?;
        let id = answer
            .get("statement_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                FabricError::Unavailable("the warehouse returned no statement_id".into())
            })?
            .to_string();
        let mut poller = Poller::new(self.http.options(), self.http.options().timeout);
        let mut last_state = String::new();
        loop {
            let state = answer
                .pointer("/status/state")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            match state.as_str() {
                "SUCCEEDED" => break,
                "FAILED" => {
                    let error = answer.pointer("/status/error");
                    let text = |k: &str| error.and_then(|e| e.get(k)).and_then(Value::as_str);
                    let message = match (text("error_code"), text("message")) {
                        (_, Some(m)) => m.to_string(),
                        (Some(code), None) => code.to_string(),
                        (None, None) => "the statement failed".into(),
                    };
                    return Err(self.http.redact(FabricError::Query(message)));
                }
                "CANCELED" => return Err(FabricError::Cancelled),
                "CLOSED" => {
                    return Err(FabricError::Query(
                        "the statement was closed before its rows were read".into(),
                    ))
                }
                _ => {}
            }
            if state != last_state {
                control.report(&format!("{} on the SQL warehouse", state.to_lowercase()));
                last_state = state;
            }
            if let Err(stop) = poller.wait(control) {
                return Err(self.cancel(&id, stop));
            }
            let path = format!("{STATEMENTS}/{id}");
            answer = match self.http.call(Method::Get, &path, &[], None, control) {
                Ok(a) => a,
                // Whatever stopped the polling, the statement must not run on.
                Err(e) => return Err(self.cancel(&id, e)),
            };
        }
        self.read_result(&id, &answer, sql, limit, started, control)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn table_names_are_encoded_for_the_path() {
        assert_eq!(super::path_segment("main.shop.orders"), "main.shop.orders");
        assert_eq!(
            super::path_segment("main.my schema.a/b?"),
            "main.my%20schema.a%2Fb%3F"
        );
    }
}
