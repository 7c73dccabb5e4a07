//! The edited model analysed before the edit is offered: an edit that
//! introduces an error in the model, or in a model that reads it, is refused.

use std::sync::Arc;

use crate::db::{Db, Project, SourceFile};
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{
    analyze_model_text, model_analysis, model_dependents, project_index, render_model_text,
    rendered_model, ModelAnalysis,
};

use super::{PipelineOp, Refusal};

/// Errors of `after` that `before` does not have (by code and message:
/// their places move with the edit).
fn new_errors(before: &[Diagnostic], after: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut known: Vec<(&str, &str)> = before
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    after
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter(|d| {
            match known
                .iter()
                .position(|k| *k == (d.code.as_str(), d.message.as_str()))
            {
                Some(i) => {
                    known.remove(i);
                    false
                }
                None => true,
            }
        })
        .cloned()
        .collect()
}

/// The analysis of `new_text` as the model in `file`, or why it is refused.
pub(super) fn verify(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    before: &ModelAnalysis,
    new_text: &str,
    op: &PipelineOp,
) -> Result<ModelAnalysis, Refusal> {
    let index = project_index(db, project);
    let model = index
        .node_for_file(file)
        .map_or_else(|| file.path(db).clone(), |n| n.name.clone());
    let rendered = render_model_text(db, project, file, new_text);
    if let Some(error) = &rendered.error {
        return Err(format!("the edited model would not render: {}", error.message).into());
    }
    let after = analyze_model_text(db, project, file, new_text, &rendered, None);
    let mut problems: Vec<String> = new_errors(&before.diagnostics, &after.diagnostics)
        .into_iter()
        .map(|d| format!("{model}: {}", d.message))
        .collect();
    // Models that read this one, with its new output (one hop: their own
    // outputs do not change unless they break, and then this refuses).
    if problems.is_empty() && after.output != before.output {
        let assumed = Arc::new(after.output.clone());
        let readers = model_dependents(db, project);
        for reader in readers.get(&model.to_lowercase()).into_iter().flatten() {
            let Some(node) = index.node(reader, None) else {
                continue;
            };
            let reader_before = model_analysis(db, project, node.file);
            let reader_after = analyze_model_text(
                db,
                project,
                node.file,
                node.file.text(db),
                rendered_model(db, project, node.file),
                Some((file, &assumed)),
            );
            problems.extend(
                new_errors(&reader_before.diagnostics, &reader_after.diagnostics)
                    .into_iter()
                    .map(|d| format!("{reader}: {}", d.message)),
            );
        }
    }
    if problems.is_empty() {
        return Ok(after);
    }
    let what = match op {
        PipelineOp::Insert { .. } => "the new gem",
        PipelineOp::Remove => "the removal",
        PipelineOp::Rename { .. } => "the rename",
        PipelineOp::SetInput { .. } => "the new input",
        PipelineOp::EditParts { .. } => "the change",
    };
    Err(Refusal {
        message: format!(
            "{what} would introduce {} error{}: {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems[0]
        ),
        problems,
        columns: Vec::new(),
    })
}
