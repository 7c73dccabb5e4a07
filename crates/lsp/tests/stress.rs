//! The language server under a client that types fast, over stdio, on a
//! generated project of 10,000 models (`LOUPE_STRESS_MODELS` to change it):
//! thousands of edits interleaved with completions, hovers, cancellations
//! and gem runs, sent without waiting for answers.
//!
//! Bounds checked: every request is answered within `MAX_WAIT` (a debug
//! build on 2 cores); the server's resident memory after the burst is at
//! most 1.5 times what it was after the first quarter of it; and once the
//! typing stops, the diagnostics the server published equal a fresh
//! `loupe check` of the same files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const MAX_WAIT: Duration = Duration::from_secs(20);

/// A project of `n` models: a few base models on a seed, then models that
/// join two earlier ones through CTE gems, some with Jinja loops.
fn generate(root: &Path, n: usize) {
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root.join("models")).unwrap();
    std::fs::create_dir_all(root.join("seeds")).unwrap();
    std::fs::write(
        root.join("dbt_project.yml"),
        "name: stress\nprofile: stress\n",
    )
    .unwrap();
    std::fs::write(
        root.join("seeds/raw.csv"),
        "id,amount,label\n1,2.5,a\n2,3.5,b\n",
    )
    .unwrap();
    for i in 0..n {
        let sql = if i < 10 {
            format!(
                "select id, amount * {i} as amount, label as label_{i}\nfrom {{{{ ref('raw') }}}}\n"
            )
        } else {
            let (a, b) = ((i * 7 + 3) % i, (i * 13 + 5) % i);
            let loop_columns = if i % 5 == 0 {
                "{% for k in range(3) %}, amount + {{ k }} as amount_{{ k }}{% endfor %}"
            } else {
                ""
            };
            format!(
                "with left_side as (\n    select id, amount from {{{{ ref('m{a}') }}}}\n),\n\
                 right_side as (\n    select id, amount as other from {{{{ ref('m{b}') }}}}\n),\n\
                 joined as (\n    select l.id, l.amount, r.other\n    from left_side l\n    join right_side r on l.id = r.id\n)\n\
                 select id, sum(amount) as amount, max(other) as other{loop_columns}\nfrom joined\ngroup by id\n"
            )
        };
        std::fs::write(root.join(format!("models/m{i}.sql")), sql).unwrap();
    }
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
    next_id: u64,
    sent: HashMap<u64, (String, Instant)>,
    waits: Vec<(String, Duration)>,
    diagnostics: BTreeMap<String, Value>,
    /// Work-done progress as it came: (token, kind).
    progress: Vec<(String, String)>,
}

