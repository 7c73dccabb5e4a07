//! Types as each engine names them. Inference works in DuckDB's type model;
//! a Snowflake, Spark or BigQuery project sees its columns in its engine's
//! names.

use super::SqlType;
use crate::syntax::Dialect;

impl SqlType {
    /// The type of a materialised value, named as the engine of `dialect`
    /// names it in DESCRIBE (DuckDB's names where an engine has no names of
    /// its own in Loupe).
    pub fn shown_in(&self, dialect: Dialect) -> String {
        let ty = self.clone().materialize();
        match dialect {
            Dialect::Snowflake => snowflake_name(&ty),
            Dialect::Databricks | Dialect::Hive => super::spark::spark_type_name(&ty),
            Dialect::BigQuery => bigquery_name(&ty),
            Dialect::Postgres | Dialect::Redshift => postgres_name(&ty, dialect),
            _ => ty.to_string(),
        }
    }
}

/// Snowflake's name for a type: every integer is NUMBER(38,0), floats are
/// FLOAT, DuckDB's TIMESTAMPTZ (an instant) is TIMESTAMP_LTZ, nested values
/// are ARRAY, OBJECT or VARIANT.
fn snowflake_name(ty: &SqlType) -> String {
    use SqlType::*;
    match ty {
        TinyInt | SmallInt | Integer | BigInt | HugeInt | UTinyInt | USmallInt | UInteger
        | UBigInt | UHugeInt | IntegerLiteral(_) => "NUMBER(38,0)".into(),
        Decimal(w, s) => format!("NUMBER({w},{s})"),
        Numeric => "NUMBER".into(),
        Float | Double => "FLOAT".into(),
        Varchar | StringLiteral | Uuid => "VARCHAR".into(),
        Blob | Bit => "BINARY".into(),
        Time | TimeTz => "TIME".into(),
        Timestamp | TimestampSec | TimestampMs | TimestampNs => "TIMESTAMP_NTZ".into(),
        TimestampTz => "TIMESTAMP_LTZ".into(),
        TimestampTzOffset => "TIMESTAMP_TZ".into(),
        Json | Union(_) => "VARIANT".into(),
        List(_) | Array(..) => "ARRAY".into(),
        Struct(_) | Map(..) => "OBJECT".into(),
        Boolean | Date | Interval | Null | Named(_) | Unknown => ty.to_string(),
    }
}

/// Postgres's (and Redshift's) names for the types DuckDB has and they do
/// not: unsigned and one-byte integers take the signed size that holds
/// them, HUGEINT is NUMERIC, a decimal NUMERIC(P,S); DOUBLE is DOUBLE
/// PRECISION, FLOAT is REAL, BLOB is BYTEA (Redshift's VARBYTE).
fn postgres_name(ty: &SqlType, dialect: Dialect) -> String {
    use SqlType::*;
    match ty {
        TinyInt | UTinyInt => "SMALLINT".into(),
        USmallInt => "INTEGER".into(),
        UInteger => "BIGINT".into(),
        HugeInt | UBigInt | UHugeInt => "NUMERIC".into(),
        Decimal(w, s) => format!("NUMERIC({w},{s})"),
        Float => "REAL".into(),
        Double => "DOUBLE PRECISION".into(),
        Blob if dialect == Dialect::Redshift => "VARBYTE".into(),
        Blob => "BYTEA".into(),
        List(element) => format!("{}[]", postgres_name(element, dialect)),
        _ => ty.to_string(),
    }
}

/// BigQuery's name for a type: every integer is INT64, floats FLOAT64,
/// decimals NUMERIC or BIGNUMERIC by their digits, DuckDB's TIMESTAMP (no
/// zone) is DATETIME and its TIMESTAMPTZ (an instant) TIMESTAMP, nested
/// values ARRAY<T> and STRUCT<name T, ...>.
fn bigquery_name(ty: &SqlType) -> String {
    use SqlType::*;
    match ty {
        TinyInt | SmallInt | Integer | BigInt | HugeInt | UTinyInt | USmallInt | UInteger
        | UBigInt | UHugeInt | IntegerLiteral(_) | Null => "INT64".into(),
        Decimal(..) if crate::catalog::is_bignumeric(ty) => "BIGNUMERIC".into(),
        Decimal(..) | Numeric => "NUMERIC".into(),
        Float | Double => "FLOAT64".into(),
        Varchar | StringLiteral | Uuid => "STRING".into(),
        Blob | Bit => "BYTES".into(),
        Boolean => "BOOL".into(),
        Time | TimeTz => "TIME".into(),
        Timestamp | TimestampSec | TimestampMs | TimestampNs => "DATETIME".into(),
        TimestampTz | TimestampTzOffset => "TIMESTAMP".into(),
        List(element) | Array(element, _) => format!("ARRAY<{}>", bigquery_name(element)),
        Struct(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(name, t)| format!("{} {}", bigquery_field(name), bigquery_name(t)))
                .collect();
            format!("STRUCT<{}>", fields.join(", "))
        }
        // BigQuery has no map: its tables hold one as an array of key/value pairs.
        Map(k, v) => format!(
            "ARRAY<STRUCT<key {}, value {}>>",
            bigquery_name(k),
            bigquery_name(v)
        ),
        Union(_) => "JSON".into(),
        Date | Interval | Json | Named(_) | Unknown => ty.to_string(),
    }
}

