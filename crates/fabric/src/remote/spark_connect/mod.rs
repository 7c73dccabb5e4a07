//! Spark Connect: open-source Spark, EMR, Dataproc and Databricks (Databricks
//! Connect is Spark Connect with a token and a cluster id) through one gRPC
//! client. A query is a `Relation.sql` plan: `ExecutePlan` streams its Arrow
//! batches, `AnalyzePlan` gives its schema without running it, `Interrupt`
//! stops it when the caller cancels or the deadline passes, and a stream that
//! breaks is resumed with `ReattachExecute` from the last response seen.
//!
//! The client is generated from Spark's protos (scripts/gen-spark-connect.sh)
//! and runs on a small Tokio runtime of its own; callers stay synchronous.

#[allow(
    clippy::all,
    clippy::pedantic,
    dead_code,
    deprecated,
    missing_docs,
    rustdoc::all
)]
#[path = "generated.rs"]
pub(crate) mod proto;
pub mod types;
pub mod url;

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tonic::metadata::{MetadataKey, MetadataValue};
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic::{Code, Status};

use self::proto::execute_plan_response::ResponseType;
use self::proto::spark_connect_service_client::SparkConnectServiceClient;
use self::url::ConnectionString;
use super::auth::{DatabricksAuth, Secret};
use super::{limited, limited_result, RemoteEngine, RemoteOptions, RunControl};
use crate::{FabricError, RunResult};

/// Where the bearer token of each call comes from.
pub enum Credentials {
    /// The connection string's token, or none.
    Fixed(Option<Secret>),
    /// Databricks Connect: the Databricks fabric's credentials (OAuth tokens renew).
    Databricks(Arc<DatabricksAuth>, ureq::Agent),
}

impl Credentials {
    fn token(&self) -> Result<Option<String>, FabricError> {
        match self {
            Credentials::Fixed(token) => Ok(token.as_ref().map(|t| t.expose().to_string())),
            Credentials::Databricks(auth, agent) => auth.token(agent).map(Some),
        }
    }

    fn redact(&self, text: String) -> String {
        match self {
            Credentials::Fixed(Some(token)) if token.expose().len() >= 4 => {
                text.replace(token.expose(), "***")
            }
            Credentials::Fixed(_) => text,
            Credentials::Databricks(auth, _) => auth.redact(text),
        }
    }
}

/// How often a broken result stream is resumed before the run gives up.
const REATTACH_ATTEMPTS: u32 = 3;

pub struct SparkConnect {
    runtime: tokio::runtime::Runtime,
    channel: Channel,
    target: ConnectionString,
    credentials: Credentials,
    session_id: String,
    user_id: String,
    options: RemoteOptions,
    seed_tables: super::seeds::SeedTables,
}

/// The text of an operation id or session id: a random UUID (version 4).
pub fn new_uuid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.write_usize(i);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// What one streamed execution brought back.
#[derive(Default)]
struct Streamed {
    columns: Vec<(String, String)>,
    rows: Vec<Vec<Option<String>>>,
}

