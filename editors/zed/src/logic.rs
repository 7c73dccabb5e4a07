//! What the extension decides, as plain functions of plain values: which
//! command starts the server, which initialization options it gets, and the
//! tasks that run a gem. Zed's host calls (settings, PATH lookups) happen in
//! `lib.rs` only, so all of this is tested on the host.

use zed_extension_api::serde_json::{json, Map, Value};

/// The server's name in Zed's settings: `"lsp": { "loupe": { ... } }`.
pub const SERVER_NAME: &str = "loupe";

/// The binary looked up on the worktree's PATH when settings name none.
pub const BINARY_NAME: &str = "loupe";

/// The arguments that make `loupe` a language server over stdio.
pub const SERVER_ARGUMENTS: &[&str] = &["lsp"];

/// How to start the server: program, arguments and extra environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerCommand {
    pub command: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

/// The `binary` part of `lsp.loupe` in Zed's settings (what
/// `zed_extension_api::settings::CommandSettings` carries).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BinarySettings {
    pub path: Option<String>,
    pub arguments: Option<Vec<String>>,
    pub env: Vec<(String, String)>,
}

/// The command that starts Loupe: `lsp.loupe.binary.path` from the settings
/// when given (with its `arguments`, else `lsp`), else `loupe` found on the
/// worktree's PATH (`on_path`, from `Worktree::which`). Environment
/// variables from the settings go along, sorted by name.
pub fn server_command(
    binary: Option<&BinarySettings>,
    on_path: Option<String>,
) -> Result<ServerCommand, String> {
    let mut env = binary.map(|b| b.env.clone()).unwrap_or_default();
    env.sort();
    let args = binary
        .and_then(|b| b.arguments.clone())
        .unwrap_or_else(|| SERVER_ARGUMENTS.iter().map(|a| a.to_string()).collect());
    let configured = binary
        .and_then(|b| b.path.clone())
        .filter(|p| !p.trim().is_empty());
    let command = match (configured, on_path) {
        (Some(path), _) => path,
        (None, Some(found)) => found,
        (None, None) => {
            return Err(format!(
            "Loupe: `{BINARY_NAME}` is not on PATH. Install it (cargo install --path crates/lsp \
                 --features fabric, from a clone of Loupe) or set \"lsp\": {{\"{SERVER_NAME}\": \
                 {{\"binary\": {{\"path\": \"/path/to/loupe\"}}}}}} in Zed's settings."
        ))
        }
    };
    Ok(ServerCommand { command, args, env })
}

/// The server's `initializationOptions`: the user's
/// `lsp.loupe.initialization_options` (an object), with the Loupe settings
/// `lsp.loupe.settings.fabric` (a fabric of loupe.toml) and
/// `lsp.loupe.settings.row_limit` (rows a run brings back; `rowLimit` works
/// too) set as `fabric` and `rowLimit`. Settings of the wrong type are errors
/// that say which one.
pub fn initialization_options(
    user_options: Option<&Value>,
    settings: Option<&Value>,
) -> Result<Value, String> {
    let mut options = match user_options {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(other) => {
            return Err(format!(
                "Loupe: lsp.{SERVER_NAME}.initialization_options must be an object, not {other}"
            ))
        }
    };
    let settings = match settings {
        None | Some(Value::Null) => return Ok(Value::Object(options)),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(format!(
                "Loupe: lsp.{SERVER_NAME}.settings must be an object, not {other}"
            ))
        }
    };
    match settings.get("fabric") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) if !name.trim().is_empty() => {
            options.insert("fabric".into(), Value::String(name.clone()));
        }
        Some(other) => {
            return Err(format!(
                "Loupe: lsp.{SERVER_NAME}.settings.fabric must be the name of a fabric of \
                 loupe.toml, not {other}"
            ))
        }
    }
    let limit = settings
        .get("row_limit")
        .or_else(|| settings.get("rowLimit"));
    match limit {
        None | Some(Value::Null) => {}
        Some(value) => match value.as_u64().filter(|n| *n > 0) {
            Some(n) => {
                options.insert("rowLimit".into(), json!(n));
            }
            None => {
                return Err(format!(
                    "Loupe: lsp.{SERVER_NAME}.settings.row_limit must be a whole number above \
                     0, not {value}"
                ))
            }
        },
    }
    Ok(Value::Object(options))
}

