//! `loupe/runGem`, `loupe/describeGem`, `loupe/fabrics` and
//! `loupe/selectFabric`: run a gem on a fabric and keep its rows as the gem's
//! sample, or ask the fabric for its columns only.

use std::sync::Arc;

use loupe_analysis::model::Upstream;
use loupe_fabric::RunControl;
use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ProgressToken, Uri};

use super::{chosen_fabric, off_the_runtime, CancelOnDrop};
use crate::server::{Backend, Sample};

#[derive(Deserialize)]
pub struct RunGemParams {
    pub uri: Uri,
    /// The gem; the model's final SELECT when absent.
    pub gem: Option<String>,
    pub limit: Option<usize>,
    /// A fabric of loupe.toml; else the selected one, else the default.
    pub fabric: Option<String>,
    /// `"inline"` (the default: upstream models inlined from their SQL) or
    /// `"built"` (read from the fabric's database).
    #[serde(default)]
    pub upstream: Upstream,
    /// A client's token for `$/progress` (compiling, then running).
    #[serde(rename = "workDoneToken")]
    pub work_done_token: Option<ProgressToken>,
}

pub async fn run_gem(backend: &Backend, params: RunGemParams) -> Result<Value> {
    let fabric = chosen_fabric(backend, params.fabric.clone());
    let limit = params
        .limit
        .or(backend.state.lock().unwrap().row_limit)
        .unwrap_or(100);
    let gem = params.gem.clone();
    let upstream = params.upstream;
    let uri = params.uri.clone();
    let title = format!(
        "Running {}",
        params.gem.as_deref().unwrap_or("the final SELECT")
    );
    let mut progress = match params.work_done_token.clone() {
        Some(token) => Some(
            backend
                .client
                .progress(token, title)
                .with_message("compiling")
                .begin()
                .await,
        ),
        None => None,
    };
    // Compile on a snapshot, then let it go: edits must not wait for the engine.
    let prepared = backend
        .with_snapshot(move |host| {
            let path = uri.to_file_path().ok_or("not a file")?.into_owned();
            let file = host.file(&path).ok_or("not a model of the project")?;
            let run =
                crate::run::prepare_run(host, file, gem.as_deref(), fabric.as_deref(), upstream)?;
            // Samples are keyed like hovers name gems: "" for the final SELECT.
            let final_gem = loupe_analysis::model::gem_is_final(
                host.db(),
                host.project(),
                file,
                gem.as_deref(),
            );
            let key = if final_gem {
                String::new()
            } else {
                gem.clone().unwrap_or_default()
            };
            Ok::<_, String>(((path, key), run))
        })
        .await
        .and_then(|answer| {
            answer
                .unwrap_or(Err("no project is loaded".into()))
                .map_err(Error::invalid_params)
        });
    if prepared.is_err() {
        if let Some(progress) = progress.take() {
            progress.finish_with_message("failed").await;
        }
    }
    let (key, run) = prepared?;

    if let Some(progress) = &progress {
        progress
            .report(format!("running on {}", run.fabric_name))
            .await;
    }
    // A cancelled request drops this future; the guard then stops the run.
    let (sender, mut messages) = tokio::sync::mpsc::unbounded_channel::<String>();
    let control = RunControl::new(move |m| {
        let _ = sender.send(m.to_string());
    });
    let _cancel_on_drop = CancelOnDrop::new(control.clone());
    let sql = run.sql.clone();
    let mut running =
        tokio::task::spawn_blocking(move || crate::run::execute_run(&run, limit, &control));
    // The fabric's own progress (queued, starting a cluster, running) reaches the client.
    let result = loop {
        tokio::select! {
            Some(message) = messages.recv() => {
                if let Some(progress) = &progress {
                    progress.report(message).await;
                }
            }
            finished = &mut running => break finished,
        }
    };
    let result = result.map_err(|_| Error::internal_error())?;
    if let Some(progress) = progress {
        let outcome = if result.is_ok() { "done" } else { "failed" };
        progress.finish_with_message(outcome).await;
    }
    let sample = match &result {
        Ok(result) => Sample {
            sql: result.sql.clone(),
            columns: result.columns.clone(),
            rows: result.rows.clone(),
            truncated: result.truncated,
            upstream,
            error: None,
        },
        // A failure stays on the gem (its hover tells it) until the next run.
        Err(message) => Sample {
            sql,
            columns: Vec::new(),
            rows: Vec::new(),
            truncated: false,
            upstream,
            error: Some(message.clone()),
        },
    };
    backend
        .state
        .lock()
        .unwrap()
        .samples
        .insert(key, Arc::new(sample));
    let result = result.map_err(Error::invalid_params)?;
    Ok(serde_json::to_value(result).unwrap())
}

/// The columns and types the fabric gives a gem, without running it.
pub async fn describe_gem(backend: &Backend, params: RunGemParams) -> Result<Value> {
    let fabric = chosen_fabric(backend, params.fabric.clone());
    let (uri, gem, upstream) = (params.uri.clone(), params.gem.clone(), params.upstream);
    let run = backend
        .with_snapshot(move |host| {
            let path = uri.to_file_path().ok_or("not a file")?;
            let file = host.file(&path).ok_or("not a model of the project")?;
            crate::run::prepare_run(host, file, gem.as_deref(), fabric.as_deref(), upstream)
        })
        .await?
        .unwrap_or(Err("no project is loaded".into()))
        .map_err(Error::invalid_params)?;
    let fabric_name = run.fabric_name.clone();
    let columns = off_the_runtime(move |control| crate::run::describe_run(&run, control))
        .await?
        .map_err(Error::invalid_params)?;
    Ok(json!({"fabric": fabric_name, "columns": columns}))
}

pub async fn fabrics(backend: &Backend, _params: Value) -> Result<Value> {
    let selected = backend.state.lock().unwrap().selected_fabric.clone();
    let answer = backend
        .with_snapshot(|host| {
            let file = loupe_fabric::FabricsFile::load(host.root())?;
            let details: Vec<Value> = file
                .names()
                .into_iter()
                .filter_map(|name| file.get(Some(&name)).ok())
                .map(|(name, config)| {
                    let status = crate::run::fabric_status(&config, host.root());
                    json!({"name": name, "kind": config.kind, "status": status})
                })
                .collect();
            Ok::<_, String>((file.names(), file.default.clone(), details))
        })
        .await?;
    let (names, default, details) = answer
        .unwrap_or(Err("no project is loaded".into()))
        .map_err(Error::invalid_params)?;
    let default = default.or_else(|| names.first().cloned());
    Ok(
        json!({"fabrics": names, "default": default, "selected": selected.or(default.clone()), "details": details}),
    )
}

#[derive(Deserialize)]
pub struct SelectFabricParams {
    pub name: String,
}

pub async fn select_fabric(backend: &Backend, params: SelectFabricParams) -> Result<Value> {
    let name = params.name.clone();
    let known = backend
        .with_snapshot(move |host| {
            loupe_fabric::FabricsFile::load(host.root())?
                .get(Some(&name))
                .map(|_| ())
        })
        .await?;
    known
        .unwrap_or(Err("no project is loaded".into()))
        .map_err(Error::invalid_params)?;
    backend.state.lock().unwrap().selected_fabric = Some(params.name.clone());
    Ok(json!({"selected": params.name}))
}
