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

/// The expression before ` as alias` on its line of the rendered SQL.
fn value_of(sql: &str, alias: &str) -> String {
    sql.lines()
        .map(|l| l.trim().trim_end_matches(','))
        .find_map(|l| l.strip_suffix(&format!(" as {alias}")))
        .unwrap_or_else(|| panic!("no {alias} in {sql}"))
        .to_string()
}

fn no_diagnostics(host: &AnalysisHost) {
    assert_eq!(common::diagnostic_lines(host), Vec::<String>::new());
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
    let value = |alias: &str| value_of(&sql, alias);
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

#[test]
fn datetimes_parsed_and_subtracted_give_python_s_timedeltas() {
    // As a date spine's backfill and dbt's own `dates_in_range` write them.
    let model = r#"{% set end_date = '2024-03-01' %}
{% set start_date = '2024-01-10' %}
{% set days_between = (modules.datetime.datetime.strptime(end_date, '%Y-%m-%d') - modules.datetime.datetime.strptime(start_date, '%Y-%m-%d')).days %}
{% set a = modules.datetime.datetime(2024, 1, 10, 6, 30) %}
{% set b = modules.datetime.datetime.fromisoformat('2024-01-09T08:00:00') %}
{% set months = modules.datetime.datetime.strptime('05 Feb 24 13:45', '%d %b %y %H:%M') %}
select
    {{ days_between }} as days_between,
    {{ (a - b).days }} as whole_days,
    {{ (a - b).seconds }} as and_seconds,
    {{ (b - a).days }} as negative_days,
    {{ (a - b).total_seconds() }} as total,
    {{ (modules.datetime.date(2024, 3, 1) - modules.datetime.date.fromisoformat('2023-03-01')).days }} as leap_year,
    '{{ months.strftime('%Y-%m-%d %H:%M') }}' as parsed,
    {{ ((a - modules.datetime.timedelta(days=2)) - b).days }} as shifted_first,
    {{ (run_query('select max(d) from t').columns[0].values()[0] - a).days }} as unanswered
"#;
    let root = project("subtract", &[("models/spine.sql", model)]);
    let host = AnalysisHost::load(&root).unwrap();
    no_diagnostics(&host);
    let sql = compiled(&host, &root.join("models/spine.sql"));
    let value = |alias: &str| value_of(&sql, alias);
    // What Python prints for each.
    assert_eq!(value("days_between"), "51");
    assert_eq!(value("whole_days"), "0");
    assert_eq!(value("and_seconds"), "81000");
    assert_eq!(value("negative_days"), "-1");
    assert_eq!(value("total"), "81000.0");
    assert_eq!(value("leap_year"), "366");
    assert_eq!(value("parsed"), "'2024-02-05 13:45'");
    assert_eq!(value("shifted_first"), "-2");
    // A date only a warehouse query would give: no error, no time between.
    assert_eq!(value("unanswered"), "0");
    let _ = std::fs::remove_dir_all(&root);
}
