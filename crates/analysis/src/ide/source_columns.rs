//! "Fetch schema from fabric": find the source table under the cursor in a
//! properties YAML, and write the columns a fabric reported under it.

use crate::db::{Db, Project, SourceFile};
use crate::model::file_properties;
use crate::project::FileKind;

/// A source table declared in YAML, where its `columns:` would go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceTableAt {
    pub source: String,
    pub table: String,
    /// The warehouse relation: `schema.identifier`.
    pub schema: String,
    pub identifier: String,
    /// The YAML already lists columns.
    pub has_columns: bool,
    /// Where the `columns:` block goes (the end of the table's `name:` line).
    pub insert_at: usize,
    /// The indentation of the table's keys.
    pub indent: usize,
}

/// The source table whose entry holds `offset` in a properties YAML file.
pub fn source_table_at(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: usize,
) -> Option<SourceTableAt> {
    if file.kind(db) != FileKind::Properties {
        return None;
    }
    let text = file.text(db);
    let properties = file_properties(db, project, file);
    let line_start_of = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    // The entry whose `name:` line starts at or before the cursor.
    let table = properties
        .sources
        .iter()
        .filter(|t| line_start_of(t.offset) <= offset)
        .max_by_key(|t| t.offset)?;
    let line_start = line_start_of(table.offset);
    let line_end = text[table.offset..]
        .find('\n')
        .map_or(text.len(), |i| table.offset + i);
    let line = &text[line_start..line_end];
    // A flow mapping (`- {name: x}`) has no line to write under.
    if line.contains('{') {
        return None;
    }
    // The table's keys line up with `name` (after the list's `- `).
    let key = line.trim_start().trim_start_matches('-').trim_start();
    let indent = line[..line.len() - key.len()].chars().count();
    Some(SourceTableAt {
        source: table.source.clone(),
        table: table.table.clone(),
        schema: table.schema.clone(),
        identifier: table.identifier.clone(),
        has_columns: table.columns.is_some(),
        insert_at: line_end,
        indent,
    })
}

/// The `columns:` block for a table's keys at `indent`, to insert at `insert_at`.
pub fn source_columns_yaml(indent: usize, columns: &[(String, String)]) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!("\n{pad}columns:");
    for (name, data_type) in columns {
        let plain = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let name = if plain {
            name.clone()
        } else {
            format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
        };
        out.push_str(&format!(
            "\n{pad}  - name: {name}\n{pad}    data_type: {}",
            data_type.to_lowercase()
        ));
    }
    out
}
