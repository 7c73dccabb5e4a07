//! What the engine knows without reading a project: function signatures.

mod functions;
mod snowflake;

pub use functions::{FunctionCatalog, FunctionKind, Overload, Param, ResolvedCall};
pub use snowflake::{flatten_columns, snowflake_result_type};
