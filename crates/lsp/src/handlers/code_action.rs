//! textDocument/codeAction: quick fixes that apply a diagnostic's did-you-mean.

use std::collections::HashMap;

use loupe_analysis::ide::Action;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
    CreateFile, DocumentChangeOperation, DocumentChanges, NumberOrString, OneOf,
    OptionalVersionedTextDocumentIdentifier, Position, Range, ResourceOp, TextDocumentEdit,
    TextEdit, Uri, WorkspaceEdit,
};

use crate::server::Backend;

pub async fn handle(
    backend: &Backend,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let uri = params.text_document.uri;
    let resolves_later = backend.state.lock().unwrap().resolves_code_actions;
    let answer = backend
        .with_snapshot(move |host| {
            let file = host.file(&uri.to_file_path()?)?;
            let text = file.text(host.db());
            let mut actions = Vec::new();
            for diagnostic in &params.context.diagnostics {
                let Some(NumberOrString::String(code)) = &diagnostic.code else {
                    continue;
                };
                if !matches!(code.as_str(), "L003" | "L005" | "L006" | "L007") {
                    continue;
                }
                let Some((wrong, right)) = suggestion(&diagnostic.message) else {
                    continue;
                };
                let start = crate::convert::offset(text, diagnostic.range.start);
                let end = crate::convert::offset(text, diagnostic.range.end);
                let Some(written) = text.get(start..end) else {
                    continue;
                };
                let Some(at) = written.rfind(&wrong) else {
                    continue;
                };
                let new_text = format!("{}{right}{}", &written[..at], &written[at + wrong.len()..]);
                let edit = TextEdit {
                    range: diagnostic.range,
                    new_text,
                };
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("Change `{wrong}` to `{right}`"),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                }));
            }
            // Run the gem under the cursor, as its "Run" lens does.
            #[cfg(feature = "fabric")]
            if let Some(gem) = loupe_analysis::ide::gem_at(
                host.db(),
                host.project(),
                file,
                crate::convert::offset(text, params.range.start),
            ) {
                let title = match &gem {
                    Some(name) => format!("Run gem `{name}` on the fabric"),
                    None => "Run the model's final SELECT on the fabric".to_string(),
                };
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: title.clone(),
                    command: Some(tower_lsp_server::ls_types::Command {
                        title,
                        command: "loupe.runGem".into(),
                        arguments: Some(vec![serde_json::json!({"uri": uri, "gem": gem})]),
                    }),
                    ..Default::default()
                }));
            }
            // A source table without columns in YAML: ask the fabric for them.
            #[cfg(feature = "fabric")]
            if let Some(at) = loupe_analysis::ide::source_table_at(
                host.db(),
                host.project(),
                file,
                crate::convert::offset(text, params.range.start),
            )
            .filter(|at| !at.has_columns)
            {
                let title = format!(
                    "Fetch the columns of `{}.{}` from the fabric",
                    at.source, at.table
                );
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: title.clone(),
                    command: Some(tower_lsp_server::ls_types::Command {
                        title,
                        command: "loupe.fetchSourceSchema".into(),
                        arguments: Some(vec![serde_json::json!({
                            "uri": uri,
                            "offset": crate::convert::offset(text, params.range.start),
                        })]),
                    }),
                    ..Default::default()
                }));
            }
            // The pipeline view's operations at the gem under the cursor, for
            // editors without the view. Verifying one re-analyses the model
            // (and its readers): an editor that resolves actions gets them
            // unverified, each verified and its edit made when picked
            // (codeAction/resolve); others get only those the check accepts.
            let offset = crate::convert::offset(text, params.range.start);
            if let Some(gem) = loupe_analysis::ide::gem_at(host.db(), host.project(), file, offset)
            {
                for (title, op) in loupe_analysis::ide::pipeline_actions(
                    host.db(),
                    host.project(),
                    file,
                    gem.as_deref(),
                ) {
                    let mut action = CodeAction {
                        title,
                        kind: Some(CodeActionKind::REFACTOR),
                        ..Default::default()
                    };
                    if resolves_later {
                        action.data = Some(super::code_action_resolve::pipeline_action_data(
                            &uri,
                            gem.as_deref(),
                            &op,
                        ));
                    } else {
                        let Ok(edit) = loupe_analysis::ide::edit_pipeline(
                            host.db(),
                            host.project(),
                            file,
                            gem.as_deref(),
                            &op,
                        ) else {
                            continue;
                        };
                        action.edit = Some(super::edit_pipeline::workspace_edit(
                            &uri,
                            text,
                            &edit.edits,
                        ));
                    }
                    actions.push(CodeActionOrCommand::CodeAction(action));
                }
            }
            // Refactors and fixes from the engine: expand `*`, qualify, stub a model.
            let wanted = loupe_analysis::text::TextRange::new(
                crate::convert::offset(text, params.range.start),
                crate::convert::offset(text, params.range.end),
            );
            let diagnostics: Vec<(String, String, loupe_analysis::text::TextRange)> = params
                .context
                .diagnostics
                .iter()
                .filter_map(|d| match &d.code {
                    Some(NumberOrString::String(code)) => Some((
                        code.clone(),
                        d.message.clone(),
                        loupe_analysis::text::TextRange::new(
                            crate::convert::offset(text, d.range.start),
                            crate::convert::offset(text, d.range.end),
                        ),
                    )),
                    _ => None,
                })
                .collect();
            for action in
                loupe_analysis::ide::actions(host.db(), host.project(), file, wanted, &diagnostics)
            {
                actions.push(CodeActionOrCommand::CodeAction(match action {
                    Action::Replace {
                        title,
                        range,
                        text: new_text,
                    } => CodeAction {
                        title,
                        kind: Some(CodeActionKind::REFACTOR_REWRITE),
                        edit: Some(WorkspaceEdit {
                            changes: Some(HashMap::from([(
                                uri.clone(),
                                vec![TextEdit {
                                    range: crate::convert::range(text, range),
                                    new_text,
                                }],
                            )])),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    Action::Edits {
                        title,
                        file: target,
                        edits,
                    } => {
                        let Some(target_uri) = Uri::from_file_path(host.path_of(target)) else {
                            continue;
                        };
                        let target_text = target.text(host.db());
                        let edits = edits
                            .into_iter()
                            .map(|(range, new_text)| TextEdit {
                                range: crate::convert::range(target_text, range),
                                new_text,
                            })
                            .collect();
                        CodeAction {
                            title,
                            kind: Some(CodeActionKind::REFACTOR),
                            edit: Some(WorkspaceEdit {
                                changes: Some(HashMap::from([(target_uri, edits)])),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }
                    }
                    Action::CreateFile {
                        title,
                        path,
                        text: content,
                    } => {
                        let Some(new_uri) = Uri::from_file_path(host.root().join(&path)) else {
                            continue;
                        };
                        let start = Position {
                            line: 0,
                            character: 0,
                        };
                        CodeAction {
                            title,
                            kind: Some(CodeActionKind::QUICKFIX),
                            edit: Some(WorkspaceEdit {
                                document_changes: Some(DocumentChanges::Operations(vec![
                                    DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                                        uri: new_uri.clone(),
                                        options: None,
                                        annotation_id: None,
                                    })),
                                    DocumentChangeOperation::Edit(TextDocumentEdit {
                                        text_document: OptionalVersionedTextDocumentIdentifier {
                                            uri: new_uri,
                                            version: None,
                                        },
                                        edits: vec![OneOf::Left(TextEdit {
                                            range: Range { start, end: start },
                                            new_text: content,
                                        })],
                                    }),
                                ])),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }
                    }
                }));
            }
            Some(actions)
        })
        .await?;
    Ok(answer.flatten())
}

/// (the misspelled name, the suggestion) from "... `x.amont` ...; did you mean `amount`?".
fn suggestion(message: &str) -> Option<(String, String)> {
    let (before, after) = message.split_once("did you mean `")?;
    let right = after.split('`').next()?.to_string();
    let quoted = before.split('`').nth(1)?;
    // `ref('stg_order')` names the model inside the quotes; `p.amont` the last part.
    let wrong = match quoted.split_once('\'') {
        Some((_, rest)) => rest.split('\'').next()?.to_string(),
        None => quoted.rsplit('.').next()?.to_string(),
    };
    Some((wrong, right))
}

#[cfg(test)]
mod tests {
    use super::suggestion;

    #[test]
    fn reads_the_suggestion_from_messages() {
        assert_eq!(
            suggestion("unknown column `p.amont`; did you mean `amount`?"),
            Some(("amont".into(), "amount".into()))
        );
        assert_eq!(
            suggestion("`ref('stg_order')`: no model or seed named `stg_order`; did you mean `stg_orders`?"),
            Some(("stg_order".into(), "stg_orders".into()))
        );
        assert_eq!(
            suggestion("column `c.stauts` is not among the 3 columns declared for source `stripe.charges` in models/_sources.yml; did you mean `status`? If the table has it, declare it there"),
            Some(("stauts".into(), "status".into()))
        );
        assert_eq!(suggestion("unknown column `x`"), None);
    }
}
