//! `loupe/impact` and `loupe/status`: what the change in the working tree
//! does downstream, and where the server stands (project, branch, base).

use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{Position, Uri};

use crate::server::Backend;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImpactParams {
    pub uri: Uri,
    /// With a position, only the changes made in the gem there.
    pub position: Option<Position>,
}

fn base_json(backend: &Backend) -> (Option<crate::base::BaseAnalysis>, Value) {
    let state = backend.state.lock().unwrap();
    let base = state.base.clone();
    let json = json!({
        "branch": base.as_ref().and_then(|b| b.branch.clone()),
        "base": base.as_ref().map(|b| json!({"revision": b.revision.oid, "label": b.revision.label})),
        "baseProblem": state.base_problem,
    });
    (base, json)
}

/// `loupe/impact`: the schema changes of the model in `uri` against the base
/// revision, each with its downstream uses, and the models downstream of it.
pub async fn impact(backend: &Backend, params: ImpactParams) -> Result<Value> {
    let (base, mut answer) = base_json(backend);
    let found = backend
        .with_snapshot(move |host| -> std::result::Result<Value, String> {
            let path = params.uri.to_file_path().ok_or("not a file")?;
            let file = host.file(&path).ok_or("not a project file")?;
            let (db, project) = (host.db(), host.project());
            let index = loupe_analysis::model::project_index(db, project);
            let node = index.node_for_file(file).ok_or("not a model or seed")?;
            let gem = match params.position {
                Some(p) => {
                    let offset = crate::convert::offset(file.text(db), p);
                    loupe_analysis::ide::gem_at(db, project, file, offset)
                }
                None => None,
            };
            let downstream = loupe_analysis::model::downstream_models(db, project, &node.name);
            let relative = file.path(db).clone();
            let impacts: Vec<_> = base
                .map(|b| b.impacts(host, Some(&[relative])))
                .unwrap_or_default()
                .into_iter()
                .filter(|i| match &gem {
                    Some(g) => i.at.as_ref().is_some_and(|at| &at.gem == g),
                    None => true,
                })
                .collect();
            Ok(json!({
                "model": node.name,
                "downstreamModels": downstream,
                "impacts": impacts,
                "breaking": impacts.iter().any(|i| i.breaking),
            }))
        })
        .await?
        .ok_or_else(|| Error::invalid_params("no project is loaded"))?
        .map_err(Error::invalid_params)?;
    if let (Some(target), Value::Object(more)) = (answer.as_object_mut(), found) {
        target.extend(more);
    }
    Ok(answer)
}

/// `loupe/status`: the project, its Git branch and base revision.
pub async fn status(backend: &Backend, _: Value) -> Result<Value> {
    let (_, mut answer) = base_json(backend);
    let project = backend
        .with_snapshot(|host| {
            json!({
                "root": host.root(),
                "models": host.models().len(),
            })
        })
        .await?;
    if let Some(target) = answer.as_object_mut() {
        target.insert("project".into(), project.unwrap_or(Value::Null));
        target.insert(
            "fabric".into(),
            json!(backend.state.lock().unwrap().selected_fabric),
        );
    }
    Ok(answer)
}
