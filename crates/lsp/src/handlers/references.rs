//! textDocument/references: every read of the column, across downstream models.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Location, ReferenceParams, Uri};

use crate::server::Backend;

pub async fn handle(backend: &Backend, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
    let position = params.text_document_position;
    let answer = backend
        .with_snapshot(move |host| {
            let (file, offset) =
                super::locate(host, &position.text_document.uri, position.position)?;
            let targets =
                loupe_analysis::ide::find_references(host.db(), host.project(), file, offset);
            Some(
                targets
                    .into_iter()
                    .filter_map(|t| {
                        let uri = Uri::from_file_path(host.path_of(t.file))?;
                        Some(Location {
                            uri,
                            range: crate::convert::range(t.file.text(host.db()), t.range),
                        })
                    })
                    .collect(),
            )
        })
        .await?;
    Ok(answer.flatten())
}
