//! Project-level column lineage: follow a column upstream through the gems
//! of each model to seeds and sources, or downstream to what it feeds.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde::Serialize;

use crate::db::{Db, Project, SourceFile};
use crate::lineage::{through_gems, Edge, EdgeKind};

use super::analysis::model_analysis;
use super::index::project_index;

/// A model's column lineage: each output column's edges to the relations it
/// reads (models, seeds, sources), composed through its gems.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelLineage {
    pub columns: Vec<(String, Vec<Edge>)>,
    pub influences: Vec<Edge>,
}

#[salsa::tracked(returns(ref))]
pub fn model_lineage(db: &dyn Db, project: Project, file: SourceFile) -> Arc<ModelLineage> {
    let analysis = model_analysis(db, project, file);
    Arc::new(ModelLineage {
        columns: analysis
            .output
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.lineage.clone()))
            .collect(),
        influences: analysis.influences.clone(),
    })
}

/// One column in a lineage graph: of a model's gem, or of a seed or source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineageNode {
    pub relation: String,
    /// The gem (CTE) inside the model, `None` for its output.
    pub gem: Option<String>,
    pub column: String,
    /// The model's file and the gem's 1-based line, when known.
    pub file: Option<String>,
    pub line: Option<u32>,
}

/// `from` feeds `to` (indices into the nodes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineageLink {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LineageGraph {
    pub root: usize,
    pub nodes: Vec<LineageNode>,
    pub edges: Vec<LineageLink>,
}

impl LineageGraph {
    fn node(&mut self, node: LineageNode) -> (usize, bool) {
        if let Some(i) = self.nodes.iter().position(|n| {
            n.relation == node.relation
                && n.gem == node.gem
                && n.column.eq_ignore_ascii_case(&node.column)
        }) {
            return (i, false);
        }
        self.nodes.push(node);
        (self.nodes.len() - 1, true)
    }

    fn link(&mut self, from: usize, to: usize, kind: EdgeKind) {
        let link = LineageLink { from, to, kind };
        if !self.edges.contains(&link) {
            self.edges.push(link);
        }
    }
}

/// Where a column comes from, through gems and models, to `depth` steps.
pub fn upstream(
    db: &dyn Db,
    project: Project,
    model: &str,
    column: &str,
    depth: Option<usize>,
) -> Result<LineageGraph, String> {
    let index = project_index(db, project);
    let start = index
        .node(model, None)
        .ok_or_else(|| format!("no model or seed named `{model}`"))?;
    let mut graph = LineageGraph::default();
    let root = graph
        .node(model_node(
            db,
            project,
            &start.name,
            start.file,
            None,
            column,
        ))
        .0;
    graph.root = root;
    if start.is_seed {
        return Ok(graph);
    }
    if !model_lineage(db, project, start.file)
        .columns
        .iter()
        .any(|(c, _)| c.eq_ignore_ascii_case(column))
    {
        return Err(format!("model `{model}` has no column `{column}`"));
    }
    // (node, model file, gem index in the model's gems, column, steps so far)
    let mut queue = VecDeque::from([(root, start.file, None::<usize>, column.to_string(), 0usize)]);
    while let Some((node, file, gem, column, steps)) = queue.pop_front() {
        if depth.is_some_and(|d| steps >= d) {
            continue;
        }
        let analysis = model_analysis(db, project, file);
        let Some(last) = analysis.gems.len().checked_sub(1) else {
            continue;
        };
        let gem_index = gem.unwrap_or(last);
        let Some(port) = analysis.gems.get(gem_index) else {
            continue;
        };
        let Some(col) = port.output.column(&column) else {
            continue;
        };
        let model_name = index
            .node_for_file(file)
            .map_or_else(String::new, |n| n.name.clone());
        for edge in &col.lineage {
            if edge.from_gem {
                let found = analysis.gems[..last]
                    .iter()
                    .position(|g| g.name.eq_ignore_ascii_case(&edge.table));
                match found {
                    Some(g) => {
                        let (next, new) = graph.node(model_node(
                            db,
                            project,
                            &model_name,
                            file,
                            Some(&analysis.gems[g].name),
                            &edge.column,
                        ));
                        graph.link(next, node, edge.kind);
                        if new {
                            queue.push_back((
                                next,
                                file,
                                Some(g),
                                edge.column.to_string(),
                                steps + 1,
                            ));
                        }
                    }
                    // A nested CTE: go straight to the relations it reads.
                    None => {
                        for e in through_gems(std::slice::from_ref(edge), &analysis.gem_defs) {
                            push_relation(db, project, &mut graph, &mut queue, node, &e, steps);
                        }
                    }
                }
            } else {
                push_relation(db, project, &mut graph, &mut queue, node, edge, steps);
            }
        }
    }
    Ok(graph)
}

