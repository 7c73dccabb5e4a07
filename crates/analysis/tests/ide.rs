//! Editor refactors as the user applies them: the edited project must check
//! clean and keep its output schema.

use std::path::{Path, PathBuf};

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::ide::{actions, completions, find_references, rename, Action};
use loupe_analysis::text::TextRange;

fn project_with(files: &[(&str, &str)], test: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("loupe-ide-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("seeds")).unwrap();
    std::fs::write(root.join("dbt_project.yml"), "name: ide\nprofile: ide\n").unwrap();
    std::fs::write(
        root.join("seeds/raw_orders.csv"),
        "id,status,amount\n1,paid,2.5\n2,open,3.0\n",
    )
    .unwrap();
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    root
}

fn apply(text: &str, edits: &[(TextRange, String)]) -> String {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = text.to_string();
    for (r, new) in edits {
        out.replace_range(r.start..r.end, &new);
    }
    out
}

/// Applies the action titled `title` offered at `needle` in `model`; returns the new text.
fn refactor(
    host: &mut AnalysisHost,
    root: &Path,
    model: &str,
    needle: &str,
    title: &str,
) -> (PathBuf, String) {
    let path = root.join(model);
    let file = host.file(&path).unwrap();
    let text = file.text(host.db()).to_string();
    let at = text.find(needle).unwrap();
    let offered = actions(
        host.db(),
        host.project(),
        file,
        TextRange::new(at, at + needle.len()),
        &[],
    );
    let titles: Vec<String> = offered
        .iter()
        .map(|a| match a {
            Action::Replace { title, .. }
            | Action::Edits { title, .. }
            | Action::CreateFile { title, .. } => title.clone(),
        })
        .collect();
    let Some(Action::Edits {
        file: target,
        edits,
        ..
    }) = offered
        .into_iter()
        .find(|a| matches!(a, Action::Edits { title: t, .. } if t == title))
    else {
        panic!("`{title}` not offered at `{needle}`: {titles:?}")
    };
    let target_path = host.path_of(target);
    let new_text = apply(target.text(host.db()), &edits);
    host.set_file_text(&target_path, new_text.clone());
    (target_path, new_text)
}

#[test]
fn extract_a_derived_table_into_a_gem_and_inline_it_back() {
    let model =
        "select d.id, d.status\nfrom (select id, status from {{ ref('raw_orders') }}) as d\n";
    let root = project_with(&[("models/m.sql", model)], "extract");
    let mut host = AnalysisHost::load(&root).unwrap();
    let before = host.relation_schemas()["main.m"].to_pairs();

    let (_, extracted) = refactor(
        &mut host,
        &root,
        "models/m.sql",
        "(select id",
        "Extract into a gem `d`",
    );
    assert!(extracted.starts_with("with d as ("), "{extracted}");
    assert!(host.check().is_empty(), "{extracted}\n{:?}", host.check());
    assert_eq!(host.relation_schemas()["main.m"].to_pairs(), before);

    let (_, inlined) = refactor(&mut host, &root, "models/m.sql", "from d", "Inline gem `d`");
    assert!(!inlined.contains("with d as"), "{inlined}");
    assert!(host.check().is_empty(), "{inlined}\n{:?}", host.check());
    assert_eq!(host.relation_schemas()["main.m"].to_pairs(), before);
}

/// Where each (file, text) pair of `found` sits: the file's path under
/// models/ and the text at the range.
fn places(
    host: &AnalysisHost,
    found: impl IntoIterator<Item = (loupe_analysis::db::SourceFile, TextRange)>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = found
        .into_iter()
        .map(|(file, range)| {
            let path = file.path(host.db()).rsplit('/').next().unwrap().to_string();
            (
                path,
                file.text(host.db())[range.start..range.end].to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn references_and_renames_reach_the_models_that_read_a_column_and_only_those() {
    let root = project_with(
        &[
            (
                "models/stg_orders.sql",
                "select id, status, amount as order_amount from {{ ref('raw_orders') }}\n",
            ),
            (
                "models/direct.sql",
                "select id, order_amount from {{ ref('stg_orders') }}\n",
            ),
            // Read through a gem that takes every column with `*`.
            (
                "models/via_star.sql",
                "with o as (\n    select * from {{ ref('stg_orders') }}\n)\n\nselect o.order_amount * 2 as doubled from o\n",
            ),
            // A column of the same name that reads nothing of stg_orders.
            (
                "models/unrelated.sql",
                "with t as (select 1 as order_amount)\nselect order_amount from t\n",
            ),
        ],
        "references",
    );
    let host = AnalysisHost::load(&root).unwrap();
    assert!(host.check().is_empty(), "{:?}", host.check());
    let direct = host.file(&root.join("models/direct.sql")).unwrap();
    let at = direct.text(host.db()).find("order_amount").unwrap();
    let found = find_references(host.db(), host.project(), direct, at);
    assert_eq!(
        places(&host, found.iter().map(|t| (t.file, t.range))),
        [
            ("direct.sql".to_string(), "order_amount".to_string()),
            ("via_star.sql".to_string(), "o.order_amount".to_string()),
        ]
    );

    let staging = host.file(&root.join("models/stg_orders.sql")).unwrap();
    let at = staging.text(host.db()).find("order_amount").unwrap();
    let edits = rename(host.db(), host.project(), staging, at, "total").unwrap();
    assert_eq!(
        places(&host, edits.edits.iter().map(|(f, r, _)| (*f, *r))),
        [
            ("direct.sql".to_string(), "order_amount".to_string()),
            ("stg_orders.sql".to_string(), "order_amount".to_string()),
            ("via_star.sql".to_string(), "order_amount".to_string()),
        ]
    );
}

#[test]
fn missing_columns_are_added_to_the_model_yaml() {
    let yaml = "version: 2\nmodels:\n  - name: m\n    description: orders\n    columns:\n      - name: id\n        description: the key\n";
    let root = project_with(
        &[
            (
                "models/m.sql",
                "select id, status, amount from {{ ref('raw_orders') }}\n",
            ),
            ("models/schema.yml", yaml),
        ],
        "yaml",
    );
    let mut host = AnalysisHost::load(&root).unwrap();
    let (_, new_yaml) = refactor(
        &mut host,
        &root,
        "models/m.sql",
        "select",
        "Add 2 missing column(s) to the YAML of `m`",
    );
    let parsed: serde_yaml::Value = serde_yaml::from_str(&new_yaml).unwrap();
    let names: Vec<&str> = parsed["models"][0]["columns"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "status", "amount"], "{new_yaml}");
}

#[test]
fn macros_complete_inside_jinja_tags() {
    let root = project_with(
        &[
            ("models/m.sql", "select {{ dbt.\n"),
            (
                "macros/cents.sql",
                "{% macro cents(c) %}{{ c }} * 100{% endmacro %}\n",
            ),
        ],
        "macros",
    );
    let host = AnalysisHost::load(&root).unwrap();
    let file = host.file(&root.join("models/m.sql")).unwrap();
    let labels: Vec<String> = completions(host.db(), host.project(), file, 13, None)
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(
        labels.contains(&"cents".to_string()) && labels.contains(&"dateadd".to_string()),
        "{labels:?}"
    );
}

#[test]
fn functions_complete_with_their_signatures() {
    let root = project_with(
        &[("models/m.sql", "select ro from {{ ref('raw_orders') }}\n")],
        "functions",
    );
    let host = AnalysisHost::load(&root).unwrap();
    let file = host.file(&root.join("models/m.sql")).unwrap();
    let items = completions(host.db(), host.project(), file, 9, None);
    let round = items
        .iter()
        .find(|c| c.label == "round")
        .expect("round is offered");
    assert!(
        round.detail.starts_with("function · round(") && round.detail.contains("more)"),
        "{}",
        round.detail
    );
    let sum = items
        .iter()
        .find(|c| c.label == "sum")
        .expect("sum is offered");
    assert!(sum.detail.starts_with("aggregate · sum("), "{}", sum.detail);
    // Columns in scope come with their type.
    let status = items
        .iter()
        .find(|c| c.label == "status")
        .expect("status is offered");
    assert_eq!(status.detail, "VARCHAR · raw_orders");
}
