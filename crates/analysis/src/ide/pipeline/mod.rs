//! Editing a model's pipeline as a graph: insert a gem after a gem, remove a
//! gem, rename it, change what it reads, or edit its parts. The answer is a
//! set of text edits in the model's template that touch only the gems the
//! operation changes, in the file's own style; an edit that would introduce
//! an error (in the model or in a model that reads it) is refused.

mod check;
mod layout;
mod write;

use serde::{Deserialize, Serialize};

use crate::db::{Db, Project, SourceFile};
use crate::model::{model_analysis, node_output, project_index, ModelAnalysis};
use crate::schema::RelationSchema;
use crate::text::TextRange;

use layout::{
    alias_follows, has_jinja, line_start, tokens, top_level_word, Layout, Style, TokenKind,
};

/// What to do at a gem.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum PipelineOp {
    /// A new gem after this one; the gem's readers read the new gem. After
    /// the final SELECT, the new gem becomes the final SELECT and the old
    /// one a CTE (`name` names that CTE then).
    ///
    /// With `reader`, the new gem goes on the edge into that gem only: the
    /// reader reads the new gem, the gem's other readers keep reading it.
    /// The gem may then also be a relation the reader reads (a model, seed
    /// or `source.table`, as the graph names a gem's inputs).
    Insert {
        gem: GemSpec,
        name: Option<String>,
        #[serde(default)]
        reader: Option<Reader>,
    },
    /// The gem goes; its readers read its (first) input instead.
    Remove,
    Rename {
        name: String,
    },
    /// Read `input` (a gem, a model or seed, or `source.table`) in place of
    /// the gem's first input, or of its second (a Join's other input).
    SetInput {
        input: String,
        #[serde(default)]
        other: bool,
    },
    /// Rewrite the gem's parts through the same form as a new gem: the
    /// condition of a Filter, the columns of a Reformat.
    EditParts {
        gem: GemSpec,
    },
}

/// The gem at the end of an edge: a CTE by its name, the final SELECT by
/// none (as the request names a gem).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Reader {
    #[serde(default)]
    pub gem: Option<String>,
}

/// A gem as the forms describe it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(tag = "kind")]
pub enum GemSpec {
    Filter {
        condition: String,
    },
    Reformat {
        columns: Vec<ColumnSpec>,
    },
    Aggregate {
        #[serde(default, rename = "groupBy", skip_serializing_if = "Vec::is_empty")]
        group_by: Vec<String>,
        #[serde(default)]
        aggregates: Vec<ColumnSpec>,
    },
    Join {
        other: String,
        /// inner (the default), left, right, full or cross.
        #[serde(default, rename = "joinType")]
        join_type: String,
        #[serde(default)]
        keys: Vec<JoinKey>,
        /// Columns taken from `other`; by default those the first input lacks.
        columns: Option<Vec<String>>,
    },
    OrderBy {
        columns: Vec<OrderKey>,
    },
    Limit {
        count: u64,
    },
    Deduplicate {
        #[serde(default)]
        columns: Vec<String>,
    },
    SetOperation {
        other: String,
        #[serde(default)]
        operator: SetOperator,
    },
}

/// A column of a select list: a column picked (`column`), renamed (`column`
/// and `name`), aggregated (`function` of `column`) or computed (`expression`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct ColumnSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(alias = "as", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct JoinKey {
    pub left: String,
    pub right: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct OrderKey {
    pub column: String,
    #[serde(default)]
    pub descending: bool,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum SetOperator {
    #[default]
    UnionAll,
    Union,
    Intersect,
    Except,
}

/// The edits of an accepted operation, in the model's template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipelineEdit {
    pub title: String,
    pub edits: Vec<(TextRange, String)>,
    /// The gem to show after the edit (the new one, or the one edited);
    /// `None` for the final SELECT.
    pub gem: Option<String>,
    /// That gem's columns after the edit.
    pub output: RelationSchema,
}

/// Why an operation was refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    /// The errors the edit would introduce, as `model: message`.
    pub problems: Vec<String>,
    /// Columns at fault: those a removal would take from the gem's readers,
    /// or the model's columns (gone, retyped or new) that errors downstream
    /// name.
    pub columns: Vec<String>,
}

impl From<String> for Refusal {
    fn from(message: String) -> Self {
        Refusal {
            message,
            ..Default::default()
        }
    }
}

impl From<&str> for Refusal {
    fn from(message: &str) -> Self {
        message.to_string().into()
    }
}

/// An input of a new gem: its SQL, and the name its columns go by.
#[derive(Clone, Debug)]
struct Input {
    name: String,
    sql: String,
    qualifier: String,
    /// For relations, read through `ref()`/`source()`.
    alias: Option<String>,
    schema: RelationSchema,
}

impl Input {
    fn sql_with_alias(&self, style: &Style) -> String {
        match &self.alias {
            Some(a) => format!("{} {} {a}", self.sql, style.kw("as")),
            None => self.sql.clone(),
        }
    }
}

/// A gem's parts as they are written, for a form that edits them to start
/// from, and its input ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GemParts {
    /// The gem (`None`: the final SELECT).
    pub gem: Option<String>,
    pub kind: String,
    /// What `editParts` takes, as the gem is written: a Filter's
    /// condition, a Reformat's columns. `None` when no form edits it.
    pub parts: Option<GemSpec>,
    /// Why no form edits it, when it does not.
    pub reason: Option<String>,
    /// The gem's inputs (as the graph names them) with their columns.
    pub inputs: Vec<(String, RelationSchema)>,
}

/// The columns of a model, seed or `source.table`, as far as known.
fn relation_schema(db: &dyn Db, project: Project, name: &str) -> Option<RelationSchema> {
    let index = project_index(db, project);
    if let Some(node) = index.node(name, None) {
        return Some(node_output(db, project, node).as_ref().clone());
    }
    let (source, table) = name.split_once('.')?;
    let s = index
        .sources
        .get(&(source.to_lowercase(), table.to_lowercase()))?;
    Some(
        project
            .catalog(db)
            .source_schema(s)
            .unwrap_or_else(RelationSchema::unknown),
    )
}

