//! One HTTP client for every remote fabric: JSON in and out, retries on 429,
//! 5xx and dropped connections (honouring `Retry-After`), a fresh OAuth token
//! after a 401, and error messages that never carry a secret.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::auth::DatabricksAuth;
use super::snowflake_auth::SnowflakeAuth;
use super::{RemoteOptions, RunControl};
use crate::FabricError;

#[derive(Clone)]
pub enum Auth {
    None,
    Databricks(Arc<DatabricksAuth>),
    Snowflake(Arc<SnowflakeAuth>),
}

pub struct Http {
    agent: ureq::Agent,
    base: String,
    auth: Auth,
    options: RemoteOptions,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

/// What one attempt came to.
enum Attempt {
    Done(u16, Value),
    /// `refused`: the server did no work (429, 503, no connection), so even a
    /// call that creates something may be sent again.
    Retry {
        status: String,
        after: Option<Duration>,
        refused: bool,
    },
    Unauthorized(String),
}

/// Whether sending a call twice does harm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replay {
    /// Reads, cancels, and statements that only read: retried on any 429/5xx.
    Safe,
    /// Calls that create something (a session, a context, a cluster start):
    /// retried only when the server did no work.
    Creates,
    /// Clean-up on the way out: one try.
    Once,
    /// Calls the server recognises when sent again (Snowflake's `requestId`):
    /// retried like reads, every repeat carrying `retry=true`.
    Recognised,
}

impl Http {
    pub fn new(base: &str, auth: Auth, options: RemoteOptions) -> Http {
        Http {
            agent: agent(),
            base: base.trim_end_matches('/').to_string(),
            auth,
            options,
        }
    }

    pub fn options(&self) -> &RemoteOptions {
        &self.options
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Sends one call that is safe to repeat, retrying what a retry can fix;
    /// the JSON body back.
    pub fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        control: &RunControl,
    ) -> Result<Value, FabricError> {
        self.call_with(Replay::Safe, method, path, query, body, control)
    }

    pub fn call_with(
        &self,
        replay: Replay,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        control: &RunControl,
    ) -> Result<Value, FabricError> {
        self.call_answer(replay, method, path, query, body, &[], control)
            .map(|(_, value)| value)
    }

    /// [`Http::call_with`] giving the status too; the statuses in `answers`
    /// (beside 2xx) come back as answers instead of errors.
    #[allow(clippy::too_many_arguments)]
    pub fn call_answer(
        &self,
        replay: Replay,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        answers: &[u16],
        control: &RunControl,
    ) -> Result<(u16, Value), FabricError> {
        let mut query: Vec<(&str, &str)> = query.to_vec();
        let mut backoff = self.options.backoff;
        let mut refreshed = false;
        let mut attempt = 1;
        loop {
            if control.is_cancelled() {
                return Err(FabricError::Cancelled);
            }
            if attempt > 1 && replay == Replay::Recognised && !query.contains(&("retry", "true")) {
                query.push(("retry", "true"));
            }
            match self.attempt(method, path, &query, body, answers)? {
                Attempt::Done(status, value) => return Ok((status, value)),
                Attempt::Unauthorized(message) => {
                    // An OAuth token may have expired early: one fresh token, one more try.
                    if !refreshed {
                        let renewable = match &self.auth {
                            Auth::Databricks(auth) => auth.forget_token(),
                            Auth::Snowflake(auth) => auth.forget_token(),
                            Auth::None => false,
                        };
                        if renewable {
                            refreshed = true;
                            continue;
                        }
                    }
                    return Err(self.redact(FabricError::Unauthorized(message)));
                }
                Attempt::Retry {
                    status,
                    after,
                    refused,
                } => {
                    let attempts = match replay {
                        Replay::Safe | Replay::Recognised => self.options.attempts,
                        Replay::Creates if refused => self.options.attempts,
                        Replay::Creates | Replay::Once => 1,
                    };
                    if attempt >= attempts {
                        return Err(self.redact(FabricError::Unavailable(format!(
                            "{} {path}: {status} (after {attempt} tries)",
                            self.base
                        ))));
                    }
                    let pause = after.unwrap_or(backoff).min(Duration::from_secs(60));
                    control.report(
                        &self.redact_text(format!("{status}; trying again in {pause:.1?}")),
                    );
                    control.pause(pause)?;
                    backoff *= 2;
                    attempt += 1;
                }
            }
        }
    }

