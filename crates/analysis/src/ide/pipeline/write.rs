//! The SQL of a new gem, written in the file's style.

use super::layout::Style;
use super::{ColumnSpec, GemSpec, Input, SetOperator};
use crate::syntax::Dialect;

/// A column name as SQL: quoted when it is not a plain lower-case name.
pub(super) fn ident(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !name.is_empty();
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

impl ColumnSpec {
    /// `expression [as name]` of a select list.
    pub(super) fn select_item(&self, style: &Style) -> Result<String, String> {
        let expression = match (&self.expression, &self.function, &self.column) {
            (Some(e), _, _) if !e.trim().is_empty() => e.trim().to_string(),
            (_, Some(f), Some(c)) => format!("{f}({})", ident(c)),
            (_, Some(f), None) if f.eq_ignore_ascii_case("count") => "count(*)".to_string(),
            (_, None, Some(c)) => ident(c),
            _ => return Err("a column needs `column`, `expression`, or `function`".into()),
        };
        // A picked column keeps its name unless another is asked for.
        let picked_as_is = self.expression.is_none()
            && self.function.is_none()
            && self.name.as_deref() == self.column.as_deref();
        Ok(match self.name.as_deref().filter(|n| !n.is_empty()) {
            Some(n) if !picked_as_is => format!("{expression} {} {}", style.kw("as"), ident(n)),
            _ => expression,
        })
    }
}

/// A list of items, one per line under `indent` (or on one line when short).
pub(super) fn list(items: &[String], indent: &str, style: &Style) -> String {
    let items: Vec<CommentedItem> = items
        .iter()
        .map(|text| CommentedItem {
            text: text.clone(),
            ..Default::default()
        })
        .collect();
    commented_list(&items, &[], indent, style)
}

/// A list item as written, with the comments kept from the code it replaces
/// (each comment's text, `--` or `/* */`).
#[derive(Debug, Default)]
pub(super) struct CommentedItem {
    pub text: String,
    /// On lines of their own above the item.
    pub leading: Vec<String>,
    /// After the item (and its comma) on its line.
    pub trailing: Vec<String>,
}

/// A list of items, one per line under `indent`, each with its comments, and
/// `after` on lines of their own below the last; on one line when it is a
/// single item without comments. A list over several lines starts with a
/// line break.
pub(super) fn commented_list(
    items: &[CommentedItem],
    after: &[String],
    indent: &str,
    style: &Style,
) -> String {
    let commented = !after.is_empty()
        || items
            .iter()
            .any(|i| !i.leading.is_empty() || !i.trailing.is_empty());
    if let ([item], false) = (items, commented) {
        return format!(" {}", item.text);
    }
    let mut out = String::new();
    let own_line = |out: &mut String, text: &str| {
        out.push('\n');
        out.push_str(indent);
        out.push_str(text);
    };
    for (i, item) in items.iter().enumerate() {
        for comment in &item.leading {
            own_line(&mut out, comment);
        }
        let comma = if style.leading_commas && i > 0 {
            ", "
        } else {
            ""
        };
        own_line(&mut out, &format!("{comma}{}", item.text));
        if !style.leading_commas && i + 1 < items.len() {
            out.push(',');
        }
        for comment in &item.trailing {
            out.push(' ');
            out.push_str(comment);
        }
    }
    for comment in after {
        own_line(&mut out, comment);
    }
    out
}

/// The body of a new gem reading `input` (its SQL and the qualifier it goes by).
pub(super) fn gem_body(
    spec: &GemSpec,
    input: &Input,
    other: Option<&Input>,
    style: &Style,
    indent: &str,
    dialect: Dialect,
) -> Result<String, String> {
    let unit = &style.indent_unit;
    let kw = |k: &str| style.kw(k);
    let from = format!("{indent}{} {}", kw("from"), input.sql);
    let select_star = format!("{indent}{} *\n{from}", kw("select"));
    let columns = |specs: &[ColumnSpec]| -> Result<Vec<String>, String> {
        specs.iter().map(|c| c.select_item(style)).collect()
    };
    Ok(match spec {
        GemSpec::Filter { condition } => {
            if condition.trim().is_empty() {
                return Err("a Filter needs a condition".into());
            }
            format!(
                "{select_star}\n{indent}{} {}",
                kw("where"),
                condition.trim()
            )
        }
        GemSpec::Reformat { columns: specs } => {
            if specs.is_empty() {
                return Err("a Reformat needs at least one column".into());
            }
            let items = columns(specs)?;
            format!(
                "{indent}{}{}\n{from}",
                kw("select"),
                list(&items, &format!("{indent}{unit}"), style)
            )
        }
        GemSpec::Aggregate {
            group_by,
            aggregates,
        } => {
            if group_by.is_empty() && aggregates.is_empty() {
                return Err("an Aggregate needs group-by columns or aggregates".into());
            }
            let keys: Vec<String> = group_by.iter().map(|c| ident(c)).collect();
            let mut items = keys.clone();
            items.extend(columns(aggregates)?);
            let mut out = format!(
                "{indent}{}{}\n{from}",
                kw("select"),
                list(&items, &format!("{indent}{unit}"), style)
            );
            if !keys.is_empty() {
                out.push_str(&format!("\n{indent}{} {}", kw("group by"), keys.join(", ")));
            }
            out
        }
        GemSpec::Join {
            join_type: kind,
            keys,
            columns: picked,
            ..
        } => {
            let other = other.ok_or("a Join needs another input")?;
            let kind = kind.to_ascii_lowercase();
            let join = match kind.as_str() {
                "inner" | "" => "join".to_string(),
                "left" | "right" | "full" => format!("{kind} join"),
                "cross" => "cross join".to_string(),
                _ => {
                    return Err(format!(
                        "`{kind}` is not a join kind (inner, left, right, full, cross)"
                    ))
                }
            };
            if kind != "cross" && keys.is_empty() {
                return Err("a Join needs at least one pair of keys (or the kind `cross`)".into());
            }
            let mut items = vec![format!("{}.*", input.qualifier)];
            let taken: Vec<String> = match picked {
                Some(list) => list.clone(),
                None if other.schema.open && other.schema.columns.is_empty() => {
                    return Err(format!(
                        "the columns of `{}` are unknown: pick the columns the Join takes from it",
                        other.name
                    ))
                }
                // The other input's columns that the first one does not already have.
                None => other
                    .schema
                    .columns
                    .iter()
                    .filter(|c| input.schema.column(&c.name).is_none())
                    .map(|c| c.name.clone())
                    .collect(),
            };
            items.extend(
                taken
                    .iter()
                    .map(|c| format!("{}.{}", other.qualifier, ident(c))),
            );
            let mut out = format!(
                "{indent}{}{}\n{from}\n{indent}{} {}",
                kw("select"),
                list(&items, &format!("{indent}{unit}"), style),
                kw(&join),
                other.sql_with_alias(style)
            );
            let conditions: Vec<String> = keys
                .iter()
                .map(|k| {
                    format!(
                        "{}.{} = {}.{}",
                        input.qualifier,
                        ident(&k.left),
                        other.qualifier,
                        ident(&k.right)
                    )
                })
                .collect();
            if !conditions.is_empty() {
                out.push_str(&format!(
                    " {} {}",
                    kw("on"),
                    conditions.join(&format!(" {} ", kw("and")))
                ));
            }
            out
        }
        GemSpec::OrderBy { columns: order } => {
            if order.is_empty() {
                return Err("an OrderBy needs at least one column".into());
            }
            let items: Vec<String> = order
                .iter()
                .map(|o| {
                    if o.descending {
                        format!("{} {}", ident(&o.column), kw("desc"))
                    } else {
                        ident(&o.column)
                    }
                })
                .collect();
            format!(
                "{select_star}\n{indent}{} {}",
                kw("order by"),
                items.join(", ")
            )
        }
        GemSpec::Limit { count } => format!("{select_star}\n{indent}{} {count}", kw("limit")),
        GemSpec::Deduplicate { columns: keys } => {
            if keys.is_empty() {
                format!("{indent}{} *\n{from}", kw("select distinct"))
            } else {
                if !matches!(
                    dialect,
                    Dialect::DuckDb
                        | Dialect::Snowflake
                        | Dialect::Databricks
                        | Dialect::BigQuery
                        | Dialect::Teradata
                ) {
                    return Err("deduplicating on some columns needs QUALIFY, which this dialect lacks: leave the columns out to keep distinct rows".into());
                }
                let keys: Vec<String> = keys.iter().map(|c| ident(c)).collect();
                format!(
                    "{select_star}\n{indent}{} {}() {} ({} {}) = 1",
                    kw("qualify"),
                    kw("row_number"),
                    kw("over"),
                    kw("partition by"),
                    keys.join(", ")
                )
            }
        }
        GemSpec::SetOperation { operator, .. } => {
            let other = other.ok_or("a SetOperation needs another input")?;
            let op = match operator {
                SetOperator::UnionAll => "union all",
                SetOperator::Union => "union",
                SetOperator::Intersect => "intersect",
                SetOperator::Except => "except",
            };
            // By name when the first input's columns are known: the other
            // input's columns line up whatever their order there.
            let items: Vec<String> = if input.schema.open || input.schema.columns.is_empty() {
                vec!["*".to_string()]
            } else {
                input
                    .schema
                    .columns
                    .iter()
                    .map(|c| ident(&c.name))
                    .collect()
            };
            let select = list(&items, &format!("{indent}{unit}"), style);
            format!(
                "{indent}{}{select}\n{from}\n{indent}{}\n{indent}{}{select}\n{indent}{} {}",
                kw("select"),
                kw(op),
                kw("select"),
                kw("from"),
                other.sql
            )
        }
    })
}

/// `name as (\n body \n)` at the file's CTE indentation (gem names are
/// plain identifiers, written as given).
pub(super) fn cte(name: &str, body: &str, style: &Style) -> String {
    format!("{name} {} (\n{body}\n{})", style.kw("as"), style.cte_indent)
}