/// The parts of `gem` (a CTE's name; `None` for the final SELECT, or the
/// model's name when no CTE has it) of the model in `file`.
pub fn gem_parts(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    gem: Option<&str>,
) -> Result<GemParts, String> {
    let analysis = model_analysis(db, project, file);
    let text = file.text(db);
    let last = analysis
        .gems
        .len()
        .checked_sub(1)
        .ok_or("the model has no gems")?;
    let index = match gem {
        None => last,
        Some(name) => analysis.gems[..last]
            .iter()
            .position(|g| g.name.eq_ignore_ascii_case(name))
            .or_else(|| {
                analysis.gems[last]
                    .name
                    .eq_ignore_ascii_case(name)
                    .then_some(last)
            })
            .ok_or_else(|| format!("the model has no gem `{name}`"))?,
    };
    let target = &analysis.gems[index];
    let projects = project_index(db, project);
    let inputs = target
        .inputs
        .iter()
        .map(|input| {
            match analysis.gems[..index]
                .iter()
                .find(|g| g.name.eq_ignore_ascii_case(input))
            {
                Some(g) => (g.name.clone(), g.output.clone()),
                None => {
                    let name = projects.relation_display_name(input);
                    let schema =
                        relation_schema(db, project, &name).unwrap_or_else(RelationSchema::unknown);
                    (name, schema)
                }
            }
        })
        .collect();
    let parses = !analysis.diagnostics.iter().any(|d| {
        matches!(
            d.code,
            crate::diagnostics::Code::SyntaxError | crate::diagnostics::Code::JinjaError
        )
    });
    let parts = match layout::layout(text, &analysis.gems) {
        _ if !parses => Err("the model must parse before its gems are edited".into()),
        None => Err(Refusal::from(
            "the gems of this model are written by Jinja (or are not CTEs): edit the code instead",
        )),
        Some(layout) => Editor {
            db,
            project,
            file,
            text,
            analysis,
            style: layout::style(text, &layout),
            layout,
            index,
        }
        .current_parts(),
    };
    let (parts, reason) = match parts {
        Ok(p) => (Some(p), None),
        Err(r) => (None, Some(r.message)),
    };
    Ok(GemParts {
        gem: (index != last).then(|| target.name.clone()),
        kind: target.kind.as_str().to_string(),
        parts,
        reason,
        inputs,
    })
}

/// Where each gem of a model stands in its template, from its name (or the
/// final SELECT's first keyword) to its closing parenthesis (or last token).
pub fn gem_extents(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
) -> Option<Vec<(String, TextRange)>> {
    let analysis = model_analysis(db, project, file);
    let layout = layout::layout(file.text(db), &analysis.gems)?;
    let mut out: Vec<(String, TextRange)> = layout
        .ctes
        .iter()
        .map(|c| (c.name.clone(), c.extent))
        .collect();
    out.push((analysis.gems.last()?.name.clone(), layout.final_extent));
    Some(out)
}

/// The operations that apply at a gem, as (title, operation) pairs with the
/// defaults a form would start from; editors without a form offer these.
pub fn pipeline_actions(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    gem: Option<&str>,
) -> Vec<(String, PipelineOp)> {
    let analysis = model_analysis(db, project, file);
    let target = match gem {
        Some(name) => analysis.gems[..analysis.gems.len().saturating_sub(1)]
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name)),
        None => analysis.gems.last(),
    };
    let Some(target) = target else {
        return Vec::new();
    };
    let place = gem.map_or("the final SELECT".to_string(), |g| format!("`{g}`"));
    let mut out = Vec::new();
    let first = target.output.columns.first().map(|c| c.name.clone());
    let insert = |spec: GemSpec| PipelineOp::Insert {
        gem: spec,
        name: None,
        reader: None,
    };
    out.push((
        format!("Insert a Deduplicate gem after {place}"),
        insert(GemSpec::Deduplicate { columns: vec![] }),
    ));
    out.push((
        format!("Insert a Limit gem after {place} (100 rows)"),
        insert(GemSpec::Limit { count: 100 }),
    ));
    if let Some(column) = first {
        out.push((
            format!("Insert a Filter gem after {place} (`{column} is not null`)"),
            insert(GemSpec::Filter {
                condition: format!("{} is not null", write::ident(&column)),
            }),
        ));
        out.push((
            format!("Insert an OrderBy gem after {place} (by `{column}`)"),
            insert(GemSpec::OrderBy {
                columns: vec![OrderKey {
                    column: column.clone(),
                    descending: false,
                }],
            }),
        ));
        out.push((
            format!("Insert an Aggregate gem after {place} (rows per `{column}`)"),
            insert(GemSpec::Aggregate {
                group_by: vec![column],
                aggregates: vec![ColumnSpec {
                    function: Some("count".into()),
                    name: Some("row_count".into()),
                    ..Default::default()
                }],
            }),
        ));
    }
    if !target.inputs.is_empty() {
        out.push((
            match gem {
                Some(g) => format!("Remove gem `{g}`"),
                None => "Remove the final SELECT".to_string(),
            },
            PipelineOp::Remove,
        ));
    }
    out
}

/// Applies `op` at `gem` (a CTE's name; `None` for the final SELECT, which
/// goes by the model's name) of the model in `file`.
pub fn edit_pipeline(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    gem: Option<&str>,
    op: &PipelineOp,
) -> Result<PipelineEdit, Refusal> {
    let analysis = model_analysis(db, project, file);
    let text = file.text(db);
    if let Some(d) = analysis.diagnostics.iter().find(|d| {
        matches!(
            d.code,
            crate::diagnostics::Code::SyntaxError | crate::diagnostics::Code::JinjaError
        )
    }) {
        return Err(format!(
            "the model must parse before its pipeline is edited: {}",
            d.message
        )
        .into());
    }
    let layout = layout::layout(text, &analysis.gems).ok_or(
        "the gems of this model are written by Jinja (or are not CTEs): edit the code instead",
    )?;
    let style = layout::style(text, &layout);
    let last = analysis.gems.len().saturating_sub(1);
    // A CTE by its name; the final SELECT by none (or by the model's name
    // when no CTE has it).
    let find = |gem: Option<&str>| -> Option<usize> {
        match gem {
            None => Some(last),
            Some(name) => layout
                .ctes
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(name))
                .or_else(|| {
                    analysis
                        .gems
                        .last()
                        .filter(|g| g.name.eq_ignore_ascii_case(name))
                        .map(|_| last)
                }),
        }
        .filter(|_| !analysis.gems.is_empty())
    };
    let no_gem = |gem: Option<&str>| -> Refusal {
        format!("the model has no gem `{}`", gem.unwrap_or_default()).into()
    };
    // An edge: the gem at its end, and whether its start is a relation.
    let reader = match op {
        PipelineOp::Insert {
            reader: Some(r), ..
        } => Some(find(r.gem.as_deref()).ok_or_else(|| no_gem(r.gem.as_deref()))?),
        _ => None,
    };
    let reads_gem = |i: usize, j: usize| {
        i < j
            && analysis.gems[j]
                .inputs
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&analysis.gems[i].name))
    };
    let (index, relation) = match (reader, find(gem)) {
        (Some(j), Some(i)) if reads_gem(i, j) => (i, None),
        (Some(j), _) => (j, gem),
        (None, Some(i)) => (i, None),
        (None, None) => return Err(no_gem(gem)),
    };
    let editor = Editor {
        db,
        project,
        file,
        text,
        analysis,
        layout,
        style,
        index,
    };
    let (title, edits, shown) = match op {
        PipelineOp::Insert {
            gem: spec, name, ..
        } => match (reader, relation) {
            (Some(_), Some(relation)) => {
                editor.insert_from_relation(spec, name.as_deref(), relation)?
            }
            (Some(_), None) if gem.is_none() => {
                return Err(
                    "the final SELECT has no readers in the model: insert after it instead".into(),
                )
            }
            _ => editor.insert(spec, name.as_deref(), reader)?,
        },
        PipelineOp::Remove => editor.remove()?,
        PipelineOp::Rename { name } => editor.rename(name)?,
        PipelineOp::SetInput { input, other } => editor.set_input(input, *other)?,
        PipelineOp::EditParts { gem: spec } => editor.edit_parts(spec)?,
    };
    let after = check::verify(db, project, file, analysis, &apply(text, &edits), op)?;
    // The model's output is read outside it (downstream, its YAML, its
    // tests): a removal must keep its column names, in order.
    if matches!(op, PipelineOp::Remove) {
        let names = |s: &RelationSchema| -> Vec<String> {
            s.columns.iter().map(|c| c.name.to_lowercase()).collect()
        };
        if names(&analysis.output) != names(&after.output)
            || after.output.open != analysis.output.open
        {
            let lost: Vec<String> = analysis
                .output
                .columns
                .iter()
                .filter(|c| after.output.column(&c.name).is_none())
                .map(|c| c.name.clone())
                .collect();
            let what = if lost.is_empty() {
                "its columns would change (order, or columns added)".to_string()
            } else {
                format!(
                    "the model would lose {}",
                    lost.iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(Refusal {
                message: format!("gem `{}` cannot go: {what}", analysis.gems[index].name),
                problems: Vec::new(),
                columns: lost,
            });
        }
    }
    // After a removal, the model's output is what to look at; a gem on an
    // edge is a CTE.
    let shown_is_final = match op {
        PipelineOp::Remove => true,
        PipelineOp::Insert {
            reader: Some(_), ..
        } => false,
        _ => index == last,
    };
    let output = if shown_is_final {
        after.output.clone()
    } else {
        after
            .gems
            .iter()
            .rev()
            .skip(1)
            .find(|g| g.name.eq_ignore_ascii_case(&shown))
            .map(|g| g.output.clone())
            .unwrap_or_else(|| after.output.clone())
    };
    Ok(PipelineEdit {
        title,
        edits,
        gem: (!shown_is_final).then_some(shown),
        output,
    })
}

/// `text` with non-overlapping `edits` applied.
pub fn apply(text: &str, edits: &[(TextRange, String)]) -> String {
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|(r, _)| std::cmp::Reverse((r.start, r.end)));
    let mut out = text.to_string();
    for (r, new) in sorted {
        out.replace_range(r.start..r.end, &new);
    }
    out
}

