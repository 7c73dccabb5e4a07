//! A Databricks all-purpose cluster through the Command Execution API 1.2.
//! The cluster is started when it is terminated (with progress while it
//! starts); one SQL execution context per cluster is created and reused by
//! every run of the process, and destroyed by [`Cluster::close`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Value};

use super::http::{Http, Method, Replay};
use super::spark_types::encoded_spark_type_text;
use super::{
    cell_text, json_rows, limited, limited_result, stop_reason, strip_html, Poller, RemoteEngine,
    RunControl,
};
use crate::{FabricError, RunResult};

pub struct Cluster {
    http: Http,
    cluster_id: String,
    seed_tables: super::seeds::SeedTables,
}

/// Execution contexts by workspace and cluster, shared by the runs of a process.
static CONTEXTS: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

impl Cluster {
    pub fn new(http: Http, cluster_id: &str) -> Cluster {
        Cluster {
            http,
            cluster_id: cluster_id.to_string(),
            seed_tables: Default::default(),
        }
    }

    fn context_key(&self) -> String {
        format!("{} {}", self.http.base(), self.cluster_id)
    }

    /// The cluster's state and its message (`RUNNING`, `TERMINATED`, …).
    pub fn state(&self, control: &RunControl) -> Result<(String, String), FabricError> {
        let answer = self.http.call(
            Method::Get,
            "/api/2.1/clusters/get",
            &[("cluster_id", &self.cluster_id)],
            None,
            control,
        )?;
        Ok((
            text(&answer, "/state").unwrap_or_else(|| "UNKNOWN".into()),
            text(&answer, "/state_message").unwrap_or_default(),
        ))
    }

    /// Waits until the cluster runs, starting it when it is terminated.
    pub fn ensure_running(&self, control: &RunControl) -> Result<(), FabricError> {
        let mut poller = Poller::new(self.http.options(), self.http.options().start_timeout);
        let mut started = false;
        loop {
            let (state, message) = self.state(control)?;
            let note = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            match state.as_str() {
                "RUNNING" => return Ok(()),
                "TERMINATED" if !started => {
                    control.report(&format!("starting cluster {}", self.cluster_id));
                    let start = self.http.call_with(
                        Replay::Creates,
                        Method::Post,
                        "/api/2.1/clusters/start",
                        &[],
                        Some(&json!({"cluster_id": self.cluster_id})),
                        control,
                    );
                    match start {
                        // Someone else moved it meanwhile: wait for the state it is in.
                        Err(FabricError::Refused { message, .. })
                            if message.contains("INVALID_STATE") => {}
                        other => {
                            other?;
                        }
                    }
                    started = true;
                    continue;
                }
                "TERMINATED" => {
                    return Err(FabricError::Unavailable(format!(
                        "cluster {} stopped again while starting{note}",
                        self.cluster_id
                    )))
                }
                "ERROR" | "UNKNOWN" => {
                    return Err(FabricError::Unavailable(format!(
                        "cluster {} is in state {state}{note}",
                        self.cluster_id
                    )))
                }
                _ => control.report(&format!(
                    "cluster {} is {}{note}",
                    self.cluster_id,
                    state.to_lowercase()
                )),
            }
            poller.wait(control).map_err(|e| match e {
                FabricError::TimedOut(_) => FabricError::TimedOut(format!(
                    "cluster {} did not start within {:?} (last state {state})",
                    self.cluster_id,
                    self.http.options().start_timeout
                )),
                other => other,
            })?;
        }
    }

