//! Lineage of one analyzed statement as flat edges, the shape other lineage
//! tools exchange: source table and column, target table (null for a bare
//! query) and column, and the kind.

use serde::Serialize;

use super::{Edge, EdgeKind};
use crate::schema::StatementAnalysis;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct StatementEdge {
    /// Empty (null in JSON) when the column comes from one of several
    /// relations whose columns are unknown.
    #[serde(serialize_with = "empty_as_null")]
    pub source_table: String,
    pub source_column: String,
    pub target_table: Option<String>,
    pub target_column: String,
    pub kind: EdgeKind,
}

/// How the columns of unaliased expressions are named in edges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnaliasedNames {
    /// As the engine names them (`sum(amount)`, DuckDB's rules).
    #[default]
    Engine,
    /// `_0`, `_1`, ... in order among such columns (OpenLineage's convention).
    Positional,
}

/// Column edges of a statement. Indirect kinds (conditions, window keys,
/// aggregate filters) only with `include_indirect`.
pub fn statement_edges(
    analysis: &StatementAnalysis,
    include_indirect: bool,
    unaliased: UnaliasedNames,
) -> Vec<StatementEdge> {
    let mut out = Vec::new();
    let target_table = analysis.target.as_ref().map(|t| t.table.clone());
    let mut push = |target_column: &str, lineage: &[Edge]| {
        for e in lineage
            .iter()
            .filter(|e| include_indirect || e.kind.is_direct())
        {
            let edge = StatementEdge {
                source_table: e.table.to_string(),
                source_column: e.column.to_string(),
                target_table: target_table.clone(),
                target_column: target_column.to_string(),
                kind: e.kind,
            };
            if !out.contains(&edge) {
                out.push(edge);
            }
        }
    };
    match &analysis.target {
        Some(t) if !t.assignments.is_empty() => {
            for (column, lineage) in &t.assignments {
                push(column, lineage);
            }
        }
        target => {
            let target_columns: &[String] =
                target.as_ref().map(|t| t.columns.as_slice()).unwrap_or(&[]);
            let mut unnamed = 0;
            for (i, column) in analysis.output.columns.iter().enumerate() {
                let name = match target_columns.get(i) {
                    Some(n) => n.clone(),
                    None if column.named_by_engine && unaliased == UnaliasedNames::Positional => {
                        unnamed += 1;
                        format!("_{}", unnamed - 1)
                    }
                    None => column.name.clone(),
                };
                push(&name, &column.lineage);
            }
        }
    }
    // Columns nobody knows still flow: `insert into t select * from s` with
    // `s` undescribed is `s.*` into `t.*`.
    if analysis.output.open {
        for relation in &analysis.output.open_from {
            let edge = StatementEdge {
                source_table: relation.clone(),
                source_column: "*".into(),
                target_table: target_table.clone(),
                target_column: "*".into(),
                kind: EdgeKind::Copy,
            };
            if !out.contains(&edge) {
                out.push(edge);
            }
        }
    }
    out
}

fn empty_as_null<S: serde::Serializer>(table: &str, s: S) -> Result<S::Ok, S::Error> {
    if table.is_empty() {
        s.serialize_none()
    } else {
        s.serialize_str(table)
    }
}
