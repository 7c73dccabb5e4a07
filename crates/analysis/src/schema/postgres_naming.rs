//! The names Postgres (and Redshift) give to unaliased select-list
//! expressions (its `FigureColname`): a column's own name, through casts,
//! subscripts and parentheses; a function's name (`count`, `coalesce`);
//! a keyword for the forms it has one for (`case`, `extract`, `array`,
//! `exists`); a typed literal's type; `?column?` for the rest (operators,
//! literals). Checked against PostgreSQL 15 (`create view` of each form and
//! its `pg_attribute`).

use sqlparser::ast::{AccessExpr, Expr, SelectItem, SetExpr, TrimWhereField};

/// What Postgres names an expression it cannot name otherwise.
const NO_NAME: &str = "?column?";

/// Deeper expressions get no name of their own (a bound on the recursion).
const MAX_DEPTH: usize = 64;

pub fn postgres_column_name(e: &Expr) -> String {
    name(e, 0).unwrap_or_else(|| NO_NAME.to_string())
}

/// An identifier as Postgres stores it: unquoted ones in lower case.
fn stored(id: &sqlparser::ast::Ident) -> String {
    match id.quote_style {
        Some(_) => id.value.clone(),
        None => id.value.to_lowercase(),
    }
}

fn name(e: &Expr, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let inner = |e: &Expr| name(e, depth + 1);
    Some(match e {
        Expr::Identifier(id) => stored(id),
        Expr::CompoundIdentifier(ids) => stored(ids.last()?),
        Expr::Nested(e) => return inner(e),
        // A field names the column; a subscript keeps the name before it.
        Expr::CompoundFieldAccess { root, access_chain } => {
            let field = access_chain.iter().rev().find_map(|a| match a {
                AccessExpr::Dot(Expr::Identifier(id)) => Some(stored(id)),
                _ => None,
            });
            return field.or_else(|| inner(root));
        }
        Expr::Cast {
            expr, data_type, ..
        } => return inner(expr).or_else(|| Some(type_name(&data_type.to_string()))),
        Expr::Function(f) => {
            let last = f.name.0.last()?;
            match last.as_ident() {
                Some(id) => stored(id),
                None => last.to_string().to_lowercase(),
            }
        }
        Expr::Case { .. } => "case".into(),
        Expr::Extract { .. } => "extract".into(),
        Expr::Position { .. } => "position".into(),
        Expr::Substring { .. } => "substring".into(),
        Expr::Overlay { .. } => "overlay".into(),
        Expr::Ceil { .. } => "ceil".into(),
        Expr::Floor { .. } => "floor".into(),
        Expr::Trim { trim_where, .. } => match trim_where {
            Some(TrimWhereField::Leading) => "ltrim",
            Some(TrimWhereField::Trailing) => "rtrim",
            _ => "btrim",
        }
        .into(),
        Expr::Array(_) => "array".into(),
        Expr::Exists { .. } => "exists".into(),
        Expr::Interval(_) => "interval".into(),
        Expr::TypedString(t) => type_name(&t.data_type.to_string()),
        // `(select x from t)` is named by its one column.
        Expr::Subquery(q) => match q.body.as_ref() {
            SetExpr::Select(select) => match select.projection.first()? {
                SelectItem::ExprWithAlias { alias, .. } => stored(alias),
                SelectItem::UnnamedExpr(e) => return inner(e),
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    })
}

/// A type's name as Postgres keeps it in its catalog (`int` is `int4`).
fn type_name(written: &str) -> String {
    let lower = written.to_lowercase();
    let base = lower.split('(').next().unwrap_or("").trim();
    match base {
        "int" | "integer" | "int4" => "int4",
        "bigint" | "int8" => "int8",
        "smallint" | "int2" => "int2",
        "real" | "float4" => "float4",
        "double precision" | "float" | "float8" => "float8",
        "boolean" | "bool" => "bool",
        "decimal" | "numeric" => "numeric",
        "character varying" | "varchar" => "varchar",
        "character" | "char" => "bpchar",
        "timestamp with time zone" | "timestamptz" => "timestamptz",
        "timestamp" | "timestamp without time zone" => "timestamp",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(sql_expr: &str) -> String {
        let sql = format!("select {sql_expr} from t");
        let statements =
            sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, &sql)
                .unwrap();
        let sqlparser::ast::Statement::Query(q) = &statements[0] else {
            panic!("{sql}")
        };
        let SetExpr::Select(select) = q.body.as_ref() else {
            panic!("{sql}")
        };
        let SelectItem::UnnamedExpr(e) = &select.projection[0] else {
            panic!("{sql}")
        };
        postgres_column_name(e)
    }

    #[test]
    fn expressions_are_named_as_postgres_15_names_them() {
        // Each pair is PostgreSQL 15's `pg_attribute` name of a view's column.
        for (expr, postgres) in [
            ("t.i", "i"),
            ("I", "i"),
            ("\"Id\"", "Id"),
            ("i::bigint", "i"),
            ("cast(ts as date)", "ts"),
            ("(tx)::int", "tx"),
            ("'a'::text", "text"),
            ("1::int", "int4"),
            ("count(*)", "count"),
            ("COUNT(*)", "count"),
            ("max(i) over ()", "max"),
            ("coalesce(i, b)", "coalesce"),
            ("nullif(i, 1)", "nullif"),
            ("case when i > 0 then 1 end", "case"),
            ("extract(year from ts)", "extract"),
            ("position('a' in tx)", "position"),
            ("substring(tx from 1 for 2)", "substring"),
            ("trim(tx)", "btrim"),
            ("arr[1]", "arr"),
            ("t.arr[1]", "arr"),
            ("array[1, 2]", "array"),
            ("(select i from t limit 1)", "i"),
            ("(select 1)", "?column?"),
            ("exists (select 1)", "exists"),
            ("interval '1 day'", "interval"),
            ("date '2024-01-01'", "date"),
            ("(i)", "i"),
            ("i + 1", "?column?"),
            ("-i", "?column?"),
            ("i is null", "?column?"),
            ("'x'", "?column?"),
            ("current_date", "current_date"),
        ] {
            assert_eq!(named(expr), postgres, "{expr}");
        }
    }
}
