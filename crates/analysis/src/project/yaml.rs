//! Properties YAML: `sources:`, `models:` (columns, data types, contracts,
//! descriptions) and `seeds:` (column types).

use serde_yaml::Value as Yaml;

use crate::syntax::Dialect;
use crate::types::{parse_type_in, SqlType};

/// A source table declared in YAML.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceTable {
    pub source: String,
    pub table: String,
    pub schema: String,
    pub identifier: String,
    /// Declared columns; `None` when the YAML lists none (schema unknown).
    pub columns: Option<Vec<(String, Option<SqlType>, Option<String>)>>,
    pub description: Option<String>,
    /// Offset of the table's `name:` in the YAML file.
    pub offset: usize,
}

impl SourceTable {
    /// The declared columns as a schema (a column without a type has an unknown one).
    pub fn schema(&self) -> Option<crate::schema::RelationSchema> {
        let columns = self.columns.as_ref()?;
        Some(crate::schema::RelationSchema::closed(
            columns
                .iter()
                .map(|(n, t, _)| {
                    crate::schema::Column::new(n.clone(), t.clone().unwrap_or(SqlType::Unknown))
                })
                .collect(),
        ))
    }
}

/// A model (or seed) described in YAML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelProperties {
    pub name: String,
    pub description: Option<String>,
    pub columns: Vec<(String, Option<SqlType>, Option<String>)>,
    pub contract_enforced: bool,
    pub column_types: Vec<(String, String)>,
    /// Model versions (`versions: [{v: 1}, ...]`) and the latest one.
    pub versions: Vec<String>,
    pub latest_version: Option<String>,
    /// The `config:` block (materialized, schema, alias, enabled, ...).
    pub config: super::ModelConfig,
    /// The YAML of each column as written (meta, tests, config), for dbt's `graph`.
    pub raw_columns: Vec<(String, serde_json::Value)>,
    pub offset: usize,
    /// A snapshot defined in YAML (dbt 1.9+): the `relation:` it snapshots
    /// (`ref('orders')`, `source('shop', 'orders')`), as written.
    pub snapshot_of: Option<String>,
}

/// Everything one properties file declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Properties {
    pub sources: Vec<SourceTable>,
    pub models: Vec<ModelProperties>,
    pub seeds: Vec<ModelProperties>,
    pub snapshots: Vec<ModelProperties>,
    pub error: Option<String>,
    /// What dbt accepts but is likely a mistake (a key written twice), and where.
    pub warnings: Vec<(String, usize)>,
}

