//! textDocument/foldingRange: each gem's body folds.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind, FoldingRangeParams};

use crate::server::Backend;

pub async fn handle(
    backend: &Backend,
    params: FoldingRangeParams,
) -> Result<Option<Vec<FoldingRange>>> {
    let uri = params.text_document.uri;
    let answer = backend
        .with_snapshot(move |host| {
            let file = host.file(&uri.to_file_path()?)?;
            let text = file.text(host.db());
            let positions = crate::convert::Positions::new(text);
            let ranges = loupe_analysis::ide::folding_ranges(host.db(), host.project(), file)
                .into_iter()
                .map(|r| positions.range(r))
                .filter(|r| r.end.line > r.start.line)
                .map(|r| FoldingRange {
                    start_line: r.start.line,
                    end_line: r.end.line,
                    kind: Some(FoldingRangeKind::Region),
                    ..Default::default()
                })
                .collect();
            Some(ranges)
        })
        .await?;
    Ok(answer.flatten())
}