/// A struct field's name, quoted with backticks where it is not a plain identifier.
fn bigquery_field(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("`{name}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::parse_type;

    #[test]
    fn postgres_names_only_types_it_has() {
        for (written, shown) in [
            ("hugeint", "NUMERIC"),
            ("ubigint", "NUMERIC"),
            ("uinteger", "BIGINT"),
            ("tinyint", "SMALLINT"),
            ("double", "DOUBLE PRECISION"),
            ("float", "REAL"),
            ("blob", "BYTEA"),
            ("double[]", "DOUBLE PRECISION[]"),
            ("integer", "INTEGER"),
            ("decimal(10,2)", "NUMERIC(10,2)"),
            ("timestamptz", "TIMESTAMP WITH TIME ZONE"),
        ] {
            assert_eq!(
                parse_type(written).shown_in(Dialect::Postgres),
                shown,
                "{written}"
            );
        }
        assert_eq!(parse_type("blob").shown_in(Dialect::Redshift), "VARBYTE");
    }

    #[test]
    fn snowflake_names_what_it_describes() {
        for (written, shown) in [
            ("NUMBER(38,0)", "NUMBER(38,0)"),
            ("NUMBER(12,2)", "NUMBER(12,2)"),
            ("bigint", "NUMBER(38,0)"),
            ("float", "FLOAT"),
            ("double", "FLOAT"),
            ("text", "VARCHAR"),
            ("varchar(16777216)", "VARCHAR"),
            ("TIMESTAMP_NTZ(9)", "TIMESTAMP_NTZ"),
            ("timestamp_ltz", "TIMESTAMP_LTZ"),
            ("TIMESTAMP_TZ(9)", "TIMESTAMP_TZ"),
            ("VARIANT", "VARIANT"),
            ("OBJECT", "OBJECT"),
            ("ARRAY", "ARRAY"),
            ("binary", "BINARY"),
            ("date", "DATE"),
            ("boolean", "BOOLEAN"),
        ] {
            assert_eq!(
                parse_type(written).shown_in(Dialect::Snowflake),
                shown,
                "{written}"
            );
        }
        // DuckDB's names stay DuckDB's.
        assert_eq!(parse_type("bigint").shown_in(Dialect::DuckDb), "BIGINT");
        assert_eq!(SqlType::Null.shown_in(Dialect::DuckDb), "INTEGER");
        assert_eq!(
            parse_type("varchar").shown_in(Dialect::Databricks),
            "STRING"
        );
    }

    #[test]
    fn bigquery_names_what_it_describes() {
        for (written, shown) in [
            ("INT64", "INT64"),
            ("integer", "INT64"),
            ("NUMERIC", "NUMERIC"),
            ("BIGNUMERIC", "BIGNUMERIC"),
            ("FLOAT64", "FLOAT64"),
            ("STRING", "STRING"),
            ("BYTES", "BYTES"),
            ("BOOL", "BOOL"),
            ("DATE", "DATE"),
            ("DATETIME", "DATETIME"),
            ("TIMESTAMP", "TIMESTAMP"),
            ("TIME", "TIME"),
            ("JSON", "JSON"),
            ("GEOGRAPHY", "GEOGRAPHY"),
            ("ARRAY<TIMESTAMP>", "ARRAY<TIMESTAMP>"),
            (
                "STRUCT<key STRING, value STRUCT<int_value INT64, string_value STRING>>",
                "STRUCT<key STRING, value STRUCT<int_value INT64, string_value STRING>>",
            ),
        ] {
            assert_eq!(
                crate::types::parse_type_in(written, Dialect::BigQuery).shown_in(Dialect::BigQuery),
                shown,
                "{written}"
            );
        }
    }
}
