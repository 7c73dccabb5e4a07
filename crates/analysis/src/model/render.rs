//! Rendering models through the project's Jinja environment, and the model
//! dependency graph (with cycles) that the renders reveal.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::db::{Db, Project, ProjectSettings, SourceFile};
use crate::jinja::{
    Call, GraphSource, JinjaEnvironment, JinjaProject, MacroFile, RenderContext, RenderedModel,
    VarScope,
};
use crate::project::FileKind;

use super::index::project_index;

/// A Jinja environment; compared by identity (it is rebuilt only when macro
/// files or settings change).
#[derive(Clone, Debug)]
pub struct JinjaHandle(pub Arc<JinjaEnvironment>);

impl PartialEq for JinjaHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for JinjaHandle {}

fn yaml_to_json(v: &serde_yaml::Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// The Jinja settings of a project without its macros or relations.
pub(crate) fn base_jinja_project(settings: &ProjectSettings) -> JinjaProject {
    let mut vars = Vec::new();
    // Package defaults first, then the root project's (which win on lookup).
    for package in settings.packages.iter().rev() {
        let Some(map) = package.vars.as_mapping() else {
            continue;
        };
        for (k, v) in map {
            let Some(key) = k.as_str() else { continue };
            let is_package_scope =
                settings.packages.iter().any(|p| p.name == key) && v.is_mapping();
            let root = package.name == settings.root_package();
            if is_package_scope {
                let scope = match root {
                    true => VarScope::RootFor(key.to_string()),
                    false => VarScope::Package(key.to_string()),
                };
                for (pk, pv) in v.as_mapping().into_iter().flatten() {
                    if let Some(pk) = pk.as_str() {
                        vars.insert(0, (scope.clone(), pk.to_string(), yaml_to_json(pv)));
                    }
                }
            } else {
                let scope = match root {
                    true => VarScope::Root,
                    false => VarScope::Package(package.name.clone()),
                };
                vars.insert(0, (scope, key.to_string(), yaml_to_json(v)));
            }
        }
    }
    JinjaProject {
        root_package: settings.root_package().to_string(),
        adapter: settings.target.adapter.clone(),
        target_name: settings.target.name.clone(),
        target_schema: settings.target.schema.clone(),
        target_database: settings.target.database.clone(),
        vars,
        invocation_vars: settings
            .vars
            .as_mapping()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), yaml_to_json(v))))
            .collect(),
        dispatch: settings.dispatch.clone(),
        ..Default::default()
    }
}

/// An environment with vars and target only, for Jinja inside `dbt_project.yml` configs.
#[salsa::tracked(returns(ref))]
pub fn settings_environment(db: &dyn Db, project: Project) -> JinjaHandle {
    JinjaHandle(Arc::new(JinjaEnvironment::new(base_jinja_project(
        project.settings(db),
    ))))
}

/// The macro files of the project and its packages.
pub(crate) fn macro_files(db: &dyn Db, project: Project) -> Vec<MacroFile> {
    project
        .files(db)
        .iter()
        .filter(|f| f.kind(db) == FileKind::Macro)
        .map(|f| MacroFile {
            package: f.package(db).clone(),
            path: f.path(db).clone(),
            text: f.text(db).clone(),
        })
        .collect()
}

/// The project's macros with no relations: for the `config()` tags of
/// models, which name relations (`schema=my_schema()`), while the index of
/// relations is built.
#[salsa::tracked(returns(ref))]
pub(crate) fn config_environment(db: &dyn Db, project: Project) -> JinjaHandle {
    JinjaHandle(Arc::new(JinjaEnvironment::new(JinjaProject {
        macro_files: macro_files(db, project),
        ..base_jinja_project(project.settings(db))
    })))
}

/// The Jinja environment of the project's models, macros and sources. It has dbt's `graph` only
/// when a macro reads it: building the graph costs a second at 10,000 models, and few projects
/// read it.
#[salsa::tracked(returns(ref))]
pub fn jinja_environment(db: &dyn Db, project: Project) -> JinjaHandle {
    build_environment(db, project, *macros_mention_graph(db, project))
}

