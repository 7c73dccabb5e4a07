//! Editing a model's pipeline as a graph: insert a gem after a gem, remove a
//! gem, rename it, change what it reads, or edit its parts. The answer is a
//! set of text edits in the model's template that touch only the gems the
//! operation changes, in the file's own style; an edit that would introduce
//! an error (in the model or in a model that reads it) is refused.

mod check;
mod layout;
mod write;

use serde::Deserialize;

use crate::db::{Db, Project, SourceFile};
use crate::model::{model_analysis, node_output, project_index, ModelAnalysis};
use crate::schema::RelationSchema;
use crate::text::TextRange;

use layout::{alias_follows, has_jinja, tokens, top_level_word, Layout, Style, TokenKind};

/// What to do at a gem.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum PipelineOp {
    /// A new gem after this one; the gem's readers read the new gem. After
    /// the final SELECT, the new gem becomes the final SELECT and the old
    /// one a CTE (`name` names that CTE then).
    Insert {
        gem: GemSpec,
        name: Option<String>,
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

/// A gem as the forms describe it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind")]
pub enum GemSpec {
    Filter {
        condition: String,
    },
    Reformat {
        columns: Vec<ColumnSpec>,
    },
    Aggregate {
        #[serde(default, rename = "groupBy")]
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
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct ColumnSpec {
    pub column: Option<String>,
    pub expression: Option<String>,
    pub function: Option<String>,
    #[serde(alias = "as")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct JoinKey {
    pub left: String,
    pub right: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct OrderKey {
    pub column: String,
    #[serde(default)]
    pub descending: bool,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
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
    /// Columns that would go missing for the gem's readers.
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
    let index = match gem {
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
    .ok_or_else(|| format!("the model has no gem `{}`", gem.unwrap_or_default()))?;
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
        PipelineOp::Insert { gem: spec, name } => editor.insert(spec, name.as_deref())?,
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
    // After a removal, the model's output is what to look at.
    let shown_is_final = index == last || matches!(op, PipelineOp::Remove);
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
        let name = self.analysis.gems[i].name.clone();
        let mut edits = Vec::new();
        for j in self.readers(i) {
            for (range, table) in self.reads_of(j, &name) {
                let written = &self.text[range.start..range.end];
                if table && !written.trim_matches(['"', '`']).eq_ignore_ascii_case(&name) {
                    return Err(format!(
                        "gem `{}` reads `{name}` through Jinja: edit the code instead",
                        self.analysis.gems[j].name
                    )
                    .into());
                }
                edits.push((range, new_text.to_string()));
            }
        }
        Ok(edits)
    }

    fn insert(&self, spec: &GemSpec, name: Option<&str>) -> Answer {
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
            let body = write::gem_body(
                spec,
                &input,
                other.as_ref(),
                style,
                &format!("{}{unit}", style.cte_indent),
                self.project.settings(self.db).dialect,
            )?;
            let mut edits = vec![(
                TextRange::empty(cte.extent.end),
                format!(
                    "{}{}",
                    style.cte_separator,
                    write::cte(&new_name, &body, style)
                ),
            )];
            edits.extend(self.rewire_readers(self.index, &new_name)?);
            return Ok((
                format!(
                    "Insert {} gem `{new_name}` after `{gem}`",
                    with_article(kind)
                ),
                edits,
                new_name,
            ));
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
        let input_schema = match input_cte {
            Some(i) => Some(self.analysis.gems[i].output.clone()),
            None => None,
        };
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
        let cte = &self.layout.ctes[self.index];
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
        // The definition goes with the comma that separates it.
        let before: Vec<_> = tokens(self.text, TextRange::new(0, cte.name_range.start))
            .into_iter()
            .filter(|t| t.kind != TokenKind::Comment)
            .collect();
        let after: Vec<_> = tokens(self.text, TextRange::new(cte.extent.end, self.text.len()))
            .into_iter()
            .filter(|t| t.kind != TokenKind::Comment)
            .collect();
        let definition = match (before.last(), after.first()) {
            (Some(comma), _) if comma.kind == TokenKind::Punct(b',') => {
                TextRange::new(comma.range.start, cte.extent.end)
            }
            (_, Some(comma)) if comma.kind == TokenKind::Punct(b',') => {
                let next = after.get(1).map_or(comma.range.end, |t| t.range.start);
                let next = next.min(
                    tokens(self.text, TextRange::new(comma.range.end, self.text.len()))
                        .first()
                        .map_or(next, |t| t.range.start),
                );
                TextRange::new(cte.name_range.start, next)
            }
            _ => {
                let with = self.layout.with_keyword.ok_or("no WITH before the gem")?;
                let next = tokens(self.text, TextRange::new(cte.extent.end, self.text.len()))
                    .first()
                    .map_or(self.text.len(), |t| t.range.start);
                TextRange::new(with.start, next)
            }
        };
        edits.push((definition, String::new()));
        self.with_missing(
            (
                format!("Remove gem `{gem}`: its readers read `{input_text}`"),
                edits,
                gem.clone(),
            ),
            missing,
        )
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
        let body = self.body();
        let mut reads: Vec<&crate::schema::TableUse> = self
            .analysis
            .tables
            .iter()
            .filter(|t| body.contains_range(t.range))
            .collect();
        reads.sort_by_key(|t| t.range.start);
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
        let old_text = &self.text[old.range.start..old.range.end];
        let old_name = old.parts.last().cloned().unwrap_or_default();
        let qualified = tokens(self.text, body).windows(2).any(|w| {
            w[0].kind == TokenKind::Word
                && self.text[w[0].range.start..w[0].range.end].eq_ignore_ascii_case(&old_name)
                && w[1].kind == TokenKind::Punct(b'.')
                && w[1].range.start == w[0].range.end
        });
        let replacement = if !alias_follows(self.text, old.range.end)
            && qualified
            && !input.qualifier.eq_ignore_ascii_case(&old_name)
        {
            format!(
                "{} {} {}",
                input.sql,
                self.style.kw("as"),
                write::ident(&old_name)
            )
        } else {
            input.sql.clone()
        };
        if has_jinja(self.text, old.range) && !old_text.trim_start().starts_with("{{") {
            return Err("the input is written by Jinja: edit the code instead".into());
        }
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

    fn edit_parts(&self, spec: &GemSpec) -> Answer {
        let gem = self.gem_name().to_string();
        let kind = self.analysis.gems[self.index].kind;
        let body = self.body();
        let open_code = || -> Refusal {
            format!("gem `{gem}` is not written as one SELECT of that shape: edit the code instead")
                .into()
        };
        match spec {
            GemSpec::Filter { condition } => {
                if kind != crate::gems::GemKind::Filter || condition.trim().is_empty() {
                    return Err(open_code());
                }
                let where_ = top_level_word(self.text, body, &["where"]).ok_or_else(open_code)?;
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
                let condition_range = trimmed(self.text, TextRange::new(where_.range.end, end));
                if has_jinja(self.text, condition_range) {
                    return Err(open_code());
                }
                Ok((
                    format!("Change the condition of Filter `{gem}`"),
                    vec![(condition_range, condition.trim().to_string())],
                    gem,
                ))
            }
            GemSpec::Reformat { columns } => {
                if !matches!(
                    kind,
                    crate::gems::GemKind::Reformat | crate::gems::GemKind::Source
                ) || columns.is_empty()
                {
                    return Err(open_code());
                }
                let select = top_level_word(self.text, body, &["select"]).ok_or_else(open_code)?;
                let from = top_level_word(
                    self.text,
                    TextRange::new(select.range.end, body.end),
                    &["from"],
                )
                .ok_or_else(open_code)?;
                let mut start = select.range.end;
                if let Some(d) = top_level_word(
                    self.text,
                    TextRange::new(start, from.range.start),
                    &["distinct"],
                ) {
                    start = d.range.end;
                }
                let list_range = TextRange::new(start, from.range.start);
                if has_jinja(self.text, list_range) {
                    return Err(open_code());
                }
                let items: Vec<String> = columns
                    .iter()
                    .map(|c| c.select_item(&self.style))
                    .collect::<Result<_, _>>()?;
                let indent = layout_indent(self.text, select.range.start);
                let listed = write::list(
                    &items,
                    &format!("{indent}{}", self.style.indent_unit),
                    &self.style,
                );
                let from_on_own_line = self.text[..from.range.start]
                    .trim_end_matches([' ', '\t'])
                    .ends_with('\n');
                let tail = if from_on_own_line {
                    format!("\n{}", layout_indent(self.text, from.range.start))
                } else if items.len() > 1 {
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
            _ => Err(open_code()),
        }
    }
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
