//! The Snowflake fabric against a local stand-in that follows the SQL API v2
//! wire format, verifies key-pair JWTs and runs the SQL on DuckDB: rows and
//! Snowflake types, partitions, retries that never run a statement twice,
//! timeouts, cancellation, credentials from loupe.toml, the environment and
//! the dbt profile, and no secret in any message.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use loupe_fabric::{Environment, Fabric, FabricConfig, FabricError, RemoteOptions, RunControl};
use loupe_fabric_fakes::{contains_jwt, FakeSnowflake, SqlEngine, TestKeys};
use serde_json::json;

const ACCOUNT: &str = "acme-test1";
const USER: &str = "loupe_ci";
const QUERY: &str = "select customer, count(*) as orders, sum(amount) as total
    from shop.orders group by customer order by customer";

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

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loupe-snowflake-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A stand-in with the shop tables and the test user's public key.
fn account(test: &str) -> Option<(FakeSnowflake, TestKeys)> {
    let keys = TestKeys::generate(&scratch(test))?;
    let fake = FakeSnowflake::start(SqlEngine::with_shop());
    fake.register_public_key(ACCOUNT, USER, &keys.public_pem);
    Some((fake, keys))
}

fn config(value: serde_json::Value) -> FabricConfig {
    serde_json::from_value(value).unwrap()
}

/// The fabric as loupe.toml would name it, key-pair auth with `key`.
fn key_pair_fabric(
    fake: &FakeSnowflake,
    key: &Path,
    env: &Environment,
    options: RemoteOptions,
) -> Fabric {
    let config = config(
        json!({"kind": "snowflake", "url": fake.url, "account": ACCOUNT,
        "user": USER, "warehouse": "TRANSFORMING", "database": "ANALYTICS", "schema": "SHOP",
        "private_key_path": key.to_str().unwrap()}),
    );
    Fabric::connect_with(&config, Path::new("."), env, options).unwrap()
}

fn fabric(fake: &FakeSnowflake, keys: &TestKeys) -> Fabric {
    key_pair_fabric(fake, &keys.private_key, &Environment::default(), fast())
}

/// What DuckDB itself returns for `sql`: the rows the fabric must match.
fn truth(engine: &SqlEngine, sql: &str) -> Vec<Vec<Option<String>>> {
    engine.execute(sql).unwrap().rows
}

fn recording() -> (RunControl, Arc<Mutex<Vec<String>>>) {
    let messages = Arc::new(Mutex::new(Vec::new()));
    let sink = messages.clone();
    (
        RunControl::new(move |m| sink.lock().unwrap().push(m.to_string())),
        messages,
    )
}

fn cancelled_soon() -> RunControl {
    let control = RunControl::default();
    let canceller = control.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        canceller.cancel();
    });
    control
}

