//! Calls and operators typed as Spark SQL types them: the engine's catalog
//! (`catalog::SparkCatalog`, generated from Spark's analyzer) for every
//! result that follows the arguments' types, and the few results that follow
//! an argument's value, which no catalog of types can hold: `round(d, 2)`,
//! `ceil(x, 1)`, `named_struct('a', x)`, `struct(a, b)`, `from_json(s, 'a INT')`,
//! `date_part('SECOND', t)`, `to_number(s, '999.99')`.

use sqlparser::ast::{Expr, Value};

use super::query::Analyzer;
use crate::catalog::SparkCatalog;
use crate::types::spark::{parse_spark_type, value_type, wider_type};
use crate::types::SqlType;

/// A call's argument: its type and, when written as a literal or a column,
/// what the value-dependent rules read.
pub(crate) struct SparkArg<'e> {
    pub ty: SqlType,
    pub expr: Option<&'e Expr>,
}

impl SparkArg<'_> {
    fn text(&self) -> Option<&str> {
        match self.expr? {
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }

    fn integer(&self) -> Option<i128> {
        match (&self.ty, self.expr) {
            (SqlType::IntegerLiteral(v), _) => Some(*v),
            _ => None,
        }
    }
}

impl Analyzer<'_> {
    /// The type of `name(args)` in Spark SQL (`Unknown` when neither the
    /// catalog nor a rule of value says).
    pub(crate) fn spark_call_type(&self, name: &str, args: &[SparkArg]) -> SqlType {
        let types: Vec<SqlType> = args.iter().map(|a| a.ty.clone()).collect();
        if let Some(ty) = value_dependent(name, args) {
            return ty;
        }
        SparkCatalog::get()
            .result_type(name, &types)
            .unwrap_or(SqlType::Unknown)
    }

    /// `l OP r` in Spark SQL, by the catalog's rules for the operator.
    pub(crate) fn spark_operator_type(&self, symbol: &str, l: &SqlType, r: &SqlType) -> SqlType {
        SparkCatalog::get()
            .result_type(symbol, &[l.clone(), r.clone()])
            .or_else(|| crate::types::spark::decimal_arithmetic(symbol, l, r))
            .unwrap_or(SqlType::Unknown)
    }
}

/// Spark's common type of CASE branches, array elements, map keys.
pub(crate) fn spark_unify(acc: Option<SqlType>, t: SqlType) -> SqlType {
    match acc {
        None => value_type(&t),
        Some(a) => wider_type(&a, &t).unwrap_or(SqlType::Unknown),
    }
}

/// The precision and scale Spark gives a number turned decimal
/// (`DecimalType.forType`): integers by their digits, FLOAT (14,7), DOUBLE (30,15).
fn decimal_for(ty: &SqlType) -> Option<(i64, i64)> {
    use SqlType::*;
    Some(match value_type(ty) {
        Decimal(p, s) => (i64::from(p), i64::from(s)),
        TinyInt => (3, 0),
        SmallInt | UTinyInt => (5, 0),
        Integer | USmallInt => (10, 0),
        BigInt | UInteger => (20, 0),
        HugeInt | UBigInt | UHugeInt => (38, 0),
        Float => (14, 7),
        Double => (30, 15),
        _ => return None,
    })
}

fn bounded(p: i64, s: i64) -> SqlType {
    SqlType::Decimal(p.clamp(1, 38) as u8, s.clamp(0, 38) as u8)
}

