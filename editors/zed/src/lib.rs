//! Loupe for Zed: registers `loupe lsp` as the language server of SQL (and of
//! YAML in dbt projects), found from `lsp.loupe.binary` in Zed's settings or
//! on PATH, with `lsp.loupe.settings` (fabric, row limit) passed as
//! initialization options. The decisions live in `logic` (plain functions,
//! tested on the host); this file only asks Zed for their inputs.

pub mod logic;

use zed_extension_api::{self as zed, serde_json::Value, settings::LspSettings};

struct LoupeExtension;

fn settings(worktree: &zed::Worktree) -> LspSettings {
    LspSettings::for_worktree(logic::SERVER_NAME, worktree).unwrap_or_default()
}

impl zed::Extension for LoupeExtension {
    fn new() -> Self {
        LoupeExtension
    }

    fn language_server_command(
        &mut self,
        _language_server_id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<zed::Command> {
        let binary = settings(worktree).binary.map(|b| logic::BinarySettings {
            path: b.path,
            arguments: b.arguments,
            env: b.env.unwrap_or_default().into_iter().collect(),
        });
        let command = logic::server_command(binary.as_ref(), worktree.which(logic::BINARY_NAME))?;
        // The worktree's shell environment (PATH, credentials) plus the settings' env.
        let mut env = worktree.shell_env();
        env.extend(command.env);
        Ok(zed::Command {
            command: command.command,
            args: command.args,
            env,
        })
    }

    fn language_server_initialization_options(
        &mut self,
        _language_server_id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<Option<Value>> {
        let settings = settings(worktree);
        logic::initialization_options(
            settings.initialization_options.as_ref(),
            settings.settings.as_ref(),
        )
        .map(Some)
    }
}

zed::register_extension!(LoupeExtension);
