//! Result types of Postgres functions and operators where they differ from
//! DuckDB's, as PostgreSQL 15 gives them (the columns of views over them in
//! `information_schema.columns`). Decimals a function or an operator
//! computes have no precision (NUMERIC); integer division is an integer;
//! lengths and positions are INTEGER, sums of integers BIGINT or NUMERIC,
//! averages of exact numbers NUMERIC. Everything else falls back to DuckDB's
//! catalog.

use crate::types::{common_supertype, SqlType};

fn is_exact(ty: &SqlType) -> bool {
    ty.is_integer() || matches!(ty, SqlType::Decimal(..) | SqlType::Numeric)
}

pub(super) fn is_float(ty: &SqlType) -> bool {
    matches!(ty, SqlType::Float | SqlType::Double)
}

/// A computed value's type: decimals lose their precision, in arrays too.
pub fn without_precision(ty: SqlType) -> SqlType {
    match ty {
        SqlType::Decimal(..) => SqlType::Numeric,
        SqlType::List(element) => SqlType::List(Box::new(without_precision(*element))),
        other => other,
    }
}

/// What a NUMERIC of any precision reads as in DuckDB's catalog, whose
/// decimals all have one.
pub fn with_some_precision(ty: &SqlType) -> SqlType {
    match ty {
        SqlType::Numeric => SqlType::Decimal(38, 10),
        other => other.clone(),
    }
}

/// The type of a built-in range's bounds (`lower(int4range)` is an integer).
fn range_element(ty: &SqlType) -> Option<SqlType> {
    let SqlType::Named(name) = ty else {
        return None;
    };
    Some(match name.to_ascii_lowercase().as_str() {
        "int4range" => SqlType::Integer,
        "int8range" => SqlType::BigInt,
        "numrange" => SqlType::Numeric,
        "daterange" => SqlType::Date,
        "tsrange" => SqlType::Timestamp,
        "tstzrange" => SqlType::TimestampTz,
        _ => return None,
    })
}