impl SparkConnect {
    /// A client for `target`; nothing is contacted until the first call.
    /// `credentials` replace the connection string's token when given.
    pub fn new(
        target: ConnectionString,
        credentials: Option<Credentials>,
        options: RemoteOptions,
    ) -> Result<SparkConnect, FabricError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("loupe-spark-connect")
            .enable_all()
            .build()
            .map_err(|e| FabricError::Unavailable(format!("cannot start the gRPC client: {e}")))?;
        let mut endpoint = Endpoint::from_shared(target.endpoint())
            .map_err(|e| FabricError::Unavailable(format!("a bad Spark Connect address: {e}")))?
            .connect_timeout(Duration::from_secs(10))
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_while_idle(true);
        if target.use_ssl {
            endpoint = endpoint
                .tls_config(ClientTlsConfig::new().with_webpki_roots())
                .map_err(|e| FabricError::Unavailable(format!("TLS setup failed: {e}")))?;
        }
        let channel = {
            let _entered = runtime.enter();
            endpoint.connect_lazy()
        };
        let credentials = credentials.unwrap_or_else(|| Credentials::Fixed(target.token.clone()));
        let user_id = target
            .user_id
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "loupe".into());
        let session_id = target.session_id.clone().unwrap_or_else(new_uuid);
        Ok(SparkConnect {
            runtime,
            channel,
            target,
            credentials,
            session_id,
            user_id,
            options,
            seed_tables: Default::default(),
        })
    }

    fn user_context(&self) -> Option<proto::UserContext> {
        Some(proto::UserContext {
            user_id: self.user_id.clone(),
            user_name: self.user_id.clone(),
            extensions: Vec::new(),
        })
    }

    fn client_type(&self) -> Option<String> {
        Some(
            self.target
                .user_agent
                .clone()
                .unwrap_or_else(|| format!("loupe/{}", env!("CARGO_PKG_VERSION"))),
        )
    }

    /// A request with the token and the connection string's headers.
    fn request<T>(&self, message: T) -> Result<tonic::Request<T>, FabricError> {
        let mut request = tonic::Request::new(message);
        let metadata = request.metadata_mut();
        if let Some(token) = self.credentials.token()? {
            let value = MetadataValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                FabricError::Unauthorized("the token holds characters a header cannot".into())
            })?;
            metadata.insert("authorization", value);
        }
        for (key, value) in &self.target.headers {
            let key = MetadataKey::from_bytes(key.as_bytes()).map_err(|_| {
                FabricError::Unavailable(format!("`{key}` cannot be a gRPC header"))
            })?;
            let value = MetadataValue::from_str(value).map_err(|_| {
                FabricError::Unavailable(format!("the value of `{key}` cannot be a gRPC header"))
            })?;
            metadata.insert(key, value);
        }
        Ok(request)
    }

    fn client(&self) -> SparkConnectServiceClient<Channel> {
        SparkConnectServiceClient::new(self.channel.clone())
            .max_decoding_message_size(256 * 1024 * 1024)
    }

    /// Runs `work` on the client's runtime and waits for it (from any thread,
    /// inside another runtime or not).
    fn block<T: Send + 'static>(&self, work: impl Future<Output = T> + Send + 'static) -> T {
        let (send, receive) = std::sync::mpsc::channel();
        self.runtime.spawn(async move {
            let _ = send.send(work.await);
        });
        receive
            .recv()
            .expect("the Spark Connect runtime dropped a call")
    }

    /// A gRPC status as Loupe's error, secrets taken out.
    fn error(&self, status: &Status) -> FabricError {
        let message = self.redact(without_jvm_frames(status.message()));
        match status.code() {
            Code::Unauthenticated | Code::PermissionDenied => FabricError::Unauthorized(message),
            Code::Unavailable => FabricError::Unavailable(format!(
                "cannot reach Spark Connect at {}:{}: {message}",
                self.target.host, self.target.port
            )),
            Code::DeadlineExceeded => FabricError::TimedOut(message),
            _ => FabricError::Query(message),
        }
    }

    fn redact(&self, text: String) -> String {
        self.credentials.redact(text)
    }

    fn sql_plan(sql: &str) -> proto::Plan {
        proto::Plan {
            op_type: Some(proto::plan::OpType::Root(proto::Relation {
                common: None,
                rel_type: Some(proto::relation::RelType::Sql(proto::Sql {
                    query: sql.to_string(),
                    ..Default::default()
                })),
            })),
        }
    }

    /// Runs one statement to its end: every row, the columns, stopping on
    /// cancel or timeout (and interrupting the operation on the server).
    fn execute(&self, sql: &str, control: &RunControl) -> Result<Streamed, FabricError> {
        let operation_id = new_uuid();
        let request = proto::ExecutePlanRequest {
            session_id: self.session_id.clone(),
            user_context: self.user_context(),
            operation_id: Some(operation_id.clone()),
            plan: Some(Self::sql_plan(sql)),
            client_type: self.client_type(),
            request_options: vec![proto::execute_plan_request::RequestOption {
                request_option: Some(
                    proto::execute_plan_request::request_option::RequestOption::ReattachOptions(
                        proto::ReattachOptions { reattachable: true },
                    ),
                ),
            }],
            ..Default::default()
        };
        let request = self.request(request)?;
        let reattach = self.request(proto::ReattachExecuteRequest {
            session_id: self.session_id.clone(),
            user_context: self.user_context(),
            operation_id: operation_id.clone(),
            client_type: self.client_type(),
            ..Default::default()
        })?;
        let deadline = Instant::now() + self.options.timeout;
        let client = self.client();
        let control_in = control.clone();
        let streamed = self.block(stream_operation(
            client, request, reattach, control_in, deadline,
        ));
        match streamed {
            Ok(streamed) => {
                self.release(&operation_id);
                Ok(streamed)
            }
            Err(Stop::Status(status)) => Err(self.error(&status)),
            Err(Stop::Broken(status)) => Err(FabricError::Unavailable(format!(
                "the result stream from Spark Connect at {}:{} broke and could not be resumed: {}",
                self.target.host,
                self.target.port,
                self.redact(without_jvm_frames(status.message()))
            ))),
            Err(Stop::Unreadable(error)) => {
                self.interrupt(&operation_id);
                Err(error)
            }
            Err(stop @ (Stop::Cancelled | Stop::TimedOut)) => {
                self.interrupt(&operation_id);
                Err(match stop {
                    Stop::Cancelled => FabricError::Cancelled,
                    _ => FabricError::TimedOut(format!(
                        "Spark did not finish within {:?}; the query was interrupted",
                        self.options.timeout
                    )),
                })
            }
        }
    }

    /// Asks the server to stop an operation (best effort: the run has ended for the caller).
    fn interrupt(&self, operation_id: &str) {
        let Ok(request) = self.request(proto::InterruptRequest {
            session_id: self.session_id.clone(),
            user_context: self.user_context(),
            client_type: self.client_type(),
            interrupt_type: proto::interrupt_request::InterruptType::OperationId as i32,
            interrupt: Some(proto::interrupt_request::Interrupt::OperationId(
                operation_id.to_string(),
            )),
            ..Default::default()
        }) else {
            return;
        };
        let mut client = self.client();
        let _ = self.block(async move {
            tokio::time::timeout(Duration::from_secs(10), client.interrupt(request)).await
        });
    }

    /// Lets the server drop a finished operation's buffered responses.
    fn release(&self, operation_id: &str) {
        let Ok(request) = self.request(proto::ReleaseExecuteRequest {
            session_id: self.session_id.clone(),
            user_context: self.user_context(),
            operation_id: operation_id.to_string(),
            client_type: self.client_type(),
            release: Some(proto::release_execute_request::Release::ReleaseAll(
                proto::release_execute_request::ReleaseAll {},
            )),
            ..Default::default()
        }) else {
            return;
        };
        let mut client = self.client();
        // Not awaited by the caller: the rows are already there.
        self.runtime.spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.release_execute(request))
                .await;
        });
    }

    /// The schema of a plan without running it.
    fn analyze_schema(
        &self,
        plan: proto::Plan,
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        let request = self.request(proto::AnalyzePlanRequest {
            session_id: self.session_id.clone(),
            user_context: self.user_context(),
            client_type: self.client_type(),
            analyze: Some(proto::analyze_plan_request::Analyze::Schema(
                proto::analyze_plan_request::Schema { plan: Some(plan) },
            )),
            ..Default::default()
        })?;
        let mut client = self.client();
        let timeout = self.options.timeout;
        let control = control.clone();
        let answer = self.block(async move {
            let call = client.analyze_plan(request);
            tokio::pin!(call);
            let deadline = tokio::time::Instant::now() + timeout;
            loop {
                tokio::select! {
                    answer = &mut call => return answer.map_err(Stop::Status),
                    _ = tokio::time::sleep(Duration::from_millis(20)) => {
                        if control.is_cancelled() {
                            return Err(Stop::Cancelled);
                        }
                        if tokio::time::Instant::now() >= deadline {
                            return Err(Stop::TimedOut);
                        }
                    }
                }
            }
        });
        let answer = match answer {
            Ok(answer) => answer.into_inner(),
            Err(Stop::Status(status)) => return Err(self.error(&status)),
            Err(Stop::Cancelled) => return Err(FabricError::Cancelled),
            Err(_) => {
                return Err(FabricError::TimedOut(format!(
                    "Spark did not analyze the query within {timeout:?}"
                )))
            }
        };
        match answer.result {
            Some(proto::analyze_plan_response::Result::Schema(schema)) => Ok(schema
                .schema
                .as_ref()
                .map(types::struct_columns)
                .unwrap_or_default()),
            _ => Err(FabricError::Query(
                "Spark Connect answered a schema request with something else".into(),
            )),
        }
    }

    /// The tables of a schema (`SHOW TABLES`' answer through the catalog API).
    pub fn list_tables(
        &self,
        schema: &str,
        control: &RunControl,
    ) -> Result<Vec<String>, FabricError> {
        let listed = self.execute(&format!("SHOW TABLES IN {}", quote(schema)), control)?;
        let name_at = listed
            .columns
            .iter()
            .position(|(name, _)| name == "tableName")
            .unwrap_or(1);
        let mut names: Vec<String> = listed
            .rows
            .into_iter()
            .filter_map(|row| row.into_iter().nth(name_at).flatten())
            .collect();
        names.sort();
        Ok(names)
    }

    /// The Spark version the server runs.
    pub fn spark_version(&self, control: &RunControl) -> Result<String, FabricError> {
        let rows = self.execute("SELECT version()", control)?.rows;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
            .unwrap_or_default())
    }
}