/// The environment for a model that reads `graph` itself. Apart from `jinja_environment`, so that
/// what every model's render reads depends on no model's text: an edit of one model then leaves
/// the others' renders valid by durability alone (see `set_editor_text`).
#[salsa::tracked(returns(ref))]
fn jinja_environment_with_graph(db: &dyn Db, project: Project) -> JinjaHandle {
    build_environment(db, project, true)
}

fn environment_for<'db>(db: &'db dyn Db, project: Project, template: &str) -> &'db JinjaHandle {
    if mentions_word(template, "graph") && !*macros_mention_graph(db, project) {
        jinja_environment_with_graph(db, project)
    } else {
        jinja_environment(db, project)
    }
}

fn build_environment(db: &dyn Db, project: Project, with_graph: bool) -> JinjaHandle {
    let settings = project.settings(db);
    let index = project_index(db, project);
    let macro_files = macro_files(db, project);
    let jinja = JinjaProject {
        relations: index
            .nodes
            .iter()
            .map(|n| (n.name.clone(), n.relation.clone()))
            .collect(),
        databases: index
            .nodes
            .iter()
            .map(|n| (n.name.clone(), n.database.clone()))
            .collect(),
        sources: index
            .sources
            .iter()
            .map(|(k, s)| (k.clone(), (s.schema.clone(), s.identifier.clone())))
            .collect(),
        macro_files,
        graph: with_graph.then(|| {
            let (index, settings) = (index.clone(), settings.clone());
            GraphSource(Arc::new(move || graph_json(&index, &settings)))
        }),
        ..base_jinja_project(settings)
    };
    JinjaHandle(Arc::new(JinjaEnvironment::new(jinja)))
}

/// Whether a macro, snapshot or properties file mentions dbt's `graph`.
#[salsa::tracked]
fn macros_mention_graph(db: &dyn Db, project: Project) -> bool {
    project
        .files(db)
        .iter()
        .any(|&f| *file_mentions_graph(db, f))
}

/// Per file, so an edit scans only the edited file's text.
#[salsa::tracked]
fn file_mentions_graph(db: &dyn Db, file: SourceFile) -> bool {
    matches!(
        file.kind(db),
        FileKind::Macro | FileKind::Snapshot | FileKind::Properties
    ) && mentions_word(file.text(db), "graph")
}

fn mentions_word(text: &str, word: &str) -> bool {
    let is_ident = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
    text.match_indices(word).any(|(i, _)| {
        let bytes = text.as_bytes();
        !is_ident(i.checked_sub(1).map(|j| bytes[j]))
            && !is_ident(bytes.get(i + word.len()).copied())
    })
}

