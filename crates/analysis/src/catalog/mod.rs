//! What the engine knows without reading a project: function signatures
//! (DuckDB's and Spark's, each generated from its engine; Snowflake's and
//! BigQuery's where they differ, from their references; Postgres's where
//! they differ, from PostgreSQL itself).

mod bigquery;
mod conditional;
mod functions;
mod postgres;
mod redshift;
mod snowflake;
pub mod spark;

pub use bigquery::{bigquery_decimal_result, bigquery_result_type, is_bignumeric};
pub use functions::{FunctionCatalog, FunctionKind, Overload, Param, ResolvedCall};
pub use postgres::{
    integer_division, is_system_relation, jsonb, keeps_precision, postgres_arithmetic,
    postgres_json_operator, postgres_json_rows, postgres_result_type, postgres_series_type,
    with_some_precision, without_precision,
};
pub use redshift::{redshift_decimal_arithmetic, redshift_result_type};
pub use snowflake::{
    flatten_columns, snowflake_date_arithmetic, snowflake_number_arithmetic, snowflake_result_type,
};
pub use spark::{SparkCatalog, SparkKind};
