//! workspace/executeCommand: `loupe.runGem`, the command of the "Run" lens.
//! Any client that shows lenses can run a gem: the server runs it, keeps the
//! rows as the gem's sample (shown on hover) and reports in a message.
//! `loupe.fetchSourceSchema` writes a source's columns from a fabric into its YAML.

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, MessageType};

use super::run_gem::{run_gem, RunGemParams};
use crate::server::Backend;

pub const COMMANDS: &[&str] = &["loupe.runGem", "loupe.fetchSourceSchema"];

pub async fn handle(backend: &Backend, params: ExecuteCommandParams) -> Result<Option<Value>> {
    let argument = params.arguments.into_iter().next().unwrap_or(Value::Null);
    match params.command.as_str() {
        "loupe.runGem" => run(backend, argument).await,
        "loupe.fetchSourceSchema" => {
            let fetch = serde_json::from_value(argument)
                .map_err(|e| Error::invalid_params(e.to_string()))?;
            match super::catalog::fetch_source_schema(backend, fetch).await {
                Ok(answer) => Ok(Some(answer)),
                Err(error) => {
                    let message = format!("fetching the columns failed: {}", error.message);
                    backend
                        .client
                        .show_message(MessageType::ERROR, message)
                        .await;
                    Err(error)
                }
            }
        }
        other => Err(Error::invalid_params(format!("unknown command `{other}`"))),
    }
}

async fn run(backend: &Backend, argument: Value) -> Result<Option<Value>> {
    let run: RunGemParams =
        serde_json::from_value(argument).map_err(|e| Error::invalid_params(e.to_string()))?;
    let gem = run.gem.clone().unwrap_or_else(|| "final SELECT".into());
    match run_gem(backend, run).await {
        Ok(result) => {
            let rows = result["rows"].as_array().map_or(0, Vec::len);
            let more = if result["truncated"] == true { "+" } else { "" };
            let columns = result["columns"].as_array().map_or(0, Vec::len);
            let ms = result["elapsed_ms"].as_f64().unwrap_or(0.0);
            let message = format!("{gem}: {rows}{more} rows × {columns} columns in {ms:.0} ms; hover the gem to see them");
            backend
                .client
                .show_message(MessageType::INFO, message)
                .await;
            Ok(Some(result))
        }
        Err(error) => {
            backend
                .client
                .show_message(
                    MessageType::ERROR,
                    format!("running {gem} failed: {}", error.message),
                )
                .await;
            Err(error)
        }
    }
}
