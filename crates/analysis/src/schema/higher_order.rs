//! Higher-order functions: `transform(xs, x -> x + 1)` in Spark and
//! Snowflake, `list_transform(xs, lambda x: x + 1)` in DuckDB. A lambda's
//! parameters take their types from the other arguments (an array's
//! element, a map's key and value, an accumulator's start), and the call's
//! type follows the lambda's body.

use crate::syntax::Dialect;
use crate::types::SqlType;

/// What a higher-order function does with its lambdas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HigherOrder {
    /// Each element mapped: `(element[, index]) -> value`, an array of the values.
    Transform,
    /// Elements kept: `(element[, index]) -> boolean`, the array's own type.
    Filter,
    /// DuckDB's `list_reduce(xs, (acc, x[, i]) -> acc'[, start])`: the body's type.
    Reduce,
    /// Spark's `aggregate(xs, start, (acc, x) -> acc'[, acc -> result])`.
    Aggregate,
    /// Snowflake's `reduce(xs, start, (acc, x) -> acc')`.
    SnowflakeReduce,
    /// `exists`, `forall`: a boolean.
    Predicate,
    /// `array_sort(xs, (l, r) -> int)`: the array's own type.
    Sort,
    /// `zip_with(xs, ys, (x, y) -> value)`: an array of the values.
    ZipWith,
    /// `map_filter(m, (k, v) -> boolean)`: the map's own type.
    MapFilter,
    /// `transform_keys(m, (k, v) -> key)`.
    TransformKeys,
    /// `transform_values(m, (k, v) -> value)`.
    TransformValues,
    /// `map_zip_with(m1, m2, (k, v1, v2) -> value)`.
    MapZipWith,
}

impl HigherOrder {
    /// The higher-order function `name` is in a dialect (lower-case name).
    pub(crate) fn of(name: &str, dialect: Dialect, spark: bool) -> Option<HigherOrder> {
        use HigherOrder::*;
        if spark {
            return Some(match name {
                "transform" => Transform,
                "filter" => Filter,
                "aggregate" | "reduce" => Aggregate,
                "exists" | "forall" => Predicate,
                "array_sort" => Sort,
                "zip_with" => ZipWith,
                "map_filter" => MapFilter,
                "transform_keys" => TransformKeys,
                "transform_values" => TransformValues,
                "map_zip_with" => MapZipWith,
                _ => return None,
            });
        }
        if dialect == Dialect::Snowflake {
            return Some(match name {
                "transform" => Transform,
                "filter" => Filter,
                "reduce" => SnowflakeReduce,
                _ => return None,
            });
        }
        Some(match name {
            "list_transform" | "array_transform" | "list_apply" | "array_apply" | "apply" => {
                Transform
            }
            "list_filter" | "array_filter" | "filter" => Filter,
            "list_reduce" | "array_reduce" | "reduce" => Reduce,
            _ => return None,
        })
    }

    /// The types of the parameters of the lambda written as positional
    /// argument `position`, from the types of the positional arguments.
    pub(crate) fn param_types(
        self,
        dialect: Dialect,
        spark: bool,
        position: usize,
        args: &[SqlType],
    ) -> Vec<SqlType> {
        use HigherOrder::*;
        let arg = |i: usize| args.get(i).cloned().unwrap_or(SqlType::Unknown);
        // Snowflake's arrays hold VARIANTs (a typed parameter says otherwise).
        let element = |i: usize| match dialect {
            Dialect::Snowflake => SqlType::Named("VARIANT".into()),
            _ => element_of(&arg(i)),
        };
        let index = if spark {
            SqlType::Integer
        } else {
            SqlType::BigInt
        };
        match self {
            Transform | Filter => vec![element(0), index],
            Predicate => vec![element(0)],
            Sort => vec![element(0), element(0)],
            // The start value, when given, is the accumulator's first value.
            Reduce => {
                let start = args
                    .get(2)
                    .filter(|t| !matches!(t, SqlType::Unknown))
                    .map_or_else(|| element(0), |t| t.clone().materialize());
                vec![start, element(0), index]
            }
            Aggregate if position == 3 => vec![arg(1).materialize()],
            Aggregate | SnowflakeReduce => vec![arg(1).materialize(), element(0)],
            ZipWith => vec![element(0), element(1)],
            MapFilter | TransformKeys | TransformValues => {
                let (k, v) = key_value_of(&arg(0));
                vec![k, v]
            }
            MapZipWith => {
                let (k, v1) = key_value_of(&arg(0));
                let (_, v2) = key_value_of(&arg(1));
                vec![k, v1, v2]
            }
        }
    }

    /// The call's type from its positional arguments and each lambda's
    /// body type (by argument position); `None` leaves it to the catalogs.
    pub(crate) fn result_type(
        self,
        dialect: Dialect,
        args: &[SqlType],
        bodies: &[(usize, SqlType)],
    ) -> Option<SqlType> {
        use HigherOrder::*;
        let body = |position: usize| {
            bodies
                .iter()
                .find(|(p, _)| *p == position)
                .map(|(_, t)| t.clone().materialize())
                .filter(|t| !t.is_unknown())
        };
        let array_of = |t: SqlType| match dialect {
            Dialect::Snowflake => SqlType::Named("ARRAY".into()),
            _ => SqlType::List(Box::new(t)),
        };
        let first = args.first().cloned().filter(|t| !t.is_unknown());
        match self {
            Transform => body(1).map(array_of),
            ZipWith => body(2).map(array_of),
            Filter | Sort | MapFilter => first,
            Predicate => Some(SqlType::Boolean),
            Reduce => body(1),
            Aggregate => body(3).or_else(|| {
                let start = args.get(1)?.clone().materialize();
                (!start.is_unknown()).then_some(start)
            }),
            SnowflakeReduce => None,
            TransformKeys | TransformValues | MapZipWith => {
                let (k, v) = key_value_of(&first?);
                let value = body(if self == MapZipWith { 2 } else { 1 })?;
                Some(match self {
                    TransformKeys => SqlType::Map(Box::new(value), Box::new(v)),
                    _ => SqlType::Map(Box::new(k), Box::new(value)),
                })
            }
        }
    }
}

fn element_of(t: &SqlType) -> SqlType {
    match t {
        SqlType::List(e) | SqlType::Array(e, _) => (**e).clone(),
        _ => SqlType::Unknown,
    }
}

fn key_value_of(t: &SqlType) -> (SqlType, SqlType) {
    match t {
        SqlType::Map(k, v) => ((**k).clone(), (**v).clone()),
        _ => (SqlType::Unknown, SqlType::Unknown),
    }
}
