//! textDocument/rename: a gem, a column alias or a model, in one edit across
//! SQL and YAML (and the model's file).

use std::collections::BTreeMap;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    DocumentChangeOperation, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier,
    RenameFile, RenameParams, ResourceOp, TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};

use crate::server::Backend;

pub async fn handle(backend: &Backend, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
    let position = params.text_document_position;
    let new_name = params.new_name;
    let answer = backend
        .with_snapshot(
            move |host| -> std::result::Result<Option<WorkspaceEdit>, String> {
                let Some((file, offset)) =
                    super::locate(host, &position.text_document.uri, position.position)
                else {
                    return Ok(None);
                };
                let rename = loupe_analysis::ide::rename(
                    host.db(),
                    host.project(),
                    file,
                    offset,
                    &new_name,
                )?;
                let mut by_file: BTreeMap<String, (Uri, Vec<TextEdit>)> = BTreeMap::new();
                for (f, range, text) in rename.edits {
                    let Some(uri) = Uri::from_file_path(host.path_of(f)) else {
                        continue;
                    };
                    let edit = TextEdit {
                        range: crate::convert::range(f.text(host.db()), range),
                        new_text: text,
                    };
                    by_file
                        .entry(uri.as_str().to_string())
                        .or_insert_with(|| (uri, Vec::new()))
                        .1
                        .push(edit);
                }
                let mut operations: Vec<DocumentChangeOperation> = by_file
                    .into_values()
                    .map(|(uri, edits)| {
                        DocumentChangeOperation::Edit(TextDocumentEdit {
                            text_document: OptionalVersionedTextDocumentIdentifier {
                                uri,
                                version: None,
                            },
                            edits: edits.into_iter().map(OneOf::Left).collect(),
                        })
                    })
                    .collect();
                for (f, new_path) in rename.file_renames {
                    let (Some(old_uri), Some(new_uri)) = (
                        Uri::from_file_path(host.path_of(f)),
                        Uri::from_file_path(host.root().join(new_path)),
                    ) else {
                        continue;
                    };
                    operations.push(DocumentChangeOperation::Op(ResourceOp::Rename(
                        RenameFile {
                            old_uri,
                            new_uri,
                            options: None,
                            annotation_id: None,
                        },
                    )));
                }
                Ok(Some(WorkspaceEdit {
                    document_changes: Some(DocumentChanges::Operations(operations)),
                    ..Default::default()
                }))
            },
        )
        .await?;
    match answer {
        None => Ok(None),
        Some(result) => result.map_err(Error::invalid_params),
    }
}
