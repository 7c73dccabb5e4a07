//! `dbt_project.yml` and `profiles.yml`: paths, vars, dispatch, and the
//! hierarchical `models:` / `seeds:` configs.

use std::path::{Path, PathBuf};

use serde_yaml::Value as Yaml;

use super::{Invocation, Target};

/// One package's `dbt_project.yml`.
#[derive(Clone, Debug, PartialEq)]
pub struct PackageConfig {
    pub name: String,
    pub dir: PathBuf,
    pub profile: Option<String>,
    pub model_paths: Vec<String>,
    pub seed_paths: Vec<String>,
    pub macro_paths: Vec<String>,
    pub snapshot_paths: Vec<String>,
    pub vars: Yaml,
    pub models: Yaml,
    pub seeds: Yaml,
    pub snapshots: Yaml,
    pub dispatch: Vec<(String, Vec<String>)>,
}

fn string_list(v: Option<&Yaml>, default: &str) -> Vec<String> {
    match v {
        Some(Yaml::Sequence(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(Yaml::String(s)) => vec![s.clone()],
        _ => vec![default.to_string()],
    }
}

impl PackageConfig {
    pub fn load(dir: &Path) -> Result<PackageConfig, String> {
        let path = dir.join("dbt_project.yml");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let (yaml, _) = super::lenient_yaml::parse(&text)
            .map_err(|e| format!("{}: invalid YAML: {e}", path.display()))?;
        let name = yaml
            .get("name")
            .and_then(Yaml::as_str)
            .ok_or_else(|| format!("{}: missing `name`", path.display()))?
            .to_string();
        let dispatch = yaml
            .get("dispatch")
            .and_then(Yaml::as_sequence)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| {
                        let ns = e.get("macro_namespace")?.as_str()?.to_string();
                        Some((ns, string_list(e.get("search_order"), "")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(PackageConfig {
            name,
            dir: dir.to_path_buf(),
            profile: yaml
                .get("profile")
                .and_then(Yaml::as_str)
                .map(str::to_string),
            model_paths: string_list(
                yaml.get("model-paths").or(yaml.get("source-paths")),
                "models",
            ),
            seed_paths: string_list(yaml.get("seed-paths").or(yaml.get("data-paths")), "seeds"),
            macro_paths: string_list(yaml.get("macro-paths"), "macros"),
            snapshot_paths: string_list(yaml.get("snapshot-paths"), "snapshots"),
            vars: yaml.get("vars").cloned().unwrap_or(Yaml::Null),
            models: yaml.get("models").cloned().unwrap_or(Yaml::Null),
            seeds: yaml.get("seeds").cloned().unwrap_or(Yaml::Null),
            snapshots: yaml.get("snapshots").cloned().unwrap_or(Yaml::Null),
            dispatch,
        })
    }
}

/// Directories of `local:` packages in `packages.yml`.
pub(crate) fn local_packages(root: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(root.join("packages.yml")) else {
        return Vec::new();
    };
    let Ok((yaml, _)) = super::lenient_yaml::parse(&text) else {
        return Vec::new();
    };
    yaml.get("packages")
        .and_then(Yaml::as_sequence)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.get("local")?.as_str())
                .map(|l| root.join(l))
                .filter(|d| d.join("dbt_project.yml").is_file())
                .collect()
        })
        .unwrap_or_default()
}

/// The target from `profiles.yml` (`--profiles-dir`, else beside the project,
/// else `~/.dbt`): the output `--target` names, else the profile's default
/// (`target:`, as dbt picks it), else a DuckDB output, else the first;
/// DuckDB's `main` without a profile.
pub(crate) fn load_target(root: &Path, config: &PackageConfig, invocation: &Invocation) -> Target {
    use super::AdapterSource;
    let mut target = target_from_profiles(root, config, invocation);
    if let Some(adapter) = &invocation.adapter {
        if target.adapter_from != AdapterSource::Profile
            && target.schema == "main"
            && adapter != "duckdb"
        {
            target.schema = "public".into();
        }
        target.adapter = adapter.to_lowercase();
        target.adapter_from = AdapterSource::Invocation;
    } else if target.adapter_from == AdapterSource::Assumed {
        if let Some(adapter) = adapter_of_last_manifest(root) {
            if adapter != "duckdb" {
                target.schema = "public".into();
            }
            target.adapter = adapter;
            target.adapter_from = AdapterSource::LastManifest;
        }
    }
    target
}

/// The adapter the last dbt command wrote into `target/manifest.json`
/// (`metadata.adapter_type`, near the file's start: only its head is read,
/// as manifests of large projects run to hundreds of megabytes).
fn adapter_of_last_manifest(root: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16 * 1024);
    std::fs::File::open(root.join("target/manifest.json"))
        .ok()?
        .take(16 * 1024)
        .read_to_end(&mut head)
        .ok()?;
    let head = String::from_utf8_lossy(&head);
    let after = &head[head.find("\"adapter_type\"")? + "\"adapter_type\"".len()..];
    let value = after
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let adapter = &value[..value.find('"')?];
    (!adapter.is_empty()
        && adapter
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then(|| adapter.to_lowercase())
}

/// The target as `profiles.yml` gives it, DuckDB's defaults without one.
fn target_from_profiles(root: &Path, config: &PackageConfig, invocation: &Invocation) -> Target {
    let mut target = Target::default();
    if let Some(name) = &invocation.target {
        target.name = name.clone();
    }
    let Some(text) = invocation
        .profiles_file(root)
        .and_then(|p| std::fs::read_to_string(p).ok())
    else {
        return target;
    };
    let Ok((yaml, _)) = super::lenient_yaml::parse(&text) else {
        return target;
    };
    let profile = invocation
        .profile
        .as_deref()
        .or(config.profile.as_deref())
        .and_then(|p| yaml.get(p))
        .or_else(|| yaml.as_mapping().and_then(|m| m.values().next()));
    let Some(profile) = profile else {
        return target;
    };
    let Some(outputs) = profile.get("outputs").and_then(Yaml::as_mapping) else {
        return target;
    };
    let default_name = profile
        .get("target")
        .and_then(Yaml::as_str)
        .unwrap_or("dev");
    let named = |name: &str| outputs.iter().find(|(k, _)| k.as_str() == Some(name));
    let chosen = match &invocation.target {
        Some(name) => named(name),
        None => None,
    }
    .or_else(|| named(default_name))
    .or_else(|| {
        outputs
            .iter()
            .find(|(_, o)| o.get("type").and_then(Yaml::as_str) == Some("duckdb"))
    })
    .or_else(|| outputs.iter().next());
    if let Some((name, output)) = chosen {
        target.name = name.as_str().unwrap_or("dev").to_string();
        if let Some(t) = output.get("type").and_then(Yaml::as_str) {
            target.adapter = t.to_string();
            target.adapter_from = super::AdapterSource::Profile;
        }
        let plain = |v: Option<&Yaml>| {
            v.and_then(Yaml::as_str)
                .filter(|s| !s.contains("{{"))
                .map(str::to_string)
        };
        if let Some(s) = plain(output.get("schema").or(output.get("dataset"))) {
            target.schema = s;
        } else if target.adapter != "duckdb" {
            target.schema = "public".into();
        }
        if let Some(d) = plain(
            output
                .get("database")
                .or(output.get("dbname"))
                .or(output.get("catalog")),
        ) {
            target.database = d;
        } else if target.adapter == "duckdb" {
            // dbt-duckdb names the database after the file (`memory` in memory).
            target.database = match plain(output.get("path")) {
                Some(path) if path != ":memory:" => std::path::Path::new(&path)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "memory".into()),
                _ => "memory".into(),
            };
        }
        if target.adapter == "duckdb" {
            target.duckdb_file = plain(output.get("path")).filter(|p| {
                p != ":memory:" && !p.starts_with("md:") && !p.starts_with("motherduck:")
            });
        }
    }
    target
}

/// `column_types` of a more specific level (a folder, the seed's own YAML)
/// update those above it key by key, as dbt merges that config.
pub(crate) fn update_column_types(base: &mut Vec<(String, String)>, level: Vec<(String, String)>) {
    for (column, ty) in level {
        match base.iter_mut().find(|(c, _)| *c == column) {
            Some(slot) => slot.1 = ty,
            None => base.push((column, ty)),
        }
    }
}

/// The configs that shape a model's relation and analysis.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ModelConfig {
    pub materialized: Option<String>,
    pub schema: Option<String>,
    pub alias: Option<String>,
    pub database: Option<String>,
    pub enabled: Option<bool>,
    pub contract_enforced: Option<bool>,
    pub column_types: Vec<(String, String)>,
    /// Spark's `file_format` and `partition_by`: where a table puts its columns.
    pub file_format: Option<String>,
    pub partition_by: Option<Vec<String>>,
    /// A snapshot's: see [`SnapshotConfig`].
    pub snapshot: SnapshotConfig,
}

