//! Spark SQL's functions as the engine itself describes them
//! (`spark_functions.jsonl`, written by scripts/gen_spark_catalog.py from a
//! local Spark): each function's kind, usage and arities, and its result
//! types as rules: the classes each argument may have (`INT`, `DECIMAL`,
//! `ARRAY`…) and the result, a type or a template over the arguments
//! (`$1`, `ARRAY<$1.element>`, `$wider(1-)`, `$1.dec_sum`, `$dec_add(1,2)`).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde::Deserialize;

use super::functions::{FunctionCatalog, FunctionKind, Overload};
use crate::types::spark::{
    decimal_arithmetic, mark, mark_spark_names, spark_class, substitute_marks, value_type,
    wider_type,
};
use crate::types::SqlType;

/// What a Spark function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SparkKind {
    Scalar,
    Aggregate,
    Window,
    /// A function that makes rows (`explode`): its result is its output columns.
    Generator,
    Operator,
}

/// One function of the catalog.
#[derive(Debug)]
pub struct SparkFunction {
    pub name: String,
    pub kind: SparkKind,
    /// `DESCRIBE FUNCTION`'s usage line, `substr(str, pos[, len]) - …`.
    pub usage: String,
    /// The argument counts it takes (the least ones, for a variadic function).
    pub arity: Vec<usize>,
    pub varargs: bool,
    /// Arities whose result follows an argument's value (`round(d, 2)`).
    pub value_dependent: Vec<usize>,
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    /// Per position, the classes it takes.
    args: Vec<Vec<String>>,
    ret: Template,
}

/// A result type with marks where the arguments' types go.
#[derive(Debug)]
struct Template {
    ty: SqlType,
    marks: Vec<Mark>,
}

#[derive(Debug)]
enum Mark {
    Fixed(SqlType),
    /// `$N`, `$N.element`, `$N.key`, `$N.value`, `$N.dec_sum`…
    Arg(usize, Part),
    /// `$dec_add(N,M)`: Spark's decimal arithmetic on two arguments.
    Decimal(&'static str, usize, usize),
    /// `$wider(SPEC)`: the common type of some arguments.
    Wider(Positions),
}

#[derive(Debug, Clone, Copy)]
enum Part {
    Whole,
    Element,
    Key,
    Value,
    DecSum,
    DecAvg,
    DecInt,
}

#[derive(Debug)]
enum Positions {
    List(Vec<usize>),
    /// From `start`, every `step`th argument.
    From {
        start: usize,
        step: usize,
    },
}

impl Positions {
    fn parse(spec: &str) -> Option<Positions> {
        if spec.contains(',') {
            return spec
                .split(',')
                .map(|n| n.trim().parse::<usize>().ok()?.checked_sub(1))
                .collect::<Option<Vec<_>>>()
                .map(Positions::List);
        }
        let (from, step) = match spec.split_once('/') {
            Some((f, s)) => (f, s.parse().ok()?),
            None => (spec, 1),
        };
        let start = from
            .strip_suffix('-')?
            .parse::<usize>()
            .ok()?
            .checked_sub(1)?;
        Some(Positions::From {
            start,
            step: step.max(1),
        })
    }

    fn of(&self, count: usize) -> Vec<usize> {
        match self {
            Positions::List(list) => list.iter().copied().filter(|&i| i < count).collect(),
            Positions::From { start, step } => (*start..count).step_by(*step).collect(),
        }
    }
}

impl Template {
    fn parse(text: &str) -> Option<Template> {
        // Spark's own type names first (`TIMESTAMP_NTZ`, intervals, `VOID`),
        // then the references, each replaced by a mark.
        let mut fixed = Vec::new();
        let text = mark_spark_names(text, &mut fixed);
        let mut marks: Vec<Mark> = fixed.into_iter().map(Mark::Fixed).collect();
        let mut marked = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find('$') {
            marked.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let mut len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(after.len());
            if after[len..].starts_with('(') {
                len += after[len..].find(')')? + 1;
            }
            marks.push(Mark::parse(&after[..len])?);
            marked.push_str(&mark(marks.len() - 1));
            rest = &after[len..];
        }
        marked.push_str(rest);
        Some(Template {
            ty: crate::types::parse_type(&marked),
            marks,
        })
    }

