//! Running gems on the embedded DuckDB fabric: the rows equal what DuckDB
//! returns for dbt's own compiled SQL, gems inside a model run on their own,
//! and a failing statement comes back with the engine's message.
#![cfg(feature = "fabric")]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use loupe_analysis::model::Upstream;
use loupe_fabric::{DuckDbFabric, SeedLoad};
use loupe_lsp::memory_client::copy_dir;

mod support;
use support::corpus;

fn private_copy(from: &std::path::Path, test: &str) -> PathBuf {
    let to = std::env::temp_dir().join(format!("loupe-run-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(from, &to);
    to
}

fn rows(result: &loupe_fabric::RunResult) -> BTreeSet<Vec<Option<String>>> {
    result.rows.iter().cloned().collect()
}

#[test]
fn jaffle_shop_models_return_the_rows_of_dbts_compiled_sql() {
    let Some(corpus) = corpus("jaffle_shop_duckdb") else {
        return;
    };
    let root = private_copy(&corpus, "jaffle");
    let truth = corpus.join("_ground_truth");

    // The reference: seeds with the types dbt gave them, then dbt's compiled SQL as views.
    let reference = DuckDbFabric::open(None).unwrap();
    reference
        .execute("attach ':memory:' as jaffle_shop; use jaffle_shop;")
        .unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(truth.join("expected_schema.json")).unwrap())
            .unwrap();
    let seeds: Vec<SeedLoad> = ["raw_customers", "raw_orders", "raw_payments"]
        .iter()
        .map(|s| SeedLoad {
            schema: "main".into(),
            table: s.to_string(),
            csv: corpus.join(format!("seeds/{s}.csv")),
            columns: expected[format!("main.{s}")]["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c[0].as_str().unwrap().to_string(),
                        c[1].as_str().unwrap().to_string(),
                    )
                })
                .collect(),
        })
        .collect();
    reference.load_seeds(&seeds).unwrap();
    for model in [
        "staging/stg_customers",
        "staging/stg_orders",
        "staging/stg_payments",
        "customers",
        "orders",
    ] {
        let sql =
            std::fs::read_to_string(truth.join(format!("compiled/jaffle_shop/models/{model}.sql")))
                .unwrap();
        let name = model.rsplit('/').next().unwrap();
        reference
            .execute(&format!("create view main.{name} as {sql}"))
            .unwrap();
    }

    let (host, _) =
        loupe_lsp::run::load_model(&root.join("models/customers.sql"), Default::default()).unwrap();
    for model in ["customers", "orders", "staging/stg_payments"] {
        let file = host
            .file(&root.join(format!("models/{model}.sql")))
            .unwrap();
        let got =
            loupe_lsp::run::run_gem(&host, file, None, None, Upstream::Inline, 10_000).unwrap();
        let name = model.rsplit('/').next().unwrap();
        let want = reference
            .run(&format!("select * from main.{name}"), 10_000)
            .unwrap();
        assert_eq!(got.columns, want.columns, "{model}");
        assert!(!got.rows.is_empty() && !got.truncated);
        assert_eq!(rows(&got), rows(&want), "{model}");
    }
}

#[test]
fn a_gem_inside_a_model_runs_on_its_own_and_errors_come_back() {
    let root = private_copy(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/valid_project"),
        "gem",
    );
    let (host, file) =
        loupe_lsp::run::load_model(&root.join("models/marts/customers.sql"), Default::default())
            .unwrap();
    let gem = loupe_lsp::run::run_gem(
        &host,
        file,
        Some("customer_orders"),
        None,
        Upstream::Inline,
        3,
    )
    .unwrap();
    let names: Vec<&str> = gem.columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "customer_id",
            "first_order",
            "most_recent_order",
            "number_of_orders"
        ]
    );
    assert_eq!(gem.columns[3].1, "BIGINT");
    assert_eq!(gem.rows.len(), 3);
    // The seed tables now live in the project's default database under target/.
    assert!(root.join("target/loupe.duckdb").is_file());

    let missing =
        loupe_lsp::run::run_gem(&host, file, Some("no_such_gem"), None, Upstream::Inline, 3)
            .unwrap_err();
    assert!(missing.contains("no gem named `no_such_gem`"), "{missing}");
    // A statement the engine rejects: its message reaches the user.
    let (broken_host, broken) = {
        std::fs::write(
            root.join("models/marts/bad_cast.sql"),
            "select cast('x' as integer) as n\n",
        )
        .unwrap();
        loupe_lsp::run::load_model(&root.join("models/marts/bad_cast.sql"), Default::default())
            .unwrap()
    };
    let error =
        loupe_lsp::run::run_gem(&broken_host, broken, None, None, Upstream::Inline, 3).unwrap_err();
    assert!(
        error.contains("Conversion Error") || error.contains("Could not convert"),
        "{error}"
    );
}