impl Server {
    fn start(root: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_loupe"))
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            if stdout.read_exact(&mut body).is_err() {
                return;
            }
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        Server {
            child,
            stdin,
            messages,
            next_id: 1,
            sent: HashMap::new(),
            waits: Vec::new(),
            diagnostics: BTreeMap::new(),
            progress: Vec::new(),
        }
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_string(&message).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.sent.insert(id, (method.to_string(), Instant::now()));
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Handles what arrived, waiting at most `wait` for the first message.
    fn pump(&mut self, wait: Duration) -> bool {
        let first = match self.messages.recv_timeout(wait) {
            Ok(m) => m,
            Err(_) => return false,
        };
        let mut next = Some(first);
        while let Some(message) = next {
            self.handle(message);
            next = self.messages.try_recv().ok();
        }
        true
    }

    fn handle(&mut self, message: Value) {
        match (message.get("id"), message.get("method")) {
            (Some(id), None) => {
                let id = id.as_u64().unwrap();
                if let Some((method, at)) = self.sent.remove(&id) {
                    self.waits.push((method, at.elapsed()));
                }
            }
            // The server asks (progress tokens, applyEdit, configuration): say yes.
            (Some(id), Some(_)) => {
                let id = id.clone();
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
            }
            (None, Some(method)) if method == "$/progress" => {
                let token = message["params"]["token"].to_string();
                let kind = message["params"]["value"]["kind"].as_str().unwrap_or("");
                self.progress.push((token, kind.to_string()));
            }
            (None, Some(method)) if method == "textDocument/publishDiagnostics" => {
                let uri = message["params"]["uri"].as_str().unwrap().to_string();
                self.diagnostics
                    .insert(uri, message["params"]["diagnostics"].clone());
            }
            _ => {}
        }
    }

    fn resident_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

#[test]
fn a_fast_typist_on_ten_thousand_models_gets_bounded_answers_and_true_diagnostics() {
    let models: usize = std::env::var("LOUPE_STRESS_MODELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let root = std::env::temp_dir().join(format!("loupe-stress-{}", std::process::id()));
    generate(&root, models);
    let root = root.canonicalize().unwrap();
    let mut server = Server::start(&root);
    let started = Instant::now();
    let root_uri = uri_of(&root);
    server.request(
        "initialize",
        json!({"processId": null, "rootUri": root_uri,
               "capabilities": {"window": {"workDoneProgress": true}},
               "workspaceFolders": [{"uri": root_uri, "name": "stress"}]}),
    );
    while !server.sent.is_empty() {
        assert!(
            server.pump(Duration::from_secs(600)),
            "no answer to initialize"
        );
    }
    server.notify("initialized", json!({}));
    while server.diagnostics.is_empty() {
        assert!(
            server.pump(Duration::from_secs(600)),
            "no diagnostics at all"
        );
    }
    eprintln!("first diagnostics {:?} after start", started.elapsed());

    // Five open files, edited in turn by a deterministic "typist".
    let open: Vec<PathBuf> = [11, 500, models / 2, models - 2, models - 1]
        .iter()
        .map(|i| root.join(format!("models/m{}.sql", i.min(&(models - 1)))))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut texts: Vec<String> = open
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let mut versions = vec![1i64; open.len()];
    for (path, text) in open.iter().zip(&texts) {
        server.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri_of(path), "languageId": "sql", "version": 1, "text": text}}),
        );
    }
    let mut seed: u64 = 0x10c;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let operations = 3_000;
    let mut memory_after_warmup = 0;
    for step in 0..operations {
        let which = next() % open.len();
        let uri = uri_of(&open[which]);
        let text = &mut texts[which];
        // The cursor: in the final select list.
        let at = text.rfind("\nfrom").unwrap_or(text.len());
        let line = text[..at].matches('\n').count();
        let character = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
        let position = json!({"line": line, "character": character});
        match next() % 10 {
            // Typing a column and taking it back: most of what a typist sends.
            0..=4 => {
                let snippet =
                    [", amount", ", other", ", id + 1 as x", ", nosuch", ", "][next() % 5];
                if step % 2 == 0 || !text.contains("/*t*/") {
                    text.insert_str(at, &format!("{snippet}/*t*/"));
                } else if let Some(start) = text.rfind(", ") {
                    if let Some(end) = text[start..].find("/*t*/") {
                        text.replace_range(start..start + end + 5, "");
                    }
                }
                versions[which] += 1;
                server.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri, "version": versions[which]},
                           "contentChanges": [{"text": text.clone()}]}),
                );
            }
            5 | 6 => {
                server.request(
                    "textDocument/completion",
                    json!({"textDocument": {"uri": uri}, "position": position}),
                );
            }
            7 => {
                server.request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 12}}),
                );
            }
            // A completion the typist no longer wants.
            8 => {
                let id = server.request(
                    "textDocument/completion",
                    json!({"textDocument": {"uri": uri}, "position": position}),
                );
                server.notify("$/cancelRequest", json!({"id": id}));
            }
            // A run of a gem whose upstream is small, now and then.
            _ if step % 100 == 9 => {
                let id = server.request(
                    "loupe/runGem",
                    json!({"uri": uri_of(&open[0]), "gem": "joined", "limit": 5}),
                );
                if next() % 2 == 0 {
                    server.notify("$/cancelRequest", json!({"id": id}));
                }
            }
            _ => {
                server.request(
                    "textDocument/documentSymbol",
                    json!({"textDocument": {"uri": uri}}),
                );
            }
        }
        // A fast typist: a few milliseconds between keys.
        server.pump(Duration::from_millis(2));
        if step == operations / 4 {
            memory_after_warmup = server.resident_kib();
        }
    }
    // Every request answered, each within the bound.
    let deadline = Instant::now() + MAX_WAIT * 2;
    while !server.sent.is_empty() && Instant::now() < deadline {
        server.pump(Duration::from_millis(100));
    }
    assert!(
        server.sent.is_empty(),
        "unanswered: {:?}",
        server.sent.values().map(|(m, _)| m).collect::<Vec<_>>()
    );
    let mut by_method: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for (method, wait) in &server.waits {
        by_method.entry(method).or_default().push(*wait);
    }
    for (method, waits) in &mut by_method {
        waits.sort();
        let p95 = waits[waits.len() * 95 / 100];
        eprintln!(
            "{method}: {} answered, p95 {:?}, max {:?}",
            waits.len(),
            p95,
            waits.last().unwrap()
        );
        assert!(
            *waits.last().unwrap() <= MAX_WAIT,
            "{method} waited {:?}",
            waits.last()
        );
    }
    let memory_after = server.resident_kib();
    eprintln!(
        "resident memory: {memory_after_warmup} KiB after a quarter, {memory_after} KiB after all"
    );
    assert!(
        memory_after <= memory_after_warmup * 3 / 2,
        "memory grew from {memory_after_warmup} KiB to {memory_after} KiB"
    );

    // The typing stops on an unknown column; the files are saved as they are.
    let last = texts[0].rfind("\nfrom").unwrap();
    texts[0].insert_str(last, ", nosuch");
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri_of(&open[0]), "version": versions[0] + 1},
               "contentChanges": [{"text": texts[0].clone()}]}),
    );
    for (path, text) in open.iter().zip(&texts) {
        std::fs::write(path, text).unwrap();
    }
    let check = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["check", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap();
    let fresh: Value = serde_json::from_slice(&check.stdout).unwrap();
    let mut want: BTreeSet<(String, String, u64)> = BTreeSet::new();
    for d in fresh.as_array().unwrap() {
        want.insert((
            uri_of(&root.join(d["file"].as_str().unwrap())),
            d["code"].as_str().unwrap().to_string(),
            d["line"].as_u64().unwrap() - 1,
        ));
    }
    let published = |server: &Server| {
        let mut got: BTreeSet<(String, String, u64)> = BTreeSet::new();
        for (uri, diagnostics) in &server.diagnostics {
            for d in diagnostics.as_array().unwrap() {
                got.insert((
                    uri.clone(),
                    d["code"].as_str().unwrap_or_default().to_string(),
                    d["range"]["start"]["line"].as_u64().unwrap(),
                ));
            }
        }
        got
    };
    // The last whole-project pass publishes when it ends: wait for it, within a bound.
    let settle_deadline = Instant::now() + Duration::from_secs(600);
    while published(&server) != want && Instant::now() < settle_deadline {
        server.pump(Duration::from_millis(200));
    }
    let got = published(&server);
    assert!(!want.is_empty(), "the typist's last `nosuch` is an error");
    assert_eq!(got, want);

    // Checking the whole project took longer than a second at the start: the
    // editor was shown progress, and every progress shown has ended.
    let ended = |server: &Server| {
        let begun = server.progress.iter().filter(|(_, k)| k == "begin").count();
        begun == server.progress.iter().filter(|(_, k)| k == "end").count()
    };
    let end_deadline = Instant::now() + Duration::from_secs(60);
    while !ended(&server) && Instant::now() < end_deadline {
        server.pump(Duration::from_millis(200));
    }
    let mut tokens: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (token, kind) in &server.progress {
        tokens.entry(token).or_default().push(kind);
    }
    eprintln!("progress shown {} times", tokens.len());
    assert!(!tokens.is_empty(), "no progress for the first check");
    for (token, kinds) in &tokens {
        assert_eq!(kinds.first(), Some(&"begin"), "{token}: {kinds:?}");
        assert_eq!(kinds.last(), Some(&"end"), "{token}: {kinds:?}");
        assert_eq!(kinds.iter().filter(|k| **k == "end").count(), 1, "{token}");
    }
    let _ = server.child.kill();
    let _ = std::fs::remove_dir_all(&root);
}
