//! `var()` as dbt reads it: a var the project sets, one `--vars` passes, a
//! default, and a var with none of them, which `dbt parse` lets through
//! (it reads as none while parsing) and `dbt compile`/`dbt run` stop on
//! ("Required var 'x' not found in config"): a warning where it is read,
//! since a job may pass it with `--vars`.

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::model::rendered_model;
use loupe_analysis::project::Invocation;

mod common;

fn load(vars: &str) -> (std::path::PathBuf, AnalysisHost) {
    let root = common::write_project(
        &format!("project-vars-{}", vars.len()),
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\nvars:\n  start_date: '2024-01-01'\n"),
            ("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n"),
            ("macros/cutoff.sql", "{% macro cutoff() %}{{ var('cutoff_days') }}{% endmacro %}\n"),
            ("models/filtered.sql", "select 1 as id\nwhere 1 > {{ var('min_id') }}\n"),
            ("models/defaults.sql", "select '{{ var('region', none) }}' as r, '{{ var('tier', default='gold') }}' as t, '{{ var('start_date') }}' as s\n"),
            ("models/recent.sql", "select {{ cutoff() }} as c\n"),
        ],
    );
    let invocation = Invocation {
        vars: Invocation::parse_vars(vars).unwrap(),
        ..Default::default()
    };
    let host = AnalysisHost::load_with(&root, invocation).unwrap();
    (root, host)
}

fn diagnostics(host: &AnalysisHost) -> Vec<String> {
    host.check()
        .into_iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} {:?} {}",
                d.file, d.start.line, d.start.col, d.code, d.severity, d.message
            )
        })
        .collect()
}

#[test]
fn a_var_with_no_value_and_no_default_warns_where_it_is_read() {
    let (root, host) = load("");
    assert_eq!(
        diagnostics(&host),
        [
            // The SQL printed without the value (`where 1 > `) is not what
            // dbt compiles: no syntax error on top of the warning.
            "models/filtered.sql:2:11 L002 Warning var `min_id` has no value and no default: neither dbt_project.yml nor --vars sets it, and `dbt compile` and `dbt run` stop here (\"Required var 'min_id' not found in config\"); give it a value in dbt_project.yml's `vars:` or a default (`var('min_id', ...)`)",
            // Read in a macro: the warning is on the model that calls it.
            "models/recent.sql:1:1 L002 Warning var `cutoff_days` has no value and no default: neither dbt_project.yml nor --vars sets it, and `dbt compile` and `dbt run` stop here (\"Required var 'cutoff_days' not found in config\"); give it a value in dbt_project.yml's `vars:` or a default (`var('cutoff_days', ...)`)",
        ]
    );
    // `dbt compile` of the defaults: `select 'None' as r, 'gold' as t, '2024-01-01' as s`.
    let file = host.file(&root.join("models/defaults.sql")).unwrap();
    assert_eq!(
        rendered_model(host.db(), host.project(), file).sql,
        "select 'None' as r, 'gold' as t, '2024-01-01' as s\n"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn vars_passed_on_the_command_line_count_as_values() {
    let (root, host) = load("{min_id: 0, cutoff_days: 3}");
    assert_eq!(diagnostics(&host), Vec::<String>::new());
    let _ = std::fs::remove_dir_all(&root);
}
