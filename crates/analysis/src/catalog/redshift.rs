//! Result types of Redshift's functions and DECIMAL arithmetic where they
//! differ from DuckDB's, as Redshift's reference gives them (no Redshift
//! runs here to ask). Everything else falls back to DuckDB's catalog.

use super::conditional::{common, decode_type};
use super::postgres::is_float;
use crate::types::SqlType;

/// Redshift's result type of `name(args)` where it differs from DuckDB's
/// (`args` hold a leading date part, as in `dateadd(day, 1, d)`), as
/// Redshift's function reference gives it: sums and averages of integers
/// are BIGINT (an average is truncated), an average of DECIMAL(P,S) is
/// DECIMAL(38,S); lengths and positions are INTEGER; its own date
/// functions make a TIMESTAMP of a DATE; `nvl`, `nvl2` and `decode` the
/// common type of the values they may return.
pub fn redshift_result_type(name: &str, args: &[SqlType]) -> Option<SqlType> {
    use SqlType::*;
    let first = args.first().cloned().map(SqlType::materialize);
    let arg = |i: usize| args.get(i).cloned().map(SqlType::materialize);
    Some(match (name, first.as_ref()) {
        ("sum" | "avg", Some(t)) if t.is_integer() => BigInt,
        ("avg", Some(Decimal(_, s))) => Decimal(38, *s),
        ("avg", Some(t)) if is_float(t) => Double,
        (
            "len"
            | "length"
            | "char_length"
            | "character_length"
            | "textlen"
            | "octet_length"
            | "strpos"
            | "charindex"
            | "position"
            | "ascii"
            | "rank"
            | "json_array_length"
            | "regexp_count"
            | "regexp_instr"
            | "date_cmp"
            | "date_cmp_timestamp"
            | "date_cmp_timestamptz"
            | "timestamp_cmp"
            | "timestamp_cmp_date"
            | "timestamp_cmp_timestamptz"
            | "timestamptz_cmp"
            | "timestamptz_cmp_date"
            | "timestamptz_cmp_timestamp"
            | "interval_cmp"
            | "date_part_year"
            | "current_user_id",
            _,
        ) => Integer,
        ("ntile" | "datediff" | "strtol" | "hll_cardinality", _) => BigInt,
        ("getdate" | "sysdate" | "convert_timezone" | "add_months", _) => Timestamp,
        // Moves a TIME or TIMETZ as itself, anything else as a TIMESTAMP.
        ("dateadd", _) => match arg(2) {
            Some(t @ (Time | TimeTz | TimestampTz)) => t,
            _ => Timestamp,
        },
        ("date_trunc", _) => match arg(1) {
            Some(TimestampTz) => TimestampTz,
            _ => Timestamp,
        },
        ("timezone", _) => match arg(1) {
            Some(TimestampTz) => Timestamp,
            _ => TimestampTz,
        },
        // `trunc(ts)` is the date; `trunc(n [, digits])` keeps n's type.
        ("trunc", Some(Timestamp | TimestampTz | Date)) => Date,
        ("trunc", Some(t @ (Decimal(..) | Double | Float))) => t.clone(),
        ("last_day" | "next_day" | "to_date", _) => Date,
        ("to_timestamp", _) => TimestampTz,
        ("to_number", _) => Numeric,
        ("months_between" | "ratio_to_report" | "random" | "dexp" | "dlog10" | "cbrt", _) => Double,
        ("stddev" | "stddev_samp" | "stddev_pop" | "variance" | "var_samp" | "var_pop", _) => {
            Double
        }
        ("date_part" | "datepart" | "pgdate_part", _) => Double,
        (
            "to_char"
            | "timeofday"
            | "listagg"
            | "regexp_substr"
            | "regexp_replace"
            | "json_extract_path_text"
            | "json_extract_array_element_text"
            | "json_serialize"
            | "md5"
            | "func_sha1"
            | "sha1"
            | "sha2"
            | "crc32"
            | "left"
            | "right"
            | "btrim"
            | "replicate"
            | "repeat"
            | "lpad"
            | "rpad"
            | "initcap"
            | "translate"
            | "quote_ident"
            | "split_part",
            _,
        ) => Varchar,
        ("is_valid_json" | "is_valid_json_array" | "bool_or" | "bool_and", _) => Boolean,
        ("json_parse", _) => Named("SUPER".into()),
        ("nvl", _) => common(args),
        ("nvl2", _) if args.len() == 3 => common(&args[1..]),
        ("decode", _) => return decode_type(args),
        ("median" | "percentile_cont", Some(t)) if t.is_integer() => Numeric,
        ("ceil" | "ceiling" | "floor", Some(t @ Decimal(..))) => t.clone(),
        ("sign", Some(Decimal(..))) => Decimal(1, 0),
        ("abs", Some(t)) if t.is_integer() || is_float(t) || matches!(t, Decimal(..)) => t.clone(),
        ("bit_and" | "bit_or", Some(t)) if t.is_integer() => t.clone(),
        _ => return None,
    })
}

/// Redshift's DECIMAL arithmetic, as its "Computations with numeric values"
/// gives it: integers count as DECIMAL(5,0), (10,0) or (19,0); a sum keeps
/// the larger scale with one more integer digit, a product adds precisions
/// plus one and scales, a quotient has a scale of at least 4.
pub fn redshift_decimal_arithmetic(symbol: &str, l: &SqlType, r: &SqlType) -> Option<SqlType> {
    use SqlType::*;
    let digits = |t: &SqlType| -> Option<(u32, u32)> {
        Some(match t {
            Decimal(p, s) => (u32::from(*p), u32::from(*s)),
            SmallInt | TinyInt => (5, 0),
            Integer => (10, 0),
            BigInt => (19, 0),
            _ => return None,
        })
    };
    if !matches!(l, Decimal(..)) && !matches!(r, Decimal(..)) {
        return None;
    }
    let ((p1, s1), (p2, s2)) = (digits(l)?, digits(r)?);
    let (precision, scale) = match symbol {
        "+" | "-" => {
            let scale = s1.max(s2);
            ((p1 - s1).max(p2 - s2) + 1 + scale, scale)
        }
        "*" => (p1 + p2 + 1, s1 + s2),
        "/" => {
            let scale = 4.max(s1 + p2 - s2 + 1);
            (p1 - s1 + s2 + scale, scale)
        }
        _ => return None,
    };
    let precision = precision.min(38);
    Some(Decimal(precision as u8, scale.min(precision) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use SqlType::*;

    #[test]
    fn redshift_averages_integers_as_integers() {
        assert_eq!(redshift_result_type("avg", &[Integer]), Some(BigInt));
        assert_eq!(
            redshift_result_type("avg", &[Decimal(5, 2)]),
            Some(Decimal(38, 2))
        );
        assert_eq!(redshift_result_type("sum", &[SmallInt]), Some(BigInt));
        assert_eq!(redshift_result_type("sum", &[Decimal(5, 2)]), None);
        assert_eq!(redshift_result_type("len", &[Varchar]), Some(Integer));
    }
}
