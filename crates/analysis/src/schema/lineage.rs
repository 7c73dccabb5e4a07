//! Lineage of an expression: which resolved column references it contains
//! and through what (copy, transformation, aggregate, condition, window key,
//! filter).

use sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, FunctionArguments, WindowType};

use super::query::Analyzer;
use crate::lineage::{merge_edges, Edge, EdgeKind};
use crate::text::TextRange;

impl Analyzer<'_> {
    /// Records the lineage of a column reference resolved at `range`.
    pub(crate) fn record_reference(&mut self, range: TextRange, lineage: Vec<Edge>) {
        // Macro bodies are typed from another text: their ranges mean nothing here.
        if self.macro_depth == 0 && !lineage.is_empty() {
            self.resolved_refs.push(range, lineage);
        }
    }

    /// The lineage of an expression reached with `kind` (Copy at the root of a select item).
    pub(crate) fn expr_lineage(&self, e: &Expr, kind: EdgeKind) -> Vec<Edge> {
        let mut out = Vec::new();
        self.walk_lineage(e, kind, &mut out);
        out
    }

    fn walk_lineage(&self, e: &Expr, kind: EdgeKind, out: &mut Vec<Edge>) {
        let inside = kind.inside_expression();
        match e {
            Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::CompoundFieldAccess { .. } => {
                self.references_within(self.range_of(e), kind, out)
            }
            Expr::Nested(inner) => self.walk_lineage(inner, kind, out),
            Expr::BinaryOp { left, right, .. } => {
                self.walk_lineage(left, inside, out);
                self.walk_lineage(right, inside, out);
            }
            Expr::UnaryOp { expr, .. } | Expr::Cast { expr, .. } | Expr::Collate { expr, .. } => {
                self.walk_lineage(expr, inside, out)
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                if let Some(o) = operand {
                    self.walk_lineage(o, EdgeKind::Condition, out);
                }
                for cw in conditions {
                    self.walk_lineage(&cw.condition, EdgeKind::Condition, out);
                    self.walk_lineage(&cw.result, inside, out);
                }
                if let Some(x) = else_result {
                    self.walk_lineage(x, inside, out);
                }
            }
            Expr::Function(f) => {
                let aggregate = self.functions.is_aggregate_call(f);
                let arg_kind = if aggregate {
                    kind.compose(EdgeKind::Aggregate)
                } else {
                    inside
                };
                if let FunctionArguments::List(list) = &f.args {
                    for arg in &list.args {
                        let expr = match arg {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(x))
                            | FunctionArg::Named {
                                arg: FunctionArgExpr::Expr(x),
                                ..
                            }
                            | FunctionArg::ExprNamed {
                                arg: FunctionArgExpr::Expr(x),
                                ..
                            } => x,
                            _ => continue,
                        };
                        self.walk_lineage(expr, arg_kind, out);
                    }
                } else if let FunctionArguments::Subquery(q) = &f.args {
                    self.references_within(self.range_of(q.as_ref()), arg_kind, out);
                }
                for o in &f.within_group {
                    self.walk_lineage(&o.expr, arg_kind, out);
                }
                if let Some(filter) = &f.filter {
                    self.walk_lineage(filter, EdgeKind::Filter, out);
                }
                if let Some(WindowType::WindowSpec(spec)) = &f.over {
                    for p in &spec.partition_by {
                        self.walk_lineage(p, EdgeKind::WindowKey, out);
                    }
                    for o in &spec.order_by {
                        self.walk_lineage(&o.expr, EdgeKind::WindowKey, out);
                    }
                }
            }
            // sqlparser gives these no span of their own: their parts have one.
            Expr::Lambda(lambda) => match super::expr::json_arrow(lambda, self.dialect) {
                Some(column) => self.walk_lineage(&column, inside, out),
                None => self.walk_lineage(&lambda.body, inside, out),
            },
            Expr::Named { expr, .. } => self.walk_lineage(expr, kind, out),
            Expr::Struct { values, .. } => {
                for x in values {
                    self.walk_lineage(x, inside, out);
                }
            }
            Expr::Dictionary(fields) => {
                for f in fields {
                    self.walk_lineage(&f.value, inside, out);
                }
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    self.walk_lineage(&entry.key, inside, out);
                    self.walk_lineage(&entry.value, inside, out);
                }
            }
            // Anything else: every reference inside it, transformed.
            other => self.references_within(self.range_of(other), inside, out),
        }
    }

    fn references_within(&self, range: TextRange, kind: EdgeKind, out: &mut Vec<Edge>) {
        if range.is_empty() {
            return;
        }
        for lineage in self.resolved_refs.within(range) {
            merge_edges(
                out,
                lineage.iter().map(|e| Edge {
                    kind: kind.compose(e.kind),
                    ..e.clone()
                }),
            );
        }
    }
}

/// Each resolved column reference of a statement (its range and lineage),
/// in the order resolved, found by position: a statement of a thousand
/// gems has tens of thousands.
#[derive(Default)]
pub(crate) struct ResolvedRefs {
    refs: Vec<(TextRange, Vec<Edge>)>,
    by_start: std::collections::BTreeMap<usize, Vec<usize>>,
}

impl ResolvedRefs {
    fn push(&mut self, range: TextRange, lineage: Vec<Edge>) {
        self.by_start
            .entry(range.start)
            .or_default()
            .push(self.refs.len());
        self.refs.push((range, lineage));
    }

    pub(crate) fn len(&self) -> usize {
        self.refs.len()
    }

    /// Forgets the references resolved after the first `len`.
    pub(crate) fn truncate(&mut self, len: usize) {
        while self.refs.len() > len {
            let (range, _) = self.refs.pop().expect("longer than len");
            let at = self.refs.len();
            if let Some(list) = self.by_start.get_mut(&range.start) {
                list.retain(|&i| i != at);
                if list.is_empty() {
                    self.by_start.remove(&range.start);
                }
            }
        }
    }

    /// The lineage of the references inside `range`, in the order resolved.
    fn within(&self, range: TextRange) -> impl Iterator<Item = &Vec<Edge>> {
        let mut hits: Vec<usize> = self
            .by_start
            .range(range.start..=range.end)
            .flat_map(|(_, at)| at.iter().copied())
            .filter(|&i| range.contains_range(self.refs[i].0))
            .collect();
        hits.sort_unstable();
        hits.into_iter().map(|i| &self.refs[i].1)
    }
}