type Answer = Result<(String, Vec<(TextRange, String)>, String), Refusal>;

struct Editor<'a> {
    db: &'a dyn Db,
    project: Project,
    file: SourceFile,
    text: &'a str,
    analysis: &'a ModelAnalysis,
    layout: Layout,
    style: Style,
    /// The gem operated on, in `analysis.gems` (the last is the final SELECT).
    index: usize,
}

impl Editor<'_> {
    fn is_final(&self) -> bool {
        self.index + 1 == self.analysis.gems.len()
    }

    fn gem_name(&self) -> &str {
        &self.analysis.gems[self.index].name
    }

    /// The gem's text: a CTE's body inside its parentheses, or the final SELECT.
    fn body(&self) -> TextRange {
        match self.layout.ctes.get(self.index) {
            Some(c) if !self.is_final() => c.body,
            _ => self.layout.final_extent,
        }
    }

    fn extent(&self, i: usize) -> TextRange {
        if i + 1 == self.analysis.gems.len() {
            self.layout.final_extent
        } else {
            self.layout.ctes[i].extent
        }
    }

    fn cte_names(&self) -> impl Iterator<Item = &str> {
        self.layout.ctes.iter().map(|c| c.name.as_str())
    }

    /// A name no gem of the model has yet, from `wanted`.
    fn fresh_name(&self, wanted: &str) -> String {
        let taken = |n: &str| {
            self.cte_names().any(|c| c.eq_ignore_ascii_case(n))
                || self
                    .analysis
                    .gem_defs
                    .iter()
                    .any(|(c, _)| c.eq_ignore_ascii_case(n))
        };
        if !taken(wanted) {
            return wanted.to_string();
        }
        (2..)
            .map(|i| format!("{wanted}_{i}"))
            .find(|n| !taken(n))
            .unwrap()
    }

    fn check_new_name(&self, name: &str) -> Result<(), Refusal> {
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!("`{name}` is not a plain identifier").into());
        }
        if self.cte_names().any(|c| c.eq_ignore_ascii_case(name)) {
            return Err(format!("the model already has a gem `{name}`").into());
        }
        Ok(())
    }

    /// An input by name: a gem of this model defined before gem `before`
    /// (an index into the CTEs), a model or seed, or `source.table`.
    fn resolve(&self, name: &str, before: usize) -> Result<Input, Refusal> {
        if let Some(i) = self
            .layout
            .ctes
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
        {
            if i >= before {
                return Err(format!(
                    "gem `{name}` is defined after the place it would be read: a gem reads only the gems above it"
                )
                .into());
            }
            let written = &self.text
                [self.layout.ctes[i].name_range.start..self.layout.ctes[i].name_range.end];
            return Ok(Input {
                name: name.to_string(),
                sql: written.to_string(),
                qualifier: written.to_string(),
                alias: None,
                schema: self.analysis.gems[i].output.clone(),
            });
        }
        let index = project_index(self.db, self.project);
        if let Some(node) = index.node(name, None) {
            if let Some(me) = index.node_for_file(self.file) {
                if node.name == me.name {
                    return Err(format!("`{name}` is this model").into());
                }
                if crate::model::downstream_models(self.db, self.project, &me.name)
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(&node.name))
                {
                    return Err(format!(
                        "`{}` reads this model: reading it here would close a cycle",
                        node.name
                    )
                    .into());
                }
            }
            return Ok(Input {
                name: node.name.clone(),
                sql: format!("{{{{ ref('{}') }}}}", node.name),
                qualifier: node.name.clone(),
                alias: Some(node.name.clone()),
                schema: node_output(self.db, self.project, node).as_ref().clone(),
            });
        }
        if let Some((source, table)) = name.split_once('.') {
            if let Some(s) = index
                .sources
                .get(&(source.to_lowercase(), table.to_lowercase()))
            {
                let schema = self
                    .project
                    .catalog(self.db)
                    .source_schema(s)
                    .unwrap_or_else(RelationSchema::unknown);
                return Ok(Input {
                    name: name.to_string(),
                    sql: format!("{{{{ source('{}', '{}') }}}}", s.source, s.table),
                    qualifier: s.table.clone(),
                    alias: Some(s.table.clone()),
                    schema,
                });
            }
        }
        Err(format!("no gem, model, seed or source named `{name}`").into())
    }

    /// Where gem `i` reads relation or gem `name`: its table names, and the
    /// `name.` qualifiers of its columns (unless it reads `name` under an alias).
    fn reads_of(&self, i: usize, name: &str) -> Vec<(TextRange, bool)> {
        let extent = self.extent(i);
        let inner = match self.layout.ctes.get(i) {
            Some(c) if i + 1 < self.analysis.gems.len() => c.body,
            _ => extent,
        };
        let mut out: Vec<(TextRange, bool)> = self
            .analysis
            .tables
            .iter()
            .filter(|t| matches!(t.parts.as_slice(), [n] if n.eq_ignore_ascii_case(name)))
            .filter(|t| inner.contains_range(t.range))
            .map(|t| (t.range, true))
            .collect();
        let aliased = out.iter().any(|(r, _)| alias_follows(self.text, r.end));
        if !aliased {
            let toks = tokens(self.text, inner);
            for (k, t) in toks.iter().enumerate() {
                let is_qualifier = t.kind == TokenKind::Word
                    && self.text[t.range.start..t.range.end].eq_ignore_ascii_case(name)
                    && toks.get(k + 1).is_some_and(|n| {
                        n.kind == TokenKind::Punct(b'.') && n.range.start == t.range.end
                    })
                    && !(k > 0
                        && toks[k - 1].kind == TokenKind::Punct(b'.')
                        && toks[k - 1].range.end == t.range.start);
                if is_qualifier {
                    out.push((t.range, false));
                }
            }
        }
        out
    }

    /// The gems after gem `i` that read it.
    fn readers(&self, i: usize) -> Vec<usize> {
        let name = &self.analysis.gems[i].name;
        ((i + 1)..self.analysis.gems.len())
            .filter(|&j| {
                self.analysis.gems[j]
                    .inputs
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(name))
            })
            .collect()
    }

    /// Every read of gem `i` by later gems, renamed to `new_text`.
    fn rewire_readers(
        &self,
        i: usize,
        new_text: &str,
    ) -> Result<Vec<(TextRange, String)>, Refusal> {
        let mut edits = Vec::new();
        for j in self.readers(i) {
            edits.extend(self.rewire_reader(j, i, new_text)?);
        }
        Ok(edits)
    }

    /// Every read of gem `i` by gem `j`, renamed to `new_text`.
    fn rewire_reader(
        &self,
        j: usize,
        i: usize,
        new_text: &str,
    ) -> Result<Vec<(TextRange, String)>, Refusal> {
        let name = &self.analysis.gems[i].name;
        let mut edits = Vec::new();
        for (range, table) in self.reads_of(j, name) {
            let written = &self.text[range.start..range.end];
            if table && !written.trim_matches(['"', '`']).eq_ignore_ascii_case(name) {
                return Err(format!(
                    "gem `{}` reads `{name}` through Jinja: edit the code instead",
                    self.analysis.gems[j].name
                )
                .into());
            }
            edits.push((range, new_text.to_string()));
        }
        Ok(edits)
    }

    /// How gem `j` names a gem or place: `the final SELECT`, or `` `name` ``.
    fn place(&self, j: usize) -> String {
        if j + 1 == self.analysis.gems.len() {
            "the final SELECT".to_string()
        } else {
            format!("`{}`", self.analysis.gems[j].name)
        }
    }

    /// The text of gem `j` (a CTE's body, or the final SELECT).
    fn body_of(&self, j: usize) -> TextRange {
        match self.layout.ctes.get(j) {
            Some(c) if j + 1 < self.analysis.gems.len() => c.body,
            _ => self.layout.final_extent,
        }
    }

    /// The relations gem `j` reads, in order.
    fn table_reads(&self, j: usize) -> Vec<&crate::schema::TableUse> {
        let body = self.body_of(j);
        let mut reads: Vec<&crate::schema::TableUse> = self
            .analysis
            .tables
            .iter()
            .filter(|t| body.contains_range(t.range))
            .collect();
        reads.sort_by_key(|t| t.range.start);
        reads
    }

    /// Where gem `j` reads `relation` (a model, seed or `source.table`, as
    /// the graph names a gem's inputs; not a gem of the model).
    fn relation_reads(&self, j: usize, relation: &str) -> Vec<&crate::schema::TableUse> {
        let index = project_index(self.db, self.project);
        self.table_reads(j)
            .into_iter()
            .filter(|t| {
                let is_gem = matches!(t.parts.as_slice(), [n] if self.cte_names().take(j).any(|c| c.eq_ignore_ascii_case(n)));
                !is_gem
                    && index
                        .relation_display_name(&t.parts.join("."))
                        .eq_ignore_ascii_case(relation)
            })
            .collect()
    }

    /// What stands in for a read `old` of gem `j` when it reads `new_sql`
    /// (which its columns would call `new_qualifier`): the old name stays
    /// as an alias where columns are qualified with it.
    fn read_replacement(
        &self,
        j: usize,
        old: &crate::schema::TableUse,
        new_sql: &str,
        new_qualifier: &str,
    ) -> Result<String, Refusal> {
        let old_text = &self.text[old.range.start..old.range.end];
        if has_jinja(self.text, old.range) && !old_text.trim_start().starts_with("{{") {
            return Err("the input is written by Jinja: edit the code instead".into());
        }
        let old_name = old.parts.last().cloned().unwrap_or_default();
        let qualified = tokens(self.text, self.body_of(j)).windows(2).any(|w| {
            w[0].kind == TokenKind::Word
                && self.text[w[0].range.start..w[0].range.end].eq_ignore_ascii_case(&old_name)
                && w[1].kind == TokenKind::Punct(b'.')
                && w[1].range.start == w[0].range.end
        });
        Ok(
            if !alias_follows(self.text, old.range.end)
                && qualified
                && !new_qualifier.eq_ignore_ascii_case(&old_name)
            {
                format!(
                    "{new_sql} {} {}",
                    self.style.kw("as"),
                    write::ident(&old_name)
                )
            } else {
                new_sql.to_string()
            },
        )
    }

    /// A new gem after this one, read by its readers, or only by `reader`
    /// (an edge of the graph).
    fn insert(&self, spec: &GemSpec, name: Option<&str>, reader: Option<usize>) -> Answer {
        let style = &self.style;
        let unit = &style.indent_unit;
        let kind = spec_kind(spec);
        let gem = self.gem_name().to_string();
        let other_name = match spec {
            GemSpec::Join { other, .. } | GemSpec::SetOperation { other, .. } => {
                Some(other.as_str())
            }
            _ => None,
        };
        if !self.is_final() {
            let cte = &self.layout.ctes[self.index];
            let new_name = match name {
                Some(n) => {
                    self.check_new_name(n)?;
                    n.to_string()
                }
                None => self.fresh_name(&format!("{gem}_{}", default_suffix(spec))),
            };
            let input = Input {
                name: gem.clone(),
                sql: self.text[cte.name_range.start..cte.name_range.end].to_string(),
                qualifier: self.text[cte.name_range.start..cte.name_range.end].to_string(),
                alias: None,
                schema: self.analysis.gems[self.index].output.clone(),
            };
            let other = match other_name {
                Some(o) => Some(self.other_input(o, self.index + 1, &input)?),
                None => None,
            };
            let body = self.cte_gem_body(spec, &input, other.as_ref(), style)?;
            let mut edits = vec![(
                TextRange::empty(cte.extent.end),
                format!(
                    "{}{}",
                    style.cte_separator,
                    write::cte(&new_name, &body, style)
                ),
            )];
            let title = match reader {
                Some(j) => {
                    edits.extend(self.rewire_reader(j, self.index, &new_name)?);
                    format!(
                        "Insert {} gem `{new_name}` between `{gem}` and {}",
                        with_article(kind),
                        self.place(j)
                    )
                }
                None => {
                    edits.extend(self.rewire_readers(self.index, &new_name)?);
                    format!(
                        "Insert {} gem `{new_name}` after `{gem}`",
                        with_article(kind)
                    )
                }
            };
            return Ok((title, edits, new_name));
        }
        // After the final SELECT: it becomes a CTE, the new gem the final SELECT.
        let wrapped = match name {
            Some(n) => {
                self.check_new_name(n)?;
                n.to_string()
            }
            None => self.fresh_name("final"),
        };
        let input = Input {
            name: wrapped.clone(),
            sql: wrapped.clone(),
            qualifier: wrapped.clone(),
            alias: None,
            schema: self.analysis.gems[self.index].output.clone(),
        };
        let other = match other_name {
            Some(o) => Some(self.other_input(o, self.layout.ctes.len(), &input)?),
            None => None,
        };
        let extent = self.layout.final_extent;
        let final_indent = layout_indent(self.text, extent.start);
        let body = write::gem_body(
            spec,
            &input,
            other.as_ref(),
            style,
            &final_indent,
            self.project.settings(self.db).dialect,
        )?;
        let old: String = self.text[extent.start..extent.end]
            .split('\n')
            .enumerate()
            .map(|(k, line)| {
                if line.trim().is_empty() {
                    line.to_string()
                } else if k == 0 {
                    format!("{}{unit}{line}", style.cte_indent)
                } else {
                    format!("{unit}{line}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let (mut edits, head) = match (self.layout.ctes.last(), self.layout.with_keyword) {
            (Some(last), _) if !style.leading_commas => (
                vec![(TextRange::empty(last.extent.end), ",".to_string())],
                String::new(),
            ),
            (Some(_), _) => (Vec::new(), ", ".to_string()),
            (None, _) => (Vec::new(), format!("{} ", style.kw("with"))),
        };
        let cte_text = write::cte(&wrapped, old.trim_start(), style);
        let cte_text = cte_text.replacen(" (\n", &format!(" (\n{}{unit}", style.cte_indent), 1);
        edits.push((
            extent,
            format!(
                "{head}{cte_text}\n\n{}",
                body.trim_start_matches([' ', '\t'])
            ),
        ));
        Ok((
            format!(
                "Insert {} gem after the final SELECT (which becomes `{wrapped}`)",
                with_article(kind)
            ),
            edits,
            self.analysis.gems[self.index].name.clone(),
        ))
    }

    /// A new gem on the edge from `relation` into this gem: the new gem
    /// reads the relation, this gem reads the new gem. It stands just above
    /// this gem (above the comments that document it).
    fn insert_from_relation(&self, spec: &GemSpec, name: Option<&str>, relation: &str) -> Answer {
        let style = &self.style;
        let reader = self.index;
        let reads = self.relation_reads(reader, relation);
        let Some(first) = reads.first() else {
            return Err(format!("{} does not read `{relation}`", self.who()).into());
        };
        let written = &self.text[first.range.start..first.range.end];
        if has_jinja(self.text, first.range) && !written.trim_start().starts_with("{{") {
            return Err("the input is written by Jinja: edit the code instead".into());
        }
        let qualifier = first
            .parts
            .last()
            .cloned()
            .unwrap_or_else(|| relation.to_string());
        let new_name = match name {
            Some(n) => {
                self.check_new_name(n)?;
                n.to_string()
            }
            None => {
                let stem: String = qualifier
                    .chars()
                    .map(|c| if c.is_alphanumeric() { c } else { '_' })
                    .collect();
                self.fresh_name(&format!("{stem}_{}", default_suffix(spec)))
            }
        };
        let input = Input {
            name: relation.to_string(),
            // A Join qualifies the input's columns: by the name it goes by.
            sql: if matches!(spec, GemSpec::Join { .. }) {
                format!("{written} {} {}", style.kw("as"), write::ident(&qualifier))
            } else {
                written.to_string()
            },
            qualifier: qualifier.clone(),
            alias: None,
            schema: relation_schema(self.db, self.project, relation)
                .unwrap_or_else(RelationSchema::unknown),
        };
        // The new gem reads only the gems above it.
        let before = if self.is_final() {
            self.layout.ctes.len()
        } else {
            reader
        };
        let other = match spec {
            GemSpec::Join { other, .. } | GemSpec::SetOperation { other, .. } => {
                Some(self.other_input(other, before, &input)?)
            }
            _ => None,
        };
        let body = self.cte_gem_body(spec, &input, other.as_ref(), style)?;
        let cte = write::cte(&new_name, &body, style);
        let placed = match self.layout.ctes.get(..before).and_then(<[_]>::last) {
            // After the gem above.
            Some(above) => (
                TextRange::empty(above.extent.end),
                format!("{}{cte}", style.cte_separator),
            ),
            // The first CTE: before it, and before its comments.
            None if before < self.layout.ctes.len() => {
                let c = &self.layout.ctes[before];
                let floor = self.layout.with_keyword.map_or(0, |w| w.end);
                let at = layout::comments_above(self.text, floor, c.name_range.start)
                    .map_or(c.name_range.start, |start| {
                        start + layout_indent(self.text, start).len()
                    });
                (
                    TextRange::empty(at),
                    format!("{cte}{}", style.cte_separator),
                )
            }
            // No CTE yet: a WITH before the final SELECT.
            None => (
                TextRange::empty(self.layout.final_extent.start),
                format!("{} {cte}\n\n", style.kw("with")),
            ),
        };
        let mut edits = vec![placed];
        for read in &reads {
            edits.push((
                read.range,
                self.read_replacement(reader, read, &new_name, &new_name)?,
            ));
        }
        Ok((
            format!(
                "Insert {} gem `{new_name}` between `{relation}` and {}",
                with_article(spec_kind(spec)),
                self.place(reader)
            ),
            edits,
            new_name,
        ))
    }

    /// The body of a new gem written as a CTE, one indent unit inside it.
    fn cte_gem_body(
        &self,
        spec: &GemSpec,
        input: &Input,
        other: Option<&Input>,
        style: &Style,
    ) -> Result<String, String> {
        let indent = format!("{}{}", style.cte_indent, style.indent_unit);
        write::gem_body(
            spec,
            input,
            other,
            style,
            &indent,
            self.project.settings(self.db).dialect,
        )
    }

    /// The other input of a Join or SetOperation, aliased apart from `first`.
    fn other_input(&self, name: &str, before: usize, first: &Input) -> Result<Input, Refusal> {
        let mut other = self.resolve(name, before)?;
        if other.qualifier.eq_ignore_ascii_case(&first.qualifier) {
            let alias = format!("{}_2", other.qualifier.trim_matches('"'));
            other.qualifier = alias.clone();
            other.alias = Some(alias);
        }
        Ok(other)
    }

    fn remove(&self) -> Answer {
        let gem = self.gem_name().to_string();
        let target = &self.analysis.gems[self.index];
        let body = self.body();
        let mut reads: Vec<&crate::schema::TableUse> = self
            .analysis
            .tables
            .iter()
            .filter(|t| body.contains_range(t.range))
            .collect();
        reads.sort_by_key(|t| t.range.start);
        if target.inputs.len() > 1 {
            return Err(format!(
                "gem `{gem}` reads {} inputs: change its inputs, or remove it in the code",
                target.inputs.len()
            )
            .into());
        }
        let first = reads.first().ok_or_else(|| {
            format!("gem `{gem}` reads nothing: there is no input for its readers to read")
        })?;
        let input_text = self.text[first.range.start..first.range.end].to_string();
        let input_cte = match first.parts.as_slice() {
            [n] => self
                .layout
                .ctes
                .iter()
                .position(|c| c.name.eq_ignore_ascii_case(n)),
            _ => None,
        };
        // The columns readers would lose.
        let input_schema = input_cte.map(|i| self.analysis.gems[i].output.clone());
        let missing: Vec<String> = match &input_schema {
            Some(s) if !s.open => target
                .output
                .columns
                .iter()
                .filter(|c| s.column(&c.name).is_none())
                .map(|c| c.name.clone())
                .collect(),
            _ => Vec::new(),
        };
        if self.is_final() {
            let indent = layout_indent(self.text, self.layout.final_extent.start);
            let kw = |k: &str| self.style.kw(k);
            let text = format!("{} *\n{indent}{} {input_text}", kw("select"), kw("from"));
            return self.with_missing(
                (
                    format!("Remove the final SELECT: the model returns `{input_text}`"),
                    vec![(self.layout.final_extent, text)],
                    gem,
                ),
                missing,
            );
        }
        let mut edits = Vec::new();
        for j in self.readers(self.index) {
            for (range, table) in self.reads_of(j, &gem) {
                let replacement = match (input_cte, table) {
                    (Some(_), _) => input_text.clone(),
                    // A relation read by the gem's name: that name becomes its alias.
                    (None, true)
                        if !alias_follows(self.text, range.end)
                            && self.reads_of(j, &gem).iter().any(|(_, t)| !t) =>
                    {
                        format!(
                            "{input_text} {} {}",
                            self.style.kw("as"),
                            &self.text[range.start..range.end]
                        )
                    }
                    (None, true) => input_text.clone(),
                    (None, false) => continue,
                };
                edits.push((range, replacement));
            }
        }
        edits.extend(self.definition_removal(self.index)?);
        self.with_missing(
            (
                format!("Remove gem `{gem}`: its readers read `{input_text}`"),
                edits,
                gem.clone(),
            ),
            missing,
        )
    }

    /// The edits that take CTE `i`'s definition out with the comma that
    /// separates it, and with the comments that belong to it: those written
    /// directly above it (no blank line between) and after it on its last
    /// line. Comments above the WITH (the file's header), after a blank line
    /// (a section's), on the line of the gem before, or above the next gem
    /// stay where they are.
    fn definition_removal(&self, i: usize) -> Result<Vec<(TextRange, String)>, Refusal> {
        let text = self.text;
        let cte = &self.layout.ctes[i];
        let code = |range: TextRange| -> Vec<layout::Token> {
            tokens(text, range)
                .into_iter()
                .filter(|t| t.kind != TokenKind::Comment)
                .collect()
        };
        let before = code(TextRange::new(0, cte.name_range.start));
        let comma_before = before
            .last()
            .filter(|t| t.kind == TokenKind::Punct(b','))
            .copied();
        // A leading comma on the gem's own line goes with the gem.
        let leading =
            comma_before.filter(|c| !text[c.range.end..cte.name_range.start].contains('\n'));
        let anchor = leading.map_or(cte.name_range.start, |c| c.range.start);
        // Where the text before the gem's own comments ends.
        let floor = match (leading, comma_before) {
            (Some(_), _) => before
                .len()
                .checked_sub(2)
                .map_or(0, |k| before[k].range.end),
            (None, Some(c)) => c.range.end,
            (None, None) => self
                .layout
                .with_keyword
                .map_or(0, |w| w.end)
                .max(before.last().map_or(0, |t| t.range.end)),
        };
        let head = layout::comments_above(text, floor, anchor).unwrap_or(anchor);
        let same_line = |from: usize, t: &layout::Token| !text[from..t.range.start].contains('\n');
        let rest = tokens(text, TextRange::new(cte.extent.end, text.len()));
        // Comments on the gem's closing line are its own.
        let mut tail = cte.extent.end;
        for t in rest.iter() {
            if t.kind != TokenKind::Comment || !same_line(cte.extent.end, t) {
                break;
            }
            tail = layout::token_end(text, t);
        }
        let comma_after = rest
            .iter()
            .find(|t| t.kind != TokenKind::Comment)
            .filter(|t| t.kind == TokenKind::Punct(b','))
            .copied();
        // What stays after the gem: from the first token past `from` that
        // is not a comment on `from`'s line.
        let kept_after = |from: usize| -> usize {
            tokens(text, TextRange::new(from, text.len()))
                .iter()
                .find(|t| !(t.kind == TokenKind::Comment && same_line(from, t)))
                .map_or(text.len(), |t| t.range.start)
        };
        // Up to what follows the comma after the gem; comments between the
        // gem and that comma (the next gem's, in the leading style) stay.
        let through_comma_after = |comma: layout::Token| -> Vec<(TextRange, String)> {
            let after_comma = kept_after(comma.range.end);
            let kept = tokens(text, TextRange::new(tail, comma.range.start))
                .into_iter()
                .find(|t| t.kind == TokenKind::Comment);
            match kept {
                None => vec![(TextRange::new(head, after_comma), String::new())],
                // Those comments keep a line of their own (`WITH` stays on its).
                Some(first) => {
                    let on_a_line = text[line_start(text, head)..head].trim().is_empty();
                    let start = if on_a_line {
                        head
                    } else {
                        head - (text[..head].len() - text[..head].trim_end().len())
                    };
                    vec![
                        (
                            TextRange::new(start, first.range.start),
                            if on_a_line {
                                String::new()
                            } else {
                                "\n".to_string()
                            },
                        ),
                        (
                            TextRange::new(comma.range.start, after_comma),
                            String::new(),
                        ),
                    ]
                }
            }
        };
        // Comments between the gem before and this one's own stay.
        let kept_end = tokens(text, TextRange::new(floor, head))
            .iter()
            .rev()
            .find(|t| t.kind == TokenKind::Comment)
            .map(|t| layout::token_end(text, t));
        let empty = |r: TextRange| (r, String::new());
        Ok(match (comma_before, comma_after) {
            // The first of several, or (trailing commas) one in the middle:
            // it goes with the comma after it.
            (None, Some(comma)) => through_comma_after(comma),
            (Some(_), Some(comma)) if leading.is_none() => through_comma_after(comma),
            // Leading commas: the comma before goes with the gem.
            (Some(_), _) if leading.is_some() => {
                vec![empty(TextRange::new(kept_end.unwrap_or(floor), tail))]
            }
            // The last, with trailing commas: with the comma before it.
            (Some(c), _) => match kept_end {
                None => vec![empty(TextRange::new(c.range.start, tail))],
                Some(end) => vec![empty(c.range), empty(TextRange::new(end, tail))],
            },
            // The only one: WITH goes too.
            (None, None) => {
                let with = self.layout.with_keyword.ok_or("no WITH before the gem")?;
                vec![empty(TextRange::new(with.start, kept_after(tail)))]
            }
        })
    }

    /// Refuses a removal that would take from readers columns they use.
    fn with_missing(
        &self,
        answer: (String, Vec<(TextRange, String)>, String),
        missing: Vec<String>,
    ) -> Answer {
        if missing.is_empty() {
            return Ok(answer);
        }
        let after = apply(self.text, &answer.1);
        match check::verify(
            self.db,
            self.project,
            self.file,
            self.analysis,
            &after,
            &PipelineOp::Remove,
        ) {
            Ok(_) => Ok(answer),
            Err(mut refusal) => {
                let used: Vec<String> = missing
                    .into_iter()
                    .filter(|c| {
                        refusal.problems.iter().any(|p| {
                            p.contains(&format!("`{c}`"))
                                || p.to_lowercase().contains(&c.to_lowercase())
                        })
                    })
                    .collect();
                refusal.message = format!(
                    "gem `{}` cannot go: its readers use {} that its input lacks",
                    self.gem_name(),
                    if used.is_empty() {
                        "columns".to_string()
                    } else {
                        used.iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                );
                refusal.columns = used;
                Err(refusal)
            }
        }
    }

    fn rename(&self, new_name: &str) -> Answer {
        let gem = self.gem_name().to_string();
        if self.is_final() {
            return Err(
                "the final SELECT goes by the model's name: rename the model instead".into(),
            );
        }
        if new_name.eq_ignore_ascii_case(&gem) {
            return Err(format!("gem `{gem}` is already named so").into());
        }
        self.check_new_name(new_name)?;
        // The definition and every read by later gems, `gem.*` included.
        let cte = &self.layout.ctes[self.index];
        let mut edits = vec![(cte.name_range, new_name.to_string())];
        edits.extend(self.rewire_readers(self.index, new_name)?);
        Ok((
            format!("Rename gem `{gem}` to `{new_name}`"),
            edits,
            new_name.to_string(),
        ))
    }

    fn set_input(&self, name: &str, second: bool) -> Answer {
        let gem = self.gem_name().to_string();
        let reads = self.table_reads(self.index);
        let slot = usize::from(second);
        let old = reads.get(slot).ok_or_else(|| {
            if second {
                format!("gem `{gem}` reads only one input")
            } else {
                format!("gem `{gem}` reads nothing")
            }
        })?;
        let before = if self.is_final() {
            self.layout.ctes.len()
        } else {
            self.index
        };
        let input = self.resolve(name, before)?;
        let replacement = self.read_replacement(self.index, old, &input.sql, &input.qualifier)?;
        Ok((
            format!(
                "Gem `{gem}` reads `{}` in place of `{}`",
                input.name,
                old.parts.join(".")
            ),
            vec![(old.range, replacement)],
            gem,
        ))
    }

    /// The gem as a message names it.
    fn who(&self) -> String {
        if self.is_final() {
            "the final SELECT".to_string()
        } else {
            format!("gem `{}`", self.gem_name())
        }
    }

    fn open_code(&self) -> Refusal {
        format!(
            "{} is not written as one SELECT of that shape: edit the code instead",
            self.who()
        )
        .into()
    }

    fn written_by_jinja(&self, what: &str) -> Refusal {
        format!(
            "the {what} of {} {} written by Jinja: edit the code instead",
            self.who(),
            if what.ends_with('s') { "are" } else { "is" }
        )
        .into()
    }

    /// Where a Filter's condition stands: after its top-level WHERE, up to
    /// the clause after it (comments after it excluded).
    fn condition_range(&self) -> Result<TextRange, Refusal> {
        if self.analysis.gems[self.index].kind != crate::gems::GemKind::Filter {
            return Err(self.open_code());
        }
        let body = self.body();
        let where_ = top_level_word(self.text, body, &["where"]).ok_or_else(|| self.open_code())?;
        let rest = TextRange::new(where_.range.end, body.end);
        let end = top_level_word(
            self.text,
            rest,
            &[
                "group",
                "order",
                "limit",
                "qualify",
                "having",
                "window",
                "union",
                "intersect",
                "except",
                "fetch",
                "offset",
            ],
        )
        .map_or(body.end, |t| t.range.start);
        let end = tokens(self.text, TextRange::new(where_.range.end, end))
            .iter()
            .rev()
            .find(|t| t.kind != TokenKind::Comment)
            .map_or(end, |t| t.range.end);
        let range = trimmed(self.text, TextRange::new(where_.range.end, end));
        if range.is_empty() {
            return Err(self.open_code());
        }
        if has_jinja(self.text, range) {
            return Err(self.written_by_jinja("condition"));
        }
        Ok(range)
    }

    /// Where a Reformat's select list stands (after SELECT and DISTINCT,
    /// before FROM), with its SELECT and FROM keywords.
    fn select_list(&self) -> Result<(TextRange, layout::Token, layout::Token), Refusal> {
        if !matches!(
            self.analysis.gems[self.index].kind,
            crate::gems::GemKind::Reformat | crate::gems::GemKind::Source
        ) {
            return Err(self.open_code());
        }
        let body = self.body();
        let select =
            top_level_word(self.text, body, &["select"]).ok_or_else(|| self.open_code())?;
        let from = top_level_word(
            self.text,
            TextRange::new(select.range.end, body.end),
            &["from"],
        )
        .ok_or_else(|| self.open_code())?;
        let mut start = select.range.end;
        if let Some(d) = top_level_word(
            self.text,
            TextRange::new(start, from.range.start),
            &["distinct"],
        ) {
            start = d.range.end;
        }
        let list = TextRange::new(start, from.range.start);
        if has_jinja(self.text, list) {
            return Err(self.written_by_jinja("columns"));
        }
        Ok((list, select, from))
    }

    /// The gem's parts as the form writes them: a Filter's condition, a
    /// Reformat's columns (`editParts` with them leaves the code as it is).
    fn current_parts(&self) -> Result<GemSpec, Refusal> {
        match self.analysis.gems[self.index].kind {
            crate::gems::GemKind::Filter => {
                let range = self.condition_range()?;
                Ok(GemSpec::Filter {
                    condition: self.text[range.start..range.end].to_string(),
                })
            }
            crate::gems::GemKind::Reformat | crate::gems::GemKind::Source => {
                let (list, _, _) = self.select_list()?;
                let dialect = self.project.settings(self.db).dialect;
                let columns = layout::split_list(self.text, list)
                    .into_iter()
                    .map(|item| column_spec(&self.text[item.start..item.end], dialect))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| self.open_code())?;
                Ok(GemSpec::Reformat { columns })
            }
            kind => Err(format!(
                "only a Filter's condition and a Reformat's columns are edited in a form; {} is {}: edit the code instead",
                self.who(),
                with_article(kind.as_str())
            )
            .into()),
        }
    }

    fn edit_parts(&self, spec: &GemSpec) -> Answer {
        let gem = self.gem_name().to_string();
        match spec {
            GemSpec::Filter { condition } => {
                if condition.trim().is_empty() {
                    return Err("a Filter needs a condition".into());
                }
                let condition_range = self.condition_range()?;
                Ok((
                    format!("Change the condition of Filter `{gem}`"),
                    vec![(condition_range, condition.trim().to_string())],
                    gem,
                ))
            }
            GemSpec::Reformat { columns } => {
                if columns.is_empty() {
                    return Err("a Reformat needs at least one column".into());
                }
                let (list_range, select, from) = self.select_list()?;
                let items = self.keeping_comments(list_range, columns)?;
                let indent = layout_indent(self.text, select.range.start);
                let listed = write::commented_list(
                    &items.0,
                    &items.1,
                    &format!("{indent}{}", self.style.indent_unit),
                    &self.style,
                );
                let from_on_own_line = self.text[..from.range.start]
                    .trim_end_matches([' ', '\t'])
                    .ends_with('\n');
                let tail = if from_on_own_line {
                    format!("\n{}", layout_indent(self.text, from.range.start))
                } else if listed.starts_with('\n') {
                    format!("\n{indent}")
                } else {
                    " ".to_string()
                };
                Ok((
                    format!("Change the columns of Reformat `{gem}`"),
                    vec![(list_range, format!("{listed}{tail}"))],
                    gem,
                ))
            }
            _ => Err(self.open_code()),
        }
    }
}

impl Editor<'_> {
    /// The select items of `columns` as written, each with the comments of
    /// the item of `list` it keeps (the same column, else the same column or
    /// expression under another name), and the list's closing comments: a
    /// form edit changes columns, not the notes written beside them.
    fn keeping_comments(
        &self,
        list: TextRange,
        columns: &[ColumnSpec],
    ) -> Result<(Vec<write::CommentedItem>, Vec<String>), Refusal> {
        let dialect = self.project.settings(self.db).dialect;
        let current = layout::split_list(self.text, list);
        let specs: Vec<Option<ColumnSpec>> = current
            .iter()
            .map(|r| column_spec(&self.text[r.start..r.end], dialect))
            .collect();
        let mut comments = layout::list_comments(self.text, list, &current);
        let mut kept = vec![false; current.len()];
        let same_values = |a: &ColumnSpec, b: &ColumnSpec| {
            (&a.column, &a.expression, &a.function) == (&b.column, &b.expression, &b.function)
        };
        let mut items = Vec::new();
        for column in columns {
            let mut item = write::CommentedItem {
                text: column.select_item(&self.style)?,
                ..Default::default()
            };
            let unkept = |i: &usize| !kept[*i];
            let was = (0..current.len())
                .filter(unkept)
                .find(|&i| specs[i].as_ref() == Some(column))
                .or_else(|| {
                    (0..current.len())
                        .filter(unkept)
                        .find(|&i| specs[i].as_ref().is_some_and(|s| same_values(s, column)))
                });
            if let Some(i) = was {
                kept[i] = true;
                item.leading = std::mem::take(&mut comments.leading[i]);
                item.trailing = std::mem::take(&mut comments.trailing[i]);
            }
            items.push(item);
        }
        Ok((items, comments.after))
    }
}

/// A select item as the form writes it: a column picked (`id`), renamed
/// (`amount as paid`), or an expression, with its alias if it has one.
/// `None` when the item does not parse on its own.
fn column_spec(item: &str, dialect: crate::syntax::Dialect) -> Option<ColumnSpec> {
    use sqlparser::ast::{Expr, SelectItem, SetExpr, Statement};
    let item = item.trim();
    let statements = crate::syntax::parse_sql(&format!("select {item}"), dialect).ok()?;
    let [Statement::Query(query)] = statements.as_slice() else {
        return None;
    };
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let [projection] = select.projection.as_slice() else {
        return None;
    };
    let plain = |id: &sqlparser::ast::Ident| {
        id.quote_style.is_none() && write::ident(&id.value) == id.value
    };
    Some(match projection {
        SelectItem::UnnamedExpr(Expr::Identifier(id)) if plain(id) => ColumnSpec {
            column: Some(id.value.clone()),
            ..Default::default()
        },
        SelectItem::ExprWithAlias { expr, alias } => {
            // The item without its alias (and AS).
            let toks: Vec<layout::Token> = tokens(item, TextRange::new(0, item.len()))
                .into_iter()
                .filter(|t| t.kind != TokenKind::Comment)
                .collect();
            let (last, rest) = toks.split_last()?;
            let cut = match rest.last() {
                Some(t)
                    if t.kind == TokenKind::Word
                        && item[t.range.start..t.range.end].eq_ignore_ascii_case("as") =>
                {
                    t.range.start
                }
                _ => last.range.start,
            };
            let expression = item[..cut].trim().to_string();
            match expr {
                Expr::Identifier(id) if plain(id) => ColumnSpec {
                    column: Some(id.value.clone()),
                    name: Some(alias.value.clone()),
                    ..Default::default()
                },
                _ => ColumnSpec {
                    expression: Some(expression),
                    name: Some(alias.value.clone()),
                    ..Default::default()
                },
            }
        }
        _ => ColumnSpec {
            expression: Some(item.to_string()),
            ..Default::default()
        },
    })
}

/// `range` without the whitespace at its ends.
fn trimmed(text: &str, range: TextRange) -> TextRange {
    let slice = &text[range.start..range.end];
    let start = range.start + (slice.len() - slice.trim_start().len());
    TextRange::new(start, start + slice.trim().len())
}

fn layout_indent(text: &str, offset: usize) -> String {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..];
    line[..line.len() - line.trim_start_matches([' ', '\t']).len()].to_string()
}

