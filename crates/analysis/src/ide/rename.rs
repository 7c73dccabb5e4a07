//! Rename a CTE (gem), a column alias, or a model, with every place that
//! names it: references in the model, downstream SQL, and YAML.

use crate::db::{Db, Project, SourceFile};
use crate::jinja::source_map::{scan_tags, TagKind};
use crate::jinja::Call;
use crate::lineage::through_gems;
use crate::model::{model_analysis, model_ide_facts, project_index};
use crate::text::TextRange;

use super::call_at;

/// The edits of a rename, and files to rename (to a new project-relative path).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenameEdits {
    pub edits: Vec<(SourceFile, TextRange, String)>,
    pub file_renames: Vec<(SourceFile, String)>,
}

impl RenameEdits {
    fn edit(&mut self, file: SourceFile, range: TextRange, text: &str) {
        if !self.edits.iter().any(|(f, r, _)| *f == file && *r == range) {
            self.edits.push((file, range, text.to_string()));
        }
    }
}

pub fn rename(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: usize,
    new_name: &str,
) -> Result<RenameEdits, String> {
    if new_name.is_empty() || !new_name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!("`{new_name}` is not a plain identifier"));
    }
    let at = |r: &TextRange| super::covers(r, offset);
    if let Some((_, Call::Ref { package, name })) = call_at(db, project, file, offset) {
        return rename_model(db, project, &name, package.as_deref(), new_name);
    }
    let analysis = model_analysis(db, project, file);
    let gems = &analysis.gems[..analysis.gems.len().saturating_sub(1)];
    let on_gem =
        gems.iter()
            .find(|g| at(&g.range))
            .map(|g| g.name.clone())
            .or_else(|| {
                analysis.tables.iter().find(|t| at(&t.range)).and_then(|t| {
                    match t.parts.as_slice() {
                        [name] => gems
                            .iter()
                            .find(|g| g.name.eq_ignore_ascii_case(name))
                            .map(|g| g.name.clone()),
                        _ => None,
                    }
                })
            });
    if let Some(gem) = on_gem {
        return Ok(rename_gem(db, project, file, &gem, new_name));
    }
    let facts = model_ide_facts(db, project, file);
    if let Some((_, alias, gem)) = facts.aliases.iter().find(|(r, _, _)| at(r)) {
        return Ok(rename_alias(
            db,
            project,
            file,
            alias,
            gem.as_deref(),
            new_name,
        ));
    }
    Err("nothing to rename here: put the cursor on a gem, a column alias or a ref()".into())
}

fn rename_gem(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    gem: &str,
    new_name: &str,
) -> RenameEdits {
    let analysis = model_analysis(db, project, file);
    let mut out = RenameEdits::default();
    for g in analysis
        .gems
        .iter()
        .filter(|g| g.name.eq_ignore_ascii_case(gem))
        .take(1)
    {
        out.edit(file, g.range, new_name);
    }
    for t in &analysis.tables {
        if matches!(t.parts.as_slice(), [name] if name.eq_ignore_ascii_case(gem)) {
            out.edit(file, t.range, new_name);
        }
    }
    // `gem.column` qualifiers.
    let text = file.text(db);
    for r in &model_ide_facts(db, project, file).references {
        if let Some((qualifier, _)) = r.name.split_once('.') {
            if qualifier.eq_ignore_ascii_case(gem)
                && text
                    .get(r.range.start..r.range.start + qualifier.len())
                    .is_some_and(|s| s.eq_ignore_ascii_case(gem))
            {
                out.edit(
                    file,
                    TextRange::new(r.range.start, r.range.start + qualifier.len()),
                    new_name,
                );
            }
        }
    }
    out
}

