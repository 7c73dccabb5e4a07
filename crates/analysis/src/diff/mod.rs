//! What a change does to the pipeline: between two analyses of a project (a
//! base revision and the working tree), the columns each model, seed or
//! source gains, loses, renames or retypes, and who downstream uses what
//! changed, down to the place in the file where the use now breaks.

mod columns;
mod impact;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::host::AnalysisHost;
use crate::model::{model_analysis, model_materialization, project_index, seed_schema};
use crate::schema::RelationSchema;
use crate::types::SqlType;

pub use columns::diff_columns;
pub use impact::{impact_of, Impact, Place, Use};

/// A node of the project as the diff sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Model,
    Seed,
    Snapshot,
    Source,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum NodeChange {
    Added,
    Removed,
    /// Its file was renamed, and with it the node (`from` is the base name).
    Renamed {
        from: String,
    },
    Modified,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ColumnChange {
    Added {
        column: String,
        ty: String,
    },
    Removed {
        column: String,
        ty: String,
    },
    Renamed {
        from: String,
        to: String,
        ty: String,
    },
    Retyped {
        column: String,
        from: String,
        to: String,
    },
}

impl ColumnChange {
    /// The column's name at the base (`None` for an added column).
    pub fn base_column(&self) -> Option<&str> {
        match self {
            ColumnChange::Added { .. } => None,
            ColumnChange::Removed { column, .. } | ColumnChange::Retyped { column, .. } => {
                Some(column)
            }
            ColumnChange::Renamed { from, .. } => Some(from),
        }
    }

    /// What the change does, for people: "removes `status`".
    pub fn describe(&self) -> String {
        match self {
            ColumnChange::Added { column, ty } => format!("adds `{column}` {ty}"),
            ColumnChange::Removed { column, .. } => format!("removes `{column}`"),
            ColumnChange::Renamed { from, to, .. } => format!("renames `{from}` to `{to}`"),
            ColumnChange::Retyped { column, from, to } => {
                format!("changes `{column}` from {from} to {to}")
            }
        }
    }
}

/// One node that differs between base and working tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeDiff {
    /// The node's name in the working tree (the base name when removed);
    /// sources are `source.table`.
    pub name: String,
    pub kind: NodeKind,
    #[serde(flatten)]
    pub change: NodeChange,
    /// Project-relative files, in the working tree and at the base.
    pub file: Option<String>,
    pub base_file: Option<String>,
    /// The warehouse relation (`schema.identifier`) when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<RelationMove>,
    pub columns: Vec<ColumnChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelationMove {
    pub from: String,
    pub to: String,
}

/// The schema diff of a whole project.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProjectDiff {
    pub nodes: Vec<NodeDiff>,
}

/// What the diff knows of one node in one analysis.
pub(crate) struct NodeFacts {
    pub name: String,
    pub kind: NodeKind,
    pub path: Option<String>,
    pub relation: Option<String>,
    /// `None` when Loupe does not read its columns (snapshots, Python models).
    pub schema: Option<RelationSchema>,
}

/// Which nodes to read: all, or those of some files or names.
pub(crate) enum Only<'a> {
    All,
    /// Nodes defined in these project-relative files, or with these
    /// (lower-case) names.
    Some {
        files: &'a [String],
        names: &'a std::collections::BTreeSet<String>,
    },
}

impl Only<'_> {
    fn keeps(&self, name: &str, file: Option<&str>) -> bool {
        match self {
            Only::All => true,
            Only::Some { files, names } => {
                names.contains(&name.to_lowercase())
                    || file.is_some_and(|f| files.iter().any(|p| p == f))
            }
        }
    }
}

/// Every node of an analysis (or those `only` keeps) with its columns,
/// keyed by lower-case name.
pub(crate) fn node_facts(host: &AnalysisHost, only: &Only) -> BTreeMap<String, NodeFacts> {
    let db = host.db();
    let project = host.project();
    let index = project_index(db, project);
    let mut out = BTreeMap::new();
    for node in index
        .nodes
        .iter()
        .filter(|n| only.keeps(&n.name, Some(n.file.path(db))))
    {
        let kind = if node.is_seed {
            NodeKind::Seed
        } else if node.file_kind == crate::project::FileKind::Snapshot {
            NodeKind::Snapshot
        } else {
            NodeKind::Model
        };
        let schema = if node.opaque {
            None
        } else if node.is_seed {
            Some(seed_schema(db, project, node.file).as_ref().clone())
        } else {
            Some(model_analysis(db, project, node.file).output.clone())
        };
        let ephemeral = !node.is_seed
            && model_materialization(db, project, node.file).as_deref() == Some("ephemeral");
        let relation = (!ephemeral).then(|| {
            let (schema, identifier) = crate::model::model_relation(db, project, node);
            format!("{schema}.{identifier}")
        });
        out.entry(node.name.to_lowercase()).or_insert(NodeFacts {
            name: node.name.clone(),
            kind,
            path: Some(node.file.path(db).clone()),
            relation,
            schema,
        });
    }
    for ((source, table), s) in &index.sources {
        let name = format!("{source}.{table}");
        let path = index.source_files.get(&(source.clone(), table.clone()));
        if !only.keeps(&name, path.map(|f| f.path(db).as_str())) {
            continue;
        }
        out.entry(name.to_lowercase()).or_insert(NodeFacts {
            name,
            kind: NodeKind::Source,
            path: path.map(|f| f.path(db).clone()),
            relation: Some(format!("{}.{}", s.schema, s.identifier)),
            schema: s.schema(),
        });
    }
    out
}

