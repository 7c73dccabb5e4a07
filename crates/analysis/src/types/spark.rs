//! Spark SQL's side of the type model: its names for types (`BIGINT`,
//! `STRING`, `DECIMAL(38,2)`, `ARRAY<INT>`, `STRUCT<a: INT>`), its literals
//! (`0.05` is DECIMAL(2,2)), its common type of two types (ANSI mode's
//! `findWiderTypeForTwo`), decimal arithmetic (Spark's `DecimalPrecision` with
//! precision loss allowed) and the results that follow an argument's value
//! (`round(d, 2)`), which no catalog of types can give.

use super::{parse_type, SqlType};

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
        Numeric => "DECIMAL(38,18)".into(),
        Varchar | StringLiteral | Json | Uuid => "STRING".into(),
        Blob | Bit => "BINARY".into(),
        Date => "DATE".into(),
        Time | TimeTz => "TIME".into(),
        // Spark's TIMESTAMP is in the session's zone (`spark.sql.timestampType`'s
        // default); a table's TIMESTAMP column reads as one.
        Timestamp | TimestampSec | TimestampMs | TimestampNs | TimestampTz | TimestampTzOffset => {
            "TIMESTAMP".into()
        }
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
        IntegerLiteral(v) => name_within(&literal_type(*v), depth),
        Named(n) => n.to_uppercase(),
        Unknown => "UNKNOWN".into(),
    }
}

/// An integer literal's type: INT, BIGINT, else a DECIMAL of its digits.
pub fn literal_type(v: i128) -> SqlType {
    if i32::try_from(v).is_ok() {
        SqlType::Integer
    } else if i64::try_from(v).is_ok() {
        SqlType::BigInt
    } else {
        SqlType::Decimal(digits(v).min(38) as u8, 0)
    }
}

fn digits(v: i128) -> u32 {
    v.unsigned_abs().checked_ilog10().map_or(1, |d| d + 1)
}

/// A numeric literal as Spark types it: `1` INT, `3000000000` BIGINT, `1e3`
/// DOUBLE, `0.05` DECIMAL(2,2) and `123.456` DECIMAL(6,3) (the digits of the
/// unscaled value, at least the scale), and the typed forms `1L`, `1S`, `1Y`,
/// `1.5D`, `1.5F`, `1.5BD`. `None` when the text is no number.
pub fn number_literal_type(text: &str) -> Option<SqlType> {
    let text = text.trim().replace('_', "");
    let upper = text.to_ascii_uppercase();
    let (body, suffix) = ["BD", "L", "S", "Y", "D", "F"]
        .iter()
        .find_map(|s| upper.strip_suffix(s).map(|b| (b.to_string(), *s)))
        .unwrap_or((upper.clone(), ""));
    let body = body.trim_start_matches(['+', '-']);
    let (mantissa, exponent) = match body.split_once('E') {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let numeric = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty())
        || !numeric(int)
        || !numeric(frac)
        || exponent.is_some_and(|e| {
            let e = e.trim_start_matches(['+', '-']);
            e.is_empty() || !numeric(e)
        })
    {
        return None;
    }
    let decimal = |int: &str, frac: &str| {
        let unscaled = format!("{int}{frac}");
        let significant = unscaled.trim_start_matches('0').len().max(1);
        let precision = significant.max(frac.len());
        if precision > 38 {
            SqlType::Double
        } else {
            SqlType::Decimal(precision as u8, frac.len() as u8)
        }
    };
    Some(match suffix {
        "L" if frac.is_empty() && exponent.is_none() => SqlType::BigInt,
        "S" if frac.is_empty() && exponent.is_none() => SqlType::SmallInt,
        "Y" if frac.is_empty() && exponent.is_none() => SqlType::TinyInt,
        "D" => SqlType::Double,
        "F" => SqlType::Float,
        "BD" if exponent.is_none() => decimal(int, frac),
        "" if exponent.is_some() => SqlType::Double,
        "" if mantissa.contains('.') => decimal(int, frac),
        // Within BIGINT a literal keeps its value (decimal arithmetic reads
        // its digits); past it, a DECIMAL of its digits.
        "" => match int.parse::<i128>() {
            Ok(v) if i64::try_from(v).is_ok() => SqlType::IntegerLiteral(v),
            Ok(v) => literal_type(v),
            Err(_) if int.len() <= 38 => SqlType::Decimal(int.len() as u8, 0),
            Err(_) => SqlType::Double,
        },
        _ => return None,
    })
}

