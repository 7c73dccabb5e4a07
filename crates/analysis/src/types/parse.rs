//! Parsing type names as written in SQL, YAML or engine catalogs, with the
//! aliases DuckDB (and Spark/Snowflake spellings it accepts) resolve.

use super::SqlType;

/// Parses a type name; unknown names are kept as `SqlType::Named`.
pub fn parse_type(text: &str) -> SqlType {
    parse_with(text, false)
}

fn parse_with(text: &str, bigquery: bool) -> SqlType {
    let mut p = TypeParser {
        s: text.trim(),
        pos: 0,
        bigquery,
    };
    let ty = p.parse();
    if p.rest().trim().is_empty() {
        ty
    } else {
        SqlType::Named(text.trim().to_uppercase())
    }
}

/// Parses a type name as the engine of `dialect` reads it where engines
/// differ: a bare `NUMBER`/`DECIMAL` is NUMBER(38,0) on Snowflake,
/// NUMERIC(38,9) on BigQuery, DECIMAL(10,0) on Spark, NUMERIC of any
/// precision on Postgres, DECIMAL(18,0) on Redshift and DECIMAL(18,3) on
/// DuckDB; BigQuery's TIMESTAMP is an instant (DuckDB's TIMESTAMPTZ);
/// Snowflake's FLOAT is a double.
pub fn parse_type_in(text: &str, dialect: crate::syntax::Dialect) -> SqlType {
    use crate::syntax::Dialect;
    let bare = text.trim().to_ascii_uppercase();
    let bare_decimal = matches!(bare.as_str(), "NUMBER" | "DECIMAL" | "NUMERIC" | "DEC");
    match dialect {
        Dialect::Databricks | Dialect::Hive => super::spark::cast_target(text),
        Dialect::Snowflake if bare_decimal => SqlType::Decimal(38, 0),
        Dialect::Postgres if bare_decimal => SqlType::Numeric,
        Dialect::Redshift if bare_decimal => SqlType::Decimal(18, 0),
        // FLOAT is FLOAT8 there, FLOAT(P) a REAL only up to 24 bits.
        Dialect::Postgres | Dialect::Redshift => match parse_type(text) {
            SqlType::Float if float_is_double(&bare) => SqlType::Double,
            other => other,
        },
        Dialect::Snowflake => match parse_type(text) {
            // FLOAT, FLOAT4, REAL: all of Snowflake's floats are doubles.
            SqlType::Float => SqlType::Double,
            other => other,
        },
        Dialect::BigQuery => parse_with(text, true),
        _ => parse_type(text),
    }
}

/// Whether Postgres's `FLOAT` or `FLOAT(P)`, as written (in capitals), is
/// its DOUBLE PRECISION.
fn float_is_double(written: &str) -> bool {
    let Some(rest) = written.strip_prefix("FLOAT") else {
        return false;
    };
    let bits = rest
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    bits.is_empty() || bits.parse::<u32>().is_ok_and(|p| p > 24)
}

struct TypeParser<'a> {
    s: &'a str,
    pos: usize,
    /// BigQuery's names: TIMESTAMP is an instant, a bare NUMERIC has 9
    /// fraction digits, BIGNUMERIC exists.
    bigquery: bool,
}