fn spec_kind(spec: &GemSpec) -> &'static str {
    match spec {
        GemSpec::Filter { .. } => "Filter",
        GemSpec::Reformat { .. } => "Reformat",
        GemSpec::Aggregate { .. } => "Aggregate",
        GemSpec::Join { .. } => "Join",
        GemSpec::OrderBy { .. } => "OrderBy",
        GemSpec::Limit { .. } => "Limit",
        GemSpec::Deduplicate { .. } => "Deduplicate",
        GemSpec::SetOperation { .. } => "SetOperation",
    }
}

fn with_article(kind: &str) -> String {
    if kind.starts_with(['A', 'E', 'I', 'O', 'U']) {
        format!("an {kind}")
    } else {
        format!("a {kind}")
    }
}

fn default_suffix(spec: &GemSpec) -> &'static str {
    match spec {
        GemSpec::Filter { .. } => "filtered",
        GemSpec::Reformat { .. } => "reformatted",
        GemSpec::Aggregate { .. } => "aggregated",
        GemSpec::Join { .. } => "joined",
        GemSpec::OrderBy { .. } => "ordered",
        GemSpec::Limit { .. } => "limited",
        GemSpec::Deduplicate { .. } => "deduplicated",
        GemSpec::SetOperation { .. } => "combined",
    }
}
