//! End-to-end: the real server, in memory, spoken to in JSON-RPC the way an
//! editor does. Positions are written with a `$0` cursor marker.

use std::path::{Path, PathBuf};

use loupe_lsp::memory_client::{copy_dir, Client};
use serde_json::{json, Value};
use tower_lsp_server::ls_types::Uri;

fn fixture(name: &str, test: &str) -> PathBuf {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let to = std::env::temp_dir().join(format!("loupe-lsp-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&from, &to);
    to
}

/// Writes `text` (with one `$0` marker) to `path`; returns the text without
/// the marker and the LSP position of the marker (UTF-16 columns).
fn with_cursor(path: &Path, text: &str) -> (String, Value) {
    let at = text.find("$0").expect("a $0 marker");
    let clean = text.replacen("$0", "", 1);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, &clean).unwrap();
    let before = &clean[..at];
    let line = before.matches('\n').count();
    let character: usize = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .map(char::len_utf16)
        .sum();
    (clean, json!({"line": line, "character": character}))
}

/// The `key` string of each element of an array answer.
/// The LSP position (line, character from 0) of byte `at` of an ASCII text.
fn position(text: &str, at: usize) -> Value {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": text[..at].matches('\n').count(), "character": at - line_start})
}

/// `textDocument/codeAction` parameters at byte `at` of a file's text, with
/// no diagnostics in context.
fn actions_at(uri: &Uri, text: &str, at: usize) -> Value {
    let cursor = position(text, at);
    json!({"textDocument": {"uri": uri}, "range": {"start": cursor, "end": cursor}, "context": {"diagnostics": []}})
}

fn strings_of<'a>(answer: &'a Value, key: &str) -> Vec<&'a str> {
    answer
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[key].as_str().unwrap())
        .collect()
}

