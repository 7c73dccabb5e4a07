//! Apache Livy: one interactive session per server and process (started on
//! first use, with progress while Spark comes up), statements of kind `sql`,
//! results from the `application/json` output. Livy caps rows at
//! `livy.rsc.sql.num-rows` and says nothing when it does.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Value};

use super::http::{Http, Method, Replay};
use super::spark_types::spark_type_text;
use super::{json_rows, limited, limited_result, stop_reason, Poller, RemoteEngine, RunControl};
use crate::{FabricError, RunResult};

pub struct Livy {
    http: Http,
    seed_tables: super::seeds::SeedTables,
}

/// Sessions by server, shared by the runs of a process.
static SESSIONS: Mutex<Option<HashMap<String, u64>>> = Mutex::new(None);

/// Livy's default `livy.rsc.sql.num-rows`.
const LIVY_ROW_CAP: usize = 1000;

impl Livy {
    pub fn new(http: Http) -> Livy {
        Livy {
            http,
            seed_tables: Default::default(),
        }
    }

    /// The session's state, or `None` when it is gone.
    fn session_state(&self, id: u64, control: &RunControl) -> Result<Option<Value>, FabricError> {
        match self
            .http
            .call(Method::Get, &format!("/sessions/{id}"), &[], None, control)
        {
            Ok(session) => Ok(Some(session)),
            Err(FabricError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// An idle session of this process, started when there is none (and
    /// started again, once, when the server lost it).
    fn session(&self, control: &RunControl) -> Result<u64, FabricError> {
        match self.session_once(control)? {
            Some(id) => Ok(id),
            None => self.session_once(control)?.ok_or_else(|| {
                FabricError::Unavailable("Livy lost the session it had just started".into())
            }),
        }
    }

    /// The session, or `None` when the one this process knew is gone.
    fn session_once(&self, control: &RunControl) -> Result<Option<u64>, FabricError> {
        // One starter at a time: two first runs must not start two sessions.
        static STARTING: Mutex<()> = Mutex::new(());
        let _starting = STARTING.lock().unwrap_or_else(|p| p.into_inner());
        let known = SESSIONS
            .lock()
            .unwrap()
            .get_or_insert_with(HashMap::new)
            .get(self.http.base())
            .copied();
        let id = match known {
            Some(id) => id,
            None => {
                control.report("starting a Livy session");
                let name = format!("loupe-{}-{}", std::process::id(), unique_suffix());
                let created = self.http.call_with(
                    Replay::Creates,
                    Method::Post,
                    "/sessions",
                    &[],
                    Some(&json!({"name": name})),
                    control,
                )?;
                let id = created.get("id").and_then(Value::as_u64).ok_or_else(|| {
                    FabricError::Unavailable("Livy returned a session without an id".into())
                })?;
                SESSIONS
                    .lock()
                    .unwrap()
                    .get_or_insert_with(HashMap::new)
                    .insert(self.http.base().to_string(), id);
                id
            }
        };
        let mut poller = Poller::new(self.http.options(), self.http.options().start_timeout);
        let mut last = String::new();
        loop {
            let Some(session) = self.session_state(id, control)? else {
                self.forget_session();
                return Ok(None);
            };
            let state = session
                .get("state")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            match state.as_str() {
                "idle" | "busy" => return Ok(Some(id)),
                "error" | "dead" | "killed" | "success" | "shutting_down" => {
                    self.forget_session();
                    let log: Vec<&str> = session
                        .get("log")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    let tail = log[log.len().saturating_sub(3)..].join(" | ");
                    return Err(FabricError::Unavailable(format!(
                        "Livy session {id} is {state}{}",
                        if tail.is_empty() {
                            String::new()
                        } else {
                            format!(": {tail}")
                        }
                    )));
                }
                _ => {
                    if state != last {
                        control.report(&format!("Livy session {id} is {state}"));
                        last = state.clone();
                    }
                    poller.wait(control).map_err(|e| match e {
                        FabricError::TimedOut(_) => FabricError::TimedOut(format!(
                            "Livy session {id} did not start within {:?} (last state {state})",
                            self.http.options().start_timeout
                        )),
                        other => other,
                    })?;
                }
            }
        }
    }

    fn forget_session(&self) {
        if let Some(map) = SESSIONS.lock().unwrap().as_mut() {
            map.remove(self.http.base());
        }
    }

    fn cancel(&self, statement_path: &str, why: FabricError) -> FabricError {
        let _ = self.http.call_with(
            Replay::Once,
            Method::Post,
            &format!("{statement_path}/cancel"),
            &[],
            None,
            &RunControl::default(),
        );
        stop_reason(why, "Livy", self.http.options().timeout)
    }
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() % 1_000_000)
}

impl RemoteEngine for Livy {
    fn ensure_seeds(
        &self,
        seeds: &[crate::SeedLoad],
        control: &RunControl,
    ) -> Result<(), FabricError> {
        self.seed_tables.ensure(self, seeds, control)
    }

    fn describe(&self) -> String {
        format!("Livy at {}", self.http.base())
    }

    fn run(&self, sql: &str, limit: usize, control: &RunControl) -> Result<RunResult, FabricError> {
        let started = Instant::now();
        let result = self.statement(&limited(sql, limit), control)?;
        let capped = result.rows.len() >= LIVY_ROW_CAP && limit >= LIVY_ROW_CAP;
        Ok(limited_result(result, sql, limit, started, capped))
    }

    fn statement(&self, code: &str, control: &RunControl) -> Result<RunResult, FabricError> {
        let session = self.session(control)?;
        let submitted = self.http.call(
            Method::Post,
            &format!("/sessions/{session}/statements"),
            &[],
            Some(&json!({"code": code, "kind": "sql"})),
            control,
        )?;
        let id = submitted.get("id").and_then(Value::as_u64).ok_or_else(|| {
            FabricError::Unavailable("Livy returned a statement without an id".into())
        })?;
        let path = format!("/sessions/{session}/statements/{id}");
        let mut poller = Poller::new(self.http.options(), self.http.options().timeout);
        let mut last = String::new();
        let statement = loop {
            let statement = match self.http.call(Method::Get, &path, &[], None, control) {
                Ok(s) => s,
                // Whatever stopped the polling, the statement must not run on.
                Err(e) => return Err(self.cancel(&path, e)),
            };
            let state = statement
                .get("state")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            match state.as_str() {
                "available" | "error" => break statement,
                "cancelled" => return Err(FabricError::Cancelled),
                _ => {
                    if state != last {
                        let progress = statement.get("progress").and_then(Value::as_f64);
                        control.report(&match progress {
                            Some(p) if p > 0.0 => format!("{state} ({:.0}%)", p * 100.0),
                            _ => format!("{state} on Livy"),
                        });
                        last = state;
                    }
                    if let Err(stop) = poller.wait(control) {
                        return Err(self.cancel(&path, stop));
                    }
                }
            }
        };
        // `available` may still carry an error output.
        let output = statement.get("output").cloned().unwrap_or(Value::Null);
        if output.get("status").and_then(Value::as_str) != Some("ok") {
            let field = |k: &str| output.get(k).and_then(Value::as_str).unwrap_or("");
            let message = match (field("ename"), field("evalue")) {
                ("", "") => "the statement failed".to_string(),
                ("", value) => value.to_string(),
                (name, value) => format!("{name}: {value}"),
            };
            return Err(FabricError::Query(message));
        }
        let table = output
            .pointer("/data/application~1json")
            .cloned()
            .ok_or_else(|| FabricError::Query("the statement returned no table".into()))?;
        let columns = table
            .pointer("/schema/fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|f| {
                let name = f
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                (name, spark_type_text(f.get("type").unwrap_or(&Value::Null)))
            })
            .collect();
        let rows = json_rows(table.get("data"));
        Ok(RunResult {
            columns,
            rows,
            truncated: false,
            row_count: None,
            elapsed_ms: 0.0,
            sql: code.to_string(),
        })
    }

    /// Ends the process's session on this server, if any.
    fn close(&self) {
        let id = SESSIONS
            .lock()
            .unwrap()
            .as_mut()
            .and_then(|m| m.remove(self.http.base()));
        if let Some(id) = id {
            let _ = self.http.call_with(
                Replay::Once,
                Method::Delete,
                &format!("/sessions/{id}"),
                &[],
                None,
                &RunControl::default(),
            );
        }
    }
}