    fn evaluate(&self, args: &[SqlType]) -> SqlType {
        let values: Vec<SqlType> = self.marks.iter().map(|m| m.evaluate(args)).collect();
        substitute_marks(&self.ty, &|i| values.get(i).cloned())
    }
}

impl Mark {
    fn parse(text: &str) -> Option<Mark> {
        if let Some(spec) = text
            .strip_prefix("wider(")
            .and_then(|s| s.strip_suffix(')'))
        {
            return Some(Mark::Wider(Positions::parse(spec)?));
        }
        if let Some((op, rest)) = text.split_once('(') {
            let (l, r) = rest.strip_suffix(')')?.split_once(',')?;
            let symbol = match op {
                "dec_add" => "+",
                "dec_mul" => "*",
                "dec_div" => "/",
                "dec_mod" => "%",
                _ => return None,
            };
            let l = l.trim().parse::<usize>().ok()?.checked_sub(1)?;
            let r = r.trim().parse::<usize>().ok()?.checked_sub(1)?;
            return Some(Mark::Decimal(symbol, l, r));
        }
        let (index, part) = text.split_once('.').unwrap_or((text, ""));
        let index = index.parse::<usize>().ok()?.checked_sub(1)?;
        let part = match part {
            "" => Part::Whole,
            "element" => Part::Element,
            "key" => Part::Key,
            "value" => Part::Value,
            "dec_sum" => Part::DecSum,
            "dec_avg" => Part::DecAvg,
            "dec_int" => Part::DecInt,
            _ => return None,
        };
        Some(Mark::Arg(index, part))
    }

    fn evaluate(&self, args: &[SqlType]) -> SqlType {
        let unknown = SqlType::Unknown;
        match self {
            Mark::Fixed(t) => t.clone(),
            Mark::Arg(i, part) => {
                let arg = value_type(args.get(*i).unwrap_or(&unknown));
                let decimal = match &arg {
                    SqlType::Decimal(p, s) => Some((u32::from(*p), u32::from(*s))),
                    SqlType::HugeInt | SqlType::UBigInt | SqlType::UHugeInt => Some((38, 0)),
                    _ => None,
                };
                let bounded = |p: u32, s: u32| SqlType::Decimal(p.min(38) as u8, s.min(38) as u8);
                match (part, &arg) {
                    (Part::Whole, _) => arg.clone(),
                    (Part::Element, SqlType::List(t) | SqlType::Array(t, _)) => (**t).clone(),
                    (Part::Key, SqlType::Map(k, _)) => (**k).clone(),
                    (Part::Value, SqlType::Map(_, v)) => (**v).clone(),
                    (Part::DecSum, _) => decimal.map_or(unknown, |(p, s)| bounded(p + 10, s)),
                    (Part::DecAvg, _) => decimal.map_or(unknown, |(p, s)| bounded(p + 4, s + 4)),
                    (Part::DecInt, _) => decimal.map_or(unknown, |(p, s)| {
                        if s == 0 {
                            bounded(p, 0)
                        } else {
                            bounded(p - s + 1, 0)
                        }
                    }),
                    _ => unknown,
                }
            }
            Mark::Decimal(symbol, l, r) => {
                let (l, r) = (args.get(*l), args.get(*r));
                match (l, r) {
                    (Some(l), Some(r)) => decimal_arithmetic(symbol, l, r).unwrap_or(unknown),
                    _ => unknown,
                }
            }
            Mark::Wider(positions) => {
                let chosen = positions.of(args.len());
                let mut found: Option<SqlType> = None;
                for i in chosen {
                    let t = &args[i];
                    found = match found {
                        None => Some(value_type(t)),
                        Some(acc) => wider_type(&acc, t),
                    };
                    if found.is_none() {
                        return unknown;
                    }
                }
                found.unwrap_or(unknown)
            }
        }
    }
}

#[derive(Deserialize)]
struct RawFunction {
    name: String,
    kind: String,
    #[serde(default)]
    usage: String,
    #[serde(default)]
    arity: Vec<usize>,
    #[serde(default)]
    varargs: bool,
    #[serde(default)]
    value_dependent: Vec<usize>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
struct RawRule {
    args: Vec<Vec<String>>,
    ret: String,
}

/// Every function of Spark SQL, by lower-case name.
pub struct SparkCatalog {
    by_name: FxHashMap<String, SparkFunction>,
    /// The same functions by kind, for the checks every dialect shares
    /// (whether a call aggregates).
    kinds: FunctionCatalog,
    /// The Spark version the catalog was generated from.
    pub version: String,
}

impl SparkCatalog {
    pub fn get() -> &'static SparkCatalog {
        static CATALOG: OnceLock<SparkCatalog> = OnceLock::new();
        CATALOG.get_or_init(|| SparkCatalog::from_jsonl(include_str!("spark_functions.jsonl")))
    }

