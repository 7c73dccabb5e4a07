//! A bound on the depth of parsed SQL, so that every later walk over the
//! tree (Loupe's analysis, lineage and lowering, and the tree's own `Drop`,
//! `Clone` and `Display`) recurses a bounded number of levels on any input.
//!
//! sqlparser bounds its own recursion, but it builds chains of infix and
//! postfix operators (`a AND b AND ...`, `x::int::int ...`, `x IS NULL IS
//! NULL ...`) and of set operations (`select 1 union all select 2 ...`) in
//! loops, as trees as deep as the chain is long. Here, after parsing:
//! - a long chain of one associative operator (AND, OR, `||`, `+`, `*`,
//!   UNION, INTERSECT) is rebalanced into a tree of logarithmic depth: the
//!   same operands in the same order, so schemas and lineage are unchanged;
//! - whatever is still deeper than [`MAX_TREE_DEPTH`] is cut off and taken
//!   apart without recursion, and the statement is reported as too deep.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, Query, SetExpr, SetOperator, SetQuantifier, Statement, Value, Values,
    VisitMut, VisitorMut,
};
use sqlparser::tokenizer::Span;

/// The deepest a statement's tree may be (expressions, queries and set
/// operations, each level counted). Analysis of a tree this deep fits in a
/// thread's ordinary 8 MiB stack.
pub const MAX_TREE_DEPTH: usize = 300;

/// Chains of one operator longer than this are rebalanced. Shorter ones are
/// left as written: decimal widths of `a + b + c` depend on the grouping.
const REBALANCE_ABOVE: usize = 64;

/// Where a statement was cut because it is deeper than [`MAX_TREE_DEPTH`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooDeep {
    /// The last place (line, column from 1) the walk saw before the cut.
    pub near: Option<(u64, u64)>,
}

/// Rebalances long chains in `statements` and cuts what is still too deep.
/// Never recurses deeper than [`MAX_TREE_DEPTH`] levels itself.
pub fn bound_depth(statements: &mut [Statement]) -> Option<TooDeep> {
    let mut bounder = DepthBounder::default();
    for statement in statements.iter_mut() {
        let _ = statement.visit(&mut bounder);
    }
    bounder.take_apart_cut_subtrees();
    bounder.too_deep
}

#[derive(Default)]
struct DepthBounder {
    depth: usize,
    /// What each open query added to `depth` (itself and its set-operation spine).
    query_levels: Vec<usize>,
    too_deep: Option<TooDeep>,
    last_seen: Option<Span>,
    cut_exprs: Vec<Expr>,
    cut_set_exprs: Vec<SetExpr>,
}

impl DepthBounder {
    fn note_cut(&mut self) {
        if self.too_deep.is_none() {
            self.too_deep = Some(TooDeep {
                near: self
                    .last_seen
                    .filter(|s| s.start.line > 0)
                    .map(|s| (s.start.line, s.start.column)),
            });
        }
    }

    /// Drops the cut subtrees a level at a time: each is detached from its
    /// spine child, walked (which cuts anything too deep below it), then dropped.
    fn take_apart_cut_subtrees(&mut self) {
        loop {
            if let Some(mut expr) = self.cut_exprs.pop() {
                if let Some(child) = left_operand_mut(&mut expr) {
                    self.cut_exprs
                        .push(std::mem::replace(child, placeholder_expr()));
                }
                self.depth = 0;
                let _ = expr.visit(self);
            } else if let Some(mut set_expr) = self.cut_set_exprs.pop() {
                if let SetExpr::SetOperation { left, right, .. } = &mut set_expr {
                    self.cut_set_exprs
                        .push(std::mem::replace(left.as_mut(), placeholder_set_expr()));
                    self.cut_set_exprs
                        .push(std::mem::replace(right.as_mut(), placeholder_set_expr()));
                }
                self.depth = 0;
                self.query_levels.clear();
                let _ = set_expr.visit(self);
            } else {
                break;
            }
        }
    }
}