/// Postgres's result type of the call `name(args)`, where it differs from DuckDB's.
pub fn postgres_result_type(name: &str, args: &[SqlType]) -> Option<SqlType> {
    use SqlType::*;
    let first = args.first().cloned().map(SqlType::materialize);
    if let Some(ty) = postgres_json_function(name) {
        return Some(ty);
    }
    if let Some(element) = first.as_ref().and_then(range_element) {
        match name {
            "lower" | "upper" => return Some(element),
            "isempty" | "lower_inc" | "upper_inc" | "lower_inf" | "upper_inf" => {
                return Some(Boolean)
            }
            _ => {}
        }
    }
    Some(match (name, first.as_ref()) {
        ("sum", Some(TinyInt | SmallInt | Integer)) => BigInt,
        ("sum", Some(BigInt | Decimal(..) | Numeric)) => Numeric,
        ("sum", Some(Float)) => Float,
        (
            "avg" | "stddev" | "stddev_samp" | "stddev_pop" | "variance" | "var_samp" | "var_pop",
            Some(t),
        ) if is_exact(t) => Numeric,
        (
            "avg" | "stddev" | "stddev_samp" | "stddev_pop" | "variance" | "var_samp" | "var_pop",
            Some(t),
        ) if is_float(t) => Double,
        (
            "length" | "char_length" | "character_length" | "octet_length" | "bit_length"
            | "strpos" | "ascii" | "array_length" | "array_ndims" | "array_upper" | "array_lower"
            | "array_position" | "cardinality" | "ntile" | "width_bucket",
            _,
        ) => Integer,
        ("date_part", _) => Double,
        // `date(ts)`, the call form of `ts::date`.
        ("date", Some(_)) if args.len() == 1 => Date,
        ("grouping", _) => Integer,
        ("percentile_cont", Some(Interval)) => Interval,
        ("percentile_cont", _) => Double,
        ("to_char", _) => Varchar,
        ("to_number", _) => Numeric,
        ("to_date", _) => Date,
        ("to_timestamp", _) => TimestampTz,
        // A date is truncated as the TIMESTAMPTZ it converts to.
        ("date_trunc", _) => match args.get(1) {
            Some(Date | TimestampTz) => TimestampTz,
            Some(Timestamp) => Timestamp,
            Some(Interval) => Interval,
            _ => return None,
        },
        // An integer goes to the DOUBLE PRECISION overload.
        ("round" | "trunc" | "floor" | "ceil" | "ceiling", Some(t)) if t.is_integer() => Double,
        (
            "round" | "trunc" | "floor" | "ceil" | "ceiling" | "abs" | "sign" | "mod",
            Some(Decimal(..) | Numeric),
        ) => Numeric,
        (
            "power" | "pow" | "sqrt" | "cbrt" | "exp" | "ln" | "log" | "log10",
            Some(Decimal(..) | Numeric),
        ) => Numeric,
        // `sign` of an integer or a float takes the DOUBLE PRECISION overload.
        ("sign", Some(t)) if t.is_integer() || is_float(t) => Double,
        ("string_agg", _) => Varchar,
        ("regexp_substr" | "quote_ident" | "quote_literal" | "quote_nullable" | "encode", _) => {
            Varchar
        }
        ("regexp_count" | "regexp_instr", _) => Integer,
        ("regexp_like" | "every", _) => Boolean,
        // Set-returning: a row of the match's groups per match.
        ("regexp_matches", _) => List(Box::new(Varchar)),
        ("txid_current" | "txid_current_if_assigned", _) => BigInt,
        ("justify_days" | "justify_hours" | "justify_interval", _) => Interval,
        ("div", _) => Numeric,
        ("decode" | "sha224" | "sha256" | "sha384" | "sha512", _) => Blob,
        ("age", _) => Interval,
        ("now" | "transaction_timestamp" | "statement_timestamp" | "clock_timestamp", _) => {
            TimestampTz
        }
        ("random", _) => Double,
        ("generate_series", _) => return postgres_series_type(args),
        // Arguments of one type keep it, precision included; a decimal among
        // others of other types is a NUMERIC.
        ("coalesce", _)
            if args.iter().any(|t| matches!(t, Decimal(..) | Numeric))
                && args.iter().any(|t| Some(t) != args.first())
                && args.iter().all(|t| is_exact(t) || matches!(t, Null)) =>
        {
            Numeric
        }
        _ => return None,
    })
}

/// Postgres's `jsonb`: a type of its own (Loupe's JSON is Postgres's `json`).
pub fn jsonb() -> SqlType {
    SqlType::Named("JSONB".into())
}

fn is_jsonb(ty: &SqlType) -> bool {
    matches!(ty, SqlType::Named(n) if n == "JSONB")
}

/// The JSON kind of a value: `json` or `jsonb`, None for anything else.
fn json_kind(ty: &SqlType) -> Option<SqlType> {
    match ty {
        SqlType::Json => Some(SqlType::Json),
        t if is_jsonb(t) => Some(jsonb()),
        _ => None,
    }
}

/// Postgres's JSON functions: `jsonb_*` make jsonb, `json_*` json, as
/// PostgreSQL 15 types them.
fn postgres_json_function(name: &str) -> Option<SqlType> {
    use SqlType::*;
    Some(match name {
        "jsonb_array_length" | "json_array_length" => Integer,
        "jsonb_typeof"
        | "json_typeof"
        | "jsonb_pretty"
        | "jsonb_extract_path_text"
        | "json_extract_path_text" => Varchar,
        "jsonb_path_exists" | "jsonb_path_match" => Boolean,
        "jsonb_build_object"
        | "jsonb_build_array"
        | "jsonb_object"
        | "to_jsonb"
        | "jsonb_strip_nulls"
        | "jsonb_set"
        | "jsonb_set_lax"
        | "jsonb_insert"
        | "jsonb_path_query_first"
        | "jsonb_agg"
        | "jsonb_object_agg"
        | "jsonb_extract_path"
        | "jsonb_path_query_array" => jsonb(),
        "json_build_object" | "json_build_array" | "json_object" | "to_json" | "json_agg"
        | "json_object_agg" | "json_strip_nulls" | "json_extract_path" | "array_to_json"
        | "row_to_json" => Json,
        "initcap" => Varchar,
        _ => return None,
    })
}

