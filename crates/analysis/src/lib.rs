//! Loupe's analysis engine: dbt projects and loose SQL in, gems, schemas and
//! diagnostics out, as plain data. Knows nothing of LSP or the network.

pub mod catalog;
pub mod db;
pub mod diagnostics;
pub mod diff;
pub mod gems;
pub mod host;
pub mod ide;
pub mod jinja;
pub mod lineage;
pub mod loose;
pub mod model;
mod parallel;
pub mod portability;
pub mod project;
pub mod schema;
pub mod syntax;
pub mod text;
pub mod types;
