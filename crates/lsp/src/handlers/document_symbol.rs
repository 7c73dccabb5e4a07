//! textDocument/documentSymbol: the model's gems and their columns.

use loupe_analysis::ide::Symbol;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind,
};

use crate::convert::Positions;
use crate::server::Backend;

pub async fn handle(
    backend: &Backend,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let uri = params.text_document.uri;
    let answer = backend
        .with_snapshot(move |host| {
            let file = host.file(&uri.to_file_path()?)?;
            let positions = Positions::new(file.text(host.db()));
            let symbols = loupe_analysis::ide::document_symbols(host.db(), host.project(), file);
            Some(DocumentSymbolResponse::Nested(
                symbols
                    .iter()
                    .map(|s| convert(&positions, s, SymbolKind::CLASS))
                    .collect(),
            ))
        })
        .await?;
    Ok(answer.flatten())
}

#[allow(deprecated)]
fn convert(positions: &Positions, s: &Symbol, kind: SymbolKind) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name.clone(),
        detail: Some(s.detail.clone()),
        kind,
        tags: None,
        deprecated: None,
        range: positions.range(s.range),
        selection_range: positions.range(s.selection),
        children: Some(
            s.children
                .iter()
                .map(|c| convert(positions, c, SymbolKind::FIELD))
                .collect(),
        ),
    }
}
