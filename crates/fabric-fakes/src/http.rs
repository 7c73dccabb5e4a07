//! A small HTTP server for the fakes: one thread per request, a log of what
//! was asked, and faults injected ahead of the real answers.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

pub struct Response {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn json(status: u16, body: Value) -> Response {
        Response {
            status,
            body: body.to_string(),
            headers: vec![("Content-Type".into(), "application/json".into())],
        }
    }
}

/// What a fault does to a request.
enum Fault {
    /// Answered with this status (and `Retry-After`) before the handler sees it.
    Status(u16, Option<u32>, String),
    /// Handled, then the connection breaks before a readable answer.
    Break,
}

/// How an error body reads: Databricks' `{error_code, message}` by default.
pub(crate) type ErrorBody = fn(u16, &str) -> Value;

/// Faults the next requests meet before the real handler sees them.
#[derive(Clone, Default)]
pub struct Faults {
    queue: Arc<Mutex<VecDeque<Fault>>>,
    /// How long each statement waits before it runs (a slow query).
    pub(crate) delay: Arc<Mutex<Duration>>,
    pub(crate) error_body: Arc<Mutex<Option<ErrorBody>>>,
}

impl Faults {
    /// The next request is answered with `status` (and `Retry-After`, when given).
    pub fn fail_next(&self, status: u16, retry_after_seconds: Option<u32>, message: &str) {
        self.queue.lock().unwrap().push_back(Fault::Status(
            status,
            retry_after_seconds,
            message.to_string(),
        ));
    }

    /// The next request is handled (a statement it submits does run), then
    /// its connection breaks before the answer can be read.
    pub fn break_next(&self) {
        self.queue.lock().unwrap().push_back(Fault::Break);
    }

    /// Every statement from now on takes at least `delay`.
    pub fn slow_statements(&self, delay: Duration) {
        *self.delay.lock().unwrap() = delay;
    }

    pub(crate) fn statement_delay(&self) -> Duration {
        *self.delay.lock().unwrap()
    }

    fn next(&self) -> Option<Fault> {
        self.queue.lock().unwrap().pop_front()
    }

    fn status_answer(&self, status: u16, after: Option<u32>, message: &str) -> Response {
        let body = match *self.error_body.lock().unwrap() {
            Some(shape) => shape(status, message),
            None => {
                serde_json::json!({"error_code": if status == 429 { "TOO_MANY_REQUESTS" } else { "TEMPORARILY_UNAVAILABLE" }, "message": message})
            }
        };
        let mut response = Response::json(status, body);
        if let Some(after) = after {
            response
                .headers
                .push(("Retry-After".into(), after.to_string()));
        }
        response
    }
}

/// A running server: its address and the log of requests (`METHOD /path`).
pub struct Served {
    pub url: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

pub fn serve(
    faults: Faults,
    handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
) -> Served {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind a local port");
    let port = server.server_addr().to_ip().expect("an IP address").port();
    let log = Arc::new(Mutex::new(Vec::new()));
    let handler = Arc::new(handler);
    let served_log = log.clone();
    std::thread::spawn(move || {
        for mut incoming in server.incoming_requests() {
            let handler = handler.clone();
            let log = served_log.clone();
            let faults = faults.clone();
            std::thread::spawn(move || {
                let url = incoming.url().to_string();
                let (path, query) = url.split_once('?').unwrap_or((&url, ""));
                let mut body = String::new();
                let _ = incoming.as_reader().read_to_string(&mut body);
                let request = Request {
                    method: incoming.method().as_str().to_uppercase(),
                    path: path.to_string(),
                    query: query
                        .split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_string(), decode(v)))
                        .collect(),
                    headers: incoming
                        .headers()
                        .iter()
                        .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                        .collect(),
                    body,
                };
                log.lock()
                    .unwrap()
                    .push(format!("{} {}", request.method, request.path));
                let response = match faults.next() {
                    Some(Fault::Status(status, after, message)) => {
                        faults.status_answer(status, after, &message)
                    }
                    Some(Fault::Break) => {
                        handler(&request);
                        use std::io::Write;
                        let mut raw = incoming.into_writer();
                        let _ = raw.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ");
                        let _ = raw.write_all(b"garbage\r\n\r\n");
                        let _ = raw.flush();
                        return;
                    }
                    None => handler(&request),
                };
                let mut answer = tiny_http::Response::from_string(response.body)
                    .with_status_code(response.status);
                for (k, v) in response.headers {
                    answer.add_header(
                        tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap(),
                    );
                }
                let _ = incoming.respond(answer);
            });
        }
    });
    Served {
        url: format!("http://127.0.0.1:{port}"),
        log,
    }
}

fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
