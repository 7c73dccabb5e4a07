//! What a run on a remote fabric costs beyond the query itself: the same SQL
//! on the local Databricks (SQL warehouse, cluster), Livy and Snowflake
//! stand-ins (key-pair JWT auth), with
//! the polling users get by default, against DuckDB running it directly.
//! The stand-ins answer at once, so the difference is Loupe's protocol
//! overhead (submit, polls, result parsing), not a network's. Prints p50 and p95.
//!
//! Run: `cargo bench --profile dev --workspace --all-features --bench remote_overhead`

use std::time::{Duration, Instant};

use loupe_fabric::{Environment, Fabric, FabricConfig, RemoteOptions, RunControl};
use loupe_fabric_fakes::{FakeDatabricks, FakeLivy, FakeSnowflake, SqlEngine, TestKeys};
use serde_json::json;

const ROUNDS: usize = 30;
const QUERY: &str = "select user_id, count(*) as n, sum(amount) as amount
    from bench.events group by user_id order by amount desc";

fn engine() -> SqlEngine {
    let engine = SqlEngine::new();
    engine.setup(
        "create schema bench;
         create table bench.events as
         select i as id, i % 97 as user_id, (i % 1000) + 0.5 as amount from range(20000) t(i);",
    );
    engine
}

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 95 / 100]),
    )
}

fn measure(mut run: impl FnMut()) -> (f64, f64) {
    run();
    percentiles(
        (0..ROUNDS)
            .map(|_| {
                let started = Instant::now();
                run();
                started.elapsed()
            })
            .collect(),
    )
}

fn connect(config: serde_json::Value, env: &Environment) -> Fabric {
    let config: FabricConfig = serde_json::from_value(config).unwrap();
    Fabric::connect_with(
        &config,
        std::path::Path::new("."),
        env,
        RemoteOptions::default(),
    )
    .unwrap()
}

fn main() {
    let direct = engine();
    let (p50, p95) = measure(|| {
        direct.execute(QUERY).unwrap();
    });
    println!("the query on DuckDB directly:   p50 {p50:7.1} ms  p95 {p95:7.1} ms");

    let databricks = FakeDatabricks::start(engine());
    let env = Environment::with(&[("DATABRICKS_TOKEN", databricks.personal_token())]);
    let warehouse = connect(
        json!({"kind": "databricks", "host": databricks.url, "warehouse_id": databricks.warehouse_id()}),
        &env,
    );
    let cluster = connect(
        json!({"kind": "databricks", "host": databricks.url, "cluster_id": databricks.cluster_id()}),
        &env,
    );
    let livy_server = FakeLivy::start(engine(), 0);
    let livy = connect(
        json!({"kind": "livy", "url": livy_server.url}),
        &Environment::default(),
    );
    let keys_dir = std::env::temp_dir().join(format!("loupe-bench-keys-{}", std::process::id()));
    let snowflake_server = FakeSnowflake::start(engine());
    let snowflake = TestKeys::generate(&keys_dir).map(|keys| {
        snowflake_server.register_public_key("BENCH", "LOUPE", &keys.public_pem);
        connect(
            json!({"kind": "snowflake", "url": snowflake_server.url, "account": "bench",
                   "user": "loupe", "private_key_path": keys.private_key}),
            &Environment::default(),
        )
    });
    let mut fabrics = vec![
        ("SQL warehouse (2.0)", &warehouse),
        ("cluster (1.2)", &cluster),
        ("Livy", &livy),
    ];
    if let Some(snowflake) = &snowflake {
        fabrics.push(("Snowflake (SQL API)", snowflake));
    }
    for (name, fabric) in fabrics {
        for (what, sql) in [("the query", QUERY), ("select 1", "select 1 as one")] {
            let (p50, p95) = measure(|| {
                fabric.run(sql, 100, &RunControl::default()).unwrap();
            });
            println!("{what:<9} on the {name:<19} p50 {p50:7.1} ms  p95 {p95:7.1} ms");
        }
    }
    cluster.close();
    livy.close();
}