/// Zed tasks that call the `loupe` CLI on the file (and the gem) under the
/// cursor: `$ZED_SYMBOL` is the innermost outline item, which the extension's
/// `outline.scm` makes each CTE (gem). `binary` is the program to run
/// (`loupe` on PATH by default), `limit` the rows to show.
pub fn tasks(binary: &str, limit: u32) -> Value {
    let task = |label: &str, args: Vec<String>, tags: &[&str]| {
        json!({
            "label": label,
            "command": binary,
            "args": args,
            "cwd": "$ZED_WORKTREE_ROOT",
            "tags": tags,
            "use_new_terminal": false,
            "allow_concurrent_runs": false,
            "reveal": "always",
        })
    };
    let limit = limit.to_string();
    json!([
        task(
            "loupe: run gem $ZED_SYMBOL",
            vec![
                "run".into(),
                "$ZED_FILE#$ZED_SYMBOL".into(),
                "--limit".into(),
                limit.clone(),
            ],
            &["loupe-run-gem"],
        ),
        task(
            "loupe: run model $ZED_STEM",
            vec!["run".into(), "$ZED_FILE".into(), "--limit".into(), limit],
            &["loupe-run-model"],
        ),
        task(
            "loupe: check project",
            vec!["check".into(), "$ZED_WORKTREE_ROOT".into()],
            &["loupe-check"],
        ),
    ])
}

