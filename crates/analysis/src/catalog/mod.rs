//! What the engine knows without reading a project: function signatures
//! (DuckDB's and Spark's, each generated from its engine).

mod functions;
mod snowflake;
pub mod spark;

pub use functions::{FunctionCatalog, FunctionKind, Overload, Param, ResolvedCall};
pub use snowflake::{flatten_columns, snowflake_result_type};
pub use spark::{SparkCatalog, SparkKind};
