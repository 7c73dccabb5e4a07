//! An Apache Livy server in a box: interactive sessions (starting, then
//! idle), statements of kind `sql` whose output is the SQL interpreter's
//! `application/json` table, cancel and delete, CSRF's `X-Requested-By`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::engine::{native_value, spark_json_type, SqlEngine};
use crate::http::{serve, Faults, Request, Response};

/// Livy's `livy.rsc.sql.num-rows` default.
const NUM_ROWS: usize = 1000;

struct Statement {
    code: String,
    state: Arc<Mutex<(String, Value)>>,
    cancel: Arc<AtomicBool>,
}

struct Session {
    name: String,
    starting_polls: u32,
    statements: Vec<Statement>,
}

#[derive(Default)]
struct State {
    next_session: u64,
    sessions: HashMap<u64, Session>,
    starting_polls: u32,
}

pub struct FakeLivy {
    pub url: String,
    pub engine: SqlEngine,
    pub faults: Faults,
    state: Arc<Mutex<State>>,
    log: Arc<Mutex<Vec<String>>>,
}

impl FakeLivy {
    /// A Livy server whose sessions answer `starting` for `starting_polls` polls.
    pub fn start(engine: SqlEngine, starting_polls: u32) -> FakeLivy {
        let state = Arc::new(Mutex::new(State {
            starting_polls,
            ..State::default()
        }));
        let faults = Faults::default();
        let server = Server {
            engine: engine.clone(),
            state: state.clone(),
            faults: faults.clone(),
        };
        let served = serve(faults.clone(), move |r| server.handle(r));
        FakeLivy {
            url: served.url,
            engine,
            faults,
            state,
            log: served.log,
        }
    }

    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The sessions alive, by name.
    pub fn session_names(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        state.sessions.values().map(|s| s.name.clone()).collect()
    }

    /// Kills every session (as a cluster restart or an idle timeout would).
    pub fn kill_sessions(&self) {
        self.state.lock().unwrap().sessions.clear();
    }
}

#[derive(Clone)]
struct Server {
    engine: SqlEngine,
    state: Arc<Mutex<State>>,
    faults: Faults,
}

fn message(status: u16, text: &str) -> Response {
    Response::json(status, json!({"msg": text}))
}

impl Server {
    fn handle(&self, request: &Request) -> Response {
        if matches!(request.method.as_str(), "POST" | "DELETE")
            && request.header("X-Requested-By").is_none()
        {
            return Response {
                status: 400,
                body: "Missing Required Header for CSRF protection.".into(),
                headers: vec![],
            };
        }
        let parts: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
        let id = |s: &str| s.parse::<u64>().ok();
        match (request.method.as_str(), parts.as_slice()) {
            ("GET", ["sessions"]) => {
                let state = self.state.lock().unwrap();
                let sessions: Vec<Value> = state
                    .sessions
                    .iter()
                    .map(|(id, s)| session_json(*id, s))
                    .collect();
                Response::json(
                    200,
                    json!({"from": 0, "total": sessions.len(), "sessions": sessions}),
                )
            }
            ("POST", ["sessions"]) => self.create_session(request),
            ("GET", ["sessions", s]) => {
                let mut state = self.state.lock().unwrap();
                match id(s).and_then(|s| state.sessions.get_mut(&s).map(|x| (s, x))) {
                    Some((sid, session)) => {
                        session.starting_polls = session.starting_polls.saturating_sub(1);
                        Response::json(200, session_json(sid, session))
                    }
                    None => message(404, &format!("Session '{s}' not found.")),
                }
            }
            ("GET", ["sessions", s, "state"]) => {
                let state = self.state.lock().unwrap();
                match id(s).and_then(|s| state.sessions.get(&s).map(|x| (s, x))) {
                    Some((sid, session)) => {
                        let full = session_json(sid, session);
                        Response::json(200, json!({"id": sid, "state": full["state"]}))
                    }
                    None => message(404, &format!("Session '{s}' not found.")),
                }
            }
            ("DELETE", ["sessions", s]) => {
                let removed = id(s).and_then(|s| self.state.lock().unwrap().sessions.remove(&s));
                match removed {
                    Some(_) => message(200, "deleted"),
                    None => message(404, &format!("Session '{s}' not found.")),
                }
            }
            ("POST", ["sessions", s, "statements"]) => match id(s) {
                Some(sid) => self.submit(sid, request),
                None => message(404, &format!("Session '{s}' not found.")),
            },
            ("GET", ["sessions", s, "statements", t]) => {
                let state = self.state.lock().unwrap();
                let statement = id(s)
                    .and_then(|s| state.sessions.get(&s))
                    .and_then(|session| id(t).and_then(|t| session.statements.get(t as usize)));
                match statement {
                    Some(st) => Response::json(200, statement_json(id(t).unwrap(), st)),
                    None => message(404, &format!("Statement '{t}' not found in session '{s}'.")),
                }
            }
            ("POST", ["sessions", s, "statements", t, "cancel"]) => {
                let state = self.state.lock().unwrap();
                let statement = id(s)
                    .and_then(|s| state.sessions.get(&s))
                    .and_then(|session| id(t).and_then(|t| session.statements.get(t as usize)));
                match statement {
                    Some(st) => {
                        st.cancel.store(true, Ordering::SeqCst);
                        let mut inner = st.state.lock().unwrap();
                        if inner.0 == "waiting" || inner.0 == "running" {
                            inner.0 = "cancelled".into();
                            self.engine.interrupt();
                        }
                        message(200, "canceled")
                    }
                    None => message(404, &format!("Statement '{t}' not found in session '{s}'.")),
                }
            }
            _ => message(
                404,
                &format!("No route for {} {}", request.method, request.path),
            ),
        }
    }

