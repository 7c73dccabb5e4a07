//! The Spark Connect fabric against a real Spark (a local server from the
//! pyspark wheel, started once for this binary): rows, the row limit,
//! schemas without running, the catalog, cancelling, and the faults a user
//! meets (a wrong token, a bad query, the server going away mid-stream).

mod spark_server;

use std::path::Path;
use std::time::{Duration, Instant};

use loupe_fabric::{
    Environment, Fabric, FabricConfig, FabricError, FabricKind, RemoteOptions, RunControl,
};
use spark_server::{run_tests, SparkServer};

fn config(url: Option<&str>) -> FabricConfig {
    let mut config: FabricConfig = toml::from_str("kind = \"spark\"").unwrap();
    assert_eq!(config.kind, FabricKind::Spark);
    config.url = url.map(str::to_string);
    config
}

/// The fabric as a user sets it up: `url` in loupe.toml, the token in the environment.
fn fabric(server: &SparkServer) -> Fabric {
    fabric_with(server, RemoteOptions::default())
}

fn fabric_with(server: &SparkServer, options: RemoteOptions) -> Fabric {
    let env = Environment::with(&[("SPARK_CONNECT_TOKEN", &server.token)]);
    let url = format!("sc://127.0.0.1:{}/", server.port);
    Fabric::connect_with(&config(Some(&url)), Path::new("."), &env, options).unwrap()
}

/// The fabric's engine, to share between threads.
fn engine(server: &SparkServer) -> std::sync::Arc<dyn loupe_fabric::RemoteEngine> {
    match fabric(server) {
        Fabric::Remote(engine) => engine,
        _ => panic!("a Spark fabric is remote"),
    }
}

