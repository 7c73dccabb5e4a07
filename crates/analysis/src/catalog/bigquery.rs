//! Result types of BigQuery functions that DuckDB lacks or types otherwise
//! (its date and time families, conversions, JSON, geography, `NET.`), as
//! BigQuery's function reference gives them. Everything else falls back to
//! DuckDB's catalog; what neither knows stays UNKNOWN, never an error.
//!
//! Types are in Loupe's model: BigQuery's DATETIME is TIMESTAMP, its
//! TIMESTAMP (an instant) is TIMESTAMPTZ, NUMERIC is DECIMAL(38,9) and
//! BIGNUMERIC DECIMAL(38,38); `SqlType::shown_in` names them back.

use crate::types::{common_supertype, SqlType};

/// BigQuery's NUMERIC in Loupe's model.
pub const NUMERIC: SqlType = SqlType::Decimal(38, 9);
/// BigQuery's BIGNUMERIC in Loupe's model.
pub const BIGNUMERIC: SqlType = SqlType::Decimal(38, 38);

fn geography() -> SqlType {
    SqlType::Named("GEOGRAPHY".into())
}

/// Whether a decimal type is BIGNUMERIC: more than NUMERIC's 9 fraction
/// digits (DuckDB's rules widen decimals to 38 digits as they go, so the
/// integer digits tell nothing).
pub fn is_bignumeric(ty: &SqlType) -> bool {
    matches!(ty, SqlType::Decimal(_, s) if *s > 9)
}

/// The result of arithmetic on exact numbers where one is NUMERIC or
/// BIGNUMERIC: BigQuery keeps the wider of the two decimal types (DuckDB
/// would widen the scale with each product, and divide into a DOUBLE).
pub fn bigquery_decimal_result(l: &SqlType, r: &SqlType) -> Option<SqlType> {
    let decimal = |t: &SqlType| matches!(t, SqlType::Decimal(..));
    let exact = |t: &SqlType| t.is_integer() || decimal(t) || matches!(t, SqlType::Null);
    if !(decimal(l) || decimal(r)) || !exact(l) || !exact(r) {
        return None;
    }
    Some(decimal_kind(is_bignumeric(l) || is_bignumeric(r)))
}

fn decimal_kind(big: bool) -> SqlType {
    if big {
        BIGNUMERIC
    } else {
        NUMERIC
    }
}

/// A float where any operand is one, else NUMERIC/BIGNUMERIC where one is,
/// else FLOAT64: what BigQuery's division functions and `AVG` return.
fn quotient(args: &[SqlType]) -> SqlType {
    if args.iter().any(SqlType::is_unknown) {
        return SqlType::Unknown;
    }
    let float = args
        .iter()
        .any(|t| matches!(t, SqlType::Float | SqlType::Double));
    match args {
        [a, b, ..] if !float => bigquery_decimal_result(a, b).unwrap_or(SqlType::Double),
        [only @ SqlType::Decimal(..)] => decimal_kind(is_bignumeric(only)),
        _ => SqlType::Double,
    }
}

/// INT64 for any integer, the decimal kind for decimals, FLOAT64 for floats:
/// the common type of numeric arguments as BigQuery widens them.
fn numeric_common(args: &[SqlType]) -> SqlType {
    let common = args
        .iter()
        .cloned()
        .try_fold(SqlType::Null, |acc, t| common_supertype(&acc, &t))
        .unwrap_or(SqlType::Unknown)
        .materialize();
    match common {
        t if t.is_integer() => SqlType::BigInt,
        SqlType::Decimal(..) => decimal_kind(is_bignumeric(&common)),
        SqlType::Float => SqlType::Double,
        other => other,
    }
}

fn list(element: SqlType) -> SqlType {
    SqlType::List(Box::new(element))
}

/// STRING, or BYTES where the input is BYTES (BigQuery's string functions
/// take either and return the same).
fn string_or_bytes(first: &SqlType) -> SqlType {
    if *first == SqlType::Blob {
        SqlType::Blob
    } else {
        SqlType::Varchar
    }
}

/// The result type of BigQuery's `name` (lower case, without a `SAFE.`
/// prefix; `qualifier` is the function's namespace such as `net`) called
/// with `args`, when BigQuery types it otherwise than DuckDB.
/// `RANGE(start, end)`'s type, of the bound that has one (`RANGE(NULL, d)`).
fn range_of(bounds: &[SqlType]) -> SqlType {
    let element = bounds
        .iter()
        .find(|t| matches!(t, SqlType::Date | SqlType::Timestamp | SqlType::TimestampTz));
    match element {
        Some(element) => SqlType::Named(format!(
            "RANGE<{}>",
            element.shown_in(crate::syntax::Dialect::BigQuery)
        )),
        None => SqlType::Unknown,
    }
}

/// The type of a range's bounds (`RANGE_START` of a `RANGE<DATE>` is a DATE).
fn range_element(range: &SqlType) -> Option<SqlType> {
    let SqlType::Named(name) = range else {
        return None;
    };
    let element = name.strip_prefix("RANGE<")?.strip_suffix('>')?;
    Some(crate::types::parse_type_in(
        element,
        crate::syntax::Dialect::BigQuery,
    ))
}

