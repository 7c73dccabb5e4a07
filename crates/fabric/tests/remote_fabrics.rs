//! Databricks (SQL warehouse, cluster) and Livy fabrics against local fakes
//! that follow the documented wire formats and run the SQL on DuckDB: rows
//! and types, chunks, faults (500/429 retries, timeouts, failed statements,
//! refused tokens), cancellation, cluster start, catalog questions.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use loupe_fabric::{Environment, Fabric, FabricConfig, FabricError, RemoteOptions, RunControl};
use loupe_fabric_fakes::{FakeDatabricks, FakeLivy, SqlEngine};
use serde_json::json;

const QUERY: &str = "select customer, count(*) as orders, sum(amount) as total
    from shop.orders group by customer order by customer";

fn engine() -> SqlEngine {
    SqlEngine::with_shop()
}

fn fast() -> RemoteOptions {
    RemoteOptions {
        timeout: Duration::from_secs(20),
        start_timeout: Duration::from_secs(20),
        poll_initial: Duration::from_millis(10),
        poll_max: Duration::from_millis(40),
        attempts: 4,
        backoff: Duration::from_millis(20),
    }
}

fn config(value: serde_json::Value) -> FabricConfig {
    serde_json::from_value(value).unwrap()
}

fn warehouse(fake: &FakeDatabricks, options: RemoteOptions) -> Fabric {
    let config = config(
        json!({"kind": "databricks", "host": fake.url, "warehouse_id": fake.warehouse_id()}),
    );
    let env = Environment::with(&[("DATABRICKS_TOKEN", fake.personal_token())]);
    Fabric::connect_with(&config, std::path::Path::new("."), &env, options).unwrap()
}

fn cluster(fake: &FakeDatabricks) -> Fabric {
    let config =
        config(json!({"kind": "databricks", "host": fake.url, "cluster_id": fake.cluster_id()}));
    let env = Environment::with(&[("DATABRICKS_TOKEN", fake.personal_token())]);
    Fabric::connect_with(&config, std::path::Path::new("."), &env, fast()).unwrap()
}

fn livy(fake: &FakeLivy, options: RemoteOptions) -> Fabric {
    let config = config(json!({"kind": "livy", "url": fake.url}));
    Fabric::connect_with(
        &config,
        std::path::Path::new("."),
        &Environment::default(),
        options,
    )
    .unwrap()
}

/// A control that remembers its progress messages.
fn recording() -> (RunControl, Arc<Mutex<Vec<String>>>) {
    let messages = Arc::new(Mutex::new(Vec::new()));
    let sink = messages.clone();
    (
        RunControl::new(move |m| sink.lock().unwrap().push(m.to_string())),
        messages,
    )
}

/// Whether a fake was sent a statement's cancel.
fn asked_to_cancel(requests: &[String]) -> bool {
    requests
        .iter()
        .any(|r| r.starts_with("POST") && r.ends_with("/cancel"))
}

/// A control that cancels its run 200 ms from now, from another thread.
fn cancelled_soon() -> RunControl {
    let control = RunControl::default();
    let canceller = control.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        canceller.cancel();
    });
    control
}

/// What DuckDB itself returns for `sql`: the rows every fabric must match.
fn truth(engine: &SqlEngine, sql: &str) -> Vec<Vec<Option<String>>> {
    engine.execute(sql).unwrap().rows
}

#[test]
fn warehouse_rows_types_and_chunks_match_the_engine() {
    let fake = FakeDatabricks::start(engine());
    fake.set_chunk_rows(2);
    let fabric = warehouse(&fake, fast());
    let all = fabric
        .run(
            "select * from shop.orders order by order_id",
            100,
            &RunControl::default(),
        )
        .unwrap();
    assert_eq!(
        all.columns,
        [
            ("order_id", "BIGINT"),
            ("customer", "STRING"),
            ("amount", "DOUBLE"),
            ("ordered_on", "DATE"),
            ("paid", "BOOLEAN")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        all.rows,
        truth(&fake.engine, "select * from shop.orders order by order_id")
    );
    assert_eq!((all.truncated, all.row_count), (false, Some(7)));
    // Seven rows in chunks of two: the client followed next_chunk_index three times.
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.contains("/result/chunks/"))
            .count(),
        3
    );

    let some = fabric
        .run(
            "select * from shop.orders order by order_id",
            3,
            &RunControl::default(),
        )
        .unwrap();
    assert_eq!(some.rows, all.rows[..3]);
    assert!(some.truncated && some.row_count.is_none());

    let grouped = fabric.run(QUERY, 100, &RunControl::default()).unwrap();
    assert_eq!(grouped.rows, truth(&fake.engine, QUERY));
}