/// dbt's `graph` as Jinja sees it: every model, seed and source with its
/// config, columns and relation (dependencies are left empty: they come from
/// rendering, which needs this graph).
fn graph_json(index: &super::index::ProjectIndex, settings: &ProjectSettings) -> serde_json::Value {
    use serde_json::json;
    let mut nodes = serde_json::Map::new();
    for n in &index.nodes {
        let resource_type = match n.file_kind {
            FileKind::Seed => "seed",
            FileKind::Snapshot => "snapshot",
            _ => "model",
        };
        let unique_id = format!("{resource_type}.{}.{}", n.package, n.name);
        let props = index.properties.get(&n.name.to_lowercase()).map(|(_, p)| p);
        let columns: serde_json::Map<String, serde_json::Value> = props
            .map(|p| {
                // The first entry of each name, as a search from the start finds it.
                let mut raw_columns = rustc_hash::FxHashMap::default();
                for (name, raw) in p.raw_columns.iter().rev() {
                    raw_columns.insert(name.as_str(), raw);
                }
                p.columns
                    .iter()
                    .map(|(c, t, d)| {
                        let mut column = column_json(c, t, d);
                        // Keep what the YAML says (meta, config, tests) beside the normalized fields.
                        if let Some(serde_json::Value::Object(raw)) =
                            raw_columns.get(c.as_str()).copied()
                        {
                            for (k, v) in raw {
                                if !matches!(k.as_str(), "name" | "data_type" | "description") {
                                    column[k] = v.clone();
                                }
                            }
                            if column["config"].get("meta").is_none() {
                                column["config"]["meta"] = column["meta"].clone();
                            }
                        }
                        (c.clone(), column)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let contract = json!({"enforced": n.config.contract_enforced.unwrap_or(false)});
        let config = json!({
            "enabled": n.config.enabled.unwrap_or(true),
            "materialized": n.config.materialized.clone().unwrap_or_else(|| if n.is_seed { "seed".into() } else { "view".into() }),
            "schema": n.config.schema,
            "alias": n.config.alias,
            "tags": [],
            "meta": {},
            "contract": contract,
        });
        let folder = if n.is_seed { "seeds" } else { "models" };
        // `json!` copies what it is given by serializing it: the columns
        // and config are moved in after.
        let mut node = json!({
            "unique_id": unique_id,
            "name": n.name,
            "resource_type": resource_type,
            "package_name": n.package,
            "original_file_path": format!("{folder}/{}", n.file_relative),
            "path": n.file_relative,
            "database": settings.target.database,
            "schema": n.relation.0,
            "alias": n.relation.1,
            "description": props.and_then(|p| p.description.clone()).unwrap_or_default(),
            "depends_on": {"nodes": [], "macros": []},
            "refs": [],
            "sources": [],
            "tags": [],
            "meta": {},
            "fqn": [n.package.clone(), n.name.clone()],
            "access": "protected",
            "contract": contract,
            "raw_code": "",
            "language": "sql",
        });
        node["config"] = config;
        node["columns"] = serde_json::Value::Object(columns);
        nodes.insert(unique_id, node);
    }
    let mut sources = serde_json::Map::new();
    for s in index.sources.values() {
        let unique_id = format!(
            "source.{}.{}.{}",
            settings.root_package(),
            s.source,
            s.table
        );
        let columns: serde_json::Map<String, serde_json::Value> = s
            .columns
            .iter()
            .flatten()
            .map(|(c, t, d)| (c.clone(), column_json(c, t, d)))
            .collect();
        let mut source = json!({
            "unique_id": unique_id, "name": s.table, "source_name": s.source, "resource_type": "source",
            "package_name": settings.root_package(), "database": settings.target.database,
            "schema": s.schema, "identifier": s.identifier,
            "description": s.description.clone().unwrap_or_default(), "config": {"enabled": true},
            "meta": {}, "tags": [], "loaded_at_field": null, "freshness": {},
        });
        source["columns"] = serde_json::Value::Object(columns);
        sources.insert(unique_id, source);
    }
    let mut graph = serde_json::Map::new();
    graph.insert("nodes".into(), serde_json::Value::Object(nodes));
    graph.insert("sources".into(), serde_json::Value::Object(sources));
    serde_json::Value::Object(graph)
}

fn column_json(
    name: &str,
    ty: &Option<crate::types::SqlType>,
    description: &Option<String>,
) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "data_type": ty.as_ref().map(|t| t.to_string()),
        "description": description.clone().unwrap_or_default(),
        "meta": {},
        "tags": [],
        "config": {"meta": {}, "tags": []},
        "constraints": [],
        "quote": null,
    })
}

/// The warehouse relation a model builds: `config(schema=, alias=)` in the
/// file wins over the project's config (dbt's default schema naming).
pub fn model_relation(
    db: &dyn Db,
    project: Project,
    node: &super::index::NodeInfo,
) -> (String, String) {
    if !node.is_sql_model() {
        return node.relation.clone();
    }
    let rendered = rendered_model(db, project, node.file);
    let in_file = |key: &str| {
        rendered
            .config
            .get(key)
            .filter(|v| !v.trim().is_empty() && v.as_str() != "none")
    };
    let (schema, alias) = (in_file("schema"), in_file("alias"));
    if schema.is_none() && alias.is_none() {
        return node.relation.clone();
    }
    super::naming::project_naming(db, project).relation(&super::naming::NamedNode {
        name: &node.name,
        package: &node.package,
        resource_type: "model",
        path: &node.file_relative,
        custom_schema: schema.or(node.config.schema.as_ref()).map(String::as_str),
        custom_alias: alias.or(node.config.alias.as_ref()).map(String::as_str),
        custom_database: node.config.database.as_deref(),
        materialized: node.config.materialized.as_deref(),
    })
}

/// A model's materialization: its `config()` call, else the project config.
#[salsa::tracked]
pub fn model_materialization(db: &dyn Db, project: Project, file: SourceFile) -> Option<String> {
    let rendered = rendered_model(db, project, file);
    rendered.config.get("materialized").cloned().or_else(|| {
        project_index(db, project)
            .node_for_file(file)
            .and_then(|n| n.config.materialized.clone())
    })
}

/// Ephemeral models that some materialized model depends on (directly or
/// through other ephemeral models): the only ephemeral SQL that ever runs.
#[salsa::tracked(returns(ref))]
pub fn ephemeral_models_that_run(db: &dyn Db, project: Project) -> Arc<BTreeSet<String>> {
    let chunks = model_edge_chunks(db, project);
    let by_file: rustc_hash::FxHashMap<SourceFile, &ModelEdges> = chunks
        .iter()
        .flat_map(|c| c.iter())
        .map(|m| (m.file, m))
        .collect();
    let is_ephemeral = |file| match by_file.get(&file) {
        Some(m) => m.ephemeral,
        None => model_materialization(db, project, file).as_deref() == Some("ephemeral"),
    };
    let mut runs = BTreeSet::new();
    let mut stack: Vec<&ModelEdges> = by_file.values().filter(|m| !m.ephemeral).copied().collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    while let Some(model) = stack.pop() {
        for target in &model.refs {
            if target.is_seed || !seen.insert(&target.name) {
                continue;
            }
            if is_ephemeral(target.file) {
                runs.insert(target.name.clone());
                if let Some(m) = by_file.get(&target.file) {
                    stack.push(m);
                }
            }
        }
    }
    Arc::new(runs)
}

/// The SQL models, each after the models it reads (its refs, and the models
/// behind the sources it reads through); models on a cycle last, in index
/// order. Analyses handed out in this order to several threads seldom wait
/// for one another: a thread that takes a model whose upstream another thread
/// is still analyzing blocks until it is done.
pub fn models_upstream_first(db: &dyn Db, project: Project) -> Vec<SourceFile> {
    let models: Vec<&ModelEdges> = model_edge_chunks(db, project)
        .into_iter()
        .flat_map(|chunk| chunk.iter())
        .collect();
    let mut by_name: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    let mut by_file: rustc_hash::FxHashMap<SourceFile, usize> = rustc_hash::FxHashMap::default();
    for (i, m) in models.iter().enumerate() {
        by_name.entry(m.name.as_str()).or_insert(i);
        by_file.entry(m.file).or_insert(i);
    }
    // Kahn's algorithm: a model is ready once every model it reads is placed.
    let mut waiting_on = vec![0usize; models.len()];
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); models.len()];
    for (i, m) in models.iter().enumerate() {
        let mut upstream: Vec<usize> = m
            .refs
            .iter()
            .filter_map(|t| by_file.get(&t.file))
            .chain(
                m.read_through_sources
                    .iter()
                    .filter_map(|n| by_name.get(n.as_str())),
            )
            .copied()
            .filter(|&u| u != i)
            .collect();
        upstream.sort_unstable();
        upstream.dedup();
        waiting_on[i] = upstream.len();
        for u in upstream {
            readers[u].push(i);
        }
    }
    let mut ready: std::collections::VecDeque<usize> =
        (0..models.len()).filter(|&i| waiting_on[i] == 0).collect();
    let mut placed = vec![false; models.len()];
    let mut order = Vec::with_capacity(models.len());
    while let Some(i) = ready.pop_front() {
        placed[i] = true;
        order.push(models[i].file);
        for &r in &readers[i] {
            waiting_on[r] -= 1;
            if waiting_on[r] == 0 {
                ready.push_back(r);
            }
        }
    }
    order.extend(
        (0..models.len())
            .filter(|&i| !placed[i])
            .map(|i| models[i].file),
    );
    order
}