/// Spark's message up to its first JVM stack frame (some errors carry traces).
fn without_jvm_frames(message: &str) -> String {
    let is_frame = |line: &str| {
        let line = line.trim_start().trim_start_matches("at ");
        line.contains("(Native Method)")
            || ([".scala:", ".java:", ".scala)", ".java)"]
                .iter()
                .any(|f| line.contains(f))
                && line.ends_with(')'))
    };
    let kept: Vec<&str> = message.lines().take_while(|l| !is_frame(l)).collect();
    kept.join("\n").trim().to_string()
}

/// `name` quoted for Spark SQL.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

enum Stop {
    /// The server answered with an error.
    Status(Status),
    /// The stream broke and could not be resumed.
    Broken(Status),
    Unreadable(FabricError),
    Cancelled,
    TimedOut,
}

/// Whether a failed call is the transport's doing (worth resuming) rather
/// than the server's verdict on the query: the server's own errors carry no
/// source error, a broken connection's do.
fn is_broken_stream(status: &Status) -> bool {
    use std::error::Error;
    status.code() == Code::Unavailable
        || (matches!(
            status.code(),
            Code::Unknown | Code::Internal | Code::Cancelled
        ) && status.source().is_some())
}

async fn stream_operation(
    mut client: SparkConnectServiceClient<Channel>,
    request: tonic::Request<proto::ExecutePlanRequest>,
    reattach: tonic::Request<proto::ReattachExecuteRequest>,
    control: RunControl,
    deadline: Instant,
) -> Result<Streamed, Stop> {
    let (reattach_metadata, reattach_message) =
        (reattach.metadata().clone(), reattach.into_inner());
    let mut streamed = Streamed::default();
    let mut last_response: Option<String> = None;
    let mut attempts = 0;
    let mut stream = match watch(client.execute_plan(request), &control, deadline).await? {
        Ok(response) => response.into_inner(),
        Err(status) => return Err(Stop::Status(status)),
    };
    loop {
        let next = watch(stream.message(), &control, deadline).await?;
        let broken = match next {
            Ok(Some(response)) => {
                last_response = Some(response.response_id.clone());
                if let Some(schema) = &response.schema {
                    streamed.columns = types::struct_columns(schema);
                }
                match response.response_type {
                    Some(ResponseType::ArrowBatch(batch)) => {
                        streamed
                            .rows
                            .extend(types::batch_rows(&batch.data).map_err(Stop::Unreadable)?);
                    }
                    Some(ResponseType::ResultComplete(_)) => return Ok(streamed),
                    _ => {}
                }
                continue;
            }
            // The server ended the stream without `ResultComplete`: resume it.
            Ok(None) => Status::unavailable("the stream ended before the result was complete"),
            Err(status) if is_broken_stream(&status) => status,
            Err(status) => return Err(Stop::Status(status)),
        };
        let mut broken = broken;
        stream = loop {
            attempts += 1;
            if attempts > REATTACH_ATTEMPTS {
                return Err(Stop::Broken(broken));
            }
            tokio::time::sleep(Duration::from_millis(200 * u64::from(attempts))).await;
            let mut again = tonic::Request::new(proto::ReattachExecuteRequest {
                last_response_id: last_response.clone(),
                ..reattach_message.clone()
            });
            *again.metadata_mut() = reattach_metadata.clone();
            match watch(client.reattach_execute(again), &control, deadline).await? {
                Ok(response) => break response.into_inner(),
                Err(status) if is_broken_stream(&status) => broken = status,
                Err(status) => return Err(Stop::Status(status)),
            }
        };
    }
}

