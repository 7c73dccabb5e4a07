//! Promotion rules: the common type of CASE branches, COALESCE arguments and
//! set-operation columns, and the cost of an implicit cast for overloads.

use super::SqlType;

/// Rank of a numeric type in DuckDB's implicit widening order.
fn numeric_rank(t: &SqlType) -> Option<u8> {
    use SqlType::*;
    Some(match t {
        IntegerLiteral(_) => 0,
        UTinyInt => 1,
        TinyInt => 2,
        USmallInt => 3,
        SmallInt => 4,
        UInteger => 5,
        Integer => 6,
        UBigInt => 7,
        BigInt => 8,
        UHugeInt => 9,
        HugeInt => 10,
        Decimal(..) => 11,
        Numeric => 12,
        Float => 13,
        Double => 14,
        _ => return None,
    })
}

fn is_unsigned(t: &SqlType) -> bool {
    use SqlType::*;
    matches!(t, UTinyInt | USmallInt | UInteger | UBigInt | UHugeInt)
}

/// The smallest signed integer type holding both a signed and an unsigned one.
fn mixed_sign_integer(signed: &SqlType, unsigned: &SqlType) -> SqlType {
    use SqlType::*;
    let need = match unsigned {
        UTinyInt => SmallInt,
        USmallInt => Integer,
        UInteger => BigInt,
        UBigInt | UHugeInt => HugeInt,
        _ => BigInt,
    };
    if numeric_rank(signed) >= numeric_rank(&need) {
        signed.clone()
    } else {
        need
    }
}

fn integer_literal_fits(v: i128, t: &SqlType) -> bool {
    use SqlType::*;
    match t {
        TinyInt => i8::try_from(v).is_ok(),
        SmallInt => i16::try_from(v).is_ok(),
        Integer => i32::try_from(v).is_ok(),
        BigInt => i64::try_from(v).is_ok(),
        HugeInt => true,
        UTinyInt => u8::try_from(v).is_ok(),
        USmallInt => u16::try_from(v).is_ok(),
        UInteger => u32::try_from(v).is_ok(),
        UBigInt => u64::try_from(v).is_ok(),
        UHugeInt => v >= 0,
        _ => false,
    }
}

/// Decimal type wide enough for two operands (integers count as DECIMAL(w,0)).
fn decimal_supertype(a: &SqlType, b: &SqlType) -> SqlType {
    let (wa, sa) = a.decimal_width_scale().unwrap_or((18, 3));
    let (wb, sb) = b.decimal_width_scale().unwrap_or((18, 3));
    let scale = sa.max(sb);
    let width = (wa - sa).max(wb - sb) + scale;
    if width > 38 {
        SqlType::Double
    } else {
        SqlType::Decimal(width, scale)
    }
}

/// The type both sides convert to, as DuckDB's `MaxLogicalType`; `None` when
/// there is none (for example DATE and BOOLEAN).
pub fn common_supertype(a: &SqlType, b: &SqlType) -> Option<SqlType> {
    use SqlType::*;
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Unknown, _) | (_, Unknown) => return Some(Unknown),
        (Null, t) | (t, Null) => return Some(t.clone()),
        // A string literal takes the other side's type.
        (StringLiteral, t) | (t, StringLiteral) => return Some(t.clone()),
        (Boolean, t) | (t, Boolean) if t.is_integer() => return Some(t.clone().materialize()),
        (IntegerLiteral(x), IntegerLiteral(y)) => {
            return Some(IntegerLiteral(if x.unsigned_abs() > y.unsigned_abs() {
                *x
            } else {
                *y
            }))
        }
        (IntegerLiteral(v), t) | (t, IntegerLiteral(v)) if t.is_integer() => {
            return Some(if integer_literal_fits(*v, t) {
                t.clone()
            } else {
                common_supertype(&super::integer_type_for(*v), t)?
            })
        }
        _ => {}
    }
    if let (Some(ra), Some(rb)) = (numeric_rank(a), numeric_rank(b)) {
        let (lo, hi) = if ra <= rb { (a, b) } else { (b, a) };
        return Some(match hi {
            Float | Double => {
                if matches!(hi, Float) && matches!(lo, Decimal(..) | Numeric) {
                    Float
                } else {
                    hi.clone()
                }
            }
            Decimal(..) => decimal_supertype(lo, hi),
            _ if is_unsigned(hi) != is_unsigned(lo) => {
                let (signed, unsigned) = if is_unsigned(hi) { (lo, hi) } else { (hi, lo) };
                mixed_sign_integer(signed, unsigned)
            }
            _ => hi.clone(),
        });
    }
    let temporal_rank = |t: &SqlType| match t {
        Date => Some(1),
        TimestampSec => Some(2),
        TimestampMs => Some(3),
        Timestamp => Some(4),
        TimestampNs => Some(5),
        TimestampTz | TimestampTzOffset => Some(6),
        _ => None,
    };
    if let (Some(ra), Some(rb)) = (temporal_rank(a), temporal_rank(b)) {
        return Some(if ra >= rb { a.clone() } else { b.clone() });
    }
    match (a, b) {
        (Varchar, _) | (_, Varchar) => Some(Varchar),
        (Json, _) | (_, Json) => Some(Json),
        (List(x), List(y)) => Some(List(Box::new(common_supertype(x, y)?))),
        (Array(x, n), Array(y, m)) if n == m => Some(Array(Box::new(common_supertype(x, y)?), *n)),
        (Array(x, _), List(y)) | (List(y), Array(x, _)) => {
            Some(List(Box::new(common_supertype(x, y)?)))
        }
        (Map(k1, v1), Map(k2, v2)) => Some(Map(
            Box::new(common_supertype(k1, k2)?),
            Box::new(common_supertype(v1, v2)?),
        )),
        (Struct(f1), Struct(f2)) if f1.len() == f2.len() => {
            let mut fields = Vec::with_capacity(f1.len());
            for ((n1, t1), (_, t2)) in f1.iter().zip(f2) {
                fields.push((n1.clone(), common_supertype(t1, t2)?));
            }
            Some(Struct(fields))
        }
        (Named(_), _) | (_, Named(_)) => Some(Unknown),
        _ => None,
    }
}