/// What the queries over the whole DAG need of one SQL model.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ModelEdges {
    file: SourceFile,
    name: String,
    /// The nodes its `ref()`s resolve to, in call order.
    refs: Vec<RefTarget>,
    /// The nodes whose output its `source()`s read (a source on a relation
    /// the project builds, its columns undeclared): not edges of dbt's DAG,
    /// but the model reads their columns.
    read_through_sources: Vec<String>,
    ephemeral: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct RefTarget {
    file: SourceFile,
    name: String,
    is_seed: bool,
    is_sql_model: bool,
}

/// Queries over the whole DAG read the models in chunks of this many. Salsa verifies a query by
/// walking what it read: after an edit, one that read every model walks 10,000 edges at every
/// keystroke; one that read chunks walks a few hundred.
const CHUNK: usize = 64;

/// The SQL models' edges, in chunks of `CHUNK` models in the index's order.
fn model_edge_chunks(db: &dyn Db, project: Project) -> Vec<&Arc<Vec<ModelEdges>>> {
    (0..model_edge_chunk_count(db, project))
        .map(|chunk| model_edges_chunk(db, project, chunk))
        .collect()
}

/// How many chunks the SQL models' edges are read in.
pub(crate) fn model_edge_chunk_count(db: &dyn Db, project: Project) -> u32 {
    let models = project_index(db, project)
        .nodes
        .iter()
        .filter(|n| n.is_sql_model())
        .count();
    models.div_ceil(CHUNK) as u32
}

