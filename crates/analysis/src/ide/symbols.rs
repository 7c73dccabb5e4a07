//! Document symbols: the model and its gems, with their kinds and columns.

use crate::db::{Db, Project, SourceFile};
use crate::model::model_analysis;
use crate::text::TextRange;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    /// The gem kind (Source, Join, Aggregate, ...), or "Column".
    pub detail: String,
    pub range: TextRange,
    pub selection: TextRange,
    pub children: Vec<Symbol>,
}

pub fn document_symbols(db: &dyn Db, project: Project, file: SourceFile) -> Vec<Symbol> {
    let analysis = model_analysis(db, project, file);
    let dialect = project.settings(db).dialect;
    analysis
        .gems
        .iter()
        .map(|g| Symbol {
            name: g.name.clone(),
            detail: g.kind.as_str().to_string(),
            range: g.body.cover(g.range),
            selection: g.range,
            children: g
                .output
                .columns
                .iter()
                .map(|c| Symbol {
                    name: c.name.clone(),
                    detail: c.ty.shown_in(dialect),
                    range: g.range,
                    selection: g.range,
                    children: Vec::new(),
                })
                .collect(),
        })
        .collect()
}
