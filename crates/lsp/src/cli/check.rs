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
    if let Some(name) = dialect {
        super::dialect_arg(Some(name))?;
    }
    let diagnostics = if path.join("dbt_project.yml").is_file() {
        // `--dialect` on a project reads it as that adapter's SQL, as `--adapter` does.
        let host = match dialect {
            Some(name) if super::invocation().adapter.is_none() => {
                let invocation = loupe_analysis::project::Invocation {
                    adapter: Some(name.to_string()),
                    ..super::invocation()
                };
                std::mem::ManuallyDrop::new(loupe_analysis::host::AnalysisHost::load_with(
                    path, invocation,
                )?)
            }
            _ => super::load_project(path)?,
        };
        if host.target().adapter_from == loupe_analysis::project::AdapterSource::Assumed {
            eprintln!(
                "note: no profiles.yml names this project's adapter (looked in --profiles-dir, \
                 $DBT_PROFILES_DIR, the project folder and ~/.dbt): its SQL is read as DuckDB's; \
                 pass --adapter snowflake (bigquery, databricks, ...) or set `adapter` under [dbt] in loupe.toml"
            );
        }
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
    let dialect = dialect_arg(dialect)?;
    let catalog = load_catalog(catalog, dialect)?;
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

/// Characters of a source line shown around a diagnostic: a generated or
/// minified model can be one line of megabytes.
const SNIPPET_BEFORE: usize = 40;
const SNIPPET_AFTER: usize = 120;

/// The part of a line a snippet shows, and where its caret goes in it.
#[derive(Debug, PartialEq, Eq)]
struct SnippetWindow {
    text: String,
    /// Characters before the caret.
    caret_at: usize,
    caret_len: usize,
}

/// Cuts a long line to the characters around the 1-based column `start_col`,
/// marking each cut with `…`.
fn snippet_window(line: &str, start_col: usize, caret_len: usize) -> SnippetWindow {
    let start = start_col.saturating_sub(1);
    let chars = line.chars().count();
    if chars <= SNIPPET_BEFORE + SNIPPET_AFTER {
        return SnippetWindow {
            text: line.to_string(),
            caret_at: start,
            caret_len: caret_len.max(1),
        };
    }
    let from = start.saturating_sub(SNIPPET_BEFORE).min(chars);
    let to = (start + SNIPPET_AFTER).min(chars);
    let mut text: String = if from > 0 {
        "…".into()
    } else {
        String::new()
    };
    text.extend(line.chars().skip(from).take(to - from));
    if to < chars {
        text.push('…');
    }
    SnippetWindow {
        text,
        caret_at: start - from + usize::from(from > 0),
        caret_len: caret_len.min(to.saturating_sub(start)).max(1),
    }
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
            let shown = snippet_window(&d.line_text, d.start.col as usize, caret_len as usize);
            println!("{:width$} |", "");
            println!("{} | {}", d.start.line, shown.text);
            println!(
                "{:width$} | {}{}",
                "",
                " ".repeat(shown.caret_at),
                "^".repeat(shown.caret_len)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_line_is_shown_whole() {
        let w = snippet_window("select x from t", 8, 1);
        assert_eq!(w.text, "select x from t");
        assert_eq!((w.caret_at, w.caret_len), (7, 1));
    }

    #[test]
    fn a_long_line_is_cut_around_the_caret() {
        let line = format!("select {} as b, ünknown from t", "a + ".repeat(50_000));
        let col = line.chars().position(|c| c == 'ü').unwrap() + 1;
        let w = snippet_window(&line, col, 7);
        assert!(
            w.text.starts_with('…') && !w.text.ends_with('…'),
            "{}",
            w.text
        );
        assert!(w.text.chars().count() <= 1 + SNIPPET_BEFORE + SNIPPET_AFTER);
        let under_caret: String = w.text.chars().skip(w.caret_at).take(w.caret_len).collect();
        assert_eq!(under_caret, "ünknown");
    }

    #[test]
    fn a_caret_at_the_start_of_a_long_line_keeps_its_place() {
        let line = "x".repeat(10_000);
        let w = snippet_window(&line, 1, 10_000);
        assert!(!w.text.starts_with('…') && w.text.ends_with('…'));
        assert_eq!((w.caret_at, w.caret_len), (0, SNIPPET_AFTER));
    }
}