/// Awaits `work` while watching the caller's cancel flag and the deadline.
async fn watch<T>(
    work: impl Future<Output = T>,
    control: &RunControl,
    deadline: Instant,
) -> Result<T, Stop> {
    tokio::pin!(work);
    loop {
        tokio::select! {
            done = &mut work => return Ok(done),
            _ = tokio::time::sleep(Duration::from_millis(20)) => {
                if control.is_cancelled() {
                    return Err(Stop::Cancelled);
                }
                if Instant::now() >= deadline {
                    return Err(Stop::TimedOut);
                }
            }
        }
    }
}

impl RemoteEngine for SparkConnect {
    fn ensure_seeds(
        &self,
        seeds: &[crate::SeedLoad],
        control: &RunControl,
    ) -> Result<(), FabricError> {
        self.seed_tables.ensure(self, seeds, control)
    }

    fn run(&self, sql: &str, limit: usize, control: &RunControl) -> Result<RunResult, FabricError> {
        let started = Instant::now();
        let streamed = self.execute(&limited(sql, limit), control)?;
        let result = RunResult {
            columns: streamed.columns,
            rows: streamed.rows,
            truncated: false,
            row_count: None,
            elapsed_ms: 0.0,
            sql: String::new(),
        };
        Ok(limited_result(result, sql, limit, started, false))
    }

