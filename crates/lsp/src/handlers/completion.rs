//! textDocument/completion

use loupe_analysis::ide::CompletionKind;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse,
};

use crate::server::Backend;

pub async fn handle(
    backend: &Backend,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let position = params.text_document_position;
    let fallback = position.text_document.uri.to_file_path().and_then(|p| {
        backend
            .state
            .lock()
            .unwrap()
            .last_scopes
            .get(p.as_ref())
            .cloned()
    });
    let answer = backend
        .with_snapshot(move |host| {
            let (file, offset) =
                super::locate(host, &position.text_document.uri, position.position)?;
            let items = loupe_analysis::ide::completions(
                host.db(),
                host.project(),
                file,
                offset,
                fallback.as_deref(),
            );
            Some(CompletionResponse::Array(
                items
                    .into_iter()
                    .map(|c| CompletionItem {
                        label: c.label,
                        kind: Some(match c.kind {
                            CompletionKind::Column => CompletionItemKind::FIELD,
                            CompletionKind::Gem => CompletionItemKind::CLASS,
                            CompletionKind::Model
                            | CompletionKind::Seed
                            | CompletionKind::Source => CompletionItemKind::MODULE,
                            CompletionKind::Function => CompletionItemKind::FUNCTION,
                            CompletionKind::Keyword => CompletionItemKind::KEYWORD,
                            CompletionKind::Macro => CompletionItemKind::SNIPPET,
                        }),
                        detail: Some(c.detail),
                        ..Default::default()
                    })
                    .collect(),
            ))
        })
        .await?;
    Ok(answer.flatten())
}
