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
            // DuckDB spells a decimal with a space in generated names: DECIMAL(15, 4).
            let ty = match crate::types::parse_type(&data_type.to_string()) {
                crate::types::SqlType::Decimal(w, s) => format!("DECIMAL({w}, {s})"),
                other => other.to_string(),
            };
            let word = match kind {
                sqlparser::ast::CastKind::TryCast | sqlparser::ast::CastKind::SafeCast => {
                    "TRY_CAST"
                }
                _ => "CAST",
            };
            format!("{word}({} AS {ty})", expr_text(expr))
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
        other => other.to_string(),
    }
}

/// An expression as it appears inside a generated name.
fn expr_text(e: &Expr) -> String {
    match e {
        Expr::Function(f) => function_name_text(f),
        Expr::BinaryOp { .. } | Expr::Cast { .. } | Expr::Substring { .. } => expr_column_name(e),
        other => other.to_string(),
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
            format!("{distinct}{}", args.join(", "))
        }
        FunctionArguments::None => return name,
        FunctionArguments::Subquery(q) => q.to_string(),
    };
    let mut text = format!("{name}({args})");
    if let Some(over) = &f.over {
        text.push_str(&format!(" OVER ({over})"));
    }
    text
}
