//! A Snowflake account in a box: the SQL API v2 (submit, status by handle,
//! partitions, cancel; `requestId` with `retry=true` recognises a repeat),
//! key-pair JWTs verified against registered public keys, OAuth tokens. The
//! SQL runs on DuckDB; results come back as Snowflake writes them: `jsonv2`
//! text cells by `rowType` (DATE as days since the epoch, TIMESTAMP_NTZ as
//! seconds, unquoted names upper-cased), INFORMATION_SCHEMA with Snowflake's
//! type names.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::sha2::{Digest, Sha256};
use serde_json::{json, Value};

use crate::engine::{SqlEngine, Table};
use crate::http::{serve, Faults, Request, Response};

const OAUTH_TOKEN: &str = "fake-snowflake-oauth-access-token";

#[derive(Clone)]
enum Outcome {
    Running,
    Done(Table),
    Failed(String),
    Cancelled,
    TimedOut(u64),
}

struct Statement {
    outcome: Arc<Mutex<Outcome>>,
    cancel: Arc<AtomicBool>,
    request_id: String,
    created_ms: u128,
}

#[derive(Default)]
struct State {
    next_id: u64,
    statements: HashMap<String, Statement>,
    handles_by_request: HashMap<String, String>,
    /// `ACCOUNT.USER` → the public keys' fingerprints and keys.
    keys: HashMap<String, Vec<(String, rsa::PublicKey)>>,
    oauth_tokens: HashSet<String>,
    partition_rows: usize,
    /// How far the account's clock is ahead of the real one (seconds).
    clock_ahead: u64,
}

pub struct FakeSnowflake {
    pub url: String,
    pub engine: SqlEngine,
    pub faults: Faults,
    state: Arc<Mutex<State>>,
    executions: Arc<AtomicUsize>,
    partitions_served: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<String>>>,
}

fn error(status: u16, code: &str, message: &str) -> Response {
    Response::json(
        status,
        json!({"code": code, "message": message, "sqlState": "", "statementHandle": ""}),
    )
}

/// Snowflake's error body for an injected fault.
fn fault_body(status: u16, message: &str) -> Value {
    let code = if status == 429 { "000610" } else { "390000" };
    json!({"code": code, "message": message})
}

impl FakeSnowflake {
    /// An account whose statements run on `engine`.
    pub fn start(engine: SqlEngine) -> FakeSnowflake {
        let state = Arc::new(Mutex::new(State {
            partition_rows: 1000,
            ..State::default()
        }));
        state
            .lock()
            .unwrap()
            .oauth_tokens
            .insert(OAUTH_TOKEN.to_string());
        let faults = Faults::default();
        *faults.error_body.lock().unwrap() = Some(fault_body);
        let executions = Arc::new(AtomicUsize::new(0));
        let partitions_served = Arc::new(AtomicUsize::new(0));
        let account = Account {
            engine: engine.clone(),
            state: state.clone(),
            faults: faults.clone(),
            executions: executions.clone(),
            partitions_served: partitions_served.clone(),
        };
        let served = serve(faults.clone(), move |r| account.handle(r));
        FakeSnowflake {
            url: served.url,
            engine,
            faults,
            state,
            executions,
            partitions_served,
            log: served.log,
        }
    }

    /// How many partitions after the first were asked for (`?partition=N`).
    pub fn partitions_served(&self) -> usize {
        self.partitions_served.load(Ordering::SeqCst)
    }

    /// `user` of `account` may sign JWTs with the private key of `public_pem`
    /// (`ALTER USER … SET RSA_PUBLIC_KEY`). Gives the key's fingerprint.
    pub fn register_public_key(&self, account: &str, user: &str, public_pem: &str) -> String {
        let key = rsa::PublicKey::from_public_key_pem(public_pem.trim())
            .expect("a PEM public key (SubjectPublicKeyInfo)");
        let der = key.to_public_key_der().expect("the key's DER");
        let fingerprint = format!(
            "SHA256:{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(der.as_bytes()))
        );
        let qualified = format!("{}.{}", account.to_uppercase(), user.to_uppercase());
        self.state
            .lock()
            .unwrap()
            .keys
            .entry(qualified)
            .or_default()
            .push((fingerprint.clone(), key));
        fingerprint
    }

