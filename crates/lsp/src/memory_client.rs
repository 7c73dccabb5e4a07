//! An in-memory LSP client speaking JSON-RPC to the real server, for the
//! end-to-end tests and the latency benchmark.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf,
};
use tower_lsp_server::ls_types::Uri;

pub struct Client {
    writer: WriteHalf<DuplexStream>,
    reader: BufReader<ReadHalf<DuplexStream>>,
    next_id: i64,
    pub notifications: Vec<Value>,
}

impl Client {
    /// Starts the server in memory and initializes it on the project at `root`.
    pub async fn start(root: &Path) -> Client {
        Client::start_with_options(root, Value::Null).await
    }

    /// Starts the server with the client's `initializationOptions`.
    pub async fn start_with_options(root: &Path, options: Value) -> Client {
        Client::start_with(root, options, json!({})).await
    }

    /// Starts the server with the client's `initializationOptions` and `capabilities`.
    pub async fn start_with(root: &Path, options: Value, capabilities: Value) -> Client {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_end);
        let (service, socket) = crate::service();
        tokio::spawn(
            tower_lsp_server::Server::new(server_read, server_write, socket).serve(service),
        );
        let (reader, writer) = tokio::io::split(client_end);
        let mut client = Client {
            writer,
            reader: BufReader::new(reader),
            next_id: 1,
            notifications: Vec::new(),
        };
        let root_uri = Uri::from_file_path(root).unwrap();
        let init = client
            .request("initialize", json!({"processId": null, "rootUri": root_uri, "capabilities": capabilities, "initializationOptions": options, "workspaceFolders": [{"uri": root_uri, "name": "fixture"}]}))
            .await;
        assert_eq!(init["capabilities"]["hoverProvider"], json!(true));
        client.notify("initialized", json!({})).await;
        client
    }

    pub async fn send(&mut self, message: Value) {
        let body = serde_json::to_string(&message).unwrap();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer.write_all(frame.as_bytes()).await.unwrap();
    }

    pub async fn read(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).await.unwrap();
            let line = line.trim();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await.unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), self.read())
                .await
                .expect("a reply in time");
            if message["id"] == json!(id) && message.get("method").is_none() {
                if let Some(error) = message.get("error") {
                    return json!({"error": error});
                }
                return message["result"].clone();
            }
            // The server asks too (workspace/applyEdit): an editor says yes.
            if message.get("id").is_some() && message.get("method").is_some() {
                let result = if message["method"] == "workspace/applyEdit" {
                    json!({"applied": true})
                } else {
                    Value::Null
                };
                self.send(json!({"jsonrpc": "2.0", "id": message["id"], "result": result}))
                    .await;
            }
            self.notifications.push(message);
        }
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Opens `path` with `text` as an editor would (`textDocument/didOpen`).
    pub async fn open(&mut self, path: &Path, text: &str) -> Uri {
        let uri = Uri::from_file_path(path).unwrap();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}}),
        )
        .await;
        uri
    }

    /// The markdown of a hover at `position` (`{"line", "character"}`); empty when none.
    pub async fn hover(&mut self, uri: &Uri, position: Value) -> String {
        let hover = self
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": position}),
            )
            .await;
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits (10 s at most) until a `window/showMessage` whose text holds
    /// `needle` has come; it may follow the reply it belongs to.
    pub async fn shown_message(&mut self, needle: &str) -> String {
        let text = |n: &Value| {
            (n["method"] == "window/showMessage")
                .then(|| n["params"]["message"].as_str().unwrap_or("").to_string())
                .filter(|m| m.contains(needle))
        };
        loop {
            if let Some(found) = self.notifications.iter().find_map(text) {
                return found;
            }
            let message = tokio::time::timeout(Duration::from_secs(10), self.read())
                .await
                .unwrap_or_else(|_| panic!("no message holding `{needle}`"));
            self.notifications.push(message);
        }
    }

    /// The next diagnostics published for `uri` that satisfy `want`.
    pub async fn diagnostics(
        &mut self,
        uri: &Uri,
        want: impl Fn(&Vec<Value>) -> bool,
    ) -> Vec<Value> {
        let uri = serde_json::to_value(uri).unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(i) = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics"
                    && n["params"]["uri"] == uri
                    && want(n["params"]["diagnostics"].as_array().unwrap())
            }) {
                let n = self.notifications.remove(i);
                return n["params"]["diagnostics"].as_array().unwrap().clone();
            }
            let message = tokio::time::timeout_at(deadline, self.read())
                .await
                .expect("diagnostics in time");
            self.notifications.push(message);
        }
    }
}

/// Copies a folder tree (fixture projects are copied before tests edit them).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
