//! The Spark Connect connection string, `sc://host:port/;key=value;…`, as
//! every Spark Connect client reads it: `token`, `use_ssl`, `user_id`,
//! `user_agent` and `session_id` are the client's; any other key is sent as
//! a gRPC header (Databricks Connect's `x-databricks-cluster-id`).

use crate::remote::auth::Secret;
use crate::FabricError;

/// The port Spark Connect listens on when the string names none.
pub const DEFAULT_PORT: u16 = 15002;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionString {
    pub host: String,
    pub port: u16,
    pub token: Option<Secret>,
    pub use_ssl: bool,
    pub user_id: Option<String>,
    pub user_agent: Option<String>,
    pub session_id: Option<String>,
    /// Headers sent with every call, keys lower-cased.
    pub headers: Vec<(String, String)>,
}

impl ConnectionString {
    /// Reads `sc://…`. Errors never repeat the string (it may hold a token).
    pub fn parse(text: &str) -> Result<ConnectionString, FabricError> {
        let bad = |why: &str| {
            FabricError::Unavailable(format!(
                "not a Spark Connect connection string (sc://host:port/;key=value): {why}"
            ))
        };
        let rest = text
            .trim()
            .strip_prefix("sc://")
            .ok_or_else(|| bad("it does not start with sc://"))?;
        let (address, params) = match rest.split_once('/') {
            Some((address, params)) => (address, params),
            None => (rest, ""),
        };
        let (host, port) = split_host_port(address).ok_or_else(|| bad("no valid host:port"))?;
        let mut parsed = ConnectionString {
            host,
            port,
            token: None,
            use_ssl: false,
            user_id: None,
            user_agent: None,
            session_id: None,
            headers: Vec::new(),
        };
        let mut use_ssl = None;
        for pair in params.split(';').filter(|p| !p.trim().is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| bad("a parameter has no `=`"))?;
            let value = value.trim().to_string();
            match key.trim() {
                "token" => parsed.token = Some(Secret::new(value)),
                "use_ssl" => {
                    use_ssl = Some(match value.to_ascii_lowercase().as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(bad("use_ssl is neither true nor false")),
                    })
                }
                "user_id" => parsed.user_id = Some(value),
                "user_agent" => parsed.user_agent = Some(value),
                "session_id" => parsed.session_id = Some(value),
                other => parsed.headers.push((other.to_ascii_lowercase(), value)),
            }
        }
        // As the reference clients do: a token means TLS, except on the
        // loopback, where a local server has no certificate.
        parsed.use_ssl = use_ssl.unwrap_or(parsed.token.is_some() && !parsed.is_loopback());
        Ok(parsed)
    }

    pub fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "localhost" | "::1") || self.host.starts_with("127.")
    }

    /// The gRPC endpoint (`https://host:port` or `http://host:port`).
    pub fn endpoint(&self) -> String {
        let scheme = if self.use_ssl { "https" } else { "http" };
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }

    /// The cluster a Databricks Connect string names.
    pub fn databricks_cluster(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == "x-databricks-cluster-id")
            .map(|(_, v)| v.as_str())
    }
}

fn split_host_port(address: &str) -> Option<(String, u16)> {
    if let Some(rest) = address.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return None,
        };
        return Some((host.to_string(), port));
    }
    let (host, port) = match address.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (address, DEFAULT_PORT),
    };
    (!host.is_empty()).then(|| (host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_standard_and_the_databricks_forms() {
        let local = ConnectionString::parse("sc://127.0.0.1:15010/;token=abc;user_id=ann").unwrap();
        assert_eq!(local.endpoint(), "http://127.0.0.1:15010");
        assert_eq!(local.token.as_ref().map(Secret::expose), Some("abc"));
        assert_eq!(local.user_id.as_deref(), Some("ann"));

        let databricks = ConnectionString::parse(
            "sc://adb-1.azuredatabricks.net:443/;token=dapi1;x-databricks-cluster-id=0101-abc",
        )
        .unwrap();
        assert!(databricks.use_ssl, "a token off the loopback means TLS");
        assert_eq!(
            databricks.endpoint(),
            "https://adb-1.azuredatabricks.net:443"
        );
        assert_eq!(databricks.databricks_cluster(), Some("0101-abc"));

        let plain = ConnectionString::parse("sc://spark.internal").unwrap();
        assert_eq!(plain.port, DEFAULT_PORT);
        assert!(!plain.use_ssl);
        let forced = ConnectionString::parse("sc://spark.internal:1/;use_ssl=true").unwrap();
        assert!(forced.use_ssl);
        let ipv6 = ConnectionString::parse("sc://[::1]:7/").unwrap();
        assert_eq!(ipv6.endpoint(), "http://[::1]:7");
    }

    #[test]
    fn a_bad_string_is_refused_without_repeating_it() {
        for text in [
            "http://host:1/;token=s3cret",
            "sc://host:port/;token=s3cret",
            "sc://host:1/;token",
        ] {
            let error = ConnectionString::parse(text).unwrap_err().to_string();
            assert!(!error.contains("s3cret"), "{error}");
            assert!(error.contains("sc://host:port"), "{error}");
        }
    }
}