/// The columns of Postgres's set-returning JSON functions in FROM.
pub fn postgres_json_rows(name: &str) -> Option<Vec<(&'static str, SqlType)>> {
    let json = || SqlType::Json;
    let text = || SqlType::Varchar;
    Some(match name {
        "jsonb_array_elements" => vec![("value", jsonb())],
        "json_array_elements" => vec![("value", json())],
        "jsonb_array_elements_text" | "json_array_elements_text" => vec![("value", text())],
        "jsonb_each" => vec![("key", text()), ("value", jsonb())],
        "json_each" => vec![("key", text()), ("value", json())],
        "jsonb_each_text" | "json_each_text" => vec![("key", text()), ("value", text())],
        "jsonb_object_keys" => vec![("jsonb_object_keys", text())],
        "json_object_keys" => vec![("json_object_keys", text())],
        _ => return None,
    })
}

/// Postgres's JSON operators (`->`, `#>` keep the left side's kind; `->>`,
/// `#>>` text; containment and key tests booleans; `||`, `-` and `#-` on
/// jsonb make jsonb), or None where the operands are not JSON.
pub fn postgres_json_operator(symbol: &str, l: &SqlType, r: &SqlType) -> Option<SqlType> {
    let left = json_kind(l);
    match symbol {
        "->" | "#>" => left,
        "->>" | "#>>" => left.map(|_| SqlType::Varchar),
        "@>" | "<@" | "?" | "?|" | "?&" | "@?" | "@@" => {
            (left.is_some() || json_kind(r).is_some()).then_some(SqlType::Boolean)
        }
        "||" => (is_jsonb(l) || is_jsonb(r)).then(jsonb),
        "-" | "#-" => is_jsonb(l).then(jsonb),
        _ => None,
    }
}

/// Whether an unqualified relation name is one of the system catalog's,
/// which Postgres and Redshift search before any other schema: `pg_class`,
/// and Redshift's `stl_query`, `svv_table_info`, `sys_query_history`...
pub fn is_system_relation(dialect: crate::syntax::Dialect, name: &str) -> bool {
    use crate::syntax::Dialect;
    let name = name.to_ascii_lowercase();
    match dialect {
        Dialect::Postgres => name.starts_with("pg_"),
        Dialect::Redshift => [
            "pg_", "stl_", "stv_", "svv_", "svl_", "svcs_", "stcs_", "sys_",
        ]
        .iter()
        .any(|p| name.starts_with(p)),
        _ => false,
    }
}

/// The type of the values `generate_series(start, stop[, step])` makes on
/// Postgres: the bounds' common integer or NUMERIC, a TIMESTAMP between
/// timestamps, else (dates too) a TIMESTAMPTZ.
pub fn postgres_series_type(args: &[SqlType]) -> Option<SqlType> {
    use SqlType::*;
    let bounds = &args[..args.len().min(2)];
    let first = bounds.first()?.clone().materialize();
    if bounds.iter().all(SqlType::is_integer) {
        return bounds
            .iter()
            .try_fold(Null, |acc, t| common_supertype(&acc, t))
            .map(SqlType::materialize);
    }
    if bounds.iter().all(is_exact) {
        return Some(Numeric);
    }
    Some(match first {
        Timestamp => Timestamp,
        Date | TimestampTz => TimestampTz,
        _ => return None,
    })
}

/// Whether a call keeps its arguments' precision when they all share one
/// type (`coalesce(n, n)`, `nullif(n, 1)`); every other call computes a
/// value of its own.
pub fn keeps_precision(name: &str) -> bool {
    matches!(name, "coalesce" | "nullif")
}

/// Integer division as Postgres and Redshift do it: it truncates, and its
/// type is the operands' common integer type.
pub fn integer_division(l: &SqlType, r: &SqlType) -> Option<SqlType> {
    (l.is_integer() && r.is_integer())
        .then(|| common_supertype(l, r).map(SqlType::materialize))
        .flatten()
}

