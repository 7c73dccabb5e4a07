//! `loupe.toml`: the fabrics of a project and the default one. Tokens never
//! live here; remote fabrics read them from the environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FabricKind {
    Duckdb,
    Databricks,
    Livy,
    Snowflake,
    /// Spark Connect (open-source Spark, EMR, Dataproc, Databricks Connect).
    Spark,
}

/// One `[fabrics.NAME]` table.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct FabricConfig {
    pub kind: FabricKind,
    /// DuckDB: the database file (relative to the project root).
    pub path: Option<String>,
    pub host: Option<String>,
    pub profile: Option<String>,
    pub warehouse_id: Option<String>,
    pub cluster_id: Option<String>,
    pub url: Option<String>,
    /// Databricks: the catalog and schema statements run in (Snowflake: the schema).
    pub catalog: Option<String>,
    pub schema: Option<String>,
    /// Remote fabrics: a statement still running after this is cancelled.
    pub timeout_seconds: Option<u64>,
    /// Snowflake: the account identifier, user, role, warehouse and database
    /// (missing ones come from the environment, then from the dbt profile).
    pub account: Option<String>,
    pub user: Option<String>,
    pub role: Option<String>,
    pub warehouse: Option<String>,
    pub database: Option<String>,
    /// Snowflake key-pair auth: the PEM file of the private key (its
    /// passphrase comes from the environment or the profile, never from here).
    pub private_key_path: Option<String>,
    /// Snowflake: `oauth` (a token from SNOWFLAKE_TOKEN) or key-pair (the default).
    pub authenticator: Option<String>,
    /// Snowflake: the output of the dbt profile to read (else the profile's `target`).
    pub target: Option<String>,
    /// DuckDB: open the file only to read it (a database another tool builds).
    pub read_only: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct FabricsFile {
    pub default: Option<String>,
    #[serde(default)]
    pub fabrics: BTreeMap<String, FabricConfig>,
    /// Fabrics the project's dbt profile implies (a `type: snowflake` output
    /// is the fabric `snowflake`), unless loupe.toml names one so.
    #[serde(skip)]
    pub implied: BTreeMap<String, FabricConfig>,
}

/// Keys that would hold a secret: refused in `loupe.toml`.
const SECRET_KEYS: &[&str] = &[
    "token",
    "client_secret",
    "password",
    "access_token",
    "private_key",
    "private_key_passphrase",
];

/// The embedded DuckDB database a project uses when `loupe.toml` names none.
pub const DEFAULT_DUCKDB: &str = "target/loupe.duckdb";

impl FabricsFile {
    /// Reads `loupe.toml` at the project root; no file means the default fabric only.
    pub fn load(root: &Path) -> Result<FabricsFile, String> {
        let path = root.join("loupe.toml");
        let mut file = match std::fs::read_to_string(&path) {
            Ok(text) => {
                FabricsFile::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            Err(_) => FabricsFile::default(),
        };
        let env = crate::Environment::from_process();
        if !file.fabrics.contains_key("snowflake")
            && crate::remote::snowflake_auth::profile_has_snowflake_output(root, &env)
        {
            let mut implied = FabricConfig::embedded();
            implied.kind = FabricKind::Snowflake;
            implied.path = None;
            file.implied.insert("snowflake".into(), implied);
        }
        Ok(file)
    }

    /// Reads the text of a `loupe.toml`. A secret written in it is refused
    /// (the file travels with the project), without repeating the secret.
    pub fn parse(text: &str) -> Result<FabricsFile, String> {
        let raw: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let fabrics = raw.get("fabrics").and_then(toml::Value::as_table);
        for (name, settings) in fabrics.into_iter().flatten() {
            let Some(settings) = settings.as_table() else {
                continue;
            };
            let url_token = settings
                .get("url")
                .and_then(toml::Value::as_str)
                .is_some_and(|url| url.split(';').any(|p| p.trim().starts_with("token=")));
            if url_token {
                return Err(format!(
                    "[fabrics.{name}] has a token in `url`: secrets never go in loupe.toml, which is shared with the project; set SPARK_CONNECT_TOKEN, or the whole string in SPARK_REMOTE"
                ));
            }
            if let Some(key) = SECRET_KEYS.iter().find(|k| settings.contains_key(**k)) {
                let instead = if settings.get("kind").and_then(toml::Value::as_str)
                    == Some("snowflake")
                {
                    "set SNOWFLAKE_PRIVATE_KEY_PASSPHRASE or SNOWFLAKE_TOKEN, or read them from the dbt profile (`env_var`)"
                } else {
                    "set DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET), or name a ~/.databrickscfg `profile`"
                };
                return Err(format!(
                    "[fabrics.{name}] sets `{key}`: secrets never go in loupe.toml, which is shared with the project; {instead}"
                ));
            }
        }
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The names of the fabrics, the default first; `duckdb` when none is
    /// configured; the fabrics the dbt profile implies last.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = if self.fabrics.is_empty() {
            vec!["duckdb".into()]
        } else {
            self.fabrics.keys().cloned().collect()
        };
        if let Some(d) = &self.default {
            if self.fabrics.contains_key(d) {
                names.retain(|n| n != d);
                names.insert(0, d.clone());
            }
        }
        names.extend(self.implied.keys().cloned());
        names
    }

