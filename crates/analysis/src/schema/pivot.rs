//! PIVOT and UNPIVOT in FROM: the columns they produce, named as each engine
//! names them.

use std::collections::HashSet;

use sqlparser::ast::{Expr, ExprWithAlias, Ident, PivotValueSource, TableFactor, Value};

use super::naming::expr_column_name;
use super::query::Analyzer;
use super::scope::Scope;
use super::{Column, RelationSchema};
use crate::lineage::{merge_edges, EdgeKind};
use crate::syntax::Dialect;
use crate::types::{common_supertype, SqlType};

impl Analyzer<'_> {
    /// `input PIVOT (aggregates FOR column IN (values))`: the input's other
    /// columns (neither pivoted nor aggregated) as they are, then one column
    /// per value and aggregate. Open when the input's columns or the values
    /// are not known (`IN (ANY)`, `IN (subquery)`).
    pub(crate) fn pivot_schema(
        &mut self,
        scope: &Scope,
        input: &TableFactor,
        aggregates: &[ExprWithAlias],
        value_columns: &[Expr],
        values: &PivotValueSource,
    ) -> RelationSchema {
        let Some((input, inner)) = self.pivot_input(scope, input) else {
            return RelationSchema::unknown();
        };
        let mut used = HashSet::new();
        for e in value_columns {
            self.infer(e, &inner, None, false);
            used.extend(column_names(e));
        }
        let condition = value_columns
            .iter()
            .flat_map(|e| self.expr_lineage(e, EdgeKind::Condition))
            .collect::<Vec<_>>();
        let mut measures = Vec::new();
        for aggregate in aggregates {
            let ty = self.infer(&aggregate.expr, &inner, None, false);
            let mut lineage = self.expr_lineage(&aggregate.expr, EdgeKind::Copy);
            merge_edges(&mut lineage, condition.clone());
            used.extend(column_names(&aggregate.expr));
            let name = aggregate
                .alias
                .as_ref()
                .map(|a| a.value.clone())
                .unwrap_or_else(|| expr_column_name(&aggregate.expr));
            measures.push((name, aggregate.alias.is_some(), ty, lineage));
        }
        let PivotValueSource::List(values) = values else {
            return RelationSchema::unknown();
        };
        let mut columns = Vec::new();
        // DuckDB and BigQuery name a column by its aggregate when there are
        // several or it has an alias; Spark only when there are several.
        let spark = matches!(self.dialect, Dialect::Databricks | Dialect::Hive);
        let named_by_measure = measures.len() > 1 || (!spark && measures.iter().any(|m| m.1));
        for value in values {
            let value_name = self.pivot_value_name(value);
            for (measure, _, ty, lineage) in &measures {
                let name = match (named_by_measure, self.dialect) {
                    (false, _) => value_name.clone(),
                    (true, Dialect::BigQuery) => format!("{measure}_{value_name}"),
                    (true, _) => format!("{value_name}_{measure}"),
                };
                columns.push(Column {
                    name,
                    ty: ty.clone(),
                    lineage: lineage.clone(),
                    named_by_engine: false,
                });
            }
        }
        pivot_output(&input, &used, columns)
    }

    /// A pivot's or an unpivot's input: its columns, and a scope over it in
    /// which the aggregates and the pivoted columns are read.
    fn pivot_input<'s>(
        &mut self,
        scope: &'s Scope<'s>,
        input: &TableFactor,
    ) -> Option<(RelationSchema, Scope<'s>)> {
        let item = self.factor_item(scope, input)?;
        let schema = item.schema.clone();
        let mut inner = Scope::with_parent(Some(scope));
        inner.items.push(item);
        Some((schema, inner))
    }

    /// A pivot value's column name: its alias, a string's text (quoted on
    /// Snowflake, which names the column `'a'`), a number as written, the
    /// parts of a tuple joined with `_`.
    fn pivot_value_name(&self, value: &ExprWithAlias) -> String {
        if let Some(alias) = &value.alias {
            return alias.value.clone();
        }
        fn name(e: &Expr, dialect: Dialect) -> String {
            match e {
                Expr::Value(v) => match &v.value {
                    Value::SingleQuotedString(s) | Value::DoubleQuotedString(s)
                        if dialect == Dialect::Snowflake =>
                    {
                        format!("'{s}'")
                    }
                    Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                },
                Expr::Tuple(parts) => parts
                    .iter()
                    .map(|p| name(p, dialect))
                    .collect::<Vec<_>>()
                    .join("_"),
                Expr::Nested(inner) => name(inner, dialect),
                other => other.to_string(),
            }
        }
        name(&value.expr, self.dialect)
    }

    /// `input UNPIVOT (value FOR name IN (columns))`: the input's other
    /// columns, then the name column (text) and the value column (the
    /// unpivoted columns' common type).
    pub(crate) fn unpivot_schema(
        &mut self,
        scope: &Scope,
        input: &TableFactor,
        value: &Expr,
        name: &Ident,
        unpivoted: &[ExprWithAlias],
    ) -> RelationSchema {
        let Some((input, inner)) = self.pivot_input(scope, input) else {
            return RelationSchema::unknown();
        };
        let mut used = HashSet::new();
        let mut ty: Option<SqlType> = None;
        let mut lineage = Vec::new();
        for column in unpivoted {
            let t = self.infer(&column.expr, &inner, None, false);
            ty = Some(match ty {
                None => t,
                Some(acc) => common_supertype(&acc, &t).unwrap_or(SqlType::Unknown),
            });
            merge_edges(
                &mut lineage,
                self.expr_lineage(&column.expr, EdgeKind::Copy),
            );
            used.extend(column_names(&column.expr));
        }
        let value = Column {
            name: match value {
                Expr::Identifier(id) => id.value.clone(),
                other => expr_column_name(other),
            },
            ty: ty.unwrap_or(SqlType::Unknown),
            lineage,
            named_by_engine: false,
        };
        let name = Column::new(name.value.clone(), SqlType::Varchar);
        pivot_output(&input, &used, vec![name, value])
    }
}

/// The input's columns that are not in `used` (lower-cased names), then
/// `added`; open where the input is.
fn pivot_output(
    input: &RelationSchema,
    used: &HashSet<String>,
    added: Vec<Column>,
) -> RelationSchema {
    let mut columns: Vec<Column> = input
        .columns
        .iter()
        .filter(|c| !used.contains(&c.name.to_ascii_lowercase()))
        .cloned()
        .collect();
    columns.extend(added);
    let mut schema = RelationSchema::closed(columns);
    schema.open = input.open;
    schema.open_from = input.open_from.clone();
    schema
}

/// The last part of every column name `e` mentions, lower-cased.
fn column_names(e: &Expr) -> Vec<String> {
    let mut names = Vec::new();
    let _ = sqlparser::ast::visit_expressions(e, |e| {
        match e {
            Expr::Identifier(id) => names.push(id.value.to_ascii_lowercase()),
            Expr::CompoundIdentifier(ids) => {
                if let Some(last) = ids.last() {
                    names.push(last.value.to_ascii_lowercase());
                }
            }
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    names
}
