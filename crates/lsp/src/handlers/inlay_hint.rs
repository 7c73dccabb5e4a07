//! textDocument/inlayHint: the type after each column reference.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel, InlayHintParams};

use crate::server::Backend;

pub async fn handle(backend: &Backend, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
    let uri = params.text_document.uri;
    let range = params.range;
    let answer = backend
        .with_snapshot(move |host| {
            let file = host.file(&uri.to_file_path()?)?;
            let text = file.text(host.db());
            let wanted = loupe_analysis::text::TextRange::new(
                crate::convert::offset(text, range.start),
                crate::convert::offset(text, range.end),
            );
            let positions = crate::convert::Positions::new(text);
            let hints = loupe_analysis::ide::inlay_hints(host.db(), host.project(), file, wanted)
                .into_iter()
                .map(|(offset, label)| InlayHint {
                    position: positions.position(offset),
                    label: InlayHintLabel::String(label),
                    kind: Some(InlayHintKind::TYPE),
                    text_edits: None,
                    tooltip: None,
                    padding_left: Some(false),
                    padding_right: Some(true),
                    data: None,
                })
                .collect();
            Some(hints)
        })
        .await?;
    Ok(answer.flatten())
}
