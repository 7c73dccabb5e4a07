//! The `loupe` subcommands. Exit codes: 0 clean, 1 errors found, 2 the input
//! could not be loaded.

mod check;
mod diff;
#[cfg(feature = "fabric")]
mod interrupt;
mod lineage;
mod run;
mod schema;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::lineage::UnaliasedNames;
use loupe_analysis::project::Invocation;

#[derive(Parser)]
#[command(
    name = "loupe",
    version,
    about = "Schemas, lineage and diagnostics for dbt projects and SQL"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    dbt: DbtArgs,
}

/// dbt's invocation options, as `dbt` itself takes them.
#[derive(clap::Args)]
struct DbtArgs {
    /// Project variables, YAML or JSON: `--vars '{load_source_data: true}'`.
    #[arg(long, global = true, value_name = "YAML")]
    vars: Option<String>,
    /// The profile output to use (like `dbt --target`).
    #[arg(long, global = true)]
    target: Option<String>,
    /// The profile to use instead of the project's `profile:`.
    #[arg(long, global = true)]
    profile: Option<String>,
    /// The folder of profiles.yml (else $DBT_PROFILES_DIR, the project, ~/.dbt).
    #[arg(long, global = true, value_name = "DIR")]
    profiles_dir: Option<PathBuf>,
    /// Read the project as this adapter's SQL (a profile's `type`:
    /// `snowflake`, `bigquery`, `databricks`...), whatever profiles.yml says;
    /// for projects with no profiles.yml, as dbt Cloud projects are.
    #[arg(long, global = true, value_name = "TYPE")]
    adapter: Option<String>,
}

/// The invocation of this process: one per command line.
static INVOCATION: std::sync::OnceLock<Invocation> = std::sync::OnceLock::new();

/// Loads the dbt project at `path` with this command line's `--vars`, `--target`, ...
/// It is never freed: the command exits once it has answered, and freeing the
/// memos of thousands of models would cost a tenth of the run.
pub fn load_project(
    path: &std::path::Path,
) -> Result<std::mem::ManuallyDrop<AnalysisHost>, String> {
    AnalysisHost::load_with(path, invocation()).map(std::mem::ManuallyDrop::new)
}

