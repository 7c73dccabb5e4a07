//! `loupe run FILE[#GEM]`: a gem's rows from a fabric, as a table, JSON or CSV.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;
use loupe_analysis::model::Upstream;
#[cfg(feature = "fabric")]
use loupe_fabric::RunResult;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum RunFormat {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum UpstreamArg {
    Inline,
    Built,
}

impl From<UpstreamArg> for Upstream {
    fn from(value: UpstreamArg) -> Upstream {
        match value {
            UpstreamArg::Inline => Upstream::Inline,
            UpstreamArg::Built => Upstream::Built,
        }
    }
}

#[cfg(feature = "fabric")]
pub fn run(
    target: &str,
    fabric: Option<&str>,
    limit: usize,
    format: RunFormat,
    upstream: Upstream,
) -> Result<ExitCode, String> {
    let (file, gem) = match target.split_once('#') {
        Some((f, g)) => (f, Some(g)),
        None => (target, None),
    };
    // Remote fabrics can take minutes (a cluster starting): say what is happening.
    let control = loupe_fabric::RunControl::new(|message| eprintln!("loupe: {message}"));
    // Ctrl-C from the start: during the load it simply stops before running.
    let watch = super::interrupt::CancelOnSignal::new(control.clone());
    let (host, model) = loupe_lsp::run::load_model(Path::new(file), super::invocation())?;
    let prepared = loupe_lsp::run::prepare_run(&host, model, gem, fabric, upstream)?;
    let result = if super::interrupt::interrupted() {
        Err("interrupted".to_string())
    } else {
        loupe_lsp::run::execute_run(&prepared, limit, &control)
    };
    loupe_lsp::run::close_remote_fabrics();
    drop(watch);
    if super::interrupt::interrupted() {
        eprintln!("loupe: interrupted");
        return Ok(ExitCode::from(super::interrupt::INTERRUPTED));
    }
    let result = result?;
    match format {
        RunFormat::Json => println!("{}", serde_json::to_string_pretty(&result).unwrap()),
        RunFormat::Csv => print_csv(&result),
        RunFormat::Table => print_table(&result),
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "fabric")]
pub fn refresh_catalog(path: &Path, fabric: Option<&str>) -> Result<ExitCode, String> {
    let host = super::load_project(path)?;
    let sources = host.source_tables();
    if sources.is_empty() {
        println!("the project declares no source tables; nothing to ask");
        return Ok(ExitCode::SUCCESS);
    }
    let control = loupe_fabric::RunControl::new(|message| eprintln!("loupe: {message}"));
    let watch = super::interrupt::CancelOnSignal::new(control.clone());
    let refreshed = loupe_lsp::run::refresh_catalog(
        host.root(),
        &sources,
        fabric,
        host.target().duckdb_file.as_deref(),
        &control,
    );
    loupe_lsp::run::close_remote_fabrics();
    drop(watch);
    if super::interrupt::interrupted() {
        eprintln!("loupe: interrupted");
        return Ok(ExitCode::from(super::interrupt::INTERRUPTED));
    }
    let refreshed = refreshed?;
    for name in &refreshed.described {
        println!("{name}: described by {}", refreshed.fabric_name);
    }
    for (name, message) in &refreshed.failed {
        println!("{name}: {message}");
    }
    println!(
        "{} of {} source tables described; saved in {}",
        refreshed.described.len(),
        sources.len(),
        loupe_analysis::project::WarehouseCatalog::path(host.root()).display()
    );
    Ok(if refreshed.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(not(feature = "fabric"))]
pub fn refresh_catalog(_: &Path, _: Option<&str>) -> Result<ExitCode, String> {
    run("", None, 0, RunFormat::Table, Upstream::Inline)
}

/// Without fabrics compiled in, say how to get them.
#[cfg(not(feature = "fabric"))]
pub fn run(
    _: &str,
    _: Option<&str>,
    _: usize,
    _: RunFormat,
    _: Upstream,
) -> Result<ExitCode, String> {
    Err("this build of Loupe has no fabrics; build it with them: \
         cargo build --release -p loupe-lsp --features fabric"
        .into())
}

#[cfg(feature = "fabric")]
fn print_csv(result: &RunResult) {
    let field = |v: &str| {
        if v.contains([',', '"', '\n']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_string()
        }
    };
    println!(
        "{}",
        result
            .columns
            .iter()
            .map(|(n, _)| field(n))
            .collect::<Vec<_>>()
            .join(",")
    );
    for row in &result.rows {
        println!(
            "{}",
            row.iter()
                .map(|v| v.as_deref().map(field).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",")
        );
    }
}

#[cfg(feature = "fabric")]
fn print_table(result: &RunResult) {
    let cells: Vec<Vec<String>> = result
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.clone().unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = result
        .columns
        .iter()
        .enumerate()
        .map(|(i, (n, t))| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([n.chars().count(), t.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| {
        values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect::<Vec<_>>()
            .join(" │ ")
    };
    println!(
        "{}",
        line(result.columns.iter().map(|(n, _)| n.as_str()).collect())
    );
    println!(
        "{}",
        line(result.columns.iter().map(|(_, t)| t.as_str()).collect())
    );
    println!(
        "{}",
        widths
            .iter()
            .map(|w| "─".repeat(*w))
            .collect::<Vec<_>>()
            .join("─┼─")
    );
    for row in &cells {
        println!("{}", line(row.iter().map(String::as_str).collect()));
    }
    let shown = if result.truncated {
        format!("first {} rows (more exist)", cells.len())
    } else {
        format!("{} rows", cells.len())
    };
    eprintln!("{shown} in {:.1} ms", result.elapsed_ms);
}
