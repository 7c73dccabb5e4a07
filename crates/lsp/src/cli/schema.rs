//! `loupe schema`: the columns of every relation, or of one query.

use std::path::Path;
use std::process::ExitCode;

use loupe_analysis::loose::analyze_sql;

use super::{dialect_arg, load_catalog, read_text};

/// `loupe schema --sql FILE`: `[[column, TYPE], ...]` of the query's result.
pub fn run_sql(
    file: &Path,
    dialect: Option<&str>,
    catalog: Option<&Path>,
) -> Result<ExitCode, String> {
    let sql = read_text(file)?;
    let dialect = dialect_arg(dialect)?;
    let catalog = load_catalog(catalog, dialect)?;
    let analysis = analyze_sql(&sql, dialect, &catalog);
    for d in &analysis.diagnostics {
        eprintln!("{}: {} {}", file.display(), d.code.as_str(), d.message);
    }
    let Some(output) = analysis.output() else {
        return Err(format!(
            "{}: no statement could be analyzed",
            file.display()
        ));
    };
    println!(
        "{}",
        serde_json::to_string(&output.to_pairs_in(dialect)).unwrap()
    );
    Ok(ExitCode::SUCCESS)
}

/// `loupe schema PATH --json`: every relation of the project.
pub fn run_project(path: &Path) -> Result<ExitCode, String> {
    if !path.join("dbt_project.yml").is_file() {
        return Err(format!(
            "{} has no dbt_project.yml (use --sql FILE for a single query)",
            path.display()
        ));
    }
    let host = super::load_project(path)?;
    let dialect = host.project().settings(host.db()).dialect;
    let schemas: std::collections::BTreeMap<String, Vec<(String, String)>> = host
        .relation_schemas()
        .into_iter()
        .map(|(k, v)| (k, v.to_pairs_in(dialect)))
        .collect();
    println!("{}", serde_json::to_string_pretty(&schemas).unwrap());
    Ok(ExitCode::SUCCESS)
}

/// `loupe compile PATH MODEL`: the model's SQL after Jinja, ephemeral
/// models injected as CTEs as dbt does.
pub fn run_compile(path: &Path, model: &str) -> Result<ExitCode, String> {
    let host = super::load_project(path)?;
    let file = host
        .models()
        .into_iter()
        .find(|f| {
            f.package_relative(host.db())
                .rsplit('/')
                .next()
                .and_then(|n| n.strip_suffix(".sql"))
                == Some(model)
        })
        .ok_or_else(|| format!("no model named `{model}`"))?;
    let compiled = loupe_analysis::model::compile_model(host.db(), host.project(), file)?;
    print!("{}", compiled.sql);
    Ok(ExitCode::SUCCESS)
}

/// `loupe compile PATH`: every model's rendered SQL under
/// target/compiled/<package>/<path>; a model that does not render is named
/// on stderr and the exit code says so.
pub fn run_compile_all(path: &Path) -> Result<ExitCode, String> {
    let host = super::load_project(path)?;
    let out = path.join("target").join("compiled");
    let (mut written, mut failed) = (0usize, 0usize);
    for file in host.models() {
        let db = host.db();
        let sql = match loupe_analysis::model::compile_model(db, host.project(), file) {
            Ok(compiled) => compiled.sql,
            Err(message) => {
                eprintln!("{message}");
                failed += 1;
                continue;
            }
        };
        // Where dbt writes it: the path inside the model's own package.
        let package = file.package(db).as_str();
        let shown = file.path(db).as_str();
        let inside = shown
            .strip_prefix(&format!("dbt_packages/{package}/"))
            .unwrap_or(shown);
        let target = out.join(package).join(inside);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        }
        std::fs::write(&target, &sql).map_err(|e| format!("{}: {e}", target.display()))?;
        written += 1;
    }
    println!("{written} models compiled into {}", out.display());
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