#[test]
fn a_failed_statement_brings_the_engine_message() {
    let fake = FakeDatabricks::start(engine());
    let error = warehouse(&fake, fast())
        .run(
            "select no_such_column from shop.orders",
            10,
            &RunControl::default(),
        )
        .unwrap_err();
    assert!(
        matches!(&error, FabricError::Query(m) if m.contains("no_such_column")),
        "{error}"
    );
}

#[test]
fn server_errors_and_throttling_are_retried() {
    let fake = FakeDatabricks::start(engine());
    fake.faults.fail_next(500, None, "Internal error");
    fake.faults.fail_next(429, Some(1), "Too many requests");
    let (control, progress) = recording();
    let started = Instant::now();
    let result = warehouse(&fake, fast()).run(QUERY, 10, &control).unwrap();
    assert_eq!(result.rows, truth(&fake.engine, QUERY));
    assert_eq!(fake.count("POST /api/2.0/sql/statements"), 3);
    // Retry-After: 1 was honoured.
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        progress
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.contains("HTTP 429") && m.contains("trying again")),
        "{progress:?}"
    );

    for _ in 0..4 {
        fake.faults.fail_next(503, None, "Service unavailable");
    }
    let error = warehouse(&fake, fast())
        .run(QUERY, 10, &RunControl::default())
        .unwrap_err();
    assert!(
        matches!(&error, FabricError::Unavailable(m) if m.contains("HTTP 503") && m.contains("4 tries")),
        "{error}"
    );
}

#[test]
fn a_slow_statement_times_out_and_is_cancelled_on_the_warehouse() {
    let fake = FakeDatabricks::start(engine());
    fake.faults.slow_statements(Duration::from_secs(5));
    let options = RemoteOptions {
        timeout: Duration::from_millis(300),
        ..fast()
    };
    let started = Instant::now();
    let error = warehouse(&fake, options)
        .run(QUERY, 10, &RunControl::default())
        .unwrap_err();
    assert!(
        matches!(&error, FabricError::TimedOut(m) if m.contains("cancelled")),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(asked_to_cancel(&fake.requests()));
}

#[test]
fn cancelling_mid_run_cancels_the_statement() {
    let fake = FakeDatabricks::start(engine());
    fake.faults.slow_statements(Duration::from_secs(10));
    let fabric = warehouse(&fake, fast());
    let control = cancelled_soon();
    let started = Instant::now();
    let error = fabric.run(QUERY, 10, &control).unwrap_err();
    assert_eq!(error, FabricError::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(asked_to_cancel(&fake.requests()));
}

#[test]
fn a_refused_token_is_reported_without_the_token() {
    let fake = FakeDatabricks::start(engine());
    fake.revoke_personal_token();
    let error = warehouse(&fake, fast())
        .run(QUERY, 10, &RunControl::default())
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, FabricError::Unauthorized(_)), "{text}");
    assert!(text.contains("expired or revoked"), "{text}");
    // The fake echoes the token it refused; the client must not repeat it.
    assert!(!text.contains(fake.personal_token()), "{text}");
    assert!(text.contains("***"), "{text}");
}

