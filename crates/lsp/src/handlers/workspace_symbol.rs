//! workspace/symbol: models, seeds, sources and gems by name.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    Location, SymbolInformation, SymbolKind, Uri, WorkspaceSymbolParams, WorkspaceSymbolResponse,
};

use crate::server::Backend;

pub async fn handle(
    backend: &Backend,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    let answer = backend
        .with_snapshot(move |host| {
            #[allow(deprecated)]
            let symbols: Vec<SymbolInformation> =
                loupe_analysis::ide::workspace_symbols(host.db(), host.project(), &params.query)
                    .into_iter()
                    .filter_map(|s| {
                        let uri = Uri::from_file_path(host.path_of(s.file))?;
                        Some(SymbolInformation {
                            name: s.name,
                            kind: match s.kind {
                                "gem" => SymbolKind::CLASS,
                                "source" => SymbolKind::INTERFACE,
                                _ => SymbolKind::MODULE,
                            },
                            tags: None,
                            deprecated: None,
                            location: Location {
                                uri,
                                range: crate::convert::range(s.file.text(host.db()), s.range),
                            },
                            container_name: s.container,
                        })
                    })
                    .collect();
            Some(WorkspaceSymbolResponse::Flat(symbols))
        })
        .await?;
    Ok(answer.flatten())
}