/// What a snapshot's config says of where it is built and of the columns
/// dbt adds to it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SnapshotConfig {
    /// Legacy `target_schema` / `target_database`: taken as written, not
    /// through `generate_schema_name`.
    pub target_schema: Option<String>,
    pub target_database: Option<String>,
    /// The column (or expression) a snapshot stamps its rows' times with
    /// (else the adapter's current time, as `check` snapshots do).
    pub updated_at: Option<String>,
    /// `new_record` adds `dbt_is_deleted`.
    pub hard_deletes: Option<String>,
    /// `snapshot_meta_column_names`: dbt's name -> the project's.
    pub meta_column_names: Vec<(String, String)>,
}

impl ModelConfig {
    /// The config as `model.config` shows it to Jinja.
    pub fn as_map(&self) -> std::collections::BTreeMap<String, String> {
        let mut m = std::collections::BTreeMap::new();
        m.insert(
            "materialized".into(),
            self.materialized.clone().unwrap_or_else(|| "view".into()),
        );
        for (k, v) in [
            ("schema", &self.schema),
            ("alias", &self.alias),
            ("database", &self.database),
        ] {
            if let Some(v) = v {
                m.insert(k.to_string(), v.clone());
            }
        }
        m.insert("enabled".into(), self.enabled.unwrap_or(true).to_string());
        m
    }