pub fn bigquery_result_type(
    qualifier: Option<&str>,
    name: &str,
    args: &[SqlType],
) -> Option<SqlType> {
    let first = args.first().cloned().unwrap_or(SqlType::Unknown);
    match qualifier {
        Some("net") => {
            return Some(match name {
                "host" | "reg_domain" | "public_suffix" | "ip_to_string" => SqlType::Varchar,
                "ipv4_to_int64" => SqlType::BigInt,
                "ip_from_string"
                | "safe_ip_from_string"
                | "ip_net_mask"
                | "ip_trunc"
                | "ipv4_from_int64" => SqlType::Blob,
                _ => return None,
            })
        }
        Some("hll_count") => {
            return Some(match name {
                "init" | "merge_partial" => SqlType::Blob,
                "merge" | "extract" => SqlType::BigInt,
                _ => return None,
            })
        }
        _ => {}
    }
    if let Some(ty) = geography_function_type(name) {
        return Some(ty);
    }
    Some(match name {
        // Dates and times: the type follows the function's family.
        "date_diff" | "datetime_diff" | "timestamp_diff" | "time_diff" => SqlType::BigInt,
        "date_trunc" if first.is_temporal() => first.materialize(),
        "date_trunc"
        | "date_add"
        | "date_sub"
        | "date"
        | "parse_date"
        | "last_day"
        | "date_from_unix_date"
        | "current_date" => SqlType::Date,
        "datetime_trunc" | "datetime_add" | "datetime_sub" | "datetime" | "parse_datetime"
        | "current_datetime" => SqlType::Timestamp,
        "timestamp_trunc" | "timestamp_add" | "timestamp_sub" | "timestamp" | "parse_timestamp"
        | "timestamp_micros" | "timestamp_millis" | "timestamp_seconds" | "current_timestamp" => {
            SqlType::TimestampTz
        }
        "time_trunc" | "time_add" | "time_sub" | "time" | "parse_time" | "current_time" => {
            SqlType::Time
        }
        "format_date" | "format_datetime" | "format_timestamp" | "format_time" | "format" => {
            SqlType::Varchar
        }
        "unix_micros" | "unix_millis" | "unix_seconds" | "unix_date" => SqlType::BigInt,
        "generate_date_array" => list(SqlType::Date),
        "generate_timestamp_array" => list(SqlType::TimestampTz),
        "generate_array" => list(numeric_common(args)),
        "array_concat_agg" if matches!(first, SqlType::List(_)) => first.materialize(),
        "collate" => SqlType::Varchar,
        // Arithmetic.
        "safe_divide" | "ieee_divide" => quotient(args),
        "avg" | "percentile_cont" if matches!(first, SqlType::Decimal(..)) => quotient(&args[..1]),
        "percentile_cont" => SqlType::Double,
        "round" | "floor" | "ceil" | "ceiling" | "trunc" | "abs" | "sign"
            if matches!(first, SqlType::Decimal(..)) =>
        {
            decimal_kind(is_bignumeric(&first))
        }
        // An INT64 is rounded as the FLOAT64 it converts to.
        "round" | "floor" | "ceil" | "ceiling" | "trunc" if first.is_integer() => SqlType::Double,
        "percentile_disc" => first.materialize(),
        "div" | "safe_add" | "safe_subtract" | "safe_multiply" | "mod" => numeric_common(args),
        "safe_negate" => numeric_common(&args[..args.len().min(1)]),
        "rand" | "cosine_distance" | "euclidean_distance" => SqlType::Double,
        "range_bucket" | "farm_fingerprint" | "bit_count" => SqlType::BigInt,
        // Ranges: RANGE<DATE>, RANGE<DATETIME>, RANGE<TIMESTAMP>, named as written.
        "range" => range_of(args),
        "range_start" | "range_end" => range_element(&first).unwrap_or(SqlType::Unknown),
        "range_contains" | "range_overlaps" => SqlType::Boolean,
        "range_intersect" => first.materialize(),
        "generate_range_array" => list(first.materialize()),
        "is_inf" | "is_nan" => SqlType::Boolean,
        // Hashes and encodings.
        "md5"
        | "sha1"
        | "sha256"
        | "sha512"
        | "from_hex"
        | "from_base64"
        | "from_base32"
        | "code_points_to_bytes" => SqlType::Blob,
        "to_hex"
        | "to_base64"
        | "to_base32"
        | "generate_uuid"
        | "safe_convert_bytes_to_string"
        | "code_points_to_string"
        | "session_user" => SqlType::Varchar,
        "to_code_points" => list(SqlType::BigInt),
        // Strings (most are DuckDB's too; these it lacks or types otherwise).
        "byte_length" | "char_length" | "character_length" | "strpos" | "instr"
        | "regexp_instr" | "unicode" => SqlType::BigInt,
        "regexp_contains" | "contains_substr" => SqlType::Boolean,
        "regexp_extract"
        | "regexp_substr"
        | "initcap"
        | "normalize"
        | "normalize_and_casefold"
        | "soundex"
        | "translate" => string_or_bytes(&first),
        "regexp_extract_all" | "split" => list(string_or_bytes(&first)),
        // Arrays.
        "array_length" => SqlType::BigInt,
        "array_reverse" | "array_concat" | "array_slice" => first.materialize(),
        "array_first" | "array_last" => match first {
            SqlType::List(element) | SqlType::Array(element, _) => *element,
            _ => SqlType::Unknown,
        },
        // Aggregates.
        "logical_and" | "logical_or" => SqlType::Boolean,
        "countif" | "approx_count_distinct" => SqlType::BigInt,
        "approx_quantiles" => list(first.materialize()),
        "approx_top_count" => list(SqlType::Struct(vec![
            ("value".into(), first.materialize()),
            ("count".into(), SqlType::BigInt),
        ])),
        "approx_top_sum" => list(SqlType::Struct(vec![
            ("value".into(), first.materialize()),
            (
                "sum".into(),
                numeric_common(&args[args.len().min(1)..args.len().min(2)]),
            ),
        ])),
        // JSON: a JSON argument gives JSON back, a STRING one a STRING.
        "json_value"
        | "json_extract_scalar"
        | "to_json_string"
        | "json_type"
        | "lax_string"
        | "string" => SqlType::Varchar,
        "json_query" | "json_extract" if first == SqlType::Json => SqlType::Json,
        "json_query" | "json_extract" => SqlType::Varchar,
        "json_query_array" | "json_extract_array" if first == SqlType::Json => list(SqlType::Json),
        "json_query_array"
        | "json_extract_array"
        | "json_value_array"
        | "json_extract_string_array"
        | "json_keys" => list(SqlType::Varchar),
        "to_json" | "parse_json" | "json_object" | "json_array" | "json_set" | "json_remove"
        | "json_strip_nulls" | "json_array_append" | "json_array_insert" => SqlType::Json,
        "int64" | "lax_int64" => SqlType::BigInt,
        "float64" | "lax_float64" => SqlType::Double,
        "bool" | "lax_bool" => SqlType::Boolean,
        _ => return None,
    })
}