/// Pairs base nodes with working-tree nodes: a renamed file carries its node
/// to the new name; otherwise names pair with the same name.
/// Returns (base key, head key) pairs; either side may be missing.
pub(crate) fn pair_nodes(
    base: &BTreeMap<String, NodeFacts>,
    head: &BTreeMap<String, NodeFacts>,
    renamed_files: &[(String, String)],
) -> Vec<(Option<String>, Option<String>)> {
    let head_by_path: BTreeMap<&str, &str> = head
        .iter()
        .filter(|(_, n)| n.kind != NodeKind::Source)
        .filter_map(|(k, n)| Some((n.path.as_deref()?, k.as_str())))
        .collect();
    let mut paired_heads = std::collections::BTreeSet::new();
    let mut pairs = Vec::new();
    for (key, node) in base {
        let renamed_to = (node.kind != NodeKind::Source)
            .then(|| {
                let path = node.path.as_deref()?;
                let (_, new_path) = renamed_files.iter().find(|(from, _)| from == path)?;
                head_by_path.get(new_path.as_str()).copied()
            })
            .flatten();
        let partner = renamed_to
            .map(str::to_string)
            .or_else(|| head.contains_key(key).then(|| key.clone()))
            .filter(|h| !paired_heads.contains(h));
        if let Some(h) = &partner {
            paired_heads.insert(h.clone());
        }
        pairs.push((Some(key.clone()), partner));
    }
    for key in head.keys() {
        if !paired_heads.contains(key) {
            pairs.push((None, Some(key.clone())));
        }
    }
    pairs
}

/// The schema diff between the analysis of the base revision and that of the
/// working tree. `renamed_files` pairs project-relative paths (base, now).
pub fn diff_projects(
    base: &AnalysisHost,
    head: &AnalysisHost,
    renamed_files: &[(String, String)],
) -> ProjectDiff {
    diff_nodes(base, head, renamed_files, None)
}

/// The schema diff of the nodes defined in `head_files` (project-relative
/// paths of the working tree): what an editor needs for the files it shows.
pub fn diff_files(
    base: &AnalysisHost,
    head: &AnalysisHost,
    renamed_files: &[(String, String)],
    head_files: &[String],
) -> ProjectDiff {
    diff_nodes(base, head, renamed_files, Some(head_files))
}

fn diff_nodes(
    base: &AnalysisHost,
    head: &AnalysisHost,
    renamed_files: &[(String, String)],
    head_files: Option<&[String]>,
) -> ProjectDiff {
    let no_names = std::collections::BTreeSet::new();
    let head_nodes = match head_files {
        None => node_facts(head, &Only::All),
        Some(files) => node_facts(
            head,
            &Only::Some {
                files,
                names: &no_names,
            },
        ),
    };
    // The base side of those nodes: the same names, and the files renamed to them.
    let base_files: Vec<String> = renamed_files
        .iter()
        .filter(|(_, now)| {
            head_nodes
                .values()
                .any(|n| n.path.as_deref() == Some(now.as_str()))
        })
        .map(|(before, _)| before.clone())
        .collect();
    let names = head_nodes.keys().cloned().collect();
    let base_nodes = match head_files {
        None => node_facts(base, &Only::All),
        Some(_) => node_facts(
            base,
            &Only::Some {
                files: &base_files,
                names: &names,
            },
        ),
    };
    let mut nodes = Vec::new();
    for (b, h) in pair_nodes(&base_nodes, &head_nodes, renamed_files) {
        // Within some files, a base node without a partner may live elsewhere.
        if head_files.is_some() && h.is_none() {
            continue;
        }
        let (b, h) = (
            b.and_then(|k| base_nodes.get(&k)),
            h.and_then(|k| head_nodes.get(&k)),
        );
        if let Some(d) = diff_node(b, h) {
            nodes.push(d);
        }
    }
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    ProjectDiff { nodes }
}

pub(crate) fn diff_node(base: Option<&NodeFacts>, head: Option<&NodeFacts>) -> Option<NodeDiff> {
    let any = head.or(base)?;
    let change = match (base, head) {
        (None, Some(_)) => NodeChange::Added,
        (Some(_), None) => NodeChange::Removed,
        (Some(b), Some(h)) if !b.name.eq_ignore_ascii_case(&h.name) => NodeChange::Renamed {
            from: b.name.clone(),
        },
        _ => NodeChange::Modified,
    };
    let columns = match (
        base.and_then(|b| b.schema.as_ref()),
        head.and_then(|h| h.schema.as_ref()),
    ) {
        (Some(b), Some(h)) => diff_columns(b, h),
        _ => Vec::new(),
    };
    let relation = match (
        base.and_then(|b| b.relation.clone()),
        head.and_then(|h| h.relation.clone()),
    ) {
        (Some(from), Some(to)) if !from.eq_ignore_ascii_case(&to) => {
            Some(RelationMove { from, to })
        }
        _ => None,
    };
    if change == NodeChange::Modified && columns.is_empty() && relation.is_none() {
        return None;
    }
    Some(NodeDiff {
        name: any.name.clone(),
        kind: any.kind,
        change,
        file: head.and_then(|h| h.path.clone()),
        base_file: base.and_then(|b| b.path.clone()),
        relation,
        columns,
    })
}

/// Whether a column's new type can break its users: a change of kind
/// (number to text, date to number); widening within a kind does not.
pub fn retype_breaks(from: &SqlType, to: &SqlType) -> bool {
    let family = |t: &SqlType| {
        if t.is_numeric() {
            1
        } else if t.is_string() {
            2
        } else if t.is_temporal() {
            3
        } else if *t == SqlType::Boolean {
            4
        } else {
            5
        }
    };
    family(from) != family(to) || family(from) == 5
}
