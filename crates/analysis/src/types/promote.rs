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
        Float => 12,
        Double => 13,
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
        (IntegerLiteral(x), IntegerLiteral(y)) => {
            return Some(IntegerLiteral(if x.unsigned_abs() > y.unsigned_abs() { *x } else { *y }))
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
                if matches!(hi, Float) && matches!(lo, Decimal(..)) {
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
        TimestampTz => Some(6),
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

/// How costly converting `from` into a parameter of type `to` is, `None` when
/// DuckDB would not do it implicitly. Lower is better; 0 is exact.
pub fn implicit_cast_cost(from: &SqlType, to: &SqlType) -> Option<u32> {
    use SqlType::*;
    if from == to {
        return Some(0);
    }
    match (from, to) {
        (Unknown, _) | (Null, _) => return Some(1),
        (_, Named(n)) if n == "ANY" || n == "T" || n == "K" || n == "V" => return Some(50),
        (Decimal(..), Decimal(..)) => return Some(1),
        (IntegerLiteral(v), t) if t.is_integer() => {
            return integer_literal_fits(*v, t)
                .then(|| 1 + numeric_rank(t).unwrap_or(0) as u32)
        }
        (List(a), List(b)) => return implicit_cast_cost(a, b).map(|c| c + 1),
        (Array(a, _), List(b)) => return implicit_cast_cost(a, b).map(|c| c + 2),
        (Varchar, t) if !matches!(t, Blob) => return None,
        _ => {}
    }
    if let (Some(rf), Some(rt)) = (numeric_rank(from), numeric_rank(to)) {
        if rt < rf || (from.is_integer() && is_unsigned(to) && !is_unsigned(from)) {
            return None;
        }
        return Some(10 + (rt - rf) as u32);
    }
    match (from, to) {
        (Date, Timestamp | TimestampTz) => Some(20),
        (Timestamp, TimestampTz) => Some(21),
        (TimestampSec | TimestampMs | TimestampNs, Timestamp) => Some(5),
        (_, Varchar) => None,
        _ => None,
    }
}