    /// The process's SQL execution context on this cluster, created on first use.
    fn context(&self, control: &RunControl) -> Result<String, FabricError> {
        // One creator at a time: two first runs must not make two contexts.
        static CREATING: Mutex<()> = Mutex::new(());
        let _creating = CREATING.lock().unwrap_or_else(|p| p.into_inner());
        let key = self.context_key();
        if let Some(id) = CONTEXTS
            .lock()
            .unwrap()
            .get_or_insert_with(HashMap::new)
            .get(&key)
        {
            return Ok(id.clone());
        }
        control.report("creating an execution context");
        let created = self.http.call_with(
            Replay::Creates,
            Method::Post,
            "/api/1.2/contexts/create",
            &[],
            Some(&json!({"clusterId": self.cluster_id, "language": "sql"})),
            control,
        )?;
        let id = text(&created, "/id")
            .ok_or_else(|| FabricError::Unavailable("contexts/create returned no id".into()))?;
        let mut poller = Poller::new(self.http.options(), self.http.options().start_timeout);
        loop {
            let status = self.http.call(
                Method::Get,
                "/api/1.2/contexts/status",
                &[("clusterId", &self.cluster_id), ("contextId", &id)],
                None,
                control,
            )?;
            match text(&status, "/status").as_deref() {
                Some("Running") => break,
                Some("Error") => {
                    return Err(FabricError::Unavailable(format!(
                        "cluster {} could not create an execution context",
                        self.cluster_id
                    )))
                }
                _ => poller.wait(control)?,
            }
        }
        CONTEXTS
            .lock()
            .unwrap()
            .get_or_insert_with(HashMap::new)
            .insert(key, id.clone());
        Ok(id)
    }

    /// Runs one SQL command and reads its table.
    fn execute(&self, command: &str, control: &RunControl) -> Result<RunResult, FabricError> {
        self.ensure_running(control)?;
        let (context, submitted) = match self.submit(command, control) {
            // The cluster restarted and lost the context: make a new one, once.
            Err(FabricError::Refused { message, .. }) if message.contains("ContextNotFound") => {
                self.forget_context();
                self.submit(command, control)?
            }
            other => other?,
        };
        let id = text(&submitted, "/id")
            .ok_or_else(|| FabricError::Unavailable("commands/execute returned no id".into()))?;
        let mut poller = Poller::new(self.http.options(), self.http.options().timeout);
        let mut last = String::new();
        let status = loop {
            let status = match self.http.call(
                Method::Get,
                "/api/1.2/commands/status",
                &[
                    ("clusterId", &self.cluster_id),
                    ("contextId", &context),
                    ("commandId", &id),
                ],
                None,
                control,
            ) {
                Ok(s) => s,
                // Whatever stopped the polling, the command must not run on.
                Err(e) => return Err(self.cancel(&context, &id, e)),
            };
            let state = text(&status, "/status").unwrap_or_default();
            match state.as_str() {
                "Queued" | "Running" | "Cancelling" => {
                    if state != last {
                        control.report(&format!("{} on the cluster", state.to_lowercase()));
                        last = state;
                    }
                    if let Err(stop) = poller.wait(control) {
                        return Err(self.cancel(&context, &id, stop));
                    }
                }
                "Cancelled" => return Err(FabricError::Cancelled),
                _ => break status,
            }
        };
        let results = status.get("results").cloned().unwrap_or(Value::Null);
        let result_type = text(&results, "/resultType").unwrap_or_default();
        if text(&status, "/status").as_deref() == Some("Error") || result_type == "error" {
            let summary = text(&results, "/summary").map(|s| strip_html(&s));
            let cause = text(&results, "/cause").map(|c| first_exception_line(&c));
            let message = summary
                .filter(|s| !s.is_empty())
                .or(cause)
                .unwrap_or_else(|| "the command failed".into());
            return Err(self.http.redact(FabricError::Query(message)));
        }
        if result_type != "table" {
            return Err(FabricError::Query(format!(
                "the cluster answered with {result_type} instead of a table: {}",
                results
                    .get("data")
                    .map(cell_text)
                    .flatten()
                    .unwrap_or_default()
            )));
        }
        let columns = results
            .get("schema")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let name = text(c, "/name").unwrap_or_default();
                let ty = text(c, "/type").unwrap_or_default();
                (name, encoded_spark_type_text(&ty))
            })
            .collect();
        let rows = json_rows(results.get("data"));
        Ok(RunResult {
            columns,
            rows,
            truncated: results.get("truncated").and_then(Value::as_bool) == Some(true),
            row_count: None,
            elapsed_ms: 0.0,
            sql: command.to_string(),
        })
    }

    /// Sends a command in the process's context: `(context, answer)`.
    fn submit(&self, command: &str, control: &RunControl) -> Result<(String, Value), FabricError> {
        let context = self.context(control)?;
        let submitted = self.http.call(
            Method::Post,
            "/api/1.2/commands/execute",
            &[],
            Some(&json!({
                "clusterId": self.cluster_id,
                "contextId": context,
                "language": "sql",
                "command": command,
            })),
            control,
        )?;
        Ok((context, submitted))
    }

    fn forget_context(&self) {
        if let Some(map) = CONTEXTS.lock().unwrap().as_mut() {
            map.remove(&self.context_key());
        }
    }

    /// Cancels a command and waits (briefly) for the cluster to confirm.
    fn cancel(&self, context: &str, id: &str, why: FabricError) -> FabricError {
        let quiet = RunControl::default();
        let _ = self.http.call_with(
            Replay::Once,
            Method::Post,
            "/api/1.2/commands/cancel",
            &[],
            Some(&json!({"clusterId": self.cluster_id, "contextId": context, "commandId": id})),
            &quiet,
        );
        let mut poller = Poller::new(self.http.options(), std::time::Duration::from_secs(10));
        while poller.wait(&quiet).is_ok() {
            let status = self.http.call_with(
                Replay::Once,
                Method::Get,
                "/api/1.2/commands/status",
                &[
                    ("clusterId", &self.cluster_id),
                    ("contextId", context),
                    ("commandId", id),
                ],
                None,
                &quiet,
            );
            match status.ok().and_then(|s| text(&s, "/status")).as_deref() {
                Some("Cancelling") | Some("Running") | Some("Queued") => {}
                _ => break,
            }
        }
        stop_reason(why, "the cluster", self.http.options().timeout)
    }
}