#[test]
fn loupe_run_prints_a_table_json_and_csv() {
    let root = private_copy(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/valid_project"),
        "cli",
    );
    let target = format!(
        "{}#renamed",
        root.join("models/staging/stg_orders.sql").display()
    );
    let json = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["run", &target, "--limit", "2", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        result["columns"][0],
        serde_json::json!(["order_id", "INTEGER"])
    );
    assert_eq!(result["rows"].as_array().unwrap().len(), 2);
    assert_eq!(result["truncated"], true);
    let csv = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["run", &target, "--limit", "1", "--format", "csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(
        text.starts_with("order_id,customer_id,order_date,status\n1,"),
        "{text}"
    );
    let table = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["run", &target, "--limit", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.lines().nth(1).unwrap().starts_with("INTEGER"),
        "{text}"
    );
}

#[test]
fn upstream_models_come_inlined_or_from_the_database_as_asked() {
    let root = private_copy(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/valid_project"),
        "built",
    );
    std::fs::write(
        root.join("models/marts/order_count.sql"),
        "select count(*) as n from {{ ref('stg_orders') }}\n",
    )
    .unwrap();
    let (host, file) = loupe_lsp::run::load_model(
        &root.join("models/marts/order_count.sql"),
        Default::default(),
    )
    .unwrap();
    let seed_rows = std::fs::read_to_string(root.join("seeds/raw_orders.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;

    let inline = loupe_lsp::run::run_gem(&host, file, None, None, Upstream::Inline, 10).unwrap();
    assert_eq!(inline.rows, [[Some(seed_rows.to_string())]]);
    // Not built yet: the engine says which table is missing.
    let missing =
        loupe_lsp::run::run_gem(&host, file, None, None, Upstream::Built, 10).unwrap_err();
    assert!(missing.contains("stg_orders"), "{missing}");

    let database = DuckDbFabric::open(Some(&root.join("target/loupe.duckdb"))).unwrap();
    database
        .execute("create table main.stg_orders as select range as order_id from range(7)")
        .unwrap();
    drop(database);
    let built = loupe_lsp::run::run_gem(&host, file, None, None, Upstream::Built, 10).unwrap();
    assert_eq!(built.rows, [[Some("7".to_string())]]);
}

/// A project whose sources are its own seeds, loaded into the schema its
/// `generate_schema_name` gives them, enabled only with `--vars`: every
/// model runs with nothing built, and gives the rows of a real `dbt seed`
/// and `dbt run` (expected_rows.json, written by tests/fixtures/gen_expected_schema.py).
#[test]
fn sources_on_seeds_run_with_nothing_built_and_give_dbts_rows() {
    let root = private_copy(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeded_shop"),
        "seeded",
    );
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected_rows.json")).unwrap())
            .unwrap();
    let invocation = loupe_analysis::project::Invocation {
        vars: loupe_analysis::project::Invocation::parse_vars("{load_source_data: true}").unwrap(),
        ..Default::default()
    };
    let (host, _) =
        loupe_lsp::run::load_model(&root.join("models/marts/customers.sql"), invocation).unwrap();
    let mut compared = 0;
    for (relation, truth) in expected.as_object().unwrap() {
        let model = relation.rsplit('.').next().unwrap();
        let folder = if model.starts_with("stg_") {
            "staging"
        } else {
            "marts"
        };
        let file = host
            .file(&root.join(format!("models/{folder}/{model}.sql")))
            .unwrap();
        let got = loupe_lsp::run::run_gem(&host, file, None, None, Upstream::Inline, 10_000)
            .unwrap_or_else(|e| panic!("{model}: {e}"));
        let kept: Vec<&str> = truth["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let positions: Vec<usize> = kept
            .iter()
            .map(|c| {
                // The embedded DuckDB may quote type names in generated names differently.
                got.columns
                    .iter()
                    .position(|(n, _)| n.replace('"', "") == c.replace('"', ""))
                    .unwrap_or_else(|| panic!("{model}: no column {c} in {:?}", got.columns))
            })
            .collect();
        // Floating sums depend on the order rows are added in: compare DOUBLEs to 12 digits.
        let float: Vec<bool> = positions
            .iter()
            .map(|&i| matches!(got.columns[i].1.as_str(), "DOUBLE" | "FLOAT"))
            .collect();
        let normalize = |row: Vec<Option<String>>| -> Vec<Option<String>> {
            row.into_iter()
                .zip(&float)
                .map(|(v, &is_float)| match (v, is_float) {
                    (Some(text), true) => Some(format!("{:.11e}", text.parse::<f64>().unwrap())),
                    (v, _) => v,
                })
                .collect()
        };
        let got_rows: BTreeSet<Vec<Option<String>>> = got
            .rows
            .iter()
            .map(|r| normalize(positions.iter().map(|&i| r[i].clone()).collect()))
            .collect();
        let want_rows: BTreeSet<Vec<Option<String>>> = truth["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                normalize(
                    r.as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect(),
                )
            })
            .collect();
        assert!(!want_rows.is_empty() && !got.truncated, "{model}");
        assert_eq!(got_rows, want_rows, "{model}");
        compared += 1;
    }
    assert_eq!(compared, 10);

    // The command line, as a user types it.
    let out = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .current_dir(&root)
        .args([
            "run",
            "models/marts/orders.sql#order_items_summary",
            "--vars",
            "{load_source_data: true}",
            "--format",
            "csv",
            "--limit",
            "500",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("order_id,order_items_subtotal,"), "{csv}");
    assert_eq!(csv.lines().count(), 121, "a header and one line per order");
}

/// Ctrl-C on `loupe run` interrupts the embedded DuckDB's query and leaves.
#[cfg(unix)]
#[test]
fn ctrl_c_on_loupe_run_interrupts_the_embedded_query() {
    let root = private_copy(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/valid_project"),
        "sigint",
    );
    std::fs::write(
        root.join("models/endless.sql"),
        "select count(*) as n from range(100000000000) a, range(1000) b\n",
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .arg("run")
        .arg(root.join("models/endless.sql"))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Time to open the database and start the query.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let sent = std::time::Instant::now();
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(10),
        "{stderr}"
    );
}

/// The editor goes away (stdin closes) while a gem runs: the server cancels
/// the run on its fabric and exits, instead of running the query to its end.
#[test]
fn the_server_stops_its_runs_and_exits_when_the_editor_goes_away() {
    use std::io::{BufRead, BufReader, Read, Write};
    let root = private_copy(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/valid_project"),
        "editor-gone",
    );
    let model = root.join("models/endless.sql");
    let text = "select count(*) as n from range(100000000000) a, range(1000) b\n";
    std::fs::write(&model, text).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .arg("lsp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = server.stdin.take().unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    let mut send = |message: serde_json::Value| {
        let body = message.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    };
    let uri = format!("file://{}", root.display());
    let model_uri = format!("file://{}", model.display());
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"processId": null, "rootUri": uri, "capabilities": {}}}),
    );
    // Wait for the answer to initialize.
    loop {
        let mut header = String::new();
        stdout.read_line(&mut header).unwrap();
        let length: usize = header
            .trim()
            .strip_prefix("Content-Length: ")
            .unwrap()
            .parse()
            .unwrap();
        stdout.read_line(&mut String::new()).unwrap();
        let mut body = vec![0; length];
        stdout.read_exact(&mut body).unwrap();
        if serde_json::from_slice::<serde_json::Value>(&body).unwrap()["id"] == 1 {
            break;
        }
    }
    send(serde_json::json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    send(
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": model_uri, "languageId": "sql", "version": 1, "text": text}}}),
    );
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "loupe/runGem",
        "params": {"uri": model_uri}}),
    );
    std::thread::sleep(std::time::Duration::from_secs(2));
    let closed = std::time::Instant::now();
    drop(send);
    drop(stdin);
    let deadline = closed + std::time::Duration::from_secs(20);
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            assert!(status.success() || status.code().is_some(), "{status:?}");
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = server.kill();
            panic!("the server still runs 20 s after its editor went away");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    eprintln!("server left {:?} after stdin closed", closed.elapsed());
}

