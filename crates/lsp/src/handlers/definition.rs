//! textDocument/definition

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{GotoDefinitionParams, GotoDefinitionResponse, Location, Uri};

use crate::server::Backend;

pub async fn handle(
    backend: &Backend,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let position = params.text_document_position_params;
    let answer = backend
        .with_snapshot(move |host| {
            let (file, offset) =
                super::locate(host, &position.text_document.uri, position.position)?;
            let targets =
                loupe_analysis::ide::goto_definition(host.db(), host.project(), file, offset);
            let locations: Vec<Location> = targets
                .into_iter()
                .filter_map(|t| {
                    let uri = Uri::from_file_path(host.path_of(t.file))?;
                    Some(Location {
                        uri,
                        range: crate::convert::range(t.file.text(host.db()), t.range),
                    })
                })
                .collect();
            (!locations.is_empty()).then_some(GotoDefinitionResponse::Array(locations))
        })
        .await?;
    Ok(answer.flatten())
}
