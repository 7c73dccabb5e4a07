//! Column-level lineage: for each output column, the input columns it is
//! computed from and how (a copy, a transformation, an aggregate), and the
//! columns that shape it without flowing into it (CASE conditions, window
//! keys, aggregate filters). Statement-level influences (WHERE filters, join
//! keys, GROUP BY keys) are kept apart: they shape every row, not a column.

mod statement;

use serde::Serialize;

pub use statement::{statement_edges, StatementEdge, UnaliasedNames};

/// How an input column reaches an output column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// The same value, maybe renamed.
    Copy,
    /// An expression of it.
    Transform,
    /// An aggregate over it.
    Aggregate,
    /// A filter (WHERE, or an aggregate's FILTER clause).
    Filter,
    /// A join key.
    JoinKey,
    /// A GROUP BY key.
    GroupKey,
    /// A window's PARTITION BY or ORDER BY key.
    WindowKey,
    /// A CASE WHEN condition.
    Condition,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Copy => "copy",
            EdgeKind::Transform => "transform",
            EdgeKind::Aggregate => "aggregate",
            EdgeKind::Filter => "filter",
            EdgeKind::JoinKey => "join_key",
            EdgeKind::GroupKey => "group_key",
            EdgeKind::WindowKey => "window_key",
            EdgeKind::Condition => "condition",
        }
    }

    /// Whether the input flows into the value (copy, transform, aggregate).
    pub fn is_direct(self) -> bool {
        matches!(
            self,
            EdgeKind::Copy | EdgeKind::Transform | EdgeKind::Aggregate
        )
    }

    /// The kind of an edge seen through an outer expression of kind `self`.
    pub fn compose(self, inner: EdgeKind) -> EdgeKind {
        match (self.is_direct(), inner.is_direct()) {
            (false, _) => self,
            (true, false) => inner,
            (true, true) => self.max(inner),
        }
    }

    /// The kind for the operands of an expression reached with this kind.
    pub fn inside_expression(self) -> EdgeKind {
        if self == EdgeKind::Copy {
            EdgeKind::Transform
        } else {
            self
        }
    }
}

/// An edge from an input column: the relation as written (or the model,
/// seed or source it names) and the column. The relation is empty when the
/// column comes from one of several relations whose columns are unknown.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub table: String,
    pub column: String,
    pub kind: EdgeKind,
    /// `table` is a gem (CTE) of the same statement, not a relation.
    #[serde(skip)]
    pub from_gem: bool,
}

impl Edge {
    pub fn new(table: impl Into<String>, column: impl Into<String>, kind: EdgeKind) -> Self {
        Edge {
            table: table.into(),
            column: column.into(),
            kind,
            from_gem: false,
        }
    }

    /// A column of one of several relations whose columns are unknown.
    pub fn unattributed(column: impl Into<String>) -> Self {
        Edge::new("", column, EdgeKind::Copy)
    }

    pub fn is_attributed(&self) -> bool {
        !self.table.is_empty()
    }
}

/// Replaces edges that point at gems (CTEs) with the edges of the gem's
/// column, recursively, so every edge ends at a relation.
pub fn through_gems(edges: &[Edge], gems: &[(String, crate::schema::RelationSchema)]) -> Vec<Edge> {
    let mut out = Vec::new();
    expand(edges, gems, &mut Vec::new(), &mut out);
    out
}

fn expand(
    edges: &[Edge],
    gems: &[(String, crate::schema::RelationSchema)],
    visiting: &mut Vec<String>,
    out: &mut Vec<Edge>,
) {
    for e in edges {
        if !e.from_gem {
            merge_edges(out, [e.clone()]);
            continue;
        }
        // A recursive CTE reads itself: its own rows add no new sources.
        let key = format!("{}.{}", e.table.to_lowercase(), e.column.to_lowercase());
        if visiting.contains(&key) {
            continue;
        }
        let Some((_, gem)) = gems
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(&e.table))
        else {
            continue;
        };
        let inner: Vec<Edge> = match gem.column(&e.column) {
            Some(c) => c.lineage.clone(),
            None => gem
                .open_from
                .iter()
                .map(|t| Edge::new(t.clone(), e.column.clone(), EdgeKind::Copy))
                .collect(),
        };
        let composed: Vec<Edge> = inner
            .into_iter()
            .map(|i| Edge {
                kind: e.kind.compose(i.kind),
                ..i
            })
            .collect();
        visiting.push(key);
        expand(&composed, gems, visiting, out);
        visiting.pop();
    }
}

/// Adds edges without duplicates, keeping the strongest kind per source.
pub fn merge_edges(into: &mut Vec<Edge>, edges: impl IntoIterator<Item = Edge>) {
    for e in edges {
        if !into.contains(&e) {
            into.push(e);
        }
    }
}