    fn create_session(&self, request: &Request) -> Response {
        let body = request.json();
        let mut state = self.state.lock().unwrap();
        let name = body["name"].as_str().unwrap_or("").to_string();
        if !name.is_empty() && state.sessions.values().any(|s| s.name == name) {
            return message(400, &format!("Duplicate session name: {name}"));
        }
        let id = state.next_session;
        state.next_session += 1;
        let session = Session {
            name,
            starting_polls: state.starting_polls,
            statements: Vec::new(),
        };
        let answer = session_json(id, &session);
        state.sessions.insert(id, session);
        Response::json(201, answer)
    }

    fn submit(&self, session_id: u64, request: &Request) -> Response {
        let body = request.json();
        let Some(code) = body["code"].as_str() else {
            return message(400, "code is required");
        };
        if body["kind"].as_str().is_some_and(|k| k != "sql") {
            return message(400, "the fake Livy runs statements of kind sql only");
        }
        let mut state = self.state.lock().unwrap();
        let Some(session) = state.sessions.get_mut(&session_id) else {
            return message(404, &format!("Session '{session_id}' not found."));
        };
        if session.starting_polls > 0 {
            return message(
                400,
                &format!("Session {session_id} is not ready (starting)"),
            );
        }
        let shared = Arc::new(Mutex::new(("waiting".to_string(), Value::Null)));
        let cancel = Arc::new(AtomicBool::new(false));
        let index = session.statements.len() as u64;
        session.statements.push(Statement {
            code: code.to_string(),
            state: shared.clone(),
            cancel: cancel.clone(),
        });
        let answer = statement_json(index, session.statements.last().unwrap());
        let engine = self.engine.clone();
        let delay = self.faults.statement_delay();
        let code = code.to_string();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            {
                let mut inner = shared.lock().unwrap();
                if cancel.load(Ordering::SeqCst) {
                    return;
                }
                inner.0 = "running".into();
            }
            let until = Instant::now() + delay;
            while Instant::now() < until {
                if cancel.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let output = match engine.execute(&code) {
                Ok(table) => {
                    let fields: Vec<Value> = table
                        .columns
                        .iter()
                        .map(|(n, t)| json!({"name": n, "type": spark_json_type(t), "nullable": true, "metadata": {}}))
                        .collect();
                    let data: Vec<Value> = table
                        .rows
                        .iter()
                        .take(NUM_ROWS)
                        .map(|row| {
                            Value::Array(
                                row.iter()
                                    .zip(&table.columns)
                                    .map(|(v, (_, t))| native_value(v.as_deref(), t))
                                    .collect(),
                            )
                        })
                        .collect();
                    json!({"status": "ok", "execution_count": index,
                           "data": {"application/json": {"schema": {"type": "struct", "fields": fields}, "data": data}}})
                }
                Err(e) => json!({"status": "error", "execution_count": index,
                                  "ename": "org.apache.spark.sql.AnalysisException", "evalue": e,
                                  "traceback": []}),
            };
            let mut inner = shared.lock().unwrap();
            if !cancel.load(Ordering::SeqCst) {
                *inner = ("available".into(), output);
            }
        });
        Response::json(201, answer)
    }
}

fn session_json(id: u64, session: &Session) -> Value {
    let busy = session
        .statements
        .iter()
        .any(|s| matches!(s.state.lock().unwrap().0.as_str(), "waiting" | "running"));
    let state = if session.starting_polls > 0 {
        "starting"
    } else if busy {
        "busy"
    } else {
        "idle"
    };
    json!({"id": id, "name": session.name, "appId": format!("application_0000_{id:04}"), "owner": null,
           "proxyUser": null, "state": state, "kind": "shared",
           "appInfo": {"driverLogUrl": null, "sparkUiUrl": null},
           "log": ["stdout: ", "\nstderr: "]})
}

fn statement_json(id: u64, statement: &Statement) -> Value {
    let (state, output) = statement.state.lock().unwrap().clone();
    let progress = if state == "available" { 1.0 } else { 0.0 };
    json!({"id": id, "code": statement.code, "state": state,
           "output": if output.is_null() { Value::Null } else { output },
           "progress": progress, "started": 0, "completed": 0})
}