/// A value's type as Spark holds it: literals as their types (`1` INT, a
/// string literal STRING), nested types inside out.
pub fn value_type(ty: &SqlType) -> SqlType {
    use SqlType::*;
    match ty {
        IntegerLiteral(v) => literal_type(*v),
        StringLiteral => Varchar,
        List(t) | Array(t, _) => List(Box::new(value_type(t))),
        Map(k, v) => Map(Box::new(value_type(k)), Box::new(value_type(v))),
        Struct(fields) => Struct(
            fields
                .iter()
                .map(|(n, t)| (n.clone(), value_type(t)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The class a catalog rule matches an argument by (`INT`, `DECIMAL`,
/// `ARRAY`…), as scripts/gen_spark_catalog.py names them; `None` for an
/// unknown type, which matches any.
pub fn spark_class(ty: &SqlType) -> Option<String> {
    use SqlType::*;
    Some(
        match ty {
            Unknown => return None,
            Boolean => "BOOLEAN",
            TinyInt => "TINYINT",
            SmallInt | UTinyInt => "SMALLINT",
            Integer | USmallInt => "INT",
            BigInt | UInteger => "BIGINT",
            HugeInt | UBigInt | UHugeInt | Decimal(..) | Numeric => "DECIMAL",
            IntegerLiteral(v) => return spark_class(&literal_type(*v)),
            Float => "FLOAT",
            Double => "DOUBLE",
            Varchar | StringLiteral | Json | Uuid => "STRING",
            Blob | Bit => "BINARY",
            Date => "DATE",
            Time | TimeTz => "TIME",
            Timestamp | TimestampSec | TimestampMs | TimestampNs | TimestampTz
            | TimestampTzOffset => "TIMESTAMP",
            Interval => "INTERVAL",
            List(_) | Array(..) => "ARRAY",
            Map(..) => "MAP",
            Struct(_) | Union(_) => "STRUCT",
            Null => "VOID",
            Named(n) => return Some(n.to_ascii_uppercase()),
        }
        .to_string(),
    )
}

/// Parses a type as Spark writes it (`DECIMAL(10,2)`, `ARRAY<STRING>`,
/// `STRUCT<a: INT>`, `TIMESTAMP_NTZ`, `INTERVAL DAY TO SECOND`, `VOID`).
pub fn parse_spark_type(text: &str) -> SqlType {
    let mut fixed = Vec::new();
    let marked = mark_spark_names(text, &mut fixed);
    substitute_marks(&parse_type(&marked), &|i| fixed.get(i).cloned())
}

/// The mark that stands for the `i`th placeholder while a type text is parsed.
pub(crate) fn mark(i: usize) -> String {
    format!("LOUPE_MARK_{i}")
}

/// Replaces the names of Spark types DuckDB's parser reads otherwise
/// (`TIMESTAMP_NTZ`, intervals, `VOID`) with marks, their types in `fixed`.
pub(crate) fn mark_spark_names(text: &str, fixed: &mut Vec<SqlType>) -> String {
    let words: Vec<&str> = text
        .split_inclusive(|c: char| !c.is_alphanumeric() && c != '_')
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let bare = word.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_');
        let tail = &word[bare.len()..];
        match bare.to_ascii_uppercase().as_str() {
            "TIMESTAMP_NTZ" => {
                out.push_str(&mark(fixed.len()));
                fixed.push(SqlType::Named("TIMESTAMP_NTZ".into()));
                out.push_str(tail);
            }
            "VOID" => {
                out.push_str(&mark(fixed.len()));
                fixed.push(SqlType::Null);
                out.push_str(tail);
            }
            "INTERVAL" if tail == " " => {
                // `INTERVAL DAY`, `INTERVAL YEAR TO MONTH`: the words that follow.
                let mut name = String::from("INTERVAL");
                let mut j = i + 1;
                let mut last_tail = tail.to_string();
                while j < words.len() {
                    let w = words[j];
                    let b = w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_');
                    let upper = b.to_ascii_uppercase();
                    if !matches!(
                        upper.as_str(),
                        "YEAR" | "MONTH" | "DAY" | "HOUR" | "MINUTE" | "SECOND" | "TO"
                    ) {
                        break;
                    }
                    name.push(' ');
                    name.push_str(&upper);
                    last_tail = w[b.len()..].to_string();
                    j += 1;
                    if last_tail != " " {
                        break;
                    }
                }
                if j == i + 1 {
                    out.push_str(word);
                } else {
                    out.push_str(&mark(fixed.len()));
                    fixed.push(SqlType::Named(name));
                    out.push_str(&last_tail);
                    i = j;
                    continue;
                }
            }
            _ => out.push_str(word),
        }
        i += 1;
    }
    out
}

/// `ty` with each mark replaced by what `value` gives for its number.
pub(crate) fn substitute_marks(ty: &SqlType, value: &dyn Fn(usize) -> Option<SqlType>) -> SqlType {
    use SqlType::*;
    let inner = |t: &SqlType| Box::new(substitute_marks(t, value));
    match ty {
        Named(n) => match n.strip_prefix("LOUPE_MARK_").and_then(|i| i.parse().ok()) {
            Some(i) => value(i).unwrap_or(Unknown),
            None => ty.clone(),
        },
        List(t) => List(inner(t)),
        Array(t, n) => Array(inner(t), *n),
        Map(k, v) => Map(inner(k), inner(v)),
        Struct(fields) => Struct(
            fields
                .iter()
                .map(|(n, t)| (n.clone(), substitute_marks(t, value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Spark's common type of two types (ANSI mode's `findWiderTypeForTwo`, as
/// `coalesce`, `CASE`, `array` and `greatest` use it): numbers widen (an
/// integer joins a decimal with its digits, a float or double makes a
/// double), a string joins an integer as BIGINT, a fraction as DOUBLE and
/// any other atom as that atom, a date joins a timestamp as TIMESTAMP, and
/// arrays, maps and structs widen inside. `None` when there is none.
pub fn wider_type(a: &SqlType, b: &SqlType) -> Option<SqlType> {
    use SqlType::*;
    let (a, b) = (value_type(a), value_type(b));
    if a == b {
        return Some(a);
    }
    let rank = |t: &SqlType| match t {
        TinyInt => Some(1),
        SmallInt | UTinyInt => Some(2),
        Integer | USmallInt => Some(3),
        BigInt | UInteger => Some(4),
        Float => Some(5),
        Double => Some(6),
        _ => None,
    };
    let decimal_of = |t: &SqlType| match t {
        Decimal(p, s) => Some((u32::from(*p), u32::from(*s))),
        HugeInt | UBigInt | UHugeInt => Some((38, 0)),
        TinyInt => Some((3, 0)),
        SmallInt | UTinyInt => Some((5, 0)),
        Integer | USmallInt => Some((10, 0)),
        BigInt | UInteger => Some((20, 0)),
        _ => None,
    };
    let is_decimal = |t: &SqlType| matches!(t, Decimal(..) | HugeInt | UBigInt | UHugeInt);
    let fraction = |t: &SqlType| matches!(t, Float | Double) || is_decimal(t);
    let integral = |t: &SqlType| rank(t).is_some_and(|r| r <= 4);
    let timestamp = |t: &SqlType| {
        matches!(
            t,
            Timestamp | TimestampSec | TimestampMs | TimestampNs | TimestampTz | TimestampTzOffset
        )
    };
    Some(match (&a, &b) {
        (Null, t) | (t, Null) => t.clone(),
        (Unknown, _) | (_, Unknown) => Unknown,
        (Varchar, t) | (t, Varchar) => {
            if integral(t) {
                BigInt
            } else if fraction(t) {
                Double
            } else if matches!(t, Boolean | Blob | Bit | Date | Time | TimeTz) || timestamp(t) {
                t.clone()
            } else {
                return None;
            }
        }
        _ if is_decimal(&a) || is_decimal(&b) => {
            if matches!(a, Float | Double) || matches!(b, Float | Double) {
                Double
            } else {
                let ((p1, s1), (p2, s2)) = (decimal_of(&a)?, decimal_of(&b)?);
                let scale = s1.max(s2);
                let range = (p1 - s1).max(p2 - s2);
                bounded(range + scale, scale)
            }
        }
        _ if rank(&a).is_some() && rank(&b).is_some() => {
            if rank(&a) >= rank(&b) {
                a.clone()
            } else {
                b.clone()
            }
        }
        (Date, t) | (t, Date) if timestamp(t) => t.clone(),
        (List(x) | Array(x, _), List(y) | Array(y, _)) => List(Box::new(wider_type(x, y)?)),
        (Map(k1, v1), Map(k2, v2)) => {
            Map(Box::new(wider_type(k1, k2)?), Box::new(wider_type(v1, v2)?))
        }
        (Struct(f1), Struct(f2)) if f1.len() == f2.len() => Struct(
            f1.iter()
                .zip(f2)
                .map(|((n1, t1), (n2, t2))| {
                    n1.eq_ignore_ascii_case(n2)
                        .then(|| wider_type(t1, t2).map(|t| (n1.clone(), t)))
                        .flatten()
                })
                .collect::<Option<Vec<_>>>()?,
        ),
        _ => return None,
    })
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

/// The type Spark gives `CAST(x AS text)`: Spark's names, and a bare
/// `DECIMAL` is DECIMAL(10,0).
pub fn cast_target(text: &str) -> SqlType {
    match text.trim().to_ascii_uppercase().as_str() {
        "DECIMAL" | "DEC" | "NUMERIC" => SqlType::Decimal(10, 0),
        _ => parse_spark_type(text),
    }
}

/// `percentile_cont(f) WITHIN GROUP (ORDER BY x)` and its kin: DOUBLE for
/// the interpolating ones, the ordered value's type for the discrete one.
pub fn ordered_set_type(name: &str, ordered: &SqlType) -> SqlType {
    match name {
        "percentile_cont" | "median" => SqlType::Double,
        "percentile_disc" => SqlType::Double,
        "mode" => value_type(ordered),
        _ => SqlType::Unknown,
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

    #[test]
    fn literals_are_typed_as_spark_types_them() {
        for (text, want) in [
            ("0.05", "DECIMAL(2,2)"),
            ("123.456", "DECIMAL(6,3)"),
            ("1e3", "DOUBLE"),
            ("1.0", "DECIMAL(2,1)"),
            ("0.0", "DECIMAL(1,1)"),
            ("007.50", "DECIMAL(3,2)"),
            ("1", "INT"),
            ("3000000000", "BIGINT"),
            ("12345678901234567890", "DECIMAL(20,0)"),
            ("1L", "BIGINT"),
            ("2S", "SMALLINT"),
            ("3Y", "TINYINT"),
            ("1.5D", "DOUBLE"),
            ("1.5F", "FLOAT"),
            ("1.50BD", "DECIMAL(3,2)"),
        ] {
            let ty = number_literal_type(text).unwrap();
            assert_eq!(spark_type_name(&ty), want, "{text}");
        }
        assert_eq!(number_literal_type("1x"), None);
        assert_eq!(number_literal_type("1day"), None);
    }

    #[test]
    fn wider_types_follow_ansi_mode() {
        let wider = |a: &str, b: &str| {
            wider_type(&parse_spark_type(a), &parse_spark_type(b)).map(|t| spark_type_name(&t))
        };
        assert_eq!(
            wider("INT", "DECIMAL(10,2)").as_deref(),
            Some("DECIMAL(12,2)")
        );
        assert_eq!(wider("STRING", "INT").as_deref(), Some("BIGINT"));
        assert_eq!(wider("STRING", "DATE").as_deref(), Some("DATE"));
        assert_eq!(wider("DATE", "TIMESTAMP").as_deref(), Some("TIMESTAMP"));
        assert_eq!(wider("BIGINT", "FLOAT").as_deref(), Some("FLOAT"));
        assert_eq!(
            wider("ARRAY<INT>", "ARRAY<DOUBLE>").as_deref(),
            Some("ARRAY<DOUBLE>")
        );
        assert_eq!(wider("BOOLEAN", "INT"), None);
        assert_eq!(
            spark_type_name(&parse_spark_type("MAP<STRING, TIMESTAMP_NTZ>")),
            "MAP<STRING, TIMESTAMP_NTZ>"
        );
        assert_eq!(
            spark_type_name(&parse_spark_type("INTERVAL DAY TO SECOND")),
            "INTERVAL DAY TO SECOND"
        );
    }
}
