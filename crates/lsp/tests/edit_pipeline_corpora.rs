//! Every pipeline operation at every gem where it applies, over the models of
//! the shared corpora (`../shared/corpora`, or `$LOUPE_SHARED/corpora`): the
//! edited model renders, parses and analyses with no new diagnostic, has the
//! output schema the operation implies (and, for jaffle_shop, the one DuckDB
//! describes), and changes no byte outside the gems the operation touches.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use loupe_analysis::gems::Gem;
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::ide::{
    apply_edits, edit_pipeline, gem_extents, ColumnSpec, GemSpec, OrderKey, PipelineOp, SetOperator,
};
use loupe_analysis::model::model_analysis;
use loupe_analysis::text::TextRange;

mod support;
use support::corpus;

/// What an operation should leave as the shown gem's columns, given the
/// gem's columns before (`None`: the model's output stays as it was).
enum Implied {
    Same,
    /// Whatever Loupe infers (DuckDB still describes it).
    Any,
    Names(Vec<String>),
    ModelUnchanged,
    /// The model keeps its column names (a removed gem may have cast some).
    ModelNamesUnchanged,
}

/// The operations tried at a gem with these columns, and what each implies.
fn operations(gem: &str, columns: &[String]) -> Vec<(&'static str, PipelineOp, Implied)> {
    let insert = |spec: GemSpec| PipelineOp::Insert {
        gem: spec,
        name: None,
        reader: None,
    };
    let mut out = vec![
        ("limit", insert(GemSpec::Limit { count: 10 }), Implied::Same),
        (
            "deduplicate",
            insert(GemSpec::Deduplicate { columns: vec![] }),
            Implied::Same,
        ),
        (
            "set_operation",
            insert(GemSpec::SetOperation {
                other: gem.to_string(),
                operator: SetOperator::UnionAll,
            }),
            Implied::Same,
        ),
        ("remove", PipelineOp::Remove, Implied::ModelNamesUnchanged),
        (
            "rename",
            PipelineOp::Rename {
                name: format!("{gem}_renamed"),
            },
            Implied::ModelUnchanged,
        ),
    ];
    let Some(first) = columns.first() else {
        return out;
    };
    let quoted = if first
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        first.clone()
    } else {
        format!("\"{first}\"")
    };
    out.push((
        "filter",
        insert(GemSpec::Filter {
            condition: format!("{quoted} is not null"),
        }),
        Implied::Same,
    ));
    out.push((
        "order_by",
        insert(GemSpec::OrderBy {
            columns: vec![OrderKey {
                column: first.clone(),
                descending: true,
            }],
        }),
        Implied::Same,
    ));
    let mut picked: Vec<ColumnSpec> = columns
        .iter()
        .map(|c| ColumnSpec {
            column: Some(c.clone()),
            ..Default::default()
        })
        .collect();
    picked.push(ColumnSpec {
        expression: Some("1".into()),
        name: Some("loupe_marker".into()),
        ..Default::default()
    });
    let mut names = columns.to_vec();
    names.push("loupe_marker".into());
    out.push((
        "reformat",
        insert(GemSpec::Reformat {
            columns: picked.clone(),
        }),
        Implied::Names(names),
    ));
    out.push((
        "aggregate",
        insert(GemSpec::Aggregate {
            group_by: vec![first.clone()],
            aggregates: vec![ColumnSpec {
                function: Some("count".into()),
                name: Some("row_count".into()),
                ..Default::default()
            }],
        }),
        Implied::Names(vec![first.clone(), "row_count".into()]),
    ));
    out.push((
        "join",
        insert(GemSpec::Join {
            other: gem.to_string(),
            join_type: "left".into(),
            keys: vec![loupe_analysis::ide::JoinKey {
                left: first.clone(),
                right: first.clone(),
            }],
            columns: None,
        }),
        Implied::Same,
    ));
    out.push((
        "edit_filter",
        PipelineOp::EditParts {
            gem: GemSpec::Filter {
                condition: format!("{quoted} is not null"),
            },
        },
        Implied::ModelUnchanged,
    ));
    out.push((
        "edit_reformat",
        PipelineOp::EditParts {
            gem: GemSpec::Reformat {
                columns: picked[..picked.len() - 1].to_vec(),
            },
        },
        Implied::ModelUnchanged,
    ));
    out
}