    fn statement(&self, sql: &str, control: &RunControl) -> Result<RunResult, FabricError> {
        let started = Instant::now();
        let streamed = self.execute(sql, control)?;
        Ok(RunResult {
            row_count: Some(streamed.rows.len() as u64),
            columns: streamed.columns,
            rows: streamed.rows,
            truncated: false,
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            sql: sql.to_string(),
        })
    }

    fn describe(&self) -> String {
        match self.target.databricks_cluster() {
            Some(cluster) => format!(
                "Databricks Connect, cluster {cluster} on {}",
                self.target.host
            ),
            None => format!(
                "Spark Connect at {}:{}{}",
                self.target.host,
                self.target.port,
                if self.target.use_ssl { " (TLS)" } else { "" }
            ),
        }
    }

    /// The table's columns as the analyzer reads them (no job runs).
    fn describe_table(
        &self,
        parts: &[&str],
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        let name: Vec<String> = parts.iter().map(|p| quote(p)).collect();
        let plan = proto::Plan {
            op_type: Some(proto::plan::OpType::Root(proto::Relation {
                common: None,
                rel_type: Some(proto::relation::RelType::Read(proto::Read {
                    is_streaming: false,
                    read_type: Some(proto::read::ReadType::NamedTable(proto::read::NamedTable {
                        unparsed_identifier: name.join("."),
                        options: Default::default(),
                    })),
                })),
            })),
        };
        self.analyze_schema(plan, control)
    }