fn run(fabric: &Fabric, sql: &str) -> loupe_fabric::RunResult {
    fabric
        .run(sql, 100, &RunControl::default())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn rows_and_the_limit(server: &SparkServer) {
    let spark = fabric(server);
    assert!(spark.describe().contains("Spark Connect at 127.0.0.1"));
    let result = run(
        &spark,
        "select 1 as id, 'ann' as name, cast(2.50 as decimal(38,2)) as amount, date'2024-02-29' as day, timestamp'2024-02-29 10:30:00.5' as at, array(1, 2) as xs, cast(null as string) as nothing",
    );
    assert_eq!(
        result.columns,
        [
            ("id", "INT"),
            ("name", "STRING"),
            ("amount", "DECIMAL(38,2)"),
            ("day", "DATE"),
            ("at", "TIMESTAMP"),
            ("xs", "ARRAY<INT>"),
            ("nothing", "STRING")
        ]
        .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    assert_eq!(
        result.rows,
        [[
            Some("1"),
            Some("ann"),
            Some("2.50"),
            Some("2024-02-29"),
            Some("2024-02-29 10:30:00.500"),
            Some("[1, 2]"),
            None
        ]
        .map(|c| c.map(str::to_string))]
    );
    assert_eq!((result.truncated, result.row_count), (false, Some(1)));

    // More rows than the limit (across several Arrow batches): cut, and said so.
    let many = spark
        .run(
            "select id from range(0, 200000, 1, 4) order by id",
            7,
            &RunControl::default(),
        )
        .unwrap();
    assert_eq!(many.rows.len(), 7);
    assert!(many.truncated && many.row_count.is_none());
    assert_eq!(many.rows[6], [Some("6".to_string())]);
    let all = spark
        .run(
            "select id from range(0, 50000, 1, 4)",
            100_000,
            &RunControl::default(),
        )
        .unwrap();
    assert_eq!((all.rows.len(), all.truncated), (50_000, false));
}

fn schemas_come_from_the_analyzer_without_running(server: &SparkServer) {
    let spark = fabric(server);
    // The query would fail if it ran: the schema comes without running it.
    let columns = spark
        .describe_query(
            "select raise_error('ran') as boom, 1L + 1 as n, named_struct('a', 1, 'b', 'x') as s, map('k', 1.5d) as m",
            &RunControl::default(),
        )
        .unwrap();
    assert_eq!(
        columns,
        [
            ("boom", "VOID"),
            ("n", "BIGINT"),
            ("s", "STRUCT<a: INT, b: STRING>"),
            ("m", "MAP<STRING, DOUBLE>")
        ]
        .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    let error = spark
        .run(
            "select raise_error('ran') as boom",
            10,
            &RunControl::default(),
        )
        .unwrap_err();
    assert!(error.to_string().contains("ran"), "{error}");
}

fn the_catalog_lists_tables_and_their_columns(server: &SparkServer) {
    let spark = fabric(server);
    let control = RunControl::default();
    let engine = engine(server);
    for sql in [
        "create schema if not exists shop",
        "drop table if exists shop.orders",
        "create table shop.orders (id bigint, amount decimal(10,2), placed timestamp, tags array<string>) using parquet",
        "drop table if exists shop.customers",
        "create table shop.customers using parquet as select 1 as id, 'ann' as name",
    ] {
        engine.statement(sql, &control).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let columns = spark.describe_table(&["shop", "orders"], &control).unwrap();
    assert_eq!(
        columns,
        [
            ("id", "BIGINT"),
            ("amount", "DECIMAL(10,2)"),
            ("placed", "TIMESTAMP"),
            ("tags", "ARRAY<STRING>")
        ]
        .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    let direct = loupe_fabric::remote::spark_connect::connect(
        &config(Some(&server.url())),
        &Environment::default(),
        RemoteOptions::default(),
    )
    .unwrap();
    assert_eq!(
        direct.list_tables("shop", &control).unwrap(),
        ["customers", "orders"]
    );
    let missing = spark
        .describe_table(&["shop", "nope"], &control)
        .unwrap_err();
    assert!(
        matches!(&missing, FabricError::Query(m) if m.contains("TABLE_OR_VIEW_NOT_FOUND")),
        "{missing}"
    );
}

fn a_wrong_or_missing_token_is_refused_clearly(server: &SparkServer) {
    let wrong = "not-the-token-0123456789";
    let env = Environment::with(&[("SPARK_CONNECT_TOKEN", wrong)]);
    let url = format!("sc://127.0.0.1:{}/", server.port);
    let spark = Fabric::connect(&config(Some(&url)), Path::new("."), &env).unwrap();
    let error = spark
        .run("select 1", 1, &RunControl::default())
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, FabricError::Unauthorized(_)), "{text}");
    assert!(text.contains("Invalid authentication token"), "{text}");
    assert!(
        !text.contains(wrong) && !text.contains(&server.token),
        "{text}"
    );

    let spark =
        Fabric::connect(&config(Some(&url)), Path::new("."), &Environment::default()).unwrap();
    let error = spark
        .describe_query("select 1", &RunControl::default())
        .unwrap_err();
    assert!(matches!(error, FabricError::Unauthorized(_)), "{error}");
    assert!(
        error.to_string().contains("No authentication token"),
        "{error}"
    );
}

fn an_invalid_query_comes_back_with_sparks_message(server: &SparkServer) {
    let spark = fabric(server);
    let error = spark
        .run(
            "select nope from (select 1 as id)",
            10,
            &RunControl::default(),
        )
        .unwrap_err();
    assert!(
        matches!(&error, FabricError::Query(m) if m.contains("UNRESOLVED_COLUMN") && m.contains("nope")),
        "{error}"
    );
    let error = spark
        .run("selec 1", 10, &RunControl::default())
        .unwrap_err();
    assert!(
        matches!(&error, FabricError::Query(m) if m.contains("PARSE_SYNTAX_ERROR")),
        "{error}"
    );
    // The session survives its errors.
    assert_eq!(
        run(&spark, "select 2 as two").rows,
        [[Some("2".to_string())]]
    );
}

/// A query that keeps both cores busy for minutes.
const ENDLESS: &str =
    "select count(*) as n from range(0, 4000000000000, 1, 2) where hash(id) % 7 = 3";

fn cancelling_stops_the_query_on_spark(server: &SparkServer) {
    let spark = engine(server);
    let control = RunControl::default();
    let running = {
        let (spark, control) = (spark.clone(), control.clone());
        std::thread::spawn(move || spark.run(ENDLESS, 10, &control))
    };
    std::thread::sleep(Duration::from_secs(4));
    let busy = server.cpu_seconds();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        server.cpu_seconds() - busy > 1.0,
        "the query should keep Spark busy before the cancel"
    );
    let cancelled_at = Instant::now();
    control.cancel();
    let outcome = running.join().unwrap();
    assert_eq!(outcome.unwrap_err(), FabricError::Cancelled);
    assert!(cancelled_at.elapsed() < Duration::from_secs(5));
    // Spark stopped working on it: its CPU use falls to idle.
    std::thread::sleep(Duration::from_secs(3));
    let idle = server.cpu_seconds();
    std::thread::sleep(Duration::from_secs(3));
    let used = server.cpu_seconds() - idle;
    assert!(
        used < 0.8,
        "Spark still used {used:.2} CPU s in 3 s after the cancel"
    );
    let after = spark
        .run("select 3 as three", 1, &RunControl::default())
        .unwrap();
    assert_eq!(after.rows, [[Some("3".to_string())]]);
}

fn a_timeout_interrupts_the_query(server: &SparkServer) {
    let options = RemoteOptions {
        timeout: Duration::from_secs(3),
        ..RemoteOptions::default()
    };
    let spark = fabric_with(server, options);
    let started = Instant::now();
    let error = spark.run(ENDLESS, 10, &RunControl::default()).unwrap_err();
    assert!(matches!(error, FabricError::TimedOut(_)), "{error}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Last: it stops the server.
fn the_server_going_away_mid_stream_fails_clearly(server: &SparkServer) {
    let spark = engine(server);
    spark.run("select 1", 1, &RunControl::default()).unwrap();
    let running = {
        let spark = spark.clone();
        std::thread::spawn(move || spark.run(ENDLESS, 10, &RunControl::default()))
    };
    std::thread::sleep(Duration::from_secs(3));
    // As a crash or a lost network would: no goodbye from the server.
    let stopped_at = Instant::now();
    server.kill();
    let error = running.join().unwrap().unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, FabricError::Unavailable(_)), "{text}");
    assert!(text.contains("could not be resumed"), "{text}");
    assert!(!text.contains(&server.token), "{text}");
    assert!(stopped_at.elapsed() < Duration::from_secs(30));
    // A later call says the server cannot be reached.
    let error = spark
        .run("select 1", 1, &RunControl::default())
        .unwrap_err();
    assert!(matches!(error, FabricError::Unavailable(_)), "{error}");
}

/// A session in another zone than UTC: Spark's TIMESTAMP values (instants)
/// show as Spark itself writes them there, for a named zone and an offset;
/// TIMESTAMP_NTZ values stay as written.
fn timestamps_show_in_the_sessions_zone(server: &SparkServer) {
    let spark = engine(server);
    let control = RunControl::default();
    let query = "select timestamp_seconds(1719835200) as noon_utc, \
                 cast(timestamp_seconds(1719835200) as string) as spark_text, \
                 timestamp'2024-01-15 08:30:00' as written, \
                 timestamp_ntz'2024-01-15 08:30:00' as local, \
                 timestamp_seconds(0) as epoch, cast(timestamp_seconds(0) as string) as epoch_text";
    for (zone, noon, epoch) in [
        (
            "America/New_York",
            "2024-07-01 08:00:00",
            "1969-12-31 19:00:00",
        ),
        ("Asia/Kolkata", "2024-07-01 17:30:00", "1970-01-01 05:30:00"),
        ("+02:00", "2024-07-01 14:00:00", "1970-01-01 02:00:00"),
        ("UTC", "2024-07-01 12:00:00", "1970-01-01 00:00:00"),
    ] {
        spark
            .statement(
                &format!("SET spark.sql.session.timeZone = {zone}"),
                &control,
            )
            .unwrap();
        let result = spark.run(query, 10, &control).unwrap();
        let row: Vec<&str> = result.rows[0]
            .iter()
            .map(|c| c.as_deref().unwrap())
            .collect();
        assert_eq!(result.columns[0].1, "TIMESTAMP", "{zone}");
        assert_eq!(row[0], noon, "{zone}");
        assert_eq!(row[0], row[1], "{zone}: as Spark writes it");
        assert_eq!(row[2], "2024-01-15 08:30:00", "{zone}");
        assert_eq!(row[3], "2024-01-15 08:30:00", "{zone}");
        assert_eq!((row[4], row[5]), (epoch, epoch), "{zone}");
    }
}

fn main() {
    run_tests(
        "fabric",
        &[
            ("rows_and_the_limit", rows_and_the_limit),
            (
                "schemas_come_from_the_analyzer_without_running",
                schemas_come_from_the_analyzer_without_running,
            ),
            (
                "the_catalog_lists_tables_and_their_columns",
                the_catalog_lists_tables_and_their_columns,
            ),
            (
                "a_wrong_or_missing_token_is_refused_clearly",
                a_wrong_or_missing_token_is_refused_clearly,
            ),
            (
                "an_invalid_query_comes_back_with_sparks_message",
                an_invalid_query_comes_back_with_sparks_message,
            ),
            (
                "timestamps_show_in_the_sessions_zone",
                timestamps_show_in_the_sessions_zone,
            ),
            (
                "cancelling_stops_the_query_on_spark",
                cancelling_stops_the_query_on_spark,
            ),
            (
                "a_timeout_interrupts_the_query",
                a_timeout_interrupts_the_query,
            ),
            (
                "the_server_going_away_mid_stream_fails_clearly",
                the_server_going_away_mid_stream_fails_clearly,
            ),
        ],
    );
}