/// Rewiring gem `i`: its first input (and a Join's other input) read in
/// place of the gem it reads there, the gem's own first input: the gem
/// before it is bypassed. The gem's columns stay when both inputs have the
/// same columns.
fn rewires(
    host: &AnalysisHost,
    gems: &[Gem],
    i: usize,
) -> Vec<(&'static str, PipelineOp, Implied)> {
    let index = loupe_analysis::model::project_index(host.db(), host.project());
    let ctes = &gems[..gems.len() - 1];
    let cte = |name: &str| {
        ctes[..i.min(ctes.len())]
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    };
    let mut out = Vec::new();
    for (slot, op_name) in [(0, "set_input"), (1, "set_input_other")] {
        let Some(read) = gems[i].inputs.get(slot) else {
            continue;
        };
        // The gem it reads there, and what that gem reads first.
        let Some(bypassed) = cte(read) else { continue };
        let Some(next) = bypassed.inputs.first() else {
            continue;
        };
        let (name, schema) = match cte(next) {
            Some(g) => (g.name.clone(), Some(g.output.clone())),
            None => (index.relation_display_name(next), None),
        };
        let same = schema.as_ref().is_some_and(|s| {
            !s.open && !bypassed.output.open && s.to_pairs() == bypassed.output.to_pairs()
        });
        out.push((
            op_name,
            PipelineOp::SetInput {
                input: name,
                other: slot == 1,
            },
            if same { Implied::Same } else { Implied::Any },
        ));
    }
    out
}

#[derive(Default)]
struct Counts {
    applied: usize,
    refused: usize,
    failures: Vec<String>,
    duckdb_checked: usize,
}

/// `text` without the comments and the whitespace, commas and WITH
/// keyword (when `with` is true) at its end.
fn trim_separators_end(text: &str) -> &str {
    let mut t = text;
    loop {
        let before = t.trim_end_matches(|c: char| c.is_whitespace() || c == ',');
        let before = before
            .strip_suffix("with")
            .or_else(|| before.strip_suffix("WITH"))
            .unwrap_or(before);
        let last_line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        let before = if last_line.trim_start().starts_with("--") {
            &before[..before.len() - last_line.len()]
        } else if let Some(open) = before.ends_with("*/").then(|| before.rfind("/*")).flatten() {
            &before[..open]
        } else if let Some(open) = before.ends_with("#}").then(|| before.rfind("{#")).flatten() {
            &before[..open]
        } else if let Some(comment) = last_line.find("--") {
            // A comment after code on its line.
            &before[..before.len() - last_line.len() + comment]
        } else {
            before
        };
        if before.len() == t.len() {
            return t;
        }
        t = before;
    }
}

/// `text` without the comments, whitespace and commas at its start.
fn trim_separators_start(text: &str) -> &str {
    let mut t = text;
    loop {
        let after = t.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        let after = if after.starts_with("--") {
            &after[after.find('\n').unwrap_or(after.len())..]
        } else if after.starts_with("/*") {
            &after[after.find("*/").map_or(after.len(), |i| i + 2)..]
        } else if after.starts_with("{#") {
            &after[after.find("#}").map_or(after.len(), |i| i + 2)..]
        } else {
            after
        };
        if after.len() == t.len() {
            return t;
        }
        t = after;
    }
}

/// Each edit range lies in the touched gems, widened over the whitespace,
/// commas, comments and WITH keyword that separate gems (a removed gem
/// takes its comments).
fn outside_touched(
    text: &str,
    edits: &[(TextRange, String)],
    touched: &[TextRange],
) -> Option<TextRange> {
    let widened: Vec<TextRange> = touched
        .iter()
        .map(|r| {
            let start = trim_separators_end(&text[..r.start]).len();
            let after = trim_separators_start(&text[r.end..]);
            TextRange::new(start, text.len() - after.len())
        })
        .collect();
    edits
        .iter()
        .map(|(r, _)| *r)
        .find(|r| !widened.iter().any(|w| w.contains_range(*r)))
}

fn diagnostics_of(host: &AnalysisHost, path: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = host
        .file_diagnostics(host.file(path).unwrap())
        .into_iter()
        .map(|d| (d.code.to_string(), d.message))
        .collect();
    out.sort();
    out
}

