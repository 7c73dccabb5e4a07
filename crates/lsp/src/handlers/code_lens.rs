//! textDocument/codeLens: each gem's column count and Run; on the model's
//! final SELECT, how many models are downstream; on a gem whose change
//! breaks uses downstream (against the Git base), how many.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{CodeLens, CodeLensParams, Command};

use crate::server::Backend;

pub async fn handle(backend: &Backend, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
    let uri = params.text_document.uri;
    let base = backend.state.lock().unwrap().base.clone();
    let answer = backend
        .with_snapshot(move |host| {
            let file = host.file(&uri.to_file_path()?)?;
            let (db, project) = (host.db(), host.project());
            let text = file.text(db);
            let lenses = loupe_analysis::ide::gem_lenses(db, project, file);
            let model = loupe_analysis::model::project_index(db, project)
                .node_for_file(file)
                .map(|n| n.name.clone());
            let downstream = model.as_deref().map_or(0, |m| {
                loupe_analysis::model::downstream_models(db, project, m).len()
            });
            let impacts = base
                .map(|b| b.impacts(host, Some(&[file.path(db).clone()])))
                .unwrap_or_default();
            let mut out = Vec::new();
            let positions = crate::convert::Positions::new(text);
            for lens in lenses {
                let range = positions.range(lens.range);
                let breaks: usize = impacts
                    .iter()
                    .filter(|i| i.at.as_ref().is_some_and(|at| at.range == lens.range))
                    .map(|i| i.uses.iter().filter(|u| u.breaks).count())
                    .sum();
                if breaks > 0 {
                    out.push(title_lens(
                        range,
                        format!("breaks {breaks} use{} downstream", plural(breaks)),
                        &uri,
                    ));
                }
                if lens.gem.is_none() && model.is_some() {
                    let title = format!("{downstream} downstream model{}", plural(downstream));
                    out.push(title_lens(range, title, &uri));
                }
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

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A lens that shows a fact; clicking it asks the editor for the impact.
fn title_lens(
    range: tower_lsp_server::ls_types::Range,
    title: String,
    uri: &tower_lsp_server::ls_types::Uri,
) -> CodeLens {
    CodeLens {
        range,
        command: Some(Command {
            title,
            command: "loupe.showImpact".into(),
            arguments: Some(vec![serde_json::json!({"uri": uri})]),
        }),
        data: None,
    }
}