fn value_dependent(name: &str, args: &[SparkArg]) -> Option<SqlType> {
    let first = args.first().map(|a| value_type(&a.ty));
    match (name, args) {
        // `round(x, d)`: a decimal keeps d digits of scale; other numbers keep their type.
        ("round" | "bround", [x, d]) => match first? {
            SqlType::Decimal(p, s) => {
                let digits = d.integer()?;
                let (p, s) = (i128::from(p), i128::from(s));
                if digits >= s {
                    return Some(SqlType::Decimal(p as u8, s as u8));
                }
                let scale = digits.max(0);
                Some(bounded((p - s + scale + 1) as i64, scale as i64))
            }
            SqlType::Unknown => None,
            _ => SparkCatalog::get().result_type(name, std::slice::from_ref(&x.ty)),
        },
        // `ceil(x, d)`: a decimal of the integer digits and up to d of scale.
        ("ceil" | "ceiling" | "floor", [x, d]) => {
            let (p, s) = decimal_for(&x.ty)?;
            let digits = i64::try_from(d.integer()?).ok()?;
            let scale = digits.clamp(0, s);
            Some(bounded(p - s + 1 + scale, scale))
        }
        ("named_struct", _) if args.len().is_multiple_of(2) => Some(SqlType::Struct(
            args.chunks(2)
                .map(|pair| Some((pair[0].text()?.to_string(), value_type(&pair[1].ty))))
                .collect::<Option<Vec<_>>>()?,
        )),
        // `struct(a, b)`: fields named after their columns, `col2` otherwise.
        ("struct", _) => Some(SqlType::Struct(
            args.iter()
                .enumerate()
                .map(|(i, a)| {
                    let name = a
                        .expr
                        .and_then(field_name)
                        .unwrap_or(format!("col{}", i + 1));
                    (name, value_type(&a.ty))
                })
                .collect(),
        )),
        // `arrays_zip(a, b)`: an array of structs of the elements, named
        // after the columns, by position otherwise.
        ("arrays_zip", _) if !args.is_empty() => Some(SqlType::List(Box::new(SqlType::Struct(
            args.iter()
                .enumerate()
                .map(|(i, a)| {
                    let name = a.expr.and_then(field_name).unwrap_or(i.to_string());
                    match value_type(&a.ty) {
                        SqlType::List(t) | SqlType::Array(t, _) => Some((name, *t)),
                        _ => None,
                    }
                })
                .collect::<Option<Vec<_>>>()?,
        )))),
        // `map_from_entries(array(struct(k, v)))`: a map of the structs' two fields.
        ("map_from_entries", [entries]) => match value_type(&entries.ty) {
            SqlType::List(t) | SqlType::Array(t, _) => match *t {
                SqlType::Struct(fields) if fields.len() == 2 => {
                    let mut fields = fields.into_iter().map(|(_, t)| t);
                    Some(SqlType::Map(
                        Box::new(fields.next()?),
                        Box::new(fields.next()?),
                    ))
                }
                _ => None,
            },
            _ => None,
        },
        // The three-argument forms, a unit first (`dateadd(DAY, 1, d)`):
        // a timestamp whatever the unit, and a count of units.
        ("dateadd" | "date_add" | "timestampadd", [_, _, _]) => Some(SqlType::Timestamp),
        ("datediff" | "date_diff" | "timestampdiff", [_, _, _]) => Some(SqlType::BigInt),
        // `sequence(start, stop, interval)`: an array of the start's type.
        ("sequence", [start, _, step]) if step.ty == SqlType::Interval => {
            match value_type(&start.ty) {
                t @ (SqlType::Date | SqlType::Timestamp) => Some(SqlType::List(Box::new(t))),
                _ => None,
            }
        }
        // Time windows: `start` and `end` of the time's kind (a date's are
        // timestamps); `window_time(w)` is a window's last instant.
        ("window" | "session_window", [time, ..]) => {
            let instant = match value_type(&time.ty) {
                ntz @ SqlType::Named(_) if is_timestamp_ntz(&ntz) => ntz,
                _ => SqlType::Timestamp,
            };
            Some(SqlType::Struct(vec![
                ("start".into(), instant.clone()),
                ("end".into(), instant),
            ]))
        }
        ("window_time", [w]) => match value_type(&w.ty) {
            SqlType::Struct(fields) => fields.into_iter().find(|(n, _)| n == "end").map(|(_, t)| t),
            _ => None,
        },
        // `histogram_numeric(x, bins)`: the bins' centres (of x's type) and heights.
        ("histogram_numeric", [x, _]) => match value_type(&x.ty) {
            SqlType::Unknown => None,
            centre => Some(SqlType::List(Box::new(SqlType::Struct(vec![
                ("x".into(), centre),
                ("y".into(), SqlType::Double),
            ])))),
        },
        // `variant_get(v, '$.a', 'int')`: the type named last.
        ("variant_get" | "try_variant_get", [_, _, ty]) => Some(parse_spark_type(ty.text()?)),
        ("from_json" | "from_csv", [_, schema, ..]) => schema_type(schema.text()?),
        ("date_part" | "datepart", [field, _]) => {
            Some(match field.text()?.to_ascii_uppercase().as_str() {
                "SECOND" | "S" | "SEC" | "SECONDS" | "SECS" => SqlType::Decimal(8, 6),
                "EPOCH" => SqlType::Decimal(18, 6),
                _ => SqlType::Integer,
            })
        }
        // `to_number(s, '999.99')`: a digit per `0` or `9`, the scale after the point.
        ("to_number" | "try_to_number", [_, format]) => {
            let format = format.text()?.to_ascii_uppercase();
            let digits = |s: &str| s.chars().filter(|c| matches!(c, '0' | '9')).count() as i64;
            let (int, frac) = format
                .split_once(['.', 'D'])
                .unwrap_or((format.as_str(), ""));
            let scale = digits(frac);
            Some(bounded((digits(int) + scale).max(1), scale))
        }
        _ => None,
    }
}