    /// Where warehouse tables' columns are read from: as [`FabricsFile::get`],
    /// except that a project with no fabrics of its own whose dbt profile
    /// builds into a DuckDB file that exists reads that file (read-only): its
    /// tables are there, not in Loupe's own database.
    pub fn get_for_catalog(
        &self,
        root: &Path,
        name: Option<&str>,
        dbt_duckdb_file: Option<&str>,
    ) -> Result<(String, FabricConfig), String> {
        match dbt_duckdb_file {
            Some(file)
                if self.fabrics.is_empty()
                    && self.default.is_none()
                    && name.is_none_or(|n| n == "duckdb")
                    && root.join(file).is_file() =>
            {
                Ok(("duckdb".into(), FabricConfig::dbt_duckdb_file(file)))
            }
            _ => self.get(name),
        }
    }

    /// The configuration of `name` (or of the default fabric).
    pub fn get(&self, name: Option<&str>) -> Result<(String, FabricConfig), String> {
        let wanted = name.map(str::to_string).or_else(|| self.default.clone());
        match wanted {
            None if self.fabrics.is_empty() => Ok(("duckdb".into(), FabricConfig::embedded())),
            None => self
                .fabrics
                .iter()
                .next()
                .map(|(n, c)| (n.clone(), c.clone()))
                .ok_or_else(|| "no fabric".into()),
            Some(n) if n == "duckdb" && self.fabrics.is_empty() => {
                Ok((n, FabricConfig::embedded()))
            }
            Some(n) => self
                .fabrics
                .get(&n)
                .or_else(|| self.implied.get(&n))
                .map(|c| (n.clone(), c.clone()))
                .ok_or_else(|| {
                    format!(
                        "no fabric named `{n}` in loupe.toml (known: {})",
                        self.names().join(", ")
                    )
                }),
        }
    }
}

impl FabricConfig {
    fn embedded() -> FabricConfig {
        FabricConfig {
            kind: FabricKind::Duckdb,
            path: Some(DEFAULT_DUCKDB.into()),
            host: None,
            profile: None,
            warehouse_id: None,
            cluster_id: None,
            url: None,
            catalog: None,
            schema: None,
            timeout_seconds: None,
            account: None,
            user: None,
            role: None,
            warehouse: None,
            database: None,
            private_key_path: None,
            authenticator: None,
            target: None,
            read_only: None,
        }
    }

    /// The database file a dbt-duckdb profile builds into, opened only to
    /// read its tables' columns.
    pub fn dbt_duckdb_file(path: &str) -> FabricConfig {
        FabricConfig {
            path: Some(path.into()),
            read_only: Some(true),
            ..FabricConfig::embedded()
        }
    }

    /// The DuckDB database file for a project root.
    pub fn duckdb_path(&self, root: &Path) -> PathBuf {
        root.join(self.path.as_deref().unwrap_or(DEFAULT_DUCKDB))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fabrics_and_the_default() {
        let file: FabricsFile = toml::from_str(
            "default = \"local\"\n[fabrics.local]\nkind = \"duckdb\"\npath = \"dev.duckdb\"\n[fabrics.prod]\nkind = \"databricks\"\nhost = \"https://x.cloud.databricks.com\"\nwarehouse_id = \"abc\"\n",
        )
        .unwrap();
        assert_eq!(file.names(), ["local", "prod"]);
        let (name, config) = file.get(None).unwrap();
        assert_eq!((name.as_str(), config.kind), ("local", FabricKind::Duckdb));
        assert_eq!(
            file.get(Some("prod")).unwrap().1.warehouse_id.as_deref(),
            Some("abc")
        );
        assert!(file
            .get(Some("nope"))
            .unwrap_err()
            .contains("known: local, prod"));
        assert_eq!(FabricsFile::default().get(None).unwrap().0, "duckdb");
    }

    #[test]
    fn a_token_in_the_file_is_refused_without_being_repeated() {
        let error = FabricsFile::parse(
            "[fabrics.prod]\nkind = \"databricks\"\nhost = \"h\"\ntoken = \"dapi-secret-value\"\n",
        )
        .unwrap_err();
        assert!(error.contains("[fabrics.prod] sets `token`"), "{error}");
        assert!(error.contains("DATABRICKS_TOKEN"), "{error}");
        assert!(!error.contains("dapi-secret-value"), "{error}");
        let error = FabricsFile::parse(
            "[fabrics.sf]\nkind = \"snowflake\"\naccount = \"a\"\nprivate_key_passphrase = \"pass-value\"\n",
        )
        .unwrap_err();
        assert!(
            error.contains("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"),
            "{error}"
        );
        assert!(!error.contains("pass-value"), "{error}");
        let error = FabricsFile::parse(
            "[fabrics.spark]\nkind = \"spark\"\nurl = \"sc://h:443/;token=sc-secret-value;use_ssl=true\"\n",
        )
        .unwrap_err();
        assert!(error.contains("SPARK_CONNECT_TOKEN"), "{error}");
        assert!(!error.contains("sc-secret-value"), "{error}");
        let fine = FabricsFile::parse(
            "[fabrics.spark]\nkind = \"spark\"\nurl = \"sc://h:443/;use_ssl=true\"\n",
        )
        .unwrap();
        assert_eq!(fine.get(Some("spark")).unwrap().1.kind, FabricKind::Spark);
    }
}