#[test]
fn oauth_client_credentials_buy_a_token_and_a_new_one_after_expiry() {
    let fake = FakeDatabricks::start(engine());
    let (id, secret) = fake.client_credentials();
    let env = Environment::with(&[
        ("DATABRICKS_CLIENT_ID", id),
        ("DATABRICKS_CLIENT_SECRET", secret),
    ]);
    let config = config(
        json!({"kind": "databricks", "host": fake.url, "warehouse_id": fake.warehouse_id()}),
    );
    let fabric = Fabric::connect_with(&config, std::path::Path::new("."), &env, fast()).unwrap();
    assert_eq!(
        fabric.run(QUERY, 10, &RunControl::default()).unwrap().rows,
        truth(&fake.engine, QUERY)
    );
    assert_eq!(fake.count("POST /oidc/v1/token"), 1);
    fabric.run(QUERY, 10, &RunControl::default()).unwrap();
    assert_eq!(fake.count("POST /oidc/v1/token"), 1, "the token is cached");
    fake.expire_oauth_tokens();
    fabric.run(QUERY, 10, &RunControl::default()).unwrap();
    assert_eq!(
        fake.count("POST /oidc/v1/token"),
        2,
        "a refused token is replaced once"
    );

    let wrong = Environment::with(&[
        ("DATABRICKS_CLIENT_ID", id),
        ("DATABRICKS_CLIENT_SECRET", "wrong-secret"),
    ]);
    let error = Fabric::connect_with(&config, std::path::Path::new("."), &wrong, fast())
        .unwrap()
        .run(QUERY, 10, &RunControl::default())
        .unwrap_err();
    assert!(
        matches!(&error, FabricError::Unauthorized(m) if m.contains("invalid_client")),
        "{error}"
    );
    assert!(!error.to_string().contains("wrong-secret"));
}

#[test]
fn a_terminated_cluster_starts_then_runs_in_one_reused_context() {
    let fake = FakeDatabricks::start(engine());
    fake.terminate_cluster(3);
    let fabric = cluster(&fake);
    let (control, progress) = recording();
    let result = fabric.run(QUERY, 100, &control).unwrap();
    assert_eq!(result.rows, truth(&fake.engine, QUERY));
    assert_eq!(
        result.columns,
        [
            ("customer", "STRING"),
            ("orders", "BIGINT"),
            ("total", "DOUBLE")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let progress = progress.lock().unwrap().clone();
    let position = |needle: &str| progress.iter().position(|m| m.contains(needle));
    assert!(
        position("starting cluster") < position("is pending"),
        "{progress:?}"
    );
    assert!(position("is pending").is_some(), "{progress:?}");
    assert_eq!(fake.count("POST /api/2.1/clusters/start"), 1);

    let limited = fabric
        .run(
            "select * from shop.orders order by order_id",
            2,
            &RunControl::default(),
        )
        .unwrap();
    assert_eq!(limited.rows.len(), 2);
    assert!(limited.truncated);
    assert_eq!(
        fake.count("POST /api/1.2/contexts/create"),
        1,
        "the context is reused"
    );
    // A restart loses the context: the next run starts the cluster and makes a new one.
    fake.terminate_cluster(1);
    assert_eq!(
        fabric.run(QUERY, 100, &RunControl::default()).unwrap().rows,
        truth(&fake.engine, QUERY)
    );
    assert_eq!(fake.count("POST /api/1.2/contexts/create"), 2);

    let error = fabric
        .run("select nope from shop.orders", 10, &RunControl::default())
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("AnalysisException") && message.contains("nope"),
        "{message}"
    );
    assert!(!message.contains("<span"), "{message}");

    fake.faults.slow_statements(Duration::from_secs(10));
    let control = cancelled_soon();
    assert_eq!(
        fabric.run(QUERY, 10, &control).unwrap_err(),
        FabricError::Cancelled
    );
    assert_eq!(fake.count("POST /api/1.2/commands/cancel"), 1);

    fabric.close();
    assert_eq!(fake.count("POST /api/1.2/contexts/destroy"), 1);
}

#[test]
fn livy_sessions_start_run_sql_and_end() {
    let fake = FakeLivy::start(engine(), 3);
    let fabric = livy(&fake, fast());
    let (control, progress) = recording();
    let result = fabric.run(QUERY, 100, &control).unwrap();
    assert_eq!(result.rows, truth(&fake.engine, QUERY));
    assert_eq!(
        result.columns[1],
        ("orders".to_string(), "BIGINT".to_string())
    );
    assert!(
        progress
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.contains("is starting")),
        "{progress:?}"
    );

    let error = fabric
        .run("select nope from shop.orders", 10, &RunControl::default())
        .unwrap_err();
    assert!(
        matches!(&error, FabricError::Query(m) if m.contains("AnalysisException") && m.contains("nope")),
        "{error}"
    );

    fake.faults.slow_statements(Duration::from_secs(10));
    let control = cancelled_soon();
    assert_eq!(
        fabric.run(QUERY, 10, &control).unwrap_err(),
        FabricError::Cancelled
    );
    assert!(asked_to_cancel(&fake.requests()));
    fake.faults.slow_statements(Duration::ZERO);

    // A session that died is replaced.
    fake.kill_sessions();
    assert_eq!(
        fabric.run(QUERY, 10, &RunControl::default()).unwrap().rows,
        truth(&fake.engine, QUERY)
    );
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| *r == "POST /sessions")
            .count(),
        2
    );
    fabric.close();
    assert!(fake.session_names().is_empty());
}

