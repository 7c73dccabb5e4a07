//! A Databricks workspace in a box: the SQL Statement Execution API 2.0 on
//! one warehouse, the Command Execution API 1.2 on one cluster (which starts
//! from TERMINATED through PENDING to RUNNING), the clusters and Unity
//! Catalog tables APIs, personal tokens and OAuth client credentials.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::engine::{
    native_value, spark_json_type, spark_type_name, spark_type_text, SqlEngine, Table,
};
use crate::http::{serve, Faults, Request, Response};

pub const WAREHOUSE_ID: &str = "fake-warehouse";
pub const CLUSTER_ID: &str = "0101-000000-fake";
const PERSONAL_TOKEN: &str = "dapi-fake-personal-token";
const CLIENT_ID: &str = "fake-client-id";
const CLIENT_SECRET: &str = "fake-client-secret";

/// Where a statement or command is.
#[derive(Clone)]
enum Outcome {
    Pending,
    Running,
    Done(Table),
    Failed(String),
    Cancelled,
}

struct Job {
    outcome: Arc<Mutex<Outcome>>,
    cancel: Arc<AtomicBool>,
    row_limit: Option<usize>,
    context: String,
}

#[derive(Default)]
struct State {
    next_id: u64,
    jobs: HashMap<String, Job>,
    contexts: HashMap<String, u32>,
    cluster_state: String,
    cluster_pending_polls: u32,
    oauth_tokens: HashSet<String>,
    personal_token_valid: bool,
    chunk_rows: usize,
}

pub struct FakeDatabricks {
    pub url: String,
    pub engine: SqlEngine,
    pub faults: Faults,
    state: Arc<Mutex<State>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl FakeDatabricks {
    /// A workspace whose warehouse and cluster run SQL on `engine`; the cluster is running.
    pub fn start(engine: SqlEngine) -> FakeDatabricks {
        let state = Arc::new(Mutex::new(State {
            cluster_state: "RUNNING".into(),
            personal_token_valid: true,
            chunk_rows: 1000,
            ..State::default()
        }));
        let faults = Faults::default();
        let workspace = Workspace {
            engine: engine.clone(),
            state: state.clone(),
            faults: faults.clone(),
            base: Arc::new(Mutex::new(String::new())),
        };
        let base = workspace.base.clone();
        let served = serve(faults.clone(), move |r| workspace.handle(r));
        *base.lock().unwrap() = served.url.clone();
        FakeDatabricks {
            url: served.url,
            engine,
            faults,
            state,
            log: served.log,
        }
    }

    pub fn personal_token(&self) -> &'static str {
        PERSONAL_TOKEN
    }

    pub fn client_credentials(&self) -> (&'static str, &'static str) {
        (CLIENT_ID, CLIENT_SECRET)
    }

    pub fn warehouse_id(&self) -> &'static str {
        WAREHOUSE_ID
    }

    pub fn cluster_id(&self) -> &'static str {
        CLUSTER_ID
    }

    /// The personal token stops working (it expired or was revoked).
    pub fn revoke_personal_token(&self) {
        self.state.lock().unwrap().personal_token_valid = false;
    }

    /// Every OAuth token issued so far expires; new ones can be bought.
    pub fn expire_oauth_tokens(&self) {
        self.state.lock().unwrap().oauth_tokens.clear();
    }

    /// The cluster is terminated; a start takes it through `pending_polls` PENDING answers.
    pub fn terminate_cluster(&self, pending_polls: u32) {
        let mut state = self.state.lock().unwrap();
        state.cluster_state = "TERMINATED".into();
        state.cluster_pending_polls = pending_polls;
        state.contexts.clear();
    }

    /// Results are cut into chunks of this many rows.
    pub fn set_chunk_rows(&self, rows: usize) {
        self.state.lock().unwrap().chunk_rows = rows.max(1);
    }

    /// Every request so far, as `METHOD /path`.
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self, request: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.as_str() == request)
            .count()
    }
}

#[derive(Clone)]
struct Workspace {
    engine: SqlEngine,
    state: Arc<Mutex<State>>,
    faults: Faults,
    base: Arc<Mutex<String>>,
}

fn error(status: u16, code: &str, message: &str) -> Response {
    Response::json(status, json!({"error_code": code, "message": message}))
}

