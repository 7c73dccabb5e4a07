//! Loupe's fabrics: the engines gems run on. Only this crate executes SQL
//! (and, for remote fabrics, touches the network). It knows nothing of the
//! analysis: callers hand it SQL and the seeds to load.

mod config;
mod duckdb_fabric;
mod engine;
pub mod remote;

use std::fmt;

use serde::Serialize;

pub use config::{FabricConfig, FabricKind, FabricsFile};
pub use duckdb_fabric::{DuckDbFabric, QueryCanceller};
pub use engine::Fabric;
pub use remote::auth::Environment;
pub use remote::{RemoteEngine, RemoteOptions, RunControl};

/// A seed table to load from its CSV before running (columns with their types).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedLoad {
    pub schema: String,
    pub table: String,
    pub csv: std::path::PathBuf,
    pub columns: Vec<(String, String)>,
}

/// The rows a run returned, as text, with the engine's column types.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunResult {
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Option<String>>>,
    /// More rows exist than the limit let through.
    pub truncated: bool,
    /// The total number of rows, when it came for free (not truncated).
    pub row_count: Option<u64>,
    pub elapsed_ms: f64,
    /// The exact SQL that produced the rows (the sample's cache key).
    pub sql: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FabricError {
    /// The engine rejected or failed the statement; the engine's message.
    Query(String),
    /// The fabric could not be opened or reached.
    Unavailable(String),
    /// The fabric answered a request with a client error (4xx other than
    /// 401/403): its status and the readable part of its answer.
    Refused { status: u16, message: String },
    /// The fabric refused the credentials (expired or revoked token).
    Unauthorized(String),
    /// The run did not finish in time (and was cancelled on the fabric).
    TimedOut(String),
    /// The run was cancelled by its caller.
    Cancelled,
}

impl FabricError {
    /// The same error with its message rewritten (to take secrets out).
    pub fn map_message(self, f: impl FnOnce(String) -> String) -> FabricError {
        match self {
            FabricError::Query(m) => FabricError::Query(f(m)),
            FabricError::Unavailable(m) => FabricError::Unavailable(f(m)),
            FabricError::Refused { status, message } => FabricError::Refused {
                status,
                message: f(message),
            },
            FabricError::Unauthorized(m) => FabricError::Unauthorized(f(m)),
            FabricError::TimedOut(m) => FabricError::TimedOut(f(m)),
            FabricError::Cancelled => FabricError::Cancelled,
        }
    }
}

impl fmt::Display for FabricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FabricError::Query(m) => write!(f, "the query failed: {m}"),
            FabricError::Unavailable(m) => write!(f, "the fabric is unavailable: {m}"),
            FabricError::Refused { message, .. } => {
                write!(f, "the fabric refused the request: {message}")
            }
            FabricError::Unauthorized(m) => write!(
                f,
                "the fabric refused the credentials (an expired or revoked token?): {m}"
            ),
            FabricError::TimedOut(m) => write!(f, "timed out: {m}"),
            FabricError::Cancelled => write!(f, "the run was cancelled"),
        }
    }
}

impl std::error::Error for FabricError {}
