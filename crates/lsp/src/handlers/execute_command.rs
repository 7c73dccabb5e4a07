//! workspace/executeCommand: `loupe.runGem`, the command of the "Run" lens.
//! Any client that shows lenses can run a gem: the server runs it, keeps the
//! rows as the gem's sample (shown on hover) and reports in a message.

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, MessageType};

use super::run_gem::{run_gem, RunGemParams};
use crate::server::Backend;

pub const COMMANDS: &[&str] = &["loupe.runGem"];

pub async fn handle(backend: &Backend, params: ExecuteCommandParams) -> Result<Option<Value>> {
    if params.command != "loupe.runGem" {
        return Err(Error::invalid_params(format!(
            "unknown command `{}`",
            params.command
        )));
    }
    let argument = params.arguments.into_iter().next().unwrap_or(Value::Null);
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
