//! textDocument/hover

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use std::sync::Arc;

use crate::server::{Backend, Sample};

/// The first rows of the gem's last run (`None`: the final SELECT), marked
/// stale when its SQL changed since.
fn sample_rows(
    host: &loupe_analysis::host::AnalysisHost,
    file: loupe_analysis::db::SourceFile,
    gem: Option<&str>,
    samples: &[(String, Arc<Sample>)],
) -> String {
    let key = gem.unwrap_or("");
    let Some((_, sample)) = samples.iter().find(|(g, _)| g == key) else {
        return String::new();
    };
    let current =
        loupe_analysis::model::compile_gem(host.db(), host.project(), file, gem, sample.upstream)
            .map(|c| c.sql)
            .ok();
    let stale = if current.as_deref() == Some(sample.sql.as_str()) {
        ""
    } else {
        " (stale: the gem changed since this run)"
    };
    if let Some(error) = &sample.error {
        return format!("\n\n**last run failed**{stale}: {error}\n");
    }
    let mut out = format!(
        "\n\n**sample**{stale}\n\n| {} |\n|{}\n",
        sample
            .columns
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(sample.columns.len())
    );
    for row in sample.rows.iter().take(5) {
        out.push_str(&format!(
            "| {} |\n",
            row.iter()
                .map(|v| v.as_deref().unwrap_or("NULL"))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    if sample.rows.len() > 5 || sample.truncated {
        out.push_str("| … |\n");
    }
    out
}

pub async fn handle(backend: &Backend, params: HoverParams) -> Result<Option<Hover>> {
    let position = params.text_document_position_params;
    let path = position
        .text_document
        .uri
        .to_file_path()
        .map(|p| p.into_owned());
    // Shared, not copied: a hover must not clone every stored row.
    let samples: Vec<(String, Arc<Sample>)> = {
        let state = backend.state.lock().unwrap();
        state
            .samples
            .iter()
            .filter(|((p, _), _)| Some(p) == path.as_ref())
            .map(|((_, g), s)| (g.clone(), s.clone()))
            .collect()
    };
    let answer = backend
        .with_snapshot(move |host| {
            let (file, offset) =
                super::locate(host, &position.text_document.uri, position.position)?;
            let hover = loupe_analysis::ide::hover(host.db(), host.project(), file, offset)?;
            let text = file.text(host.db());
            let mut markdown = hover.markdown;
            if let Some(gem) = &hover.gem {
                markdown.push_str(&sample_rows(host, file, gem.as_deref(), &samples));
            }
            Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: markdown,
                }),
                range: Some(crate::convert::range(text, hover.range)),
            })
        })
        .await?;
    Ok(answer.flatten())
}
