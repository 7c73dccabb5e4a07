//! Column-level lineage: for each output column, the input columns it is
//! computed from and how (a copy, a transformation, an aggregate), and the
//! columns that shape it without flowing into it (CASE conditions, window
//! keys, aggregate filters). Statement-level influences (WHERE filters, join
//! keys, GROUP BY keys) are kept apart: they shape every row, not a column.

mod statement;

use serde::Serialize;
use std::sync::Arc;

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
    // Shared: lineage is copied from gem to gem and model to model.
    #[serde(serialize_with = "shared_str")]
    pub table: Arc<str>,
    #[serde(serialize_with = "shared_str")]
    pub column: Arc<str>,
    pub kind: EdgeKind,
    /// `table` is a gem (CTE) of the same statement, not a relation.
    #[serde(skip)]
    pub from_gem: bool,
}

fn shared_str<S: serde::Serializer>(text: &Arc<str>, to: S) -> Result<S::Ok, S::Error> {
    to.serialize_str(text)
}

impl Edge {
    pub fn new(table: impl Into<Arc<str>>, column: impl Into<Arc<str>>, kind: EdgeKind) -> Self {
        Edge {
            table: table.into(),
            column: column.into(),
            kind,
            from_gem: false,
        }
    }

    /// A column of one of several relations whose columns are unknown.
    pub fn unattributed(column: impl Into<Arc<str>>) -> Self {
        Edge::new("", column, EdgeKind::Copy)
    }

    pub fn is_attributed(&self) -> bool {
        !self.table.is_empty()
    }
}

/// Replaces edges that point at gems (CTEs) with the edges of the gem's
/// column, recursively, so every edge ends at a relation.
pub fn through_gems(edges: &[Edge], gems: &[(String, crate::schema::RelationSchema)]) -> Vec<Edge> {
    GemLineage::new(gems).through(edges)
}

/// A gem's index and a lowercased column name.
type GemColumn = (usize, Arc<str>);

/// `text` lowercased, if it has capitals: most names have none, and need
/// no copy to be compared.
fn lowercased(text: &str) -> Option<String> {
    text.bytes()
        .any(|b| b.is_ascii_uppercase())
        .then(|| text.to_ascii_lowercase())
}

/// Lineage through the gems of one statement, each gem column resolved
/// once: gems that read two earlier gems, which read two earlier ones, make
/// a lattice whose paths double with every level, and a chain of thousands
/// of gems is walked without recursion.
pub struct GemLineage<'a> {
    gems: &'a [(String, crate::schema::RelationSchema)],
    /// Lowercased gem name -> its last definition (the one in scope).
    by_name: rustc_hash::FxHashMap<String, usize>,
    /// Edges of a gem column, ending at relations, seen as a copy.
    resolved: rustc_hash::FxHashMap<GemColumn, std::sync::Arc<Vec<Edge>>>,
    /// Per gem, its lowercased column names -> the first column of that name.
    columns: rustc_hash::FxHashMap<usize, rustc_hash::FxHashMap<String, usize>>,
}

/// A gem column being resolved: its own edges, how many were taken, and the
/// relation edges found so far.
struct Pending<'a> {
    key: GemColumn,
    /// The gem column's own edges, borrowed from the gem where it has them.
    edges: std::borrow::Cow<'a, [Edge]>,
    next: usize,
    found: Vec<Edge>,
    /// It met a gem column still being resolved (a recursive CTE): what it
    /// found depends on the path and is not kept.
    cut: bool,
}

impl<'a> GemLineage<'a> {
    pub fn new(gems: &'a [(String, crate::schema::RelationSchema)]) -> GemLineage<'a> {
        let by_name = gems
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (name.to_ascii_lowercase(), i))
            .collect();
        GemLineage {
            gems,
            by_name,
            resolved: Default::default(),
            columns: Default::default(),
        }
    }

    /// `edges` with every edge into a gem replaced by the relation edges of
    /// that gem column.
    pub fn through(&mut self, edges: &[Edge]) -> Vec<Edge> {
        let mut out = Vec::new();
        for e in edges {
            if !e.from_gem {
                merge_edges(&mut out, [e.clone()]);
            } else if let Some(key) = self.key(e) {
                let found = self.resolve(key);
                merge_edges(&mut out, composed(e.kind, &found));
            }
        }
        out
    }

