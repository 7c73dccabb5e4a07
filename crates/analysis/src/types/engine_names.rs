//! Types as each engine names them. Inference works in DuckDB's type model;
//! a Snowflake or Spark project sees its columns in its engine's names.

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
        Float | Double => "FLOAT".into(),
        Varchar | StringLiteral | Uuid => "VARCHAR".into(),
        Blob | Bit => "BINARY".into(),
        Time | TimeTz => "TIME".into(),
        Timestamp | TimestampSec | TimestampMs | TimestampNs => "TIMESTAMP_NTZ".into(),
        TimestampTz => "TIMESTAMP_LTZ".into(),
        Json | Union(_) => "VARIANT".into(),
        List(_) | Array(..) => "ARRAY".into(),
        Struct(_) | Map(..) => "OBJECT".into(),
        Boolean | Date | Interval | Null | Named(_) | Unknown => ty.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::parse_type;

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
}