impl VisitorMut for DepthBounder {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        self.depth += 1;
        if let Expr::Identifier(ident) = expr {
            self.last_seen = Some(ident.span);
        }
        let room = MAX_TREE_DEPTH.saturating_sub(self.depth);
        if left_spine_len(expr, room + 1) > REBALANCE_ABOVE {
            rebalance_expr_chain(expr);
        }
        if left_spine_len(expr, room + 1) > room {
            if let Some(span) = leftmost_leaf_span(expr) {
                self.last_seen = Some(span);
            }
            self.note_cut();
            self.cut_exprs
                .push(std::mem::replace(expr, placeholder_expr()));
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, _expr: &mut Expr) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_value(&mut self, value: &mut sqlparser::ast::ValueWithSpan) -> ControlFlow<()> {
        self.last_seen = Some(value.span);
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let room = MAX_TREE_DEPTH.saturating_sub(self.depth + 1);
        if set_spine_len(&query.body, room + 1) > REBALANCE_ABOVE {
            rebalance_set_chain(&mut query.body);
        }
        let mut spine = set_spine_len(&query.body, room + 1);
        if spine > room {
            self.note_cut();
            self.cut_set_exprs.push(std::mem::replace(
                query.body.as_mut(),
                placeholder_set_expr(),
            ));
            spine = 1;
        }
        self.depth += 1 + spine;
        self.query_levels.push(1 + spine);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &mut Query) -> ControlFlow<()> {
        // A query cut and walked again on its own has no level pushed here.
        if let Some(levels) = self.query_levels.pop() {
            self.depth = self.depth.saturating_sub(levels);
        }
        ControlFlow::Continue(())
    }
}

fn placeholder_expr() -> Expr {
    Expr::value(Value::Null)
}

fn placeholder_set_expr() -> SetExpr {
    SetExpr::Values(Values {
        explicit_row: false,
        value_keyword: false,
        rows: Vec::new(),
    })
}

/// The operand an infix or postfix operator was applied to: the child
/// through which sqlparser's loops build a chain as deep as it is long.
/// One match for both borrows: match ergonomics bind `&` or `&mut` as given.
macro_rules! left_operand_of {
    ($expr:expr) => {
        Some(match $expr {
            Expr::BinaryOp { left, .. }
            | Expr::AnyOp { left, .. }
            | Expr::AllOp { left, .. }
            | Expr::IsDistinctFrom(left, _)
            | Expr::IsNotDistinctFrom(left, _) => left,
            Expr::IsTrue(e)
            | Expr::IsNotTrue(e)
            | Expr::IsFalse(e)
            | Expr::IsNotFalse(e)
            | Expr::IsNull(e)
            | Expr::IsNotNull(e)
            | Expr::IsUnknown(e)
            | Expr::IsNotUnknown(e)
            | Expr::Nested(e) => e,
            Expr::Cast { expr, .. }
            | Expr::IsNormalized { expr, .. }
            | Expr::InList { expr, .. }
            | Expr::InSubquery { expr, .. }
            | Expr::InUnnest { expr, .. }
            | Expr::Between { expr, .. }
            | Expr::Like { expr, .. }
            | Expr::ILike { expr, .. }
            | Expr::SimilarTo { expr, .. }
            | Expr::RLike { expr, .. }
            | Expr::Collate { expr, .. }
            | Expr::UnaryOp { expr, .. } => expr,
            Expr::AtTimeZone { timestamp, .. } => timestamp,
            Expr::CompoundFieldAccess { root, .. } => root,
            Expr::JsonAccess { value, .. } => value,
            _ => return None,
        })
    };
}

fn left_operand_mut(expr: &mut Expr) -> Option<&mut Expr> {
    left_operand_of!(expr)
}

fn left_operand(expr: &Expr) -> Option<&Expr> {
    left_operand_of!(expr)
}

/// Nodes on the chain of left operands from `expr` down, counted up to `cap`.
fn left_spine_len(expr: &Expr, cap: usize) -> usize {
    let mut n = 1;
    let mut at = expr;
    while n < cap {
        match left_operand(at) {
            Some(next) => {
                n += 1;
                at = next;
            }
            None => break,
        }
    }
    n
}

/// Where the operand at the bottom of `expr`'s chain starts, when it is a name or literal.
fn leftmost_leaf_span(expr: &Expr) -> Option<Span> {
    let mut at = expr;
    while let Some(next) = left_operand(at) {
        at = next;
    }
    match at {
        Expr::Identifier(ident) => Some(ident.span),
        Expr::CompoundIdentifier(parts) => parts.first().map(|p| p.span),
        Expr::Value(value) => Some(value.span),
        _ => None,
    }
}

fn set_spine_len(body: &SetExpr, cap: usize) -> usize {
    let mut n = 1;
    let mut at = body;
    while n < cap {
        match at {
            SetExpr::SetOperation { left, .. } => {
                n += 1;
                at = left;
            }
            _ => break,
        }
    }
    n
}

fn is_associative(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::And
            | BinaryOperator::Or
            | BinaryOperator::StringConcat
            | BinaryOperator::Plus
            | BinaryOperator::Multiply
    )
}

