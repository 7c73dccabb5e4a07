//! Result types of Snowflake functions that DuckDB lacks or types otherwise
//! (semi-structured values, its date arithmetic, its conversions), as
//! Snowflake's function reference gives them. Everything else falls back to
//! DuckDB's catalog; what neither knows stays UNKNOWN, never an error.

use super::conditional::{common, decode_type};
use crate::types::SqlType;

fn variant() -> SqlType {
    SqlType::Named("VARIANT".into())
}
fn object() -> SqlType {
    SqlType::Named("OBJECT".into())
}
fn array() -> SqlType {
    SqlType::Named("ARRAY".into())
}

/// Whether a date or time part is finer than a day (`hour`, `ms`, ...).
fn finer_than_a_day(part: &str) -> bool {
    let part = part
        .trim_matches(|c| c == '\'' || c == '"')
        .to_ascii_lowercase();
    part.starts_with('h')
        || part.starts_with("mi")
        || part.starts_with('s')
        || part.starts_with("ms")
        || part.starts_with("us")
        || part.starts_with("ns")
        || part.ends_with("second")
        || part.ends_with("seconds")
        || matches!(part.as_str(), "m" | "epoch")
}

fn is_number(ty: &SqlType) -> bool {
    ty.is_integer() || matches!(ty, SqlType::Decimal(..) | SqlType::Float | SqlType::Double)
}

/// Integer digits and scale of an exact number as Snowflake sees it: every
/// integer column is NUMBER(38,0), an integer literal has its own digits.
fn number_digits(ty: &SqlType) -> Option<(u32, u32)> {
    match ty {
        SqlType::IntegerLiteral(v) => Some((v.unsigned_abs().max(1).ilog10() + 1, 0)),
        t if t.is_integer() => Some((38, 0)),
        SqlType::Decimal(p, s) => Some(((*p - (*s).min(*p)) as u32, *s as u32)),
        _ => None,
    }
}

/// NUMBER(P,S) from integer digits and scale, capped at 38 digits as Snowflake does.
fn number(integer_digits: u32, scale: u32) -> SqlType {
    let scale = scale.min(37);
    SqlType::Decimal((integer_digits + scale).clamp(1, 38) as u8, scale as u8)
}

/// The scale of a fixed-point quotient: at least the dividend's, six more up to 12.
fn quotient_scale(dividend_scale: u32) -> u32 {
    dividend_scale.max((dividend_scale + 6).min(12))
}

/// `+ - * /` on fixed-point numbers by Snowflake's rules for precision and
/// scale ("Scale and precision in arithmetic operations"); None where an
/// operand is not an exact number (floats make a FLOAT as elsewhere).
pub fn snowflake_number_arithmetic(symbol: &str, l: &SqlType, r: &SqlType) -> Option<SqlType> {
    let null = |t: &SqlType| matches!(t, SqlType::Null);
    let ((l1, s1), (l2, s2)) = match (number_digits(l), number_digits(r)) {
        (Some(a), Some(b)) => (a, b),
        (Some(a), None) if null(r) => (a, a),
        (None, Some(b)) if null(l) => (b, b),
        _ => return None,
    };
    Some(match symbol {
        "+" | "-" => number(l1.max(l2) + 1, s1.max(s2)),
        "*" => number(l1 + l2, (s1 + s2).min(s1.max(s2).max(12))),
        "/" => number(l1 + s2, quotient_scale(s1)),
        _ => return None,
    })
}

/// `date + n`, `n + date`, `date - n`: Snowflake adds whole days to a DATE
/// for any integer `n`, whatever its precision (`seq4()`, `n::number`).
pub fn snowflake_date_arithmetic(symbol: &str, l: &SqlType, r: &SqlType) -> Option<SqlType> {
    let whole = |t: &SqlType| t.is_integer() || matches!(t, SqlType::Decimal(_, 0));
    match (symbol, l, r) {
        ("+" | "-", SqlType::Date, n) | ("+", n, SqlType::Date) if whole(n) => Some(SqlType::Date),
        _ => None,
    }
}

