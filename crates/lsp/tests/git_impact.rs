//! What a change does downstream, against a Git base: real repositories in
//! temporary folders (commits, branches, renames, merges), checked through
//! `loupe diff` and over LSP.

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;

use loupe_lsp::memory_client::{copy_dir, Client};
use serde_json::{json, Value};
use support::{git, on_a_feature_branch};
use tower_lsp_server::ls_types::Uri;

/// A copy of a project committed on `main` of a new repository, then a
/// `feature` branch checked out.
fn repository(project: &Path, test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loupe-git-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(project, &dir);
    let _ = std::fs::remove_dir_all(dir.join("_ground_truth"));
    on_a_feature_branch(&dir);
    dir
}

fn own_project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/valid_project")
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// `loupe diff --format json` in `dir`: exit code and answer.
fn diff(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["diff", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    let answer = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "JSON on stdout: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), answer)
}

/// `file:line:col` of the `nth` occurrence of `needle` in a project file.
fn place_of(root: &Path, file: &str, needle: &str, nth: usize) -> String {
    let text = std::fs::read_to_string(root.join(file)).unwrap();
    let at = text.match_indices(needle).nth(nth).expect("occurrence").0;
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{file}:{line}:{col}")
}

fn places(uses: &Value, only_breaking: bool) -> Vec<String> {
    let mut out: Vec<String> = uses
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| !only_breaking || u["breaks"] == true)
        .map(|u| {
            let p = &u["place"];
            format!(
                "{}:{}:{}",
                p["file"].as_str().unwrap(),
                p["start"]["line"],
                p["start"]["col"]
            )
        })
        .collect();
    out.sort();
    out
}

/// `file:line:col` of every unknown-column error on `column` that `loupe
/// check` reports in models other than the one that changed.
fn unknown_column_places(dir: &Path, column: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let found: Value = serde_json::from_slice(&out.stdout).unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            let message = d["message"].as_str().unwrap();
            let named = message
                .strip_prefix("unknown column `")
                .and_then(|rest| rest.split('`').next())
                .and_then(|name| name.rsplit('.').next());
            d["code"] == "L003" && named == Some(column)
        })
        .map(|d| {
            format!(
                "{}:{}:{}",
                d["file"].as_str().unwrap(),
                d["line"],
                d["column"]
            )
        })
        .collect()
}

fn changes_of<'a>(answer: &'a Value, node: &str) -> Vec<&'a Value> {
    answer["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["name"] == node)
        .flat_map(|n| n["columns"].as_array().unwrap())
        .collect()
}

#[test]
fn removing_a_column_breaks_every_model_still_reading_it() {
    let dir = repository(&own_project(), "remove");
    edit(
        &dir.join("models/staging/stg_orders.sql"),
        "order_date,\n        status\n",
        "order_date\n",
    );
    let (code, answer) = diff(&dir, &[]);
    assert_eq!(code, 1, "a break exits 1: {answer:#}");
    assert_eq!(answer["branch"], "feature");
    assert_eq!(answer["base"]["label"], "merge base of HEAD and main");
    let changes = changes_of(&answer, "stg_orders");
    assert_eq!(
        changes,
        [&json!({"change": "removed", "column": "status", "ty": "VARCHAR"})]
    );
    let impact = answer["impact"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["column"] == "status")
        .expect("an impact for status");
    assert_eq!(impact["breaking"], true);
    // Placed on the gem that drops it, the uses where each reader breaks.
    assert_eq!(impact["at"]["gem"], "renamed");
    assert_eq!(impact["at"]["file"], "models/staging/stg_orders.sql");
    // Every reader breaks where `loupe check` now finds an unknown `status`.
    let mut expected = unknown_column_places(&dir, "status");
    expected.sort();
    assert!(expected.len() >= 3, "{expected:?}");
    for reader in [
        place_of(
            &dir,
            "models/marts/aggregates.sql",
            "status as order_status",
            0,
        ),
        place_of(&dir, "models/marts/outer_joins.sql", "o.status", 0),
    ] {
        assert!(expected.contains(&reader), "{reader} in {expected:?}");
    }
    assert_eq!(places(&impact["uses"], true), expected);
    assert!(impact["downstream"]
        .as_array()
        .unwrap()
        .contains(&json!("outer_joins.status")));
    assert!(impact["message"]
        .as_str()
        .unwrap()
        .starts_with("removes `status`, used by"));

    // The same, for people and for a pull request.
    let human = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .arg("diff")
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert_eq!(human.status.code(), Some(1));
    assert!(text.contains("Breaking (1):"), "{text}");
    let by_status = place_of(
        &dir,
        "models/marts/aggregates.sql",
        "status as order_status",
        0,
    );
    assert!(
        text.contains(&format!("breaks {by_status} (gem `by_status`)")),
        "{text}"
    );
    let markdown = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["diff", "--format", "markdown"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        text.contains("| `stg_orders` | changed | removes `status` |"),
        "{text}"
    );
    assert!(text.contains("#### :x: Breaking (1)"), "{text}");
}