/// `((a op b) op c) op d ...` as a balanced tree of the same operands in the
/// same order, when `expr` starts such a chain of one associative operator.
fn rebalance_expr_chain(expr: &mut Expr) {
    let op = match expr {
        Expr::BinaryOp { op, .. } if is_associative(op) => op.clone(),
        _ => return,
    };
    // Right operands from the top down, then the first operand.
    let mut operands = Vec::new();
    let mut at = std::mem::replace(expr, placeholder_expr());
    loop {
        match at {
            Expr::BinaryOp {
                left,
                op: this,
                right,
            } if this == op => {
                operands.push(*right);
                at = *left;
            }
            other => {
                operands.push(other);
                break;
            }
        }
    }
    operands.reverse();
    *expr = balanced(operands, &|left, right| Expr::BinaryOp {
        left: Box::new(left),
        op: op.clone(),
        right: Box::new(right),
    });
}

/// The same for UNION and INTERSECT of one quantifier (EXCEPT does not
/// associate, and BY NAME orders columns by the first operand).
fn rebalance_set_chain(body: &mut SetExpr) {
    let (op, quantifier) = match body {
        SetExpr::SetOperation {
            op: op @ (SetOperator::Union | SetOperator::Intersect),
            set_quantifier:
                quantifier @ (SetQuantifier::All | SetQuantifier::Distinct | SetQuantifier::None),
            ..
        } => (*op, *quantifier),
        _ => return,
    };
    let mut operands = Vec::new();
    let mut at = std::mem::replace(body, placeholder_set_expr());
    loop {
        match at {
            SetExpr::SetOperation {
                left,
                op: this_op,
                set_quantifier,
                right,
            } if this_op == op && set_quantifier == quantifier => {
                operands.push(*right);
                at = *left;
            }
            other => {
                operands.push(other);
                break;
            }
        }
    }
    operands.reverse();
    *body = balanced(operands, &|left, right| SetExpr::SetOperation {
        left: Box::new(left),
        op,
        set_quantifier: quantifier,
        right: Box::new(right),
    });
}

/// Joins `items` (at least one) pairwise into a tree of depth log2(len).
fn balanced<T>(mut items: Vec<T>, join: &dyn Fn(T, T) -> T) -> T {
    while items.len() > 1 {
        let mut next = Vec::with_capacity(items.len().div_ceil(2));
        let mut it = items.into_iter();
        while let Some(left) = it.next() {
            match it.next() {
                Some(right) => next.push(join(left, right)),
                None => next.push(left),
            }
        }
        items = next;
    }
    items.pop().expect("at least one operand")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::GenericDialect;
    use sqlparser::parser::Parser;

    fn parse(sql: &str) -> Vec<Statement> {
        Parser::new(&GenericDialect {})
            .try_with_sql(sql)
            .unwrap()
            .parse_statements()
            .unwrap()
    }

    #[test]
    fn short_chains_are_left_as_written() {
        let mut statements = parse("select a + b + c from t where x and y and z");
        let before = statements[0].to_string();
        assert_eq!(bound_depth(&mut statements), None);
        assert_eq!(statements[0].to_string(), before);
    }

    #[test]
    fn long_and_chains_keep_their_operands_in_order() {
        let terms: Vec<String> = (0..1000).map(|i| format!("x{i} = 1")).collect();
        let sql = format!("select 1 from t where {}", terms.join(" and "));
        let mut statements = parse(&sql);
        assert_eq!(bound_depth(&mut statements), None);
        let mut seen = Vec::new();
        let _ = sqlparser::ast::visit_expressions(&statements, |e| {
            if let Expr::Identifier(i) = e {
                seen.push(i.value.clone());
            }
            ControlFlow::<()>::Continue(())
        });
        let expected: Vec<String> = (0..1000).map(|i| format!("x{i}")).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_long_cast_chain_is_cut_where_it_starts() {
        let sql = format!("select\n  x{} as y from t", "::int".repeat(5000));
        let mut statements = parse(&sql);
        assert_eq!(
            bound_depth(&mut statements),
            Some(TooDeep { near: Some((2, 3)) })
        );
    }

    #[test]
    fn mixed_set_operations_past_the_bound_are_cut() {
        let mut sql = "select 1 as a".to_string();
        for i in 0..2000 {
            sql.push_str(if i % 2 == 0 {
                " union select 1"
            } else {
                " union all select 1"
            });
        }
        let mut statements = parse(&sql);
        assert!(bound_depth(&mut statements).is_some());
    }
}
