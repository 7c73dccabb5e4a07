//! Impact: for each changed column (or removed node), who downstream uses it,
//! and which of those uses break in the working tree.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::db::SourceFile;
use crate::diagnostics::Code;
use crate::gems::Gem;
use crate::host::AnalysisHost;
use crate::lineage::through_gems;
use crate::model::{downstream, model_analysis, model_ide_facts, project_index};
use crate::text::{LineCol, LineIndex, TextRange};
use crate::types::parse_type;

use super::{retype_breaks, ColumnChange, NodeChange, NodeDiff, NodeKind};

/// A place in a working-tree file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub file: String,
    /// The gem (CTE); `None` for the model's final SELECT.
    pub gem: Option<String>,
    pub start: LineCol,
    pub end: LineCol,
    #[serde(skip)]
    pub range: TextRange,
}

/// One place downstream that reads what changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Use {
    pub model: String,
    pub place: Place,
    /// The use is an error in the working tree now (or, for a retyped
    /// column, reads it as a kind of value it no longer is).
    pub breaks: bool,
}

/// What one change does downstream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Impact {
    /// The node that changed (its working-tree name, the base name when removed).
    pub node: String,
    /// What changed, for people: "removes `status`".
    pub change: String,
    /// The column at the base, `None` for a change of the whole node.
    pub column: Option<String>,
    pub breaking: bool,
    /// Where the change is: the gem of the changed node that makes it.
    pub at: Option<Place>,
    /// Direct uses in downstream models, with their places.
    pub uses: Vec<Use>,
    /// Every downstream column fed by it at the base (`model.column`).
    pub downstream: Vec<String>,
    /// One line for a diagnostic or a report.
    pub message: String,
}

fn place(host: &AnalysisHost, file: SourceFile, range: TextRange, gem: Option<String>) -> Place {
    let text = file.text(host.db());
    let lines = LineIndex::new(text);
    Place {
        file: file.path(host.db()).clone(),
        gem,
        start: lines.line_col(text, range.start),
        end: lines.line_col(text, range.end),
        range,
    }
}

/// The gem of the changed model where a column change happens: the gem
/// after the last one that still has the old column (removed, renamed), or
/// the first that has the new type (retyped).
fn changed_gem<'a>(gems: &'a [Gem], change: &ColumnChange) -> Option<&'a Gem> {
    let carries = |g: &Gem, c: &str| g.output.column(c).is_some();
    match change {
        ColumnChange::Retyped { column, to, .. } => gems.iter().find(|g| {
            g.output
                .column(column)
                .is_some_and(|c| c.ty.to_string() == *to)
        }),
        ColumnChange::Removed { column, .. } | ColumnChange::Renamed { from: column, .. } => {
            match gems.iter().rposition(|g| carries(g, column)) {
                Some(i) => gems[i + 1..]
                    .iter()
                    .find(|g| {
                        g.inputs
                            .iter()
                            .any(|x| x.eq_ignore_ascii_case(&gems[i].name))
                    })
                    .or(gems.last()),
                None => match change {
                    ColumnChange::Renamed { to, .. } => gems.iter().find(|g| carries(g, to)),
                    _ => gems.first(),
                },
            }
        }
        ColumnChange::Added { .. } => None,
    }
}

fn gem_place(host: &AnalysisHost, file: SourceFile, gem: &Gem, gems: &[Gem]) -> Place {
    let is_final = gems.last().is_some_and(|g| std::ptr::eq(g, gem));
    place(host, file, gem.range, (!is_final).then(|| gem.name.clone()))
}

fn summarize(change: &str, downstream: &[String], uses: &[Use]) -> String {
    let mut users: Vec<String> = downstream.to_vec();
    for u in uses {
        if !users
            .iter()
            .any(|d| d.split('.').next() == Some(u.model.as_str()))
        {
            users.push(u.model.clone());
        }
    }
    match users.as_slice() {
        [] => change.to_string(),
        [one] => format!("{change}, used by `{one}`"),
        [first, rest @ ..] => format!("{change}, used by `{first}` and {} more", rest.len()),
    }
}

