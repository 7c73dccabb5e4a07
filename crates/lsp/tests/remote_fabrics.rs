//! Remote fabrics from the editor and the command line: a Databricks SQL
//! warehouse and a Livy server, played by local fakes that follow the wire
//! formats and run the SQL on DuckDB. Needs the `fabric` feature.
#![cfg(feature = "fabric")]

use std::path::PathBuf;

use loupe_fabric_fakes::{FakeDatabricks, FakeLivy, SqlEngine};
use loupe_lsp::memory_client::{copy_dir, Client};
use serde_json::{json, Value};
use tower_lsp_server::ls_types::Uri;

const TOTALS: &str = "select customer, count(*) as orders, sum(amount) as total
    from shop.orders group by customer order by customer";

fn engine() -> SqlEngine {
    SqlEngine::with_shop()
}

/// The fixture project with a loupe.toml naming the fakes.
fn project(test: &str, databricks: &FakeDatabricks, livy: &FakeLivy) -> PathBuf {
    let from =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/warehouse_project");
    let to = std::env::temp_dir().join(format!("loupe-remote-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&from, &to);
    std::fs::write(
        to.join("loupe.toml"),
        format!(
            "default = \"warehouse\"\n\n[fabrics.warehouse]\nkind = \"databricks\"\nhost = \"{}\"\nwarehouse_id = \"{}\"\n\n[fabrics.livy]\nkind = \"livy\"\nurl = \"{}\"\n",
            databricks.url,
            databricks.warehouse_id(),
            livy.url
        ),
    )
    .unwrap();
    to
}

/// Credentials come from the environment, never from the project.
fn credentials(fake: &FakeDatabricks) -> [(&'static str, String); 2] {
    [
        ("DATABRICKS_TOKEN", fake.personal_token().to_string()),
        (
            "DATABRICKS_CONFIG_FILE",
            "/nonexistent/databrickscfg".to_string(),
        ),
    ]
}

fn set_credentials(fake: &FakeDatabricks) {
    for (k, v) in credentials(fake) {
        std::env::set_var(k, v);
    }
}

/// The rows of an answer, sorted: a gem before the final ORDER BY has no order.
fn rows(answer: &Value) -> Vec<Vec<Option<String>>> {
    let mut rows: Vec<Vec<Option<String>>> =
        serde_json::from_value(answer["rows"].clone()).unwrap();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gems_run_on_a_sql_warehouse_and_on_livy() {
    let (databricks, livy) = (
        FakeDatabricks::start(engine()),
        FakeLivy::start(engine(), 2),
    );
    set_credentials(&databricks);
    let root = project("run", &databricks, &livy);
    let path = root.join("models/order_totals.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;

    let fabrics = client.request("loupe/fabrics", json!({})).await;
    assert_eq!(fabrics["default"], "warehouse");
    let status = fabrics["details"][0]["status"].as_str().unwrap();
    assert!(
        status.starts_with("ready (Databricks SQL warehouse fake-warehouse"),
        "{fabrics}"
    );
    assert!(!fabrics.to_string().contains(databricks.personal_token()));

    let truth = databricks.engine.execute(TOTALS).unwrap().rows;
    let on_warehouse = client
        .request(
            "loupe/runGem",
            json!({"uri": uri, "gem": "totals", "workDoneToken": "run-1"}),
        )
        .await;
    assert_eq!(rows(&on_warehouse), truth, "{on_warehouse}");
    assert_eq!(on_warehouse["columns"][1], json!(["orders", "BIGINT"]));
    assert_eq!(databricks.count("POST /api/2.0/sql/statements"), 1);
    // The warehouse's own progress reached the client.
    let reports: Vec<String> = client
        .notifications
        .iter()
        .filter(|n| n["method"] == "$/progress" && n["params"]["token"] == "run-1")
        .filter_map(|n| n["params"]["value"]["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        reports.iter().any(|m| m.contains("SQL warehouse")),
        "{reports:?}"
    );

    // The warehouse's types for the gem, without running it.
    let described = client
        .request("loupe/describeGem", json!({"uri": uri, "gem": "totals"}))
        .await;
    assert_eq!(described["columns"], on_warehouse["columns"], "{described}");
    assert_eq!(databricks.count("POST /api/2.0/sql/statements"), 2);

    let on_livy = client
        .request(
            "loupe/runGem",
            json!({"uri": uri, "gem": "totals", "fabric": "livy"}),
        )
        .await;
    assert_eq!(rows(&on_livy), truth, "{on_livy}");

    // A failed statement: its message is shown for the gem that failed.
    let broken = root.join("models/paid_orders.sql");
    let broken_uri = client
        .open(
        &broken,
        "with picked as (\n    select order_id, no_such_column\n    from {{ source('shop', 'orders') }}\n)\n\nselect * from picked\n",
    )
    .await;
    let failed = client
        .request(
            "workspace/executeCommand",
            json!({"command": "loupe.runGem", "arguments": [{"uri": broken_uri, "gem": "picked"}]}),
        )
        .await;
    let message = failed["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("no_such_column"), "{failed}");
    let shown = client.shown_message("no_such_column").await;
    assert!(shown.starts_with("running picked failed"), "{shown}");
    // The failure stays on the gem: its hover tells it.
    let text = client
        .hover(&broken_uri, json!({"line": 0, "character": 6}))
        .await;
    assert!(
        text.contains("**last run failed**: fabric `warehouse`") && text.contains("no_such_column"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_run_cancels_the_statement_on_the_warehouse() {
    let (databricks, livy) = (
        FakeDatabricks::start(engine()),
        FakeLivy::start(engine(), 0),
    );
    set_credentials(&databricks);
    databricks
        .faults
        .slow_statements(std::time::Duration::from_secs(30));
    let root = project("cancel", &databricks, &livy);
    let path = root.join("models/order_totals.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;
    client
        .send(
            json!({"jsonrpc": "2.0", "id": 900, "method": "loupe/runGem", "params": {"uri": uri}}),
        )
        .await;
    // Wait until the statement is on the warehouse, then cancel the request.
    while databricks.count("POST /api/2.0/sql/statements") == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    client.notify("$/cancelRequest", json!({"id": 900})).await;
    let reply = loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), client.read())
            .await
            .expect("a reply in time");
        if message["id"] == json!(900) {
            break message;
        }
    };
    assert_eq!(reply["error"]["code"], json!(-32800), "{reply}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !databricks.requests().iter().any(|r| r.ends_with("/cancel")) {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            databricks.requests()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fabric_catalog_describes_sources_the_yaml_leaves_empty() {
    let (databricks, livy) = (
        FakeDatabricks::start(engine()),
        FakeLivy::start(engine(), 0),
    );
    set_credentials(&databricks);
    let root = project("catalog", &databricks, &livy);
    let model = root.join("models/paid_orders.sql");
    let text = "select order_id, amout\nfrom {{ source('shop', 'orders') }}\n";
    std::fs::write(&model, text).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&model, text).await;
    // Columns unknown: a misspelt one cannot be told yet.
    client.diagnostics(&uri, |d| d.is_empty()).await;

    let refreshed = client.request("loupe/refreshCatalog", json!({})).await;
    assert_eq!(refreshed["fabric"], "warehouse", "{refreshed}");
    assert_eq!(refreshed["described"], json!(["shop.orders"]));
    assert_eq!(refreshed["failed"][0]["table"], "shop.customers");
    assert!(refreshed["failed"][0]["message"]
        .as_str()
        .unwrap()
        .contains("customers"));
    // Now the analysis knows the source's columns.
    let diagnostics = client
        .diagnostics(&uri, |d| {
            d.iter()
                .any(|x| x["message"].as_str().unwrap().contains("amout"))
        })
        .await;
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("amount"),
        "{diagnostics:?}"
    );
    let shown = client
        .hover(&uri, json!({"line": 1, "character": 10}))
        .await;
    assert!(
        shown.contains("fabric `warehouse`") && shown.contains("order_id"),
        "{shown}"
    );
    assert!(root.join("target/loupe-catalog.json").is_file());

    // "Fetch the columns from the fabric" on the other source table's YAML entry.
    let yaml = root.join("models/sources.yml");
    let yaml_text = std::fs::read_to_string(&yaml).unwrap();
    let yaml_uri = Uri::from_file_path(&yaml).unwrap();
    let line = yaml_text
        .lines()
        .position(|l| l.contains("- name: orders"))
        .unwrap();
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": yaml_uri},
                   "range": {"start": {"line": line, "character": 10}, "end": {"line": line, "character": 10}},
                   "context": {"diagnostics": []}}),
        )
        .await;
    let fetch = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Fetch the columns of `shop.orders` from the fabric")
        .unwrap_or_else(|| panic!("{actions}"));
    let command =
        json!({"command": fetch["command"]["command"], "arguments": fetch["command"]["arguments"]});
    let fetched = client.request("workspace/executeCommand", command).await;
    assert_eq!(fetched["applied"], true, "{fetched}");
    let edit = client
        .notifications
        .iter()
        .find(|n| n["method"] == "workspace/applyEdit")
        .expect("the server asked to apply the columns");
    let inserted = edit["params"]["edit"]["changes"][yaml_uri.as_str()][0]["newText"]
        .as_str()
        .unwrap();
    assert!(
        inserted.starts_with(
            "\n        columns:\n          - name: order_id\n            data_type: bigint\n"
        ),
        "{inserted:?}"
    );
    // Applied, the YAML is valid and declares what the fabric said.
    let mut updated = yaml_text.clone();
    let at = yaml_text.find("- name: orders").unwrap() + "- name: orders".len();
    updated.insert_str(at, inserted);
    std::fs::write(&yaml, updated).unwrap();
    let reloaded = loupe_analysis::host::AnalysisHost::load(&root).unwrap();
    let undescribed: Vec<String> = reloaded
        .undescribed_sources()
        .into_iter()
        .map(|(source, table, ..)| format!("{source}.{table}"))
        .collect();
    assert_eq!(undescribed, ["shop.customers"]);
}

#[test]
fn loupe_catalog_then_loupe_check_finds_a_misspelt_source_column() {
    let (databricks, livy) = (
        FakeDatabricks::start(engine()),
        FakeLivy::start(engine(), 0),
    );
    let root = project("cli-catalog", &databricks, &livy);
    std::fs::write(
        root.join("models/paid_orders.sql"),
        "select order_id, amout\nfrom {{ source('shop', 'orders') }}\n",
    )
    .unwrap();
    // A table with both of Spark's timestamps, which the warehouse names
    // `timestamp_ntz` (wall-clock) and `timestamp` (an instant).
    databricks.engine.setup(
        "create table shop.events as select 1 as event_id,
                timestamp '2024-01-01 10:00' as happened_local,
                timestamptz '2024-01-01 10:00+00' as happened_at",
    );
    let sources = root.join("models/sources.yml");
    let yaml = std::fs::read_to_string(&sources).unwrap() + "      - name: events\n";
    std::fs::write(&sources, yaml).unwrap();
    std::fs::write(
        root.join("models/event_times.sql"),
        "select happened_local, happened_at, happened_local < happened_at as early\nfrom {{ source('shop', 'events') }}\n",
    )
    .unwrap();
    let loupe = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_loupe"))
            .args(args)
            .arg(&root)
            .envs(credentials(&databricks))
            .output()
            .unwrap()
    };
    let before = loupe(&["check"]);
    assert!(
        before.status.success(),
        "{}",
        String::from_utf8_lossy(&before.stdout)
    );
    let catalog = loupe(&["catalog"]);
    let printed = String::from_utf8_lossy(&catalog.stdout);
    assert!(
        printed.contains("shop.orders: described by warehouse"),
        "{printed}"
    );
    assert!(
        printed.contains("2 of 3 source tables described"),
        "{printed}"
    );
    // shop.customers does not exist on the warehouse: said, and the exit code tells.
    assert_eq!(catalog.status.code(), Some(1), "{printed}");
    let after = loupe(&["check"]);
    let report = String::from_utf8_lossy(&after.stdout);
    assert_eq!(after.status.code(), Some(1), "{report}");
    assert!(
        report.contains("amout") && report.contains("amount"),
        "{report}"
    );
    // Types read as the warehouse's names mean them.
    let schema = loupe(&["schema"]);
    let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(
        schema["analytics.event_times"],
        json!([
            ["happened_local", "TIMESTAMP_NTZ"],
            ["happened_at", "TIMESTAMP"],
            ["early", "BOOLEAN"]
        ]),
        "{schema}"
    );
}

#[test]
fn loupe_run_prints_rows_from_livy_and_ends_its_session() {
    let (databricks, livy) = (
        FakeDatabricks::start(engine()),
        FakeLivy::start(engine(), 1),
    );
    let root = project("cli", &databricks, &livy);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["run", "--fabric", "livy", "--format", "csv"])
        .arg(format!(
            "{}#totals",
            root.join("models/order_totals.sql").display()
        ))
        .envs(credentials(&databricks))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let truth = livy.engine.execute(TOTALS).unwrap().rows;
    let mut expected: Vec<String> = truth
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.clone().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let mut lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.remove(0), "customer,orders,total");
    lines.sort();
    expected.sort();
    assert_eq!(lines, expected);
    assert!(stderr.contains("Livy session"), "{stderr}");
    assert!(livy.session_names().is_empty(), "the session was ended");
}

/// Ctrl-C on `loupe run` cancels the statement on the warehouse before the
/// process leaves (exit 130), instead of leaving it to run to its timeout.
#[cfg(unix)]
#[test]
fn ctrl_c_on_loupe_run_cancels_the_statement_on_the_warehouse() {
    interrupt_cancels_the_statement_on_the_warehouse("sigint-run", "-INT", |root| {
        vec!["run".into(), root.join("models/order_totals.sql")]
    });
}

/// SIGTERM (a CI job stopped, a terminal closed) on `loupe catalog` while a
/// source table is being described does the same.
#[cfg(unix)]
#[test]
fn sigterm_on_loupe_catalog_cancels_the_statement_on_the_warehouse() {
    interrupt_cancels_the_statement_on_the_warehouse("sigterm-catalog", "-TERM", |root| {
        vec!["catalog".into(), root.to_path_buf()]
    });
}

#[cfg(unix)]
fn interrupt_cancels_the_statement_on_the_warehouse(
    test: &str,
    signal: &str,
    args: impl Fn(&std::path::Path) -> Vec<PathBuf>,
) {
    let (databricks, livy) = (
        FakeDatabricks::start(engine()),
        FakeLivy::start(engine(), 0),
    );
    databricks
        .faults
        .slow_statements(std::time::Duration::from_secs(60));
    let root = project(test, &databricks, &livy);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(args(&root))
        .envs(credentials(&databricks))
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while databricks.count("POST /api/2.0/sql/statements") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the statement never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sent = std::time::Instant::now();
    let status = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(10),
        "left in time"
    );
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        databricks.requests().iter().any(|r| r.ends_with("/cancel")),
        "the warehouse was told to cancel: {:?}",
        databricks.requests()
    );
}
