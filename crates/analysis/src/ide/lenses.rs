//! Per-gem facts for the editor margin: code lenses (column count and run),
//! folding ranges, inlay hints with column types, workspace symbols.

use crate::db::{Db, Project, SourceFile};
use crate::model::{model_analysis, model_ide_facts, project_index};
use crate::text::TextRange;

/// A gem's lens: where it stands, its name and how many columns it outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GemLens {
    pub range: TextRange,
    /// The gem's name; `None` for the model's final SELECT.
    pub gem: Option<String>,
    pub columns: usize,
    pub complete: bool,
}

pub fn gem_lenses(db: &dyn Db, project: Project, file: SourceFile) -> Vec<GemLens> {
    let analysis = model_analysis(db, project, file);
    let last = analysis.gems.len().saturating_sub(1);
    analysis
        .gems
        .iter()
        .enumerate()
        .map(|(i, g)| GemLens {
            range: g.range,
            gem: (i < last).then(|| g.name.clone()),
            columns: g.output.columns.len(),
            complete: !g.output.open,
        })
        .collect()
}

/// The gem whose name or body holds `offset`: `Some(None)` for the model's
/// final SELECT (everything after its CTEs), `None` outside any gem.
pub fn gem_at(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: usize,
) -> Option<Option<String>> {
    let analysis = model_analysis(db, project, file);
    let (_final_select, ctes) = analysis.gems.split_last()?;
    if let Some(gem) = ctes.iter().find(|g| {
        let span = g.range.cover(g.body);
        span.start <= offset && offset <= span.end
    }) {
        return Some(Some(gem.name.clone()));
    }
    let after_ctes = ctes.last().map_or(0, |g| g.body.end);
    (offset >= after_ctes).then_some(None)
}

/// Foldable ranges: each gem, from its name to the end of its body.
pub fn folding_ranges(db: &dyn Db, project: Project, file: SourceFile) -> Vec<TextRange> {
    model_analysis(db, project, file)
        .gems
        .iter()
        .map(|g| g.range.cover(g.body))
        .filter(|r| !r.is_empty())
        .collect()
}

/// `: TYPE` after each column reference whose type is known, within `range`.
pub fn inlay_hints(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    range: TextRange,
) -> Vec<(usize, String)> {
    let dialect = project.settings(db).dialect;
    let mut hints: Vec<(usize, String)> = model_ide_facts(db, project, file)
        .references
        .iter()
        .filter(|r| range.contains_range(r.range) && !r.ty.is_unknown() && !r.range.is_empty())
        .map(|r| (r.range.end, format!(": {}", r.ty.shown_in(dialect))))
        .collect();
    hints.sort();
    hints.dedup();
    hints
}

/// A symbol anywhere in the project: a model, seed, source or gem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: &'static str,
    pub file: SourceFile,
    pub range: TextRange,
    /// The model a gem belongs to.
    pub container: Option<String>,
}

/// Symbols whose name contains `query` (case-insensitively).
pub fn workspace_symbols(db: &dyn Db, project: Project, query: &str) -> Vec<WorkspaceSymbol> {
    let query = query.to_lowercase();
    let index = project_index(db, project);
    let mut out = Vec::new();
    for node in &index.nodes {
        if node.name.to_lowercase().contains(&query) {
            let kind = if node.is_seed { "seed" } else { "model" };
            out.push(WorkspaceSymbol {
                name: node.name.clone(),
                kind,
                file: node.file,
                range: TextRange::empty(0),
                container: None,
            });
        }
        if node.is_seed {
            continue;
        }
        let analysis = model_analysis(db, project, node.file);
        for gem in &analysis.gems[..analysis.gems.len().saturating_sub(1)] {
            if gem.name.to_lowercase().contains(&query) {
                out.push(WorkspaceSymbol {
                    name: gem.name.clone(),
                    kind: "gem",
                    file: node.file,
                    range: gem.range,
                    container: Some(node.name.clone()),
                });
            }
        }
    }
    for ((_, _), s) in &index.sources {
        let name = format!("{}.{}", s.source, s.table);
        if name.to_lowercase().contains(&query) {
            if let Some(&file) = index
                .source_files
                .get(&(s.source.to_lowercase(), s.table.to_lowercase()))
            {
                out.push(WorkspaceSymbol {
                    name,
                    kind: "source",
                    file,
                    range: TextRange::new(s.offset, s.offset + s.table.len()),
                    container: None,
                });
            }
        }
    }
    out
}
