//! Code actions as plain edits: expand `*` into its columns, qualify an
//! ambiguous column, create a stub model for an unknown `ref()`.

use crate::db::{Db, Project, SourceFile};
use crate::model::model_analysis;
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
    let analysis = model_analysis(db, project, file);
    let mut out = Vec::new();
    for (star, columns) in &analysis.ide.stars {
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
                let group_by = analysis
                    .ide
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
