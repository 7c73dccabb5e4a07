//! `return()` in a macro ends the macro, as dbt's raises: nothing after it
//! runs (the rest of a loop, a warehouse query, an append to a caller's list).

use std::path::{Path, PathBuf};

use loupe_analysis::host::AnalysisHost;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("loupe-return-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(&root, "dbt_project.yml", "name: shop\nprofile: shop\n");
    for (path, text) in files {
        write(&root, path, text);
    }
    root
}

const MACROS: &str = r#"
{% macro first_match(items, wanted, seen) %}
  {% for item in items %}
    {% do seen.append(item) %}
    {% if item == wanted %}{{ return(item) }}{% endif %}
  {% endfor %}
  {{ return('none') }}
{% endmacro %}

{% macro order_columns() %}
  {% if execute %}{{ return('id, amount') }}{% endif %}
  {% set found = run_query('select column_name from information_schema.columns') %}
  {{ return(found.columns[0].values() | join(', ')) }}
{% endmacro %}
"#;

#[test]
fn a_loop_stops_at_its_return() {
    let root = project(
        "loop",
        &[
            ("macros/helpers.sql", MACROS),
            (
                "models/picked.sql",
                "{% set seen = [] %}{% set found = first_match(['x', 'y', 'z'], 'y', seen) %}\
                 select '{{ found }}' as found, {{ seen | length }} as looked_at",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let file = host.file(&root.join("models/picked.sql")).unwrap();
    let rendered = loupe_analysis::model::rendered_model(host.db(), host.project(), file);
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(rendered.error, None, "{:?}", rendered.error);
    assert!(
        rendered.sql.contains("select 'y' as found, 2 as looked_at"),
        "{}",
        rendered.sql
    );
}

#[test]
fn a_warehouse_query_after_a_return_is_not_made() {
    let root = project(
        "query",
        &[
            ("macros/helpers.sql", MACROS),
            (
                "models/orders.sql",
                "with source as (select 1 as id, 2.5 as amount, 'x' as note)\n\
                 select {{ order_columns() }} from source",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let file = host.file(&root.join("models/orders.sql")).unwrap();
    let analysis = loupe_analysis::model::model_analysis(host.db(), host.project(), file);
    let diagnostics = host.check();
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(analysis.unknown_because, None);
    let columns: Vec<&str> = analysis
        .output
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(columns, ["id", "amount"]);
    assert!(!analysis.output.open, "the columns are all known");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}