fn text(v: Option<&Yaml>) -> Option<String> {
    match v? {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value that may hold Jinja, rendered; `None` when it is absent or
/// renders to nothing (an unset `env_var` without a default).
fn rendered_text(v: Option<&Yaml>, render: &dyn Fn(&str) -> String) -> Option<String> {
    let value = text(v)?;
    if !(value.contains("{{") || value.contains("{%")) {
        return Some(value);
    }
    Some(render(&value).trim().to_string()).filter(|r| !r.is_empty())
}

/// A source's name part (`schema`, `identifier`) rendered; `fallback` when
/// absent, and also when its Jinja renders to nothing, which is noted in
/// `unrendered` (dbt stops there: an env var without a default that is
/// not set, or Jinja that fails).
fn rendered_name<'k>(
    v: Option<&Yaml>,
    key: &'k str,
    fallback: &str,
    render: &dyn Fn(&str) -> String,
    unrendered: &mut Vec<(&'k str, String, String)>,
) -> String {
    rendered_text(v, render).unwrap_or_else(|| {
        if let Some(written) = text(v) {
            unrendered.push((key, written, fallback.to_string()));
        }
        fallback.to_string()
    })
}

/// A column name as written, not an expression (`convert_timezone(...)`).
fn is_plain_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn columns(
    v: Option<&Yaml>,
    render: &dyn Fn(&str) -> String,
    dialect: Dialect,
) -> Vec<(String, Option<SqlType>, Option<String>)> {
    v.and_then(Yaml::as_sequence)
        .map(|cols| {
            cols.iter()
                .filter_map(|c| {
                    let name = text(c.get("name"))?;
                    let ty = rendered_text(c.get("data_type"), render)
                        .map(|t| parse_type_in(&t, dialect));
                    Some((name, ty, text(c.get("description"))))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Where each `name: <value>` of the file is first written (the offset of
/// its value), to point at a declaration. One pass over the file: a sources
/// file can declare thousands of tables.
fn name_offsets(source: &str) -> rustc_hash::FxHashMap<&str, usize> {
    let mut offsets = rustc_hash::FxHashMap::default();
    for (at, _) in source.match_indices("name:") {
        let value_start = at + "name:".len();
        let rest = &source[value_start..];
        let line = rest.split('\n').next().unwrap_or("");
        let skipped = line.len() - line.trim_start().len();
        let value = line.trim().trim_matches(['\'', '"']);
        // `name:` itself, not the end of `source_name:` or `column_name:`.
        let own_key = at == 0 || source[..at].ends_with([' ', '\t', '\n', '-']);
        if value.is_empty() || !own_key {
            continue;
        }
        // The value's first character (its opening quote when quoted).
        offsets.entry(value).or_insert(value_start + skipped);
    }
    offsets
}

/// The `data_type`s a comma cut short (`{name: a, data_type: DECIMAL(10,2)}`
/// reads `DECIMAL(10`): more `(` than `)`. Nested mappings are followed a
/// few levels deep (columns sit at the fourth).
fn cut_data_types(v: &Yaml, depth: usize) -> Vec<String> {
    if depth > 8 {
        return Vec::new();
    }
    match v {
        Yaml::Mapping(m) => m
            .iter()
            .flat_map(|(k, v)| match (k.as_str(), v) {
                (Some("data_type"), Yaml::String(t))
                    if t.matches('(').count() > t.matches(')').count() =>
                {
                    vec![t.clone()]
                }
                _ => cut_data_types(v, depth + 1),
            })
            .collect(),
        Yaml::Sequence(items) => items
            .iter()
            .flat_map(|i| cut_data_types(i, depth + 1))
            .collect(),
        _ => Vec::new(),
    }
}

/// Parses a properties file; a broken file reports its error and declares
/// nothing. `render` evaluates Jinja in values (data types often use it);
/// data types are read as the engine of `dialect` reads them.
pub fn parse_properties(
    source: &str,
    render: &dyn Fn(&str) -> String,
    dialect: Dialect,
) -> Properties {
    let (yaml, duplicates) = match super::lenient_yaml::parse(source) {
        Ok(parsed) => parsed,
        Err(e) => {
            return Properties {
                error: Some(format!("invalid YAML: {e}")),
                ..Default::default()
            }
        }
    };
    let offsets = name_offsets(source);
    // Placed only when there are duplicates: a line scan of the whole file.
    let mut places = if duplicates.is_empty() {
        Vec::new()
    } else {
        super::lenient_yaml::duplicate_key_offsets(source)
    }
    .into_iter();
    let mut props = Properties {
        warnings: duplicates
            .into_iter()
            .map(|key| {
                let offset = places.find(|(k, _)| *k == key).map_or(0, |(_, o)| o);
                (
                    format!("`{key}` is set twice in one mapping: dbt keeps the last value"),
                    offset,
                )
            })
            .collect(),
        ..Default::default()
    };
    // Names whose Jinja rendered to nothing: (key, as written, read as).
    let mut unrendered: Vec<(&str, String, String)> = Vec::new();
    for s in yaml
        .get("sources")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
    {
        let Some(source) = text(s.get("name")) else {
            continue;
        };
        // dbt renders a source's names (`{{ env_var('RAW_SCHEMA', 'raw') }}`).
        let schema = rendered_name(s.get("schema"), "schema", &source, render, &mut unrendered);
        for t in s
            .get("tables")
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
        {
            let Some(table) = text(t.get("name")) else {
                continue;
            };
            let mut cols = columns(t.get("columns"), render, dialect);
            // Freshness reads `loaded_at_field`: a column the table has.
            let loaded_at = [t, s]
                .into_iter()
                .flat_map(|level| {
                    [
                        level.get("loaded_at_field"),
                        level.get("config").and_then(|c| c.get("loaded_at_field")),
                    ]
                })
                .find_map(text);
            if let Some(field) = loaded_at.filter(|f| is_plain_name(f)) {
                if !cols.is_empty() && !cols.iter().any(|(c, ..)| c.eq_ignore_ascii_case(&field)) {
                    cols.push((field, None, None));
                }
            }
            props.sources.push(SourceTable {
                source: source.clone(),
                identifier: rendered_name(
                    t.get("identifier"),
                    "identifier",
                    &table,
                    render,
                    &mut unrendered,
                ),
                schema: schema.clone(),
                columns: (!cols.is_empty()).then_some(cols),
                description: text(t.get("description")),
                offset: 0,
                table,
            });
        }
    }
    for cut in cut_data_types(&yaml, 0) {
        let offset = source.find(cut.as_str()).unwrap_or(0);
        props.warnings.push((
            format!(
                "`data_type: {cut}` was cut at a comma: in a one-line mapping (`{{name: x, data_type: ...}}`) a comma ends the value; quote the whole type"
            ),
            offset,
        ));
    }
    for (key, written, read_as) in unrendered {
        let offset = source.find(written.as_str()).unwrap_or(0);
        props.warnings.push((
            format!(
                "`{key}: {written}` renders to nothing (an env var that is not set and has no default, or Jinja that fails): read as `{read_as}`"
            ),
            offset,
        ));
    }
    for (key, out) in [
        ("models", &mut props.models),
        ("seeds", &mut props.seeds),
        ("snapshots", &mut props.snapshots),
    ] {
        for m in yaml
            .get(key)
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
        {
            let Some(name) = text(m.get("name")) else {
                continue;
            };
            let config = m.get("config");
            let mut model_config = super::ModelConfig::default();
            if let Some(c) = config {
                model_config.apply(c, render);
            }
            let column_types = model_config.column_types.clone();
            out.push(ModelProperties {
                offset: offsets.get(name.as_str()).copied().unwrap_or(0),
                description: text(m.get("description")),
                columns: columns(m.get("columns"), render, dialect),
                contract_enforced: config
                    .and_then(|c| c.get("contract"))
                    .and_then(|c| c.get("enforced"))
                    .and_then(Yaml::as_bool)
                    .unwrap_or(false),
                column_types,
                versions: m
                    .get("versions")
                    .and_then(Yaml::as_sequence)
                    .map(|vs| vs.iter().filter_map(|v| text(v.get("v"))).collect())
                    .unwrap_or_default(),
                latest_version: text(m.get("latest_version")),
                config: model_config,
                raw_columns: m
                    .get("columns")
                    .and_then(Yaml::as_sequence)
                    .map(|cols| {
                        cols.iter()
                            .filter_map(|c| {
                                Some((text(c.get("name"))?, serde_json::to_value(c).ok()?))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                snapshot_of: (key == "snapshots")
                    .then(|| rendered_text(m.get("relation"), render))
                    .flatten(),
                name,
            });
        }
    }
    for t in &mut props.sources {
        t.offset = offsets.get(t.table.as_str()).copied().unwrap_or(0);
    }
    props
}