/// Finds the edges of one chunk of models (rendering them), for a caller
/// that finds every chunk's on all cores before it orders the models.
pub(crate) fn find_model_edges_chunk(db: &dyn Db, project: Project, chunk: u32) {
    model_edges_chunk(db, project, chunk);
}

#[salsa::tracked(returns(ref))]
fn model_edges_chunk(db: &dyn Db, project: Project, chunk: u32) -> Arc<Vec<ModelEdges>> {
    let index = project_index(db, project);
    let catalog = project.catalog(db);
    let models = index.nodes.iter().filter(|n| n.is_sql_model());
    let edges = models
        .skip(chunk as usize * CHUNK)
        .take(CHUNK)
        .map(|node| (node, model_calls(db, project, node.file)))
        .map(|(node, calls)| ModelEdges {
            file: node.file,
            name: node.name.clone(),
            refs: calls
                .iter()
                .filter_map(|c| match c {
                    Call::Ref { package, name } => {
                        super::ref_target(db, project, index, name, package.as_deref())
                    }
                    Call::Source { .. } => None,
                })
                .map(|t| RefTarget {
                    file: t.file,
                    name: t.name.clone(),
                    is_seed: t.is_seed,
                    is_sql_model: t.is_sql_model(),
                })
                .collect(),
            read_through_sources: calls
                .iter()
                .filter_map(|c| node_read_through_call(index, catalog, c))
                .map(|n| n.name.clone())
                .collect(),
            ephemeral: model_materialization(db, project, node.file).as_deref()
                == Some("ephemeral"),
        })
        .collect();
    Arc::new(edges)
}

fn render_in_cycle(
    _db: &dyn Db,
    _id: salsa::Id,
    _project: Project,
    _file: SourceFile,
) -> Arc<RenderedModel> {
    Arc::new(RenderedModel::default())
}

#[salsa::tracked(returns(ref), cycle_result = render_in_cycle)]
pub fn rendered_model(db: &dyn Db, project: Project, file: SourceFile) -> Arc<RenderedModel> {
    Arc::new(render_model_text(
        db,
        project,
        file,
        &model_template(db, file),
    ))
}

