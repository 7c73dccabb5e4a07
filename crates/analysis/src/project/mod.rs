//! dbt projects on disk: `dbt_project.yml`, `profiles.yml`, installed
//! packages, and the files that make up each package.

mod block_yaml;
mod config;
mod dbtignore;
mod invocation;
mod lenient_yaml;
mod seeds;
mod warehouse_catalog;
mod yaml;

use std::path::{Path, PathBuf};

pub(crate) use config::update_column_types;
pub use config::{ModelConfig, PackageConfig, SnapshotConfig};
pub use dbtignore::DbtIgnore;
pub use invocation::Invocation;
pub use seeds::infer_seed_schema;
pub use warehouse_catalog::WarehouseCatalog;
pub use yaml::{parse_properties, ModelProperties, Properties, SourceTable};

/// What a file is to the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Model,
    Macro,
    /// A properties YAML file (sources, models, seeds).
    Properties,
    Seed,
    /// A file of `{% snapshot %}` blocks.
    Snapshot,
    /// A Python model (`models/**/*.py`).
    PythonModel,
}

/// A file found in the project or one of its packages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveredFile {
    pub path: PathBuf,
    /// Path shown to users: relative to the project root.
    pub display: String,
    /// Path relative to its package's model/seed/macro folder (for config paths).
    pub package_relative: String,
    pub package: String,
    pub kind: FileKind,
}

/// The target the project builds into (from `profiles.yml`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    pub name: String,
    pub adapter: String,
    pub schema: String,
    pub database: String,
    /// Where the adapter comes from: nothing named one when it is DuckDB by default.
    pub adapter_from: AdapterSource,
    /// dbt-duckdb's `path`: the database file its models are built in (none
    /// in memory, on MotherDuck, or templated).
    pub duckdb_file: Option<String>,
}

/// What named a project's adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdapterSource {
    /// `--adapter`, the editor's settings or `loupe.toml`.
    Invocation,
    /// The profile output's `type`.
    Profile,
    /// `target/manifest.json` of the last dbt run, when no profile is found.
    LastManifest,
    /// Nothing: DuckDB is assumed.
    Assumed,
}

impl Default for Target {
    fn default() -> Self {
        Target {
            name: "dev".into(),
            adapter: "duckdb".into(),
            schema: "main".into(),
            database: "main".into(),
            adapter_from: AdapterSource::Assumed,
            duckdb_file: None,
        }
    }
}

/// A project's layout: its packages (root first) and their files.
#[derive(Clone, Debug)]
pub struct Discovered {
    pub root: PathBuf,
    pub packages: Vec<PackageConfig>,
    pub target: Target,
    pub files: Vec<DiscoveredFile>,
}

/// Reads `dbt_project.yml` at `root`, its installed packages, and lists files.
pub fn discover(root: &Path, invocation: &Invocation) -> Result<Discovered, String> {
    let root_config = PackageConfig::load(root)?;
    let target = config::load_target(root, &root_config, invocation);
    let mut packages = vec![root_config];
    // Installed packages: the project's own, then those installed beside a
    // `local:` package (its dependencies, when `dbt deps` ran there).
    let locals = config::local_packages(root);
    let install_dirs = [root.to_path_buf()]
        .into_iter()
        .chain(locals.iter().cloned());
    for dir in install_dirs.flat_map(|d| [d.join("dbt_packages"), d.join("dbt_modules")]) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("dbt_project.yml").is_file())
            .collect();
        dirs.sort();
        for d in dirs {
            if let Ok(p) = PackageConfig::load(&d) {
                if !packages.iter().any(|q| q.name == p.name) {
                    packages.push(p);
                }
            }
        }
    }
    // `local:` packages from packages.yml (the evaluator's integration tests use one).
    for local in locals {
        if let Ok(p) = PackageConfig::load(&local) {
            if !packages.iter().any(|q| q.name == p.name) {
                packages.push(p);
            }
        }
    }
    let mut files = Vec::new();
    for package in &packages {
        let ignore = DbtIgnore::load(&package.dir);
        let folders: [(&[String], FileKind); 4] = [
            (&package.model_paths, FileKind::Model),
            (&package.seed_paths, FileKind::Seed),
            (&package.macro_paths, FileKind::Macro),
            (&package.snapshot_paths, FileKind::Snapshot),
        ];
        for (paths, kind) in folders {
            for folder in paths {
                let base = package.dir.join(folder);
                let first = files.len();
                for entry in walkdir::WalkDir::new(&base).into_iter().flatten() {
                    let path = entry.path();
                    // As dbt's `os.walk`: a link to a file is a file, a link
                    // to a folder is not entered.
                    let is_file =
                        entry.file_type().is_file() || (entry.path_is_symlink() && path.is_file());
                    if !is_file {
                        continue;
                    }
                    let Some(file_kind) = file_kind_of(kind, path) else {
                        continue;
                    };
                    let package_relative = path
                        .strip_prefix(&base)
                        .unwrap_or(path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    if !ignore.is_empty()
                        && ignore
                            .ignores(&dbtignore::spelled_from_package(folder, &package_relative))
                    {
                        continue;
                    }
                    let display = path
                        .strip_prefix(root)
                        .unwrap_or(path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    files.push(DiscoveredFile {
                        path: path.to_path_buf(),
                        display,
                        package_relative,
                        package: package.name.clone(),
                        kind: file_kind,
                    });
                }
                // In the order of a walk that sorts each folder by name: walkdir's
                // own sort parsed both paths at each of its comparisons.
                files[first..].sort_by(|a, b| walk_order(&a.package_relative, &b.package_relative));
            }
        }
    }
    Ok(Discovered {
        root: root.to_path_buf(),
        packages,
        target,
        files,
    })
}

/// The order of two `/`-separated paths compared part by part (as a walk
/// sorting each folder by name lists them), found at their first difference:
/// a part that ends there comes first.
fn walk_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let at = |path: &[u8]| path.get(same).map(|&c| if c == b'/' { 0 } else { c });
    at(a).cmp(&at(b))
}

/// What a file found under a package's folder of `kind` is, by its
/// extension in any case (dbt matches `*.sql` ignoring case): `None` for
/// files dbt does not read there.
fn file_kind_of(kind: FileKind, path: &Path) -> Option<FileKind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match (kind, ext.as_str()) {
        (FileKind::Model, "sql") => FileKind::Model,
        (FileKind::Model, "py") => FileKind::PythonModel,
        (FileKind::Snapshot, "sql") => FileKind::Snapshot,
        (FileKind::Macro, "sql") => FileKind::Macro,
        (FileKind::Seed, "csv") => FileKind::Seed,
        (_, "yml" | "yaml") => FileKind::Properties,
        _ => return None,
    })
}

/// The `base` of the `[git]` table of `loupe.toml`: the revision changes are
/// measured against (`loupe diff`, the editor's impact), when the project
/// sets one.
pub fn configured_git_base(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("loupe.toml")).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    table
        .get("git")?
        .as_table()?
        .get("base")?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::walk_order;

    #[test]
    fn paths_sort_part_by_part_as_a_walk_lists_them() {
        let paths = [
            "models/a.sql",
            "models/a/b.sql",
            "models/a-b.sql",
            "models/a",
            "models/ab/c.sql",
            "models/a.sql.bak",
            "models/staging/stg_orders.sql",
            "models/staging_old/x.sql",
            "models/Staging/y.sql",
            "m",
            "models",
            "",
        ];
        for a in paths {
            for b in paths {
                assert_eq!(
                    walk_order(a, b),
                    a.split('/').cmp(b.split('/')),
                    "{a:?} against {b:?}"
                );
            }
        }
    }
}