/// A dbt-duckdb project with no loupe.toml: `loupe catalog` reads its
/// sources' columns from the database file the profile's `path` names
/// (where dbt and the loader put them), without writing to it. (Before
/// that file exists, Loupe's own database answers, as the editor tests show.)
#[test]
fn loupe_catalog_reads_the_dbt_duckdb_profile_s_database_file() {
    let root = std::env::temp_dir().join(format!("loupe-run-{}-profile-db", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let write = |path: &str, text: &str| {
        std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        std::fs::write(root.join(path), text).unwrap();
    };
    write(
        "dbt_project.yml",
        "name: shop\nversion: '1.0.0'\nconfig-version: 2\nprofile: shop\n",
    );
    write(
        "profiles.yml",
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: data/shop.duckdb\n      schema: main\n",
    );
    write(
        "models/sources.yml",
        "version: 2\nsources:\n  - name: raw\n    schema: raw\n    tables:\n      - name: orders\n",
    );
    write(
        "models/stg_orders.sql",
        "select id, totl from {{ source('raw', 'orders') }}\n",
    );
    let loupe = || Command::new(env!("CARGO_BIN_EXE_loupe"));
    let database = DuckDbFabric::open(Some(&root.join("data/shop.duckdb"))).unwrap();
    database
        .execute("create schema raw; create table raw.orders (id integer, total decimal(10,2))")
        .unwrap();
    drop(database);
    let modified = std::fs::metadata(root.join("data/shop.duckdb"))
        .unwrap()
        .modified()
        .unwrap();
    let out = loupe().arg("catalog").arg(&root).output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("raw.orders: described by duckdb"),
        "{printed}"
    );
    assert_eq!(
        std::fs::metadata(root.join("data/shop.duckdb"))
            .unwrap()
            .modified()
            .unwrap(),
        modified,
        "the profile's database is only read"
    );
    assert!(!root.join("target/loupe.duckdb").exists());
    // The catalog feeds the check: the misspelt column is found.
    let out = loupe().arg("check").arg(&root).output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("totl"), "{printed}");
    let _ = std::fs::remove_dir_all(&root);
}