fn labels(completion: &Value) -> Vec<String> {
    strings_of(completion, "label")
        .into_iter()
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostics_are_pushed_also_for_files_not_open() {
    let root = fixture("broken_project", "push");
    let mut client = Client::start(&root).await;
    let path = root.join("models/broken/l003_unqualified.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let uri = client.open(&path, &text).await;
    let diagnostics = client.diagnostics(&uri, |d| !d.is_empty()).await;
    assert_eq!(diagnostics[0]["code"], "L003");
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `amount`"));
    // A cycle is reported on both models, neither of which is open.
    let cycle = Uri::from_file_path(root.join("models/cycle/cycle_a.sql")).unwrap();
    let d = client.diagnostics(&cycle, |d| !d.is_empty()).await;
    assert_eq!(d[0]["code"], "L010");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_breaks_then_fixes_a_model() {
    let root = fixture("valid_project", "edit");
    let mut client = Client::start(&root).await;
    let path = root.join("models/staging/stg_orders.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let uri = client.open(&path, &text).await;
    let target = text.find("user_id").expect("stg_orders renames user_id");
    let start = position(&text, target);
    let end = json!({"line": start["line"], "character": start["character"].as_u64().unwrap() + 7});
    client
        .notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": {"start": start, "end": end}, "text": "usr_id"}]}))
        .await;
    let broken = client.diagnostics(&uri, |d| !d.is_empty()).await;
    assert_eq!(broken[0]["code"], "L003");
    assert!(broken[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `user_id`"));
    let end = json!({"line": start["line"], "character": start["character"].as_u64().unwrap() + 6});
    client
        .notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"range": {"start": start, "end": end}, "text": "user_id"}]}))
        .await;
    let fixed = client.diagnostics(&uri, |d| d.is_empty()).await;
    assert!(fixed.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_on_columns_gems_refs_and_multibyte_text() {
    let root = fixture("valid_project", "hover");
    let path = root.join("models/marts/hover_me.sql");
    let (text, position) = with_cursor(
        &path,
        "with paid as (\n    select * from {{ ref('stg_payments') }}\n)\nselect 'héllo 😀' as greeting, am$0ount from paid\n",
    );
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;
    let value = client.hover(&uri, json!(position)).await;
    assert!(value.contains("`amount`: **DOUBLE**"), "{value}");
    assert!(
        value.contains("root source: `raw_payments.amount`"),
        "{value}"
    );

    let value = client.hover(&uri, json!({"line": 0, "character": 6})).await;
    assert!(
        value.contains("**gem** `paid` — Source") && value.contains("| payment_method | VARCHAR |"),
        "{value}"
    );

    let value = client
        .hover(&uri, json!({"line": 1, "character": 24}))
        .await;
    assert!(value.contains("**model** `stg_payments`"), "{value}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_of_refs_columns_after_alias_and_in_half_typed_sql() {
    let root = fixture("valid_project", "complete");
    let path = root.join("models/marts/complete_me.sql");
    let (text, position) = with_cursor(&path, "select o.$0 from {{ ref('stg_orders') }} as o\n");
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;
    let columns = client
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
        .await;
    let names = labels(&columns);
    for c in ["order_id", "customer_id", "order_date", "status"] {
        assert!(names.contains(&c.to_string()), "{names:?}");
    }
    let detail = columns
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "order_date")
        .unwrap()["detail"]
        .clone();
    assert_eq!(detail, json!("DATE · o"));

    // Inside ref(' the models and seeds.
    let (text2, position2) = with_cursor(&path, "select * from {{ ref('stg_$0\n");
    client
        .notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text2}]}))
        .await;
    let refs = labels(
        &client
            .request(
                "textDocument/completion",
                json!({"textDocument": {"uri": uri}, "position": position2}),
            )
            .await,
    );
    assert!(
        refs.contains(&"stg_orders".to_string()) && refs.contains(&"raw_orders".to_string()),
        "{refs:?}"
    );

    // Half-typed SQL: the columns of the last analysis that parsed.
    let _ = client.diagnostics(&uri, |_| true).await;
    let (text3, position3) = with_cursor(
        &path,
        "select o.order_id, $0 from {{ ref('stg_orders') }} as o where\n",
    );
    client
        .notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": text3}]}))
        .await;
    let half = labels(
        &client
            .request(
                "textDocument/completion",
                json!({"textDocument": {"uri": uri}, "position": position3}),
            )
            .await,
    );
    assert!(half.contains(&"status".to_string()), "{half:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_symbols_and_loupe_methods() {
    let root = fixture("valid_project", "navigate");
    let path = root.join("models/marts/customers.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;
    let at = text.find("ref('stg_orders')").unwrap();
    let position = position(&text, at);
    let definition = client
        .request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
        .await;
    assert!(
        definition[0]["uri"]
            .as_str()
            .unwrap()
            .ends_with("models/staging/stg_orders.sql"),
        "{definition}"
    );

    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let names = strings_of(&symbols, "name");
    assert!(
        names.contains(&"customer_orders") && names.contains(&"customers"),
        "{names:?}"
    );

    let schema = client
        .request(
            "loupe/schema",
            json!({"uri": uri, "gem": "customer_orders"}),
        )
        .await;
    assert_eq!(
        schema["columns"][1],
        json!({"name": "first_order", "type": "DATE"})
    );
    let lineage = client
        .request(
            "loupe/lineage",
            json!({"model": "customers", "column": "lifetime_value"}),
        )
        .await;
    assert!(
        lineage["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["relation"] == "raw_payments"),
        "{lineage}"
    );
    let graph = client.request("loupe/graph", json!({})).await;
    assert!(graph["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["from"] == "stg_orders" && e["to"] == "customers"));
    // Gems name what they read as the edges do; seeds carry their columns.
    let model = |name: &str| {
        graph["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap()
            .clone()
    };
    let customers = model("customers");
    let reads: Vec<&str> = customers["gems"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["inputs"].as_array().unwrap())
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(reads.contains(&"stg_orders"), "{reads:?}");
    let seed = model("raw_orders");
    assert_eq!(seed["gems"][0]["kind"], "Source", "{seed}");
    assert!(!seed["gems"][0]["output"]["columns"]
        .as_array()
        .unwrap()
        .is_empty());
    let compiled = client.request("loupe/compiled", json!({"uri": uri})).await;
    assert!(compiled["sql"]
        .as_str()
        .unwrap()
        .contains("main.stg_orders"));
    let unknown = client
        .request("loupe/schema", json!({"relation": "no_such_model"}))
        .await;
    assert!(unknown.get("error").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lenses_folding_hints_references_signatures_symbols_and_refactors() {
    let root = fixture("valid_project", "margin");
    let path = root.join("models/marts/margin.sql");
    let (text, position) = with_cursor(
        &path,
        "with paid as (\n    select * from {{ ref('stg_payments') }}\n)\nselect round(amount, $02) as amount, order_id\nfrom paid\n",
    );
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;
    let doc = json!({"uri": uri});

    let lenses = client
        .request("textDocument/codeLens", json!({"textDocument": doc}))
        .await;
    let titles: Vec<&str> = lenses
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"4 columns") && titles.contains(&"2 columns"),
        "{titles:?}"
    );

    let folds = client
        .request("textDocument/foldingRange", json!({"textDocument": doc}))
        .await;
    assert!(
        folds
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["startLine"] == 0 && f["endLine"].as_u64().unwrap() >= 1),
        "{folds}"
    );

    let hints = client
        .request("textDocument/inlayHint", json!({"textDocument": doc, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}}}))
        .await;
    let labels = strings_of(&hints, "label");
    assert!(
        labels.contains(&": DOUBLE") && labels.contains(&": INTEGER"),
        "{labels:?}"
    );

    let help = client
        .request(
            "textDocument/signatureHelp",
            json!({"textDocument": doc, "position": position}),
        )
        .await;
    assert_eq!(help["activeParameter"], 1);
    assert!(
        help["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["label"] == "round(DOUBLE, INTEGER) -> DOUBLE"),
        "{help}"
    );

    // `order_id` here reads stg_payments.order_id: references include other models reading it.
    let at = text.rfind("order_id").unwrap();
    let refs = client
        .request("textDocument/references", json!({"textDocument": doc, "position": {"line": 3, "character": at - text[..at].rfind('\n').unwrap() - 1}, "context": {"includeDeclaration": true}}))
        .await;
    let files = strings_of(&refs, "uri");
    assert!(
        files.iter().any(|f| f.ends_with("margin.sql"))
            && files.iter().any(|f| !f.ends_with("margin.sql")),
        "{files:?}"
    );

    let symbols = client
        .request("workspace/symbol", json!({"query": "stg_"}))
        .await;
    let names = strings_of(&symbols, "name");
    assert!(
        names.contains(&"stg_orders") && names.contains(&"stg_payments"),
        "{names:?}"
    );

    // Expanding the `*` of the `paid` gem.
    let star = json!({"start": {"line": 1, "character": 11}, "end": {"line": 1, "character": 12}});
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": doc, "range": star, "context": {"diagnostics": []}}),
        )
        .await;
    let expand = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("Expand `*`"))
        .expect("an expand action");
    let edit = &expand["edit"]["changes"][uri.as_str()][0];
    assert_eq!(
        edit["newText"],
        "payment_id, order_id, payment_method, amount"
    );

    // A stub model for an unknown ref.
    let diagnostic = json!({"range": {"start": {"line": 1, "character": 18}, "end": {"line": 1, "character": 45}}, "code": "L006",
        "message": "`ref('dim_dates')`: no model or seed named `dim_dates`"});
    let actions = client.request("textDocument/codeAction", json!({"textDocument": doc, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}})).await;
    let stub = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Create a stub model `dim_dates`")
        .expect("a stub action");
    assert!(stub["edit"]["documentChanges"][0]["uri"]
        .as_str()
        .unwrap()
        .ends_with("models/marts/dim_dates.sql"));
}