/// The template a node's SQL is rendered from: a model's file, or the query
/// of a snapshot file's one snapshot block (blanked around, positions kept).
pub fn model_template(db: &dyn Db, file: SourceFile) -> std::borrow::Cow<'_, str> {
    let text = file.text(db);
    match file.kind(db) {
        FileKind::Snapshot => super::snapshot::snapshot_query_template(text)
            .map_or(std::borrow::Cow::Borrowed(text), std::borrow::Cow::Owned),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// Renders `template` as the model in `file` would be rendered (not memoized:
/// for text the editor has not written yet, such as a proposed edit).
pub fn render_model_text(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    template: &str,
) -> RenderedModel {
    let env = environment_for(db, project, template);
    let index = project_index(db, project);
    let node = index.node_for_file(file);
    let context = RenderContext {
        name: node.map_or_else(String::new, |n| n.name.clone()),
        package: file.package(db).clone(),
        schema: node.map_or_else(String::new, |n| n.relation.0.clone()),
        alias: node.map_or_else(String::new, |n| n.relation.1.clone()),
        database: node.map_or_else(
            || project.settings(db).target.database.clone(),
            |n| n.database.clone(),
        ),
        path: file.path(db).clone(),
        resource_type: "model".into(),
        config: node.map(|n| n.config.as_map()).unwrap_or_default(),
    };
    let first = env
        .0
        .render_model(template, context.clone(), Default::default());
    if !first.wants_columns {
        return first;
    }
    // The template asked for relation columns (`adapter.get_columns_in_relation`):
    // answer with the schemas Loupe infers for what it refs, and render again.
    let mut known = BTreeMap::new();
    for call in &first.calls {
        let (key, schema) = match &call.call {
            Call::Ref { package, name } => {
                let Some(target) = index.node(name, package.as_deref()) else {
                    continue;
                };
                if target.file == file {
                    continue;
                }
                (
                    format!("{}.{}", target.relation.0, target.relation.1),
                    super::analysis::node_output(db, project, target),
                )
            }
            Call::Source { source, table } => {
                let Some(s) = index
                    .sources
                    .get(&(source.to_lowercase(), table.to_lowercase()))
                else {
                    continue;
                };
                let schema = match project.catalog(db).source_schema(s) {
                    Some(schema) => Arc::new(schema),
                    // A source on a seed's or model's relation: that node's columns.
                    None => match index.node_by_relation(&s.schema, &s.identifier) {
                        Some(n) if n.file != file => super::analysis::node_output(db, project, n),
                        _ => continue,
                    },
                };
                (format!("{}.{}", s.schema, s.identifier), schema)
            }
        };
        if schema.open {
            continue;
        }
        known.insert(
            key.to_lowercase(),
            schema.to_pairs_in(project.settings(db).dialect),
        );
    }
    // Warehouse tables the project does not build: what a fabric said of them.
    let catalog = project.catalog(db);
    for key in &first.asked_relations {
        if known.contains_key(key) {
            continue;
        }
        let Some((schema, table)) = key.rsplit_once('.') else {
            continue;
        };
        let schema = schema.rsplit('.').next().unwrap_or(schema);
        if let Some(columns) = catalog.columns(schema, table) {
            known.insert(key.clone(), columns.to_vec());
        }
    }
    if known.is_empty() {
        return first;
    }
    env.0.render_model(template, context, Arc::new(known))
}

/// The `ref()`/`source()` calls of a model: the edges of the DAG. Separate
/// from the render so that edits that keep the refs stop here.
#[salsa::tracked(returns(ref))]
pub fn model_calls(db: &dyn Db, project: Project, file: SourceFile) -> Arc<Vec<Call>> {
    let mut calls: Vec<Call> = rendered_model(db, project, file)
        .calls
        .iter()
        .map(|c| c.call.clone())
        .collect();
    calls.dedup();
    Arc::new(calls)
}

/// Models that take part in a cycle, and for each the next model around it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cycles {
    /// model name -> the ref it makes that closes the cycle (the next model).
    pub next: BTreeMap<String, String>,
    /// model name -> id of its strongly connected component (only for cycles).
    pub component: BTreeMap<String, usize>,
}

#[salsa::tracked(returns(ref))]
pub fn model_cycles(db: &dyn Db, project: Project) -> Arc<Cycles> {
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for model in model_edge_chunks(db, project).iter().flat_map(|c| c.iter()) {
        let targets = model
            .refs
            .iter()
            .filter(|t| t.is_sql_model)
            .map(|t| t.name.clone())
            .collect();
        edges.insert(model.name.clone(), targets);
    }
    Arc::new(find_cycles(&edges))
}

/// The node a `source()` call reads the output of, if it is one the project
/// builds (see `ProjectIndex::node_read_through_source`).
pub(crate) fn node_read_through_call<'a>(
    index: &'a super::ProjectIndex,
    catalog: &crate::project::WarehouseCatalog,
    call: &Call,
) -> Option<&'a super::NodeInfo> {
    let Call::Source { source, table } = call else {
        return None;
    };
    let declared = index
        .sources
        .get(&(source.to_lowercase(), table.to_lowercase()))?;
    index.node_read_through_source(declared, catalog)
}

