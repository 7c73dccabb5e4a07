//! Databricks credentials, resolved the way Databricks' own tools do:
//! `DATABRICKS_HOST`/`DATABRICKS_TOKEN` (and `_CLIENT_ID`/`_CLIENT_SECRET`)
//! first, then a profile of `~/.databrickscfg` (`DATABRICKS_CONFIG_FILE`,
//! `DATABRICKS_CONFIG_PROFILE`, or `profile` in loupe.toml). A personal access
//! token is sent as it is; OAuth client credentials (M2M) buy a token that is
//! cached until it expires. No secret is ever printed: `Debug` hides them and
//! every error passes through [`DatabricksAuth::redact`].

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

use crate::FabricError;

/// The environment variables credentials come from (a test passes its own).
#[derive(Clone, Debug, Default)]
pub struct Environment {
    vars: HashMap<String, String>,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment {
            vars: std::env::vars().collect(),
        }
    }

    pub fn with(vars: &[(&str, &str)]) -> Environment {
        Environment {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn get(&self, name: &str) -> Option<String> {
        self.var(name)
    }

    /// A variable's value; unset and empty are the same.
    pub fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).filter(|v| !v.is_empty()).cloned()
    }

    fn config_file(&self) -> Option<PathBuf> {
        self.get("DATABRICKS_CONFIG_FILE")
            .map(PathBuf::from)
            .or_else(|| {
                self.get("HOME")
                    .map(|h| PathBuf::from(h).join(".databrickscfg"))
            })
    }
}

/// A secret string: never shown by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

enum Method {
    PersonalToken(Secret),
    ClientCredentials {
        client_id: String,
        client_secret: Secret,
        cached: Mutex<Option<(Secret, Instant)>>,
    },
}

pub struct DatabricksAuth {
    pub host: String,
    /// The compute a profile or the environment names, for a fabric that names none.
    pub warehouse_id: Option<String>,
    pub cluster_id: Option<String>,
    method: Method,
}

impl fmt::Debug for DatabricksAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.method {
            Method::PersonalToken(_) => "personal access token",
            Method::ClientCredentials { .. } => "OAuth client credentials",
        };
        write!(f, "DatabricksAuth({}, {kind})", self.host)
    }
}

/// What a `~/.databrickscfg` profile says (keys as written).
fn read_profile(
    env: &Environment,
    wanted: Option<&str>,
) -> Result<HashMap<String, String>, String> {
    let Some(path) = env.config_file() else {
        return Ok(HashMap::new());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) if wanted.is_none() => return Ok(HashMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let section = wanted.unwrap_or("DEFAULT");
    let mut current: Option<String> = None;
    let mut found = false;
    let mut values = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim().to_string());
            found |= name.trim() == section;
            continue;
        }
        if current.as_deref() == Some(section) {
            if let Some((key, value)) = line.split_once('=') {
                values.insert(key.trim().to_string(), value.trim().to_string());
            }
        }
    }
    if !found && wanted.is_some() {
        return Err(format!("{} has no profile [{section}]", path.display()));
    }
    Ok(values)
}

fn normalize_host(host: &str) -> String {
    let host = host.trim().trim_end_matches('/');
    if host.contains("://") {
        host.to_string()
    } else {
        format!("https://{host}")
    }
}

impl DatabricksAuth {
    /// Resolves the host and credentials of a Databricks fabric.
    pub fn resolve(
        host: Option<&str>,
        profile: Option<&str>,
        env: &Environment,
    ) -> Result<DatabricksAuth, FabricError> {
        let profile_name = profile
            .map(str::to_string)
            .or_else(|| env.get("DATABRICKS_CONFIG_PROFILE"));
        let file = read_profile(env, profile_name.as_deref()).map_err(FabricError::Unavailable)?;
        let pick = |var: &str, key: &str| env.get(var).or_else(|| file.get(key).cloned());
        let host = host
            .map(str::to_string)
            .or_else(|| pick("DATABRICKS_HOST", "host"))
            .ok_or_else(|| {
                FabricError::Unavailable(
                    "no Databricks host: set `host` in loupe.toml, DATABRICKS_HOST, or a profile in ~/.databrickscfg".into(),
                )
            })?;
        let method = if let Some(token) = pick("DATABRICKS_TOKEN", "token") {
            Method::PersonalToken(Secret(token))
        } else if let (Some(client_id), Some(secret)) = (
            pick("DATABRICKS_CLIENT_ID", "client_id"),
            pick("DATABRICKS_CLIENT_SECRET", "client_secret"),
        ) {
            Method::ClientCredentials {
                client_id,
                client_secret: Secret(secret),
                cached: Mutex::new(None),
            }
        } else {
            return Err(FabricError::Unauthorized(
                "no Databricks credentials: set DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET), or a profile in ~/.databrickscfg with `token` or `client_id`/`client_secret`".into(),
            ));
        };
        Ok(DatabricksAuth {
            host: normalize_host(&host),
            warehouse_id: pick("DATABRICKS_WAREHOUSE_ID", "warehouse_id"),
            cluster_id: pick("DATABRICKS_CLUSTER_ID", "cluster_id"),
            method,
        })
    }

    /// The bearer token, buying a fresh OAuth one when none is cached or it expires soon.
    pub fn token(&self, agent: &ureq::Agent) -> Result<String, FabricError> {
        match &self.method {
            Method::PersonalToken(token) => Ok(token.expose().to_string()),
            Method::ClientCredentials {
                client_id,
                client_secret,
                cached,
            } => {
                let mut cached = cached.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((token, until)) = cached.as_ref() {
                    if Instant::now() + Duration::from_secs(30) < *until {
                        return Ok(token.expose().to_string());
                    }
                }
                let (token, lifetime) = self
                    .client_credentials_token(agent, client_id, client_secret)
                    .map_err(|e| e.map_message(|m| self.redact(m)))?;
                *cached = Some((token.clone(), Instant::now() + lifetime));
                Ok(token.0)
            }
        }
    }

