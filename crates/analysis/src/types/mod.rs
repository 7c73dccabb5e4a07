//! The type model: SQL types as the engine names them, parsing of type names
//! (including dialect aliases) and the promotion rules used by inference.

mod engine_names;
mod parse;
mod promote;
pub mod spark;

pub use parse::{parse_type, parse_type_in};
pub use promote::{common_supertype, implicit_cast_cost};

use std::fmt;

/// A SQL type, displayed exactly as DuckDB's `DESCRIBE` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SqlType {
    Boolean,
    TinyInt,
    SmallInt,
    Integer,
    BigInt,
    HugeInt,
    UTinyInt,
    USmallInt,
    UInteger,
    UBigInt,
    UHugeInt,
    Float,
    Double,
    Decimal(u8, u8),
    /// A decimal of any precision and scale: Postgres's NUMERIC with no
    /// precision, what its arithmetic and functions on decimals give.
    Numeric,
    Varchar,
    Blob,
    Bit,
    Date,
    Time,
    TimeTz,
    Timestamp,
    TimestampTz,
    /// Snowflake's TIMESTAMP_TZ: an instant that keeps the offset it was
    /// written with (its TIMESTAMP_LTZ is `TimestampTz`). Elsewhere it reads
    /// as TIMESTAMP WITH TIME ZONE.
    TimestampTzOffset,
    TimestampSec,
    TimestampMs,
    TimestampNs,
    Interval,
    Uuid,
    Json,
    List(Box<SqlType>),
    Array(Box<SqlType>, u32),
    Struct(Vec<(String, SqlType)>),
    Map(Box<SqlType>, Box<SqlType>),
    Union(Vec<(String, SqlType)>),
    /// The type of a bare `NULL` literal: converts to anything.
    Null,
    /// A string literal: VARCHAR that converts to whatever it meets.
    StringLiteral,
    /// An integer literal: behaves as the smallest integer type that holds it
    /// and converts to decimals and floats without widening them.
    IntegerLiteral(i128),
    /// A type name the model does not know, kept verbatim.
    Named(String),
    /// Not known (gradual typing): never the cause of an error.
    Unknown,
}

impl SqlType {
    pub fn is_unknown(&self) -> bool {
        matches!(self, SqlType::Unknown)
    }

    /// The concrete type a value of this type has once it is materialised
    /// (`NULL` becomes `INTEGER`, literals their natural integer type).
    pub fn materialize(self) -> SqlType {
        match self {
            SqlType::Null => SqlType::Integer,
            SqlType::StringLiteral => SqlType::Varchar,
            SqlType::IntegerLiteral(v) => integer_type_for(v),
            SqlType::List(t) => SqlType::List(Box::new(t.materialize())),
            SqlType::Array(t, n) => SqlType::Array(Box::new(t.materialize()), n),
            SqlType::Struct(fields) => SqlType::Struct(
                fields
                    .into_iter()
                    .map(|(n, t)| (n, t.materialize()))
                    .collect(),
            ),
            SqlType::Map(k, v) => {
                SqlType::Map(Box::new(k.materialize()), Box::new(v.materialize()))
            }
            other => other,
        }
    }

    pub fn is_integer(&self) -> bool {
        use SqlType::*;
        matches!(
            self,
            TinyInt
                | SmallInt
                | Integer
                | BigInt
                | HugeInt
                | UTinyInt
                | USmallInt
                | UInteger
                | UBigInt
                | UHugeInt
                | IntegerLiteral(_)
        )
    }

    pub fn is_numeric(&self) -> bool {
        self.is_integer()
            || matches!(
                self,
                SqlType::Float | SqlType::Double | SqlType::Decimal(..) | SqlType::Numeric
            )
    }

    pub fn is_temporal(&self) -> bool {
        use SqlType::*;
        matches!(
            self,
            Date | Time
                | TimeTz
                | Timestamp
                | TimestampTz
                | TimestampTzOffset
                | TimestampSec
                | TimestampMs
                | TimestampNs
        )
    }

    pub fn is_string(&self) -> bool {
        matches!(self, SqlType::Varchar | SqlType::StringLiteral)
    }