/// For each model or seed (lower-case name), the models that read it: by
/// `ref()`, or by a `source()` on the relation it builds.
#[salsa::tracked(returns(ref))]
pub fn model_dependents(db: &dyn Db, project: Project) -> Arc<BTreeMap<String, Vec<String>>> {
    let mut readers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for model in model_edge_chunks(db, project).iter().flat_map(|c| c.iter()) {
        let targets = model.refs.iter().map(|t| &t.name);
        for target in targets.chain(&model.read_through_sources) {
            let list = readers.entry(target.to_lowercase()).or_default();
            if !list.contains(&model.name) {
                list.push(model.name.clone());
            }
        }
    }
    Arc::new(readers)
}

/// Every model downstream of `name` (by `ref()`), nearest first.
pub fn downstream_models(db: &dyn Db, project: Project, name: &str) -> Vec<String> {
    let readers = model_dependents(db, project);
    let mut out: Vec<String> = Vec::new();
    let mut seen = BTreeSet::from([name.to_lowercase()]);
    let mut queue = std::collections::VecDeque::from([name.to_lowercase()]);
    while let Some(next) = queue.pop_front() {
        for reader in readers.get(&next).into_iter().flatten() {
            if seen.insert(reader.to_lowercase()) {
                out.push(reader.clone());
                queue.push_back(reader.to_lowercase());
            }
        }
    }
    out
}

/// Tarjan's strongly connected components; components of two or more nodes
/// (or a node referring to itself) are cycles.
fn find_cycles(edges: &BTreeMap<String, Vec<String>>) -> Cycles {
    struct Tarjan<'a> {
        edges: &'a BTreeMap<String, Vec<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        on_stack: BTreeSet<&'a str>,
        stack: Vec<&'a str>,
        next_index: usize,
        components: Vec<Vec<&'a str>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            // Iterative DFS to stay safe on deep DAGs.
            let mut work: Vec<(&'a str, usize)> = vec![(v, 0)];
            self.index.insert(v, self.next_index);
            self.low.insert(v, self.next_index);
            self.next_index += 1;
            self.stack.push(v);
            self.on_stack.insert(v);
            while let Some((node, i)) = work.pop() {
                let succ = self.edges.get(node).map(Vec::as_slice).unwrap_or(&[]);
                if i < succ.len() {
                    work.push((node, i + 1));
                    let w = succ[i].as_str();
                    let Some((w, _)) = self.edges.get_key_value(w) else {
                        continue;
                    };
                    let w = w.as_str();
                    if !self.index.contains_key(w) {
                        self.index.insert(w, self.next_index);
                        self.low.insert(w, self.next_index);
                        self.next_index += 1;
                        self.stack.push(w);
                        self.on_stack.insert(w);
                        work.push((w, 0));
                    } else if self.on_stack.contains(w) {
                        let lw = self.index[w];
                        let ln = self.low[node];
                        self.low.insert(node, ln.min(lw));
                    }
                } else {
                    if let Some(&(parent, _)) = work.last() {
                        let lp = self.low[parent];
                        let ln = self.low[node];
                        self.low.insert(parent, lp.min(ln));
                    }
                    if self.low[node] == self.index[node] {
                        let mut component = Vec::new();
                        while let Some(w) = self.stack.pop() {
                            self.on_stack.remove(w);
                            component.push(w);
                            if w == node {
                                break;
                            }
                        }
                        self.components.push(component);
                    }
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on_stack: BTreeSet::new(),
        stack: Vec::new(),
        next_index: 0,
        components: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    let mut cycles = Cycles::default();
    for (id, component) in t.components.iter().enumerate() {
        let self_loop =
            component.len() == 1 && edges[component[0]].iter().any(|w| w == component[0]);
        if component.len() < 2 && !self_loop {
            continue;
        }
        let members: BTreeSet<&str> = component.iter().copied().collect();
        for &m in component {
            cycles.component.insert(m.to_string(), id);
            if let Some(next) = edges[m].iter().find(|w| members.contains(w.as_str())) {
                cycles.next.insert(m.to_string(), next.clone());
            }
        }
    }
    cycles
}