/// The command line a task runs once Zed fills in its variables: what a user
/// would type in a terminal (tests check it against the `loupe run` syntax).
pub fn expand_task(task: &Value, variables: &[(&str, &str)]) -> Vec<String> {
    let expand = |s: &str| {
        let mut out = s.to_string();
        // Longest names first: $ZED_FILE must not eat the start of $ZED_FILENAME.
        let mut sorted: Vec<&(&str, &str)> = variables.iter().collect();
        sorted.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        for (name, value) in sorted {
            out = out.replace(&format!("${name}"), value);
        }
        out
    };
    let mut line = vec![expand(task["command"].as_str().unwrap_or_default())];
    for arg in task["args"].as_array().into_iter().flatten() {
        line.push(expand(arg.as_str().unwrap_or_default()));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(path: Option<&str>, arguments: Option<&[&str]>) -> BinarySettings {
        BinarySettings {
            path: path.map(str::to_string),
            arguments: arguments.map(|a| a.iter().map(|s| s.to_string()).collect()),
            env: Vec::new(),
        }
    }

    #[test]
    fn the_binary_from_settings_wins_over_path() {
        let settings = binary(Some("/opt/loupe/bin/loupe"), None);
        let command = server_command(Some(&settings), Some("/usr/local/bin/loupe".into())).unwrap();
        assert_eq!(command.command, "/opt/loupe/bin/loupe");
        assert_eq!(command.args, vec!["lsp"]);
    }

    #[test]
    fn path_is_used_when_settings_name_no_binary() {
        let command = server_command(None, Some("/usr/local/bin/loupe".into())).unwrap();
        assert_eq!(
            command,
            ServerCommand {
                command: "/usr/local/bin/loupe".into(),
                args: vec!["lsp".into()],
                env: vec![],
            }
        );
        // A blank path in the settings is no path.
        let blank = binary(Some("  "), None);
        let command = server_command(Some(&blank), Some("/bin/loupe".into())).unwrap();
        assert_eq!(command.command, "/bin/loupe");
    }

    #[test]
    fn arguments_and_environment_come_from_settings() {
        let mut settings = binary(None, Some(&["lsp", "--log", "debug"]));
        settings.env = vec![
            ("RUST_LOG".into(), "debug".into()),
            ("DATABRICKS_HOST".into(), "h".into()),
        ];
        let command = server_command(Some(&settings), Some("/bin/loupe".into())).unwrap();
        assert_eq!(command.command, "/bin/loupe");
        assert_eq!(command.args, vec!["lsp", "--log", "debug"]);
        assert_eq!(
            command.env,
            vec![
                ("DATABRICKS_HOST".to_string(), "h".to_string()),
                ("RUST_LOG".to_string(), "debug".to_string())
            ]
        );
    }

    #[test]
    fn no_binary_anywhere_says_how_to_install_or_configure_it() {
        let error = server_command(None, None).unwrap_err();
        assert!(error.contains("`loupe` is not on PATH"), "{error}");
        assert!(error.contains("\"binary\": {\"path\""), "{error}");
    }

    #[test]
    fn settings_become_initialization_options() {
        let options = initialization_options(
            Some(&json!({"trace": "verbose"})),
            Some(&json!({"fabric": "prod", "row_limit": 250})),
        )
        .unwrap();
        assert_eq!(
            options,
            json!({"trace": "verbose", "fabric": "prod", "rowLimit": 250})
        );
        // camelCase works too, and settings override the raw options.
        let options = initialization_options(
            Some(&json!({"rowLimit": 5})),
            Some(&json!({"rowLimit": 20})),
        )
        .unwrap();
        assert_eq!(options, json!({"rowLimit": 20}));
        assert_eq!(initialization_options(None, None).unwrap(), json!({}));
    }

    #[test]
    fn wrong_settings_are_named() {
        let error = initialization_options(None, Some(&json!({"row_limit": -3}))).unwrap_err();
        assert!(error.contains("settings.row_limit"), "{error}");
        let error = initialization_options(None, Some(&json!({"row_limit": "100"}))).unwrap_err();
        assert!(error.contains("settings.row_limit"), "{error}");
        let error = initialization_options(None, Some(&json!({"fabric": 3}))).unwrap_err();
        assert!(error.contains("settings.fabric"), "{error}");
        let error = initialization_options(Some(&json!([1])), None).unwrap_err();
        assert!(
            error.contains("initialization_options must be an object"),
            "{error}"
        );
    }

    #[test]
    fn the_run_gem_task_calls_loupe_run_on_file_and_gem() {
        let tasks = tasks("loupe", 50);
        let run_gem = &tasks[0];
        let line = expand_task(
            run_gem,
            &[
                ("ZED_FILE", "/p/models/customers.sql"),
                ("ZED_SYMBOL", "customer_orders"),
                ("ZED_WORKTREE_ROOT", "/p"),
            ],
        );
        assert_eq!(
            line,
            vec![
                "loupe",
                "run",
                "/p/models/customers.sql#customer_orders",
                "--limit",
                "50"
            ]
        );
        assert_eq!(run_gem["cwd"], "$ZED_WORKTREE_ROOT");
        let run_model = expand_task(&tasks[1], &[("ZED_FILE", "/p/models/customers.sql")]);
        assert_eq!(
            run_model,
            vec!["loupe", "run", "/p/models/customers.sql", "--limit", "50"]
        );
        let check = expand_task(&tasks[2], &[("ZED_WORKTREE_ROOT", "/p")]);
        assert_eq!(check, vec!["loupe", "check", "/p"]);
    }

    #[test]
    fn task_variables_expand_longest_name_first() {
        let task = json!({"command": "echo", "args": ["$ZED_FILENAME", "$ZED_FILE"]});
        let line = expand_task(
            &task,
            &[("ZED_FILE", "/p/a.sql"), ("ZED_FILENAME", "a.sql")],
        );
        assert_eq!(line, vec!["echo", "a.sql", "/p/a.sql"]);
    }
}