/// The exception line of a Java/Python stack trace (`...Exception: message`).
fn first_exception_line(cause: &str) -> String {
    let cause = strip_html(cause);
    cause
        .lines()
        .find(|l| l.contains("Exception:") || l.contains("Error:"))
        .unwrap_or_else(|| cause.lines().next().unwrap_or(""))
        .trim()
        .to_string()
}

impl RemoteEngine for Cluster {
    fn ensure_seeds(
        &self,
        seeds: &[crate::SeedLoad],
        control: &RunControl,
    ) -> Result<(), FabricError> {
        self.seed_tables.ensure(self, seeds, control)
    }

    fn statement(&self, sql: &str, control: &RunControl) -> Result<RunResult, FabricError> {
        self.execute(sql, control)
    }

    fn describe(&self) -> String {
        format!(
            "Databricks cluster {} on {}",
            self.cluster_id,
            self.http.base()
        )
    }

    fn run(&self, sql: &str, limit: usize, control: &RunControl) -> Result<RunResult, FabricError> {
        let started = Instant::now();
        let result = self.execute(&limited(sql, limit), control)?;
        let cut = result.truncated;
        Ok(limited_result(result, sql, limit, started, cut))
    }

    /// Destroys the process's execution context on this cluster, if any.
    fn close(&self) {
        let key = self.context_key();
        let id = CONTEXTS
            .lock()
            .unwrap()
            .as_mut()
            .and_then(|m| m.remove(&key));
        if let Some(id) = id {
            let _ = self.http.call_with(
                Replay::Once,
                Method::Post,
                "/api/1.2/contexts/destroy",
                &[],
                Some(&json!({"clusterId": self.cluster_id, "contextId": id})),
                &RunControl::default(),
            );
        }
    }
}
