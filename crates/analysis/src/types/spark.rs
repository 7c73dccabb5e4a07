//! Spark SQL's side of the type model: its names for types (`BIGINT`,
//! `STRING`, `DECIMAL(38,2)`, `ARRAY<INT>`, `STRUCT<a: INT>`) and its result
//! types where they differ from DuckDB's: sums and averages, ranking windows,
//! percentiles, `round`, and decimal arithmetic (Spark's `DecimalPrecision`
//! with precision loss allowed).

use super::SqlType;

/// Nested types deeper than this are not spelled out.
const MAX_DEPTH: usize = 64;

/// `ty` as Spark's analyzer names it (upper case, as the Spark fabrics show types).
pub fn spark_type_name(ty: &SqlType) -> String {
    name_within(ty, 0)
}

fn name_within(ty: &SqlType, depth: usize) -> String {
    use SqlType::*;
    if depth > MAX_DEPTH {
        return "…".into();
    }
    let inner = |t: &SqlType| name_within(t, depth + 1);
    match ty {
        Boolean => "BOOLEAN".into(),
        TinyInt => "TINYINT".into(),
        SmallInt | UTinyInt => "SMALLINT".into(),
        Integer | USmallInt => "INT".into(),
        BigInt | UInteger => "BIGINT".into(),
        HugeInt | UBigInt | UHugeInt => "DECIMAL(38,0)".into(),
        Float => "FLOAT".into(),
        Double => "DOUBLE".into(),
        Decimal(p, s) => format!("DECIMAL({p},{s})"),
        Varchar | StringLiteral | Json | Uuid => "STRING".into(),
        Blob | Bit => "BINARY".into(),
        Date => "DATE".into(),
        Time | TimeTz => "TIME".into(),
        // Spark's TIMESTAMP is in the session's zone (`spark.sql.timestampType`'s
        // default); a table's TIMESTAMP column reads as one.
        Timestamp | TimestampSec | TimestampMs | TimestampNs | TimestampTz => "TIMESTAMP".into(),
        Interval => "INTERVAL".into(),
        List(t) | Array(t, _) => format!("ARRAY<{}>", inner(t)),
        Struct(fields) | Union(fields) => format!(
            "STRUCT<{}>",
            fields
                .iter()
                .map(|(n, t)| format!("{n}: {}", inner(t)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Map(k, v) => format!("MAP<{}, {}>", inner(k), inner(v)),
        Null => "VOID".into(),
        IntegerLiteral(v) => {
            if i32::try_from(*v).is_ok() {
                "INT".into()
            } else if i64::try_from(*v).is_ok() {
                "BIGINT".into()
            } else {
                "DECIMAL(38,0)".into()
            }
        }
        Named(n) => n.to_uppercase(),
        Unknown => "UNKNOWN".into(),
    }
}

/// The precision and scale Spark gives an exact operand in decimal arithmetic.
fn as_decimal(ty: &SqlType) -> Option<(u32, u32)> {
    use SqlType::*;
    Some(match ty {
        Decimal(p, s) => (u32::from(*p), u32::from(*s)),
        TinyInt => (3, 0),
        SmallInt => (5, 0),
        Integer => (10, 0),
        BigInt => (20, 0),
        // A literal takes part with its own digits (Spark's default).
        IntegerLiteral(v) => (v.unsigned_abs().to_string().len() as u32, 0),
        _ => return None,
    })
}

/// `DecimalType.adjustPrecisionScale`: past 38 digits, scale gives way (to 6 at least).
fn adjusted(precision: u32, scale: u32) -> SqlType {
    if precision <= 38 {
        return SqlType::Decimal(precision as u8, scale as u8);
    }
    let int_digits = precision - scale;
    let min_scale = scale.min(6);
    let scale = (38u32.saturating_sub(int_digits)).max(min_scale);
    SqlType::Decimal(38, scale as u8)
}

/// `DecimalType.bounded`.
fn bounded(precision: u32, scale: u32) -> SqlType {
    SqlType::Decimal(precision.min(38) as u8, scale.min(38) as u8)
}

/// The type of `l symbol r` when one side is a decimal and the other exact
/// (`None` otherwise: the common rules apply).
pub fn decimal_arithmetic(symbol: &str, l: &SqlType, r: &SqlType) -> Option<SqlType> {
    let decimal = matches!(l, SqlType::Decimal(..)) || matches!(r, SqlType::Decimal(..));
    if !decimal {
        return None;
    }
    let (l, r) = match (as_decimal(l), as_decimal(r)) {
        (Some(l), Some(r)) => (l, r),
        (Some(d), None) if matches!(r, SqlType::Null) => (d, d),
        (None, Some(d)) if matches!(l, SqlType::Null) => (d, d),
        _ => return None,
    };
    let ((p1, s1), (p2, s2)) = (l, r);
    Some(match symbol {
        "+" | "-" => {
            let scale = s1.max(s2);
            adjusted((p1 - s1).max(p2 - s2) + scale + 1, scale)
        }
        "*" => adjusted(p1 + p2 + 1, s1 + s2),
        "/" => {
            let scale = 6u32.max(s1 + p2 + 1);
            adjusted(p1 - s1 + s2 + scale, scale)
        }
        "%" => {
            let scale = s1.max(s2);
            adjusted((p1 - s1).min(p2 - s2) + scale, scale)
        }
        _ => return None,
    })
}

/// Calls Spark types otherwise than DuckDB (`None` for the others): sums
/// and averages, ranking windows, percentiles, `round` of a decimal.
pub fn function_type(name: &str, args: &[SqlType]) -> Option<SqlType> {
    let arg = args.first().unwrap_or(&SqlType::Unknown);
    match (name, arg) {
        ("sum", t) if t.is_integer() => Some(SqlType::BigInt),
        ("sum", SqlType::Decimal(p, s)) => Some(bounded(u32::from(*p) + 10, u32::from(*s))),
        ("sum", SqlType::Float | SqlType::Double) => Some(SqlType::Double),
        ("avg" | "mean", SqlType::Decimal(p, s)) => {
            Some(bounded(u32::from(*p) + 4, u32::from(*s) + 4))
        }
        ("avg" | "mean", t) if t.is_integer() || matches!(t, SqlType::Float | SqlType::Double) => {
            Some(SqlType::Double)
        }
        ("row_number" | "rank" | "dense_rank" | "ntile", _) => Some(SqlType::Integer),
        ("percent_rank" | "cume_dist", _) => Some(SqlType::Double),
        ("percentile_cont" | "percentile_disc" | "median" | "percentile", t)
            if t.is_integer()
                || matches!(t, SqlType::Decimal(..) | SqlType::Float | SqlType::Double) =>
        {
            Some(SqlType::Double)
        }
        // `round(d, n)` keeps n digits of scale: DECIMAL(p - s + n + 1, n).
        ("round" | "bround", SqlType::Decimal(p, s)) => {
            let digits = match args.get(1) {
                None => 0,
                Some(SqlType::IntegerLiteral(n)) => *n,
                Some(_) => return None,
            };
            let (p, s) = (i128::from(*p), i128::from(*s));
            if digits >= s {
                return Some(SqlType::Decimal(p as u8, s as u8));
            }
            let scale = digits.max(0);
            Some(bounded((p - s + scale + 1) as u32, scale as u32))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_rules_follow_sparks() {
        let price = SqlType::Decimal(15, 2);
        // l_extendedprice * (1 - l_discount): (15,2) * (16,2)
        let one_minus = decimal_arithmetic("-", &SqlType::IntegerLiteral(1), &price).unwrap();
        assert_eq!(one_minus, SqlType::Decimal(16, 2));
        assert_eq!(
            decimal_arithmetic("*", &price, &one_minus),
            Some(SqlType::Decimal(32, 4))
        );
        assert_eq!(
            function_type("sum", &[SqlType::Decimal(32, 4)]),
            Some(SqlType::Decimal(38, 4))
        );
        assert_eq!(
            function_type("avg", &[price.clone()]),
            Some(SqlType::Decimal(19, 6))
        );
        assert_eq!(
            function_type("sum", &[SqlType::Integer]),
            Some(SqlType::BigInt)
        );
        assert_eq!(
            function_type(
                "round",
                &[SqlType::Decimal(20, 6), SqlType::IntegerLiteral(2)]
            ),
            Some(SqlType::Decimal(17, 2))
        );
        // Past 38 digits the scale gives way, down to 6.
        assert_eq!(
            decimal_arithmetic("/", &SqlType::Decimal(38, 4), &SqlType::Decimal(38, 4)),
            Some(SqlType::Decimal(38, 6))
        );
        assert_eq!(
            spark_type_name(&SqlType::List(Box::new(SqlType::Varchar))),
            "ARRAY<STRING>"
        );
    }
}
