//! What the engine knows without reading a project: function signatures.

mod functions;

pub use functions::{FunctionCatalog, FunctionKind, Overload, Param, ResolvedCall};
