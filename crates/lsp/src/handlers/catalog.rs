//! `loupe/refreshCatalog` and the `loupe.fetchSourceSchema` command: ask a
//! fabric for the columns of warehouse tables. A refresh feeds the analysis
//! (every source table gets its whole schema, where YAML lists none or some
//! of its columns); the command writes a source's columns into its YAML.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{MessageType, Range, TextEdit, Uri, WorkspaceEdit};

use super::{chosen_fabric, off_the_runtime};
use crate::server::Backend;

#[derive(Deserialize, Default)]
pub struct RefreshCatalogParams {
    /// A fabric of loupe.toml; else the selected one, else the default.
    pub fabric: Option<String>,
}

pub async fn refresh_catalog(
    backend: &Backend,
    params: Option<RefreshCatalogParams>,
) -> Result<Value> {
    let fabric = chosen_fabric(backend, params.unwrap_or_default().fabric);
    let (root, sources, duckdb_file) = backend
        .with_snapshot(|host| {
            let file = host.target().duckdb_file.clone();
            (host.root().to_path_buf(), host.source_tables(), file)
        })
        .await?
        .ok_or_else(|| Error::invalid_params("no project is loaded"))?;
    let refreshed = off_the_runtime(move |control| {
        let file = duckdb_file.as_deref();
        crate::run::refresh_catalog(&root, &sources, fabric.as_deref(), file, control)
    })
    .await?
    .map_err(Error::invalid_params)?;
    let answer = json!({
        "fabric": refreshed.fabric_name,
        "described": refreshed.described,
        "failed": refreshed.failed.iter().map(|(table, message)| json!({"table": table, "message": message})).collect::<Vec<_>>(),
    });
    if let Some(host) = backend.state.lock().unwrap().host.as_mut() {
        host.set_catalog(refreshed.catalog);
    }
    backend.schedule_diagnostics();
    Ok(answer)
}

#[derive(Deserialize)]
pub struct FetchSourceSchemaParams {
    pub uri: Uri,
    /// A byte offset inside the source table's YAML entry.
    pub offset: usize,
    pub fabric: Option<String>,
}

/// Describes the source table at `offset` and inserts its `columns:` into the YAML.
pub async fn fetch_source_schema(
    backend: &Backend,
    params: FetchSourceSchemaParams,
) -> Result<Value> {
    let fabric = chosen_fabric(backend, params.fabric.clone());
    let uri = params.uri.clone();
    let found = backend
        .with_snapshot(move |host| {
            let file = host.file(&uri.to_file_path()?)?;
            let at = loupe_analysis::ide::source_table_at(
                host.db(),
                host.project(),
                file,
                params.offset,
            )?;
            let position = crate::convert::position(file.text(host.db()), at.insert_at);
            let duckdb_file = host.target().duckdb_file.clone();
            Some((host.root().to_path_buf(), at, position, duckdb_file))
        })
        .await?
        .flatten()
        .ok_or_else(|| Error::invalid_params("no source table at that place of the YAML"))?;
    let (root, at, position, duckdb_file) = found;
    let (schema, identifier) = (at.schema.clone(), at.identifier.clone());
    let (fabric_name, columns) = off_the_runtime(move |control| {
        let (fabric, file) = (fabric.as_deref(), duckdb_file.as_deref());
        crate::run::describe_table(&root, fabric, file, &schema, &identifier, control)
    })
    .await?
    .map_err(Error::invalid_params)?;
    let name = format!("{}.{}", at.source, at.table);
    if columns.is_empty() {
        return Err(Error::invalid_params(format!(
            "fabric `{fabric_name}` knows no columns of {name}"
        )));
    }
    let edit = TextEdit {
        range: Range::new(position, position),
        new_text: loupe_analysis::ide::source_columns_yaml(at.indent, &columns),
    };
    let applied = backend
        .client
        .apply_edit(WorkspaceEdit {
            changes: Some(HashMap::from([(params.uri.clone(), vec![edit])])),
            ..Default::default()
        })
        .await
        .map(|r| r.applied)
        .unwrap_or(false);
    let message = if applied {
        format!(
            "{name}: {} columns from fabric `{fabric_name}`",
            columns.len()
        )
    } else {
        format!("{name}: the editor did not apply the columns from fabric `{fabric_name}`")
    };
    backend
        .client
        .show_message(MessageType::INFO, message)
        .await;
    Ok(json!({"source": name, "fabric": fabric_name, "columns": columns, "applied": applied}))
}
