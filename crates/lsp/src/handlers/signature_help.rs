//! textDocument/signatureHelp: the overloads of the function being called.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{SignatureHelp, SignatureHelpParams, SignatureInformation};

use crate::server::Backend;

pub async fn handle(
    backend: &Backend,
    params: SignatureHelpParams,
) -> Result<Option<SignatureHelp>> {
    let position = params.text_document_position_params;
    let answer = backend
        .with_snapshot(move |host| {
            let (file, offset) =
                super::locate(host, &position.text_document.uri, position.position)?;
            let help = loupe_analysis::ide::signature_help(file.text(host.db()), offset)?;
            Some(SignatureHelp {
                signatures: help
                    .signatures
                    .into_iter()
                    .map(|label| SignatureInformation {
                        label,
                        documentation: None,
                        parameters: None,
                        active_parameter: None,
                    })
                    .collect(),
                active_signature: Some(0),
                active_parameter: Some(help.active_parameter as u32),
            })
        })
        .await?;
    Ok(answer.flatten())
}
