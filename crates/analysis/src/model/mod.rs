//! Salsa queries over a dbt project: the index of models, seeds and sources,
//! rendering, the dependency graph, and each model's analysis.

mod analysis;
mod compile;
mod index;
mod lineage;
mod naming;
mod render;
mod snapshot;

pub use analysis::{
    analyze_model_text, model_analysis, model_diagnostics, model_ide_facts, model_schema,
    node_output, scopes_at_cursor, seed_schema, ModelAnalysis,
};
pub(crate) use analysis::{model_is_disabled, ref_target};
pub use compile::{
    compile_gem, compile_model, gem_is_final, CompiledGem, CompiledModel, SeedTable, Upstream,
};
pub use index::{file_properties, project_index, NodeInfo, ProjectIndex};
pub use lineage::{
    downstream, model_lineage, upstream, LineageGraph, LineageLink, LineageNode, ModelLineage,
};
pub use naming::{project_naming, Naming};
pub use render::{
    downstream_models, ephemeral_models_that_run, jinja_environment, model_calls, model_cycles,
    model_dependents, model_materialization, model_relation, models_upstream_first,
    render_model_text, rendered_model, settings_environment, Cycles,
};
pub(crate) use render::{find_model_edges_chunk, model_edge_chunk_count, node_read_through_call};