    fn from_jsonl(text: &str) -> SparkCatalog {
        let mut by_name = FxHashMap::default();
        let mut version = String::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(raw) = serde_json::from_str::<RawFunction>(line) else {
                if let Ok(header) = serde_json::from_str::<serde_json::Value>(line) {
                    if let Some(v) = header["spark_version"].as_str() {
                        version = v.to_string();
                    }
                }
                continue;
            };
            let kind = match raw.kind.as_str() {
                "aggregate" => SparkKind::Aggregate,
                "window" => SparkKind::Window,
                "generator" => SparkKind::Generator,
                "operator" => SparkKind::Operator,
                _ => SparkKind::Scalar,
            };
            let rules = raw
                .rules
                .into_iter()
                .filter_map(|r| {
                    Some(Rule {
                        args: r.args,
                        ret: Template::parse(&r.ret)?,
                    })
                })
                .collect();
            by_name.insert(
                raw.name.clone(),
                SparkFunction {
                    name: raw.name,
                    kind,
                    usage: raw.usage,
                    arity: raw.arity,
                    varargs: raw.varargs,
                    value_dependent: raw.value_dependent,
                    rules,
                },
            );
        }
        let kinds = FunctionCatalog::from_overloads(by_name.values().map(|f| {
            let kind = match f.kind {
                SparkKind::Aggregate => FunctionKind::Aggregate,
                SparkKind::Window => FunctionKind::Window,
                _ => FunctionKind::Scalar,
            };
            (
                f.name.clone(),
                Overload {
                    kind,
                    params: Vec::new(),
                    varargs: None,
                    ret: None,
                    macro_body: None,
                },
            )
        }));
        SparkCatalog {
            by_name,
            kinds,
            version,
        }
    }

