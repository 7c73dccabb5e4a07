//! Macros that branch on the dbt command (`flags.WHICH`) take the branch of
//! `dbt run`, whose SQL Loupe checks: a star over a relation whose every
//! column is excluded prints nothing, as dbt_utils' `star` does in a run
//! (its `compile` placeholder, `* /* No columns ... */`, is not SQL that runs).

use loupe_analysis::host::AnalysisHost;

mod common;

/// The shape of dbt_utils' `star`: the relation's columns less `except`, a
/// placeholder only under `dbt compile`.
const STAR_MACRO: &str = r#"
{% macro star(from, except=[]) %}
    {%- set cols = [] -%}
    {%- for col in adapter.get_columns_in_relation(from) -%}
        {%- if col.column | lower not in except | map('lower') | list -%}
            {%- do cols.append(col.column) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if cols | length == 0 -%}
        {%- if flags.WHICH == 'compile' -%}* /* No columns were returned. */{%- endif -%}
    {%- else -%}{{ cols | join(', ') }}, {% endif -%}
{% endmacro %}
"#;

#[test]
fn a_star_of_no_columns_prints_what_dbt_run_prints() {
    let root = common::write_project(
        "dbt-command",
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\n"),
            ("macros/star.sql", STAR_MACRO),
            ("seeds/s.csv", "a,b\n1,x\n"),
            (
                "models/none_left.sql",
                "select {{ star(from=ref('s'), except=['a', 'b']) }} 1 as x from {{ ref('s') }}\n",
            ),
            (
                "models/one_left.sql",
                "select {{ star(from=ref('s'), except=['a']) }} 1 as x from {{ ref('s') }}\n",
            ),
            (
                "models/command.sql",
                "select '{{ flags.WHICH }}' as command\n",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(common::diagnostic_lines(&host), Vec::<String>::new());
    let names = |relation: &str| common::column_names(&host, relation);
    assert_eq!(names("main.none_left"), ["x"]);
    assert_eq!(names("main.one_left"), ["b", "x"]);
    let file = host.file(&root.join("models/command.sql")).unwrap();
    let sql = loupe_analysis::model::rendered_model(host.db(), host.project(), file)
        .sql
        .clone();
    assert!(sql.contains("'run' as command"), "{sql}");
    let _ = std::fs::remove_dir_all(&root);
}