#[test]
fn every_remote_fabric_describes_tables() {
    let expected: Vec<(String, String)> = [
        ("order_id", "BIGINT"),
        ("customer", "STRING"),
        ("amount", "DOUBLE"),
        ("ordered_on", "DATE"),
        ("paid", "BOOLEAN"),
    ]
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .to_vec();
    let fake = FakeDatabricks::start(engine());
    let control = RunControl::default();
    let warehouse = warehouse(&fake, fast());
    assert_eq!(
        warehouse
            .describe_table(&["main", "shop", "orders"], &control)
            .unwrap(),
        expected
    );
    assert_eq!(
        fake.count("GET /api/2.1/unity-catalog/tables/main.shop.orders"),
        1
    );
    assert_eq!(
        warehouse
            .describe_table(&["shop", "orders"], &control)
            .unwrap(),
        expected
    );
    assert_eq!(
        cluster(&fake)
            .describe_table(&["shop", "orders"], &control)
            .unwrap(),
        expected
    );
    let livy_fake = FakeLivy::start(engine(), 0);
    assert_eq!(
        livy(&livy_fake, fast())
            .describe_table(&["shop", "orders"], &control)
            .unwrap(),
        expected
    );
    // A query's columns, without running it (DESCRIBE QUERY).
    let query_columns = [
        ("customer", "STRING"),
        ("orders", "BIGINT"),
        ("total", "DOUBLE"),
    ]
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .to_vec();
    assert_eq!(
        warehouse.describe_query(QUERY, &control).unwrap(),
        query_columns
    );
    assert_eq!(
        cluster(&fake).describe_query(QUERY, &control).unwrap(),
        query_columns
    );
    assert_eq!(
        livy(&livy_fake, fast())
            .describe_query(QUERY, &control)
            .unwrap(),
        query_columns
    );
    let missing = warehouse
        .describe_table(&["main", "shop", "nope"], &control)
        .unwrap_err();
    assert!(missing.to_string().contains("does not exist"), "{missing}");
}

#[test]
fn a_call_that_creates_is_sent_again_only_when_the_server_did_no_work() {
    let fake = FakeLivy::start(engine(), 0);
    let fabric = livy(&fake, fast());
    let sessions_created = || {
        fake.requests()
            .iter()
            .filter(|r| *r == "POST /sessions")
            .count()
    };
    // 500: the session may exist already; a second one would leak.
    fake.faults.fail_next(500, None, "Internal error");
    let error = fabric.run(QUERY, 10, &RunControl::default()).unwrap_err();
    assert!(
        matches!(&error, FabricError::Unavailable(m) if m.contains("HTTP 500")),
        "{error}"
    );
    assert_eq!(sessions_created(), 1);
    // 503: the server refused before doing anything; trying again is safe.
    fake.faults.fail_next(503, None, "Service unavailable");
    let rows = fabric.run(QUERY, 10, &RunControl::default()).unwrap().rows;
    assert_eq!(rows, truth(&fake.engine, QUERY));
    assert_eq!(sessions_created(), 3);
    fabric.close();
}

