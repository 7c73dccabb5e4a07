//! Go to definition: `ref()` to the model, `source()` to its YAML, a CTE
//! name to its definition, a column to the gem or model that defines it.

use crate::db::{Db, Project, SourceFile};
use crate::jinja::Call;
use crate::model::{model_analysis, model_ide_facts, project_index};
use crate::text::TextRange;

use super::call_at;

/// A place in a project file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub file: SourceFile,
    pub range: TextRange,
}

pub fn goto_definition(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: usize,
) -> Vec<Target> {
    let index = project_index(db, project);
    let at = |r: &TextRange| super::covers(r, offset);
    if let Some((_, call)) = call_at(db, project, file, offset) {
        return match call {
            Call::Ref { package, name } => {
                crate::model::ref_target(db, project, index, &name, package.as_deref())
                    .map(|n| {
                        vec![Target {
                            file: n.file,
                            range: TextRange::empty(0),
                        }]
                    })
                    .unwrap_or_default()
            }
            Call::Source { source, table } => {
                let key = (source.to_lowercase(), table.to_lowercase());
                match (index.source_files.get(&key), index.sources.get(&key)) {
                    (Some(&yaml), Some(s)) => vec![Target {
                        file: yaml,
                        range: TextRange::new(s.offset, s.offset + s.table.len()),
                    }],
                    _ => Vec::new(),
                }
            }
        };
    }
    let analysis = model_analysis(db, project, file);
    let gem_named = |name: &str| {
        analysis.gems[..analysis.gems.len().saturating_sub(1)]
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    };
    // A CTE name in FROM.
    if let Some(table) = analysis.tables.iter().find(|t| at(&t.range)) {
        if let [name] = table.parts.as_slice() {
            if let Some(g) = gem_named(name) {
                return vec![Target {
                    file,
                    range: g.range,
                }];
            }
        }
    }
    // A column: where its value is defined one step upstream.
    let Some(reference) =
        super::reference_at(&model_ide_facts(db, project, file).references, offset)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for edge in &reference.lineage {
        if let Some(g) = edge.from_gem.then(|| gem_named(&edge.table)).flatten() {
            out.push(Target {
                file,
                range: g.range,
            });
        } else if let Some(n) = index.node(&edge.table, None) {
            let range = if n.is_seed {
                TextRange::empty(0)
            } else {
                // The final gem of that model, where the column is produced.
                model_analysis(db, project, n.file)
                    .gems
                    .last()
                    .map_or(TextRange::empty(0), |g| g.range)
            };
            out.push(Target {
                file: n.file,
                range,
            });
        }
    }
    out
}