#[cfg(feature = "fabric")]
fn duckdb_columns(
    host: &AnalysisHost,
    path: &Path,
    gem: Option<&str>,
) -> Result<Vec<(String, String)>, String> {
    let file = host.file(path).unwrap();
    let compiled = loupe_analysis::model::compile_gem(
        host.db(),
        host.project(),
        file,
        gem,
        loupe_analysis::model::Upstream::Inline,
    )?;
    let fabric = loupe_fabric::DuckDbFabric::open(None).map_err(|e| e.to_string())?;
    let seeds: Vec<loupe_fabric::SeedLoad> = compiled
        .seeds
        .iter()
        .map(|s| loupe_fabric::SeedLoad {
            schema: s.schema.clone(),
            table: s.table.clone(),
            csv: host.root().join(&s.csv),
            columns: s.columns.to_pairs(),
        })
        .collect();
    fabric.load_seeds(&seeds).map_err(|e| e.to_string())?;
    fabric
        .describe_query(&compiled.sql)
        .map_err(|e| e.to_string())
}

fn sweep(root: &Path, models: &[PathBuf], with_duckdb: bool) -> BTreeMap<&'static str, Counts> {
    let mut host = AnalysisHost::load(root).unwrap();
    let mut counts: BTreeMap<&'static str, Counts> = BTreeMap::new();
    for path in models {
        let file = host.file(path).unwrap();
        let text = file.text(host.db()).to_string();
        let before = diagnostics_of(&host, path);
        let analysis = model_analysis(host.db(), host.project(), file).clone();
        let Some(extents) = gem_extents(host.db(), host.project(), file) else {
            continue;
        };
        let model_output = analysis.output.to_pairs();
        for (i, gem) in analysis.gems.iter().enumerate() {
            let columns: Vec<String> = if gem.output.open {
                Vec::new()
            } else {
                gem.output.columns.iter().map(|c| c.name.clone()).collect()
            };
            let mut tried = operations(&gem.name, &columns);
            tried.extend(rewires(&host, &analysis.gems, i));
            for (name, op, implied) in tried {
                let counts = counts.entry(name).or_default();
                let place = format!("{}#{} {name}", path.display(), gem.name);
                let file = host.file(path).unwrap();
                let is_final = i + 1 == analysis.gems.len();
                let target = (!is_final).then_some(gem.name.as_str());
                let edit = match edit_pipeline(host.db(), host.project(), file, target, &op) {
                    Ok(edit) => edit,
                    Err(refusal) => {
                        assert!(!refusal.message.is_empty(), "{place}");
                        counts.refused += 1;
                        continue;
                    }
                };
                counts.applied += 1;
                let readers: Vec<TextRange> = analysis
                    .gems
                    .iter()
                    .enumerate()
                    .filter(|(j, g)| {
                        *j > i && g.inputs.iter().any(|n| n.eq_ignore_ascii_case(&gem.name))
                    })
                    .map(|(j, _)| extents[j].1)
                    .collect();
                let mut touched = vec![extents[i].1];
                touched.extend(readers);
                if i + 1 == analysis.gems.len() {
                    if let Some(last_cte) = extents.len().checked_sub(2).map(|k| extents[k].1) {
                        touched.push(TextRange::empty(last_cte.end));
                    }
                }
                if let Some(r) = outside_touched(&text, &edit.edits, &touched) {
                    counts.failures.push(format!(
                        "{place}: edits `{}` outside the touched gems",
                        &text[r.start..r.end]
                    ));
                }
                let new_text = apply_edits(&text, &edit.edits);
                host.set_file_text(path, new_text.clone());
                let mut after = diagnostics_of(&host, path);
                // A rewire may leave the gem it bypasses unread (a warning).
                if let PipelineOp::SetInput { .. } = op {
                    after.retain(|d| d.0 != "L012" || before.contains(d));
                }
                if after != before {
                    counts.failures.push(format!(
                        "{place}: diagnostics {before:?} became {after:?}\n{new_text}"
                    ));
                }
                let file = host.file(path).unwrap();
                let edited = model_analysis(host.db(), host.project(), file).clone();
                let shown = match &edit.gem {
                    Some(name) => edited
                        .gems
                        .iter()
                        .rev()
                        .skip(1)
                        .find(|g| g.name.eq_ignore_ascii_case(name))
                        .map(|g| g.output.to_pairs()),
                    None => Some(edited.output.to_pairs()),
                };
                let want: Option<Vec<String>> = match &implied {
                    Implied::Same => {
                        Some(gem.output.columns.iter().map(|c| c.name.clone()).collect())
                    }
                    Implied::Names(n) => Some(n.clone()),
                    Implied::Any => Some(shown.iter().flatten().map(|(n, _)| n.clone()).collect()),
                    Implied::ModelUnchanged | Implied::ModelNamesUnchanged => None,
                };
                match (&want, &shown) {
                    (Some(names), Some(got)) => {
                        let got_names: Vec<String> = got.iter().map(|(n, _)| n.clone()).collect();
                        let types_kept = !matches!(implied, Implied::Same)
                            || gem.output.open
                            || got == &gem.output.to_pairs();
                        if !gem.output.open && (&got_names != names || !types_kept) {
                            counts
                                .failures
                                .push(format!("{place}: columns {got:?}, want {names:?}"));
                        }
                    }
                    (Some(_), None) => counts
                        .failures
                        .push(format!("{place}: no gem `{:?}` after the edit", edit.gem)),
                    (None, _) => {
                        let names = |pairs: &[(String, String)]| -> Vec<String> {
                            pairs.iter().map(|(n, _)| n.clone()).collect()
                        };
                        let kept = match implied {
                            Implied::ModelNamesUnchanged => {
                                names(&edited.output.to_pairs()) == names(&model_output)
                            }
                            _ => edited.output.to_pairs() == model_output,
                        };
                        if !kept {
                            counts.failures.push(format!(
                                "{place}: the model's columns changed: {:?}",
                                edited.output.to_pairs()
                            ));
                        }
                    }
                }
                #[cfg(feature = "fabric")]
                if with_duckdb {
                    let gem_arg = edit.gem.as_deref();
                    let loupe = shown.clone().unwrap_or_else(|| edited.output.to_pairs());
                    match duckdb_columns(&host, path, gem_arg) {
                        Ok(engine) => {
                            counts.duckdb_checked += 1;
                            let engine: Vec<(String, String)> = engine
                                .into_iter()
                                .map(|(n, t)| (n.to_lowercase(), t))
                                .collect();
                            let loupe: Vec<(String, String)> = loupe
                                .into_iter()
                                .map(|(n, t)| (n.to_lowercase(), t))
                                .collect();
                            if engine != loupe {
                                counts.failures.push(format!(
                                    "{place}: DuckDB describes {engine:?}, Loupe {loupe:?}"
                                ));
                            }
                        }
                        Err(e) => counts
                            .failures
                            .push(format!("{place}: DuckDB: {e}\n{new_text}")),
                    }
                }
                let _ = with_duckdb;
                host.set_file_text(path, text.clone());
            }
        }
    }
    counts
}