impl Workspace {
    fn handle(&self, request: &Request) -> Response {
        let path = request.path.as_str();
        if path == "/oidc/.well-known/oauth-authorization-server" {
            let base = self.base.lock().unwrap().clone();
            return Response::json(
                200,
                json!({"issuer": format!("{base}/oidc"), "token_endpoint": format!("{base}/oidc/v1/token"),
                       "authorization_endpoint": format!("{base}/oidc/v1/authorize")}),
            );
        }
        if path == "/oidc/v1/token" {
            return self.issue_token(request);
        }
        if let Some(refusal) = self.check_token(request) {
            return refusal;
        }
        let method = request.method.as_str();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method, parts.as_slice()) {
            ("POST", ["api", "2.0", "sql", "statements"]) => self.submit_statement(request),
            ("GET", ["api", "2.0", "sql", "statements", id]) => self.statement_answer(id),
            ("GET", ["api", "2.0", "sql", "statements", id, "result", "chunks", index]) => {
                self.chunk(id, index.parse().unwrap_or(usize::MAX / 2))
            }
            ("POST", ["api", "2.0", "sql", "statements", id, "cancel"]) => {
                self.cancel_job(id);
                Response::json(200, json!({}))
            }
            ("GET", ["api", "2.1" | "2.0", "clusters", "get"]) => self.cluster_get(request),
            ("POST", ["api", "2.1" | "2.0", "clusters", "start"]) => self.cluster_start(request),
            ("POST", ["api", "1.2", "contexts", "create"]) => self.context_create(request),
            ("GET", ["api", "1.2", "contexts", "status"]) => self.context_status(request),
            ("POST", ["api", "1.2", "contexts", "destroy"]) => {
                let id = request.json()["contextId"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                self.state.lock().unwrap().contexts.remove(&id);
                Response::json(200, json!({"id": id}))
            }
            ("POST", ["api", "1.2", "commands", "execute"]) => self.command_execute(request),
            ("GET", ["api", "1.2", "commands", "status"]) => self.command_status(request),
            ("POST", ["api", "1.2", "commands", "cancel"]) => {
                let id = request.json()["commandId"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                self.cancel_job(&id);
                Response::json(200, json!({"id": id}))
            }
            ("GET", ["api", "2.1", "unity-catalog", "tables", full_name]) => {
                self.uc_table(full_name)
            }
            _ => error(
                404,
                "ENDPOINT_NOT_FOUND",
                &format!("No API found for '{method} {path}'"),
            ),
        }
    }

    fn check_token(&self, request: &Request) -> Option<Response> {
        let Some(token) = request
            .header("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
        else {
            return Some(error(
                401,
                "UNAUTHENTICATED",
                "Credential was not sent or was of an unsupported type for this API.",
            ));
        };
        let state = self.state.lock().unwrap();
        let valid = (token == PERSONAL_TOKEN && state.personal_token_valid)
            || state.oauth_tokens.contains(token);
        // Databricks does not echo tokens; a careless server might, so the fake
        // does, and the client must still keep it out of its messages.
        (!valid).then(|| error(403, "403", &format!("Invalid access token: {token}")))
    }

    fn issue_token(&self, request: &Request) -> Response {
        let expected = base64::engine::general_purpose::STANDARD
            .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
        let basic = request
            .header("Authorization")
            .and_then(|h| h.strip_prefix("Basic "));
        if basic != Some(expected.as_str())
            || !request.body.contains("grant_type=client_credentials")
        {
            return Response::json(
                401,
                json!({"error": "invalid_client", "error_description": "Client authentication failed"}),
            );
        }
        let mut state = self.state.lock().unwrap();
        state.next_id += 1;
        let token = format!("fake-oauth-access-{}", state.next_id);
        state.oauth_tokens.insert(token.clone());
        Response::json(
            200,
            json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": "all-apis"}),
        )
    }

    fn new_id(&self, prefix: &str) -> String {
        let mut state = self.state.lock().unwrap();
        state.next_id += 1;
        format!("{prefix}-{:04}", state.next_id)
    }

    /// Starts the SQL in the background; slow statements wait their delay first.
    fn spawn_job(&self, id: &str, sql: String, row_limit: Option<usize>, context: &str) {
        let outcome = Arc::new(Mutex::new(Outcome::Pending));
        let cancel = Arc::new(AtomicBool::new(false));
        self.state.lock().unwrap().jobs.insert(
            id.to_string(),
            Job {
                outcome: outcome.clone(),
                cancel: cancel.clone(),
                row_limit,
                context: context.to_string(),
            },
        );
        let engine = self.engine.clone();
        let delay = self.faults.statement_delay();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            *outcome.lock().unwrap() = Outcome::Running;
            let until = Instant::now() + delay;
            while Instant::now() < until {
                if cancel.load(Ordering::SeqCst) {
                    *outcome.lock().unwrap() = Outcome::Cancelled;
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let result = engine.execute(&sql);
            let mut outcome = outcome.lock().unwrap();
            *outcome = if cancel.load(Ordering::SeqCst) {
                Outcome::Cancelled
            } else {
                match result {
                    Ok(table) => Outcome::Done(table),
                    Err(message) => Outcome::Failed(message),
                }
            };
        });
    }

    fn outcome(&self, id: &str) -> Option<(Outcome, Option<usize>, String)> {
        let state = self.state.lock().unwrap();
        let job = state.jobs.get(id)?;
        let outcome = job.outcome.lock().unwrap().clone();
        Some((outcome, job.row_limit, job.context.clone()))
    }

    fn cancel_job(&self, id: &str) {
        let state = self.state.lock().unwrap();
        if let Some(job) = state.jobs.get(id) {
            job.cancel.store(true, Ordering::SeqCst);
            let mut outcome = job.outcome.lock().unwrap();
            if matches!(*outcome, Outcome::Pending | Outcome::Running) {
                *outcome = Outcome::Cancelled;
                self.engine.interrupt();
            }
        }
    }

    // --- SQL Statement Execution API 2.0 ---

    fn submit_statement(&self, request: &Request) -> Response {
        let body = request.json();
        let Some(statement) = body["statement"].as_str() else {
            return error(400, "INVALID_PARAMETER_VALUE", "statement is required");
        };
        match body["warehouse_id"].as_str() {
            Some(WAREHOUSE_ID) => {}
            Some(other) => {
                return error(
                    404,
                    "NOT_FOUND",
                    &format!("Warehouse {other} does not exist"),
                )
            }
            None => return error(400, "INVALID_PARAMETER_VALUE", "warehouse_id is required"),
        }
        let format = body["format"].as_str().unwrap_or("JSON_ARRAY");
        let disposition = body["disposition"].as_str().unwrap_or("INLINE");
        if format != "JSON_ARRAY" && disposition == "INLINE" {
            return error(
                400,
                "INVALID_PARAMETER_VALUE",
                &format!("{format} format is only supported with EXTERNAL_LINKS disposition"),
            );
        }
        if disposition != "INLINE" {
            return error(
                400,
                "NOT_IMPLEMENTED",
                "the fake serves INLINE results only",
            );
        }
        let wait = body["wait_timeout"]
            .as_str()
            .unwrap_or("10s")
            .trim_end_matches('s')
            .parse::<u64>()
            .unwrap_or(10);
        if wait != 0 && !(5..=50).contains(&wait) {
            return error(
                400,
                "INVALID_PARAMETER_VALUE",
                "wait_timeout must be 0s or between 5s and 50s",
            );
        }
        let row_limit = body["row_limit"].as_u64().map(|n| n as usize);
        let id = self.new_id("01ef-stmt");
        self.spawn_job(&id, statement.to_string(), row_limit, "");
        let until = Instant::now() + Duration::from_secs(wait);
        while Instant::now() < until {
            if matches!(
                self.outcome(&id).map(|o| o.0),
                Some(Outcome::Done(_) | Outcome::Failed(_) | Outcome::Cancelled)
            ) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if wait != 0 && body["on_wait_timeout"].as_str() == Some("CANCEL") {
            if let Some((Outcome::Pending | Outcome::Running, ..)) = self.outcome(&id) {
                self.cancel_job(&id);
            }
        }
        self.statement_answer(&id)
    }

    fn statement_answer(&self, id: &str) -> Response {
        let Some((outcome, row_limit, _)) = self.outcome(id) else {
            return error(404, "NOT_FOUND", &format!("Statement {id} not found"));
        };
        let status = |state: &str| json!({"statement_id": id, "status": {"state": state}});
        match outcome {
            Outcome::Pending => Response::json(200, status("PENDING")),
            Outcome::Running => Response::json(200, status("RUNNING")),
            Outcome::Cancelled => Response::json(200, status("CANCELED")),
            Outcome::Failed(message) => Response::json(
                200,
                json!({"statement_id": id, "status": {"state": "FAILED", "sql_state": "42000",
                       "error": {"error_code": "BAD_REQUEST", "message": message}}}),
            ),
            Outcome::Done(table) => {
                let chunk_rows = self.state.lock().unwrap().chunk_rows;
                let total = table.rows.len();
                let kept = row_limit.map_or(total, |l| l.min(total));
                let chunks: Vec<Value> = (0..kept.div_ceil(chunk_rows).max(1))
                    .map(|i| {
                        let offset = i * chunk_rows;
                        json!({"chunk_index": i, "row_offset": offset,
                               "row_count": chunk_rows.min(kept - offset)})
                    })
                    .collect();
                let columns: Vec<Value> = table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, (name, ty))| {
                        json!({"name": name, "position": i, "type_name": spark_type_name(ty),
                               "type_text": spark_type_text(ty)})
                    })
                    .collect();
                let mut answer = json!({
                    "statement_id": id,
                    "status": {"state": "SUCCEEDED"},
                    "manifest": {
                        "format": "JSON_ARRAY",
                        "schema": {"column_count": columns.len(), "columns": columns},
                        "total_chunk_count": chunks.len(),
                        "total_row_count": kept,
                        "truncated": kept < total,
                        "chunks": chunks,
                    },
                });
                answer["result"] = self.chunk_data(id, &table, kept, 0, chunk_rows);
                Response::json(200, answer)
            }
        }
    }

    fn chunk_data(&self, id: &str, table: &Table, kept: usize, index: usize, size: usize) -> Value {
        let offset = index * size;
        let rows: Vec<Value> = table.rows[offset.min(kept)..(offset + size).min(kept)]
            .iter()
            .map(|r| json!(r))
            .collect();
        let mut data = json!({"chunk_index": index, "row_offset": offset,
                              "row_count": rows.len(), "data_array": rows});
        if offset + size < kept {
            data["next_chunk_index"] = json!(index + 1);
            data["next_chunk_internal_link"] = json!(format!(
                "/api/2.0/sql/statements/{id}/result/chunks/{}",
                index + 1
            ));
        }
        data
    }

    fn chunk(&self, id: &str, index: usize) -> Response {
        let Some((Outcome::Done(table), row_limit, _)) = self.outcome(id) else {
            return error(404, "NOT_FOUND", &format!("Statement {id} has no result"));
        };
        let size = self.state.lock().unwrap().chunk_rows;
        let kept = row_limit.map_or(table.rows.len(), |l| l.min(table.rows.len()));
        if index.saturating_mul(size) >= kept.max(1) {
            return error(
                400,
                "INVALID_PARAMETER_VALUE",
                &format!("chunk {index} does not exist"),
            );
        }
        Response::json(200, self.chunk_data(id, &table, kept, index, size))
    }

    // --- Clusters and Command Execution API 1.2 ---

    fn cluster_get(&self, request: &Request) -> Response {
        if request.param("cluster_id") != Some(CLUSTER_ID) {
            return error(400, "INVALID_PARAMETER_VALUE", "Cluster does not exist");
        }
        let mut state = self.state.lock().unwrap();
        if state.cluster_state == "PENDING" {
            if state.cluster_pending_polls == 0 {
                state.cluster_state = "RUNNING".into();
            } else {
                state.cluster_pending_polls -= 1;
            }
        }
        let message = match state.cluster_state.as_str() {
            "PENDING" => "Finding instances for new nodes, acquiring more instances if necessary",
            "TERMINATED" => "Inactive cluster terminated (inactive for 120 minutes).",
            _ => "",
        };
        Response::json(
            200,
            json!({"cluster_id": CLUSTER_ID, "cluster_name": "fake", "state": state.cluster_state,
                   "state_message": message}),
        )
    }

    fn cluster_start(&self, request: &Request) -> Response {
        if request.json()["cluster_id"].as_str() != Some(CLUSTER_ID) {
            return error(400, "INVALID_PARAMETER_VALUE", "Cluster does not exist");
        }
        let mut state = self.state.lock().unwrap();
        if state.cluster_state != "TERMINATED" {
            return error(
                400,
                "INVALID_STATE",
                &format!(
                    "Cluster {CLUSTER_ID} is in unexpected state {}.",
                    state.cluster_state
                ),
            );
        }
        state.cluster_state = "PENDING".into();
        Response::json(200, json!({}))
    }

    fn require_running(&self, cluster: Option<&str>) -> Option<Response> {
        if cluster != Some(CLUSTER_ID) {
            return Some(Response::json(
                400,
                json!({"error": "Cluster does not exist"}),
            ));
        }
        let state = self.state.lock().unwrap().cluster_state.clone();
        (state != "RUNNING").then(|| {
            Response::json(
                400,
                json!({"error": format!("Cluster {CLUSTER_ID} is not running (state {state})")}),
            )
        })
    }

    fn context_create(&self, request: &Request) -> Response {
        let body = request.json();
        if let Some(refusal) = self.require_running(body["clusterId"].as_str()) {
            return refusal;
        }
        if !matches!(
            body["language"].as_str(),
            Some("sql" | "python" | "scala" | "r")
        ) {
            return Response::json(
                400,
                json!({"error": "language must be python, scala, sql or r"}),
            );
        }
        let id = self.new_id("ctx");
        self.state.lock().unwrap().contexts.insert(id.clone(), 0);
        Response::json(200, json!({"id": id}))
    }

    fn context_status(&self, request: &Request) -> Response {
        let id = request.param("contextId").unwrap_or("").to_string();
        let mut state = self.state.lock().unwrap();
        let Some(polls) = state.contexts.get_mut(&id) else {
            return Response::json(400, json!({"error": format!("ContextNotFound: {id}")}));
        };
        *polls += 1;
        let status = if *polls > 1 { "Running" } else { "Pending" };
        Response::json(200, json!({"id": id, "status": status}))
    }

    fn command_execute(&self, request: &Request) -> Response {
        let body = request.json();
        if let Some(refusal) = self.require_running(body["clusterId"].as_str()) {
            return refusal;
        }
        let context = body["contextId"].as_str().unwrap_or("").to_string();
        if !self.state.lock().unwrap().contexts.contains_key(&context) {
            return Response::json(400, json!({"error": format!("ContextNotFound: {context}")}));
        }
        let Some(command) = body["command"].as_str() else {
            return Response::json(400, json!({"error": "command is required"}));
        };
        let id = self.new_id("cmd");
        self.spawn_job(&id, command.to_string(), None, &context);
        Response::json(200, json!({"id": id}))
    }

    fn command_status(&self, request: &Request) -> Response {
        let id = request.param("commandId").unwrap_or("");
        let Some((outcome, _, context)) = self.outcome(id) else {
            return Response::json(400, json!({"error": format!("CommandNotFound: {id}")}));
        };
        if request.param("contextId") != Some(context.as_str()) {
            return Response::json(400, json!({"error": format!("ContextNotFound: {context}")}));
        }
        let answer = |status: &str, results: Value| {
            Response::json(200, json!({"id": id, "status": status, "results": results}))
        };
        match outcome {
            Outcome::Pending => answer("Queued", Value::Null),
            Outcome::Running => answer("Running", Value::Null),
            Outcome::Cancelled => answer("Cancelled", Value::Null),
            Outcome::Failed(message) => answer(
                "Finished",
                json!({"resultType": "error",
                       "summary": format!("<span class='ansi-red-fg'>AnalysisException</span>: {message}"),
                       "cause": format!("---------------------------------------------------------------------------\norg.apache.spark.sql.AnalysisException: {message}\n\tat org.apache.spark.sql.execution.SparkPlan.execute(SparkPlan.scala:1)")}),
            ),
            Outcome::Done(table) => {
                let schema: Vec<Value> = table
                    .columns
                    .iter()
                    .map(|(name, ty)| {
                        json!({"name": name, "type": spark_json_type(ty).to_string(), "metadata": "{}"})
                    })
                    .collect();
                let data: Vec<Value> = table
                    .rows
                    .iter()
                    .map(|row| {
                        Value::Array(
                            row.iter()
                                .zip(&table.columns)
                                .map(|(v, (_, ty))| native_value(v.as_deref(), ty))
                                .collect(),
                        )
                    })
                    .collect();
                answer(
                    "Finished",
                    json!({"resultType": "table", "truncated": false, "isJsonSchema": true,
                           "schema": schema, "data": data}),
                )
            }
        }
    }

    // --- Unity Catalog ---

    fn uc_table(&self, full_name: &str) -> Response {
        let parts: Vec<&str> = full_name.split('.').collect();
        let [catalog, schema, table] = parts.as_slice() else {
            return error(
                400,
                "INVALID_PARAMETER_VALUE",
                "full_name must be catalog.schema.table",
            );
        };
        let Some(columns) = self.engine.table_columns(schema, table) else {
            return error(
                404,
                "TABLE_DOES_NOT_EXIST",
                &format!("Table '{full_name}' does not exist."),
            );
        };
        let columns: Vec<Value> = columns
            .iter()
            .enumerate()
            .map(|(i, (name, ty))| {
                json!({"name": name, "type_text": spark_type_text(ty).to_lowercase(),
                       "type_name": spark_type_name(ty),
                       "type_json": json!({"name": name, "type": spark_json_type(ty), "nullable": true, "metadata": {}}).to_string(),
                       "position": i, "nullable": true})
            })
            .collect();
        Response::json(
            200,
            json!({"name": table, "catalog_name": catalog, "schema_name": schema,
                   "full_name": full_name, "table_type": "MANAGED", "columns": columns}),
        )
    }
}
