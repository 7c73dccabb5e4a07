//! The names DuckDB gives to unaliased select-list expressions.

use sqlparser::ast::{Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments};

/// The output column name of an unaliased expression, as DuckDB names it.
pub fn expr_column_name(e: &Expr) -> String {
    match e {
        Expr::Identifier(id) => id.value.clone(),
        Expr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.clone()).unwrap_or_default(),
        Expr::CompoundFieldAccess { access_chain, .. } => match access_chain.last() {
            Some(sqlparser::ast::AccessExpr::Dot(Expr::Identifier(id))) => id.value.clone(),
            _ => e.to_string(),
        },
        Expr::Nested(inner) => expr_column_name(inner),
        Expr::Function(f) => function_name_text(f),
        Expr::BinaryOp { left, op, right } => {
            format!("({} {} {})", expr_text(left), op, expr_text(right))
        }
        Expr::Cast {
            expr,
            data_type,
            kind,
            ..
        } => {
            let word = match kind {
                sqlparser::ast::CastKind::TryCast | sqlparser::ast::CastKind::SafeCast => {
                    "TRY_CAST"
                }
                _ => "CAST",
            };
            format!(
                "{word}({} AS {})",
                expr_text(expr),
                cast_type_text(data_type)
            )
        }
        Expr::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            let mut args = vec![expr_text(expr)];
            args.extend(substring_from.iter().map(|e| expr_text(e)));
            args.extend(substring_for.iter().map(|e| expr_text(e)));
            format!("main.\"substring\"({})", args.join(", "))
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            // DuckDB: `CASE  WHEN ((a > 1)) THEN ('x') ELSE 'y' END`.
            let mut text = String::from("CASE ");
            for when in conditions {
                let condition = match operand {
                    Some(o) => format!("({} = {})", expr_text(o), expr_text(&when.condition)),
                    None => expr_text(&when.condition),
                };
                text.push_str(&format!(
                    " WHEN ({condition}) THEN ({})",
                    expr_text(&when.result)
                ));
            }
            let otherwise = else_result
                .as_deref()
                .map_or_else(|| "NULL".to_string(), expr_text);
            text.push_str(&format!(" ELSE {otherwise} END"));
            text
        }
        Expr::Trim {
            expr,
            trim_where: None,
            trim_what: None,
            trim_characters,
        } => {
            let mut args = vec![expr_text(expr)];
            args.extend(trim_characters.iter().flatten().map(expr_text));
            format!("main.\"trim\"({})", args.join(", "))
        }
        Expr::IsNull(x) => format!("({} IS NULL)", expr_text(x)),
        Expr::IsNotNull(x) => format!("({} IS NOT NULL)", expr_text(x)),
        Expr::UnaryOp { op, expr } => match op {
            sqlparser::ast::UnaryOperator::Not => format!("(NOT {})", expr_text(expr)),
            sqlparser::ast::UnaryOperator::Minus => format!("-({})", expr_text(expr)),
            _ => e.to_string(),
        },
        Expr::InList {
            expr,
            list,
            negated,
        } => format!(
            "({} {}IN ({}))",
            expr_text(expr),
            if *negated { "NOT " } else { "" },
            list.iter().map(expr_text).collect::<Vec<_>>().join(", ")
        ),
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => format!(
            "({} {}BETWEEN {} AND {})",
            expr_text(expr),
            if *negated { "NOT " } else { "" },
            expr_text(low),
            expr_text(high)
        ),
        // DuckDB names LIKE by its operator: `(s ~~ 'x%')`, `(s !~~* 'x%')`.
        Expr::Like {
            negated,
            expr,
            pattern,
            escape_char: None,
            any: false,
        }
        | Expr::ILike {
            negated,
            expr,
            pattern,
            escape_char: None,
            any: false,
        } => format!(
            "({} {}~~{} {})",
            expr_text(expr),
            if *negated { "!" } else { "" },
            if matches!(e, Expr::ILike { .. }) {
                "*"
            } else {
                ""
            },
            expr_text(pattern)
        ),
        Expr::Extract { field, expr, .. } => format!(
            "main.date_part('{}', {})",
            field.to_string().to_lowercase(),
            expr_text(expr)
        ),
        Expr::Value(v) => match &v.value {
            sqlparser::ast::Value::Boolean(b) => {
                format!("CAST('{}' AS BOOLEAN)", if *b { 't' } else { 'f' })
            }
            sqlparser::ast::Value::Null => "NULL".to_string(),
            _ => e.to_string(),
        },
        other => other.to_string(),
    }
}

/// An expression as it appears inside a generated name: column references
/// keep their qualifier there.
fn expr_text(e: &Expr) -> String {
    match e {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => e.to_string(),
        _ => expr_column_name(e),
    }
}

/// A cast's target type as DuckDB prints it in a generated name: the
/// standard SQL type keywords bare, other type names quoted
/// (`CAST(x AS "DATE")`, `CAST(x AS DECIMAL(15, 4))`).
fn cast_type_text(data_type: &sqlparser::ast::DataType) -> String {
    let written = data_type.to_string();
    let parsed = crate::types::parse_type(&written);
    type_text(&parsed, &written)
}

