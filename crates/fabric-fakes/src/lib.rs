//! Local stand-ins for the remote fabrics Loupe talks to, for tests: a
//! Databricks workspace (SQL Statement Execution 2.0, Command Execution 1.2,
//! clusters, Unity Catalog tables, OAuth M2M), an Apache Livy server, and a
//! Snowflake account (SQL API v2, key-pair JWTs and OAuth tokens). They
//! answer in the documented wire formats and execute the SQL for real on an
//! in-memory DuckDB. Faults can be injected: HTTP errors (500, 429 with
//! `Retry-After`), broken connections, slow statements, revoked tokens.

mod databricks;
mod engine;
mod http;
mod livy;
mod snowflake;

pub use databricks::FakeDatabricks;
pub use engine::SqlEngine;
pub use http::Faults;
pub use livy::FakeLivy;
pub use snowflake::{contains_jwt, FakeSnowflake, TestKeys};