    fn attempt(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        answers: &[u16],
    ) -> Result<Attempt, FabricError> {
        let url = format!("{}{path}", self.base);
        let mut headers: Vec<(&str, String)> = Vec::new();
        match &self.auth {
            Auth::None => {}
            Auth::Databricks(auth) => headers.push((
                "Authorization",
                format!("Bearer {}", auth.token(&self.agent)?),
            )),
            Auth::Snowflake(auth) => {
                let (token, kind) = auth.token()?;
                headers.push(("Authorization", format!("Bearer {token}")));
                headers.push(("X-Snowflake-Authorization-Token-Type", kind.to_string()));
                headers.push(("Accept", "application/json".to_string()));
                headers.push(("User-Agent", format!("loupe/{}", env!("CARGO_PKG_VERSION"))));
            }
        }
        let sent = match method {
            Method::Get => {
                let mut request = self.agent.get(&url);
                for (k, v) in query {
                    request = request.query(*k, *v);
                }
                for (k, v) in &headers {
                    request = request.header(*k, v);
                }
                request.call()
            }
            Method::Post | Method::Delete => {
                let mut request = if method == Method::Post {
                    self.agent.post(&url)
                } else {
                    self.agent.delete(&url).force_send_body()
                };
                for (k, v) in query {
                    request = request.query(*k, *v);
                }
                for (k, v) in &headers {
                    request = request.header(*k, v);
                }
                // Livy refuses POST and DELETE without it when CSRF protection is on.
                request = request
                    .header("X-Requested-By", "loupe")
                    .header("Content-Type", "application/json");
                let text = body.map_or_else(|| "{}".to_string(), Value::to_string);
                request.send(text.as_str())
            }
        };
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => {
                let refused =
                    matches!(e, ureq::Error::ConnectionFailed | ureq::Error::HostNotFound);
                return Ok(Attempt::Retry {
                    status: format!("cannot reach the fabric ({e})"),
                    after: None,
                    refused,
                });
            }
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("Retry-After")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok());
        let text = match response
            .body_mut()
            .with_config()
            .limit(512 * 1024 * 1024)
            .read_to_string()
        {
            Ok(text) => text,
            Err(e) => {
                return Ok(Attempt::Retry {
                    status: format!("the answer could not be read ({e})"),
                    after: None,
                    refused: false,
                })
            }
        };
        if (200..300).contains(&status) || answers.contains(&status) {
            if text.trim().is_empty() {
                return Ok(Attempt::Done(status, Value::Null));
            }
            return serde_json::from_str(&text)
                .map(|v| Attempt::Done(status, v))
                .map_err(|e| {
                    self.redact(FabricError::Unavailable(format!(
                        "{url}: the answer is not JSON ({e})"
                    )))
                });
        }
        let message = error_message(status, &text);
        match status {
            429 | 500 | 502 | 503 | 504 => Ok(Attempt::Retry {
                status: message,
                after: retry_after,
                refused: matches!(status, 429 | 503),
            }),
            401 | 403 => Ok(Attempt::Unauthorized(message)),
            _ => Err(self.redact(FabricError::Refused { status, message })),
        }
    }

    fn redact_text(&self, text: String) -> String {
        match &self.auth {
            Auth::None => text,
            Auth::Databricks(auth) => auth.redact(text),
            Auth::Snowflake(auth) => auth.redact(text),
        }
    }

    /// Takes every secret this client knows out of an error.
    pub fn redact(&self, error: FabricError) -> FabricError {
        error.map_message(|m| self.redact_text(m))
    }
}

pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// The readable part of an error answer: Databricks' `message` (with its
/// `error_code`, or Snowflake's `code`), the 1.2 API's `error`, Livy's `msg`,
/// or the start of the body.
pub(crate) fn error_message(status: u16, body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let detail = match (
        field("error_code").or_else(|| field("code")),
        field("message"),
    ) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (None, Some(message)) => message,
        _ => field("error").or_else(|| field("msg")).unwrap_or_else(|| {
            let text = super::strip_html(body);
            text.chars().take(300).collect()
        }),
    };
    if detail.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {detail}")
    }
}