    fn describe_query(
        &self,
        sql: &str,
        control: &RunControl,
    ) -> Result<Vec<(String, String)>, FabricError> {
        self.analyze_schema(Self::sql_plan(sql), control)
    }

    fn close(&self) {
        let Ok(request) = self.request(proto::ReleaseSessionRequest {
            session_id: self.session_id.clone(),
            user_context: self.user_context(),
            client_type: self.client_type(),
            ..Default::default()
        }) else {
            return;
        };
        let mut client = self.client();
        let _ = self.block(async move {
            tokio::time::timeout(Duration::from_secs(5), client.release_session(request)).await
        });
    }
}

/// The client a `kind = "spark"` fabric names: its connection string from
/// `url` in loupe.toml (never with a token there), else `SPARK_REMOTE`, else
/// Databricks Connect's from `cluster_id` and the Databricks host. The token
/// comes from the string, else `SPARK_CONNECT_TOKEN`, else, for Databricks,
/// where the Databricks fabric reads it (DATABRICKS_TOKEN, OAuth client
/// credentials, ~/.databrickscfg).
pub fn connect(
    config: &crate::FabricConfig,
    env: &crate::Environment,
    options: RemoteOptions,
) -> Result<SparkConnect, FabricError> {
    let text = match (&config.url, env.var("SPARK_REMOTE")) {
        (Some(url), _) => url.clone(),
        (None, Some(remote)) => remote,
        (None, None) if config.cluster_id.is_some() || config.host.is_some() => {
            let auth = DatabricksAuth::resolve(config.host.as_deref(), config.profile.as_deref(), env)?;
            let cluster = config.cluster_id.clone().or(auth.cluster_id.clone()).ok_or_else(|| {
                FabricError::Unavailable(
                    "a Databricks Connect fabric needs `cluster_id` (in loupe.toml, the profile, or DATABRICKS_CLUSTER_ID)".into(),
                )
            })?;
            let host = auth.host.trim_start_matches("https://").trim_start_matches("http://");
            format!("sc://{host}:443/;use_ssl=true;x-databricks-cluster-id={cluster}")
        }
        (None, None) => {
            return Err(FabricError::Unavailable(
                "a Spark fabric needs `url` (sc://host:port/) in loupe.toml, or SPARK_REMOTE, or a Databricks `cluster_id`".into(),
            ))
        }
    };
    let mut target = ConnectionString::parse(&text)?;
    if target.token.is_none() {
        if let Some(token) = env.var("SPARK_CONNECT_TOKEN") {
            target.token = Some(Secret::new(token));
            if !target.is_loopback() && !text.contains("use_ssl=") {
                target.use_ssl = true;
            }
        }
    }
    if target.token.is_none() && target.databricks_cluster().is_some() {
        let host = format!("https://{}", target.host);
        let auth = Arc::new(DatabricksAuth::resolve(
            Some(&host),
            config.profile.as_deref(),
            env,
        )?);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        target.use_ssl = true;
        return SparkConnect::new(target, Some(Credentials::Databricks(auth, agent)), options);
    }
    SparkConnect::new(target, None, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_stop_before_the_jvm_stack() {
        let message = "Cannot call methods on a stopped SparkContext.\nThis stopped SparkContext was created at:\norg.apache.spark.sql.connect.service.SparkConnectServer.main(SparkConnectServer.scala)\njava.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)";
        assert_eq!(
            without_jvm_frames(message),
            "Cannot call methods on a stopped SparkContext.\nThis stopped SparkContext was created at:"
        );
        let analysis = "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column `nope` cannot be resolved. SQLSTATE: 42703; line 1 pos 7";
        assert_eq!(without_jvm_frames(analysis), analysis);
        let id = new_uuid();
        assert_eq!((id.len(), &id[14..15]), (36, "4"));
        assert_ne!(new_uuid(), id);
    }
}