fn is_timestamp_ntz(ty: &SqlType) -> bool {
    matches!(ty, SqlType::Named(n) if n.eq_ignore_ascii_case("TIMESTAMP_NTZ"))
}

/// The field a column gives a struct: its name (`t.a` gives `a`), an alias's.
fn field_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(id) => Some(id.value.clone()),
        Expr::CompoundIdentifier(ids) => ids.last().map(|i| i.value.clone()),
        Expr::Named { name, .. } => Some(name.value.clone()),
        _ => None,
    }
}

/// `struct(a, b AS c)` written as Spark's STRUCT syntax.
pub(crate) fn struct_of(fields: &[(SqlType, &Expr)]) -> SqlType {
    SqlType::Struct(
        fields
            .iter()
            .enumerate()
            .map(|(i, (ty, e))| {
                (
                    field_name(e).unwrap_or(format!("col{}", i + 1)),
                    value_type(ty),
                )
            })
            .collect(),
    )
}

/// A schema string of `from_json`: `a INT, b STRING`, or a type (`ARRAY<INT>`).
fn schema_type(schema: &str) -> Option<SqlType> {
    let whole = parse_spark_type(schema);
    if matches!(
        whole,
        SqlType::Struct(_) | SqlType::List(_) | SqlType::Map(..)
    ) {
        return Some(whole);
    }
    let mut fields = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    let bytes = schema.as_bytes();
    for i in 0..=bytes.len() {
        let c = bytes.get(i).copied().unwrap_or(b',');
        match c {
            b'<' | b'(' => depth += 1,
            b'>' | b')' => depth -= 1,
            b',' if depth == 0 => {
                let field = schema[start..i].trim();
                start = i + 1;
                if field.is_empty() {
                    continue;
                }
                let (name, ty) = field.split_once(|c: char| c.is_whitespace() || c == ':')?;
                let ty = parse_spark_type(ty.trim().trim_start_matches(':'));
                if matches!(ty, SqlType::Named(_) | SqlType::Unknown) {
                    return None;
                }
                fields.push((name.trim_matches('`').to_string(), ty));
            }
            _ => {}
        }
    }
    (!fields.is_empty()).then_some(SqlType::Struct(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::spark::spark_type_name;

    #[test]
    fn schema_strings_read_as_structs() {
        let shown = |s: &str| schema_type(s).map(|t| spark_type_name(&t));
        assert_eq!(
            shown("a INT, b DECIMAL(10,2)").as_deref(),
            Some("STRUCT<a: INT, b: DECIMAL(10,2)>")
        );
        assert_eq!(
            shown("tags array<string>, m map<string, int>").as_deref(),
            Some("STRUCT<tags: ARRAY<STRING>, m: MAP<STRING, INT>>")
        );
        assert_eq!(shown("array<int>").as_deref(), Some("ARRAY<INT>"));
        assert_eq!(shown("not a schema at all"), None);
    }
}