    fn key(&self, e: &Edge) -> Option<GemColumn> {
        let gem = match lowercased(&e.table) {
            Some(table) => *self.by_name.get(&table)?,
            None => *self.by_name.get(&*e.table)?,
        };
        let column = lowercased(&e.column).map_or_else(|| e.column.clone(), Arc::from);
        Some((gem, column))
    }

    fn pending(&mut self, key: GemColumn) -> Pending<'a> {
        let gem: &'a crate::schema::RelationSchema = &self.gems[key.0].1;
        let columns = self.columns.entry(key.0).or_insert_with(|| {
            let mut by_name = rustc_hash::FxHashMap::default();
            for (i, c) in gem.columns.iter().enumerate().rev() {
                by_name.insert(c.name.to_ascii_lowercase(), i);
            }
            by_name
        });
        let edges = match columns.get(&*key.1) {
            Some(&i) => std::borrow::Cow::Borrowed(&gem.columns[i].lineage[..]),
            None => gem
                .open_from
                .iter()
                .map(|t| Edge::new(t.clone(), key.1.clone(), EdgeKind::Copy))
                .collect(),
        };
        Pending {
            key,
            edges,
            next: 0,
            found: Vec::new(),
            cut: false,
        }
    }

    fn resolve(&mut self, key: GemColumn) -> std::sync::Arc<Vec<Edge>> {
        if let Some(done) = self.resolved.get(&key) {
            return done.clone();
        }
        // The gem columns being resolved are the stack's keys. It is a few
        // deep in most models, where a scan finds a recursive CTE's cycle
        // without a set; past `SCAN_DEPTH` (a chain of thousands of gems)
        // the keys go into a set.
        const SCAN_DEPTH: usize = 32;
        let mut deep: rustc_hash::FxHashSet<GemColumn> = Default::default();
        let mut stack = vec![self.pending(key)];
        loop {
            let top = stack.last_mut().expect("the stack ends with a return");
            let Some(e) = top.edges.get(top.next).cloned() else {
                let done = stack.pop().expect("the stack is not empty");
                deep.remove(&done.key);
                let found = std::sync::Arc::new(done.found);
                if !done.cut {
                    self.resolved.insert(done.key, found.clone());
                }
                let Some(reader) = stack.last_mut() else {
                    return found;
                };
                let via = reader.edges[reader.next - 1].kind;
                merge_edges(&mut reader.found, composed(via, &found));
                continue;
            };
            top.next += 1;
            if !e.from_gem {
                merge_edges(&mut top.found, [e]);
                continue;
            }
            let Some(key) = self.key(&e) else {
                continue;
            };
            // A recursive CTE reads itself: its own rows add no new sources.
            let in_progress = if deep.is_empty() {
                stack.iter().any(|p| p.key == key)
            } else {
                deep.contains(&key)
            };
            if in_progress {
                stack.iter_mut().for_each(|p| p.cut = true);
                continue;
            }
            if let Some(done) = self.resolved.get(&key) {
                let done = done.clone();
                let top = stack.last_mut().expect("the stack is not empty");
                merge_edges(&mut top.found, composed(e.kind, &done));
                continue;
            }
            // Once in use, the set holds every key of the stack.
            if !deep.is_empty() || stack.len() >= SCAN_DEPTH {
                if deep.is_empty() {
                    deep.extend(stack.iter().map(|p| p.key.clone()));
                }
                deep.insert(key.clone());
            }
            let next = self.pending(key);
            stack.push(next);
        }
    }
}

/// `inner` edges seen through an edge of kind `via`.
fn composed(via: EdgeKind, inner: &[Edge]) -> impl Iterator<Item = Edge> + '_ {
    inner.iter().map(move |i| Edge {
        kind: via.compose(i.kind),
        ..i.clone()
    })
}

/// Adds edges without duplicates, keeping the strongest kind per source.
pub fn merge_edges(into: &mut Vec<Edge>, edges: impl IntoIterator<Item = Edge>) {
    for e in edges {
        if !into.contains(&e) {
            into.push(e);
        }
    }
}
