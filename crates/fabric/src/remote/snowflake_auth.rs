//! Snowflake connection settings and credentials. Each setting comes from
//! loupe.toml, else the `SNOWFLAKE_*` environment variable, else the dbt
//! profile's `type: snowflake` output (profiles.yml, with `env_var()`
//! rendered). Key-pair auth signs an RS256 JWT with the private key of a PEM
//! file (PKCS#8, encrypted PKCS#8 with a passphrase, or PKCS#1); OAuth sends
//! an access token. No secret is ever printed: `Debug` hides them and every
//! message passes through [`SnowflakeAuth::redact`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::sha2::{Digest, Sha256};
use serde_yaml::Value as Yaml;

use super::auth::{Environment, Secret};
use crate::{FabricConfig, FabricError};

/// Where and as whom statements run (nothing secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnowflakeSettings {
    pub base_url: String,
    pub account: String,
    pub user: Option<String>,
    pub role: Option<String>,
    pub warehouse: Option<String>,
    pub database: Option<String>,
    pub schema: Option<String>,
}

enum Credential {
    KeyPair {
        key: rsa::PrivateKey,
        /// `SHA256:<base64 of the SHA-256 of the public key's DER>`.
        fingerprint: String,
        passphrase: Option<Secret>,
        minted: Mutex<Option<(Secret, Instant)>>,
    },
    OAuth(Secret),
}

pub struct SnowflakeAuth {
    /// `ACCOUNT.USER`, upper-cased as Snowflake wants it in the JWT.
    qualified_user: String,
    credential: Credential,
}

impl fmt::Debug for SnowflakeAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.credential {
            Credential::KeyPair { fingerprint, .. } => format!("key pair {fingerprint}"),
            Credential::OAuth(_) => "OAuth token".into(),
        };
        write!(f, "SnowflakeAuth({}, {kind})", self.qualified_user)
    }
}

/// A JWT lives this long (Snowflake accepts at most an hour).
const JWT_LIFETIME: Duration = Duration::from_secs(59 * 60);

impl SnowflakeAuth {
    /// The `Authorization` bearer value and its token type.
    pub fn token(&self) -> Result<(String, &'static str), FabricError> {
        match &self.credential {
            Credential::OAuth(token) => Ok((token.expose().to_string(), "OAUTH")),
            Credential::KeyPair {
                key,
                fingerprint,
                minted,
                ..
            } => {
                let mut minted = minted.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((jwt, until)) = minted.as_ref() {
                    if Instant::now() + Duration::from_secs(60) < *until {
                        return Ok((jwt.expose().to_string(), "KEYPAIR_JWT"));
                    }
                }
                let jwt = key_pair_jwt(key, &self.qualified_user, fingerprint, SystemTime::now())?;
                *minted = Some((Secret::new(jwt.clone()), Instant::now() + JWT_LIFETIME));
                Ok((jwt, "KEYPAIR_JWT"))
            }
        }
    }

    /// Forgets a minted JWT after a refusal, so the next try signs a fresh
    /// one; `false` for an OAuth token, which no retry can renew.
    pub fn forget_token(&self) -> bool {
        match &self.credential {
            Credential::OAuth(_) => false,
            Credential::KeyPair { minted, .. } => {
                minted.lock().unwrap_or_else(|p| p.into_inner()).take();
                true
            }
        }
    }

    /// Replaces every secret in `text`.
    pub fn redact(&self, text: String) -> String {
        let mut secrets: Vec<String> = Vec::new();
        match &self.credential {
            Credential::OAuth(token) => secrets.push(token.expose().to_string()),
            Credential::KeyPair {
                passphrase, minted, ..
            } => {
                secrets.extend(passphrase.iter().map(|p| p.expose().to_string()));
                if let Ok(minted) = minted.try_lock() {
                    if let Some((jwt, _)) = minted.as_ref() {
                        secrets.push(jwt.expose().to_string());
                        // A JWT's signature alone is as good as the JWT.
                        if let Some((_, signature)) = jwt.expose().rsplit_once('.') {
                            secrets.push(signature.to_string());
                        }
                    }
                }
            }
        }
        secrets
            .iter()
            .filter(|s| s.len() >= 4)
            .fold(text, |text, secret| text.replace(secret.as_str(), "***"))
    }

