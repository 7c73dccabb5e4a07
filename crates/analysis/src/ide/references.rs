//! Find references: every place in the project that reads the column under
//! the cursor, through gems and downstream models.

use crate::db::{Db, Project, SourceFile};
use crate::lineage::through_gems;
use crate::model::{model_analysis, model_ide_facts, project_index};

use super::Target;

pub fn find_references(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: usize,
) -> Vec<Target> {
    let index = project_index(db, project);
    let analysis = model_analysis(db, project, file);
    let facts = model_ide_facts(db, project, file);
    let Some(reference) = super::reference_at(&facts.references, offset) else {
        return Vec::new();
    };
    // The column's identity: the relation columns it reads, and this model's
    // output column of the same name.
    let mut identity: Vec<(String, String)> = through_gems(&reference.lineage, &analysis.gem_defs)
        .into_iter()
        .filter(|e| e.is_attributed())
        .map(|e| (e.table.to_lowercase(), e.column.to_lowercase()))
        .collect();
    let column = reference
        .name
        .rsplit('.')
        .next()
        .unwrap_or(&reference.name)
        .to_lowercase();
    if let Some(node) = index.node_for_file(file) {
        if analysis.output.column(&column).is_some() {
            identity.push((node.name.to_lowercase(), column));
        }
    }
    let mut out = Vec::new();
    for node in index.nodes.iter().filter(|n| n.is_sql_model()) {
        let other = model_analysis(db, project, node.file);
        if !identity.iter().any(|(t, _)| other.reads_relation(t)) {
            continue;
        }
        for r in &model_ide_facts(db, project, node.file).references {
            let reads = through_gems(&r.lineage, &other.gem_defs).iter().any(|e| {
                identity.iter().any(|(t, c)| {
                    e.table.eq_ignore_ascii_case(t) && e.column.eq_ignore_ascii_case(c)
                })
            });
            if reads
                && !out
                    .iter()
                    .any(|t: &Target| t.file == node.file && t.range == r.range)
            {
                out.push(Target {
                    file: node.file,
                    range: r.range,
                });
            }
        }
    }
    out
}
