//! Hover: a gem's kind, inputs and output; a column's type, origin and
//! description; a ref's or source's schema; what a `*` expands to.

use crate::db::{Db, Project, SourceFile};
use crate::jinja::Call;
use crate::model::{model_analysis, model_ide_facts, node_output, project_index};
use crate::text::TextRange;

use super::{call_at, columns_table, node_named};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    pub markdown: String,
    pub range: TextRange,
    /// The gem hovered, when it is one (clients add its sample rows); `None`
    /// in the name for the model's final SELECT.
    pub gem: Option<Option<String>>,
}

pub fn hover(db: &dyn Db, project: Project, file: SourceFile, offset: usize) -> Option<Hover> {
    let analysis = model_analysis(db, project, file);
    let index = project_index(db, project);
    let at = |r: &TextRange| super::covers(r, offset);
    let dialect = project.settings(db).dialect;

    if let Some(gem) = analysis.gems.iter().find(|g| at(&g.range)) {
        let inputs = if gem.inputs.is_empty() {
            "none".to_string()
        } else {
            gem.inputs.join(", ")
        };
        let because = analysis
            .unknown_because
            .as_ref()
            .map(|b| format!("\n\nsome columns may be missing: {b}"))
            .unwrap_or_default();
        let markdown = format!(
            "**gem** `{}` — {}\n\ninputs: {}\n\n{}{because}",
            gem.name,
            gem.kind.as_str(),
            inputs,
            columns_table(&gem.output.columns, gem.output.open, dialect)
        );
        let is_final = std::ptr::eq(gem, analysis.gems.last().unwrap());
        return Some(Hover {
            markdown,
            range: gem.range,
            gem: Some((!is_final).then(|| gem.name.clone())),
        });
    }
    if let Some((range, call)) = call_at(db, project, file, offset) {
        return Some(Hover {
            markdown: call_hover(db, project, &call),
            range,
            gem: None,
        });
    }
    if let (Some(because), true) = (&analysis.unknown_because, analysis.gems.is_empty()) {
        return Some(Hover {
            markdown: format!("columns of this model unknown: {because}"),
            range: TextRange::empty(offset),
            gem: None,
        });
    }
    let facts = model_ide_facts(db, project, file);
    if let Some((range, columns)) = facts.stars.iter().find(|(r, _)| at(r)) {
        return Some(Hover {
            markdown: format!(
                "`*` expands to\n\n{}",
                columns_table(columns, false, dialect)
            ),
            range: *range,
            gem: None,
        });
    }
    let reference = super::reference_at(&facts.references, offset)?;
    let mut markdown = format!(
        "`{}`: **{}**",
        reference.name,
        reference.ty.shown_in(dialect)
    );
    if reference.ty.is_unknown() {
        markdown = format!(
            "`{}`: type unknown — the relation it comes from has no declared columns (describe them in YAML, or fetch the schema from a fabric)",
            reference.name
        );
    }
    for edge in reference.lineage.iter().filter(|e| e.is_attributed()) {
        let via = if edge.from_gem { "gem " } else { "" };
        markdown.push_str(&format!(
            "\n\nfrom {via}`{}.{}` ({})",
            edge.table,
            edge.column,
            edge.kind.as_str()
        ));
    }
    // One hop is above; the relations behind gems, and their roots, follow.
    let relations = crate::lineage::through_gems(&reference.lineage, &analysis.gem_defs);
    let mut roots: Vec<String> = Vec::new();
    for edge in relations.iter().filter(|e| e.is_attributed()) {
        if let Some(description) = column_description(db, project, &edge.table, &edge.column) {
            markdown.push_str(&format!("\n\n{description}"));
        }
        match node_named(db, project, &edge.table).filter(|n| n.is_sql_model()) {
            None => roots.push(format!("`{}.{}`", edge.table, edge.column)),
            Some(node) => {
                let upstream =
                    crate::model::upstream(db, project, &node.name, &edge.column, None).ok();
                for g in upstream.iter() {
                    for (i, n) in g.nodes.iter().enumerate() {
                        let is_root = n.gem.is_none() && !g.edges.iter().any(|e| e.to == i);
                        let shown = format!("`{}.{}`", n.relation, n.column);
                        if is_root && !roots.contains(&shown) {
                            roots.push(shown);
                        }
                    }
                }
            }
        }
    }
    if !roots.is_empty() {
        markdown.push_str(&format!("\n\nroot source: {}", roots.join(", ")));
    }
    let _ = index;
    Some(Hover {
        markdown,
        range: reference.range,
        gem: None,
    })
}