    /// The public key fingerprint (`SHA256:…`), for people matching it with
    /// `DESC USER`; `None` for OAuth.
    pub fn fingerprint(&self) -> Option<&str> {
        match &self.credential {
            Credential::KeyPair { fingerprint, .. } => Some(fingerprint),
            Credential::OAuth(_) => None,
        }
    }
}

/// The RS256 JWT of Snowflake's key-pair authentication.
fn key_pair_jwt(
    key: &rsa::PrivateKey,
    qualified_user: &str,
    fingerprint: &str,
    now: SystemTime,
) -> Result<String, FabricError> {
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let issued = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let header = url.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = url.encode(
        serde_json::json!({
            "iss": format!("{qualified_user}.{fingerprint}"),
            "sub": qualified_user,
            "iat": issued,
            "exp": issued + JWT_LIFETIME.as_secs(),
        })
        .to_string(),
    );
    let signed = format!("{header}.{claims}");
    let signature = key
        .pkcs1v15_sign::<Sha256>(signed.as_bytes())
        .map_err(|e| FabricError::Unavailable(format!("signing the Snowflake JWT failed: {e}")))?;
    Ok(format!("{signed}.{}", url.encode(signature)))
}

/// `SHA256:` and the base64 SHA-256 of the public key's DER (SubjectPublicKeyInfo).
fn public_key_fingerprint(key: &rsa::PrivateKey) -> Result<String, String> {
    let der = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| e.to_string())?;
    let digest = Sha256::digest(der.as_bytes());
    Ok(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    ))
}

/// Reads a PEM private key: PKCS#8, encrypted PKCS#8 (needs `passphrase`), or PKCS#1.
fn read_private_key(path: &Path, passphrase: Option<&Secret>) -> Result<rsa::PrivateKey, String> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the private key {}: {e}", path.display()))?;
    let problem = |what: String| format!("the private key {}: {what}", path.display());
    if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let Some(passphrase) = passphrase else {
            return Err(problem(
                "it is encrypted and no passphrase was given (set SNOWFLAKE_PRIVATE_KEY_PASSPHRASE, or `private_key_passphrase` in the dbt profile)".into(),
            ));
        };
        return rsa::PrivateKey::from_pkcs8_encrypted_pem(pem.trim(), passphrase.expose())
            .map_err(|_| problem("it cannot be decrypted (a wrong passphrase?)".into()));
    }
    if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        if pem.contains("ENCRYPTED") {
            return Err(problem(
                "legacy encrypted PEM is not supported; convert it: openssl pkcs8 -topk8 -v2 aes256 -in OLD -out NEW".into(),
            ));
        }
        return rsa::PrivateKey::from_pkcs1_pem(pem.trim())
            .map_err(|_| problem("not a readable RSA key".into()));
    }
    if pem.contains("-----BEGIN PRIVATE KEY-----") {
        return rsa::PrivateKey::from_pkcs8_pem(pem.trim())
            .map_err(|_| problem("not a readable RSA key".into()));
    }
    Err(problem("not a PEM private key".into()))
}

/// The settings of the dbt profile's Snowflake output, `env_var()` rendered.
#[derive(Default)]
struct ProfileOutput {
    values: std::collections::HashMap<String, String>,
}

impl ProfileOutput {
    fn get(&self, key: &str) -> Option<String> {
        self.values.get(key).cloned()
    }
}

/// `profiles.yml`: $DBT_PROFILES_DIR, else beside the project, else ~/.dbt.
fn profiles_file(root: &Path, env: &Environment) -> Option<PathBuf> {
    if let Some(dir) = env.var("DBT_PROFILES_DIR") {
        return Some(PathBuf::from(dir).join("profiles.yml"));
    }
    let beside = root.join("profiles.yml");
    if beside.is_file() {
        return Some(beside);
    }
    env.var("HOME")
        .map(|h| PathBuf::from(h).join(".dbt/profiles.yml"))
}

