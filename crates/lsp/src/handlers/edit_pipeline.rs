//! `loupe/editPipeline`: an operation on a gem of the pipeline (insert,
//! remove, rename, rewire, edit its parts), answered as a WorkspaceEdit the
//! client applies with its own undo; `loupe/gemParts`: a gem's parts as they
//! are written, for the form that edits them.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{TextEdit, Uri, WorkspaceEdit};

use loupe_analysis::db::SourceFile;
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::ide::{PipelineEdit, PipelineOp};

use crate::server::Backend;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditPipelineParams {
    pub uri: Uri,
    /// A CTE's name; absent (or the model's name) for the final SELECT.
    pub gem: Option<String>,
    pub operation: PipelineOp,
}

/// The model's edits as a WorkspaceEdit on `uri`.
pub(crate) fn workspace_edit(
    uri: &Uri,
    text: &str,
    edits: &[(loupe_analysis::text::TextRange, String)],
) -> WorkspaceEdit {
    let edits = edits
        .iter()
        .map(|(range, new_text)| TextEdit {
            range: crate::convert::range(text, *range),
            new_text: new_text.clone(),
        })
        .collect();
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
    }
}

/// A refused edit as the request's error: the reason, the problems the
/// check found and the columns that would be lost.
fn refusal_error(refusal: loupe_analysis::ide::Refusal) -> Error {
    Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::InvalidParams,
        message: refusal.message.into(),
        data: Some(json!({"problems": refusal.problems, "columns": refusal.columns})),
    }
}

/// The project file of a model's URI.
fn model_file(host: &AnalysisHost, uri: &Uri) -> std::result::Result<SourceFile, Error> {
    uri.to_file_path()
        .and_then(|p| host.file(&p))
        .ok_or_else(|| Error::invalid_params("not a model of the project"))
}

/// The model the parameters name and the edit their operation makes there,
/// verified; a refusal as the error the client shows.
pub(crate) fn verified_edit(
    host: &AnalysisHost,
    params: &EditPipelineParams,
) -> std::result::Result<(SourceFile, PipelineEdit), Error> {
    let file = model_file(host, &params.uri)?;
    let edit = loupe_analysis::ide::edit_pipeline(
        host.db(),
        host.project(),
        file,
        params.gem.as_deref(),
        &params.operation,
    )
    .map_err(refusal_error)?;
    Ok((file, edit))
}

pub async fn edit_pipeline(backend: &Backend, params: EditPipelineParams) -> Result<Value> {
    let answer = backend
        .with_snapshot(move |host| -> std::result::Result<Value, Error> {
            let (file, edit) = verified_edit(host, &params)?;
            let text = file.text(host.db());
            Ok(json!({
                "title": edit.title,
                "gem": edit.gem,
                "output": super::custom::columns_json(
                    &edit.output,
                    host.project().settings(host.db()).dialect,
                ),
                "edit": workspace_edit(&params.uri, text, &edit.edits),
            }))
        })
        .await?;
    answer.unwrap_or_else(|| Err(Error::invalid_params("no project is loaded")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GemPartsParams {
    pub uri: Uri,
    /// A CTE's name; absent (or the model's name) for the final SELECT.
    pub gem: Option<String>,
}

pub async fn gem_parts(backend: &Backend, params: GemPartsParams) -> Result<Value> {
    let answer = backend
        .with_snapshot(move |host| -> std::result::Result<Value, Error> {
            let file = model_file(host, &params.uri)?;
            let parts = loupe_analysis::ide::gem_parts(
                host.db(),
                host.project(),
                file,
                params.gem.as_deref(),
            )
            .map_err(Error::invalid_params)?;
            let dialect = host.project().settings(host.db()).dialect;
            Ok(json!({
                "gem": parts.gem,
                "kind": parts.kind,
                "parts": parts.parts,
                "reason": parts.reason,
                "inputs": parts
                    .inputs
                    .iter()
                    .map(|(name, schema)| {
                        let mut port = super::custom::columns_json(schema, dialect);
                        port["name"] = json!(name);
                        port
                    })
                    .collect::<Vec<_>>(),
            }))
        })
        .await?;
    answer.unwrap_or_else(|| Err(Error::invalid_params("no project is loaded")))
}