/// The result type of Snowflake's `name` called with `args` (a date part
/// written as a keyword is `date_part`), when it differs from DuckDB's.
pub fn snowflake_result_type(
    name: &str,
    args: &[SqlType],
    date_part: Option<&str>,
) -> Option<SqlType> {
    let first = args.first().cloned().unwrap_or(SqlType::Unknown);
    let integer = SqlType::BigInt;
    Some(match name {
        // Semi-structured values.
        "parse_json" | "try_parse_json" | "to_variant" | "get" | "get_path" | "get_ignore_case"
        | "strip_null_value" | "parse_xml" | "xmlget" | "as_variant" => variant(),
        "object_construct"
        | "object_construct_keep_null"
        | "object_insert"
        | "object_delete"
        | "object_pick"
        | "object_agg"
        | "to_object"
        | "as_object" => object(),
        "array_construct"
        | "array_construct_compact"
        | "array_append"
        | "array_prepend"
        | "array_cat"
        | "array_compact"
        | "array_distinct"
        | "array_slice"
        | "array_insert"
        | "array_remove"
        | "array_remove_at"
        | "array_intersection"
        | "array_except"
        | "array_flatten"
        | "array_agg"
        | "arrayagg"
        | "array_union_agg"
        | "array_unique_agg"
        | "split"
        | "strtok_to_array"
        | "object_keys"
        | "to_array"
        | "as_array"
        | "array_generate_range"
        | "array_sort"
        | "array_reverse" => array(),
        "array_size" | "array_position" => integer,
        // ISO week parts, as `dayofweek` and `weekofyear` are typed.
        "dayofweekiso" | "weekiso" | "yearofweek" | "yearofweekiso" => integer,
        "array_contains" | "arrays_overlap" | "is_array" | "is_object" | "is_null_value"
        | "is_boolean" | "is_integer" | "is_decimal" | "is_double" | "is_real" | "is_varchar"
        | "is_char" | "is_date" | "is_timestamp_ntz" | "is_timestamp_ltz" | "is_timestamp_tz"
        | "is_time" | "is_binary" => SqlType::Boolean,
        "array_to_string"
        | "typeof"
        | "check_json"
        | "check_xml"
        | "json_extract_path_text"
        | "to_json"
        | "to_xml"
        | "as_varchar"
        | "as_char" => SqlType::Varchar,
        "as_integer" | "as_number" | "as_decimal" => SqlType::Decimal(38, 0),
        "as_double" | "as_real" => SqlType::Double,
        "as_boolean" => SqlType::Boolean,
        "as_date" => SqlType::Date,
        "as_time" => SqlType::Time,
        "as_timestamp_ntz" => SqlType::Timestamp,
        "as_timestamp_ltz" => SqlType::TimestampTz,
        "as_timestamp_tz" => SqlType::TimestampTzOffset,
        "flatten" => return None,

        // Dates and times: the type of the value moved, a DATE becoming a
        // timestamp when the part is finer than a day.
        "dateadd" | "timeadd" | "timestampadd" => {
            let moved = args.get(2).cloned().unwrap_or(SqlType::Unknown);
            match (moved, date_part) {
                (SqlType::Date, Some(part)) if finer_than_a_day(part) => SqlType::Timestamp,
                (SqlType::StringLiteral | SqlType::Varchar, _) => SqlType::Timestamp,
                (t, _) => t.materialize(),
            }
        }
        "datediff" | "timediff" | "timestampdiff" => integer,
        // `trunc(x, part)` takes the value first, `date_trunc(part, x)` last.
        "trunc" | "truncate" if is_number(&first) => first.materialize(),
        "trunc" if args.len() == 2 => match first {
            SqlType::StringLiteral | SqlType::Varchar => SqlType::Timestamp,
            t => t.materialize(),
        },
        "date_trunc" | "time_slice" if args.len() >= 2 && date_part.is_some() => {
            let truncated = if name == "time_slice" {
                &first
            } else {
                &args[1]
            };
            match truncated {
                SqlType::StringLiteral | SqlType::Varchar => SqlType::Timestamp,
                t => t.clone().materialize(),
            }
        }
        "last_day" | "next_day" | "previous_day" | "to_date" | "try_to_date" | "date"
        | "date_from_parts" | "datefromparts" => SqlType::Date,
        "add_months" => match first {
            SqlType::StringLiteral | SqlType::Varchar => SqlType::Date,
            t => t.materialize(),
        },
        "months_between" => SqlType::Double,
        "dayname" | "monthname" => SqlType::Varchar,
        "to_time" | "try_to_time" | "time" | "time_from_parts" | "timefromparts" => SqlType::Time,
        "to_timestamp"
        | "to_timestamp_ntz"
        | "try_to_timestamp"
        | "try_to_timestamp_ntz"
        | "timestamp_from_parts"
        | "timestamp_ntz_from_parts"
        | "timestampfromparts"
        | "sysdate" => SqlType::Timestamp,
        "localtimestamp" => SqlType::TimestampTz,
        "to_timestamp_ltz" | "try_to_timestamp_ltz" | "timestamp_ltz_from_parts" => {
            SqlType::TimestampTz
        }
        "to_timestamp_tz" | "try_to_timestamp_tz" | "timestamp_tz_from_parts" => {
            SqlType::TimestampTzOffset
        }
        // Two arguments: the instant with the target zone's offset; three:
        // the wall time in the target zone.
        "convert_timezone" if args.len() == 3 => SqlType::Timestamp,
        "convert_timezone" => SqlType::TimestampTzOffset,

        // Conversions.
        "to_number" | "to_decimal" | "to_numeric" | "try_to_number" | "try_to_decimal"
        | "try_to_numeric" => {
            // `to_number(x [, format] [, precision [, scale]])`.
            let literals: Vec<i128> = args
                .iter()
                .skip(1)
                .filter_map(|a| match a {
                    SqlType::IntegerLiteral(v) => Some(*v),
                    _ => None,
                })
                .collect();
            match literals.as_slice() {
                [p] => SqlType::Decimal((*p).clamp(1, 38) as u8, 0),
                [p, s, ..] => SqlType::Decimal((*p).clamp(1, 38) as u8, (*s).clamp(0, 37) as u8),
                _ => SqlType::Decimal(38, 0),
            }
        }
        "to_double" | "try_to_double" => SqlType::Double,
        "to_varchar" | "to_char" | "try_to_varchar" => SqlType::Varchar,
        "to_boolean" | "try_to_boolean" => SqlType::Boolean,
        "to_binary" | "try_to_binary" => SqlType::Blob,
        "to_geography" | "try_to_geography" | "st_makepoint" | "st_point" => {
            SqlType::Named("GEOGRAPHY".into())
        }

        // Conditionals.
        "nvl" | "ifnull" => common(args),
        "nvl2" if args.len() == 3 => common(&args[1..]),
        "zeroifnull" | "nullifzero" => first.materialize(),
        "decode" => return decode_type(args),
        "equal_null" | "boolor_agg" | "booland_agg" | "boolxor_agg" | "regexp_like" | "rlike"
        | "contains" | "startswith" | "endswith" | "ilike" | "like" => SqlType::Boolean,
        // Division that gives 0 (or NULL) for a zero divisor: typed as `/`.
        "div0" | "div0null" if args.len() == 2 && args.iter().all(is_number) => {
            snowflake_number_arithmetic("/", &args[0], &args[1]).unwrap_or(SqlType::Double)
        }
        // The mean of fixed-point numbers keeps them fixed-point, scaled as a quotient.
        "avg" => match number_digits(&first) {
            Some((_, scale)) if !matches!(first, SqlType::Null) => {
                number(38, quotient_scale(scale))
            }
            _ => return None,
        },
        // A signed 64-bit integer.
        "hash" | "hash_agg" => SqlType::Decimal(19, 0),
        "random" | "bitand" | "bitor" | "bitxor" | "bitnot" | "bitshiftleft" | "bitshiftright"
        | "width_bucket" | "md5_number_lower64" | "md5_number_upper64" => integer,
        "uniform" => match args {
            [low, high, ..] if low.is_integer() && high.is_integer() => integer,
            _ => SqlType::Double,
        },
        "md5_binary"
        | "sha1_binary"
        | "sha2_binary"
        | "hex_decode_binary"
        | "base64_decode_binary"
        | "try_hex_decode_binary"
        | "try_base64_decode_binary" => SqlType::Blob,
        "rpad"
        | "lpad"
        | "soundex"
        | "base64_decode_string"
        | "hex_decode_string"
        | "try_base64_decode_string"
        | "try_hex_decode_string" => SqlType::Varchar,
        "st_distance" | "st_area" | "st_length" | "st_perimeter" | "st_x" | "st_y" | "st_xmin"
        | "st_xmax" | "st_ymin" | "st_ymax" => SqlType::Double,
        "st_dwithin" | "st_contains" | "st_intersects" | "st_within" | "st_covers"
        | "st_coveredby" | "st_disjoint" => SqlType::Boolean,

        // Aggregates and strings DuckDB names otherwise.
        "count_if"
        | "hll"
        | "approx_count_distinct"
        | "regexp_count"
        | "regexp_instr"
        | "charindex"
        | "editdistance"
        | "seq1"
        | "seq2"
        | "seq4"
        | "seq8"
        | "len"
        | "length"
        | "bit_length"
        | "octet_length" => integer,
        "listagg"
        | "regexp_substr"
        | "strtok"
        | "uuid_string"
        | "randstr"
        | "sha2"
        | "sha2_hex"
        | "sha1"
        | "sha1_hex"
        | "md5"
        | "md5_hex"
        | "base64_encode"
        | "hex_encode"
        | "current_user"
        | "current_role"
        | "current_warehouse"
        | "current_database"
        | "current_schema"
        | "current_region"
        | "current_account"
        | "current_session"
        | "current_version"
        | "split_part"
        | "initcap"
        | "sys_connect_by_path" => SqlType::Varchar,
        "conditional_true_event" | "conditional_change_event" => integer,
        "ratio_to_report" | "square" | "approx_percentile" | "skew" | "variance_pop"
        | "variance_samp" => SqlType::Double,
        "bitand_agg" | "bitor_agg" | "bitxor_agg" => integer,
        "any_value" => first.materialize(),
        _ => return None,
    })
}