/// The impact of one node's changes. `base_name` is the node's name at the
/// base (it differs when the node was renamed).
pub fn impact_of(base: &AnalysisHost, head: &AnalysisHost, diff: &NodeDiff) -> Vec<Impact> {
    let base_name = match &diff.change {
        NodeChange::Renamed { from } => from.clone(),
        _ => diff.name.clone(),
    };
    let mut out = Vec::new();
    if matches!(
        diff.change,
        NodeChange::Removed | NodeChange::Renamed { .. }
    ) && diff.kind != NodeKind::Source
    {
        if let Some(i) = node_impact(base, head, &base_name, diff) {
            out.push(i);
        }
    }
    let head_index = project_index(head.db(), head.project());
    let head_node = head_index
        .node(&diff.name, None)
        .filter(|n| n.is_sql_model());
    let head_gems = head_node.map(|n| &model_analysis(head.db(), head.project(), n.file).gems);
    for change in &diff.columns {
        let Some(column) = change.base_column() else {
            continue;
        };
        let downstream_columns = downstream_of(base, &base_name, column);
        let readers = direct_readers(base, &base_name, column);
        let uses = uses_in_head(head, &diff.name, &readers, change);
        if downstream_columns.is_empty() && uses.is_empty() {
            continue;
        }
        let at = head_node.zip(head_gems).and_then(|(n, gems)| {
            changed_gem(gems, change).map(|g| gem_place(head, n.file, g, gems))
        });
        let described = change.describe();
        out.push(Impact {
            node: diff.name.clone(),
            message: summarize(&described, &downstream_columns, &uses),
            change: described,
            column: Some(column.to_string()),
            breaking: uses.iter().any(|u| u.breaks),
            at,
            uses,
            downstream: downstream_columns,
        });
    }
    out
}

/// A removed or renamed model or seed: the refs to its old name that no
/// longer resolve.
fn node_impact(
    base: &AnalysisHost,
    head: &AnalysisHost,
    base_name: &str,
    diff: &NodeDiff,
) -> Option<Impact> {
    let base_index = project_index(base.db(), base.project());
    let readers: Vec<String> = base_index
        .nodes
        .iter()
        .filter(|n| n.is_sql_model())
        .filter(|n| {
            model_analysis(base.db(), base.project(), n.file)
                .output
                .columns
                .iter()
                .flat_map(|c| &c.lineage)
                .chain(&model_analysis(base.db(), base.project(), n.file).influences)
                .any(|e| e.table.eq_ignore_ascii_case(base_name))
        })
        .map(|n| n.name.clone())
        .collect();
    let needle = format!("`ref('{base_name}')`");
    let head_index = project_index(head.db(), head.project());
    let mut uses = Vec::new();
    for node in head_index.nodes.iter().filter(|n| n.is_sql_model()) {
        let analysis = model_analysis(head.db(), head.project(), node.file);
        for d in &analysis.diagnostics {
            if d.code == Code::UnknownRef && d.message.starts_with(&needle) {
                uses.push(Use {
                    model: node.name.clone(),
                    place: place(
                        head,
                        node.file,
                        d.range,
                        crate::ide::gem_at(head.db(), head.project(), node.file, d.range.start)
                            .flatten(),
                    ),
                    breaks: true,
                });
            }
        }
    }
    if readers.is_empty() && uses.is_empty() {
        return None;
    }
    let change = match &diff.change {
        NodeChange::Renamed { .. } => format!("renames `{base_name}` to `{}`", diff.name),
        _ => format!("removes `{base_name}`"),
    };
    Some(Impact {
        node: diff.name.clone(),
        message: summarize(&change, &readers, &uses),
        change,
        column: None,
        breaking: !uses.is_empty(),
        at: None,
        uses,
        downstream: readers,
    })
}