#[test]
fn a_renamed_column_is_a_rename_and_breaks_the_old_name_downstream() {
    let dir = repository(&own_project(), "column-rename");
    edit(
        &dir.join("models/staging/stg_orders.sql"),
        "        status\n",
        "        status as order_status\n",
    );
    let (code, answer) = diff(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        changes_of(&answer, "stg_orders"),
        [&json!({"change": "renamed", "from": "status", "to": "order_status", "ty": "VARCHAR"})]
    );
    let impact = &answer["impact"][0];
    assert!(impact["message"]
        .as_str()
        .unwrap()
        .starts_with("renames `status` to `order_status`"));
    let mut expected = unknown_column_places(&dir, "status");
    expected.sort();
    assert_eq!(places(&impact["uses"], true), expected);
}

#[test]
fn retyping_breaks_only_when_the_kind_of_value_changes() {
    let dir = repository(&own_project(), "retype");
    let stg = dir.join("models/staging/stg_orders.sql");
    edit(
        &stg,
        "        order_date,\n",
        "        cast(order_date as varchar) as order_date,\n",
    );
    let (code, answer) = diff(&dir, &[]);
    assert_eq!(code, 1, "{answer:#}");
    assert!(changes_of(&answer, "stg_orders").contains(
        &&json!({"change": "retyped", "column": "order_date", "from": "DATE", "to": "VARCHAR"})
    ));
    // Widening a number is no break.
    git(&dir, &["checkout", "-q", "--", "."]);
    edit(
        &dir.join("models/staging/stg_orders.sql"),
        "        id as order_id,\n",
        "        cast(id as bigint) as order_id,\n",
    );
    let (code, answer) = diff(&dir, &[]);
    let retyped = changes_of(&answer, "stg_orders");
    assert!(
        retyped.contains(
            &&json!({"change": "retyped", "column": "order_id", "from": "INTEGER", "to": "BIGINT"})
        ),
        "{answer:#}"
    );
    assert_eq!(code, 0, "{answer:#}");
    assert_eq!(answer["breaking"], false);
}

#[test]
fn a_model_renamed_with_its_refs_follows_and_one_without_breaks() {
    let dir = repository(&own_project(), "model-rename");
    git(
        &dir,
        &[
            "mv",
            "models/staging/stg_payments.sql",
            "models/staging/stg_payment_events.sql",
        ],
    );
    for user in [
        "models/marts/aggregates.sql",
        "models/marts/outer_joins.sql",
    ] {
        let path = dir.join(user);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace("ref('stg_payments')", "ref('stg_payment_events')"),
        )
        .unwrap();
    }
    let others: Vec<String> = walk_sql(&dir.join("models"))
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("ref('stg_payments')")
        })
        .map(|p| p.display().to_string())
        .collect();
    for path in &others {
        let text = std::fs::read_to_string(path).unwrap();
        std::fs::write(
            path,
            text.replace("ref('stg_payments')", "ref('stg_payment_events')"),
        )
        .unwrap();
    }
    git(
        &dir,
        &["commit", "-qam", "stg_payments is stg_payment_events"],
    );
    let (code, answer) = diff(&dir, &[]);
    assert_eq!(code, 0, "{answer:#}");
    let node = answer["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "stg_payment_events")
        .expect("the renamed model");
    assert_eq!(node["change"], "renamed");
    assert_eq!(node["from"], "stg_payments");
    assert_eq!(node["columns"], json!([]));

    // One reader left on the old name: that ref breaks, at its place.
    edit(
        &dir.join("models/marts/aggregates.sql"),
        "ref('stg_payment_events')",
        "ref('stg_payments')",
    );
    let (code, answer) = diff(&dir, &[]);
    assert_eq!(code, 1);
    let impact = answer["impact"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["column"].is_null())
        .expect("the model's impact");
    assert_eq!(
        impact["change"],
        "renames `stg_payments` to `stg_payment_events`"
    );
    assert_eq!(
        places(&impact["uses"], true),
        [place_of(
            &dir,
            "models/marts/aggregates.sql",
            "{{ ref('stg_payments') }}",
            0
        )]
    );
}

