//! What running a gem on the embedded DuckDB fabric costs beyond the query
//! itself, and the time to first rows: cold (new database, seeds loaded),
//! warm from the command line's code path, and over LSP (`loupe/runGem`).
//! Prints p50 and p95.
//!
//! Run: `cargo bench --profile dev --workspace --all-features --bench run_overhead`

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use loupe_analysis::model::Upstream;
use loupe_fabric::DuckDbFabric;
use loupe_lsp::memory_client::Client;
use serde_json::json;
use tower_lsp_server::ls_types::Uri;

const SEED_ROWS: usize = 20_000;
const CHAIN: usize = 5;
const ROUNDS: usize = 30;

/// A seed and a chain of models, each reading the previous one; the last
/// model has a gem `per_user` (an aggregate) and a final SELECT.
fn generate(root: &Path) {
    common::write_events_project(root, SEED_ROWS, |i| i % 97, |i| i % 1000);
    std::fs::write(
        root.join("models/step_0.sql"),
        "select * from {{ ref('raw_events') }}\n",
    )
    .unwrap();
    for i in 1..CHAIN {
        std::fs::write(
            root.join(format!("models/step_{i}.sql")),
            format!("select id, user_id, amount + 1 as amount, kind, created_at\nfrom {{{{ ref('step_{}') }}}}\nwhere id % 10 <> {i}\n", i - 1),
        )
        .unwrap();
    }
    std::fs::write(
        root.join("models/report.sql"),
        format!("with per_user as (\n    select user_id, kind, sum(amount) as amount, count(*) as n\n    from {{{{ ref('step_{}') }}}}\n    group by user_id, kind\n)\n\nselect * from per_user order by amount desc\n", CHAIN - 1),
    )
    .unwrap();
}

fn report(what: &str, samples: Vec<Duration>) -> f64 {
    let (p50, p95) = common::percentiles(samples);
    println!("{what:<52} p50 {p50:>8.2} ms   p95 {p95:>8.2} ms");
    p50
}

fn timed<T>(work: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let value = work();
    (start.elapsed(), value)
}

fn main() {
    let root = std::env::temp_dir().join("loupe-bench-run");
    generate(&root);
    let database = root.join("target/loupe.duckdb");
    let (host, file) =
        loupe_lsp::run::load_model(&root.join("models/report.sql"), Default::default()).unwrap();
    println!("{SEED_ROWS} seed rows, a chain of {CHAIN} upstream models inlined; gem `per_user` of `report`, 100 rows");

    let mut cold = Vec::new();
    for _ in 0..5 {
        let _ = std::fs::remove_file(&database);
        let (t, result) = timed(|| {
            loupe_lsp::run::run_gem(&host, file, Some("per_user"), None, Upstream::Inline, 100)
        });
        assert_eq!(result.unwrap().rows.len(), 100);
        cold.push(t);
    }
    report("first rows, cold (new database, seed loaded)", cold);

    let prepared =
        loupe_lsp::run::prepare_run(&host, file, Some("per_user"), None, Upstream::Inline).unwrap();
    let compile: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            timed(|| {
                loupe_lsp::run::prepare_run(&host, file, Some("per_user"), None, Upstream::Inline)
                    .unwrap()
            })
            .0
        })
        .collect();
    report("compile the gem (analysis warm)", compile);

    let engine = DuckDbFabric::open(Some(&database)).unwrap();
    let query: Vec<Duration> = (0..ROUNDS)
        .map(|_| timed(|| engine.run(&prepared.sql, 100).unwrap()).0)
        .collect();
    drop(engine);
    let query_p50 = report("the query itself (open database)", query);

    let warm: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            timed(|| {
                loupe_lsp::run::run_gem(&host, file, Some("per_user"), None, Upstream::Inline, 100)
                    .unwrap()
            })
            .0
        })
        .collect();
    let warm_p50 = report("first rows, warm (`loupe run` path)", warm);
    println!(
        "{:<52} p50 {:>8.2} ms",
        "overhead beyond the query",
        warm_p50 - query_p50
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = Client::start(&root).await;
        let uri = Uri::from_file_path(root.join("models/report.sql")).unwrap();
        let mut lsp = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let result = client
                .request(
                    "loupe/runGem",
                    json!({"uri": uri, "gem": "per_user", "limit": 100}),
                )
                .await;
            lsp.push(start.elapsed());
            assert_eq!(
                result["rows"].as_array().map(Vec::len),
                Some(100),
                "{result}"
            );
        }
        report("first rows over LSP (loupe/runGem round trip)", lsp);
    });
}