impl<'a> TypeParser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn skip_ws(&mut self) {
        while self.rest().starts_with(char::is_whitespace) {
            self.pos += self.rest().chars().next().map_or(0, char::len_utf8);
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> String {
        self.skip_ws();
        let rest = self.rest();
        if let Some(stripped) = rest.strip_prefix('"') {
            let end = stripped.find('"').unwrap_or(stripped.len());
            self.pos += end + 2.min(rest.len() - end);
            return stripped[..end].to_string();
        }
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        self.pos += len;
        rest[..len].to_string()
    }

    fn number(&mut self) -> Option<u32> {
        self.skip_ws();
        let rest = self.rest();
        let len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        self.pos += len;
        rest[..len].parse().ok()
    }

    /// Consumes a following word if it matches (case-insensitively).
    fn eat_word(&mut self, w: &str) -> bool {
        let save = self.pos;
        if self.word().eq_ignore_ascii_case(w) {
            true
        } else {
            self.pos = save;
            false
        }
    }

    fn parse(&mut self) -> SqlType {
        let mut ty = self.parse_base();
        // Postfix list / array markers.
        loop {
            self.skip_ws();
            if self.rest().starts_with('[') {
                self.pos += 1;
                let n = self.number();
                if !self.eat(']') {
                    return SqlType::Named(self.s.to_uppercase());
                }
                ty = match n {
                    Some(n) => SqlType::Array(Box::new(ty), n),
                    None => SqlType::List(Box::new(ty)),
                };
            } else {
                return ty;
            }
        }
    }

    fn parse_base(&mut self) -> SqlType {
        let name = self.word().to_ascii_uppercase();
        use SqlType::*;
        match name.as_str() {
            "BOOLEAN" | "BOOL" | "LOGICAL" => Boolean,
            "TINYINT" | "INT1" | "BYTE" => TinyInt,
            "SMALLINT" | "INT2" | "SHORT" => SmallInt,
            "INTEGER" | "INT" | "INT4" | "SIGNED" | "MEDIUMINT" => {
                self.skip_params();
                Integer
            }
            "BIGINT" | "INT8" | "LONG" | "INT64" => BigInt,
            "HUGEINT" | "INT128" => HugeInt,
            "UTINYINT" | "UINT8" => UTinyInt,
            "USMALLINT" | "UINT16" => USmallInt,
            "UINTEGER" | "UINT32" => UInteger,
            "UBIGINT" | "UINT64" => UBigInt,
            "UHUGEINT" | "UINT128" => UHugeInt,
            "FLOAT" | "FLOAT4" | "REAL" => {
                self.skip_params();
                Float
            }
            "DOUBLE" => {
                self.eat_word("PRECISION");
                Double
            }
            "FLOAT8" | "FLOAT64" => Double,
            "TIMESTAMP" if self.bigquery => TimestampTz,
            "DECIMAL" | "NUMERIC"
                if self.bigquery && !self.rest().trim_start().starts_with('(') =>
            {
                Decimal(38, 9)
            }
            // Wider than Loupe's decimals: one type, whatever its parameters.
            "BIGNUMERIC" | "BIGDECIMAL" if self.bigquery => {
                self.skip_params();
                Decimal(38, 38)
            }
            "DECIMAL" | "NUMERIC" | "DEC" | "NUMBER" => {
                if self.eat('(') {
                    let w = self.number().unwrap_or(18);
                    let s = if self.eat(',') {
                        self.number().unwrap_or(0)
                    } else {
                        0
                    };
                    self.eat(')');
                    Decimal(w.min(38) as u8, s.min(38) as u8)
                } else {
                    Decimal(18, 3)
                }
            }
            "VARCHAR" | "TEXT" | "STRING" | "CHAR" | "BPCHAR" | "NVARCHAR" | "CHARACTER" => {
                self.eat_word("VARYING");
                self.skip_params();
                Varchar
            }
            "BLOB" | "BYTEA" | "BINARY" | "VARBINARY" | "BYTES" => Blob,
            "BIT" | "BITSTRING" => Bit,
            "DATE" => Date,
            "TIME" => {
                self.skip_params();
                if self.with_time_zone() {
                    TimeTz
                } else {
                    Time
                }
            }
            "TIMETZ" => TimeTz,
            "TIMESTAMP" | "DATETIME" => {
                self.skip_params();
                if self.with_time_zone() {
                    TimestampTz
                } else {
                    Timestamp
                }
            }
            // Snowflake's forms carry a precision: TIMESTAMP_NTZ(9).
            "TIMESTAMPTZ" | "TIMESTAMP_LTZ" => {
                self.skip_params();
                TimestampTz
            }
            "TIMESTAMP_TZ" => {
                self.skip_params();
                TimestampTzOffset
            }
            "TIMESTAMP_NTZ" => {
                self.skip_params();
                Timestamp
            }
            "TIMESTAMP_S" => TimestampSec,
            "TIMESTAMP_MS" => TimestampMs,
            "TIMESTAMP_NS" => TimestampNs,
            "TIMESTAMP_US" => Timestamp,
            "INTERVAL" => Interval,
            "UUID" => Uuid,
            "JSON" => Json,
            "NULL" | "SQLNULL" => Null,
            "LIST" => {
                if self.eat('(') {
                    let inner = self.parse();
                    self.eat(')');
                    List(Box::new(inner))
                } else {
                    Named(name)
                }
            }
            "ARRAY" => {
                // Spark/BigQuery style ARRAY<T>.
                if self.eat('<') {
                    let inner = self.parse();
                    self.eat('>');
                    List(Box::new(inner))
                } else {
                    Named(name)
                }
            }
            "STRUCT" | "ROW" | "UNION" => {
                let (open, close) = if self.eat('(') {
                    ('(', ')')
                } else if self.eat('<') {
                    ('<', '>')
                } else {
                    return Named(name);
                };
                let _ = open;
                let mut fields = Vec::new();
                loop {
                    if self.eat(close) {
                        break;
                    }
                    let field = self.word();
                    self.eat(':');
                    let ty = self.parse();
                    fields.push((field, ty));
                    if !self.eat(',') {
                        self.eat(close);
                        break;
                    }
                }
                if name == "UNION" {
                    Union(fields)
                } else {
                    Struct(fields)
                }
            }
            "MAP" => {
                let close = if self.eat('(') {
                    ')'
                } else if self.eat('<') {
                    '>'
                } else {
                    return Named(name);
                };
                let k = self.parse();
                self.eat(',');
                let v = self.parse();
                self.eat(close);
                Map(Box::new(k), Box::new(v))
            }
            "" => Named(String::new()),
            _ => {
                self.skip_params();
                Named(name)
            }
        }
    }

    fn with_time_zone(&mut self) -> bool {
        let save = self.pos;
        if self.eat_word("WITH") && self.eat_word("TIME") && self.eat_word("ZONE") {
            return true;
        }
        self.pos = save;
        if self.eat_word("WITHOUT") && self.eat_word("TIME") && self.eat_word("ZONE") {
            return false;
        }
        self.pos = save;
        false
    }

    fn skip_params(&mut self) {
        let save = self.pos;
        if self.eat('(') {
            match self.rest().find(')') {
                Some(end) => self.pos += end + 1,
                None => self.pos = save,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_engine_spellings() {
        for (text, shown) in [
            ("DECIMAL(15,2)", "DECIMAL(15,2)"),
            ("numeric", "DECIMAL(18,3)"),
            ("timestamp with time zone", "TIMESTAMP WITH TIME ZONE"),
            ("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"),
            ("int[]", "INTEGER[]"),
            (
                "STRUCT(a INTEGER, b VARCHAR)",
                "STRUCT(a INTEGER, b VARCHAR)",
            ),
            ("MAP(VARCHAR, INTEGER)", "MAP(VARCHAR, INTEGER)"),
            ("varchar(10)", "VARCHAR"),
            ("array<string>", "VARCHAR[]"),
            ("double precision", "DOUBLE"),
            ("INTEGER[3]", "INTEGER[3]"),
            ("TIMESTAMP_NTZ(9)", "TIMESTAMP"),
            ("timestamp_ltz", "TIMESTAMP WITH TIME ZONE"),
            ("TIMESTAMP_TZ(3)", "TIMESTAMP WITH TIME ZONE"),
            ("NUMBER(38,0)", "DECIMAL(38,0)"),
        ] {
            assert_eq!(parse_type(text).to_string(), shown, "{text}");
        }
    }

    #[test]
    fn a_bare_decimal_takes_each_engines_default() {
        use crate::syntax::Dialect;
        for (dialect, text, shown) in [
            (Dialect::DuckDb, "number", "DECIMAL(18,3)"),
            (Dialect::Snowflake, "number", "NUMBER(38,0)"),
            (Dialect::Snowflake, " NUMERIC ", "NUMBER(38,0)"),
            (Dialect::Snowflake, "number(10)", "NUMBER(10,0)"),
            (Dialect::Snowflake, "number(12,2)", "NUMBER(12,2)"),
            (Dialect::Databricks, "decimal", "DECIMAL(10,0)"),
        ] {
            assert_eq!(
                parse_type_in(text, dialect).shown_in(dialect),
                shown,
                "{text} in {dialect:?}"
            );
        }
    }

    #[test]
    fn bigquery_types_read_into_the_model() {
        use crate::syntax::Dialect;
        for (text, model) in [
            ("numeric", "DECIMAL(38,9)"),
            ("NUMERIC(10, 2)", "DECIMAL(10,2)"),
            ("bignumeric", "DECIMAL(38,38)"),
            ("BIGNUMERIC(50, 2)", "DECIMAL(38,38)"),
            ("int64", "BIGINT"),
            ("float64", "DOUBLE"),
            ("timestamp", "TIMESTAMP WITH TIME ZONE"),
            ("array<timestamp>", "TIMESTAMP WITH TIME ZONE[]"),
            (
                "struct<timestamp timestamp, n numeric>",
                "STRUCT(\"timestamp\" TIMESTAMP WITH TIME ZONE, n DECIMAL(38,9))",
            ),
            ("datetime", "TIMESTAMP"),
        ] {
            assert_eq!(
                parse_type_in(text, Dialect::BigQuery).to_string(),
                model,
                "{text}"
            );
        }
    }
}
