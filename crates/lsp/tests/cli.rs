//! The `loupe` command as users and other tools run it: exit codes, output
//! shapes, and bad input handled with a clear message.

use std::path::{Path, PathBuf};
use std::process::Command;

fn loupe() -> Command {
    Command::new(env!("CARGO_BIN_EXE_loupe"))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loupe-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn check_exits_1_with_errors_and_prints_json_diagnostics() {
    let out = loupe()
        .args(["check", "--format", "json"])
        .arg(fixture("broken_project"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diagnostics: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON array");
    let first = &diagnostics.as_array().unwrap()[0];
    for field in [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "severity",
        "message",
        "model",
        "gem",
    ] {
        assert!(
            first.get(field).is_some(),
            "diagnostic has `{field}`: {first}"
        );
    }
}

#[test]
fn check_exits_0_on_a_clean_project() {
    let out = loupe()
        .arg("check")
        .arg(fixture("valid_project"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn human_output_shows_position_code_and_source_line() {
    let out = loupe()
        .arg("check")
        .arg(fixture("broken_project"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .position(|l| {
            l.starts_with("models/broken/l003_unqualified.sql:") && l.contains("error[L003]")
        })
        .expect("the unknown column is reported with file:line:col");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[line + 2].contains("amont"),
        "the source line follows: {:?}",
        &lines[line..line + 4]
    );
    assert!(lines[line + 3].contains("^^^^^"), "a caret marks the range");
}

#[test]
fn check_exits_2_when_the_project_cannot_be_loaded() {
    let dir = temp_dir("bad-project");
    write(&dir.join("dbt_project.yml"), b"name: [unclosed");
    let out = loupe().arg("check").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid YAML"));
    let missing = loupe().args(["check", "/no/such/folder"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn binary_and_broken_files_are_reported_not_fatal() {
    let dir = temp_dir("bad-files");
    write(
        &dir.join("dbt_project.yml"),
        b"name: bad_files\nprofile: x\n",
    );
    write(&dir.join("models/ok.sql"), b"select 1 as id");
    write(&dir.join("models/binary.sql"), &[0xff, 0xfe, 0x00, 0x81]);
    write(
        &dir.join("models/schema.yml"),
        b"models:\n  - name: ok\n    columns: [\n",
    );
    let out = loupe()
        .args(["check", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diagnostics: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<(&str, &str)> = diagnostics
        .iter()
        .map(|d| (d["file"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert!(codes.contains(&("models/binary.sql", "L013")), "{codes:?}");
    assert!(codes.contains(&("models/schema.yml", "L013")), "{codes:?}");
    assert!(
        !codes.iter().any(|(f, _)| *f == "models/ok.sql"),
        "{codes:?}"
    );
}

#[test]
fn schema_of_a_query_against_a_catalog() {
    let dir = temp_dir("schema-sql");
    write(
        &dir.join("catalog.json"),
        br#"{"tables": {"main.orders": [["id", "INTEGER"], ["amount", "DECIMAL(15,2)"], ["placed_at", "TIMESTAMP", false]]}}"#,
    );
    write(
        &dir.join("q.sql"),
        b"select id, sum(amount) as total, avg(amount) as mean, count(*) as n, date_trunc('day', placed_at) as day\nfrom orders group by all",
    );
    let out = loupe()
        .args(["schema", "--json", "--dialect", "duckdb", "--sql"])
        .arg(dir.join("q.sql"))
        .arg("--catalog")
        .arg(dir.join("catalog.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let columns: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        columns,
        serde_json::json!([
            ["id", "INTEGER"],
            ["total", "DECIMAL(38,2)"],
            ["mean", "DOUBLE"],
            ["n", "BIGINT"],
            ["day", "TIMESTAMP"]
        ])
    );
}

#[test]
fn schema_of_a_project_names_relations_as_the_warehouse_does() {
    let out = loupe()
        .args(["schema", "--json"])
        .arg(fixture("valid_project"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let schemas: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        schemas["main.raw_orders"][0],
        serde_json::json!(["id", "INTEGER"])
    );
    assert!(schemas
        .as_object()
        .unwrap()
        .keys()
        .all(|k| k == &k.to_lowercase() && k.contains('.')));
}

#[test]
fn compile_prints_rendered_sql() {
    let out = loupe()
        .arg("compile")
        .arg(fixture("valid_project"))
        .arg("jinja_pivot")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(!sql.contains("{{") && !sql.contains("{%"), "{sql}");
    assert!(sql.contains("main.stg_payments"), "{sql}");
}

#[test]
fn compile_without_a_model_writes_every_model_where_dbt_does() {
    let dir = temp_dir("compile-all");
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(fixture("valid_project"))
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    let root = dir.join("valid_project");
    let out = loupe().arg("compile").arg(&root).output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = std::process::Command::new("find")
        .arg(root.join("models"))
        .args(["-name", "*.sql"])
        .output()
        .unwrap();
    let models = String::from_utf8_lossy(&listed.stdout).lines().count();
    assert!(
        printed.starts_with(&format!("{models} models compiled")),
        "{printed}"
    );
    let pivot = std::fs::read_to_string(
        root.join("target/compiled/valid_shop/models/marts/jinja_pivot.sql"),
    )
    .unwrap();
    assert!(!pivot.contains("{{") && !pivot.contains("{%"), "{pivot}");
    assert!(pivot.contains("main.stg_payments"), "{pivot}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A project whose marts read ephemeral models, one through another.
fn ephemeral_project(name: &str) -> PathBuf {
    let root = temp_dir(name);
    for (path, text) in [
        (
            "dbt_project.yml",
            "name: eph_shop\nversion: '1.0.0'\nconfig-version: 2\nprofile: eph_shop\nmodels:\n  eph_shop:\n    +materialized: table\n",
        ),
        ("seeds/raw_orders.csv", "id,customer_id,amount,status\n1,10,5.50,paid\n"),
        (
            "models/stg_orders.sql",
            "{{ config(materialized='view') }}\n\nselect id, customer_id, amount, status from {{ ref('raw_orders') }}\n",
        ),
        (
            "models/int_paid.sql",
            "{{ config(materialized='ephemeral') }}\n\n-- paid orders only\nselect * from {{ ref('stg_orders') }} where status = 'paid'\n",
        ),
        (
            "models/int_customer_totals.sql",
            "{{ config(materialized='ephemeral') }}\n\nwith paid as (\n    select * from {{ ref('int_paid') }}\n)\nselect customer_id, sum(amount) as total from paid group by customer_id\n",
        ),
        (
            "models/customers.sql",
            "with totals as (\n\n    select * from {{ ref('int_customer_totals') }}\n\n),\n\npaid as (select * from {{ ref('int_paid') }})\n\nselect t.customer_id, t.total, count(*) as paid_orders\nfrom totals t join paid p on p.customer_id = t.customer_id\ngroup by 1, 2\n",
        ),
        (
            "models/big_orders.sql",
            "/* orders over 5 */\nselect id, amount from {{ ref('int_paid') }} where amount > 5\nunion all\nselect id, amount from {{ ref('stg_orders') }} where amount > 100\n",
        ),
    ] {
        write(&root.join(path), text.as_bytes());
    }
    root
}

/// What dbt-core 1.10 with dbt-duckdb writes for the same project (its
/// relation names aside: `"db"."main"."stg_orders"` there).
#[test]
fn compile_injects_ephemeral_models_as_ctes_as_dbt_does() {
    let root = ephemeral_project("compile-ephemeral");
    let compiled = |model: &str| {
        let out = loupe()
            .arg("compile")
            .arg(&root)
            .arg(model)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let paid = "\n\n-- paid orders only\nselect * from main.stg_orders where status = 'paid'";
    assert_eq!(compiled("int_paid"), paid);
    // A WITH of its own: the CTEs go after it, dependencies first, each once.
    assert_eq!(
        compiled("customers"),
        format!(
            "with  __dbt__cte__int_paid as (\n{paid}\n),  __dbt__cte__int_customer_totals as (\n\n\nwith paid as (\n    select * from __dbt__cte__int_paid\n)\nselect customer_id, sum(amount) as total from paid group by customer_id\n), totals as (\n\n    select * from __dbt__cte__int_customer_totals\n\n),\n\npaid as (select * from __dbt__cte__int_paid)\n\nselect t.customer_id, t.total, count(*) as paid_orders\nfrom totals t join paid p on p.customer_id = t.customer_id\ngroup by 1, 2"
        )
    );
    // None: a `with` goes before the first token, a comment included.
    assert_eq!(
        compiled("big_orders"),
        format!("with __dbt__cte__int_paid as (\n{paid}\n) /* orders over 5 */\nselect id, amount from __dbt__cte__int_paid where amount > 5\nunion all\nselect id, amount from main.stg_orders where amount > 100")
    );
    // An ephemeral model's own file holds its dependencies too.
    let out = loupe().arg("compile").arg(&root).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let totals = std::fs::read_to_string(
        root.join("target/compiled/eph_shop/models/int_customer_totals.sql"),
    )
    .unwrap();
    assert!(
        totals.starts_with(&format!(
            "\n\nwith  __dbt__cte__int_paid as (\n{paid}\n), paid as ("
        )),
        "{totals}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn compile_names_a_cycle_of_ephemeral_models() {
    let root = temp_dir("compile-ephemeral-cycle");
    for (path, text) in [
        (
            "dbt_project.yml",
            "name: loop\nversion: '1.0.0'\nconfig-version: 2\nmodels:\n  loop:\n    +materialized: ephemeral\n",
        ),
        ("models/a.sql", "select * from {{ ref('b') }}\n"),
        ("models/b.sql", "select * from {{ ref('a') }}\n"),
        (
            "models/top.sql",
            "{{ config(materialized='table') }}\nselect * from {{ ref('a') }}\n",
        ),
    ] {
        write(&root.join(path), text.as_bytes());
    }
    let out = loupe()
        .arg("compile")
        .arg(&root)
        .arg("top")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cycle of ephemeral models"), "{stderr}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn lineage_of_a_sql_file_reads_procedures_and_leaves_an_undetermined_relation_null() {
    let dir = temp_dir("lineage-procedure");
    let file = dir.join("load.sql");
    write(
        &file,
        b"CREATE PROCEDURE dbo.load_events @day DATE
AS
BEGIN
  DECLARE @n INT = 0;
  INSERT INTO archive.events
  SELECT e.id, note FROM landing.events e JOIN landing.notes n ON n.event_id = e.id
  WHERE e.day = @day;
END",
    );
    let out = loupe()
        .args(["lineage", "--dialect", "tsql", "--json", "--sql"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let edges: Vec<String> = json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}.{} <- {}.{}",
                e["target_table"].as_str().unwrap(),
                e["target_column"].as_str().unwrap(),
                e["source_table"].as_str().unwrap_or("null"),
                e["source_column"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        edges,
        [
            "archive.events.id <- landing.events.id",
            "archive.events.note <- null.note",
        ]
    );
}