type Queue = VecDeque<(usize, SourceFile, Option<usize>, String, usize)>;

fn push_relation(
    db: &dyn Db,
    project: Project,
    graph: &mut LineageGraph,
    queue: &mut Queue,
    to: usize,
    edge: &Edge,
    steps: usize,
) {
    if !edge.is_attributed() {
        return;
    }
    let index = project_index(db, project);
    match super::ref_target(db, project, index, &edge.table, None) {
        Some(n) if !n.is_seed => {
            let (next, new) =
                graph.node(model_node(db, project, &n.name, n.file, None, &edge.column));
            graph.link(next, to, edge.kind);
            if new {
                queue.push_back((next, n.file, None, edge.column.to_string(), steps + 1));
            }
        }
        Some(n) => {
            let (next, _) =
                graph.node(model_node(db, project, &n.name, n.file, None, &edge.column));
            graph.link(next, to, edge.kind);
        }
        None => {
            let (next, _) = graph.node(LineageNode {
                relation: edge.table.to_string(),
                gem: None,
                column: edge.column.to_string(),
                file: None,
                line: None,
            });
            graph.link(next, to, edge.kind);
            // A source on the relation a seed or model of the project builds:
            // the lineage goes on into that node.
            if let Some(n) = index.node_behind_source(&edge.table) {
                let behind = Edge {
                    table: n.name.as_str().into(),
                    kind: EdgeKind::Copy,
                    ..edge.clone()
                };
                push_relation(db, project, graph, queue, next, &behind, steps);
            }
        }
    }
}

fn model_node(
    db: &dyn Db,
    project: Project,
    model: &str,
    file: SourceFile,
    gem: Option<&str>,
    column: &str,
) -> LineageNode {
    let text = file.text(db);
    let line = gem.and_then(|g| {
        let analysis = model_analysis(db, project, file);
        let found = analysis.gems.iter().find(|x| x.name == g)?;
        Some(
            crate::text::LineIndex::new(text)
                .line_col(text, found.range.start)
                .line,
        )
    });
    LineageNode {
        relation: model.to_string(),
        gem: gem.map(str::to_string),
        column: column.to_string(),
        file: Some(file.path(db).clone()),
        line,
    }
}

/// What a column feeds, model by model, to `depth` steps.
pub fn downstream(
    db: &dyn Db,
    project: Project,
    relation: &str,
    column: &str,
    depth: Option<usize>,
) -> Result<LineageGraph, String> {
    let index = project_index(db, project);
    // Who reads each (relation, column): built from every model's lineage.
    let mut readers: BTreeMap<(String, String), Vec<(String, SourceFile, String, EdgeKind)>> =
        BTreeMap::new();
    for n in index.nodes.iter().filter(|n| n.is_sql_model()) {
        for (out_column, edges) in &model_lineage(db, project, n.file).columns {
            for e in edges.iter().filter(|e| e.is_attributed()) {
                let reader = (n.name.clone(), n.file, out_column.clone(), e.kind);
                // Reading a source on a seed's relation reads the seed.
                if let Some(behind) = index.node_behind_source(&e.table) {
                    readers
                        .entry((behind.name.to_lowercase(), e.column.to_lowercase()))
                        .or_default()
                        .push(reader.clone());
                }
                readers
                    .entry((e.table.to_lowercase(), e.column.to_lowercase()))
                    .or_default()
                    .push(reader);
            }
        }
    }
    let known = index.node(relation, None).is_some()
        || readers
            .keys()
            .any(|(t, _)| t.eq_ignore_ascii_case(relation));
    if !known {
        return Err(format!("no model, seed or source named `{relation}`"));
    }
    let mut graph = LineageGraph::default();
    let root_node = match super::ref_target(db, project, index, relation, None) {
        Some(n) => model_node(db, project, &n.name, n.file, None, column),
        None => LineageNode {
            relation: relation.to_string(),
            gem: None,
            column: column.to_string(),
            file: None,
            line: None,
        },
    };
    let root = graph.node(root_node).0;
    graph.root = root;
    let mut queue =
        VecDeque::from([(root, relation.to_lowercase(), column.to_lowercase(), 0usize)]);
    while let Some((node, rel, col, steps)) = queue.pop_front() {
        if depth.is_some_and(|d| steps >= d) {
            continue;
        }
        for (model, file, out_column, kind) in readers.get(&(rel, col)).into_iter().flatten() {
            let (next, new) = graph.node(model_node(db, project, model, *file, None, out_column));
            graph.link(node, next, *kind);
            if new {
                queue.push_back((
                    next,
                    model.to_lowercase(),
                    out_column.to_lowercase(),
                    steps + 1,
                ));
            }
        }
    }
    Ok(graph)
}