fn walk_sql(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk_sql(&path));
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_model_moved_between_folders_changes_nothing() {
    let dir = repository(&own_project(), "move");
    std::fs::create_dir_all(dir.join("models/intermediate")).unwrap();
    git(
        &dir,
        &[
            "mv",
            "models/staging/stg_rates.sql",
            "models/intermediate/stg_rates.sql",
        ],
    );
    let (code, answer) = diff(&dir, &[]);
    assert_eq!(code, 0, "{answer:#}");
    assert_eq!(answer["nodes"], json!([]));
}

#[test]
fn the_base_is_the_merge_base_with_the_default_branch() {
    let dir = repository(&own_project(), "merge-base");
    edit(
        &dir.join("models/staging/stg_orders.sql"),
        "order_date,\n        status\n",
        "order_date\n",
    );
    git(&dir, &["commit", "-qam", "no status"]);
    // Meanwhile main gains a column the feature branch has not seen.
    git(&dir, &["checkout", "-q", "main"]);
    edit(
        &dir.join("models/staging/stg_customers.sql"),
        "select",
        "select\n        'web' as signup_channel,",
    );
    git(&dir, &["commit", "-qam", "signup channel"]);
    git(&dir, &["checkout", "-q", "feature"]);
    let only_feature = |answer: &Value| {
        let names: Vec<&str> = answer["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"stg_orders"), "{answer:#}");
        assert!(
            !names.contains(&"stg_customers"),
            "main's own change is not the feature's: {answer:#}"
        );
    };
    only_feature(&diff(&dir, &[]).1);
    git(&dir, &["merge", "-q", "--no-edit", "main"]);
    only_feature(&diff(&dir, &[]).1);
    // An explicit base: main's tip, where stg_customers has the new column.
    let (_, answer) = diff(&dir, &["--base", "main~1"]);
    assert!(answer["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["name"] == "stg_customers"));
    assert_eq!(answer["base"]["label"], "main~1");
}

#[test]
fn outside_git_diff_says_so() {
    let dir = std::env::temp_dir().join(format!("loupe-git-{}-nogit", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&own_project(), &dir);
    let out = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .arg("diff")
        .arg(&dir)
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not in a Git repository"));
}

fn jaffle_shop() -> Option<PathBuf> {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/jaffle_shop_duckdb");
    if corpus.is_dir() {
        Some(corpus)
    } else {
        eprintln!("SKIPPED: {} is absent", corpus.display());
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jaffle_shop_without_status_breaks_orders_in_the_cli_and_the_editor() {
    let Some(corpus) = jaffle_shop() else { return };
    let dir = repository(&corpus, "jaffle");
    let stg = dir.join("models/staging/stg_orders.sql");
    edit(&stg, "order_date,\n        status\n", "order_date\n");
    let expected = place_of(&dir, "models/orders.sql", "orders.status", 0);
    let status_at = expected.rsplit(':').nth(1).unwrap().parse::<u64>().unwrap() - 1;

    let (code, answer) = diff(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(places(&answer["impact"][0]["uses"], true), [expected]);

    let mut client = Client::start(&dir).await;
    let text = std::fs::read_to_string(&stg).unwrap();
    let uri = client.open(&stg, &text).await;
    let found = client
        .diagnostics(&uri, |d| d.iter().any(|d| d["code"] == "L015"))
        .await;
    let d = found.iter().find(|d| d["code"] == "L015").unwrap();
    assert_eq!(d["severity"], 1);
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("removes `status`, used by `orders.status`"),
        "{d}"
    );
    let related = &d["relatedInformation"][0];
    let orders = Uri::from_file_path(dir.join("models/orders.sql")).unwrap();
    assert_eq!(related["location"]["uri"], json!(orders));
    assert_eq!(related["location"]["range"]["start"]["line"], status_at);
    // The place: the `renamed` gem's name.
    let renamed_line = text[..text.find("renamed as").unwrap()]
        .matches('\n')
        .count();
    assert_eq!(d["range"]["start"]["line"], renamed_line);

    let impact = client.request("loupe/impact", json!({"uri": uri})).await;
    assert_eq!(impact["breaking"], true, "{impact:#}");
    let mut downstream: Vec<&str> = impact["downstreamModels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    downstream.sort();
    assert_eq!(downstream, ["customers", "orders"]);
    assert_eq!(impact["branch"], "feature");
    let status = client.request("loupe/status", json!({})).await;
    assert_eq!(status["base"]["label"], "merge base of HEAD and main");
    assert_eq!(status["project"]["models"], 5);
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let titles: Vec<&str> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"2 downstream models"), "{titles:?}");
    assert!(titles.contains(&"breaks 1 use downstream"), "{titles:?}");
}

/// `loupe run FILE --format json` in a project: (columns, rows) as DuckDB gives them.
#[cfg(feature = "fabric")]
fn rows_of(project: &Path, model: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    let out = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["run", "--format", "json", "--limit", "100000"])
        .arg(project.join(model))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let columns = result["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_str().unwrap().to_string())
        .collect();
    let rows = result["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().clone())
        .collect();
    (columns, rows)
}

#[cfg(feature = "fabric")]
#[test]
fn a_changed_filter_shows_the_rows_duckdb_gives_for_both_versions() {
    let Some(corpus) = jaffle_shop() else { return };
    let dir = repository(&corpus, "data");
    // The base, checked out beside: what DuckDB gives for it, run directly.
    let base_dir = dir.with_extension("base");
    let _ = std::fs::remove_dir_all(&base_dir);
    git(
        &dir,
        &["worktree", "add", "-q", base_dir.to_str().unwrap(), "main"],
    );
    let stg = "models/staging/stg_orders.sql";
    edit(
        &dir.join(stg),
        "select * from {{ ref('raw_orders') }}",
        "select * from {{ ref('raw_orders') }}\n    where status <> 'returned'",
    );
    let (columns, before) = rows_of(&base_dir, stg);
    let (_, after) = rows_of(&dir, stg);
    let key_at = columns.iter().position(|c| c == "order_id").unwrap();
    let keys = |rows: &[Vec<Value>]| -> std::collections::BTreeSet<String> {
        rows.iter()
            .map(|r| r[key_at].to_string().trim_matches('"').to_string())
            .collect()
    };
    let removed: Vec<String> = keys(&before).difference(&keys(&after)).cloned().collect();
    assert!(!removed.is_empty() && after.len() + removed.len() == before.len());

    let (code, answer) = diff(&dir, &["--data"]);
    assert_eq!(code, 0, "a filter breaks no schema: {answer:#}");
    let data = answer["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "only the changed model runs: {data:?}");
    let d = &data[0];
    assert_eq!(d["model"], "stg_orders");
    // The key comes from the YAML's unique test on order_id.
    assert_eq!(d["key"], json!(["order_id"]));
    assert_eq!(d["base_rows"], before.len());
    assert_eq!(d["rows"], after.len());
    assert_eq!(d["removed"], removed.len());
    assert_eq!(
        (d["added"].clone(), d["changed"].clone()),
        (json!(0), json!(0))
    );
    let mut reported: Vec<String> = d["removed_examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k[0].as_str().unwrap().to_string())
        .collect();
    reported.sort();
    let mut expected = removed.clone();
    expected.sort();
    expected.truncate(reported.len());
    assert_eq!(reported.len(), removed.len().min(10));
    assert_eq!(reported, expected);

    // A change of values: every amount of stg_payments doubled, matched on payment_id.
    edit(
        &dir.join("models/staging/stg_payments.sql"),
        "amount / 100 as amount",
        "amount / 50 as amount",
    );
    let (_, answer) = diff(&dir, &["--data", "--key", "stg_payments=payment_id"]);
    let d = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["model"] == "stg_payments")
        .expect("stg_payments diffed")
        .clone();
    let payments = "models/staging/stg_payments.sql";
    let ((columns, before), (_, after)) = (rows_of(&base_dir, payments), rows_of(&dir, payments));
    let id = columns.iter().position(|c| c == "payment_id").unwrap();
    let by_id = |rows: &[Vec<Value>]| -> std::collections::BTreeMap<String, Vec<Value>> {
        rows.iter()
            .map(|r| (r[id].to_string(), r.clone()))
            .collect()
    };
    let (before, after) = (by_id(&before), by_id(&after));
    let changed = after
        .iter()
        .filter(|(k, r)| before.get(*k) != Some(*r))
        .count();
    assert!(changed > 0);
    assert_eq!(d["changed"], changed, "{d:#}");
    let amount = d["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["column"] == "amount")
        .unwrap();
    assert_eq!(amount["changed"], d["changed"]);
    assert_eq!(amount["compared"], after.len());
    let _ = Command::new("git")
        .args(["worktree", "remove", "--force"])
        .arg(&base_dir)
        .current_dir(&dir)
        .status();
}
