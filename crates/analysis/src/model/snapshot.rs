//! Snapshots: the columns dbt builds a snapshot table with. A snapshot is its
//! query's columns followed by the ones dbt adds (`dbt_scd_id`,
//! `dbt_updated_at`, `dbt_valid_from`, `dbt_valid_to`, and `dbt_is_deleted`
//! when hard deletes are kept as records), typed as dbt's first build types
//! them: `select *, <scd id> as dbt_scd_id, <updated at> as dbt_updated_at,
//! ... from (<query>) sbq`.

use crate::jinja::source_map::{scan_tags, tag_inner};
use crate::jinja::Call;
use crate::loose::{analyze_sql, TableCatalog};
use crate::project::SnapshotConfig;
use crate::schema::{Column, RelationSchema};
use crate::syntax::Dialect;

/// The call a YAML snapshot's `relation:` makes: `ref('m')`,
/// `ref('package', 'm')`, `source('s', 't')` (in `{{ }}` or not).
pub fn relation_call(text: &str) -> Option<Call> {
    let text = text.trim();
    let text = text
        .strip_prefix("{{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(text)
        .trim();
    let (function, rest) = text.split_once('(')?;
    let arguments: Vec<String> = rest
        .strip_suffix(')')?
        .split(',')
        .map(|a| a.trim().trim_matches(['\'', '"']).to_string())
        .collect();
    match (function.trim(), arguments.as_slice()) {
        ("ref", [name]) => Some(Call::Ref {
            package: None,
            name: name.clone(),
        }),
        ("ref", [package, name]) => Some(Call::Ref {
            package: Some(package.clone()),
            name: name.clone(),
        }),
        ("source", [source, table]) => Some(Call::Source {
            source: source.clone(),
            table: table.clone(),
        }),
        _ => None,
    }
}

/// The `{% snapshot name %}` and `{% endsnapshot %}` tags of a snapshot file
/// with exactly one snapshot, as (opening tag, closing tag) byte ranges.
fn single_snapshot_block(text: &str) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut opens = Vec::new();
    let mut closes = Vec::new();
    for tag in scan_tags(text) {
        let inner = tag_inner(text, tag.range).trim_matches(['-', '+', ' ', '\t', '\n', '\r']);
        let range = tag.range.start..tag.range.end;
        if inner == "endsnapshot" {
            closes.push(range);
        } else if inner
            .strip_prefix("snapshot")
            .is_some_and(|rest| rest.starts_with(char::is_whitespace))
        {
            opens.push(range);
        }
    }
    match (opens.as_slice(), closes.as_slice()) {
        ([open], [close]) if open.end <= close.start => Some((open.clone(), close.clone())),
        _ => None,
    }
}

/// Whether Loupe reads the file's snapshot: a file of one snapshot block.
pub fn is_single_snapshot(text: &str) -> bool {
    single_snapshot_block(text).is_some()
}

/// The snapshot's query as a template of the file's length: everything but
/// the block's body blanked (newlines kept), so positions stay the file's.
/// `None` unless the file holds exactly one snapshot.
pub fn snapshot_query_template(text: &str) -> Option<String> {
    let (open, close) = single_snapshot_block(text)?;
    let blank = |s: &str| -> String {
        s.chars()
            .map(|c| if c == '\n' || c == '\r' { c } else { ' ' })
            .collect::<String>()
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&blank(&text[..open.end]));
    out.push_str(&text[open.end..close.start]);
    out.push_str(&blank(&text[close.start..]));
    Some(out)
}

/// A snapshot's config: the node's (project, properties, legacy tags) with
/// what the body's `config()` call set on top.
pub fn effective_snapshot_config(
    node: &SnapshotConfig,
    rendered: &std::collections::BTreeMap<String, String>,
) -> SnapshotConfig {
    let mut config = node.clone();
    // Rendered config values are JSON.
    let text = |key: &str| {
        rendered
            .get(key)
            .and_then(|v| match serde_json::from_str(v) {
                Ok(serde_json::Value::String(s)) => Some(s),
                Ok(serde_json::Value::Null) => None,
                Ok(other) => Some(other.to_string()),
                Err(_) => Some(v.clone()),
            })
    };
    for (key, slot) in [
        ("target_schema", &mut config.target_schema),
        ("target_database", &mut config.target_database),
        ("updated_at", &mut config.updated_at),
        ("hard_deletes", &mut config.hard_deletes),
    ] {
        if let Some(v) = text(key) {
            *slot = Some(v);
        }
    }
    if let Some(serde_json::Value::Object(names)) = rendered
        .get("snapshot_meta_column_names")
        .and_then(|v| serde_json::from_str(v).ok())
    {
        config.meta_column_names = names
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
            .collect();
    }
    config
}