    /// Width and scale of a type when it takes part in decimal arithmetic.
    pub fn decimal_width_scale(&self) -> Option<(u8, u8)> {
        use SqlType::*;
        Some(match self {
            Decimal(w, s) => (*w, *s),
            TinyInt | UTinyInt => (3, 0),
            SmallInt | USmallInt => (5, 0),
            Integer | UInteger => (10, 0),
            BigInt => (19, 0),
            UBigInt => (20, 0),
            HugeInt | UHugeInt => (38, 0),
            // Literals take part with the width of their natural integer type.
            IntegerLiteral(v) => return integer_type_for(*v).decimal_width_scale(),
            _ => return None,
        })
    }

    /// The element type of a list or array.
    pub fn element(&self) -> Option<&SqlType> {
        match self {
            SqlType::List(t) | SqlType::Array(t, _) => Some(t),
            _ => None,
        }
    }
}

pub(crate) fn integer_type_for(v: i128) -> SqlType {
    if i32::try_from(v).is_ok() {
        SqlType::Integer
    } else if i64::try_from(v).is_ok() {
        SqlType::BigInt
    } else {
        SqlType::HugeInt
    }
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SqlType::*;
        match self {
            Boolean => f.write_str("BOOLEAN"),
            TinyInt => f.write_str("TINYINT"),
            SmallInt => f.write_str("SMALLINT"),
            Integer => f.write_str("INTEGER"),
            BigInt => f.write_str("BIGINT"),
            HugeInt => f.write_str("HUGEINT"),
            UTinyInt => f.write_str("UTINYINT"),
            USmallInt => f.write_str("USMALLINT"),
            UInteger => f.write_str("UINTEGER"),
            UBigInt => f.write_str("UBIGINT"),
            UHugeInt => f.write_str("UHUGEINT"),
            Float => f.write_str("FLOAT"),
            Double => f.write_str("DOUBLE"),
            Decimal(w, s) => write!(f, "DECIMAL({w},{s})"),
            Numeric => f.write_str("NUMERIC"),
            Varchar | StringLiteral => f.write_str("VARCHAR"),
            Blob => f.write_str("BLOB"),
            Bit => f.write_str("BIT"),
            Date => f.write_str("DATE"),
            Time => f.write_str("TIME"),
            TimeTz => f.write_str("TIME WITH TIME ZONE"),
            Timestamp => f.write_str("TIMESTAMP"),
            TimestampTz | TimestampTzOffset => f.write_str("TIMESTAMP WITH TIME ZONE"),
            TimestampSec => f.write_str("TIMESTAMP_S"),
            TimestampMs => f.write_str("TIMESTAMP_MS"),
            TimestampNs => f.write_str("TIMESTAMP_NS"),
            Interval => f.write_str("INTERVAL"),
            Uuid => f.write_str("UUID"),
            Json => f.write_str("JSON"),
            List(t) => write!(f, "{t}[]"),
            Array(t, n) => write!(f, "{t}[{n}]"),
            Struct(fields) => {
                f.write_str("STRUCT(")?;
                write_fields(f, fields)?;
                f.write_str(")")
            }
            Union(fields) => {
                f.write_str("UNION(")?;
                write_fields(f, fields)?;
                f.write_str(")")
            }
            Map(k, v) => write!(f, "MAP({k}, {v})"),
            Null => f.write_str("\"NULL\""),
            IntegerLiteral(v) => write!(f, "{}", integer_type_for(*v)),
            Named(n) => f.write_str(n),
            Unknown => f.write_str("UNKNOWN"),
        }
    }
}

fn write_fields(f: &mut fmt::Formatter<'_>, fields: &[(String, SqlType)]) -> fmt::Result {
    for (i, (name, ty)) in fields.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        if name.is_empty() {
            write!(f, "{ty}")?;
        } else if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && !is_keyword(name)
        {
            write!(f, "{name} {ty}")?;
        } else {
            write!(f, "\"{}\" {ty}", name.replace('"', "\"\""))?;
        }
    }
    Ok(())
}

/// DuckDB quotes struct field names that are keywords.
fn is_keyword(name: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static KEYWORDS: OnceLock<HashSet<String>> = OnceLock::new();
    KEYWORDS
        .get_or_init(|| {
            include_str!("../catalog/duckdb_keywords.txt")
                .lines()
                .filter_map(|l| l.split('\t').next())
                .map(|k| k.to_ascii_lowercase())
                .collect()
        })
        .contains(&name.to_ascii_lowercase())
}
