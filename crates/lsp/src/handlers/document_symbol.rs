//! textDocument/documentSymbol: the model's gems and their columns.

use loupe_analysis::ide::Symbol;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind,
};

use crate::server::Backend;

pub async fn handle(
    backend: &Backend,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let uri = params.text_document.uri;
    let answer = backend
        .with_snapshot(move |host| {
            let file = host.file(&uri.to_file_path()?)?;
            let text = file.text(host.db()).clone();
            let symbols = loupe_analysis::ide::document_symbols(host.db(), host.project(), file);
            Some(DocumentSymbolResponse::Nested(
                symbols
                    .iter()
                    .map(|s| convert(&text, s, SymbolKind::CLASS))
                    .collect(),
            ))
        })
        .await?;
    Ok(answer.flatten())
}

#[allow(deprecated)]
fn convert(text: &str, s: &Symbol, kind: SymbolKind) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name.clone(),
        detail: Some(s.detail.clone()),
        kind,
        tags: None,
        deprecated: None,
        range: crate::convert::range(text, s.range),
        selection_range: crate::convert::range(text, s.selection),
        children: Some(
            s.children
                .iter()
                .map(|c| convert(text, c, SymbolKind::FIELD))
                .collect(),
        ),
    }
}
