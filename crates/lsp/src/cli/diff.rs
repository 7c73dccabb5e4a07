//! `loupe diff`: the schema diff between a base revision and the working
//! tree, and what it breaks downstream. Exit 1 when something breaks.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use loupe_analysis::diff::{Impact, NodeChange, NodeDiff, ProjectDiff};
use loupe_lsp::base::BaseAnalysis;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    Human,
    Json,
    Markdown,
}

/// What `--data` asks for (read only where a fabric is built in).
#[cfg_attr(not(feature = "fabric"), allow(dead_code))]
pub struct DataOptions {
    pub keys: Vec<String>,
    pub limit: usize,
    pub fabric: Option<String>,
}

pub fn run(
    path: &Path,
    base: Option<&str>,
    format: DiffFormat,
    data: Option<DataOptions>,
) -> Result<ExitCode, String> {
    let head = super::load_project(path)?;
    let Some(base) = BaseAnalysis::load(head.root(), base, super::invocation())? else {
        return Err(format!(
            "{} is not in a Git repository: there is no base to compare with",
            path.display()
        ));
    };
    let (diff, impacts) = base.diff(&head);
    let data = match data {
        Some(options) => Some(data::run(&base, &head, &options)?),
        None => None,
    };
    if data.as_ref().is_some_and(|d| d.interrupted) {
        eprintln!("loupe: interrupted");
        return Ok(ExitCode::from(data::INTERRUPTED));
    }
    let models = data.map(|d| d.models).unwrap_or_default();
    let text = match format {
        DiffFormat::Json => serde_json::to_string_pretty(&serde_json::json!({
            "base": { "revision": base.revision.oid, "label": base.revision.label },
            "branch": base.branch,
            "nodes": diff.nodes,
            "impact": impacts,
            "breaking": impacts.iter().any(|i| i.breaking),
            "data": models,
        }))
        .map_err(|e| e.to_string())?,
        DiffFormat::Human => human(&base, &diff, &impacts) + &data::human(&models),
        DiffFormat::Markdown => markdown(&base, &diff, &impacts) + &data::markdown(&models),
    };
    println!("{text}");
    Ok(if impacts.iter().any(|i| i.breaking) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn heading(base: &BaseAnalysis) -> String {
    let branch = base
        .branch
        .as_deref()
        .map(|b| format!(" on {b}"))
        .unwrap_or_default();
    format!(
        "Working tree{branch} against {} ({})",
        base.revision.label,
        base.revision.short()
    )
}

fn node_title(n: &NodeDiff) -> String {
    let kind = serde_json::to_value(n.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let what = match &n.change {
        NodeChange::Added => "added".to_string(),
        NodeChange::Removed => "removed".to_string(),
        NodeChange::Renamed { from } => format!("renamed from `{from}`"),
        NodeChange::Modified => "changed".to_string(),
    };
    let file = n.file.as_deref().or(n.base_file.as_deref()).unwrap_or("");
    format!("{kind} `{}` {what} ({file})", n.name)
}

fn node_lines(n: &NodeDiff) -> Vec<String> {
    let mut lines: Vec<String> = n.columns.iter().map(|c| c.describe()).collect();
    if let Some(m) = &n.relation {
        lines.insert(0, format!("builds `{}` instead of `{}`", m.to, m.from));
    }
    lines
}

fn place_text(p: &loupe_analysis::diff::Place) -> String {
    let gem = p
        .gem
        .as_deref()
        .map(|g| format!(" (gem `{g}`)"))
        .unwrap_or_default();
    format!("{}:{}:{}{gem}", p.file, p.start.line, p.start.col)
}

fn human(base: &BaseAnalysis, diff: &ProjectDiff, impacts: &[Impact]) -> String {
    let mut out = vec![heading(base), String::new()];
    if diff.nodes.is_empty() {
        out.push("No schema changes.".into());
    }
    for n in &diff.nodes {
        out.push(node_title(n));
        out.extend(node_lines(n).into_iter().map(|l| format!("  {l}")));
    }
    let breaking: Vec<&Impact> = impacts.iter().filter(|i| i.breaking).collect();
    if !breaking.is_empty() {
        out.push(String::new());
        out.push(format!("Breaking ({}):", breaking.len()));
        for i in breaking {
            let at =
                i.at.as_ref()
                    .map(place_text)
                    .unwrap_or_else(|| i.node.clone());
            out.push(format!("  {at}: {}", i.message));
            for u in i.uses.iter().filter(|u| u.breaks) {
                out.push(format!("    breaks {}", place_text(&u.place)));
            }
        }
    }
    let safe: Vec<&Impact> = impacts.iter().filter(|i| !i.breaking).collect();
    if !safe.is_empty() {
        out.push(String::new());
        out.push("Downstream, not broken:".into());
        for i in safe {
            out.push(format!("  {}: {}", i.node, i.message));
        }
    }
    out.join("\n")
}

fn markdown(base: &BaseAnalysis, diff: &ProjectDiff, impacts: &[Impact]) -> String {
    let breaking: Vec<&Impact> = impacts.iter().filter(|i| i.breaking).collect();
    let mut out = vec![format!("### Loupe: schema changes\n\n{}\n", heading(base))];
    if diff.nodes.is_empty() {
        out.push("No schema changes.".into());
    } else {
        out.push("| Node | Change | Columns |".into());
        out.push("|---|---|---|".into());
        for n in &diff.nodes {
            let change = match &n.change {
                NodeChange::Added => "added".to_string(),
                NodeChange::Removed => "removed".to_string(),
                NodeChange::Renamed { from } => format!("renamed from `{from}`"),
                NodeChange::Modified => "changed".to_string(),
            };
            out.push(format!(
                "| `{}` | {change} | {} |",
                n.name,
                node_lines(n).join("<br>")
            ));
        }
    }
    if breaking.is_empty() {
        out.push("\nNothing downstream breaks.".into());
    } else {
        out.push(format!("\n#### :x: Breaking ({})\n", breaking.len()));
        for i in breaking {
            let at =
                i.at.as_ref()
                    .map(|p| format!(" at `{}`", place_text(p)))
                    .unwrap_or_default();
            out.push(format!("- `{}` {}{at}", i.node, i.message));
            for u in i.uses.iter().filter(|u| u.breaks) {
                out.push(format!("  - breaks `{}`", place_text(&u.place)));
            }
        }
    }
    out.join("\n")
}

/// `--data`: each changed model's rows at the base and now, compared.
#[cfg(feature = "fabric")]
mod data {
    use std::collections::HashMap;

    use loupe_analysis::host::AnalysisHost;
    use loupe_lsp::base::BaseAnalysis;
    use loupe_lsp::data_diff::{changed_models, diff_model, ModelDataDiff};

    pub use super::super::interrupt::INTERRUPTED;

    pub struct DataDiff {
        pub models: Vec<ModelDataDiff>,
        pub interrupted: bool,
    }

    /// `--key id` for every model, `--key orders=order_id,line` for one.
    fn parse_keys(keys: &[String]) -> (Option<Vec<String>>, HashMap<String, Vec<String>>) {
        let split = |s: &str| {
            s.split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect()
        };
        let mut every = None;
        let mut per_model = HashMap::new();
        for k in keys {
            match k.split_once('=') {
                Some((model, columns)) => {
                    per_model.insert(model.trim().to_lowercase(), split(columns));
                }
                None => every = Some(split(k)),
            }
        }
        (every, per_model)
    }

    pub fn run(
        base: &BaseAnalysis,
        head: &AnalysisHost,
        options: &super::DataOptions,
    ) -> Result<DataDiff, String> {
        let control = loupe_fabric::RunControl::new(|message| eprintln!("loupe: {message}"));
        let watch = super::super::interrupt::CancelOnSignal::new(control.clone());
        let (every, per_model) = parse_keys(&options.keys);
        let changed = changed_models(base, head);
        let mut models = Vec::new();
        for (i, (model, base_file, head_file)) in changed.iter().enumerate() {
            if super::super::interrupt::interrupted() {
                break;
            }
            eprintln!(
                "loupe: data diff of `{model}` ({}/{})",
                i + 1,
                changed.len()
            );
            let key = per_model.get(&model.to_lowercase()).or(every.as_ref());
            models.push(diff_model(
                base,
                head,
                model,
                (*base_file, *head_file),
                key.map(Vec::as_slice),
                options.fabric.as_deref(),
                options.limit,
                &control,
            ));
        }
        loupe_lsp::run::close_remote_fabrics();
        drop(watch);
        Ok(DataDiff {
            models,
            interrupted: super::super::interrupt::interrupted(),
        })
    }

    fn percent(changed: usize, of: usize) -> String {
        if of == 0 {
            "-".into()
        } else {
            format!("{:.1}%", 100.0 * changed as f64 / of as f64)
        }
    }

    fn key_text(d: &ModelDataDiff) -> String {
        if d.key.is_empty() {
            "whole rows (no key)".into()
        } else {
            d.key.join(", ")
        }
    }

    fn examples(rows: &[Vec<Option<String>>]) -> String {
        rows.iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.as_deref().unwrap_or("NULL"))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn human(models: &[ModelDataDiff]) -> String {
        let mut out = vec![String::new(), "Data:".to_string()];
        if models.is_empty() {
            out.push("  no model changed".into());
        }
        for d in models {
            if let Some(e) = &d.error {
                out.push(format!("  {}: {e}", d.model));
                continue;
            }
            let cut = if d.truncated {
                " (first rows by key)"
            } else {
                ""
            };
            out.push(format!(
                "  {}: {} rows -> {} rows{cut}, by {}: {} added, {} removed, {} changed, {} unchanged",
                d.model, d.base_rows, d.rows, key_text(d), d.added, d.removed, d.changed, d.unchanged
            ));
            for (what, rows) in [
                ("added", &d.added_examples),
                ("removed", &d.removed_examples),
                ("changed", &d.changed_examples),
            ] {
                if !rows.is_empty() {
                    out.push(format!("    {what}: {}", examples(rows)));
                }
            }
            for c in d.columns.iter().filter(|c| c.changed > 0) {
                out.push(format!(
                    "    `{}` changed in {} ({} of {})",
                    c.column,
                    percent(c.changed, c.compared),
                    c.changed,
                    c.compared
                ));
            }
        }
        out.join("\n")
    }

    pub fn markdown(models: &[ModelDataDiff]) -> String {
        if models.is_empty() {
            return String::new();
        }
        let mut out = vec![
            "\n#### Data\n".to_string(),
            "| Model | Rows (base → now) | Key | Added | Removed | Changed | Columns changed |"
                .to_string(),
            "|---|---|---|---|---|---|---|".to_string(),
        ];
        for d in models {
            if let Some(e) = &d.error {
                out.push(format!("| `{}` | {e} | | | | | |", d.model));
                continue;
            }
            let columns = d
                .columns
                .iter()
                .filter(|c| c.changed > 0)
                .map(|c| format!("`{}` {}", c.column, percent(c.changed, c.compared)))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(format!(
                "| `{}` | {} → {} | {} | {} | {} | {} | {columns} |",
                d.model,
                d.base_rows,
                d.rows,
                key_text(d),
                d.added,
                d.removed,
                d.changed
            ));
        }
        out.join("\n")
    }
}

#[cfg(not(feature = "fabric"))]
mod data {
    use loupe_analysis::host::AnalysisHost;
    use loupe_lsp::base::BaseAnalysis;

    pub const INTERRUPTED: u8 = 130;

    pub struct DataDiff {
        pub models: Vec<serde_json::Value>,
        pub interrupted: bool,
    }

    pub fn run(
        _: &BaseAnalysis,
        _: &AnalysisHost,
        _: &super::DataOptions,
    ) -> Result<DataDiff, String> {
        Err("--data needs a fabric: this loupe was built without the `fabric` feature".into())
    }

    pub fn human(_: &[serde_json::Value]) -> String {
        String::new()
    }

    pub fn markdown(_: &[serde_json::Value]) -> String {
        String::new()
    }
}
