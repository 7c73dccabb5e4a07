//! Code actions as plain edits: expand `*` into its columns, qualify an
//! ambiguous column, add a column to GROUP BY, extract a derived table into
//! a gem, inline a gem, create a stub model for an unknown `ref()`, and add
//! the model's missing columns to its YAML.

use crate::db::{Db, Project, SourceFile};
use crate::model::{model_analysis, model_ide_facts};
use crate::text::TextRange;

/// An edit the user can apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Replace `range` in the file with `text`.
    Replace {
        title: String,
        range: TextRange,
        text: String,
    },
    /// Several replacements in one file (ranges do not overlap).
    Edits {
        title: String,
        file: SourceFile,
        edits: Vec<(TextRange, String)>,
    },
    /// Create a new file (path relative to the project root) with `text`.
    CreateFile {
        title: String,
        path: String,
        text: String,
    },
}

/// Actions available at `range` of a model (diagnostic-driven ones come from their messages).
pub fn actions(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    range: TextRange,
    diagnostics: &[(String, String, TextRange)],
) -> Vec<Action> {
    let facts = model_ide_facts(db, project, file);
    let mut out = Vec::new();
    for (star, columns) in &facts.stars {
        if star.start <= range.end && range.start <= star.end && !columns.is_empty() {
            let list = columns
                .iter()
                .map(|c| quote_if_needed(&c.name))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Action::Replace {
                title: format!("Expand `*` into {} columns", columns.len()),
                range: *star,
                text: list,
            });
        }
    }
    out.extend(extract_gem(db, project, file, range));
    out.extend(inline_gem(db, project, file, range));
    out.extend(yaml_columns(db, project, file));
    for (code, message, at) in diagnostics {
        match code.as_str() {
            // "column `id` is ambiguous: it exists in a and b"
            "L004" => {
                let Some(column) = message.split('`').nth(1) else {
                    continue;
                };
                let Some(sources) = message.split("exists in ").nth(1) else {
                    continue;
                };
                for q in sources.split(" and ") {
                    out.push(Action::Replace {
                        title: format!("Qualify as `{q}.{column}`"),
                        range: *at,
                        text: format!("{q}.{column}"),
                    });
                }
            }
            // "column `x` must appear in the GROUP BY clause ..."
            "L008" => {
                let Some(column) = message.split('`').nth(1) else {
                    continue;
                };
                let group_by = facts
                    .group_by_ends
                    .iter()
                    .filter(|(select, _)| select.contains_range(*at))
                    .min_by_key(|(select, _)| select.len());
                if let Some((_, end)) = group_by {
                    out.push(Action::Replace {
                        title: format!("Add `{column}` to GROUP BY"),
                        range: TextRange::empty(*end),
                        text: format!(", {column}"),
                    });
                }
            }
            // "`ref('x')`: no model or seed named `x`"
            "L006" => {
                let Some(name) = message.split('`').nth(3) else {
                    continue;
                };
                let folder = file
                    .path(db)
                    .rsplit_once('/')
                    .map_or("models", |(d, _)| d)
                    .to_string();
                let text = format!(
                    "-- A stub for `{name}`: replace it with the model's SQL.\nselect 1 as id\n"
                );
                out.push(Action::CreateFile {
                    title: format!("Create a stub model `{name}`"),
                    path: format!("{folder}/{name}.sql"),
                    text,
                });
            }
            _ => {}
        }
    }
    out
}