/// DuckDB's preference among cast targets (`TargetTypeCost`): lower wins.
fn target_cost(to: &SqlType) -> u32 {
    use SqlType::*;
    match to {
        Integer => 103,
        BigInt => 101,
        Double => 102,
        HugeInt => 120,
        Timestamp => 120,
        TimestampTz => 121,
        Varchar => 149,
        Decimal(..) | Numeric => 104,
        List(_) | Array(..) | Struct(_) | Map(..) | Union(_) => 160,
        _ => 110,
    }
}

/// Whether DuckDB widens numeric `from` to `to` implicitly.
fn numeric_widens(from: &SqlType, to: &SqlType) -> bool {
    use SqlType::*;
    let targets: &[&str] = match from {
        TinyInt => &[
            "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
        ],
        UTinyInt => &[
            "USMALLINT",
            "UINTEGER",
            "UBIGINT",
            "UHUGEINT",
            "SMALLINT",
            "INTEGER",
            "BIGINT",
            "HUGEINT",
            "FLOAT",
            "DOUBLE",
            "DECIMAL",
        ],
        SmallInt => &["INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL"],
        USmallInt => &[
            "UINTEGER", "UBIGINT", "UHUGEINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE",
            "DECIMAL",
        ],
        Integer => &["BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL"],
        UInteger => &[
            "UBIGINT", "UHUGEINT", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL",
        ],
        BigInt => &["HUGEINT", "FLOAT", "DOUBLE", "DECIMAL"],
        UBigInt => &["UHUGEINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL"],
        HugeInt => &["FLOAT", "DOUBLE", "DECIMAL"],
        UHugeInt => &["DECIMAL"],
        Float => &["DOUBLE"],
        Decimal(..) | Numeric => &["FLOAT", "DOUBLE"],
        _ => &[],
    };
    let name = match to {
        Decimal(..) | Numeric => "DECIMAL".to_string(),
        other => other.to_string(),
    };
    targets.contains(&name.as_str())
}

/// How costly converting `from` into a parameter of type `to` is, `None` when
/// DuckDB would not do it implicitly. Lower is better; 0 is exact.
pub fn implicit_cast_cost(from: &SqlType, to: &SqlType) -> Option<u32> {
    use SqlType::*;
    if from == to {
        return Some(0);
    }
    match (from, to) {
        (Unknown, _) | (Null, _) => Some(1),
        (StringLiteral, Varchar) => Some(0),
        (StringLiteral, t) => Some(target_cost(t) + 1),
        (IntegerLiteral(v), t) => {
            let natural = super::integer_type_for(*v);
            if natural == *to {
                Some(0)
            } else if t.is_integer() {
                integer_literal_fits(*v, t).then(|| target_cost(t))
            } else {
                implicit_cast_cost(&natural, t)
            }
        }
        (Decimal(..) | Numeric, Decimal(..) | Numeric) => Some(1),
        (List(a) | Array(a, _), List(b)) => implicit_cast_cost(a, b).map(|c| c + 1),
        (Date, Timestamp | TimestampTz) | (Timestamp, TimestampTz) => Some(target_cost(to)),
        // DuckDB's functions take Snowflake's TIMESTAMP_TZ as their TIMESTAMPTZ.
        (TimestampTzOffset, TimestampTz) => Some(1),
        (TimestampSec | TimestampMs | TimestampNs, Timestamp) => Some(target_cost(to)),
        (Json, Varchar) | (Varchar, Json) => Some(target_cost(to)),
        (Named(_), _) => Some(50),
        (f, t) if numeric_widens(f, t) => Some(target_cost(t)),
        _ => None,
    }
}