fn edits_by_file(edit: &Value) -> Vec<(String, Vec<String>)> {
    edit["documentChanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("edits").is_some())
        .map(|c| {
            let file = c["textDocument"]["uri"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (
                file,
                c["edits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["newText"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_a_gem_a_column_alias_and_a_model() {
    let root = fixture("valid_project", "rename");
    let path = root.join("models/marts/customers.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;
    // The position `skip` bytes into the `nth` occurrence of `needle`.
    let pos = |needle: &str, nth: usize, skip: usize| {
        let at = text.match_indices(needle).nth(nth).unwrap().0 + skip;
        position(&text, at)
    };

    // The gem `customer_orders`: its definition, the FROM/JOIN that reads it, and `customer_orders.col` qualifiers.
    let gem = client.request("textDocument/rename", json!({"textDocument": {"uri": uri}, "position": pos("customer_orders", 0, 0), "newName": "order_stats"})).await;
    let edits = edits_by_file(&gem);
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0].1.len(),
        text.matches("customer_orders").count(),
        "{edits:?}"
    );

    // The output alias `lifetime_value`: the alias, and downstream readers (none outside), plus earlier gem alias untouched.
    let alias = client.request("textDocument/rename", json!({"textDocument": {"uri": uri}, "position": pos("as lifetime_value", 1, 3), "newName": "ltv"})).await;
    let edits = edits_by_file(&alias);
    assert_eq!(
        edits,
        vec![("customers.sql".to_string(), vec!["ltv".to_string()])]
    );

    // The model `stg_orders` from a ref(): every ref to it, and its file.
    let at = text.find("ref('stg_orders')").unwrap() + 6;
    let position = json!({"line": text[..at].matches('\n').count(), "character": at - text[..at].rfind('\n').unwrap() - 1});
    let model = client.request("textDocument/rename", json!({"textDocument": {"uri": uri}, "position": position, "newName": "stg_order_lines"})).await;
    let edits = edits_by_file(&model);
    let files: Vec<&str> = edits.iter().map(|(f, _)| f.as_str()).collect();
    for f in [
        "customers.sql",
        "aggregates.sql",
        "outer_joins.sql",
        "subqueries.sql",
    ] {
        assert!(files.contains(&f), "{files:?}");
    }
    let renamed = model["documentChanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "rename")
        .expect("the file is renamed");
    assert!(renamed["newUri"]
        .as_str()
        .unwrap()
        .ends_with("models/staging/stg_order_lines.sql"));
    let bad = client
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": position, "newName": "no spaces"}),
        )
        .await;
    assert!(bad.get("error").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_column_neither_grouped_nor_aggregated_gets_added_to_group_by() {
    let root = fixture("broken_project", "group-by");
    let path = root.join("models/broken/l008_not_grouped.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;
    let diagnostics = client.diagnostics(&uri, |d| !d.is_empty()).await;
    assert_eq!(diagnostics[0]["code"], "L008");
    let actions = client
        .request("textDocument/codeAction", json!({"textDocument": {"uri": uri}, "range": diagnostics[0]["range"], "context": {"diagnostics": diagnostics}}))
        .await;
    let action = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Add `status` to GROUP BY")
        .expect("a GROUP BY fix");
    let edit = &action["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["newText"], ", status");
    // Applying it gives a model that checks clean.
    let offset = loupe_lsp::convert::offset(
        &text,
        serde_json::from_value(edit["range"]["start"].clone()).unwrap(),
    );
    let fixed = format!("{}, status{}", &text[..offset], &text[offset..]);
    client
        .notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}))
        .await;
    assert!(client.diagnostics(&uri, |d| d.is_empty()).await.is_empty());
}

#[cfg(feature = "fabric")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_a_gem_and_see_its_sample_on_hover_until_it_changes() {
    let root = fixture("valid_project", "run-gem");
    let path = root.join("models/marts/customers.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;
    let fabrics = client.request("loupe/fabrics", json!({})).await;
    assert_eq!(fabrics["default"], "duckdb");
    assert_eq!(fabrics["details"][0]["kind"], "duckdb");
    assert!(
        fabrics["details"][0]["status"]
            .as_str()
            .unwrap()
            .starts_with("ready"),
        "{fabrics}"
    );
    let unknown = client
        .request("loupe/selectFabric", json!({"name": "prod"}))
        .await;
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no fabric named `prod`"),
        "{unknown}"
    );
    let chosen = client
        .request("loupe/selectFabric", json!({"name": "duckdb"}))
        .await;
    assert_eq!(chosen["selected"], "duckdb");
    let lenses = client
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let run = lenses
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            l["command"]["title"] == "Run"
                && l["command"]["arguments"][0]["gem"] == "customer_orders"
        })
        .expect("a Run lens on customer_orders");
    // Clicking the lens: the client sends the lens's command back.
    let command =
        json!({"command": run["command"]["command"], "arguments": run["command"]["arguments"]});
    let result = client.request("workspace/executeCommand", command).await;
    assert_eq!(result["columns"][0], json!(["customer_id", "INTEGER"]));
    assert_eq!(result["columns"].as_array().unwrap().len(), 4);
    assert!(!result["rows"].as_array().unwrap().is_empty());
    let report = client.shown_message("customer_orders: ").await;
    assert!(report.starts_with("customer_orders: "), "{report}");

    let result = client
        .request(
            "loupe/runGem",
            json!({"uri": uri, "gem": "customer_orders", "limit": 2}),
        )
        .await;
    assert_eq!(result["rows"].as_array().unwrap().len(), 2);
    assert_eq!(result["truncated"], true);
    let at = text.find("customer_orders").unwrap();
    let position = json!({"line": text[..at].matches('\n').count(), "character": 0});
    let value = client.hover(&uri, json!(position)).await;
    assert!(
        value.contains("**sample**\n") && value.contains("| customer_id | first_order |"),
        "{value}"
    );

    // Editing the gem makes its sample stale.
    let edited = text.replacen(
        "count(order_id) as number_of_orders",
        "count(*) as number_of_orders",
        1,
    );
    client
        .notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}))
        .await;
    let hover = client.hover(&uri, position.clone()).await;
    assert!(hover.contains("(stale"), "{hover}");

    // With a client's token, the run reports `$/progress` from begin to end.
    client.notifications.clear();
    let with_progress =
        json!({"uri": uri, "gem": "customer_orders", "limit": 1, "workDoneToken": "run-1"});
    let result = client.request("loupe/runGem", with_progress).await;
    assert_eq!(result["rows"].as_array().map(Vec::len), Some(1), "{result}");
    let kinds = |c: &Client| -> Vec<String> {
        c.notifications
            .iter()
            .filter(|n| n["method"] == "$/progress" && n["params"]["token"] == "run-1")
            .map(|n| n["params"]["value"]["kind"].as_str().unwrap().to_string())
            .collect()
    };
    while kinds(&client).last().map(String::as_str) != Some("end") {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), client.read())
            .await
            .unwrap_or_else(|_| panic!("progress ends: {:?}", client.notifications));
        client.notifications.push(message);
    }
    assert_eq!(kinds(&client), ["begin", "report", "end"]);

    let failed = client
        .request("loupe/runGem", json!({"uri": uri, "gem": "nope"}))
        .await;
    assert!(failed["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no gem named `nope`"));
}