/// Every downstream column the base's `relation.column` feeds.
fn downstream_of(base: &AnalysisHost, relation: &str, column: &str) -> Vec<String> {
    let Ok(graph) = downstream(base.db(), base.project(), relation, column, None) else {
        return Vec::new();
    };
    graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| *i != graph.root && n.gem.is_none())
        .map(|(_, n)| format!("{}.{}", n.relation, n.column))
        .collect()
}

/// Base models with a column reference that reads `relation.column`.
fn direct_readers(base: &AnalysisHost, relation: &str, column: &str) -> BTreeSet<String> {
    let index = project_index(base.db(), base.project());
    let is_relation = |table: &str| {
        let behind = index.node_behind_source(table).map(|n| n.name.as_str());
        table.eq_ignore_ascii_case(relation)
            || behind.is_some_and(|b| b.eq_ignore_ascii_case(relation))
    };
    let reads =
        |e: &crate::lineage::Edge| is_relation(&e.table) && e.column.eq_ignore_ascii_case(column);
    index
        .nodes
        .iter()
        .filter(|n| n.is_sql_model())
        .filter(|n| {
            let analysis = model_analysis(base.db(), base.project(), n.file);
            if !analysis.relations_read.iter().any(|t| is_relation(t)) {
                return false;
            }
            let facts = model_ide_facts(base.db(), base.project(), n.file);
            facts.references.iter().any(|r| {
                through_gems(&r.lineage, &analysis.gem_defs)
                    .iter()
                    .any(reads)
            }) || analysis
                .output
                .columns
                .iter()
                .flat_map(|c| &c.lineage)
                .any(reads)
        })
        .map(|n| n.name.to_lowercase())
        .collect()
}

/// The uses in the working tree of the changed column, in the models that
/// read it at the base.
fn uses_in_head(
    head: &AnalysisHost,
    node: &str,
    readers: &BTreeSet<String>,
    change: &ColumnChange,
) -> Vec<Use> {
    let index = project_index(head.db(), head.project());
    let mut out = Vec::new();
    for model in index.nodes.iter().filter(|n| n.is_sql_model()) {
        if !readers.contains(&model.name.to_lowercase()) {
            continue;
        }
        let analysis = model_analysis(head.db(), head.project(), model.file);
        let references = &model_ide_facts(head.db(), head.project(), model.file).references;
        let gem =
            |at: usize| crate::ide::gem_at(head.db(), head.project(), model.file, at).flatten();
        match change {
            ColumnChange::Retyped { column, from, to } => {
                let breaks = retype_breaks(&parse_type(from), &parse_type(to));
                for r in references {
                    let reads = through_gems(&r.lineage, &analysis.gem_defs)
                        .iter()
                        .any(|e| {
                            e.table.eq_ignore_ascii_case(node)
                                && e.column.eq_ignore_ascii_case(column)
                        });
                    if reads {
                        out.push(Use {
                            model: model.name.clone(),
                            place: place(head, model.file, r.range, gem(r.range.start)),
                            breaks,
                        });
                    }
                }
            }
            ColumnChange::Removed { column, .. } | ColumnChange::Renamed { from: column, .. } => {
                // The old name no longer resolves: an unknown column there now.
                for d in &analysis.diagnostics {
                    let named = references.iter().any(|r| {
                        r.range == d.range
                            && r.lineage.is_empty()
                            && r.name
                                .rsplit('.')
                                .next()
                                .is_some_and(|n| n.eq_ignore_ascii_case(column))
                    });
                    if d.code == Code::UnknownColumn && named {
                        out.push(Use {
                            model: model.name.clone(),
                            place: place(head, model.file, d.range, gem(d.range.start)),
                            breaks: true,
                        });
                    }
                }
            }
            ColumnChange::Added { .. } => {}
        }
    }
    out
}