fn pairs(columns: &[(&str, &str)]) -> Vec<(String, String)> {
    columns
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn rows_types_and_every_partition_match_the_engine() {
    let Some((fake, keys)) = account("rows") else {
        return;
    };
    fake.set_partition_rows(2);
    let fabric = fabric(&fake, &keys);
    let all_sql = "select * from shop.orders order by order_id";
    let all = fabric.run(all_sql, 100, &RunControl::default()).unwrap();
    assert_eq!(
        all.columns,
        pairs(&[
            ("ORDER_ID", "NUMBER(38,0)"),
            ("CUSTOMER", "VARCHAR"),
            ("AMOUNT", "FLOAT"),
            ("ORDERED_ON", "DATE"),
            ("PAID", "BOOLEAN"),
        ])
    );
    // DATE travels as days since the epoch and reads back as the engine shows it.
    assert_eq!(all.rows, truth(&fake.engine, all_sql));
    assert_eq!((all.truncated, all.row_count), (false, Some(7)));
    // Seven rows in partitions of two: partitions 1, 2 and 3 were fetched.
    assert_eq!(fake.partitions_served(), 3);

    let some = fabric.run(all_sql, 3, &RunControl::default()).unwrap();
    assert_eq!(some.rows, all.rows[..3]);
    assert!(some.truncated && some.row_count.is_none());
    // Four rows (the limit and one) need two partitions, not four.
    assert_eq!(fake.partitions_served(), 4);

    let grouped = fabric.run(QUERY, 100, &RunControl::default()).unwrap();
    assert_eq!(grouped.rows, truth(&fake.engine, QUERY));

    let typed_sql =
        "select 12.50::decimal(10,2) as price, timestamp '2024-03-01 10:20:30.25' as seen_at,
        time '12:34:56' as at_time, [1, 2] as ids, {'a': 1} as attrs, 'x' as label";
    let typed = fabric.run(typed_sql, 10, &RunControl::default()).unwrap();
    assert_eq!(
        typed.columns,
        pairs(&[
            ("PRICE", "NUMBER(10,2)"),
            ("SEEN_AT", "TIMESTAMP_NTZ"),
            ("AT_TIME", "TIME"),
            ("IDS", "ARRAY"),
            ("ATTRS", "OBJECT"),
            ("LABEL", "VARCHAR"),
        ])
    );
    let duck = truth(&fake.engine, typed_sql);
    assert_eq!(typed.rows[0][..3], duck[0][..3]);
    assert_eq!(typed.rows[0][3].as_deref(), Some("[1,2]"));
    assert_eq!(typed.rows[0][4].as_deref(), Some("{\"a\":1}"));

    // A big result in many partitions arrives whole.
    fake.set_partition_rows(1000);
    let big_sql = "select range as n, 'row ' || range as label from range(25000) order by n";
    let big = fabric.run(big_sql, 30_000, &RunControl::default()).unwrap();
    assert_eq!(big.rows.len(), 25_000);
    assert_eq!(big.rows, truth(&fake.engine, big_sql));
    assert_eq!(fake.partitions_served(), 5 + 24);
}

#[test]
fn a_failed_statement_brings_snowflakes_message() {
    let Some((fake, keys)) = account("failed") else {
        return;
    };
    let error = fabric(&fake, &keys)
        .run(
            "select no_such_column from shop.orders",
            10,
            &RunControl::default(),
        )
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, FabricError::Query(_)), "{text}");
    assert!(
        text.contains("SQL compilation error")
            && text.contains("no_such_column")
            && text.contains("002003"),
        "{text}"
    );
    // Two statements in one: refused before it becomes a statement.
    let error = fabric(&fake, &keys)
        .run("select 1; select 2", 10, &RunControl::default())
        .unwrap_err();
    assert!(
        matches!(&error, FabricError::Query(m) if m.contains("statement count 2") && m.contains("000008")),
        "{error}"
    );
}

#[test]
fn throttling_and_server_errors_are_retried_and_no_statement_runs_twice() {
    let Some((fake, keys)) = account("retry") else {
        return;
    };
    let fabric = fabric(&fake, &keys);
    fake.faults.fail_next(503, None, "Service unavailable");
    fake.faults.fail_next(429, Some(1), "Too many requests");
    let (control, progress) = recording();
    let started = Instant::now();
    let rows = fabric.run(QUERY, 10, &control).unwrap().rows;
    assert_eq!(rows, truth(&fake.engine, QUERY));
    assert_eq!(fake.count("POST /api/v2/statements"), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    assert!(
        progress
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.contains("HTTP 429") && m.contains("trying again")),
        "{progress:?}"
    );
    assert_eq!(fake.executions(), 1);

    // The submit reaches Snowflake, the answer is lost: the repeat carries the
    // same requestId with retry=true, and Snowflake answers for the statement
    // it already has instead of running it again.
    fake.faults.break_next();
    let rows = fabric.run(QUERY, 10, &RunControl::default()).unwrap().rows;
    assert_eq!(rows, truth(&fake.engine, QUERY));
    assert_eq!(fake.count("POST /api/v2/statements"), 5);
    assert_eq!(fake.executions(), 2, "the statement ran once");

    for _ in 0..4 {
        fake.faults.fail_next(500, None, "Internal error");
    }
    let error = fabric.run(QUERY, 10, &RunControl::default()).unwrap_err();
    assert!(
        matches!(&error, FabricError::Unavailable(m) if m.contains("HTTP 500") && m.contains("4 tries")),
        "{error}"
    );
}

