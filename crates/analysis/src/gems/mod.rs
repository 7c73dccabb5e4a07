//! Gems: each CTE of a model and its final SELECT, with a kind from its shape.

use serde::Serialize;
use sqlparser::ast::{visit_expressions, Visit};
use sqlparser::ast::{
    Distinct, Expr, GroupByExpr, Query, Select, SelectItem, SetExpr, TableFactor,
};

use crate::catalog::FunctionCatalog;
use crate::schema::RelationSchema;
use crate::text::TextRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum GemKind {
    Source,
    Reformat,
    Filter,
    Join,
    Aggregate,
    OrderBy,
    Limit,
    Deduplicate,
    SetOperation,
    Window,
    SQLStatement,
}

impl GemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GemKind::Source => "Source",
            GemKind::Reformat => "Reformat",
            GemKind::Filter => "Filter",
            GemKind::Join => "Join",
            GemKind::Aggregate => "Aggregate",
            GemKind::OrderBy => "OrderBy",
            GemKind::Limit => "Limit",
            GemKind::Deduplicate => "Deduplicate",
            GemKind::SetOperation => "SetOperation",
            GemKind::Window => "Window",
            GemKind::SQLStatement => "SQLStatement",
        }
    }
}

/// One gem of a model: its input ports (the relations and gems it reads) and
/// its output port's schema.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Gem {
    pub name: String,
    pub kind: GemKind,
    /// Names of the gems or relations it reads, in order of appearance.
    pub inputs: Vec<String>,
    pub output: RelationSchema,
    /// The CTE name, or the final SELECT keyword, in the analyzed SQL.
    pub range: TextRange,
    /// The whole body of the gem in the analyzed SQL.
    pub body: TextRange,
}

/// The kind of a gem from the shape of its query.
pub fn classify_query(query: &Query, functions: &FunctionCatalog) -> GemKind {
    match query.body.as_ref() {
        SetExpr::SetOperation { .. } => GemKind::SetOperation,
        SetExpr::Select(select) => {
            let kind = classify_select(select, functions);
            if kind != GemKind::Reformat {
                return kind;
            }
            if query.limit_clause.is_some() || query.fetch.is_some() {
                GemKind::Limit
            } else if query.order_by.is_some() {
                GemKind::OrderBy
            } else {
                kind
            }
        }
        SetExpr::Query(inner) => classify_query(inner, functions),
        SetExpr::Values(_) => GemKind::Source,
        _ => GemKind::SQLStatement,
    }
}

fn classify_select(select: &Select, functions: &FunctionCatalog) -> GemKind {
    let has_joins = select.from.len() > 1 || select.from.iter().any(|t| !t.joins.is_empty());
    if has_joins {
        return GemKind::Join;
    }
    let grouped = !matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
    let (aggregates, windows) = count_calls(select, functions);
    if grouped || (aggregates > 0 && windows == 0) {
        return GemKind::Aggregate;
    }
    if matches!(select.distinct, Some(Distinct::Distinct | Distinct::On(_)))
        || select.qualify.is_some()
    {
        return GemKind::Deduplicate;
    }
    if windows > 0 {
        return GemKind::Window;
    }
    let only_star = select.projection.len() == 1
        && matches!(select.projection[0], SelectItem::Wildcard(ref o) if o.opt_exclude.is_none() && o.opt_replace.is_none());
    if select.selection.is_some() {
        return GemKind::Filter;
    }
    let from_table = select
        .from
        .first()
        .is_some_and(|t| matches!(t.relation, TableFactor::Table { args: None, .. }));
    if only_star && from_table {
        GemKind::Source
    } else {
        GemKind::Reformat
    }
}

/// Counts aggregate and window calls in a SELECT's own expressions.
fn count_calls(select: &Select, functions: &FunctionCatalog) -> (usize, usize) {
    let mut aggregates = 0;
    let mut windows = 0;
    let mut count = |e: &Expr| {
        if let Expr::Function(f) = e {
            if f.over.is_some() {
                windows += 1;
            } else {
                if functions.is_aggregate_call(f) {
                    aggregates += 1;
                }
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    };
    for item in &select.projection {
        let _ = visit_expressions(item, &mut count);
    }
    if let Some(h) = &select.having {
        let _ = h.visit(&mut ExprCounter(&mut count));
    }
    (aggregates, windows)
}

struct ExprCounter<'a, F>(&'a mut F);

impl<F: FnMut(&Expr) -> std::ops::ControlFlow<()>> sqlparser::ast::Visitor for ExprCounter<'_, F> {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &Expr) -> std::ops::ControlFlow<()> {
        (self.0)(expr)
    }
}
