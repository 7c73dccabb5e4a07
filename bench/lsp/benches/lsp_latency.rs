//! Latency over LSP on a generated project of 1,000 models: completion,
//! hover, and "edit to fresh diagnostics" for a leaf model and for the root
//! model that hundreds of models depend on. Prints p50 and p95.
//!
//! Run: `cargo bench -p loupe-bench-lsp --bench lsp_latency`
//!
//! On another project (bench/scale.sh does this at 10,000 models):
//! `LOUPE_BENCH_PROJECT=DIR LOUPE_BENCH_LEAF=models/x.sql LOUPE_BENCH_ROOT=models/y.sql
//! cargo bench -p loupe-bench-lsp --bench lsp_latency`: the leaf and root models
//! must be free of diagnostics; their last line starting with `select ` is
//! where completion, hover and the edits happen.

#[path = "../../../crates/lsp/benches/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use loupe_lsp::memory_client::Client;
use serde_json::{json, Value};
use tower_lsp_server::ls_types::Uri;

const MODELS: usize = 1000;
const DIRECT_DEPENDENTS_OF_ROOT: usize = 300;

fn generate(root: &Path) {
    common::write_events_project(root, 50, |i| i % 7, |i| i * 3);
    std::fs::write(
        root.join("models/base.sql"),
        "select id, user_id, amount, kind, created_at\nfrom {{ ref('raw_events') }}\n",
    )
    .unwrap();
    for i in 1..MODELS {
        let parent = if i <= DIRECT_DEPENDENTS_OF_ROOT {
            "base".to_string()
        } else {
            format!("m_{}", i - DIRECT_DEPENDENTS_OF_ROOT)
        };
        std::fs::write(
            root.join(format!("models/m_{i}.sql")),
            format!(
                "with src as (\n    select * from {{{{ ref('{parent}') }}}}\n),\n\nagg as (\n    select user_id, kind, sum(amount) as amount, count(*) as n,\n        max(created_at) as created_at, min(id) as id\n    from src\n    group by user_id, kind\n)\n\nselect id, user_id, amount, kind, created_at, n\nfrom agg\n"
            ),
        )
        .unwrap();
    }
}

/// The last line of `text` that starts a SELECT: the model's final one.
fn last_select_line(text: &str) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("select "))
        .last()
        .map(|(i, _)| i)
        .expect("a line starting with `select `")
}

/// An edit of the final SELECT that reads a column no relation has.
fn breaking_edit(text: &str) -> (String, String) {
    let line = text
        .lines()
        .nth(last_select_line(text))
        .unwrap()
        .to_string();
    let broken = line.replacen("select ", "select no_such_column_x, ", 1);
    (line, broken)
}

async fn open(client: &mut Client, path: &Path) -> (Uri, String) {
    let text = std::fs::read_to_string(path).unwrap();
    (client.open(path, &text).await, text)
}

/// Time from an edit to fresh diagnostics on `watched` (the edited file, or
/// one that depends on it), alternating a break and its fix `rounds` times.
async fn edit_to_diagnostics(
    client: &mut Client,
    uri: &Uri,
    watched: &Uri,
    text: &str,
    from: &str,
    to: &str,
    rounds: usize,
) -> Vec<Duration> {
    let mut samples = Vec::new();
    for round in 0..rounds {
        let broken = round % 2 == 0;
        let new_text = if broken {
            text.replacen(from, to, 1)
        } else {
            text.to_string()
        };
        let start = Instant::now();
        client
            .notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": round + 2}, "contentChanges": [{"text": new_text}]}))
            .await;
        client
            .diagnostics(watched, |d| d.is_empty() != broken)
            .await;
        samples.push(start.elapsed());
        client.notifications.clear();
    }
    samples
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let external = std::env::var_os("LOUPE_BENCH_PROJECT").map(PathBuf::from);
    let (root, leaf_file, root_file, dependent_file) = match &external {
        Some(root) => {
            let model = |var: &str| {
                std::env::var(var).unwrap_or_else(|_| panic!("{var} names a model file"))
            };
            (
                root.clone(),
                model("LOUPE_BENCH_LEAF"),
                model("LOUPE_BENCH_ROOT"),
                std::env::var("LOUPE_BENCH_DEPENDENT").ok(),
            )
        }
        None => {
            let root = std::env::temp_dir().join("loupe-bench-1000-models");
            generate(&root);
            (
                root,
                format!("models/m_{}.sql", MODELS - 1),
                "models/base.sql".to_string(),
                Some("models/m_1.sql".to_string()),
            )
        }
    };
    runtime.block_on(async {
        let start = Instant::now();
        let mut client = Client::start(&root).await;
        let (leaf, leaf_text) = open(&mut client, &root.join(&leaf_file)).await;
        client.diagnostics(&leaf, |_| true).await.len();
        println!(
            "{}: initialize and first diagnostics of the open file in {:.0} ms",
            root.display(),
            start.elapsed().as_secs_f64() * 1000.0
        );
        client.notifications.clear();

        // Completion in the final SELECT of the leaf model, after `select `.
        let line = last_select_line(&leaf_text);
        let completion_at = json!({"line": line, "character": 7});
        let mut completion = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            let r = client
                .request(
                    "textDocument/completion",
                    json!({"textDocument": {"uri": leaf}, "position": completion_at}),
                )
                .await;
            completion.push(t.elapsed());
            assert!(r.as_array().is_some_and(|a| !a.is_empty()), "{r}");
        }
        let hover_at = json!({"line": line, "character": 8});
        let mut hover = Vec::new();
        for _ in 0..200 {
            let t = Instant::now();
            let r: Value = client
                .request(
                    "textDocument/hover",
                    json!({"textDocument": {"uri": leaf}, "position": hover_at}),
                )
                .await;
            hover.push(t.elapsed());
            assert!(r["contents"]["value"].as_str().is_some());
        }
        let (from, to) = breaking_edit(&leaf_text);
        let leaf_edits =
            edit_to_diagnostics(&mut client, &leaf, &leaf, &leaf_text, &from, &to, 40).await;

        let (base, base_text) = open(&mut client, &root.join(&root_file)).await;
        client.notifications.clear();
        let (from, to) = breaking_edit(&base_text);
        let root_edits =
            edit_to_diagnostics(&mut client, &base, &base, &base_text, &from, &to, 20).await;
        let mut results = vec![
            ("completion".to_string(), completion),
            ("hover".to_string(), hover),
            (format!("edit to diagnostics, leaf {leaf_file}"), leaf_edits),
            (format!("edit to diagnostics, root {root_file}"), root_edits),
        ];
        // The root edit again, until a model that reads it (not open) is fresh:
        // only where that model's diagnostics change with the root's.
        if let Some(dependent_file) = dependent_file {
            let dependent = Uri::from_file_path(root.join(&dependent_file)).unwrap();
            let dependent_edits = edit_to_diagnostics(
                &mut client,
                &base,
                &dependent,
                &base_text,
                "select id, user_id",
                "select idd, user_id",
                20,
            )
            .await;
            results.push((
                format!("root edit to {dependent_file}'s diagnostics"),
                dependent_edits,
            ));
        }

        for (name, samples) in results {
            let n = samples.len();
            let (p50, p95) = common::percentiles(samples);
            println!("{name:<50} p50 {p50:>7.2} ms   p95 {p95:>7.2} ms   ({n} samples)");
        }
    });
}
