//! The names Spark gives to unaliased select-list expressions: its
//! `toPrettySQL`, which prints columns without their qualifier, string
//! literals without quotes, `count(*)` as `count(1)`, operators in parentheses
//! and types in Spark's names (`sum(amount)`, `(a + 1)`,
//! `CASE WHEN (n > 30) THEN busy ELSE quiet END`, `CAST(d AS DATE)`).

use sqlparser::ast::{
    CastKind, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    UnaryOperator, Value,
};

/// Deeper expressions are named by their SQL text (a bound on the recursion).
const MAX_DEPTH: usize = 64;

/// `qualifier_len`: how many leading parts of a dotted name name a relation
/// (`o` of `o.amount`), the rest being a column and its fields.
pub fn spark_column_name(e: &Expr, qualifier_len: &dyn Fn(&[Ident]) -> usize) -> String {
    name(e, 0, qualifier_len)
}

fn name(e: &Expr, depth: usize, qualifier_len: &dyn Fn(&[Ident]) -> usize) -> String {
    if depth > MAX_DEPTH {
        return e.to_string();
    }
    let inner = |e: &Expr| name(e, depth + 1, qualifier_len);
    match e {
        Expr::Identifier(id) => id.value.clone(),
        // A column or a field of one is named by its last part; inside an
        // expression a field is written with its column (`payload.n`).
        Expr::CompoundIdentifier(ids) if depth == 0 => {
            ids.last().map(|i| i.value.clone()).unwrap_or_default()
        }
        Expr::CompoundIdentifier(ids) => {
            let qualifier = qualifier_len(ids).min(ids.len().saturating_sub(1));
            let path: Vec<&str> = ids[qualifier..].iter().map(|i| i.value.as_str()).collect();
            path.join(".")
        }
        Expr::Nested(e) => inner(e),
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => s.clone(),
            Value::Number(n, _) => n.clone(),
            Value::Boolean(b) => b.to_string(),
            Value::Null => "NULL".into(),
            other => other.to_string(),
        },
        Expr::Function(f) => function(f, depth, qualifier_len),
        Expr::BinaryOp { left, op, right } => {
            let op = match op.to_string().as_str() {
                "AND" => "AND".to_string(),
                "OR" => "OR".to_string(),
                "<>" => "!=".to_string(),
                other => other.to_string(),
            };
            format!("({} {op} {})", inner(left), inner(right))
        }
        Expr::UnaryOp { op, expr } => match op {
            UnaryOperator::Minus => format!("(- {})", inner(expr)),
            UnaryOperator::Not => format!("(NOT {})", inner(expr)),
            _ => format!("{op}{}", inner(expr)),
        },
        Expr::IsNull(e) => format!("({} IS NULL)", inner(e)),
        Expr::IsNotNull(e) => format!("({} IS NOT NULL)", inner(e)),
        Expr::Cast {
            expr,
            data_type,
            kind,
            ..
        } => {
            let ty = crate::types::spark::spark_type_name(&crate::types::spark::cast_target(
                &data_type.to_string(),
            ));
            let word = match kind {
                CastKind::TryCast | CastKind::SafeCast => "TRY_CAST",
                _ => "CAST",
            };
            format!("{word}({} AS {ty})", inner(expr))
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut text = String::from("CASE");
            if let Some(operand) = operand {
                text.push_str(&format!(" {}", inner(operand)));
            }
            for when in conditions {
                text.push_str(&format!(
                    " WHEN {} THEN {}",
                    inner(&when.condition),
                    inner(&when.result)
                ));
            }
            if let Some(otherwise) = else_result {
                text.push_str(&format!(" ELSE {}", inner(otherwise)));
            }
            text.push_str(" END");
            text
        }
        other => other.to_string(),
    }
}

fn function(f: &Function, depth: usize, qualifier_len: &dyn Fn(&[Ident]) -> usize) -> String {
    let fname = f.name.to_string().to_lowercase();
    let FunctionArguments::List(list) = &f.args else {
        return fname;
    };
    let distinct = matches!(
        list.duplicate_treatment,
        Some(sqlparser::ast::DuplicateTreatment::Distinct)
    );
    let args: Vec<String> = list
        .args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Wildcard) if fname == "count" => "1".into(),
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => name(e, depth + 1, qualifier_len),
            other => other.to_string(),
        })
        .collect();
    let args = if args.is_empty() && fname == "count" {
        "1".to_string()
    } else {
        args.join(", ")
    };
    if distinct {
        format!("{fname}(DISTINCT {args})")
    } else {
        format!("{fname}({args})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unaliased_expressions_take_sparks_names() {
        for (sql, spark) in [
            ("orders.amount", "amount"),
            ("count(*)", "count(1)"),
            ("sum(orders.order_total)", "sum(order_total)"),
            ("round(avg(o.total), 2)", "round(avg(total), 2)"),
            (
                "case when count(*) > 30 then 'busy' else 'quiet' end",
                "CASE WHEN (count(1) > 30) THEN busy ELSE quiet END",
            ),
            (
                "cast(max(ordered_at) as date)",
                "CAST(max(ordered_at) AS DATE)",
            ),
            ("count(distinct a)", "count(DISTINCT a)"),
            ("a + 1", "(a + 1)"),
            // A struct's field inside an expression keeps its column.
            ("sum(payload.n)", "sum(payload.n)"),
            ("upper(o.payload.name)", "upper(payload.name)"),
        ] {
            let dialect = sqlparser::dialect::DatabricksDialect {};
            let expr = sqlparser::parser::Parser::new(&dialect)
                .try_with_sql(sql)
                .unwrap()
                .parse_expr()
                .unwrap();
            // `orders` and `o` are the relations of the query.
            let qualifier_len =
                |ids: &[Ident]| usize::from(matches!(ids[0].value.as_str(), "orders" | "o"));
            assert_eq!(spark_column_name(&expr, &qualifier_len), spark, "{sql}");
        }
    }
}
