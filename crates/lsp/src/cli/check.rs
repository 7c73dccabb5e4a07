//! `loupe check`: diagnostics like a compiler prints them, or as JSON.

use std::path::Path;
use std::process::ExitCode;

use loupe_analysis::diagnostics::Severity;
use loupe_analysis::host::{DiagnosticPlacer, FileDiagnostic};
use loupe_analysis::loose::analyze_sql;
use loupe_analysis::portability::Engine;

use super::{dialect_arg, load_catalog, read_text, Format};

pub fn run(
    path: &Path,
    format: Format,
    catalog: Option<&Path>,
    dialect: Option<&str>,
    fabric: Option<&str>,
) -> Result<ExitCode, String> {
    let diagnostics = if path.join("dbt_project.yml").is_file() {
        let host = super::load_project(path)?;
        let mut diagnostics = host.check();
        if let Some(fabric) = fabric {
            diagnostics.extend(host.portability(fabric_engine(path, fabric)?));
            diagnostics.sort_by(|a, b| (&a.file, a.start, a.code).cmp(&(&b.file, b.start, b.code)));
        }
        diagnostics
    } else if fabric.is_some() {
        return Err("--fabric needs a dbt project (a folder with dbt_project.yml)".into());
    } else if path.exists() {
        check_loose_files(path, catalog, dialect)?
    } else {
        return Err(format!("{} does not exist", path.display()));
    };
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json_diagnostics(&diagnostics)).unwrap()
        ),
        Format::Human => print_human(&diagnostics),
    }
    let errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The engine of fabric `name`: its `kind` in the project's loupe.toml, or
/// the engine of that name (`duckdb`, `spark`) when loupe.toml has no such fabric.
fn fabric_engine(root: &Path, name: &str) -> Result<Engine, String> {
    let path = root.join("loupe.toml");
    let configured: Option<String> = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let file: toml::Table =
                toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            file.get("fabrics")
                .and_then(|f| f.get(name))
                .and_then(|f| f.get("kind"))
                .and_then(toml::Value::as_str)
                .map(str::to_string)
        }
        Err(_) => None,
    };
    let kind = configured.as_deref().unwrap_or(name);
    Engine::of_fabric_kind(kind).ok_or_else(|| match configured {
        Some(kind) => format!("fabric `{name}` is of kind `{kind}`, whose engine Loupe does not check SQL against (it does DuckDB and Spark)"),
        None => format!("no fabric `{name}` in {} (and it is not `duckdb` or `spark`)", path.display()),
    })
}

/// Loose `.sql` files (a file, or every `.sql` under a folder) against a catalog.
fn check_loose_files(
    path: &Path,
    catalog: Option<&Path>,
    dialect: Option<&str>,
) -> Result<Vec<FileDiagnostic>, String> {
    let catalog = load_catalog(catalog)?;
    let dialect = dialect_arg(dialect)?;
    let files: Vec<std::path::PathBuf> = if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        let mut v: Vec<_> = walk_sql(path);
        v.sort();
        v
    };
    let mut out = Vec::new();
    for file in files {
        let shown = file
            .strip_prefix(path)
            .ok()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(&file)
            .display()
            .to_string();
        let sql = match read_text(&file) {
            Ok(sql) => sql,
            Err(message) => {
                out.push(FileDiagnostic {
                    file: shown,
                    code: "L013",
                    name: "project-error",
                    severity: Severity::Error,
                    message,
                    start: loupe_analysis::text::LineCol { line: 1, col: 1 },
                    end: loupe_analysis::text::LineCol { line: 1, col: 1 },
                    model: None,
                    gem: None,
                    line_text: "".into(),
                });
                continue;
            }
        };
        let placer = DiagnosticPlacer::new(&sql);
        for d in analyze_sql(&sql, dialect, &catalog).diagnostics {
            out.push(placer.place(&shown, &d, None));
        }
    }
    Ok(out)
}

fn walk_sql(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_sql(&p));
        } else if p.extension().is_some_and(|x| x == "sql") {
            out.push(p);
        }
    }
    out
}

fn json_diagnostics(diagnostics: &[FileDiagnostic]) -> serde_json::Value {
    serde_json::Value::Array(
        diagnostics
            .iter()
            .map(|d| {
                serde_json::json!({
                    "file": d.file,
                    "line": d.start.line,
                    "column": d.start.col,
                    "end_line": d.end.line,
                    "end_column": d.end.col,
                    "code": d.code,
                    "name": d.name,
                    "severity": d.severity,
                    "message": d.message,
                    "model": d.model,
                    "gem": d.gem,
                })
            })
            .collect(),
    )
}

fn print_human(diagnostics: &[FileDiagnostic]) {
    for d in diagnostics {
        println!(
            "{}:{}:{}: {}[{}] {}",
            d.file,
            d.start.line,
            d.start.col,
            d.severity.as_str(),
            d.code,
            d.message
        );
        if !d.line_text.is_empty() {
            let width = d.start.line.to_string().len();
            let caret_len = if d.end.line == d.start.line {
                (d.end.col.saturating_sub(d.start.col)).max(1)
            } else {
                1
            };
            println!("{:width$} |", "");
            println!("{} | {}", d.start.line, d.line_text);
            println!(
                "{:width$} | {}{}",
                "",
                " ".repeat(d.start.col as usize - 1),
                "^".repeat(caret_len as usize)
            );
        }
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    eprintln!("{errors} error(s), {warnings} warning(s)");
}
