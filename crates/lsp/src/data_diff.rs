//! Data diff: each changed model run at the base and in the working tree on
//! a fabric (seeds loaded, upstream models inlined), the two results
//! compared row by row on a primary key.

use std::collections::{BTreeMap, HashMap};

use loupe_analysis::db::SourceFile;
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::model::{project_index, Upstream};
use loupe_fabric::{RunControl, RunResult};
use serde::Serialize;

use crate::base::BaseAnalysis;

/// The share of matched rows whose value of one column changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnShare {
    pub column: String,
    pub changed: usize,
    pub compared: usize,
}

/// One model's data diff.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ModelDataDiff {
    pub model: String,
    /// The columns rows are matched on; empty: whole rows are compared.
    pub key: Vec<String>,
    pub base_rows: usize,
    pub rows: usize,
    /// A side had more rows than the limit: counts are of the first rows by key.
    pub truncated: bool,
    pub added: usize,
    pub removed: usize,
    /// Rows whose key matched and whose other values differ.
    pub changed: usize,
    pub unchanged: usize,
    pub columns: Vec<ColumnShare>,
    /// Keys (or whole rows, without a key) of some added, removed and changed rows.
    pub added_examples: Vec<Vec<Option<String>>>,
    pub removed_examples: Vec<Vec<Option<String>>>,
    pub changed_examples: Vec<Vec<Option<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

const EXAMPLES: usize = 10;

/// The models whose file changed since the base and exist on both sides:
/// (name, base file, working-tree file).
pub fn changed_models(
    base: &BaseAnalysis,
    head: &AnalysisHost,
) -> Vec<(String, SourceFile, SourceFile)> {
    let (bdb, hdb) = (base.host.db(), head.db());
    let base_index = project_index(bdb, base.host.project());
    let head_index = project_index(hdb, head.project());
    let renamed = base.renamed_files();
    let mut out = Vec::new();
    for h in head_index.nodes.iter().filter(|n| n.is_sql_model()) {
        let path = h.file.path(hdb);
        let base_path = renamed
            .iter()
            .find(|(_, now)| now == path)
            .map_or(path.as_str(), |(before, _)| before.as_str());
        let Some(b) = base_index
            .nodes
            .iter()
            .find(|n| n.is_sql_model() && n.file.path(bdb) == base_path)
        else {
            continue;
        };
        if b.file.text(bdb) != h.file.text(hdb) {
            out.push((h.name.clone(), b.file, h.file));
        }
    }
    out
}

/// The primary key of a model: its columns with a `unique` test in YAML.
pub fn unique_key(host: &AnalysisHost, model: &str) -> Vec<String> {
    let index = project_index(host.db(), host.project());
    let Some((_, properties)) = index.properties.get(&model.to_lowercase()) else {
        return Vec::new();
    };
    let is_unique = |test: &serde_json::Value| match test {
        serde_json::Value::String(s) => s == "unique",
        serde_json::Value::Object(o) => o.contains_key("unique"),
        _ => false,
    };
    properties
        .raw_columns
        .iter()
        .filter(|(_, yaml)| {
            ["tests", "data_tests"].iter().any(|k| {
                yaml.get(k)
                    .and_then(|t| t.as_array())
                    .is_some_and(|tests| tests.iter().any(is_unique))
            })
        })
        .map(|(name, _)| name.clone())
        .take(1)
        .collect()
}

fn quoted(column: &str) -> String {
    format!("\"{}\"", column.replace('"', "\"\""))
}

/// One side's rows, ordered by the key so a limit keeps the same keys.
fn run_side(
    host: &AnalysisHost,
    file: SourceFile,
    fabric: Option<&str>,
    key: &[String],
    limit: usize,
    control: &RunControl,
) -> Result<RunResult, String> {
    let mut prepared = crate::run::prepare_run(host, file, None, fabric, Upstream::Inline)?;
    let order = if key.is_empty() {
        "all".to_string()
    } else {
        key.iter().map(|k| quoted(k)).collect::<Vec<_>>().join(", ")
    };
    prepared.sql = format!(
        "select * from (\n{}\n) as loupe_data_diff order by {order}",
        prepared.sql
    );
    crate::run::execute_run(&prepared, limit, control)
}