    pub fn oauth_token(&self) -> &'static str {
        OAUTH_TOKEN
    }

    /// The OAuth token stops working (it expired or was revoked).
    pub fn revoke_oauth_token(&self) {
        self.state.lock().unwrap().oauth_tokens.clear();
    }

    /// The account's clock runs `ahead` of the client's: JWTs look expired.
    pub fn set_clock_ahead(&self, ahead: Duration) {
        self.state.lock().unwrap().clock_ahead = ahead.as_secs();
    }

    /// Results are cut into partitions of this many rows.
    pub fn set_partition_rows(&self, rows: usize) {
        self.state.lock().unwrap().partition_rows = rows.max(1);
    }

    /// How many statements were executed (a recognised repeat is not one).
    pub fn executions(&self) -> usize {
        self.executions.load(Ordering::SeqCst)
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
struct Account {
    engine: SqlEngine,
    state: Arc<Mutex<State>>,
    faults: Faults,
    executions: Arc<AtomicUsize>,
    partitions_served: Arc<AtomicUsize>,
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

impl Account {
    fn handle(&self, request: &Request) -> Response {
        if let Some(refusal) = self.check_auth(request) {
            return refusal;
        }
        let path = request.path.as_str();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (request.method.as_str(), parts.as_slice()) {
            ("POST", ["api", "v2", "statements"]) => self.submit(request),
            ("GET", ["api", "v2", "statements", handle]) => {
                match request.param("partition").map(str::parse::<usize>) {
                    None | Some(Ok(0)) => self.answer(handle),
                    Some(Ok(n)) => self.partition(handle, n),
                    Some(Err(_)) => error(400, "391903", "partition must be a number"),
                }
            }
            ("POST", ["api", "v2", "statements", handle, "cancel"]) => self.cancel(handle),
            _ => error(404, "390404", &format!("No such endpoint: {path}")),
        }
    }

    fn check_auth(&self, request: &Request) -> Option<Response> {
        let Some(token) = request
            .header("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
        else {
            return Some(error(401, "390101", "Authorization header not found."));
        };
        let kind = request
            .header("X-Snowflake-Authorization-Token-Type")
            .unwrap_or("OAUTH");
        if request.header("User-Agent").is_none_or(str::is_empty) {
            return Some(error(400, "391900", "User-Agent header is required."));
        }
        match kind {
            "KEYPAIR_JWT" => self
                .verify_jwt(token)
                .err()
                .map(|why| error(401, "390144", &format!("JWT token is invalid. ({why})"))),
            "OAUTH" => {
                let valid = self.state.lock().unwrap().oauth_tokens.contains(token);
                // Snowflake does not echo tokens; a careless server might, so
                // the fake does, and the client must keep it out of its messages.
                (!valid).then(|| {
                    error(
                        401,
                        "390303",
                        &format!("Invalid OAuth access token. [{token}]"),
                    )
                })
            }
            other => Some(error(
                401,
                "390102",
                &format!("Unsupported authorization token type: {other}"),
            )),
        }
    }

    /// Checks a key-pair JWT: RS256 by a registered key of `sub`, the
    /// issuer naming that key's fingerprint, within its lifetime (≤ 1 h).
    fn verify_jwt(&self, jwt: &str) -> Result<(), String> {
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let pieces: Vec<&str> = jwt.split('.').collect();
        let [header, claims, signature] = pieces.as_slice() else {
            return Err("not a JWT".into());
        };
        let decode = |part: &str| -> Result<Value, String> {
            let bytes = url.decode(part).map_err(|_| "not base64url")?;
            serde_json::from_slice(&bytes).map_err(|_| "not JSON".to_string())
        };
        let (header_json, claims_json) = (decode(header)?, decode(claims)?);
        if header_json["alg"] != "RS256" {
            return Err("the algorithm must be RS256".into());
        }
        let text = |k: &str| claims_json[k].as_str().unwrap_or("").to_string();
        let (issuer, subject) = (text("iss"), text("sub"));
        let Some((qualified, fingerprint)) = issuer.split_once(".SHA256:") else {
            return Err("the issuer must be ACCOUNT.USER.SHA256:<fingerprint>".into());
        };
        if qualified != subject {
            return Err("the issuer and subject name different users".into());
        }
        let state = self.state.lock().unwrap();
        let key = state
            .keys
            .get(qualified)
            .and_then(|keys| {
                keys.iter()
                    .find(|(f, _)| f == &format!("SHA256:{fingerprint}"))
            })
            .map(|(_, key)| key.clone())
            .ok_or_else(|| format!("no public key with that fingerprint for {qualified}"))?;
        let now = now_seconds() + state.clock_ahead;
        drop(state);
        let signature = url
            .decode(signature)
            .map_err(|_| "bad signature encoding")?;
        key.pkcs1v15_verify::<Sha256>(format!("{header}.{claims}").as_bytes(), &signature)
            .map_err(|_| "the signature does not match the public key".to_string())?;
        let (issued, expires) = (
            claims_json["iat"].as_u64().unwrap_or(0),
            claims_json["exp"].as_u64().unwrap_or(0),
        );
        if expires <= issued || expires - issued > 3600 {
            return Err("exp must be after iat, by at most one hour".into());
        }
        if issued > now + 60 {
            return Err("issued in the future".into());
        }
        if expires <= now {
            return Err("the token has expired".into());
        }
        Ok(())
    }

    fn new_handle(&self) -> String {
        let mut state = self.state.lock().unwrap();
        state.next_id += 1;
        format!("01b2c3d4-0000-7a1e-0000-{:012x}", state.next_id)
    }

    fn submit(&self, request: &Request) -> Response {
        let body = request.json();
        let Some(statement) = body["statement"].as_str() else {
            return error(400, "391902", "statement is required");
        };
        let statements = statement_count(statement);
        if statements != 1 {
            return error(
                422,
                "000008",
                &format!("Actual statement count {statements} did not match the desired statement count 1."),
            );
        }
        let request_id = request.param("requestId").unwrap_or("").to_string();
        let retry = request.param("retry") == Some("true");
        if !request_id.is_empty() {
            let known = self
                .state
                .lock()
                .unwrap()
                .handles_by_request
                .get(&request_id)
                .cloned();
            if let (Some(handle), true) = (known, retry) {
                // A repeat of a request already received: its statement, not a new run.
                return self.answer(&handle);
            }
        }
        let handle = self.new_handle();
        let timeout = body["timeout"].as_u64().filter(|t| *t > 0);
        self.spawn(&handle, &request_id, statement.to_string(), timeout);
        if !request_id.is_empty() {
            self.state
                .lock()
                .unwrap()
                .handles_by_request
                .insert(request_id, handle.clone());
        }
        if request.param("async") != Some("true") {
            let until = Instant::now() + Duration::from_secs(45);
            while Instant::now() < until && self.is_running(&handle) {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        self.answer(&handle)
    }

    fn is_running(&self, handle: &str) -> bool {
        let state = self.state.lock().unwrap();
        state
            .statements
            .get(handle)
            .is_some_and(|s| matches!(*s.outcome.lock().unwrap(), Outcome::Running))
    }

    /// Runs the SQL in the background; slow statements wait their delay first,
    /// and a statement past its `timeout` is stopped.
    fn spawn(&self, handle: &str, request_id: &str, sql: String, timeout: Option<u64>) {
        let outcome = Arc::new(Mutex::new(Outcome::Running));
        let cancel = Arc::new(AtomicBool::new(false));
        self.state.lock().unwrap().statements.insert(
            handle.to_string(),
            Statement {
                outcome: outcome.clone(),
                cancel: cancel.clone(),
                request_id: request_id.to_string(),
                created_ms: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_millis(),
            },
        );
        self.executions.fetch_add(1, Ordering::SeqCst);
        let engine = self.engine.clone();
        let delay = self.faults.statement_delay();
        std::thread::spawn(move || {
            let started = Instant::now();
            let deadline = timeout.map(|t| started + Duration::from_secs(t));
            while started.elapsed() < delay {
                if cancel.load(Ordering::SeqCst) {
                    *outcome.lock().unwrap() = Outcome::Cancelled;
                    return;
                }
                if let (Some(deadline), Some(seconds)) = (deadline, timeout) {
                    if Instant::now() >= deadline {
                        *outcome.lock().unwrap() = Outcome::TimedOut(seconds);
                        return;
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let result = engine.execute_with(&snowflake_catalog(&sql), &jsonv2_cell);
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

    fn statement(&self, handle: &str) -> Option<(Outcome, String, u128)> {
        let state = self.state.lock().unwrap();
        let statement = state.statements.get(handle)?;
        let outcome = statement.outcome.lock().unwrap().clone();
        Some((outcome, statement.request_id.clone(), statement.created_ms))
    }

    fn answer(&self, handle: &str) -> Response {
        let Some((outcome, request_id, created)) = self.statement(handle) else {
            return error(
                404,
                "333333",
                &format!("Statement {handle} not found or no longer available."),
            );
        };
        let status_url = format!("/api/v2/statements/{handle}?requestId={request_id}");
        let failure = |status: u16, code: &str, state: &str, message: &str| {
            Response::json(
                status,
                json!({"code": code, "message": message, "sqlState": state,
                       "statementHandle": handle, "statementStatusUrl": status_url}),
            )
        };
        match outcome {
            Outcome::Running => Response::json(
                202,
                json!({"code": "333334",
                       "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
                       "statementHandle": handle, "statementStatusUrl": status_url}),
            ),
            Outcome::Cancelled => failure(422, "000604", "57014", "SQL execution canceled"),
            Outcome::TimedOut(seconds) => failure(
                408,
                "000630",
                "57014",
                &format!("Statement reached its statement or warehouse timeout of {seconds} second(s) and was canceled."),
            ),
            Outcome::Failed(message) => failure(
                422,
                "002003",
                "42000",
                &format!("SQL compilation error:\n{message}"),
            ),
            Outcome::Done(table) => {
                let size = self.state.lock().unwrap().partition_rows;
                let partitions: Vec<Value> = table
                    .rows
                    .chunks(size)
                    .map(|rows| {
                        let bytes: usize = rows
                            .iter()
                            .flatten()
                            .map(|c| c.as_ref().map_or(4, String::len) + 3)
                            .sum();
                        json!({"rowCount": rows.len(), "uncompressedSize": bytes})
                    })
                    .collect();
                let partitions = if partitions.is_empty() {
                    vec![json!({"rowCount": 0, "uncompressedSize": 0})]
                } else {
                    partitions
                };
                let row_type: Vec<Value> = table
                    .columns
                    .iter()
                    .map(|(name, ty)| row_type(name, ty))
                    .collect();
                let first = table.rows.iter().take(size).collect::<Vec<_>>();
                Response::json(
                    200,
                    json!({
                        "resultSetMetaData": {
                            "numRows": table.rows.len(),
                            "format": "jsonv2",
                            "partitionInfo": partitions,
                            "rowType": row_type,
                        },
                        "data": first,
                        "code": "090001",
                        "statementStatusUrl": status_url,
                        "requestId": request_id,
                        "sqlState": "00000",
                        "statementHandle": handle,
                        "message": "Statement executed successfully.",
                        "createdOn": created,
                    }),
                )
            }
        }
    }

    fn partition(&self, handle: &str, index: usize) -> Response {
        let Some((Outcome::Done(table), ..)) = self.statement(handle) else {
            return self.answer(handle);
        };
        let size = self.state.lock().unwrap().partition_rows;
        let Some(rows) = table.rows.chunks(size).nth(index) else {
            return error(422, "391904", &format!("Partition {index} does not exist."));
        };
        self.partitions_served.fetch_add(1, Ordering::SeqCst);
        Response::json(200, json!({"data": rows}))
    }

    fn cancel(&self, handle: &str) -> Response {
        let found = {
            let state = self.state.lock().unwrap();
            state.statements.get(handle).map(|s| {
                s.cancel.store(true, Ordering::SeqCst);
                let mut outcome = s.outcome.lock().unwrap();
                if matches!(*outcome, Outcome::Running) {
                    *outcome = Outcome::Cancelled;
                    true
                } else {
                    false
                }
            })
        };
        match found {
            None => error(
                404,
                "333333",
                &format!("Statement {handle} not found or no longer available."),
            ),
            Some(was_running) => {
                if was_running {
                    self.engine.interrupt();
                }
                Response::json(
                    200,
                    json!({"code": "000604", "sqlState": "57014", "message": "Statement canceled.",
                           "statementHandle": handle,
                           "statementStatusUrl": format!("/api/v2/statements/{handle}")}),
                )
            }
        }
    }
}

/// How many statements `sql` holds (semicolons outside quotes and `--`
/// comments separate them).
fn statement_count(sql: &str) -> usize {
    let (mut count, mut quote, mut pending, mut comment) = (0, None, false, false);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            _ if comment => comment = c != '\n',
            (None, '-') if chars.peek() == Some(&'-') => comment = true,
            (None, '\'' | '"') => {
                quote = Some(c);
                pending = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, ';') => {
                count += usize::from(pending);
                pending = false;
            }
            (None, c) if !c.is_whitespace() => pending = true,
            _ => {}
        }
    }
    count + usize::from(pending)
}

/// A result column name as Snowflake gives it: unquoted (lower-case) names upper-cased.
fn snowflake_name(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        name.to_ascii_uppercase()
    } else {
        name.to_string()
    }
}

/// Snowflake's API type of a DuckDB type, with precision, scale and length.
fn api_type(duck: &str) -> (&'static str, Option<u64>, Option<u64>, Option<u64>) {
    let upper = duck.trim().to_ascii_uppercase();
    if upper.ends_with("[]") {
        return ("array", None, None, Some(16_777_216));
    }
    if let Some(args) = upper
        .strip_prefix("DECIMAL(")
        .and_then(|a| a.strip_suffix(')'))
    {
        let mut numbers = args.split(',').map(|n| n.trim().parse::<u64>().ok());
        return (
            "fixed",
            numbers.next().flatten(),
            numbers.next().flatten(),
            None,
        );
    }
    match upper.as_str() {
        "TINYINT" | "SMALLINT" | "INTEGER" | "BIGINT" | "HUGEINT" | "UTINYINT" | "USMALLINT"
        | "UINTEGER" | "UBIGINT" => ("fixed", Some(38), Some(0), None),
        "FLOAT" | "DOUBLE" | "REAL" => ("real", None, None, None),
        "BOOLEAN" => ("boolean", None, None, None),
        "DATE" => ("date", None, None, None),
        "TIME" => ("time", None, Some(9), None),
        "TIMESTAMP" | "TIMESTAMP_NS" | "TIMESTAMP_MS" | "TIMESTAMP_S" => {
            ("timestamp_ntz", None, Some(9), None)
        }
        "TIMESTAMP WITH TIME ZONE" => ("timestamp_tz", None, Some(9), None),
        "BLOB" => ("binary", None, None, Some(8_388_608)),
        "JSON" => ("variant", None, None, Some(16_777_216)),
        other if other.starts_with("STRUCT") || other.starts_with("MAP") => {
            ("object", None, None, Some(16_777_216))
        }
        _ => ("text", None, None, Some(16_777_216)),
    }
}

fn row_type(name: &str, duck: &str) -> Value {
    let (kind, precision, scale, length) = api_type(duck);
    json!({"name": snowflake_name(name), "database": "", "schema": "", "table": "",
           "nullable": true, "type": kind, "precision": precision, "scale": scale,
           "length": length, "byteLength": length, "collation": null})
}

/// The SQL of a cell's `jsonv2` text: DATE as days since the epoch, TIME as
/// seconds since midnight, TIMESTAMP_NTZ as seconds since the epoch with nine
/// fraction digits, TIMESTAMP_TZ with its offset in minutes plus 1440 (UTC
/// here), semi-structured values as JSON.
fn jsonv2_cell(column: &str, duck: &str) -> String {
    let seconds = |nanos: &str| {
        format!(
            "(({nanos}) // 1000000000)::varchar || '.' || lpad((({nanos}) % 1000000000)::varchar, 9, '0')"
        )
    };
    match api_type(duck).0 {
        "date" => format!("(({column}) - DATE '1970-01-01')::varchar"),
        "time" => seconds(&format!("epoch_ns(DATE '1970-01-01' + {column})")),
        "timestamp_ntz" => seconds(&format!("epoch_ns({column}::TIMESTAMP)")),
        "timestamp_tz" => format!("{} || ' 1440'", seconds(&format!("epoch_ns({column})"))),
        "array" | "object" => format!(
            "CASE WHEN {column} IS NULL THEN NULL ELSE {} END",
            json_sql(column, duck, 0)
        ),
        "variant" => format!("{column}::varchar"),
        "boolean" => format!("lower({column}::varchar)"),
        _ => format!("{column}::varchar"),
    }
}

/// The SQL of a value as JSON text, from its DuckDB type (lists and structs
/// recursively; DuckDB's JSON functions are an extension the stand-in lacks).
fn json_sql(expr: &str, duck: &str, depth: usize) -> String {
    let upper = duck.trim().to_ascii_uppercase();
    let text = if let Some(element) = upper.strip_suffix("[]") {
        let x = format!("x{depth}");
        format!(
            "'[' || array_to_string(list_transform({expr}, lambda {x}: {}), ',') || ']'",
            json_sql(&x, element, depth + 1)
        )
    } else if let Some(fields) = upper
        .strip_prefix("STRUCT(")
        .and_then(|f| f.strip_suffix(')'))
    {
        let original = &duck.trim()["STRUCT(".len()..duck.trim().len() - 1];
        let mut parts = Vec::new();
        for (field, _) in split_top_level(original)
            .iter()
            .zip(split_top_level(fields))
        {
            let (name, ty) = field
                .trim()
                .split_once(' ')
                .unwrap_or((field.trim(), "VARCHAR"));
            let name = name.trim_matches('"');
            parts.push(format!(
                "'\"{}\":' || {}",
                name.replace('\'', "''"),
                json_sql(&format!("({expr}).\"{name}\""), ty, depth + 1)
            ));
        }
        format!("'{{' || {} || '}}'", parts.join(" || ',' || "))
    } else if upper.starts_with("DECIMAL")
        || upper.contains("INT")
        || matches!(upper.as_str(), "FLOAT" | "DOUBLE" | "REAL" | "BOOLEAN")
    {
        format!("({expr})::varchar")
    } else {
        format!("'\"' || replace(replace(({expr})::varchar, '\\', '\\\\'), '\"', '\\\"') || '\"'")
    };
    format!("coalesce({text}, 'null')")
}

/// `a INTEGER, b STRUCT(c VARCHAR, d INTEGER)` split at its top-level commas.
fn split_top_level(text: &str) -> Vec<String> {
    let (mut parts, mut current, mut depth) = (Vec::new(), String::new(), 0i32);
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts
}

/// `[DB.]INFORMATION_SCHEMA.COLUMNS` as Snowflake shows it: upper-case
/// names (unquoted identifiers), Snowflake's type names and numbers.
fn snowflake_catalog(sql: &str) -> String {
    let lower = sql.to_ascii_lowercase();
    let Some(at) = lower.find("information_schema.columns") else {
        return sql.to_string();
    };
    // A database prefix (`ANALYTICS.` or `"ANALYTICS".`) is the one DuckDB database.
    let before = &sql[..at];
    let start = before
        .trim_end_matches('.')
        .rfind(|c: char| c.is_whitespace() || c == ',' || c == '(')
        .map_or(0, |i| i + 1);
    let start = if before.ends_with('.') { start } else { at };
    let view = "(SELECT upper(table_catalog) AS TABLE_CATALOG, upper(table_schema) AS TABLE_SCHEMA,
        upper(table_name) AS TABLE_NAME, upper(column_name) AS COLUMN_NAME, ordinal_position AS ORDINAL_POSITION,
        CASE WHEN data_type IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT','UTINYINT','USMALLINT','UINTEGER','UBIGINT') OR data_type LIKE 'DECIMAL%' THEN 'NUMBER'
             WHEN data_type IN ('FLOAT','DOUBLE','REAL') THEN 'FLOAT'
             WHEN data_type = 'BOOLEAN' THEN 'BOOLEAN'
             WHEN data_type = 'DATE' THEN 'DATE'
             WHEN data_type = 'TIME' THEN 'TIME'
             WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP_TZ'
             WHEN data_type LIKE 'TIMESTAMP%' THEN 'TIMESTAMP_NTZ'
             WHEN data_type LIKE '%[]' THEN 'ARRAY'
             WHEN data_type LIKE 'STRUCT%' OR data_type LIKE 'MAP%' THEN 'OBJECT'
             WHEN data_type = 'JSON' THEN 'VARIANT'
             WHEN data_type = 'BLOB' THEN 'BINARY'
             ELSE 'TEXT' END AS DATA_TYPE,
        CASE WHEN data_type LIKE 'DECIMAL%' THEN numeric_precision WHEN data_type LIKE '%INT%' AND data_type NOT LIKE '%[]' THEN 38 END AS NUMERIC_PRECISION,
        CASE WHEN data_type LIKE 'DECIMAL%' THEN numeric_scale WHEN data_type LIKE '%INT%' AND data_type NOT LIKE '%[]' THEN 0 END AS NUMERIC_SCALE,
        CASE WHEN data_type = 'VARCHAR' THEN 16777216 END AS CHARACTER_MAXIMUM_LENGTH
        FROM information_schema.columns)";
    format!(
        "{}{view}{}",
        &sql[..start],
        &sql[at + "information_schema.columns".len()..]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn information_schema_reads_as_snowflake_s() {
        let sql = "SELECT COLUMN_NAME FROM ANALYTICS.INFORMATION_SCHEMA.COLUMNS WHERE 1 = 1";
        let rewritten = super::snowflake_catalog(sql);
        assert!(rewritten.starts_with("SELECT COLUMN_NAME FROM (SELECT upper"));
        assert!(rewritten.ends_with(") WHERE 1 = 1"));
        assert_eq!(super::snowflake_name("order_id"), "ORDER_ID");
        assert_eq!(super::snowflake_name("Mixed"), "Mixed");
        assert_eq!(super::statement_count("select 1; -- done; really\n"), 1);
        assert_eq!(super::statement_count("select ';' as s;"), 1);
        assert_eq!(super::statement_count("select 1; select 2"), 2);
    }
}

/// A key pair for Snowflake's key-pair auth, made with the `openssl` command
/// line: the private key as PKCS#8 PEM, the same encrypted with `passphrase`,
/// and the public key's PEM to register with [`FakeSnowflake`].
pub struct TestKeys {
    pub private_key: std::path::PathBuf,
    pub encrypted_key: std::path::PathBuf,
    pub passphrase: String,
    pub public_pem: String,
}

impl TestKeys {
    /// Keys in `dir`; `None` (said on stderr) when `openssl` is not installed.
    pub fn generate(dir: &std::path::Path) -> Option<TestKeys> {
        std::fs::create_dir_all(dir).ok()?;
        let openssl = |args: &[&str]| {
            std::process::Command::new("openssl")
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
        };
        let private_key = dir.join("rsa_key.p8");
        let encrypted_key = dir.join("rsa_key_encrypted.p8");
        let public_key = dir.join("rsa_key.pub");
        let passphrase = "correct horse battery staple 42".to_string();
        let made = openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            private_key.to_str()?,
        ])
        .and_then(|_| {
            openssl(&[
                "pkcs8",
                "-topk8",
                "-v2",
                "aes-256-cbc",
                "-in",
                private_key.to_str()?,
                "-out",
                encrypted_key.to_str()?,
                "-passout",
                &format!("pass:{passphrase}"),
            ])
        })
        .and_then(|_| {
            openssl(&[
                "pkey",
                "-in",
                private_key.to_str()?,
                "-pubout",
                "-out",
                public_key.to_str()?,
            ])
        });
        if made.is_none() {
            eprintln!("SKIPPED: the `openssl` command is needed to make test keys");
            return None;
        }
        Some(TestKeys {
            private_key,
            encrypted_key,
            passphrase,
            public_pem: std::fs::read_to_string(public_key).ok()?,
        })
    }
}

/// Whether `text` holds a JWT or a piece of one: a word of `eyJ` (a JSON
/// object in base64url) and two more parts after dots, or a JWT header's
/// start (`{"alg"`, `{"typ"`). A key's fingerprint may hold `eyJ` by
/// chance, which is no leak.
pub fn contains_jwt(text: &str) -> bool {
    text.contains("eyJhbGci")
        || text.contains("eyJ0eXAi")
        || text
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .any(|word| word.starts_with("eyJ") && word.matches('.').count() >= 2)
}

#[cfg(test)]
mod jwt_tests {
    use super::contains_jwt;

    #[test]
    fn a_jwt_is_found_and_a_fingerprint_is_not_one() {
        assert!(contains_jwt(
            "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"
        ));
        assert!(contains_jwt("token eyJhbGciOiJSUzI1NiJ9"));
        assert!(!contains_jwt(
            "key pair SHA256:XjHv8uGJeyJ7jSCmsPbi5l6/EhTFv47zohZ2lA2hh2Y="
        ));
    }
}
