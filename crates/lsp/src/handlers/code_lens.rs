//! textDocument/codeLens: each gem's column count.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{CodeLens, CodeLensParams, Command};

use crate::server::Backend;

pub async fn handle(backend: &Backend, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
    let uri = params.text_document.uri;
    let answer = backend
        .with_snapshot(move |host| {
            let file = host.file(&uri.to_file_path()?)?;
            let text = file.text(host.db());
            let lenses = loupe_analysis::ide::gem_lenses(host.db(), host.project(), file);
            let mut out = Vec::new();
            for lens in lenses {
                let range = crate::convert::range(text, lens.range);
                let more = if lens.complete { "" } else { "+" };
                out.push(CodeLens {
                    range,
                    command: Some(Command {
                        title: format!("{}{more} columns", lens.columns),
                        command: String::new(),
                        arguments: None,
                    }),
                    data: None,
                });
                // Running a gem needs a fabric (built with the `fabric` feature).
                if cfg!(feature = "fabric") {
                    out.push(CodeLens {
                        range,
                        command: Some(Command {
                            title: "Run".into(),
                            command: "loupe.runGem".into(),
                            arguments: Some(vec![serde_json::json!({"uri": uri, "gem": lens.gem})]),
                        }),
                        data: None,
                    });
                }
            }
            Some(out)
        })
        .await?;
    Ok(answer.flatten())
}