    pub fn function(&self, name: &str) -> Option<&SparkFunction> {
        self.by_name.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The functions by kind (aggregates, windows), as every dialect has them.
    pub fn kinds(&self) -> &FunctionCatalog {
        &self.kinds
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// How many functions have rules, and how many rules there are.
    pub fn typed_counts(&self) -> (usize, usize) {
        let typed = self
            .by_name
            .values()
            .filter(|f| !f.rules.is_empty())
            .count();
        let rules = self.by_name.values().map(|f| f.rules.len()).sum();
        (typed, rules)
    }

    /// The result type of `name` called with arguments of these types, by
    /// the catalog's rules: `None` when no rule says (an argument of a class
    /// Spark was not asked about, or unknown arguments that leave rules with
    /// different results). A generator gives its one output column's type.
    pub fn result_type(&self, name: &str, args: &[SqlType]) -> Option<SqlType> {
        let function = self.by_name.get(name)?;
        let ty = self.rule_type(function, args)?;
        let ty = match (function.kind, ty) {
            (SparkKind::Generator, SqlType::Struct(columns)) if columns.len() == 1 => {
                columns.into_iter().next().map(|(_, t)| t)?
            }
            (SparkKind::Generator, _) => SqlType::Unknown,
            (_, ty) => ty,
        };
        Some(if contains_unknown(&ty) {
            SqlType::Unknown
        } else {
            ty
        })
    }

    /// Whether `name` makes rows (`explode`, `inline`, `json_tuple`...).
    pub fn is_generator(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        name == "json_tuple"
            || self
                .by_name
                .get(&name)
                .is_some_and(|f| f.kind == SparkKind::Generator)
    }

    /// The columns a generator makes of arguments of these types, named as
    /// Spark names them (`explode`: `col`, or `key` and `value`; `posexplode`
    /// adds `pos`; `inline`: the struct's fields; `json_tuple`: `c0`, `c1`...).
    /// `None` for a function that is no generator, or whose columns the
    /// argument types leave open (an array or a map?).
    pub fn generator_columns(
        &self,
        name: &str,
        args: &[SqlType],
    ) -> Option<Vec<(String, SqlType)>> {
        let name = name.to_lowercase();
        match name.trim_end_matches("_outer") {
            // The catalog's rule for `inline` is one example's.
            "inline" => {
                let (SqlType::List(element) | SqlType::Array(element, _)) = args.first()? else {
                    return None;
                };
                let SqlType::Struct(fields) = element.as_ref() else {
                    return None;
                };
                return Some(fields.clone());
            }
            "json_tuple" => {
                let keys = args.len().checked_sub(1).filter(|&n| n > 0)?;
                return Some(
                    (0..keys)
                        .map(|i| (format!("c{i}"), SqlType::Varchar))
                        .collect(),
                );
            }
            _ => {}
        }
        let function = self.by_name.get(&name)?;
        if function.kind != SparkKind::Generator || !function.value_dependent.is_empty() {
            return None;
        }
        match self.rule_type(function, args)? {
            SqlType::Struct(columns) => Some(columns),
            _ => None,
        }
    }

    /// The type the rules of `function` give arguments of these types (a
    /// generator's: a struct of its columns).
    fn rule_type(&self, function: &SparkFunction, args: &[SqlType]) -> Option<SqlType> {
        let n = args.len();
        let longest = function.rules.iter().map(|r| r.args.len()).max()?;
        let width = if function.rules.iter().any(|r| r.args.len() == n) {
            n
        } else if function.varargs && n > longest && longest > 0 {
            longest
        } else {
            return None;
        };
        let classes: Vec<Option<String>> = args
            .iter()
            .map(|a| spark_class(a).filter(|c| c != "VOID"))
            .collect();
        let mut found: Option<SqlType> = None;
        for rule in function.rules.iter().filter(|r| r.args.len() == width) {
            let fits = classes.iter().enumerate().all(|(i, class)| {
                let position = &rule.args[i.min(width.saturating_sub(1))];
                class
                    .as_ref()
                    .is_none_or(|c| position.iter().any(|p| p == c))
            });
            if !fits {
                continue;
            }
            let ty = rule.ret.evaluate(args);
            match &found {
                None => found = Some(ty),
                Some(earlier) if *earlier == ty => {}
                // Unknown arguments leave rules that disagree: nothing is known.
                Some(_) => return Some(SqlType::Unknown),
            }
        }
        found
    }
}

fn contains_unknown(ty: &SqlType) -> bool {
    match ty {
        SqlType::Unknown => true,
        SqlType::List(t) | SqlType::Array(t, _) => contains_unknown(t),
        SqlType::Map(k, v) => contains_unknown(k) || contains_unknown(v),
        SqlType::Struct(f) | SqlType::Union(f) => f.iter().any(|(_, t)| contains_unknown(t)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::spark::spark_type_name;

    fn result(name: &str, args: &[SqlType]) -> String {
        SparkCatalog::get()
            .result_type(name, args)
            .map_or_else(|| "-".to_string(), |t| spark_type_name(&t))
    }

    #[test]
    fn templates_read_the_arguments() {
        let t = Template::parse("MAP<$wider(1-/2), $wider(2-/2)>").unwrap();
        let args = [
            SqlType::StringLiteral,
            SqlType::Integer,
            SqlType::Varchar,
            SqlType::Decimal(5, 2),
        ];
        assert_eq!(
            spark_type_name(&t.evaluate(&args)),
            "MAP<STRING, DECIMAL(12,2)>"
        );
        let t = Template::parse("STRUCT<col: $1.element, at: TIMESTAMP_NTZ>").unwrap();
        assert_eq!(
            spark_type_name(&t.evaluate(&[SqlType::List(Box::new(SqlType::Date))])),
            "STRUCT<col: DATE, at: TIMESTAMP_NTZ>"
        );
        let t = Template::parse("$dec_add(1,2)").unwrap();
        assert_eq!(
            t.evaluate(&[SqlType::Decimal(10, 2), SqlType::Integer]),
            SqlType::Decimal(13, 2)
        );
        let t = Template::parse("INTERVAL DAY TO SECOND").unwrap();
        assert_eq!(
            t.evaluate(&[]),
            SqlType::Named("INTERVAL DAY TO SECOND".into())
        );
    }

    #[test]
    fn the_generated_catalog_types_common_calls() {
        let catalog = SparkCatalog::get();
        assert!(catalog.contains("substr") && catalog.contains("+"));
        assert!(
            catalog.typed_counts().0 > 300,
            "{:?}",
            catalog.typed_counts()
        );
        let dec = SqlType::Decimal(10, 2);
        let strings = SqlType::List(Box::new(SqlType::Varchar));
        let cases: Vec<(&str, Vec<SqlType>, &str)> = vec![
            (
                "substr",
                vec![SqlType::Varchar, SqlType::IntegerLiteral(1)],
                "STRING",
            ),
            ("sum", vec![SqlType::Integer], "BIGINT"),
            ("sum", vec![dec.clone()], "DECIMAL(20,2)"),
            ("avg", vec![dec.clone()], "DECIMAL(14,6)"),
            (
                "element_at",
                vec![strings.clone(), SqlType::IntegerLiteral(1)],
                "STRING",
            ),
            ("explode", vec![strings.clone()], "STRING"),
            (
                "coalesce",
                vec![SqlType::Integer, dec.clone()],
                "DECIMAL(12,2)",
            ),
            ("count", vec![SqlType::Unknown], "BIGINT"),
            ("sum", vec![SqlType::Unknown], "UNKNOWN"),
            ("row_number", vec![], "INT"),
        ];
        for (name, args, want) in cases {
            assert_eq!(result(name, &args), want, "{name}({args:?})");
        }
        assert_eq!(
            catalog.kinds().kind_of("collect_list"),
            Some(FunctionKind::Aggregate)
        );
    }
}
