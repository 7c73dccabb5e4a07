//! Dates in dbt's Jinja: `run_started_at` and `modules.datetime` moved by
//! a `timedelta`, as incremental filters, microbatch configs and packages
//! (elementary's buckets) write them. Python does the arithmetic; Loupe
//! renders the same values and raises nothing.

use std::path::{Path, PathBuf};

use loupe_analysis::host::AnalysisHost;

mod common;

fn project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let mut all = vec![("dbt_project.yml", "name: shop\nprofile: shop\n")];
    all.extend_from_slice(files);
    common::write_project(&format!("dates-{name}"), &all)
}

fn compiled(host: &AnalysisHost, model: &Path) -> String {
    let file = host.file(model).unwrap();
    loupe_analysis::model::rendered_model(host.db(), host.project(), file)
        .sql
        .clone()
}

fn no_diagnostics(host: &AnalysisHost) {
    let found: Vec<String> = host
        .check()
        .into_iter()
        .map(|d| format!("{}:{} {} {}", d.file, d.start.line, d.code, d.message))
        .collect();
    assert_eq!(found, Vec::<String>::new());
}

const BUCKETS_MACRO: &str = r#"
{% macro bucket_bounds(days_back) %}
    {%- set max_bucket_end = "'" ~ run_started_at.strftime("%Y-%m-%d 00:00:00") ~ "'" %}
    {%- set min_bucket_end = "'" ~ (run_started_at - modules.datetime.timedelta(days_back)).strftime("%Y-%m-%d 00:00:00") ~ "'" %}
    {{ return([min_bucket_end, max_bucket_end]) }}
{% endmacro %}
"#;

const EVENTS: &str = r#"{{
  config(
    materialized = 'incremental',
    incremental_strategy = 'microbatch',
    event_time = 'event_ts',
    batch_size = 'day',
    begin = (modules.datetime.datetime.now().replace(hour=6, minute=0, second=0) - modules.datetime.timedelta(2)).isoformat()
  )
}}
{% set seven_days_ago = (
    modules.datetime.date.today() - modules.datetime.timedelta(days=7)
).isoformat() %}
{% set bounds = bucket_bounds(3) %}
select
    1 as event_id,
    cast('{{ seven_days_ago }}' as date) as since,
    {{ bounds[0] }} as first_bucket,
    {{ bounds[1] }} as last_bucket,
    {{ run_started_at.timestamp() }} as started,
    {{ (run_started_at - modules.datetime.timedelta(hours=2)).timestamp() }} as two_hours_before,
    {{ (run_started_at + modules.datetime.timedelta(weeks=1, minutes=1)).timestamp() }} as a_week_after,
    '{{ modules.datetime.timedelta(hours=26, seconds=5) }}' as shown,
    {{ modules.datetime.timedelta(days=1.5).total_seconds() }} as seconds,
    '{{ run_started_at.date() - modules.datetime.timedelta(hours=30) }}' as yesterday
"#;

#[test]
fn datetimes_moved_by_a_timedelta_render_as_python_computes_them() {
    let root = project(
        "shift",
        &[
            ("macros/buckets.sql", BUCKETS_MACRO),
            ("models/events.sql", EVENTS),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    no_diagnostics(&host);
    let sql = compiled(&host, &root.join("models/events.sql"));
    // The expression before ` as alias` on its line.
    let value = |alias: &str| -> String {
        sql.lines()
            .map(|l| l.trim().trim_end_matches(','))
            .find_map(|l| l.strip_suffix(&format!(" as {alias}")))
            .unwrap_or_else(|| panic!("no {alias} in {sql}"))
            .to_string()
    };
    let number = |alias: &str| value(alias).parse::<f64>().unwrap();
    let started = number("started");
    assert_eq!(started - number("two_hours_before"), 7_200.0, "{sql}");
    assert_eq!(number("a_week_after") - started, 604_860.0, "{sql}");
    assert_eq!(value("shown"), "'1 day, 2:00:05'");
    assert_eq!(number("seconds"), 129_600.0);
    // ISO dates compare as text: a week back, three days back, today.
    let (since, first, last) = (value("since"), value("first_bucket"), value("last_bucket"));
    assert!(
        first.ends_with(" 00:00:00'") && last.ends_with(" 00:00:00'"),
        "{sql}"
    );
    // A `date` prints as one, and moves by whole days.
    assert_eq!(since.len(), "cast('2024-01-01' as date)".len(), "{sql}");
    let yesterday = value("yesterday");
    assert_eq!(yesterday.len(), "'2024-01-01'".len(), "{sql}");
    let (since, first, last) = (&since[6..16], &first[1..11], &last[1..11]);
    assert!(since < first && first < last, "{sql}");
    assert!(&yesterday[1..11] < last, "{sql}");
    let _ = std::fs::remove_dir_all(&root);
}
