//! The edited model analysed before the edit is offered: an edit that
//! introduces an error in the model, or in a model downstream of it (however
//! many `ref()`s away), is refused.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use crate::db::{Db, Project, SourceFile};
use crate::diagnostics::{Diagnostic, Severity};
use crate::jinja::Call;
use crate::model::{
    analyze_model_text, downstream_models, model_analysis, model_calls, model_dependents,
    node_read_through_call, project_index, render_model_text, rendered_model, ModelAnalysis,
};
use crate::schema::RelationSchema;
use crate::types::SqlType;

use super::{PipelineOp, Refusal};

/// Errors of `after` that `before` does not have (by code and message:
/// their places move with the edit).
fn new_errors(before: &[Diagnostic], after: &[Diagnostic]) -> Vec<Diagnostic> {
    // How many of each the model had: a model can have thousands.
    let mut known: HashMap<(&str, &str), usize> = HashMap::new();
    for d in before.iter().filter(|d| d.severity == Severity::Error) {
        *known
            .entry((d.code.as_str(), d.message.as_str()))
            .or_default() += 1;
    }
    after
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .filter(
            |d| match known.get_mut(&(d.code.as_str(), d.message.as_str())) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    false
                }
                _ => true,
            },
        )
        .cloned()
        .collect()
}

/// A schema's column names (lower-case) and types, in order, and whether
/// it is open: what a reader can see of it (lineage aside).
fn shape(schema: &RelationSchema) -> (Vec<(String, &SqlType)>, bool) {
    (
        schema
            .columns
            .iter()
            .map(|c| (c.name.to_lowercase(), &c.ty))
            .collect(),
        schema.open,
    )
}

/// The type of each column name's first column (ASCII-lower-cased), as
/// `RelationSchema::column` finds it.
fn types_by_name(schema: &RelationSchema) -> HashMap<String, &SqlType> {
    let mut map = HashMap::new();
    for c in schema.columns.iter() {
        map.entry(c.name.to_ascii_lowercase()).or_insert(&c.ty);
    }
    map
}

/// The names messages quote (lower-cased): each `name`, and each part after
/// a dot of a quoted path (`t.name`). Collected once, since a wide model's
/// change can name thousands of columns and its readers report thousands
/// of errors.
fn quoted_names<'a>(messages: impl Iterator<Item = &'a str>) -> HashSet<String> {
    let mut names = HashSet::new();
    for message in messages {
        let message = message.to_lowercase();
        let parts: Vec<&str> = message.split('`').collect();
        // Every part but the last is followed by a backtick: what ends it
        // after a dot is quoted as `....name`; every part but the first and
        // the last is also quoted whole.
        for (i, part) in parts.iter().enumerate().take(parts.len() - 1) {
            if i > 0 {
                names.insert(part.to_string());
            }
            for (dot, _) in part.match_indices('.') {
                names.insert(part[dot + 1..].to_string());
            }
        }
    }
    names
}

/// What changed between two outputs of a model, as its readers see it.
struct Change {
    /// Columns (lower-case) gone, added or of another type.
    columns: BTreeSet<String>,
    /// Known and unknown columns changed places: any reader may see it.
    openness: bool,
}

impl Change {
    fn between(before: &RelationSchema, after: &RelationSchema) -> Option<Change> {
        if shape(before) == shape(after) {
            return None;
        }
        // Each column's first by name, as `RelationSchema::column` finds it,
        // looked up in a map: a wide model has thousands.
        let (before_types, after_types) = (types_by_name(before), types_by_name(after));
        let mut columns = BTreeSet::new();
        for c in before.columns.iter() {
            match after_types.get(&c.name.to_ascii_lowercase()) {
                Some(ty) if **ty == c.ty => {}
                _ => {
                    columns.insert(c.name.to_lowercase());
                }
            }
        }
        for c in after.columns.iter() {
            if !before_types.contains_key(&c.name.to_ascii_lowercase()) {
                columns.insert(c.name.to_lowercase());
            }
        }
        Some(Change {
            columns,
            openness: before.open != after.open,
        })
    }

