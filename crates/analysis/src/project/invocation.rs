//! How dbt is invoked on a project: `--vars`, `--target`, `--profile`,
//! `--profiles-dir`, and the adapter whose SQL to read it as when no
//! profile says (`--adapter`; dbt Cloud users have no profiles.yml). They come from the command line, from the editor's
//! settings, or from the `[dbt]` table of `loupe.toml`; the first that sets
//! a value wins.

use std::path::{Path, PathBuf};

use serde_yaml::Value as Yaml;

/// The options dbt takes on its command line that change what a project means.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Invocation {
    /// `--vars`: a mapping; they win over every `vars:` of the project.
    pub vars: Yaml,
    pub target: Option<String>,
    pub profile: Option<String>,
    pub profiles_dir: Option<PathBuf>,
    /// The adapter (a profile output's `type`: `snowflake`, `bigquery`...)
    /// to read the project as, over the one `profiles.yml` names.
    pub adapter: Option<String>,
}

impl Invocation {
    /// Parses `--vars` the way dbt does: YAML (so JSON too), a mapping.
    pub fn parse_vars(text: &str) -> Result<Yaml, String> {
        if text.trim().is_empty() {
            return Ok(Yaml::Null);
        }
        match serde_yaml::from_str::<Yaml>(text) {
            Ok(v @ Yaml::Mapping(_)) => Ok(v),
            Ok(Yaml::Null) => Ok(Yaml::Null),
            Ok(_) => Err(format!(
                "--vars must be a YAML or JSON mapping, like '{{key: value}}', not `{text}`"
            )),
            Err(e) => Err(format!("--vars is not valid YAML or JSON: {e}")),
        }
    }

    /// Values of `self` first, then those of `other` where `self` sets none.
    /// Vars merge key by key.
    pub fn or(mut self, other: Invocation) -> Invocation {
        self.vars = match (self.vars, other.vars) {
            (Yaml::Mapping(mut mine), Yaml::Mapping(theirs)) => {
                for (k, v) in theirs {
                    mine.entry(k).or_insert(v);
                }
                Yaml::Mapping(mine)
            }
            (Yaml::Null, theirs) => theirs,
            (mine, _) => mine,
        };
        self.target = self.target.or(other.target);
        self.profile = self.profile.or(other.profile);
        self.profiles_dir = self.profiles_dir.or(other.profiles_dir);
        self.adapter = self.adapter.or(other.adapter);
        self
    }

    /// The `[dbt]` table of `loupe.toml` at `root` (`vars`, `target`,
    /// `profile`, `profiles_dir`, `adapter`); nothing when the file or table is absent.
    pub fn from_loupe_toml(root: &Path) -> Result<Invocation, String> {
        let path = root.join("loupe.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(Invocation::default());
        };
        let table: toml::Table =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let Some(dbt) = table.get("dbt").and_then(toml::Value::as_table) else {
            return Ok(Invocation::default());
        };
        let text_of = |key: &str| {
            dbt.get(key)
                .and_then(toml::Value::as_str)
                .map(str::to_string)
        };
        let vars = match dbt.get("vars") {
            None => Yaml::Null,
            Some(toml::Value::String(s)) => {
                Invocation::parse_vars(s).map_err(|e| format!("{}: [dbt] {e}", path.display()))?
            }
            Some(v @ toml::Value::Table(_)) => serde_yaml::to_value(v)
                .map_err(|e| format!("{}: [dbt] vars: {e}", path.display()))?,
            Some(_) => {
                return Err(format!(
                    "{}: [dbt] vars must be a table or a YAML string",
                    path.display()
                ))
            }
        };
        Ok(Invocation {
            vars,
            target: text_of("target"),
            profile: text_of("profile"),
            profiles_dir: text_of("profiles_dir").map(|d| root.join(d)),
            adapter: text_of("adapter"),
        })
    }

    /// What dbt would read from the environment: `DBT_PROFILES_DIR`, `DBT_TARGET`, `DBT_PROFILE`.
    pub fn from_env() -> Invocation {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Invocation {
            vars: Yaml::Null,
            target: var("DBT_TARGET"),
            profile: var("DBT_PROFILE"),
            profiles_dir: var("DBT_PROFILES_DIR").map(PathBuf::from),
            adapter: None,
        }
    }

    /// The invocation for a project with nothing given explicitly: `loupe.toml`, then the environment.
    pub fn for_project(root: &Path) -> Result<Invocation, String> {
        Ok(Invocation::from_loupe_toml(root)?.or(Invocation::from_env()))
    }

    /// Where `profiles.yml` is: `--profiles-dir`, else the project folder, else `~/.dbt`.
    pub fn profiles_file(&self, root: &Path) -> Option<PathBuf> {
        if let Some(dir) = &self.profiles_dir {
            return Some(dir.join("profiles.yml"));
        }
        let beside = root.join("profiles.yml");
        if beside.is_file() {
            return Some(beside);
        }
        let home = std::env::var_os("HOME")?;
        let in_home = PathBuf::from(home).join(".dbt/profiles.yml");
        in_home.is_file().then_some(in_home)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vars_read_as_yaml_or_json_mappings() {
        let yaml = Invocation::parse_vars("{load_source_data: true}").unwrap();
        assert_eq!(yaml["load_source_data"], Yaml::Bool(true));
        let json = Invocation::parse_vars(r#"{"start": "2024-01-01", "n": 3}"#).unwrap();
        assert_eq!(json["n"].as_i64(), Some(3));
        let block = Invocation::parse_vars("a: 1\nb: x\n").unwrap();
        assert_eq!(block["b"].as_str(), Some("x"));
        assert!(Invocation::parse_vars("[1, 2]")
            .unwrap_err()
            .contains("mapping"));
        assert!(Invocation::parse_vars("{a: [").is_err());
    }

    #[test]
    fn explicit_values_win_and_vars_merge() {
        let cli = Invocation {
            vars: Invocation::parse_vars("{a: 1}").unwrap(),
            target: Some("prod".into()),
            ..Default::default()
        };
        let file = Invocation {
            vars: Invocation::parse_vars("{a: 2, b: 3}").unwrap(),
            target: Some("dev".into()),
            profile: Some("shop".into()),
            ..Default::default()
        };
        let merged = cli.or(file);
        assert_eq!(merged.vars["a"].as_i64(), Some(1));
        assert_eq!(merged.vars["b"].as_i64(), Some(3));
        assert_eq!(merged.target.as_deref(), Some("prod"));
        assert_eq!(merged.profile.as_deref(), Some("shop"));
    }
}