/// The columns LATERAL FLATTEN gives, as Snowflake names them (lower case,
/// as Loupe matches names without regard to case).
pub fn flatten_columns() -> Vec<(&'static str, SqlType)> {
    vec![
        ("seq", SqlType::BigInt),
        ("key", SqlType::Varchar),
        ("path", SqlType::Varchar),
        ("index", SqlType::BigInt),
        ("value", variant()),
        ("this", variant()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(name: &str, args: &[SqlType], part: Option<&str>) -> String {
        snowflake_result_type(name, args, part)
            .map(|t| t.shown_in(crate::syntax::Dialect::Snowflake))
            .unwrap_or_else(|| "-".into())
    }

    #[test]
    fn dates_move_and_become_timestamps_below_a_day() {
        let date_add = |part| {
            shown(
                "dateadd",
                &[SqlType::Varchar, SqlType::IntegerLiteral(1), SqlType::Date],
                Some(part),
            )
        };
        assert_eq!(date_add("month"), "DATE");
        assert_eq!(date_add("hour"), "TIMESTAMP_NTZ");
        assert_eq!(date_add("'minutes'"), "TIMESTAMP_NTZ");
        assert_eq!(date_add("year"), "DATE");
        assert_eq!(
            shown(
                "date_trunc",
                &[SqlType::Varchar, SqlType::Date],
                Some("month")
            ),
            "DATE"
        );
        assert_eq!(
            shown(
                "convert_timezone",
                &[SqlType::Varchar, SqlType::Varchar, SqlType::Timestamp],
                None
            ),
            "TIMESTAMP_NTZ"
        );
    }

    #[test]
    fn conversions_and_semi_structured_values() {
        assert_eq!(shown("parse_json", &[SqlType::Varchar], None), "VARIANT");
        assert_eq!(shown("object_construct", &[], None), "OBJECT");
        assert_eq!(shown("array_agg", &[SqlType::Integer], None), "ARRAY");
        assert_eq!(
            shown(
                "to_number",
                &[
                    SqlType::Varchar,
                    SqlType::IntegerLiteral(12),
                    SqlType::IntegerLiteral(2)
                ],
                None
            ),
            "NUMBER(12,2)"
        );
        assert_eq!(
            shown("to_number", &[SqlType::Varchar], None),
            "NUMBER(38,0)"
        );
        assert_eq!(
            shown(
                "decode",
                &[
                    SqlType::Varchar,
                    SqlType::StringLiteral,
                    SqlType::IntegerLiteral(1),
                    SqlType::Double
                ],
                None
            ),
            "FLOAT"
        );
        assert_eq!(shown("sum", &[SqlType::Integer], None), "-");
    }
}