fn report(corpus: &str, counts: &BTreeMap<&'static str, Counts>) {
    use std::io::Write;
    let mut out = format!("{corpus}: operation applied/refused/failed (DuckDB-checked)\n");
    for (op, c) in counts {
        out.push_str(&format!(
            "  {op:<14} {:>5} {:>5} {:>5} ({})\n",
            c.applied,
            c.refused,
            c.failures.len(),
            c.duckdb_checked
        ));
    }
    let _ = std::io::stderr().write_all(out.as_bytes());
    // The first two failures of each operation.
    let failures: Vec<&String> = counts
        .values()
        .flat_map(|c| c.failures.iter().take(2))
        .collect();
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    assert!(counts.values().map(|c| c.applied).sum::<usize>() > 0);
}

fn sql_models(host: &AnalysisHost) -> Vec<PathBuf> {
    host.models().into_iter().map(|f| host.path_of(f)).collect()
}

#[test]
fn every_operation_at_every_gem_of_jaffle_shop() {
    let Some(root) = corpus("jaffle_shop_duckdb") else {
        return;
    };
    let models = sql_models(&AnalysisHost::load(&root).unwrap());
    let counts = sweep(&root, &models, true);
    report("jaffle_shop_duckdb", &counts);
}

#[test]
fn every_operation_at_every_gem_of_a_sample_of_tuva() {
    let Some(root) = corpus("tuva") else { return };
    let host = AnalysisHost::load(&root).unwrap();
    // Every 40th model of the project's own (not of its packages), in path order.
    let mut models: Vec<PathBuf> = sql_models(&host)
        .into_iter()
        .filter(|p| !p.starts_with(root.join("dbt_packages")))
        .collect();
    models.sort();
    let sample: Vec<PathBuf> = models.into_iter().step_by(40).collect();
    drop(host);
    let counts = sweep(&root, &sample, false);
    report(&format!("tuva ({} models)", sample.len()), &counts);
}
