//! codeAction/resolve: the edit of a pipeline action listed without one,
//! verified and made when the user picks it.

use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{CodeAction, Uri, WorkspaceEdit};

use loupe_analysis::ide::PipelineOp;

use super::edit_pipeline::{verified_edit, workspace_edit, EditPipelineParams};
use crate::server::Backend;

/// What a pipeline action carries until it is resolved: the parameters of
/// `loupe/editPipeline`.
pub(crate) fn pipeline_action_data(uri: &Uri, gem: Option<&str>, op: &PipelineOp) -> Value {
    json!({"uri": uri, "gem": gem, "operation": op})
}

pub async fn handle(backend: &Backend, mut action: CodeAction) -> Result<CodeAction> {
    let Some(data) = action.data.clone() else {
        return Ok(action);
    };
    let params: EditPipelineParams = serde_json::from_value(data)
        .map_err(|e| Error::invalid_params(format!("not a pipeline action of Loupe: {e}")))?;
    let answer = backend
        .with_snapshot(move |host| -> std::result::Result<WorkspaceEdit, Error> {
            let (file, edit) = verified_edit(host, &params)?;
            Ok(workspace_edit(
                &params.uri,
                file.text(host.db()),
                &edit.edits,
            ))
        })
        .await?;
    action.edit =
        Some(answer.unwrap_or_else(|| Err(Error::invalid_params("no project is loaded")))?);
    Ok(action)
}