/// `{{ env_var('NAME') }}` and `{{ env_var('NAME', 'default') }}` replaced;
/// `None` for any other template (it cannot be rendered here) or an unset variable.
fn render_env_vars(text: &str, env: &Environment) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}")? + start;
        let inner = rest[start + 2..end].trim();
        let args = inner
            .strip_prefix("env_var")?
            .trim()
            .strip_prefix('(')?
            .strip_suffix(')')?;
        let quoted: Vec<&str> = args
            .split(',')
            .map(|a| a.trim().trim_matches(|c| c == '\'' || c == '"'))
            .collect();
        let value = env
            .var(quoted.first()?)
            .or_else(|| quoted.get(1).map(|d| d.to_string()))?;
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// The dbt profile's Snowflake output: `target` names it, else the profile's
/// `target` when it is a Snowflake one, else its first Snowflake output.
fn profile_output(
    root: &Path,
    env: &Environment,
    profile: Option<&str>,
    target: Option<&str>,
) -> ProfileOutput {
    let Some(text) = profiles_file(root, env).and_then(|p| std::fs::read_to_string(p).ok()) else {
        return ProfileOutput::default();
    };
    let Ok(yaml) = serde_yaml::from_str::<Yaml>(&text) else {
        return ProfileOutput::default();
    };
    let project_profile = std::fs::read_to_string(root.join("dbt_project.yml"))
        .ok()
        .and_then(|t| serde_yaml::from_str::<Yaml>(&t).ok())
        .and_then(|p| p.get("profile")?.as_str().map(str::to_string));
    let chosen = profile
        .map(str::to_string)
        .or(project_profile)
        .and_then(|name| yaml.get(name.as_str()).cloned())
        .or_else(|| {
            yaml.as_mapping()
                .and_then(|m| m.values().find(|v| v.get("outputs").is_some()).cloned())
        });
    let Some(chosen) = chosen else {
        return ProfileOutput::default();
    };
    let Some(outputs) = chosen.get("outputs").and_then(Yaml::as_mapping) else {
        return ProfileOutput::default();
    };
    let is_snowflake = |o: &Yaml| o.get("type").and_then(Yaml::as_str) == Some("snowflake");
    let named = |name: &str| outputs.get(name).filter(|o| is_snowflake(o));
    let output = match target {
        Some(name) => named(name),
        None => chosen
            .get("target")
            .and_then(Yaml::as_str)
            .and_then(named)
            .or_else(|| outputs.values().find(|o| is_snowflake(o))),
    };
    let Some(output) = output.and_then(Yaml::as_mapping) else {
        return ProfileOutput::default();
    };
    let values = output
        .iter()
        .filter_map(|(k, v)| {
            let text = match v {
                Yaml::String(s) => s.clone(),
                Yaml::Number(n) => n.to_string(),
                Yaml::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((k.as_str()?.to_string(), render_env_vars(&text, env)?))
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    ProfileOutput { values }
}

/// Whether the project's dbt profile has a `type: snowflake` output.
pub fn profile_has_snowflake_output(root: &Path, env: &Environment) -> bool {
    profile_output(root, env, None, None)
        .get("type")
        .is_some_and(|t| t == "snowflake")
}

/// Resolves where a Snowflake fabric runs and its credentials.
pub fn resolve(
    config: &FabricConfig,
    root: &Path,
    env: &Environment,
) -> Result<(SnowflakeSettings, SnowflakeAuth), FabricError> {
    let profile = profile_output(
        root,
        env,
        config.profile.as_deref(),
        config.target.as_deref(),
    );
    let pick = |own: &Option<String>, var: &str, key: &str| {
        own.clone()
            .or_else(|| env.var(var))
            .or_else(|| profile.get(key))
    };
    let unavailable = |m: String| FabricError::Unavailable(m);
    let account = pick(&config.account, "SNOWFLAKE_ACCOUNT", "account").ok_or_else(|| {
        unavailable("no Snowflake account: set `account` in loupe.toml, SNOWFLAKE_ACCOUNT, or a `type: snowflake` output in the dbt profile".into())
    })?;
    let user = pick(&config.user, "SNOWFLAKE_USER", "user");
    let base_url = config
        .url
        .clone()
        .or(config.host.clone())
        .or_else(|| env.var("SNOWFLAKE_HOST"))
        .or_else(|| {
            let host = profile.get("host")?;
            let protocol = profile.get("protocol").unwrap_or_else(|| "https".into());
            Some(match profile.get("port") {
                Some(port) => format!("{protocol}://{host}:{port}"),
                None => format!("{protocol}://{host}"),
            })
        })
        .map(|h| {
            if h.contains("://") {
                h
            } else {
                format!("https://{h}")
            }
        })
        .unwrap_or_else(|| {
            format!(
                "https://{}.snowflakecomputing.com",
                account.to_lowercase().replace('_', "-")
            )
        });
    let settings = SnowflakeSettings {
        base_url: base_url.trim_end_matches('/').to_string(),
        account: account.clone(),
        user: user.clone(),
        role: pick(&config.role, "SNOWFLAKE_ROLE", "role"),
        warehouse: pick(&config.warehouse, "SNOWFLAKE_WAREHOUSE", "warehouse"),
        database: pick(&config.database, "SNOWFLAKE_DATABASE", "database"),
        schema: pick(&config.schema, "SNOWFLAKE_SCHEMA", "schema"),
    };
    let authenticator = pick(
        &config.authenticator,
        "SNOWFLAKE_AUTHENTICATOR",
        "authenticator",
    )
    .map(|a| a.to_lowercase());
    let token = env.var("SNOWFLAKE_TOKEN").or_else(|| profile.get("token"));
    let key_path = pick(
        &config.private_key_path,
        "SNOWFLAKE_PRIVATE_KEY_PATH",
        "private_key_path",
    );
    let credential = match (authenticator.as_deref(), token, key_path) {
        (Some("oauth"), Some(token), _) => Credential::OAuth(Secret::new(token)),
        (Some("oauth"), None, _) => {
            return Err(FabricError::Unauthorized(
                "authenticator `oauth` needs an access token: set SNOWFLAKE_TOKEN (or `token` in the dbt profile, from `env_var`)".into(),
            ))
        }
        (None | Some("snowflake_jwt" | "jwt"), _, Some(path)) => {
            let path = expand_home(&path, env);
            let path = if path.is_relative() { root.join(path) } else { path };
            let passphrase = env
                .var("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")
                .or_else(|| profile.get("private_key_passphrase"))
                .map(Secret::new);
            let key = read_private_key(&path, passphrase.as_ref()).map_err(FabricError::Unauthorized)?;
            let fingerprint = public_key_fingerprint(&key).map_err(FabricError::Unavailable)?;
            Credential::KeyPair {
                key,
                fingerprint,
                passphrase,
                minted: Mutex::new(None),
            }
        }
        (None, Some(token), None) => Credential::OAuth(Secret::new(token)),
        (Some(other), _, _) if !matches!(other, "snowflake_jwt" | "jwt") => {
            return Err(FabricError::Unauthorized(format!(
                "authenticator `{other}` cannot be used over the SQL API: use key-pair auth (`private_key_path`) or `authenticator: oauth` with SNOWFLAKE_TOKEN"
            )))
        }
        _ => {
            return Err(FabricError::Unauthorized(
                "no Snowflake credentials: set `private_key_path` (key-pair auth; SNOWFLAKE_PRIVATE_KEY_PATH) or `authenticator = \"oauth\"` with SNOWFLAKE_TOKEN".into(),
            ))
        }
    };
    if matches!(credential, Credential::KeyPair { .. }) && user.is_none() {
        return Err(FabricError::Unavailable(
            "key-pair auth needs the Snowflake `user` (loupe.toml, SNOWFLAKE_USER or the dbt profile)".into(),
        ));
    }
    // The account locator without its region (`xy12345.us-east-1` → `XY12345`).
    let account_part = account.split('.').next().unwrap_or(&account).to_uppercase();
    let auth = SnowflakeAuth {
        qualified_user: format!("{account_part}.{}", user.unwrap_or_default().to_uppercase()),
        credential,
    };
    Ok((settings, auth))
}

fn expand_home(path: &str, env: &Environment) -> PathBuf {
    match (path.strip_prefix("~/"), env.var("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_vars_in_profiles_are_rendered() {
        let env = Environment::with(&[("SF_USER", "ana")]);
        assert_eq!(
            render_env_vars("{{ env_var('SF_USER') }}", &env).as_deref(),
            Some("ana")
        );
        assert_eq!(
            render_env_vars("{{ env_var(\"NOPE\", \"dflt\") }}", &env).as_deref(),
            Some("dflt")
        );
        assert_eq!(render_env_vars("{{ env_var('NOPE') }}", &env), None);
        assert_eq!(render_env_vars("{{ target.name }}", &env), None);
        assert_eq!(render_env_vars("plain", &env).as_deref(), Some("plain"));
    }
}