#[test]
fn a_slow_statement_hits_its_timeout_and_the_message_says_so() {
    let Some((fake, keys)) = account("timeout") else {
        return;
    };
    fake.faults.slow_statements(Duration::from_secs(30));
    let options = RemoteOptions {
        timeout: Duration::from_secs(1),
        ..fast()
    };
    let started = Instant::now();
    let error = key_pair_fabric(&fake, &keys.private_key, &Environment::default(), options)
        .run(QUERY, 10, &RunControl::default())
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, FabricError::TimedOut(_)), "{text}");
    assert!(text.contains("timeout of 1 second"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn cancelling_mid_run_cancels_the_statement_on_snowflake() {
    let Some((fake, keys)) = account("cancel") else {
        return;
    };
    fake.faults.slow_statements(Duration::from_secs(30));
    let started = Instant::now();
    let error = fabric(&fake, &keys)
        .run(QUERY, 10, &cancelled_soon())
        .unwrap_err();
    assert_eq!(error, FabricError::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.starts_with("POST /api/v2/statements/") && r.ends_with("/cancel")));
}

#[test]
fn tables_and_queries_are_described_without_fetching_rows() {
    let Some((fake, keys)) = account("describe") else {
        return;
    };
    let fabric = fabric(&fake, &keys);
    let control = RunControl::default();
    let expected = pairs(&[
        ("ORDER_ID", "NUMBER(38,0)"),
        ("CUSTOMER", "VARCHAR"),
        ("AMOUNT", "FLOAT"),
        ("ORDERED_ON", "DATE"),
        ("PAID", "BOOLEAN"),
    ]);
    assert_eq!(
        fabric
            .describe_table(&["shop", "orders"], &control)
            .unwrap(),
        expected
    );
    assert_eq!(
        fabric
            .describe_table(&["ANALYTICS", "SHOP", "ORDERS"], &control)
            .unwrap(),
        expected
    );
    assert_eq!(
        fabric.describe_query(QUERY, &control).unwrap(),
        pairs(&[
            ("CUSTOMER", "VARCHAR"),
            ("ORDERS", "NUMBER(38,0)"),
            ("TOTAL", "FLOAT")
        ])
    );
    let missing = fabric
        .describe_table(&["shop", "nope"], &control)
        .unwrap_err();
    assert!(missing.to_string().contains("does not exist"), "{missing}");
}

#[test]
fn credentials_are_checked_and_refusals_are_clear_without_secrets() {
    let Some((fake, keys)) = account("auth") else {
        return;
    };
    let secrets_absent = |text: &str| {
        let key = std::fs::read_to_string(&keys.private_key).unwrap();
        let body_lines = key.lines().filter(|l| !l.starts_with("-----"));
        for line in body_lines {
            assert!(
                !text.contains(line),
                "a line of the private key leaked: {text}"
            );
        }
        assert!(!text.contains(&keys.passphrase), "{text}");
        assert!(!text.contains(fake.oauth_token()), "{text}");
        assert!(!contains_jwt(text), "a JWT leaked: {text}");
    };

    // An encrypted key, its passphrase from the environment.
    let env = Environment::with(&[("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", &keys.passphrase)]);
    let encrypted = key_pair_fabric(&fake, &keys.encrypted_key, &env, fast());
    assert_eq!(
        encrypted
            .run(QUERY, 10, &RunControl::default())
            .unwrap()
            .rows,
        truth(&fake.engine, QUERY)
    );
    secrets_absent(&encrypted.describe());

    let config = config(
        json!({"kind": "snowflake", "url": fake.url, "account": ACCOUNT,
        "user": USER, "private_key_path": keys.encrypted_key.to_str().unwrap()}),
    );
    // Debug output names the key by its public fingerprint only.
    let (settings, auth) =
        loupe_fabric::remote::snowflake_auth::resolve(&config, Path::new("."), &env).unwrap();
    let debug = format!("{settings:?} {auth:?}");
    assert!(
        debug.contains("SHA256:") && debug.contains("ACME-TEST1.LOUPE_CI"),
        "{debug}"
    );
    auth.token().unwrap();
    secrets_absent(&format!("{debug} {auth:?}"));
    let connect = |env: &Environment| Fabric::connect_with(&config, Path::new("."), env, fast());
    let Err(missing) = connect(&Environment::default()) else {
        panic!("an encrypted key without a passphrase")
    };
    assert!(
        missing
            .to_string()
            .contains("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
        "{missing}"
    );
    let wrong = Environment::with(&[("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "not the passphrase")]);
    let Err(refused) = connect(&wrong) else {
        panic!("a wrong passphrase")
    };
    assert!(
        refused.to_string().contains("wrong passphrase"),
        "{refused}"
    );
    assert!(
        !refused.to_string().contains("not the passphrase"),
        "{refused}"
    );

    // A key Snowflake does not know for the user.
    let other = TestKeys::generate(&scratch("auth-other")).unwrap();
    let error = key_pair_fabric(&fake, &other.private_key, &Environment::default(), fast())
        .run(QUERY, 10, &RunControl::default())
        .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(matches!(error, FabricError::Unauthorized(_)), "{text}");
    assert!(
        text.contains("JWT token is invalid") && text.contains("fingerprint"),
        "{text}"
    );
    secrets_absent(&text);

    // An expired JWT: a fresh one is signed once, then the refusal is reported.
    fake.set_clock_ahead(Duration::from_secs(2 * 3600));
    let before = fake.count("POST /api/v2/statements");
    let started = Instant::now();
    let error = fabric(&fake, &keys)
        .run(QUERY, 10, &RunControl::default())
        .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(
        text.contains("refused the credentials") && text.contains("expired"),
        "{text}"
    );
    assert_eq!(fake.count("POST /api/v2/statements") - before, 2);
    assert!(started.elapsed() < Duration::from_secs(5));
    secrets_absent(&text);
    fake.set_clock_ahead(Duration::ZERO);

    // OAuth: the token from the environment; a revoked one is refused, and the
    // token the server echoes is not repeated.
    let oauth = config_oauth(&fake);
    let env = Environment::with(&[("SNOWFLAKE_TOKEN", fake.oauth_token())]);
    let fabric = Fabric::connect_with(&oauth, Path::new("."), &env, fast()).unwrap();
    assert_eq!(
        fabric.run(QUERY, 10, &RunControl::default()).unwrap().rows,
        truth(&fake.engine, QUERY)
    );
    fake.revoke_oauth_token();
    let error = fabric.run(QUERY, 10, &RunControl::default()).unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(matches!(error, FabricError::Unauthorized(_)), "{text}");
    assert!(
        text.contains("Invalid OAuth access token [***]") || text.contains("***"),
        "{text}"
    );
    secrets_absent(&text);
    let Err(no_token) =
        Fabric::connect_with(&oauth, Path::new("."), &Environment::default(), fast())
    else {
        panic!("OAuth without a token")
    };
    assert!(
        no_token.to_string().contains("SNOWFLAKE_TOKEN"),
        "{no_token}"
    );
}

fn config_oauth(fake: &FakeSnowflake) -> FabricConfig {
    config(
        json!({"kind": "snowflake", "url": fake.url, "account": ACCOUNT,
        "user": USER, "authenticator": "oauth"}),
    )
}

#[test]
fn the_connection_comes_from_the_dbt_profile_and_the_environment() {
    let Some((fake, keys)) = account("profile") else {
        return;
    };
    let root = scratch("profile-project");
    std::fs::write(root.join("dbt_project.yml"), "name: shop\nprofile: shop\n").unwrap();
    let (host, port) = fake
        .url
        .trim_start_matches("http://")
        .split_once(':')
        .unwrap();
    std::fs::write(
        root.join("profiles.yml"),
        format!(
            "shop:\n  target: dev\n  outputs:\n    local:\n      type: duckdb\n      path: x.duckdb\n    dev:\n      type: snowflake\n      account: {ACCOUNT}\n      user: \"{{{{ env_var('SHOP_SF_USER') }}}}\"\n      role: TRANSFORMER\n      warehouse: TRANSFORMING\n      database: ANALYTICS\n      schema: SHOP\n      private_key_path: {}\n      private_key_passphrase: \"{{{{ env_var('SHOP_SF_PASSPHRASE') }}}}\"\n      host: {host}\n      port: {port}\n      protocol: http\n",
            keys.encrypted_key.display()
        ),
    )
    .unwrap();
    let env = Environment::with(&[
        ("SHOP_SF_USER", USER),
        ("SHOP_SF_PASSPHRASE", &keys.passphrase),
    ]);
    let from_profile = config(json!({"kind": "snowflake"}));
    let fabric = Fabric::connect_with(&from_profile, &root, &env, fast()).unwrap();
    assert!(
        fabric.describe().contains("warehouse TRANSFORMING"),
        "{}",
        fabric.describe()
    );
    assert_eq!(
        fabric.run(QUERY, 10, &RunControl::default()).unwrap().rows,
        truth(&fake.engine, QUERY)
    );

    // The environment's SNOWFLAKE_* fill what neither loupe.toml nor the profile says.
    let bare = scratch("env-only");
    let env = Environment::with(&[
        ("SNOWFLAKE_ACCOUNT", ACCOUNT),
        ("SNOWFLAKE_USER", USER),
        ("SNOWFLAKE_HOST", &fake.url),
        (
            "SNOWFLAKE_PRIVATE_KEY_PATH",
            keys.private_key.to_str().unwrap(),
        ),
    ]);
    let fabric = Fabric::connect_with(&from_profile, &bare, &env, fast()).unwrap();
    assert_eq!(
        fabric.run(QUERY, 10, &RunControl::default()).unwrap().rows,
        truth(&fake.engine, QUERY)
    );
    let Err(nothing) = Fabric::connect_with(&from_profile, &bare, &Environment::default(), fast())
    else {
        panic!("no account anywhere")
    };
    assert!(
        nothing.to_string().contains("SNOWFLAKE_ACCOUNT"),
        "{nothing}"
    );
}