fn rename_alias(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    alias: &str,
    gem: Option<&str>,
    new_name: &str,
) -> RenameEdits {
    let index = project_index(db, project);
    let facts = model_ide_facts(db, project, file);
    let mut out = RenameEdits::default();
    for (range, name, g) in &facts.aliases {
        if name.eq_ignore_ascii_case(alias) && g.as_deref() == gem {
            out.edit(file, *range, new_name);
        }
    }
    let model = index.node_for_file(file).map(|n| n.name.clone());
    let is_output = gem.is_some_and(|g| Some(g) == model.as_deref());
    // Readers: later gems of this model (one hop to the gem), and, for the
    // model's output, downstream models.
    let reads = |lineage: &[crate::lineage::Edge],
                 gem_defs: &[(String, crate::schema::RelationSchema)],
                 here: bool| {
        let one_hop = lineage.iter().any(|e| {
            e.from_gem
                && here
                && gem.is_some_and(|g| e.table.eq_ignore_ascii_case(g))
                && e.column.eq_ignore_ascii_case(alias)
        });
        one_hop
            || (is_output
                && through_gems(lineage, gem_defs).iter().any(|e| {
                    model
                        .as_deref()
                        .is_some_and(|m| e.table.eq_ignore_ascii_case(m))
                        && e.column.eq_ignore_ascii_case(alias)
                }))
    };
    for node in index.nodes.iter().filter(|n| n.is_sql_model()) {
        let other = model_analysis(db, project, node.file);
        let here = node.file == file;
        if !here && !(is_output && model.as_deref().is_some_and(|m| other.reads_relation(m))) {
            continue;
        }
        let text = node.file.text(db);
        for r in &model_ide_facts(db, project, node.file).references {
            if reads(&r.lineage, &other.gem_defs, here) {
                // Only the column part of `q.column`.
                let written = &text[r.range.start..r.range.end.min(text.len())];
                if let Some(at) = written.to_lowercase().rfind(&alias.to_lowercase()) {
                    out.edit(
                        node.file,
                        TextRange::new(r.range.start + at, r.range.start + at + alias.len()),
                        new_name,
                    );
                }
            }
        }
    }
    // The model's YAML column entry.
    if is_output {
        if let Some((yaml, _)) = model
            .as_ref()
            .and_then(|m| index.properties.get(&m.to_lowercase()))
        {
            let text = yaml.text(db);
            for pattern in [
                format!("name: {alias}"),
                format!("name: '{alias}'"),
                format!("name: \"{alias}\""),
            ] {
                for (i, _) in text.match_indices(&pattern) {
                    let start = i + pattern.len()
                        - alias.len()
                        - usize::from(pattern.ends_with(['\'', '"']));
                    out.edit(*yaml, TextRange::new(start, start + alias.len()), new_name);
                }
            }
        }
    }
    out
}

fn rename_model(
    db: &dyn Db,
    project: Project,
    name: &str,
    package: Option<&str>,
    new_name: &str,
) -> Result<RenameEdits, String> {
    let index = project_index(db, project);
    let node = index
        .node(name, package)
        .ok_or_else(|| format!("no model or seed named `{name}`"))?;
    if node.is_seed {
        return Err("seeds are renamed by renaming their CSV file".into());
    }
    let mut out = RenameEdits::default();
    // Every ref('name') in templates.
    for other in index.nodes.iter().filter(|n| n.is_sql_model()) {
        let text = other.file.text(db);
        for tag in scan_tags(text)
            .into_iter()
            .filter(|t| t.kind != TagKind::Comment)
        {
            let tag_text = &text[tag.range.start..tag.range.end];
            for quote in ['\'', '"'] {
                let needle = format!("{quote}{name}{quote}");
                for (i, _) in tag_text.match_indices(&needle) {
                    let before = tag_text[..i].trim_end();
                    let is_ref = before.ends_with("ref(")
                        || (before.ends_with(',') && before.contains("ref("));
                    if is_ref {
                        let start = tag.range.start + i + 1;
                        out.edit(
                            other.file,
                            TextRange::new(start, start + name.len()),
                            new_name,
                        );
                    }
                }
            }
        }
    }
    // The YAML entry.
    if let Some((yaml, props)) = index.properties.get(&name.to_lowercase()) {
        out.edit(
            *yaml,
            TextRange::new(props.offset, props.offset + props.name.len()),
            new_name,
        );
    }
    let path = node.file.path(db);
    let folder = path.rsplit_once('/').map_or("", |(d, _)| d);
    let new_path = if folder.is_empty() {
        format!("{new_name}.sql")
    } else {
        format!("{folder}/{new_name}.sql")
    };
    out.file_renames.push((node.file, new_path));
    Ok(out)
}