fn type_text(ty: &crate::types::SqlType, written: &str) -> String {
    use crate::types::SqlType::*;
    let with_params = written.contains('(');
    match ty {
        Decimal(w, s) if with_params => format!("DECIMAL({w}, {s})"),
        Decimal(..) => "DECIMAL".into(),
        Varchar if with_params && !written.to_ascii_uppercase().starts_with("STRUCT") => {
            written.to_ascii_uppercase().replace(' ', "")
        }
        List(inner) => format!("{}[]", type_text(inner, "")),
        Struct(fields) => format!(
            "STRUCT({})",
            fields
                .iter()
                .map(|(n, t)| format!("{n} {}", type_text(t, "")))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Map(k, v) => format!("MAP({}, {})", type_text(k, ""), type_text(v, "")),
        Json => "\"json\"".into(),
        Integer | BigInt | SmallInt | Boolean | Float | Timestamp | Time | Interval | Varchar => {
            ty.to_string()
        }
        Bit => "BIT(1)".into(),
        other => format!("\"{other}\""),
    }
}

fn function_name_text(f: &Function) -> String {
    let name = f.name.to_string().to_lowercase();
    let args = match &f.args {
        FunctionArguments::List(list) => {
            if list.args.len() == 1
                && matches!(
                    list.args[0],
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard)
                )
                && name == "count"
            {
                return "count_star()".to_string();
            }
            let distinct = if matches!(
                list.duplicate_treatment,
                Some(sqlparser::ast::DuplicateTreatment::Distinct)
            ) {
                "DISTINCT "
            } else {
                ""
            };
            let args: Vec<String> = list
                .args
                .iter()
                .map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => expr_text(x),
                    other => other.to_string(),
                })
                .collect();
            // `if(c, a, b)` is a CASE to DuckDB, and named as one.
            if matches!(name.as_str(), "if" | "iff") && args.len() == 3 {
                return format!(
                    "CASE  WHEN ({}) THEN ({}) ELSE {} END",
                    args[0], args[1], args[2]
                );
            }
            format!("{distinct}{}", args.join(", "))
        }
        FunctionArguments::None => return name,
        FunctionArguments::Subquery(q) => q.to_string(),
    };
    // Functions DuckDB rewrites or spells its own way in generated names.
    let shown = match name.as_str() {
        "coalesce" | "ifnull" => "COALESCE".to_string(),
        "nullif" => "\"nullif\"".to_string(),
        _ => name,
    };
    let mut text = format!("{shown}({args})");
    if let Some(filter) = &f.filter {
        text.push_str(&format!(" FILTER (WHERE {})", expr_text(filter)));
    }
    if let Some(over) = &f.over {
        text.push_str(&format!(" OVER ({over})"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::expr_column_name;

    /// Names DuckDB 1.5.5 gave these expressions (`SELECT <expr> FROM t`).
    #[test]
    fn unaliased_expressions_take_duckdbs_names() {
        for (sql, duckdb) in [
            ("coalesce(a, 0)", "COALESCE(a, 0)"),
            ("ifnull(a, 0)", "COALESCE(a, 0)"),
            ("nullif(a, 0)", "\"nullif\"(a, 0)"),
            (
                "if(a > 1, 1, 0)",
                "CASE  WHEN ((a > 1)) THEN (1) ELSE 0 END",
            ),
            (
                "sum(a) filter (where a > 1)",
                "sum(a) FILTER (WHERE (a > 1))",
            ),
            ("trim(b)", "main.\"trim\"(b)"),
            (
                "case when a > 1 then 'x' else 'y' end",
                "CASE  WHEN ((a > 1)) THEN ('x') ELSE 'y' END",
            ),
            (
                "case a when 1 then 'one' end",
                "CASE  WHEN ((a = 1)) THEN ('one') ELSE NULL END",
            ),
            ("cast(a as date)", "CAST(a AS \"DATE\")"),
            ("cast(d as decimal(15,4))", "CAST(d AS DECIMAL(15, 4))"),
            ("a::varchar", "CAST(a AS VARCHAR)"),
            ("cast(a as double)", "CAST(a AS \"DOUBLE\")"),
            ("a = 1 and b is null", "((a = 1) AND (b IS NULL))"),
            ("not a", "(NOT a)"),
            ("a in (1, 2)", "(a IN (1, 2))"),
            ("b like 'x%'", "(b ~~ 'x%')"),
            ("-a", "-(a)"),
            ("extract(year from ts)", "main.date_part('year', ts)"),
            ("true", "CAST('t' AS BOOLEAN)"),
            ("count(distinct a)", "count(DISTINCT a)"),
        ] {
            let dialect = sqlparser::dialect::DuckDbDialect {};
            let expr = sqlparser::parser::Parser::new(&dialect)
                .try_with_sql(sql)
                .unwrap()
                .parse_expr()
                .unwrap();
            assert_eq!(expr_column_name(&expr), duckdb, "{sql}");
        }
    }
}