    /// Whether a model whose SQL is `sql` may see this change: it reads `*`
    /// (or a NATURAL join, which matches columns by name unseen), or names a
    /// changed column. A model that does neither keeps its columns and errors.
    fn may_reach(&self, sql: &str) -> bool {
        if self.openness || reads_star(sql) {
            return true;
        }
        let lower = sql.to_lowercase();
        let words: BTreeSet<&str> = lower
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .filter(|w| !w.is_empty())
            .collect();
        words.contains("natural")
            || self.columns.iter().any(|c| {
                if c.chars()
                    .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '$')
                {
                    words.contains(c.as_str())
                } else {
                    lower.contains(c.as_str())
                }
            })
    }
}

/// Whether `sql` selects `*` (or `t.*`): a `*` after SELECT, DISTINCT,
/// ALL, a comma or a dot; not `count(*)`, a product or a comment's.
fn reads_star(sql: &str) -> bool {
    sql.match_indices('*').any(|(i, _)| {
        if sql[i + 1..].starts_with('/') {
            return false;
        }
        let before = sql[..i].trim_end();
        match before.chars().last() {
            Some(',' | '.') => true,
            Some(c) if c.is_alphanumeric() || c == '_' => {
                let word = before
                    .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default();
                ["select", "distinct", "all"]
                    .iter()
                    .any(|w| word.eq_ignore_ascii_case(w))
            }
            _ => false,
        }
    })
}

/// A problem the edit causes in a model downstream of the edited one.
pub(super) struct DownstreamProblem {
    pub model: String,
    pub message: String,
    /// The models between the edited one and `model` (empty: it reads it).
    pub through: Vec<String>,
}

/// What the edit does downstream: the errors it causes, and the models
/// analysed to find them.
#[derive(Default)]
pub(super) struct Downstream {
    pub problems: Vec<DownstreamProblem>,
    pub analysed: Vec<String>,
}

/// The errors an edited model's new output (`after`, in place of `before`)
/// causes downstream, however many `ref()`s away. Only what the change can
/// reach is analysed, in dependency order: the readers of a model whose
/// output changed that read `*` or name a changed column; the wave stops
/// at a model whose own output stays as it was.
pub(super) fn downstream_problems(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    model: &str,
    before: &RelationSchema,
    after: &RelationSchema,
) -> Downstream {
    let Some(change) = Change::between(before, after) else {
        return Downstream::default();
    };
    let index = project_index(db, project);
    let dependents = model_dependents(db, project);
    // The models downstream, each after every model it reads (Kahn's order
    // over the downstream part of the DAG; a cycle leaves its models out).
    let below: BTreeSet<String> = downstream_models(db, project, model)
        .into_iter()
        .map(|m| m.to_lowercase())
        .collect();
    let mut waiting: BTreeMap<String, usize> = below.iter().map(|m| (m.clone(), 0)).collect();
    for m in below.iter().chain(std::iter::once(&model.to_lowercase())) {
        for r in dependents.get(m).into_iter().flatten() {
            if let Some(n) = waiting.get_mut(&r.to_lowercase()) {
                *n += 1;
            }
        }
    }
    let mut ready: VecDeque<String> = VecDeque::from([model.to_lowercase()]);
    let mut order: Vec<String> = Vec::new();
    while let Some(m) = ready.pop_front() {
        for r in dependents.get(&m).into_iter().flatten() {
            let key = r.to_lowercase();
            if let Some(n) = waiting.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    order.push(key.clone());
                    ready.push_back(key);
                }
            }
        }
    }
    // Models whose output the edit changes: their new outputs, what changed,
    // and the models in between.
    let mut assumed: Vec<(SourceFile, Arc<RelationSchema>)> = vec![(file, Arc::new(after.clone()))];
    let mut changed: BTreeMap<String, (Change, Vec<String>)> =
        BTreeMap::from([(model.to_lowercase(), (change, Vec::new()))]);
    let mut out = Downstream::default();
    for name in order {
        let Some(node) = index.node(&name, None) else {
            continue;
        };
        // The changed models it reads, by `ref()` or through a `source()`.
        let catalog = project.catalog(db);
        let reads: Vec<String> = model_calls(db, project, node.file)
            .iter()
            .filter_map(|c| match c {
                Call::Ref { package, name } => index.node(name, package.as_deref()),
                Call::Source { .. } => node_read_through_call(index, catalog, c),
            })
            .map(|n| n.name.to_lowercase())
            .filter(|n| changed.contains_key(n))
            .collect();
        if reads.is_empty() {
            continue;
        }
        let rendered = rendered_model(db, project, node.file);
        if !reads.iter().any(|r| changed[r].0.may_reach(&rendered.sql)) {
            continue;
        }
        out.analysed.push(node.name.clone());
        let reader_before = model_analysis(db, project, node.file);
        let reader_after = analyze_model_text(
            db,
            project,
            node.file,
            node.file.text(db),
            rendered,
            &assumed,
            None,
        );
        // The nearest way the change came in.
        let through = reads
            .iter()
            .map(|r| {
                let (_, via) = &changed[r];
                let mut path = via.clone();
                if *r != model.to_lowercase() {
                    path.push(index.node(r, None).map_or(r.clone(), |n| n.name.clone()));
                }
                path
            })
            .min_by_key(Vec::len)
            .unwrap_or_default();
        out.problems.extend(
            new_errors(&reader_before.diagnostics, &reader_after.diagnostics)
                .into_iter()
                .map(|d| DownstreamProblem {
                    model: node.name.clone(),
                    message: d.message,
                    through: through.clone(),
                }),
        );
        if let Some(change) = Change::between(&reader_before.output, &reader_after.output) {
            assumed.push((node.file, Arc::new(reader_after.output.clone())));
            changed.insert(name, (change, through));
        }
    }
    out
}