fn quote_if_needed(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
    {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `(select ...) as x` in FROM becomes a gem `x` that the FROM reads.
fn extract_gem(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    range: TextRange,
) -> Option<Action> {
    let analysis = model_analysis(db, project, file);
    let text = file.text(db);
    let overlaps = |w: &TextRange| w.start <= range.end && range.start <= w.end;
    let (whole, body, alias) = model_ide_facts(db, project, file)
        .derived
        .iter()
        .filter(|(w, _, _)| overlaps(w))
        .min_by_key(|(w, _, _)| w.len())?;
    // The parser's range starts inside the parenthesis; the edit takes it too.
    let before = text[..whole.start].trim_end();
    let whole = &match before.strip_suffix('(') {
        Some(rest) => TextRange::new(rest.len(), whole.end),
        None => *whole,
    };
    let name = alias.clone().unwrap_or_else(|| "extracted".to_string());
    let body_text = text.get(body.start..body.end)?;
    let first = analysis.gems.first()?;
    let edits = if analysis.gems.len() > 1 {
        // Before the first gem of the WITH clause.
        vec![
            (
                TextRange::empty(first.range.start),
                format!("{name} as (\n    {body_text}\n),\n\n"),
            ),
            (*whole, name.clone()),
        ]
    } else {
        vec![
            (
                TextRange::empty(first.range.start),
                format!("with {name} as (\n    {body_text}\n)\n\n"),
            ),
            (*whole, name.clone()),
        ]
    };
    Some(Action::Edits {
        title: format!("Extract into a gem `{name}`"),
        file,
        edits,
    })
}

/// A gem read once becomes a derived table where it is read.
fn inline_gem(db: &dyn Db, project: Project, file: SourceFile, range: TextRange) -> Option<Action> {
    let analysis = model_analysis(db, project, file);
    let text = file.text(db);
    let gems = &analysis.gems[..analysis.gems.len().saturating_sub(1)];
    let use_at = analysis
        .tables
        .iter()
        .find(|t| t.range.contains_range(range) || range.contains_range(t.range))?;
    let [name] = use_at.parts.as_slice() else {
        return None;
    };
    let gem = gems.iter().find(|g| g.name.eq_ignore_ascii_case(name))?;
    let uses = analysis
        .tables
        .iter()
        .filter(|t| matches!(t.parts.as_slice(), [n] if n.eq_ignore_ascii_case(name)))
        .count();
    if uses != 1 {
        return None;
    }
    let body = text.get(gem.body.start..gem.body.end)?;
    // The definition runs from the name to its closing parenthesis and comma.
    let close = gem.body.end + text[gem.body.end..].find(')')? + 1;
    let after = &text[close..];
    let comma = after.len() - after.trim_start().len();
    let mut definition = TextRange::new(gem.range.start, close);
    if after.trim_start().starts_with(',') {
        let rest = &after[comma + 1..];
        definition = TextRange::new(
            gem.range.start,
            close + comma + 1 + (rest.len() - rest.trim_start().len()),
        );
    } else if gems.len() == 1 {
        // The only gem: the WITH keyword goes too.
        let with = text[..gem.range.start].to_lowercase().rfind("with")?;
        definition = TextRange::new(with, close + comma);
    }
    let edits = vec![
        (definition, String::new()),
        (use_at.range, format!("(\n    {body}\n) as {}", gem.name)),
    ];
    Some(Action::Edits {
        title: format!("Inline gem `{}`", gem.name),
        file,
        edits,
    })
}

/// Columns the model outputs that its YAML does not list.
fn yaml_columns(db: &dyn Db, project: Project, file: SourceFile) -> Option<Action> {
    let index = crate::model::project_index(db, project);
    let node = index.node_for_file(file)?;
    let (yaml, props) = index.properties.get(&node.name.to_lowercase())?;
    let analysis = model_analysis(db, project, file);
    let missing: Vec<&str> = analysis
        .output
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|c| {
            !props
                .columns
                .iter()
                .any(|(n, _, _)| n.eq_ignore_ascii_case(c))
        })
        .collect();
    if missing.is_empty() || analysis.output.open {
        return None;
    }
    let text = yaml.text(db);
    let line_start = text[..props.offset].rfind('\n').map_or(0, |i| i + 1);
    let name_column = props.offset - line_start - "name: ".len();
    let line_end = text[props.offset..]
        .find('\n')
        .map_or(text.len(), |i| props.offset + i);
    let (insert_at, indent, header) = match props.columns.last() {
        // After the last listed column's line.
        Some((last, _, _)) => {
            let at = text[props.offset..]
                .find(&format!("name: {last}"))
                .map(|i| props.offset + i)?;
            let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
            (end, " ".repeat(at - start - 2), String::new())
        }
        None => (
            line_end,
            " ".repeat(name_column + 4),
            format!("\n{}columns:", " ".repeat(name_column)),
        ),
    };
    let entries: String = missing
        .iter()
        .map(|c| format!("\n{indent}- name: {c}"))
        .collect();
    Some(Action::Edits {
        title: format!(
            "Add {} missing column(s) to the YAML of `{}`",
            missing.len(),
            node.name
        ),
        file: *yaml,
        edits: vec![(TextRange::empty(insert_at), format!("{header}{entries}"))],
    })
}
