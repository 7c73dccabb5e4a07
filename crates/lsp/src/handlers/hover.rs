//! textDocument/hover

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use crate::server::Backend;

pub async fn handle(backend: &Backend, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    let answer = backend
        .with_snapshot(move |host| {
            let (file, offset) =
                super::locate(host, &position.text_document.uri, position.position)?;
            let hover = loupe_analysis::ide::hover(host.db(), host.project(), file, offset)?;
            let text = file.text(host.db());
            Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: hover.markdown,
                }),
                range: Some(crate::convert::range(text, hover.range)),
            })
        })
        .await?;
    Ok(answer.flatten())
}