    /// Whether a config value (or the `enabled` text of a `config()` call) disables.
    pub fn is_false(text: &str) -> bool {
        matches!(
            text.trim().to_ascii_lowercase().as_str(),
            "false" | "0" | "no" | "none" | ""
        )
    }

    /// Applies one level of a config tree (`+materialized: table`, `schema: x`, ...);
    /// `render` evaluates Jinja in values (`"{{ var('x') }}"`).
    pub fn apply(&mut self, level: &Yaml, render: &dyn Fn(&str) -> String) {
        let Some(map) = level.as_mapping() else {
            return;
        };
        for (k, v) in map {
            let Some(key) = k.as_str() else { continue };
            let key = key.trim_start_matches('+');
            let text = || match v {
                Yaml::String(s) if s.contains("{{") || s.contains("{%") => {
                    Some(render(s).trim().to_string())
                }
                Yaml::String(s) => Some(s.clone()),
                Yaml::Bool(b) => Some(b.to_string()),
                Yaml::Number(n) => Some(n.to_string()),
                _ => None,
            };
            match key {
                "materialized" => self.materialized = text(),
                "schema" => self.schema = text(),
                "alias" => self.alias = text(),
                "database" => self.database = text(),
                "enabled" => {
                    self.enabled = v
                        .as_bool()
                        .or_else(|| text().map(|t| !ModelConfig::is_false(&t)))
                }
                "contract" => self.contract_enforced = v.get("enforced").and_then(Yaml::as_bool),
                "file_format" => self.file_format = text(),
                "target_schema" => self.snapshot.target_schema = text(),
                "target_database" => self.snapshot.target_database = text(),
                "updated_at" => self.snapshot.updated_at = text(),
                "hard_deletes" => self.snapshot.hard_deletes = text(),
                "snapshot_meta_column_names" => {
                    if let Some(m) = v.as_mapping() {
                        self.snapshot.meta_column_names = m
                            .iter()
                            .filter_map(|(k, v)| {
                                Some((k.as_str()?.to_string(), v.as_str()?.to_string()))
                            })
                            .collect();
                    }
                }
                "partition_by" => {
                    self.partition_by = match v {
                        Yaml::Sequence(items) => Some(
                            items
                                .iter()
                                .filter_map(|i| i.as_str().map(str::to_string))
                                .collect(),
                        ),
                        _ => text().map(|t| vec![t]),
                    }
                }
                "column_types" => {
                    if let Some(m) = v.as_mapping() {
                        let level = m
                            .iter()
                            .filter_map(|(c, t)| {
                                let t = t.as_str()?;
                                let t = if t.contains("{{") || t.contains("{%") {
                                    render(t).trim().to_string()
                                } else {
                                    t.to_string()
                                };
                                Some((c.as_str()?.to_string(), t))
                            })
                            .collect();
                        update_column_types(&mut self.column_types, level);
                    }
                }
                _ => {}
            }
        }
    }

    /// The config of a file from a `models:`/`seeds:` tree, following the
    /// package name and the folders of its path.
    pub fn from_tree(
        tree: &Yaml,
        package: &str,
        package_relative: &str,
        render: &dyn Fn(&str) -> String,
    ) -> ModelConfig {
        let mut config = ModelConfig::default();
        // `+schema: x` written straight under `models:` is every model's.
        config.apply(tree, render);
        let Some(mut node) = tree.get(package) else {
            return config;
        };
        config.apply(node, render);
        let parts: Vec<&str> = package_relative.split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            let key = if i + 1 == parts.len() {
                part.rsplit_once('.').map_or(*part, |(s, _)| s)
            } else {
                part
            };
            match node.get(key) {
                Some(child) if child.is_mapping() => {
                    config.apply(child, render);
                    node = child;
                }
                _ => break,
            }
        }
        config
    }
}