#[cfg(feature = "fabric")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_answers_request_cancelled_and_the_server_goes_on() {
    let root = fixture("valid_project", "cancel-run");
    let path = root.join("models/marts/forever.sql");
    let text = "select sum(range % 7) as total from range(1000000000000)\n";
    std::fs::write(&path, text).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, text).await;
    client
        .send(
            json!({"jsonrpc": "2.0", "id": 900, "method": "loupe/runGem", "params": {"uri": uri}}),
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    client.notify("$/cancelRequest", json!({"id": 900})).await;
    let reply = loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(30), client.read())
            .await
            .expect("a reply in time");
        if message["id"] == json!(900) {
            break message;
        }
    };
    assert_eq!(reply["error"]["code"], json!(-32800), "{reply}");
    // The query stopped (runs take turns on the database file): the next run answers.
    let other = Uri::from_file_path(root.join("models/staging/stg_orders.sql")).unwrap();
    let result = client
        .request("loupe/runGem", json!({"uri": other, "limit": 1}))
        .await;
    assert_eq!(result["rows"].as_array().map(Vec::len), Some(1), "{result}");
}

#[cfg(feature = "fabric")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_action_runs_the_gem_under_the_cursor() {
    let root = fixture("valid_project", "run-action");
    let path = root.join("models/marts/customers.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;
    let inside = |needle: &str| {
        let at = text.find(needle).unwrap();
        json!({"line": text[..at].matches('\n').count(), "character": 4})
    };
    let actions_at = |position: Value| json!({"textDocument": {"uri": uri}, "range": {"start": position, "end": position}, "context": {"diagnostics": []}});
    let mut run_action_at = async |needle: &str| -> Value {
        let actions = client
            .request("textDocument/codeAction", actions_at(inside(needle)))
            .await;
        let found = actions
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["command"]["command"] == "loupe.runGem");
        found.expect("a run action").clone()
    };
    let run = run_action_at("min(order_date)").await;
    assert_eq!(run["title"], "Run gem `customer_orders` on the fabric");
    assert_eq!(run["command"]["arguments"][0]["gem"], "customer_orders");
    let run = run_action_at("coalesce(customer_payments").await;
    assert_eq!(run["command"]["arguments"][0]["gem"], Value::Null);
    let result = client
        .request("workspace/executeCommand", run["command"].clone())
        .await;
    assert_eq!(result["columns"][0][0], "customer_id", "{result}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dbt_options_from_the_client_decide_vars_target_and_naming() {
    let root = fixture("seeded_shop", "dbt-options");
    let mut client = Client::start_with_options(
        &root,
        json!({"dbt": {"vars": "{load_source_data: true}", "target": "prod"}}),
    )
    .await;
    let path = root.join("models/marts/orders.sql");
    let uri = client
        .open(&path, &std::fs::read_to_string(&path).unwrap())
        .await;
    // The prod target's models are named by the project's macro: analytics.*.
    let compiled = client.request("loupe/compiled", json!({"uri": uri})).await;
    let sql = compiled["sql"].as_str().unwrap();
    assert!(sql.contains("analytics.stg_orders"), "{sql}");
    // A source on a seed: hover shows the seed's columns.
    let staging = root.join("models/staging/stg_orders.sql");
    let (text, at) = with_cursor(
        &staging,
        &std::fs::read_to_string(&staging)
            .unwrap()
            .replacen("source('ecom'", "sou$0rce('ecom'", 1),
    );
    let staging_uri = client.open(&staging, &text).await;
    let hover = client.hover(&staging_uri, at).await;
    assert!(
        hover.contains("seed `raw_orders`") && hover.contains("order_total"),
        "{hover}"
    );
}