/// Seeds on the Spark engines' wire formats (a warehouse's statements, a
/// cluster's commands, Livy's `sql` statements): a missing seed table is made
/// from its CSV with the seed's types, once per client; a table already there
/// is left as it is; a CSV that changes is loaded again.
#[test]
fn spark_engines_make_missing_seed_tables_once() {
    let dir = std::env::temp_dir().join(format!("loupe-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("raw_people.csv");
    std::fs::write(
        &csv,
        "id,name,joined,score\n1,ann,2024-01-02,1.5\n2,bob,,2.25\n",
    )
    .unwrap();
    let seed = loupe_fabric::SeedLoad {
        schema: "seeds".into(),
        table: "raw_people".into(),
        csv: csv.clone(),
        columns: [
            ("id", "INT"),
            ("name", "STRING"),
            ("joined", "DATE"),
            ("score", "DECIMAL(5,2)"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .to_vec(),
    };
    let select = "select * from seeds.raw_people order by id";
    let made = |messages: &Arc<Mutex<Vec<String>>>| {
        messages
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.starts_with("creating seed table seeds.raw_people"))
            .count()
    };
    let databricks = FakeDatabricks::start(SqlEngine::new());
    let livy_fake = FakeLivy::start(SqlEngine::new(), 0);
    type Connect<'a> = Box<dyn Fn() -> Fabric + 'a>;
    let fabrics: Vec<(&str, Connect, SqlEngine)> = vec![
        (
            "warehouse",
            Box::new(|| warehouse(&databricks, fast())),
            databricks.engine.clone(),
        ),
        (
            "cluster",
            Box::new(|| cluster(&databricks)),
            databricks.engine.clone(),
        ),
        (
            "livy",
            Box::new(|| livy(&livy_fake, fast())),
            livy_fake.engine.clone(),
        ),
    ];
    for (name, connect, engine) in fabrics {
        std::fs::write(
            &csv,
            "id,name,joined,score\n1,ann,2024-01-02,1.5\n2,bob,,2.25\n",
        )
        .unwrap();
        engine.setup("drop schema if exists seeds cascade");
        let fabric = connect();
        let (control, messages) = recording();
        fabric
            .load_seeds(std::slice::from_ref(&seed), &control)
            .unwrap();
        let rows = fabric.run(select, 10, &RunControl::default()).unwrap();
        assert_eq!(
            rows.columns,
            [
                ("id", "INT"),
                ("name", "STRING"),
                ("joined", "DATE"),
                ("score", "DECIMAL(5,2)")
            ]
            .map(|(a, b)| (a.to_string(), b.to_string())),
            "{name}"
        );
        // Decimals by value: JSON results (cluster, Livy) carry them as numbers.
        let by_value = |rows: Vec<Vec<Option<String>>>| {
            rows.into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|c| match c.as_deref().map(str::parse::<f64>) {
                            Some(Ok(n)) => Some(n.to_string()),
                            _ => c,
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            by_value(rows.rows),
            [
                [Some("1"), Some("ann"), Some("2024-01-02"), Some("1.5")],
                [Some("2"), Some("bob"), None, Some("2.25")]
            ]
            .map(|r| r.map(|c| c.map(str::to_string))),
            "{name}"
        );
        assert_eq!(made(&messages), 1, "{name}");
        // Once per client.
        fabric
            .load_seeds(std::slice::from_ref(&seed), &control)
            .unwrap();
        assert_eq!(made(&messages), 1, "{name}");
        assert_eq!(fabric.run(select, 10, &control).unwrap().rows.len(), 2);
        // The CSV changed: the client that made the table makes it again.
        std::fs::write(
            &csv,
            "id,name,joined,score\n1,ann,2024-01-02,1.5\n2,bob,,2.25\n3,cy,2024-03-04,0\n",
        )
        .unwrap();
        fabric
            .load_seeds(std::slice::from_ref(&seed), &control)
            .unwrap();
        assert_eq!(made(&messages), 2, "{name}");
        assert_eq!(fabric.run(select, 10, &control).unwrap().rows.len(), 3);
        // Another client finds the table there and leaves it as it is.
        let (control, messages) = recording();
        engine.setup("delete from seeds.raw_people where id > 1");
        connect()
            .load_seeds(std::slice::from_ref(&seed), &control)
            .unwrap();
        assert_eq!(made(&messages), 0, "{name}");
        assert_eq!(fabric.run(select, 10, &control).unwrap().rows.len(), 1);
    }
    // A seed whose CSV is gone says which file.
    let gone = loupe_fabric::SeedLoad {
        csv: dir.join("nope.csv"),
        table: "nope".into(),
        ..seed.clone()
    };
    let error = warehouse(&databricks, fast())
        .load_seeds(&[gone], &RunControl::default())
        .unwrap_err();
    assert!(error.to_string().contains("nope.csv"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}
