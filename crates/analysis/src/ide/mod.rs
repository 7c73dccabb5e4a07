//! Editor answers as plain data: hover, completion, go to definition and
//! symbols, over byte offsets in a model's template. Only the LSP crate turns
//! them into LSP.

mod actions;
mod completion;
mod definition;
mod hover;
mod lenses;
mod pipeline;
mod references;
mod rename;
mod signature;
mod source_columns;
mod symbols;

pub use actions::{actions, Action};
pub use completion::{completions, Completion, CompletionKind};
pub use definition::{goto_definition, Target};
pub use hover::{hover, Hover};
pub use lenses::{
    folding_ranges, gem_at, gem_lenses, inlay_hints, workspace_symbols, GemLens, WorkspaceSymbol,
};
pub use pipeline::{
    apply as apply_edits, edit_pipeline, gem_extents, gem_parts, pipeline_actions, ColumnSpec,
    GemParts, GemSpec, JoinKey, OrderKey, PipelineEdit, PipelineOp, Reader, Refusal, SetOperator,
};
pub use references::find_references;
pub use rename::{rename, RenameEdits};
pub use signature::{signature_help, SignatureHelp};
pub use source_columns::{source_columns_yaml, source_table_at, SourceTableAt};
pub use symbols::{document_symbols, Symbol};

use crate::db::{Db, Project, SourceFile};
use crate::jinja::source_map::{scan_tags, TagKind};
use crate::model::{project_index, rendered_model};
use crate::text::TextRange;

/// The `ref()`/`source()` expression tag under the cursor, if any, and the call it makes.
pub(crate) fn call_at(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: usize,
) -> Option<(TextRange, crate::jinja::Call)> {
    let template = file.text(db);
    let tag = scan_tags(template).into_iter().find(|t| {
        t.kind == TagKind::Expression && t.range.start <= offset && offset < t.range.end
    })?;
    let rendered = rendered_model(db, project, file);
    let call = rendered.calls.iter().find(|c| {
        c.range.is_some_and(|r| {
            tag.range
                .contains_range(rendered.source_map.to_template(r, template))
        })
    })?;
    Some((tag.range, call.call.clone()))
}

/// Whether `offset` falls in `range` (an empty range counts its own position).
pub(crate) fn covers(range: &TextRange, offset: usize) -> bool {
    range.start <= offset && offset < range.end.max(range.start + 1)
}

/// The innermost column reference at `offset`.
pub(crate) fn reference_at(
    references: &[crate::schema::ColumnReference],
    offset: usize,
) -> Option<&crate::schema::ColumnReference> {
    references
        .iter()
        .filter(|r| covers(&r.range, offset))
        .min_by_key(|r| r.range.len())
}

/// A markdown table of columns.
pub(crate) fn columns_table(
    columns: &[crate::schema::Column],
    open: bool,
    dialect: crate::syntax::Dialect,
) -> String {
    let mut out = String::from("| column | type |\n|---|---|\n");
    for c in columns {
        out.push_str(&format!("| {} | {} |\n", c.name, c.ty.shown_in(dialect)));
    }
    if open {
        out.push_str("| … | more columns whose names Loupe does not know |\n");
    }
    out
}

/// The node (model or seed) a relation name in lineage refers to.
pub(crate) fn node_named<'a>(
    db: &'a dyn Db,
    project: Project,
    name: &str,
) -> Option<&'a crate::model::NodeInfo> {
    project_index(db, project).node(name, None)
}