#[cfg(feature = "fabric")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editors_fabric_and_row_limit_apply_to_runs() {
    let root = fixture("valid_project", "editor-settings");
    let mut client =
        Client::start_with_options(&root, json!({"fabric": "duckdb", "rowLimit": 2})).await;
    let fabrics = client.request("loupe/fabrics", json!({})).await;
    assert!(fabrics.to_string().contains("duckdb"), "{fabrics}");
    let path = root.join("models/staging/stg_orders.sql");
    let uri = client
        .open(&path, &std::fs::read_to_string(&path).unwrap())
        .await;
    let rows = client.request("loupe/runGem", json!({"uri": uri})).await;
    assert_eq!(rows["rows"].as_array().map(Vec::len), Some(2), "{rows}");
    assert_eq!(rows["truncated"], json!(true), "{rows}");
}

#[tokio::test(flavor = "multi_thread")]
async fn edit_the_pipeline_from_its_graph_and_from_code_actions() {
    let root = fixture("valid_project", "edit_pipeline");
    let path = root.join("models/marts/customers.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, &text).await;

    let answer = client
        .request(
            "loupe/editPipeline",
            json!({"uri": uri, "gem": "orders", "operation": {"op": "insert", "gem": {"kind": "Filter", "condition": "order_id is not null"}}}),
        )
        .await;
    assert_eq!(answer["gem"], "orders_filtered", "{answer}");
    let edits = answer["edit"]["changes"][uri.as_str()].as_array().unwrap();
    let written: Vec<&str> = edits
        .iter()
        .map(|e| e["newText"].as_str().unwrap())
        .collect();
    // The new gem, and each read of `orders` by later gems, qualifiers included.
    assert!(written[0].contains("orders_filtered as (\n    select *\n    from orders\n    where order_id is not null\n)"), "{written:?}");
    assert!(
        written[1..].iter().all(|w| *w == "orders_filtered"),
        "{written:?}"
    );
    assert!(written.len() > 3, "{written:?}");
    assert_eq!(
        answer["output"]["columns"].as_array().unwrap().len() > 2,
        true
    );

    // On the edge orders -> customer_orders: customer_payments keeps reading orders.
    let answer = client
        .request(
            "loupe/editPipeline",
            json!({"uri": uri, "gem": "orders", "operation": {"op": "insert", "gem": {"kind": "Filter", "condition": "order_id is not null"}, "reader": {"gem": "customer_orders"}}}),
        )
        .await;
    assert_eq!(answer["gem"], "orders_filtered", "{answer}");
    assert_eq!(
        answer["title"],
        "Insert a Filter gem `orders_filtered` between `orders` and `customer_orders`"
    );
    let edits = answer["edit"]["changes"][uri.as_str()].as_array().unwrap();
    let written: Vec<&str> = edits
        .iter()
        .map(|e| e["newText"].as_str().unwrap())
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
    assert_eq!(written[1], "orders_filtered", "{written:?}");
    // The edge from a relation: stg_customers -> customers.
    let answer = client
        .request(
            "loupe/editPipeline",
            json!({"uri": uri, "gem": "stg_customers", "operation": {"op": "insert", "gem": {"kind": "Limit", "count": 10}, "reader": {"gem": "customers"}}}),
        )
        .await;
    assert_eq!(answer["gem"], "stg_customers_limited", "{answer}");

    // A gem's parts, for the form: an Aggregate's are the code's to edit,
    // with its input port's columns.
    let parts = client
        .request(
            "loupe/gemParts",
            json!({"uri": uri, "gem": "customer_orders"}),
        )
        .await;
    assert_eq!(parts["kind"], "Aggregate", "{parts}");
    assert_eq!(parts["parts"], Value::Null, "{parts}");
    assert!(parts["reason"].as_str().unwrap().contains("edit the code"));
    assert_eq!(parts["inputs"][0]["name"], "orders", "{parts}");
    assert!(strings_of(&parts["inputs"][0]["columns"], "name").contains(&"order_date"));
    let staging = root.join("models/staging/stg_orders.sql");
    let staging_uri = client
        .open(&staging, &std::fs::read_to_string(&staging).unwrap())
        .await;
    let parts = client
        .request(
            "loupe/gemParts",
            json!({"uri": staging_uri, "gem": "renamed"}),
        )
        .await;
    assert_eq!(
        parts["parts"],
        json!({"kind": "Reformat", "columns": [
            {"column": "id", "name": "order_id"},
            {"column": "user_id", "name": "customer_id"},
            {"column": "order_date"},
            {"column": "status"}
        ]}),
        "{parts}"
    );
    assert_eq!(parts["inputs"][0]["name"], "source", "{parts}");
    let unknown = client
        .request("loupe/gemParts", json!({"uri": uri, "gem": "nowhere"}))
        .await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");

    // Removing a gem whose columns its readers need is refused, naming them.
    let refused = client
        .request(
            "loupe/editPipeline",
            json!({"uri": uri, "gem": "customer_orders", "operation": {"op": "remove"}}),
        )
        .await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("first_order"),
        "{refused}"
    );
    assert!(refused["error"]["data"]["columns"]
        .as_array()
        .unwrap()
        .contains(&json!("first_order")));

    // The same operations as code actions at a gem.
    let at = text.find("customer_orders as (").unwrap() + 2;
    let actions = client
        .request("textDocument/codeAction", actions_at(&uri, &text, at))
        .await;
    let titles = strings_of(&actions, "title");
    assert!(
        titles.contains(&"Insert a Limit gem after `customer_orders` (100 rows)"),
        "{titles:?}"
    );
    assert!(
        !titles.iter().any(|t| t.starts_with("Remove gem")),
        "{titles:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_actions_are_verified_when_picked_by_an_editor_that_resolves() {
    let root = fixture("valid_project", "resolve_actions");
    let path = root.join("models/marts/customers.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let resolves = json!({"textDocument": {"codeAction": {"dataSupport": true, "resolveSupport": {"properties": ["edit"]}}}});
    let mut client = Client::start_with(&root, Value::Null, resolves).await;
    let uri = client.open(&path, &text).await;
    let at = text.find("customer_orders as (").unwrap() + 2;
    let actions = client
        .request("textDocument/codeAction", actions_at(&uri, &text, at))
        .await;
    let pipeline: Vec<&Value> = actions
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "refactor" && a["data"].is_object())
        .collect();
    // Listed without their edits, the removal among them (not yet checked).
    let titled = |title: &str| {
        *pipeline
            .iter()
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("no `{title}` in {actions}"))
    };
    let limit = titled("Insert a Limit gem after `customer_orders` (100 rows)");
    let remove = titled("Remove gem `customer_orders`");
    assert!(pipeline.iter().all(|a| a["edit"].is_null()), "{actions}");
    // Picked: the edit is made and verified then.
    let resolved = client.request("codeAction/resolve", limit.clone()).await;
    let edits = resolved["edit"]["changes"][uri.as_str()]
        .as_array()
        .unwrap_or_else(|| panic!("{resolved}"));
    assert!(
        edits
            .iter()
            .any(|e| e["newText"].as_str().unwrap().contains("limit 100")),
        "{resolved}"
    );
    // A removal its readers cannot take is refused with the columns they need.
    let refused = client.request("codeAction/resolve", remove.clone()).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("first_order"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_leaving_the_project_lose_their_diagnostics() {
    let root = std::env::temp_dir().join(format!("loupe-lsp-{}-dbtignore", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("dbt_project.yml", "name: shop\nprofile: shop\n");
    write("models/orders.sql", "select 1 as id\n");
    write(
        "models/scratch/draft.sql",
        "select nope from {{ ref('orders') }}\n",
    );
    write("models/old.sql", "select gone from {{ ref('orders') }}\n");
    let draft = Uri::from_file_path(root.join("models/scratch/draft.sql")).unwrap();
    let old = Uri::from_file_path(root.join("models/old.sql")).unwrap();
    let dbtignore = Uri::from_file_path(root.join(".dbtignore")).unwrap();
    let mut client = Client::start(&root).await;
    let orders = root.join("models/orders.sql");
    client.open(&orders, "select 1 as id\n").await;
    assert_eq!(
        client.diagnostics(&draft, |d| !d.is_empty()).await[0]["code"],
        "L003"
    );
    assert_eq!(
        client.diagnostics(&old, |d| !d.is_empty()).await[0]["code"],
        "L003"
    );

    // Ignored by a new `.dbtignore`: out of the project, its error cleared.
    write(".dbtignore", "models/scratch/\n");
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": dbtignore, "type": 1}]}),
        )
        .await;
    client.diagnostics(&draft, |d| d.is_empty()).await;
    // Deleted outside the editor (a checkout): cleared as well.
    std::fs::remove_file(root.join("models/old.sql")).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": old, "type": 3}]}),
        )
        .await;
    client.diagnostics(&old, |d| d.is_empty()).await;
    // `.dbtignore` changed to let the folder back in: its error is back.
    write(".dbtignore", "# nothing ignored\n");
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": dbtignore, "type": 2}]}),
        )
        .await;
    assert_eq!(
        client.diagnostics(&draft, |d| !d.is_empty()).await[0]["code"],
        "L003"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compiled_sql_injects_ephemeral_models_and_maps_the_model_s_own_lines() {
    let root = std::env::temp_dir().join(format!("loupe-lsp-{}-ephemeral", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let files = [
        ("dbt_project.yml", "name: eph\nversion: '1.0.0'\nconfig-version: 2\n"),
        ("models/stg.sql", "select 1 as id, 'paid' as status\n"),
        (
            "models/int_paid.sql",
            "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('stg') }}\nwhere status = 'paid'\n",
        ),
        (
            "models/paid.sql",
            "with paid as (\n    select * from {{ ref('int_paid') }}\n)\n\nselect id\nfrom paid\n",
        ),
    ];
    for (path, text) in files {
        std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        std::fs::write(root.join(path), text).unwrap();
    }
    let path = root.join("models/paid.sql");
    let mut client = Client::start(&root).await;
    let uri = client.open(&path, files[3].1).await;
    let compiled = client.request("loupe/compiled", json!({"uri": uri})).await;
    let sql = compiled["sql"].as_str().unwrap();
    assert_eq!(
        sql,
        "with  __dbt__cte__int_paid as (\n\nselect * from main.stg\nwhere status = 'paid'\n), paid as (\n    select * from __dbt__cte__int_paid\n)\n\nselect id\nfrom paid"
    );
    // Each compiled line of the model's own SQL leads to its template line;
    // the injected CTE's lines (from another model) lead nowhere here.
    let template_line = |compiled_line: u64| {
        compiled["sourceMap"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["line"] == compiled_line)
            .map(|e| e["templateLine"].as_u64().unwrap())
    };
    let lines: Vec<&str> = sql.lines().collect();
    let own = |text: &str| lines.iter().position(|l| *l == text).unwrap() as u64;
    assert_eq!(template_line(0), Some(0));
    assert_eq!(template_line(own("select * from main.stg")), None);
    assert_eq!(
        template_line(own("    select * from __dbt__cte__int_paid")),
        Some(1)
    );
    assert_eq!(template_line(own("select id")), Some(4));
    assert_eq!(template_line(own("from paid")), Some(5));
    let _ = std::fs::remove_dir_all(&root);
}