/// Compares the base and working-tree results of one model.
pub fn compare(model: &str, key: &[String], base: &RunResult, head: &RunResult) -> ModelDataDiff {
    let mut out = ModelDataDiff {
        model: model.to_string(),
        key: key.to_vec(),
        base_rows: base.rows.len(),
        rows: head.rows.len(),
        truncated: base.truncated || head.truncated,
        ..Default::default()
    };
    let position = |r: &RunResult, c: &str| {
        r.columns
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(c))
    };
    let key_at: Option<(Vec<usize>, Vec<usize>)> = key
        .iter()
        .map(|k| Some((position(base, k)?, position(head, k)?)))
        .collect::<Option<Vec<_>>>()
        .map(|pairs| pairs.into_iter().unzip());
    let Some((base_key, head_key)) = key_at.filter(|_| !key.is_empty()) else {
        // No key: rows compared whole, as multisets.
        out.key.clear();
        let mut counts: HashMap<&Vec<Option<String>>, i64> = HashMap::new();
        for r in &base.rows {
            *counts.entry(r).or_default() -= 1;
        }
        for r in &head.rows {
            *counts.entry(r).or_default() += 1;
        }
        let mut rows: Vec<_> = counts.into_iter().collect();
        rows.sort();
        for (row, n) in rows {
            if n > 0 {
                out.added += n as usize;
                if out.added_examples.len() < EXAMPLES {
                    out.added_examples.push(row.clone());
                }
            } else if n < 0 {
                out.removed += (-n) as usize;
                if out.removed_examples.len() < EXAMPLES {
                    out.removed_examples.push(row.clone());
                }
            }
        }
        out.unchanged = head.rows.len() - out.added;
        return out;
    };
    let pick = |row: &Vec<Option<String>>, at: &[usize]| {
        at.iter().map(|&i| row[i].clone()).collect::<Vec<_>>()
    };
    let base_by_key: BTreeMap<Vec<Option<String>>, &Vec<Option<String>>> =
        base.rows.iter().map(|r| (pick(r, &base_key), r)).collect();
    let head_by_key: BTreeMap<Vec<Option<String>>, &Vec<Option<String>>> =
        head.rows.iter().map(|r| (pick(r, &head_key), r)).collect();
    // Columns on both sides, by name.
    let shared: Vec<(String, usize, usize)> = head
        .columns
        .iter()
        .enumerate()
        .filter_map(|(hi, (name, _))| Some((name.clone(), position(base, name)?, hi)))
        .collect();
    let mut changed_per_column = vec![0usize; shared.len()];
    for (k, h) in &head_by_key {
        match base_by_key.get(k) {
            None => {
                out.added += 1;
                if out.added_examples.len() < EXAMPLES {
                    out.added_examples.push(k.clone());
                }
            }
            Some(b) => {
                let mut any = false;
                for (i, (_, bi, hi)) in shared.iter().enumerate() {
                    if b[*bi] != h[*hi] {
                        changed_per_column[i] += 1;
                        any = true;
                    }
                }
                if any {
                    out.changed += 1;
                    if out.changed_examples.len() < EXAMPLES {
                        out.changed_examples.push(k.clone());
                    }
                } else {
                    out.unchanged += 1;
                }
            }
        }
    }
    for k in base_by_key.keys().filter(|k| !head_by_key.contains_key(*k)) {
        out.removed += 1;
        if out.removed_examples.len() < EXAMPLES {
            out.removed_examples.push(k.clone());
        }
    }
    let compared = out.changed + out.unchanged;
    out.columns = shared
        .iter()
        .zip(changed_per_column)
        .filter(|((name, ..), _)| !key.iter().any(|k| k.eq_ignore_ascii_case(name)))
        .map(|((name, ..), changed)| ColumnShare {
            column: name.clone(),
            changed,
            compared,
        })
        .collect();
    out
}

/// Runs both versions of `model` and compares them; errors are kept on the
/// model's answer (the other models go on).
#[allow(clippy::too_many_arguments)]
pub fn diff_model(
    base: &BaseAnalysis,
    head: &AnalysisHost,
    model: &str,
    files: (SourceFile, SourceFile),
    key: Option<&[String]>,
    fabric: Option<&str>,
    limit: usize,
    control: &RunControl,
) -> ModelDataDiff {
    let key = key
        .map(<[String]>::to_vec)
        .unwrap_or_else(|| unique_key(head, model));
    let sides = run_side(&base.host, files.0, fabric, &key, limit, control)
        .map_err(|e| format!("at the base: {e}"))
        .and_then(|b| {
            run_side(head, files.1, fabric, &key, limit, control)
                .map(|h| (b, h))
                .map_err(|e| format!("in the working tree: {e}"))
        });
    match sides {
        Ok((b, h)) => compare(model, &key, &b, &h),
        Err(error) => ModelDataDiff {
            model: model.to_string(),
            key,
            error: Some(error),
            ..Default::default()
        },
    }
}