    /// Forgets a cached OAuth token after the server refused it; `false` for a
    /// personal token, which no retry can renew.
    pub fn forget_token(&self) -> bool {
        match &self.method {
            Method::PersonalToken(_) => false,
            Method::ClientCredentials { cached, .. } => {
                cached.lock().unwrap_or_else(|p| p.into_inner()).take();
                true
            }
        }
    }

    /// Replaces every secret in `text`.
    pub fn redact(&self, text: String) -> String {
        let mut secrets: Vec<String> = Vec::new();
        match &self.method {
            Method::PersonalToken(token) => secrets.push(token.0.clone()),
            Method::ClientCredentials {
                client_secret,
                cached,
                ..
            } => {
                secrets.push(client_secret.0.clone());
                // Busy only while a token is being bought, when none is cached.
                if let Ok(cached) = cached.try_lock() {
                    if let Some((token, _)) = cached.as_ref() {
                        secrets.push(token.0.clone());
                    }
                }
            }
        }
        secrets
            .iter()
            .filter(|s| s.len() >= 4)
            .fold(text, |text, secret| text.replace(secret.as_str(), "***"))
    }

    fn client_credentials_token(
        &self,
        agent: &ureq::Agent,
        client_id: &str,
        client_secret: &Secret,
    ) -> Result<(Secret, Duration), FabricError> {
        let unreachable = |e: ureq::Error| FabricError::Unavailable(format!("{}: {e}", self.host));
        // The token endpoint is discovered; workspaces normally answer /oidc/v1/token.
        let discovery = format!("{}/oidc/.well-known/oauth-authorization-server", self.host);
        let endpoint = agent
            .get(&discovery)
            .call()
            .ok()
            .filter(|r| r.status().is_success())
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|v| v.get("token_endpoint")?.as_str().map(str::to_string))
            // The secret goes nowhere but the workspace itself.
            .filter(|endpoint| endpoint.starts_with(&format!("{}/", self.host)))
            .unwrap_or_else(|| format!("{}/oidc/v1/token", self.host));
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{}", client_secret.expose()));
        let mut response = agent
            .post(&endpoint)
            .header("Authorization", &format!("Basic {basic}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send("grant_type=client_credentials&scope=all-apis")
            .map_err(unreachable)?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        if status == 429 || status >= 500 {
            return Err(FabricError::Unavailable(format!(
                "the workspace's token endpoint is unavailable ({})",
                super::http::error_message(status, &body)
            )));
        }
        if status != 200 {
            return Err(FabricError::Unauthorized(format!(
                "the OAuth client credentials were refused ({})",
                super::http::error_message(status, &body)
            )));
        }
        let answer: Value = serde_json::from_str(&body).map_err(|e| {
            FabricError::Unavailable(format!("{endpoint}: the token answer is not JSON ({e})"))
        })?;
        let token = answer
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| FabricError::Unavailable(format!("{endpoint}: no access_token")))?;
        let lifetime = answer
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(3600);
        Ok((Secret(token.to_string()), Duration::from_secs(lifetime)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_first_then_the_named_profile() {
        let dir = std::env::temp_dir().join(format!("loupe-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = dir.join("databrickscfg");
        std::fs::write(
            &cfg,
            "[DEFAULT]\nhost = https://default.example/\ntoken = dapi-default\n\n[prod]\nhost = adb-1.example\nclient_id = abc\nclient_secret = s3cret-value\n",
        )
        .unwrap();
        let path = cfg.to_str().unwrap();
        let from_default = DatabricksAuth::resolve(
            None,
            None,
            &Environment::with(&[("DATABRICKS_CONFIG_FILE", path)]),
        )
        .unwrap();
        assert_eq!(from_default.host, "https://default.example");
        assert_eq!(
            from_default.token(&super::super::http::agent()).unwrap(),
            "dapi-default"
        );
        let env_wins = DatabricksAuth::resolve(
            None,
            None,
            &Environment::with(&[
                ("DATABRICKS_CONFIG_FILE", path),
                ("DATABRICKS_TOKEN", "dapi-env"),
            ]),
        )
        .unwrap();
        assert_eq!(
            env_wins.token(&super::super::http::agent()).unwrap(),
            "dapi-env"
        );
        let prod = DatabricksAuth::resolve(
            None,
            Some("prod"),
            &Environment::with(&[("DATABRICKS_CONFIG_FILE", path)]),
        )
        .unwrap();
        assert_eq!(prod.host, "https://adb-1.example");
        let debug = format!("{prod:?}");
        assert!(
            debug.contains("OAuth") && !debug.contains("s3cret"),
            "{debug}"
        );
        assert_eq!(
            prod.redact("bad secret s3cret-value".into()),
            "bad secret ***"
        );
        let missing = DatabricksAuth::resolve(
            None,
            Some("nope"),
            &Environment::with(&[("DATABRICKS_CONFIG_FILE", path)]),
        )
        .unwrap_err();
        assert!(
            missing.to_string().contains("no profile [nope]"),
            "{missing}"
        );
        let none = DatabricksAuth::resolve(Some("h"), None, &Environment::default()).unwrap_err();
        assert!(none.to_string().contains("DATABRICKS_TOKEN"), "{none}");
    }
}