/// BigQuery's `ST_` functions: geographies, measures, predicates, text.
fn geography_function_type(name: &str) -> Option<SqlType> {
    let rest = name.strip_prefix("st_")?;
    Some(match rest {
        "distance" | "area" | "length" | "perimeter" | "maxdistance" | "x" | "y" | "azimuth"
        | "angle" | "hausdorffdistance" => SqlType::Double,
        "contains" | "intersects" | "within" | "dwithin" | "equals" | "covers" | "coveredby"
        | "touches" | "disjoint" | "intersectsbox" | "isempty" | "isclosed" | "iscollection"
        | "isring" => SqlType::Boolean,
        "astext" | "asgeojson" | "geohash" | "geometrytype" => SqlType::Varchar,
        "asbinary" => SqlType::Blob,
        "numpoints" | "npoints" | "numgeometries" | "dimension" => SqlType::BigInt,
        "dump" | "dumppoints" => list(geography()),
        "clusterdbscan" => SqlType::BigInt,
        _ => geography(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_arithmetic_keeps_the_decimal_kind() {
        assert_eq!(
            bigquery_decimal_result(&NUMERIC, &SqlType::BigInt),
            Some(NUMERIC)
        );
        assert_eq!(
            bigquery_decimal_result(&NUMERIC, &BIGNUMERIC),
            Some(BIGNUMERIC)
        );
        assert_eq!(bigquery_decimal_result(&NUMERIC, &SqlType::Double), None);
        assert_eq!(
            bigquery_decimal_result(&SqlType::BigInt, &SqlType::BigInt),
            None
        );
    }

    #[test]
    fn division_functions_follow_their_operands() {
        let f = |args: &[SqlType]| bigquery_result_type(None, "safe_divide", args);
        assert_eq!(
            f(&[SqlType::BigInt, SqlType::BigInt]),
            Some(SqlType::Double)
        );
        assert_eq!(f(&[NUMERIC, SqlType::BigInt]), Some(NUMERIC));
        assert_eq!(f(&[NUMERIC, SqlType::Double]), Some(SqlType::Double));
        assert_eq!(
            f(&[SqlType::Unknown, SqlType::BigInt]),
            Some(SqlType::Unknown)
        );
    }

    #[test]
    fn namespaced_functions_are_typed_by_their_namespace() {
        assert_eq!(
            bigquery_result_type(Some("net"), "host", &[SqlType::Varchar]),
            Some(SqlType::Varchar)
        );
        assert_eq!(bigquery_result_type(Some("net"), "nonesuch", &[]), None);
        assert_eq!(
            bigquery_result_type(None, "st_geogpoint", &[SqlType::Double, SqlType::Double]),
            Some(geography())
        );
    }
}