pub fn invocation() -> Invocation {
    INVOCATION.get().cloned().unwrap_or_default()
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Language Server Protocol over stdin/stdout.
    Lsp,
    /// Report diagnostics for a project (or loose SQL files).
    Check {
        /// Project folder (with dbt_project.yml) or a folder of .sql files.
        #[arg(default_value = ".")]
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Table schemas for loose SQL files.
        #[arg(long)]
        catalog: Option<PathBuf>,
        #[arg(long)]
        dialect: Option<String>,
        /// Also report the SQL this fabric's engine lacks (functions, syntax,
        /// types), before anything runs: a fabric of loupe.toml, or `duckdb` / `spark`.
        #[arg(long)]
        fabric: Option<String>,
    },
    /// Column lineage of a model column across the project, or of a SQL file.
    Lineage {
        /// `MODEL.COLUMN` (project mode).
        target: Option<String>,
        /// Project folder (project mode).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Where the column comes from (the default).
        #[arg(long, conflicts_with = "downstream")]
        upstream: bool,
        /// What the column feeds.
        #[arg(long)]
        downstream: bool,
        /// How many steps to follow.
        #[arg(long)]
        depth: Option<usize>,
        #[arg(long)]
        json: bool,
        /// The edges of the statements in this SQL file instead.
        #[arg(long)]
        sql: Option<PathBuf>,
        #[arg(long)]
        dialect: Option<String>,
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// Also print the columns that shape a column without flowing into it.
        #[arg(long)]
        include_indirect: bool,
        /// Names of unaliased columns in `--sql` edges: the engine's
        /// (`sum(amount)`) or positional (`_0`, `_1`, as OpenLineage writes them).
        #[arg(long, value_enum, default_value_t = UnaliasedArg::Engine)]
        unaliased_names: UnaliasedArg,
        /// Every column of every model of the project at PATH (then no MODEL.COLUMN).
        #[arg(long, conflicts_with_all = ["sql", "downstream", "upstream"])]
        all: bool,
    },
    /// Run a gem (FILE#GEM, or the model's final SELECT) on a fabric and print its rows.
    Run {
        /// `models/x.sql` or `models/x.sql#gem`.
        target: String,
        /// A fabric of loupe.toml (the default one otherwise).
        #[arg(long)]
        fabric: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = run::RunFormat::Table)]
        format: run::RunFormat,
        /// Upstream models inlined from their SQL, or read from the fabric's database.
        #[arg(long, value_enum, default_value_t = run::UpstreamArg::Inline)]
        upstream: run::UpstreamArg,
    },
    /// Ask a fabric for the columns of the project's source tables (YAML lists
    /// some or none); `check`, `schema` and the editor read them from
    /// target/loupe-catalog.json.
    Catalog {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// A fabric of loupe.toml (the default one otherwise).
        #[arg(long)]
        fabric: Option<String>,
    },
    /// Print a model's rendered SQL; without a model, write every model's
    /// to target/compiled/<package>/<path> as `dbt compile` does.
    Compile {
        /// Project folder.
        path: PathBuf,
        /// The model's name.
        model: Option<String>,
    },
    /// What the working tree changes against a base revision: columns added,
    /// removed, renamed, retyped, and what that breaks downstream (exit 1).
    Diff {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The revision to compare with (else `[git] base` of loupe.toml, else
        /// the merge base of HEAD and the default branch).
        #[arg(long)]
        base: Option<String>,
        #[arg(long, value_enum, default_value_t = diff::DiffFormat::Human)]
        format: diff::DiffFormat,
        /// Also run each changed model at the base and now, and compare rows.
        #[arg(long)]
        data: bool,
        /// The primary key for --data: `COLUMN[,COLUMN]` for every model, or
        /// `MODEL=COLUMN[,COLUMN]` (repeatable); else each model's `unique` test.
        #[arg(long, value_name = "KEY")]
        key: Vec<String>,
        /// Rows read from each side for --data (the first by key).
        #[arg(long, default_value_t = 100_000)]
        limit: usize,
        /// The fabric for --data (the project's default otherwise).
        #[arg(long)]
        fabric: Option<String>,
    },
    /// Print the columns of every relation, or of one query.
    Schema {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Print JSON (the only format for now; accepted for clarity).
        #[arg(long)]
        json: bool,
        /// Infer the result columns of the query in this file instead.
        #[arg(long)]
        sql: Option<PathBuf>,
        #[arg(long)]
        dialect: Option<String>,
        #[arg(long)]
        catalog: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum UnaliasedArg {
    Engine,
    Positional,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

fn finish(result: Result<ExitCode, String>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// `loupe lineage --all | head` ends quietly, like other command-line tools,
/// instead of panicking on the first write after the reader has gone.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any output.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

impl Cli {
    /// Whether this invocation is the long-lived language server.
    pub fn is_server(&self) -> bool {
        matches!(self.command, Command::Lsp)
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let vars = match cli.dbt.vars.as_deref().map(Invocation::parse_vars) {
        Some(Err(message)) => return finish(Err(message)),
        Some(Ok(vars)) => vars,
        None => Default::default(),
    };
    if let Some(adapter) = &cli.dbt.adapter {
        if let Err(message) = dialect_arg(Some(adapter)) {
            return finish(Err(format!("--adapter: {message}")));
        }
    }
    let _ = INVOCATION.set(Invocation {
        vars,
        target: cli.dbt.target,
        profile: cli.dbt.profile,
        profiles_dir: cli.dbt.profiles_dir,
        adapter: cli.dbt.adapter,
    });
    if !matches!(cli.command, Command::Lsp) {
        quiet_on_closed_pipe();
    }
    let result = match cli.command {
        Command::Lsp => {
            loupe_lsp::run_stdio();
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            path,
            format,
            catalog,
            dialect,
            fabric,
        } => check::run(
            &path,
            format,
            catalog.as_deref(),
            dialect.as_deref(),
            fabric.as_deref(),
        ),
        Command::Diff {
            path,
            base,
            format,
            data,
            key,
            limit,
            fabric,
        } => diff::run(
            &path,
            base.as_deref(),
            format,
            data.then_some(diff::DataOptions {
                keys: key,
                limit,
                fabric,
            }),
        ),
        Command::Compile { path, model } => match model {
            Some(model) => schema::run_compile(&path, &model),
            None => schema::run_compile_all(&path),
        },
        Command::Run {
            target,
            fabric,
            limit,
            format,
            upstream,
        } => run::run(&target, fabric.as_deref(), limit, format, upstream.into()),
        Command::Catalog { path, fabric } => run::refresh_catalog(&path, fabric.as_deref()),
        Command::Lineage {
            target,
            path,
            upstream: _,
            downstream,
            depth,
            json,
            sql,
            dialect,
            catalog,
            include_indirect,
            unaliased_names,
            all,
        } => {
            if all {
                // With --all, a lone positional argument is the project folder.
                let path = target.map(PathBuf::from).unwrap_or(path);
                lineage::run_all(&path, json, include_indirect)
            } else {
                match (sql, target) {
                    (Some(file), _) => lineage::run_sql(
                        &file,
                        dialect.as_deref(),
                        catalog.as_deref(),
                        include_indirect,
                        match unaliased_names {
                            UnaliasedArg::Engine => UnaliasedNames::Engine,
                            UnaliasedArg::Positional => UnaliasedNames::Positional,
                        },
                    ),
                    (None, Some(target)) => {
                        lineage::run_project(&path, &target, downstream, depth, json)
                    }
                    (None, None) => Err("give MODEL.COLUMN, --sql FILE, or --all".into()),
                }
            }
        }
        Command::Schema {
            path,
            json: _,
            sql,
            dialect,
            catalog,
        } => match sql {
            Some(file) => schema::run_sql(&file, dialect.as_deref(), catalog.as_deref()),
            None => schema::run_project(&path),
        },
    };
    finish(result)
}

/// Reads a file as UTF-8 text, with an error that names it.
pub fn read_text(path: &std::path::Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| format!("{} is not valid UTF-8 text", path.display()))
}

pub fn dialect_arg(name: Option<&str>) -> Result<loupe_analysis::syntax::Dialect, String> {
    match name {
        None => Ok(Default::default()),
        Some(n) => loupe_analysis::syntax::Dialect::from_name(n).ok_or_else(|| {
            format!(
                "unknown dialect `{n}` (expected one of {})",
                loupe_analysis::syntax::Dialect::NAMES
            )
        }),
    }
}

/// A `--catalog` file, its types read as `dialect`'s engine names them.
pub fn load_catalog(
    path: Option<&std::path::Path>,
    dialect: loupe_analysis::syntax::Dialect,
) -> Result<loupe_analysis::loose::TableCatalog, String> {
    match path {
        None => Ok(Default::default()),
        Some(p) => loupe_analysis::loose::TableCatalog::from_json_in(&read_text(p)?, dialect)
            .map_err(|e| format!("{}: {e}", p.display())),
    }
}