/// The analysis of `new_text` as the model in `file`, or why it is refused.
pub(super) fn verify(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    before: &ModelAnalysis,
    new_text: &str,
    op: &PipelineOp,
) -> Result<ModelAnalysis, Refusal> {
    let index = project_index(db, project);
    let model = index
        .node_for_file(file)
        .map_or_else(|| file.path(db).clone(), |n| n.name.clone());
    let rendered = render_model_text(db, project, file, new_text);
    if let Some(error) = &rendered.error {
        return Err(format!("the edited model would not render: {}", error.message).into());
    }
    let after = analyze_model_text(db, project, file, new_text, &rendered, &[], None);
    let mut problems: Vec<String> = new_errors(&before.diagnostics, &after.diagnostics)
        .into_iter()
        .map(|d| format!("{model}: {}", d.message))
        .collect();
    // Models downstream, with its new output.
    let mut note = String::new();
    let mut columns = Vec::new();
    if problems.is_empty() {
        let downstream =
            downstream_problems(db, project, file, &model, &before.output, &after.output).problems;
        if let Some(first) = downstream.first().filter(|p| !p.through.is_empty()) {
            note = format!(
                " (`{}` reads `{model}` through {})",
                first.model,
                first
                    .through
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        // The model's columns, gone, retyped or new, that the errors name.
        let named = quoted_names(downstream.iter().map(|p| p.message.as_str()));
        columns = Change::between(&before.output, &after.output)
            .map(|c| c.columns.into_iter().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|c| named.contains(&c.to_lowercase()))
            .map(|c| {
                after
                    .output
                    .column(&c)
                    .or_else(|| before.output.column(&c))
                    .map_or(c, |col| col.name.clone())
            })
            .collect();
        problems.extend(
            downstream
                .into_iter()
                .map(|p| format!("{}: {}", p.model, p.message)),
        );
    }
    if problems.is_empty() {
        return Ok(after);
    }
    let what = match op {
        PipelineOp::Insert { .. } => "the new gem",
        PipelineOp::Remove => "the removal",
        PipelineOp::Rename { .. } => "the rename",
        PipelineOp::SetInput { .. } => "the new input",
        PipelineOp::EditParts { .. } => "the change",
    };
    Err(Refusal {
        message: format!(
            "{what} would introduce {} error{}: {}{note}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems[0]
        ),
        problems,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::AnalysisHost;
    use crate::schema::Column;

    #[test]
    fn quoted_names_are_the_names_a_message_quotes_alone_or_after_a_dot() {
        let messages = [
            "unknown column `amount`; did you mean `amounts`?",
            "unknown column `o.Customer_ID`",
            "`a.b.c` is ambiguous",
            "no backticks at all",
            "unbalanced `quote",
            "",
            "`` and `x`y`",
        ];
        let named = quoted_names(messages.iter().copied());
        // What each message says of each column, read one pair at a time.
        for column in [
            "amount",
            "amounts",
            "customer_id",
            "o.customer_id",
            "c",
            "b.c",
            "a.b.c",
            "a",
            "b",
            "quote",
            "x",
            "y",
            "",
            "unknown column ",
        ] {
            let quoted = messages.iter().any(|m| {
                let m = m.to_lowercase();
                m.contains(&format!("`{column}`")) || m.contains(&format!(".{column}`"))
            });
            assert_eq!(named.contains(column), quoted, "{column}");
        }
    }

    /// A project of models `(name, sql)` and the `raw_orders` seed.
    fn host(models: &[(&str, &str)]) -> (AnalysisHost, std::path::PathBuf) {
        let root = std::env::temp_dir().join(format!(
            "loupe-downstream-{}-{}",
            std::process::id(),
            models.len()
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("seeds")).unwrap();
        std::fs::create_dir_all(root.join("models")).unwrap();
        std::fs::write(root.join("dbt_project.yml"), "name: shop\nprofile: shop\n").unwrap();
        std::fs::write(
            root.join("seeds/raw_orders.csv"),
            "id,customer_id,amount\n1,1,2.5\n",
        )
        .unwrap();
        for (name, sql) in models {
            std::fs::write(root.join(format!("models/{name}.sql")), sql).unwrap();
        }
        (AnalysisHost::load(&root).unwrap(), root)
    }

    #[test]
    fn stars_that_read_every_column() {
        assert!(reads_star("select * from a"));
        assert!(reads_star("select a.*, 1 from a"));
        assert!(reads_star("select id, * exclude (x) from a"));
        assert!(reads_star("SELECT DISTINCT * FROM a"));
        assert!(!reads_star("select count(*), a * 2 from a /* all */"));
    }

    #[test]
    fn only_models_the_change_can_reach_are_analysed() {
        let (host, root) = host(&[
            (
                "a",
                "select id, customer_id, amount from {{ ref('raw_orders') }}",
            ),
            // All of a, so a's change is b's.
            ("b", "select * from {{ ref('a') }}"),
            // Reads amount from b: broken, two refs down.
            ("c", "select id, amount from {{ ref('b') }}"),
            // Reads b, but not amount: its columns and errors cannot change.
            ("d", "select id from {{ ref('b') }}"),
            // Reads d: d's output does not change, so neither is analysed.
            ("e", "select * from {{ ref('d') }}"),
            // Names amount, but reads an unchanged model.
            ("f", "select amount from {{ ref('raw_orders') }}"),
        ]);
        let file = host.file(&root.join("models/a.sql")).unwrap();
        let before = model_analysis(host.db(), host.project(), file)
            .output
            .clone();
        let mut after = before.clone();
        std::sync::Arc::make_mut(&mut after.columns).retain(|c: &Column| c.name != "amount");
        let found = downstream_problems(host.db(), host.project(), file, "a", &before, &after);
        assert_eq!(found.analysed, ["b", "c"]);
        assert_eq!(found.problems.len(), 1);
        assert_eq!(found.problems[0].model, "c");
        assert_eq!(found.problems[0].through, ["b"]);
        // Nothing changes: nothing is analysed.
        let same = downstream_problems(host.db(), host.project(), file, "a", &before, &before);
        assert!(same.analysed.is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }
}
