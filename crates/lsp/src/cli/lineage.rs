//! `loupe lineage`: a column's lineage across the project, or the edges of a SQL file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use loupe_analysis::lineage::{statement_edges, Edge, EdgeKind};
use loupe_analysis::loose::analyze_sql;
use loupe_analysis::model::{self, LineageGraph, LineageLink, LineageNode};

use super::{dialect_arg, load_catalog, read_text};

/// `loupe lineage --sql FILE --json`: `{"edges": [...], "influences": [...]}`.
pub fn run_sql(
    file: &Path,
    dialect: Option<&str>,
    catalog: Option<&Path>,
    include_indirect: bool,
    unaliased: loupe_analysis::lineage::UnaliasedNames,
) -> Result<ExitCode, String> {
    let sql = read_text(file)?;
    let dialect = dialect_arg(dialect)?;
    let catalog = load_catalog(catalog, dialect)?;
    let analysis = analyze_sql(&sql, dialect, &catalog);
    if analysis.statements.is_empty() {
        let why = analysis
            .diagnostics
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_default();
        return Err(format!("{}: {why}", file.display()));
    }
    let mut edges = Vec::new();
    let mut influences = Vec::new();
    for statement in &analysis.statements {
        for e in statement_edges(statement, include_indirect, unaliased) {
            if !edges.contains(&e) {
                edges.push(e);
            }
        }
        influences.extend(statement.influences.iter().map(SourceEdge::of));
    }
    let out = serde_json::json!({"edges": edges, "influences": influences});
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
    Ok(ExitCode::SUCCESS)
}

/// An edge as the JSON output writes it: where a column's value comes from.
/// Fields in the order of their names, as a JSON object's keys come out.
#[derive(serde::Serialize)]
struct SourceEdge<'a> {
    kind: EdgeKind,
    source_column: &'a str,
    source_table: Option<&'a str>,
}

impl<'a> SourceEdge<'a> {
    fn of(e: &'a Edge) -> Self {
        SourceEdge {
            kind: e.kind,
            source_column: &e.column,
            source_table: e.is_attributed().then_some(&*e.table),
        }
    }
}

/// `loupe lineage --all PATH`: every model column's edges (JSON), or a count.
pub fn run_all(path: &Path, json: bool, include_indirect: bool) -> Result<ExitCode, String> {
    let host = super::load_project(path)?;
    let lineage = host.all_lineage();
    if json {
        // Written as it is serialized, straight from the analyses: a tree of
        // JSON values, or a copy of every edge, took memory and time of its own.
        let all = AllLineageJson {
            lineage: &lineage,
            include_indirect,
        };
        let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer(&mut stdout, &all)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                writeln!(stdout)
                    .and_then(|()| stdout.flush())
                    .map_err(|e| e.to_string())
            })
            .map_err(|e| format!("writing the lineage: {e}"))?;
    } else {
        let columns = lineage.values().map(|l| l.columns.len()).sum::<usize>();
        let edges = lineage
            .values()
            .flat_map(|l| &l.columns)
            .map(|(_, edges)| {
                edges
                    .iter()
                    .filter(|e| include_indirect || e.kind.is_direct())
                    .count()
            })
            .sum::<usize>();
        println!("{} models, {columns} columns, {edges} edges", lineage.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// `{model: {column: [edge]}}`, models and columns by name as JSON objects
/// sort their keys (a column named twice: its last definition).
struct AllLineageJson<'a> {
    lineage: &'a BTreeMap<String, std::sync::Arc<model::ModelLineage>>,
    include_indirect: bool,
}

impl serde::Serialize for AllLineageJson<'_> {
    fn serialize<S: serde::Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
        let include_indirect = self.include_indirect;
        to.collect_map(self.lineage.iter().map(|(model, lineage)| {
            let columns: BTreeMap<&str, EdgesJson> = lineage
                .columns
                .iter()
                .map(|(column, edges)| (column.as_str(), EdgesJson(edges, include_indirect)))
                .collect();
            (model, columns)
        }))
    }
}

/// A column's edges, the indirect ones only when asked for.
struct EdgesJson<'a>(&'a [Edge], bool);

impl serde::Serialize for EdgesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
        let EdgesJson(edges, include_indirect) = *self;
        to.collect_seq(
            edges
                .iter()
                .filter(|e| include_indirect || e.kind.is_direct())
                .map(SourceEdge::of),
        )
    }
}

/// `loupe lineage MODEL.COLUMN [PATH]`: a readable tree, or nodes and edges with `--json`.
pub fn run_project(
    path: &Path,
    target: &str,
    downstream: bool,
    depth: Option<usize>,
    json: bool,
) -> Result<ExitCode, String> {
    let (relation, column) = target
        .rsplit_once('.')
        .ok_or_else(|| format!("`{target}`: expected MODEL.COLUMN"))?;
    let host = super::load_project(path)?;
    let (db, project) = (host.db(), host.project());
    let graph = if downstream {
        model::downstream(db, project, relation, column, depth)?
    } else {
        model::upstream(db, project, relation, column, depth)?
    };
    if json {
        let out = serde_json::json!({
            "direction": if downstream { "downstream" } else { "upstream" },
            "root": graph.root,
            "nodes": graph.nodes.iter().enumerate().map(|(i, n)| {
                let mut v = serde_json::to_value(n).unwrap();
                v["id"] = i.into();
                v
            }).collect::<Vec<_>>(),
            "edges": graph.edges,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap());
    } else {
        print_tree(&graph, downstream);
    }
    Ok(ExitCode::SUCCESS)
}

fn label(n: &LineageNode) -> String {
    match &n.gem {
        Some(g) => format!("{} \u{203a} {}.{}", n.relation, g, n.column),
        None => format!("{}.{}", n.relation, n.column),
    }
}

/// An indented tree from the root; a node seen before is shown once more, not expanded.
fn print_tree(graph: &LineageGraph, downstream: bool) {
    println!("{}", label(&graph.nodes[graph.root]));
    let mut seen = vec![graph.root];
    walk(graph, graph.root, downstream, "", &mut seen);
}

fn walk(graph: &LineageGraph, node: usize, downstream: bool, prefix: &str, seen: &mut Vec<usize>) {
    let next: Vec<&LineageLink> = graph
        .edges
        .iter()
        .filter(|e| {
            if downstream {
                e.from == node
            } else {
                e.to == node
            }
        })
        .collect();
    for (i, link) in next.iter().enumerate() {
        let child = if downstream { link.to } else { link.from };
        let last = i + 1 == next.len();
        let (branch, indent) = if last {
            ("\u{2514}\u{2500} ", "   ")
        } else {
            ("\u{251c}\u{2500} ", "\u{2502}  ")
        };
        println!(
            "{prefix}{branch}{} ({})",
            label(&graph.nodes[child]),
            link.kind.as_str()
        );
        if !seen.contains(&child) {
            seen.push(child);
            walk(graph, child, downstream, &format!("{prefix}{indent}"), seen);
        }
    }
}
