//! BigQuery's pipe syntax (`FROM t |> WHERE x > 1 |> SELECT a, b`): each
//! operator turns the table before it into the next. Columns are followed
//! through the operators that keep, add, drop or rename them; an operator
//! whose result Loupe does not work out (a join, a set operation, a call,
//! a pivot) leaves the rest of the pipe's columns unknown, never wrong.

use std::sync::Arc;

use sqlparser::ast::{PipeOperator, SelectItem};

use super::naming::expr_column_name;
use super::query::Analyzer;
use super::scope::{FromItem, Scope};
use super::{Column, RelationSchema};
use crate::lineage::EdgeKind;
use crate::types::SqlType;

impl Analyzer<'_> {
    /// The table after `operators`, from the `input` table.
    pub(crate) fn apply_pipe_operators(
        &mut self,
        input: RelationSchema,
        operators: &[PipeOperator],
        parent: Option<&Scope>,
    ) -> RelationSchema {
        let mut table = input;
        for operator in operators {
            if table.open && table.columns.is_empty() {
                break;
            }
            table = match operator {
                PipeOperator::Where { .. }
                | PipeOperator::OrderBy { .. }
                | PipeOperator::Limit { .. }
                | PipeOperator::TableSample { .. }
                | PipeOperator::As { .. } => table,
                PipeOperator::Select { exprs } => self.pipe_select(&table, exprs, false, parent),
                PipeOperator::Extend { exprs } => self.pipe_select(&table, exprs, true, parent),
                PipeOperator::Aggregate {
                    full_table_exprs,
                    group_by_expr,
                } => {
                    // The grouping columns, then the aggregates.
                    let items: Vec<SelectItem> = group_by_expr
                        .iter()
                        .chain(full_table_exprs)
                        .map(|e| match &e.expr.alias {
                            Some(alias) => SelectItem::ExprWithAlias {
                                expr: e.expr.expr.clone(),
                                alias: alias.clone(),
                            },
                            None => SelectItem::UnnamedExpr(e.expr.expr.clone()),
                        })
                        .collect();
                    self.pipe_select(&table, &items, false, parent)
                }
                PipeOperator::Drop { columns } => {
                    let mut table = table;
                    Arc::make_mut(&mut table.columns).retain(|c| {
                        !columns
                            .iter()
                            .any(|d| d.value.eq_ignore_ascii_case(&c.name))
                    });
                    table
                }
                PipeOperator::Rename { mappings } => {
                    let mut table = table;
                    for c in Arc::make_mut(&mut table.columns) {
                        if let Some(m) = mappings
                            .iter()
                            .find(|m| m.ident.value.eq_ignore_ascii_case(&c.name))
                        {
                            c.name = m.alias.value.clone();
                        }
                    }
                    table
                }
                PipeOperator::Set { assignments } => {
                    let mut table = table;
                    for a in assignments {
                        let name = a.target.to_string();
                        if let Some(c) = Arc::make_mut(&mut table.columns)
                            .iter_mut()
                            .find(|c| c.name.eq_ignore_ascii_case(&name))
                        {
                            c.ty = SqlType::Unknown;
                        }
                    }
                    table
                }
                _ => RelationSchema::unknown(),
            };
        }
        table
    }

    /// `|> SELECT items` (`keep`: `|> EXTEND`, the table's columns first).
    fn pipe_select(
        &mut self,
        table: &RelationSchema,
        items: &[SelectItem],
        keep: bool,
        parent: Option<&Scope>,
    ) -> RelationSchema {
        let mut scope = Scope::with_parent(parent);
        scope.items.push(FromItem::unqualified(table.clone()));
        let mut columns = if keep {
            table.columns.as_ref().clone()
        } else {
            Vec::new()
        };
        let mut open = keep && table.open;
        for item in items {
            let (expr, name) = match item {
                SelectItem::UnnamedExpr(e) => (e, expr_column_name(e)),
                SelectItem::ExprWithAlias { expr, alias } => (expr, alias.value.clone()),
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    columns.extend(table.columns.iter().cloned());
                    open |= table.open;
                    continue;
                }
                SelectItem::ExprWithAliases { .. } => {
                    open = true;
                    continue;
                }
            };
            // A name the pipe's table lacks may be a range variable's
            // (`t.id` after `FROM t`): its type is unknown, not an error.
            let ty = self
                .try_resolve_silently(expr, &scope)
                .unwrap_or(SqlType::Unknown);
            let lineage = self.expr_lineage(expr, EdgeKind::Copy);
            columns.push(Column {
                name,
                ty,
                lineage,
                named_by_engine: false,
            });
        }
        let mut out = RelationSchema::closed(columns);
        out.open = open;
        out
    }
}
