//! Loupe's own methods (`loupe/...`), documented in docs/lsp-extensions.md.

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::Uri;

use loupe_analysis::syntax::Dialect;

use crate::server::Backend;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaParams {
    /// A model file; with `gem`, that gem's output, else the model's.
    pub uri: Option<Uri>,
    pub gem: Option<String>,
    /// Or a relation by name (model, seed, or `source.table`).
    pub relation: Option<String>,
}

pub(crate) fn columns_json(
    schema: &loupe_analysis::schema::RelationSchema,
    dialect: Dialect,
) -> Value {
    json!({
        "columns": schema.columns.iter().map(|c| json!({"name": c.name, "type": c.ty.shown_in(dialect)})).collect::<Vec<_>>(),
        "complete": !schema.open,
    })
}

/// `loupe/schema`: the columns of a gem, a model or a relation.
pub async fn schema(backend: &Backend, params: SchemaParams) -> Result<Value> {
    let answer = backend
        .with_snapshot(move |host| -> std::result::Result<Value, String> {
            let (db, project) = (host.db(), host.project());
            let dialect = project.settings(db).dialect;
            if let Some(uri) = &params.uri {
                let file = uri
                    .to_file_path()
                    .and_then(|p| host.file(&p))
                    .ok_or("not a project file")?;
                let analysis = loupe_analysis::model::model_analysis(db, project, file);
                return match &params.gem {
                    Some(gem) => analysis
                        .gems
                        .iter()
                        .find(|g| g.name.eq_ignore_ascii_case(gem))
                        .map(|g| columns_json(&g.output, dialect))
                        .ok_or_else(|| format!("no gem `{gem}`")),
                    None => Ok(columns_json(&analysis.output, dialect)),
                };
            }
            let relation = params
                .relation
                .as_deref()
                .ok_or("give `uri` or `relation`")?;
            let schemas = host.relation_schemas();
            let index = loupe_analysis::model::project_index(db, project);
            let key = match index.node(relation, None) {
                Some(n) => format!("{}.{}", n.relation.0, n.relation.1),
                None => relation.to_lowercase(),
            };
            schemas
                .get(&key.to_lowercase())
                .map(|s| columns_json(s, dialect))
                .ok_or_else(|| format!("no relation `{relation}`"))
        })
        .await?;
    answer
        .unwrap_or(Err("no project is loaded".into()))
        .map_err(Error::invalid_params)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineageParams {
    pub model: String,
    pub column: String,
    /// "upstream" (default) or "downstream".
    pub direction: Option<String>,
    pub depth: Option<usize>,
}

/// `loupe/lineage`: a column's lineage graph.
pub async fn lineage(backend: &Backend, params: LineageParams) -> Result<Value> {
    let answer = backend
        .with_snapshot(move |host| {
            let (db, project) = (host.db(), host.project());
            let graph = if params.direction.as_deref() == Some("downstream") {
                loupe_analysis::model::downstream(
                    db,
                    project,
                    &params.model,
                    &params.column,
                    params.depth,
                )
            } else {
                loupe_analysis::model::upstream(
                    db,
                    project,
                    &params.model,
                    &params.column,
                    params.depth,
                )
            };
            graph.map(|g| serde_json::to_value(g).unwrap())
        })
        .await?;
    answer
        .unwrap_or(Err("no project is loaded".into()))
        .map_err(Error::invalid_params)
}

/// `loupe/graph`: models, their gems with ports and schemas, and the edges.
pub async fn graph(backend: &Backend, _params: Value) -> Result<Value> {
    let answer = backend
        .with_snapshot(|host| {
            let (db, project) = (host.db(), host.project());
            let index = loupe_analysis::model::project_index(db, project);
            let dialect = project.settings(db).dialect;
            let mut models = Vec::new();
            let mut edges = Vec::new();
            // A relation read by name is shown as the project names it: the
            // model or seed that builds it, or `source.table`.
            let input_name = |input: &String| index.relation_display_name(input);
            for node in index.nodes.iter() {
                if node.is_seed {
                    let schema = loupe_analysis::model::seed_schema(db, project, node.file);
                    let gem = json!({"name": node.name, "kind": "Source", "inputs": [], "output": columns_json(schema, dialect)});
                    models.push(json!({"name": node.name, "kind": "seed", "file": node.file.path(db), "gems": [gem]}));
                    continue;
                }
                let analysis = loupe_analysis::model::model_analysis(db, project, node.file);
                let gems: Vec<Value> = analysis
                    .gems
                    .iter()
                    .map(|g| {
                        let inputs: Vec<String> = g.inputs.iter().map(input_name).collect();
                        json!({"name": g.name, "kind": g.kind.as_str(), "inputs": inputs, "output": columns_json(&g.output, dialect)})
                    })
                    .collect();
                for call in loupe_analysis::model::model_calls(db, project, node.file).iter() {
                    let from = match call {
                        loupe_analysis::jinja::Call::Ref { name, .. } => name.clone(),
                        loupe_analysis::jinja::Call::Source { source, table } => format!("{source}.{table}"),
                    };
                    edges.push(json!({"from": from, "to": node.name}));
                }
                models.push(json!({"name": node.name, "kind": "model", "file": node.file.path(db), "gems": gems}));
            }
            json!({"models": models, "edges": edges})
        })
        .await?;
    answer.ok_or_else(|| Error::invalid_params("no project is loaded"))
}

#[derive(Deserialize)]
pub struct CompiledParams {
    pub uri: Uri,
}

/// `loupe/compiled`: a model's rendered SQL and where each piece came from.
pub async fn compiled(backend: &Backend, params: CompiledParams) -> Result<Value> {
    let answer = backend
        .with_snapshot(move |host| -> std::result::Result<Value, String> {
            let file = params
                .uri
                .to_file_path()
                .and_then(|p| host.file(&p))
                .ok_or("not a project file")?;
            let rendered = loupe_analysis::model::rendered_model(host.db(), host.project(), file);
            if let Some(e) = &rendered.error {
                return Err(e.message.clone());
            }
            // As dbt compiles it: ephemeral models' CTEs injected.
            let compiled = loupe_analysis::model::compile_model(host.db(), host.project(), file)?;
            let template = file.text(host.db());
            let rendered_starts: Vec<usize> = std::iter::once(0)
                .chain(rendered.sql.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            let injected_lines = compiled
                .injected
                .map_or(0, |r| compiled.sql[r.start..r.end].matches('\n').count());
            // Line by line: each compiled line's first character and where it
            // came from; the injected CTEs' lines come from other models.
            let mut map = Vec::new();
            let mut start = 0;
            for (i, line) in compiled.sql.split('\n').enumerate() {
                let line_start = start;
                start += line.len() + 1;
                let own_line = match compiled.injected {
                    Some(r) if line_start > r.start && line_start < r.end => continue,
                    Some(r) if line_start >= r.end => i - injected_lines,
                    _ => i,
                };
                let Some(&at) = rendered_starts.get(own_line) else {
                    continue;
                };
                let len = rendered.sql[at..]
                    .find('\n')
                    .unwrap_or(rendered.sql.len() - at);
                let r = rendered.source_map.to_template(
                    loupe_analysis::text::TextRange::new(at, at + len.min(1)),
                    template,
                );
                let at = crate::convert::position(template, r.start);
                map.push(
                    json!({"line": i, "templateLine": at.line, "templateCharacter": at.character}),
                );
            }
            Ok(json!({"sql": compiled.sql, "sourceMap": map}))
        })
        .await?;
    answer
        .unwrap_or(Err("no project is loaded".into()))
        .map_err(Error::invalid_params)
}