/// The expression dbt hashes a row's id with, and the time it stamps a
/// `check` snapshot with, on each adapter (its `snapshot_hash_arguments` and
/// `snapshot_get_time` macros).
fn adapter_expressions(dialect: Dialect) -> (&'static str, &'static str) {
    match dialect {
        Dialect::DuckDb => ("md5('')", "current_timestamp::timestamp"),
        Dialect::Postgres => ("md5('')", "now()::timestamp without time zone"),
        Dialect::Redshift => ("md5('')", "getdate()::timestamp"),
        Dialect::Snowflake => ("md5('')", "to_timestamp_ntz(current_timestamp())"),
        Dialect::BigQuery => ("to_hex(md5(''))", "current_timestamp()"),
        Dialect::Databricks | Dialect::Hive => ("md5(cast('' as string))", "current_timestamp()"),
        _ => ("md5('')", "current_timestamp"),
    }
}

/// The columns dbt adds to a snapshot whose query gives `query`, typed in
/// `dialect` (a column the query does not type stays unknown).
pub fn snapshot_meta_columns(
    query: &RelationSchema,
    config: &SnapshotConfig,
    dialect: Dialect,
) -> Vec<Column> {
    let name = |dbt: &str| {
        config
            .meta_column_names
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(dbt))
            .map_or_else(|| dbt.to_string(), |(_, v)| v.clone())
    };
    let (scd_id, now) = adapter_expressions(dialect);
    // Both strategies stamp rows with `updated_at` when it is set (`check`
    // may set it), else with the adapter's time.
    let updated_at = config.updated_at.as_deref().unwrap_or(now);
    let mut select = vec![
        (name("dbt_scd_id"), scd_id.to_string()),
        (name("dbt_updated_at"), updated_at.to_string()),
        (name("dbt_valid_from"), updated_at.to_string()),
        (
            name("dbt_valid_to"),
            format!("nullif({updated_at}, {updated_at})"),
        ),
    ];
    if config
        .hard_deletes
        .as_deref()
        .is_some_and(|h| h.eq_ignore_ascii_case("new_record"))
    {
        select.push((name("dbt_is_deleted"), "'False'".to_string()));
    }
    let mut catalog = TableCatalog::default();
    catalog.insert("sbq", query.clone());
    // The times come from the query's `updated_at` column when it names one.
    let time_source = config.updated_at.as_deref().and_then(|u| {
        query
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(u.trim()))
    });
    select
        .into_iter()
        .enumerate()
        .map(|(i, (column, expression))| {
            let sql = format!("select {expression} as x from sbq");
            let ty = analyze_sql(&sql, dialect, &catalog)
                .output()
                .and_then(|o| o.columns.first().map(|c| c.ty.clone()))
                .unwrap_or(crate::types::SqlType::Unknown);
            let mut column = Column::new(column, ty);
            if (1..=3).contains(&i) {
                column.lineage = time_source.map(|c| c.lineage.clone()).unwrap_or_default();
            }
            column
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_template_keeps_the_body_and_the_positions() {
        let text =
            "-- history\n{% snapshot orders_snapshot %}\nselect * from t\n{% endsnapshot %}\n";
        let template = snapshot_query_template(text).unwrap();
        assert_eq!(template.len(), text.len());
        assert_eq!(
            template,
            "          \n                              \nselect * from t\n                 \n"
        );
        // Two snapshots in one file, or none: not read.
        let two =
            "{% snapshot a %}select 1{% endsnapshot %}{% snapshot b %}select 2{% endsnapshot %}";
        assert!(snapshot_query_template(two).is_none());
        assert!(snapshot_query_template("select 1").is_none());
    }
}