fn call_hover(db: &dyn Db, project: Project, call: &Call) -> String {
    let index = project_index(db, project);
    let dialect = project.settings(db).dialect;
    match call {
        Call::Ref { package, name } => {
            match crate::model::ref_target(db, project, index, name, package.as_deref()) {
                None => format!("`ref('{name}')`: no model or seed named `{name}`"),
                Some(node) => {
                    let schema = node_output(db, project, node);
                    let because = (node.is_sql_model())
                        .then(|| {
                            model_analysis(db, project, node.file)
                                .unknown_because
                                .clone()
                        })
                        .flatten()
                        .map(|b| format!("columns unknown: {b}\n\n"))
                        .unwrap_or_default();
                    let description = index
                        .properties
                        .get(&node.name.to_lowercase())
                        .and_then(|(_, p)| p.description.clone())
                        .map(|d| format!("{d}\n\n"))
                        .unwrap_or_default();
                    format!(
                        "**{}** `{}` → `{}.{}`\n\n{description}{because}{}",
                        if node.is_seed { "seed" } else { "model" },
                        node.name,
                        node.relation.0,
                        node.relation.1,
                        columns_table(&schema.columns, schema.open, dialect)
                    )
                }
            }
        }
        Call::Source { source, table } => match index
            .sources
            .get(&(source.to_lowercase(), table.to_lowercase()))
        {
            None => format!("`source('{source}', '{table}')` is not declared"),
            Some(s) => {
                let catalog = project.catalog(db);
                let body = if let Some(schema) = s.schema() {
                    columns_table(&schema.columns, false, dialect)
                } else if let Some(schema) = catalog.schema(&s.schema, &s.identifier) {
                    format!(
                        "columns as fabric `{}` described them (the YAML declares none):\n\n{}",
                        catalog.fabric,
                        columns_table(&schema.columns, false, dialect)
                    )
                } else if let Some(node) = index.node_by_relation(&s.schema, &s.identifier) {
                    let schema = node_output(db, project, node);
                    format!(
                        "columns of {} `{}`, which builds `{}.{}`:\n\n{}",
                        if node.is_seed { "seed" } else { "model" },
                        node.name,
                        s.schema,
                        s.identifier,
                        columns_table(&schema.columns, schema.open, dialect)
                    )
                } else {
                    "columns unknown: the YAML declares none (list them, or fetch the schema from a fabric)".to_string()
                };
                let description = s
                    .description
                    .clone()
                    .map(|d| format!("{d}\n\n"))
                    .unwrap_or_default();
                format!(
                    "**source** `{source}.{table}` → `{}.{}`\n\n{description}{body}",
                    s.schema, s.identifier
                )
            }
        },
    }
}

/// The YAML description of a model's or source's column.
fn column_description(
    db: &dyn Db,
    project: Project,
    relation: &str,
    column: &str,
) -> Option<String> {
    let index = project_index(db, project);
    if let Some((_, props)) = index.properties.get(&relation.to_lowercase()) {
        return props
            .columns
            .iter()
            .find(|(c, _, _)| c.eq_ignore_ascii_case(column))
            .and_then(|(_, _, d)| d.clone());
    }
    let (source, table) = relation.split_once('.')?;
    let s = index
        .sources
        .get(&(source.to_lowercase(), table.to_lowercase()))?;
    s.columns
        .as_ref()?
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(column))
        .and_then(|(_, _, d)| d.clone())
}