/// Postgres's result type of `l symbol r` for `+ - * / %`, where it
/// differs from DuckDB's.
pub fn postgres_arithmetic(symbol: &str, l: &SqlType, r: &SqlType) -> Option<SqlType> {
    use SqlType::*;
    if !matches!(symbol, "+" | "-" | "*" | "/" | "%") {
        return None;
    }
    let (lm, rm) = (l.clone().materialize(), r.clone().materialize());
    match (symbol, &lm, &rm) {
        ("-", Date, Date) => Some(Integer),
        // REAL with REAL stays REAL; a float with anything else is DOUBLE PRECISION.
        (_, Float, Float) => Some(Float),
        _ if (is_float(&lm) && (is_float(&rm) || is_exact(&rm)))
            || (is_float(&rm) && is_exact(&lm)) =>
        {
            Some(Double)
        }
        _ if is_float(&lm) || is_float(&rm) => None,
        _ if (matches!(lm, Decimal(..) | Numeric) || matches!(rm, Decimal(..) | Numeric))
            && is_exact(&lm)
            && is_exact(&rm) =>
        {
            Some(Numeric)
        }
        ("/", _, _) => integer_division(l, r),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SqlType::*;

    #[test]
    fn aggregates_and_lengths_have_postgres_types() {
        assert_eq!(postgres_result_type("sum", &[Integer]), Some(BigInt));
        assert_eq!(postgres_result_type("sum", &[BigInt]), Some(Numeric));
        assert_eq!(postgres_result_type("sum", &[Double]), None);
        assert_eq!(
            postgres_result_type("avg", &[Decimal(10, 2)]),
            Some(Numeric)
        );
        assert_eq!(postgres_result_type("avg", &[Float]), Some(Double));
        assert_eq!(postgres_result_type("length", &[Varchar]), Some(Integer));
        assert_eq!(postgres_result_type("round", &[Integer]), Some(Double));
        assert_eq!(
            postgres_result_type("round", &[Decimal(10, 2), IntegerLiteral(1)]),
            Some(Numeric)
        );
        assert_eq!(
            postgres_result_type("date_trunc", &[Varchar, Date]),
            Some(TimestampTz)
        );
        assert_eq!(postgres_result_type("lower", &[Varchar]), None);
        assert_eq!(
            postgres_series_type(&[IntegerLiteral(1), Integer]),
            Some(Integer)
        );
        assert_eq!(
            postgres_series_type(&[Date, Date, Interval]),
            Some(TimestampTz)
        );
        let n = Decimal(10, 2);
        assert_eq!(
            postgres_result_type("coalesce", &[n.clone(), IntegerLiteral(0)]),
            Some(Numeric)
        );
        assert_eq!(postgres_result_type("coalesce", &[n.clone(), n]), None);
    }

    #[test]
    fn integer_division_stays_integer() {
        assert_eq!(
            integer_division(&Integer, &IntegerLiteral(2)),
            Some(Integer)
        );
        assert_eq!(integer_division(&Integer, &Double), None);
    }

    #[test]
    fn arithmetic_on_decimals_is_numeric_and_on_integers_stays_integer() {
        assert_eq!(postgres_arithmetic("*", &Integer, &Numeric), Some(Numeric));
        assert_eq!(
            postgres_arithmetic("+", &Decimal(10, 2), &IntegerLiteral(1)),
            Some(Numeric)
        );
        assert_eq!(
            postgres_arithmetic("/", &Integer, &IntegerLiteral(2)),
            Some(Integer)
        );
        assert_eq!(
            postgres_arithmetic("/", &BigInt, &IntegerLiteral(2)),
            Some(BigInt)
        );
        assert_eq!(postgres_arithmetic("-", &Date, &Date), Some(Integer));
        assert_eq!(
            postgres_arithmetic("*", &Float, &IntegerLiteral(2)),
            Some(Double)
        );
        assert_eq!(postgres_arithmetic("*", &Float, &Float), Some(Float));
        assert_eq!(postgres_arithmetic("+", &Integer, &Integer), None);
        // Not arithmetic: a comparison stays a comparison.
        assert_eq!(postgres_arithmetic(">", &Numeric, &IntegerLiteral(0)), None);
        assert_eq!(
            postgres_arithmetic("", &Decimal(10, 2), &IntegerLiteral(0)),
            None
        );
    }
}
