//! Per-model analysis: parse the rendered SQL, resolve refs and sources to
//! upstream schemas, infer every gem's schema, and place diagnostics in the
//! template.

use std::sync::Arc;

use crate::db::{Db, Project, SourceFile};
use crate::diagnostics::{did_you_mean_hint, Code, Diagnostic, HintBudget};
use crate::gems::Gem;
use crate::jinja::{Call, RenderedModel};
use crate::project::infer_seed_schema;
use crate::schema::{analyze_statement, IdeFacts, Lookup, RelationLookup, RelationSchema};
use crate::syntax::parse_sql;
use crate::text::TextRange;

use super::index::{project_index, NodeInfo, ProjectIndex};
use super::render::{
    ephemeral_models_that_run, model_cycles, model_materialization, model_template, rendered_model,
};

/// A model's analysis; ranges are in the model's template file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelAnalysis {
    pub output: RelationSchema,
    pub gems: Vec<Gem>,
    pub diagnostics: Vec<Diagnostic>,
    /// Statement-level lineage influences (filters, join keys, group keys).
    pub influences: Vec<crate::lineage::Edge>,
    /// Every CTE of the model (nested ones too), for composing gem lineage.
    pub gem_defs: Vec<(String, RelationSchema)>,
    /// The relations the model reads in FROM (lower-case, as lineage names
    /// them): a search across models for what reads a column (references,
    /// rename, what a change breaks) asks for the editor's facts
    /// (`model_ide_facts`) of the models that read its relation only.
    pub relations_read: Vec<String>,
    /// Relation names in FROM (ranges in the template).
    pub tables: Vec<crate::schema::TableUse>,
    /// Why the model's columns are unknown when no analysis could be made
    /// (its SQL depends on warehouse queries that nothing answered).
    pub unknown_because: Option<String>,
}

#[salsa::tracked(returns(ref))]
pub fn seed_schema(db: &dyn Db, project: Project, file: SourceFile) -> Arc<RelationSchema> {
    let index = project_index(db, project);
    let column_types = index
        .node_for_file(file)
        .map(|n| n.config.column_types.clone())
        .unwrap_or_default();
    Arc::new(
        infer_seed_schema(file.text(db), &column_types, project.settings(db).dialect)
            .unwrap_or_else(|_| RelationSchema::unknown()),
    )
}

/// A model's output columns: the point where unchanged schemas stop the
/// wave of recomputation. Inside a dependency cycle the schema is unknown.
#[salsa::tracked(returns(ref), cycle_result = schema_in_cycle)]
pub fn model_schema(db: &dyn Db, project: Project, file: SourceFile) -> Arc<RelationSchema> {
    Arc::new(model_analysis(db, project, file).output.clone())
}

/// A snapshot's query columns, then the ones dbt adds to its table.
fn add_snapshot_columns(
    output: &mut RelationSchema,
    node: &NodeInfo,
    rendered: &RenderedModel,
    dialect: crate::syntax::Dialect,
) {
    let config =
        super::snapshot::effective_snapshot_config(&node.config.snapshot, &rendered.config);
    let meta = super::snapshot::snapshot_meta_columns(output, &config, dialect);
    Arc::make_mut(&mut output.columns).extend(meta);
}

fn analysis_in_cycle(
    _db: &dyn Db,
    _id: salsa::Id,
    _project: Project,
    _file: SourceFile,
) -> Arc<ModelAnalysis> {
    Arc::new(ModelAnalysis {
        output: RelationSchema::unknown(),
        ..Default::default()
    })
}

fn schema_in_cycle(
    _db: &dyn Db,
    _id: salsa::Id,
    _project: Project,
    _file: SourceFile,
) -> Arc<RelationSchema> {
    Arc::new(RelationSchema::unknown())
}

/// The columns a fabric described of a source, else those its YAML
/// declares. Declared columns are the ones its YAML documents, often not
/// all the table has: the relation stays open to others (reading one is a
/// warning, see [`RelationLookup::documented_columns`]); a fabric's are all.
fn declared_source_schema(
    source: &crate::project::SourceTable,
    catalog: &crate::project::WarehouseCatalog,
) -> Lookup {
    match catalog.source_schema(source) {
        Some(mut schema) => {
            schema.open = catalog.only_documented(source);
            Lookup::Found(Arc::new(schema))
        }
        None => Lookup::Opaque,
    }
}

/// Resolves the relations a model reads.
struct ModelLookup<'a> {
    db: &'a dyn Db,
    project: Project,
    index: &'a ProjectIndex,
    rendered: &'a RenderedModel,
    assumed: &'a [(SourceFile, Arc<RelationSchema>)],
}

/// The columns a seed, model or snapshot builds; a Python model's (and a
/// snapshot's of a file of several) are unknown. Inside a cycle, salsa's
/// fallback makes a model's unknown too.
pub fn node_output(db: &dyn Db, project: Project, node: &NodeInfo) -> Arc<RelationSchema> {
    yaml_snapshot_output(db, project, node, 0)
}

/// A Python model's columns as its properties declare them (Loupe does not
/// read Python): open to others unless its contract is enforced.
fn declared_python_model_schema(
    db: &dyn Db,
    project: Project,
    node: &NodeInfo,
) -> Option<RelationSchema> {
    if node.file_kind != crate::project::FileKind::PythonModel {
        return None;
    }
    let index = project_index(db, project);
    let (_, props) = index.properties.get(&node.name.to_lowercase())?;
    if props.columns.is_empty() {
        return None;
    }
    let columns = props
        .columns
        .iter()
        .map(|(name, ty, _)| {
            crate::schema::Column::new(
                name.clone(),
                ty.clone().unwrap_or(crate::types::SqlType::Unknown),
            )
        })
        .collect();
    let mut schema = RelationSchema::closed(columns);
    schema.open = node.config.contract_enforced != Some(true);
    Some(schema)
}

/// Snapshots defined in YAML read their relation's columns; one of another
/// such snapshot reads it in turn, this many deep at most (a cycle of them
/// is a project error dbt reports).
const MAX_SNAPSHOT_CHAIN: usize = 16;

fn yaml_snapshot_output(
    db: &dyn Db,
    project: Project,
    node: &NodeInfo,
    depth: usize,
) -> Arc<RelationSchema> {
    if let Some(of) = &node.snapshot_of {
        let index = project_index(db, project);
        let query = match super::snapshot::relation_call(of) {
            _ if depth >= MAX_SNAPSHOT_CHAIN => None,
            Some(Call::Ref { package, name }) => {
                ref_target(db, project, index, &name, package.as_deref())
                    .map(|target| yaml_snapshot_output(db, project, target, depth + 1))
            }
            Some(Call::Source { source, table }) => index
                .sources
                .get(&(source.to_lowercase(), table.to_lowercase()))
                .and_then(|s| {
                    let catalog = project.catalog(db);
                    match index.node_read_through_source(s, catalog) {
                        Some(n) => Some(yaml_snapshot_output(db, project, n, depth + 1)),
                        None => match declared_source_schema(s, catalog) {
                            Lookup::Found(schema) => Some(schema),
                            _ => None,
                        },
                    }
                }),
            None => None,
        };
        let mut output = query.map_or_else(RelationSchema::unknown, |q| (*q).clone());
        let meta = super::snapshot::snapshot_meta_columns(
            &output,
            &node.config.snapshot,
            project.settings(db).dialect,
        );
        Arc::make_mut(&mut output.columns).extend(meta);
        return Arc::new(output);
    }
    if node.opaque {
        Arc::new(
            declared_python_model_schema(db, project, node).unwrap_or_else(RelationSchema::unknown),
        )
    } else if node.is_seed {
        seed_schema(db, project, node.file).clone()
    } else {
        model_schema(db, project, node.file).clone()
    }
}

impl ModelLookup<'_> {
    fn node_schema(&self, node: &NodeInfo) -> Lookup {
        if node.opaque && node.snapshot_of.is_none() {
            // A Python model read by its declared columns, if it declares any.
            let declared = node_output(self.db, self.project, node);
            return if declared.columns.is_empty() && declared.open {
                Lookup::Opaque
            } else {
                Lookup::Found(declared)
            };
        }
        if let Some((_, schema)) = self.assumed.iter().find(|(f, _)| *f == node.file) {
            return Lookup::Found(schema.clone());
        }
        Lookup::Found(node_output(self.db, self.project, node))
    }
}

impl ModelLookup<'_> {
    /// A source's columns: its YAML's, else what a fabric said, else those
    /// of the project's own node built into the same relation (sources that
    /// read the project's seeds, a common way to load raw data).
    fn source_schema(&self, source: &crate::project::SourceTable) -> Lookup {
        let catalog = self.project.catalog(self.db);
        match self.index.node_read_through_source(source, catalog) {
            Some(node) => self.node_schema(node),
            None => declared_source_schema(source, catalog),
        }
    }
}

impl ModelLookup<'_> {
    /// The `ref()` or `source()` call rendered at `range`.
    fn call_at(&self, range: TextRange) -> Option<&Call> {
        self.rendered
            .calls
            .iter()
            .find(|c| {
                c.range
                    .is_some_and(|r| r.start <= range.start && range.start < r.end.max(r.start + 1))
            })
            .map(|c| &c.call)
    }

    /// The declared source a FROM name at `range` reads: by `source()`, or
    /// by its relation's name.
    fn source_read(
        &self,
        parts: &[String],
        range: TextRange,
    ) -> Option<&crate::project::SourceTable> {
        match self.call_at(range) {
            Some(Call::Source { source, table }) => self
                .index
                .sources
                .get(&(source.to_lowercase(), table.to_lowercase())),
            Some(Call::Ref { .. }) => None,
            None => match parts {
                [.., schema, name] if self.index.node_by_relation(schema, name).is_none() => {
                    self.index.source_by_relation(schema, name)
                }
                _ => None,
            },
        }
    }
}

impl RelationLookup for ModelLookup<'_> {
    fn lookup(&self, parts: &[String], range: TextRange) -> Lookup {
        if let Some(call) = self.call_at(range) {
            return match call {
                Call::Ref { package, name } => {
                    match ref_target(self.db, self.project, self.index, name, package.as_deref()) {
                        Some(node) => self.node_schema(node),
                        None => Lookup::Opaque,
                    }
                }
                Call::Source { .. } => match self.source_read(parts, range) {
                    Some(s) => self.source_schema(s),
                    None => Lookup::Opaque,
                },
            };
        }
        // A relation written by name.
        match parts {
            // The system catalog comes first in Postgres's and Redshift's search path.
            [name]
                if crate::catalog::is_system_relation(
                    self.project.settings(self.db).dialect,
                    name,
                ) =>
            {
                Lookup::Opaque
            }
            [name] => {
                if let Some(node) = self.index.node(name, None) {
                    return if node.is_seed {
                        self.node_schema(node)
                    } else {
                        Lookup::Opaque
                    };
                }
                Lookup::NotFound
            }
            [.., schema, name] => {
                if let Some(node) = self.index.node_by_relation(schema, name) {
                    return if node.is_seed {
                        self.node_schema(node)
                    } else {
                        Lookup::Opaque
                    };
                }
                let catalog = self.project.catalog(self.db);
                if let Some(s) = self.index.source_by_relation(schema, name) {
                    return self.source_schema(s);
                }
                // A warehouse table the project does not describe: what a
                // fabric said of it, else unknown columns.
                catalog
                    .schema(schema, name)
                    .map_or(Lookup::Opaque, |s| Lookup::Found(Arc::new(s)))
            }
            [] => Lookup::Opaque,
        }
    }

    fn candidates(&self) -> Vec<String> {
        self.index.names().map(str::to_string).collect()
    }

    fn documented_columns(&self, parts: &[String], range: TextRange) -> Option<String> {
        let source = self.source_read(parts, range)?;
        if !self.project.catalog(self.db).only_documented(source) {
            return None;
        }
        let declared = source.columns.as_ref()?;
        let key = (source.source.to_lowercase(), source.table.to_lowercase());
        let file = self.index.source_files.get(&key)?;
        Some(format!(
            "the {} column{} declared for source `{}.{}` in {}",
            declared.len(),
            if declared.len() == 1 { "" } else { "s" },
            source.source,
            source.table,
            file.path(self.db)
        ))
    }

    /// Lineage names a ref by its model or seed, and a source as `source.table`.
    fn display_name(&self, _parts: &[String], range: TextRange) -> Option<String> {
        Some(match self.call_at(range)? {
            Call::Ref { package, name } => {
                ref_target(self.db, self.project, self.index, name, package.as_deref())
                    .map_or_else(|| name.clone(), |n| n.name.clone())
            }
            Call::Source { source, table } => format!("{source}.{table}"),
        })
    }
}

impl ModelAnalysis {
    /// Whether the model reads `relation` (named as lineage names it, in any
    /// case) in a FROM: else none of its column references reads it.
    pub fn reads_relation(&self, relation: &str) -> bool {
        self.relations_read
            .binary_search(&relation.to_lowercase())
            .is_ok()
    }
}

/// The columns a Spark table of the model is partitioned by, when its
/// format puts them last (`create table ... using parquet partitioned by
/// (p)`: Spark stores them after the others, in that order). Delta,
/// Iceberg and Hudi tables keep the query's order, as views do.
fn spark_partition_columns(
    adapter: &str,
    rendered: &RenderedModel,
    node: Option<&NodeInfo>,
) -> Option<Vec<String>> {
    let default_format = match adapter {
        // dbt-spark writes no USING then: a Hive table, partitions last too.
        "spark" => "hive",
        "databricks" => "delta",
        _ => return None,
    };
    let config = node.map(|n| &n.config);
    let materialized = rendered
        .config
        .get("materialized")
        .map(String::as_str)
        .or_else(|| config.and_then(|c| c.materialized.as_deref()));
    if !matches!(materialized, Some("table" | "incremental")) {
        return None;
    }
    let format = rendered
        .config
        .get("file_format")
        .map(String::as_str)
        .or_else(|| config.and_then(|c| c.file_format.as_deref()))
        .unwrap_or(default_format)
        .to_ascii_lowercase();
    if matches!(format.as_str(), "delta" | "iceberg" | "hudi") {
        return None;
    }
    match rendered.config.get("partition_by") {
        // `partition_by=['a', 'b']` reaches the config as `["a", "b"]`.
        Some(text) => Some(
            text.trim_matches(['[', ']'])
                .split(',')
                .map(|c| c.trim().trim_matches(['"', '\'', '`']).to_string())
                .filter(|c| !c.is_empty())
                .collect(),
        ),
        None => config.and_then(|c| c.partition_by.clone()),
    }
}

/// Moves the partition columns after the others, in the order partitioned by.
fn put_partition_columns_last(output: &mut RelationSchema, partition: &[String]) {
    let columns = Arc::make_mut(&mut output.columns);
    let mut last = Vec::new();
    for name in partition {
        if let Some(i) = columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
        {
            last.push(columns.remove(i));
        }
    }
    columns.extend(last);
}

#[salsa::tracked(returns(ref), cycle_result = analysis_in_cycle)]
pub fn model_analysis(db: &dyn Db, project: Project, file: SourceFile) -> Arc<ModelAnalysis> {
    Arc::new(analyze_model_file(db, project, file, None))
}

/// The editor's facts of a model (column references, stars, scopes,
/// aliases), with ranges in the template. A second analysis of the model:
/// only files the editor has open, and the models a search across the
/// project finds reading a relation, ask for them, so checking and tracing
/// a whole project neither builds nor keeps them.
#[salsa::tracked(returns(ref))]
pub fn model_ide_facts(db: &dyn Db, project: Project, file: SourceFile) -> Arc<IdeFacts> {
    let mut facts = IdeFacts::default();
    analyze_model_file(db, project, file, Some(&mut facts));
    Arc::new(facts)
}

/// The analysis of the model as its file reads, the editor's facts to `ide`
/// when given.
fn analyze_model_file(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    ide: Option<&mut IdeFacts>,
) -> ModelAnalysis {
    let rendered = rendered_model(db, project, file);
    let template = model_template(db, file);
    analyze_model_text(db, project, file, &template, rendered, &[], ide)
}

/// The analysis of `template` as the model in `file` (not memoized: for text
/// the editor has not written yet). `assumed` stands in for the outputs of
/// some models (a proposed edit of one, and what it changes downstream, seen
/// from a model that reads them). The editor's facts go to `ide` when given.
pub fn analyze_model_text(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    template: &str,
    rendered: &RenderedModel,
    assumed: &[(SourceFile, Arc<RelationSchema>)],
    mut ide: Option<&mut IdeFacts>,
) -> ModelAnalysis {
    let index = project_index(db, project);
    let node = index.node_for_file(file);
    let model_name = node.map_or_else(|| file.path(db).clone(), |n| n.name.clone());
    let mut analysis = ModelAnalysis {
        output: RelationSchema::unknown(),
        ..Default::default()
    };
    let disabled = is_disabled(rendered, node);
    let tag_diag = |d: &mut Diagnostic| {
        if d.gem.is_none() {
            d.gem = Some(model_name.clone());
        }
    };

    let warehouse_dependent = warehouse_dependent(rendered);
    let unknown_because = |what: &str| {
        format!(
            "its SQL is built from warehouse queries (`{what}`) that no fabric answered; run `loupe catalog` or pick a fabric to know them"
        )
    };
    if let Some(error) = &rendered.error {
        if let Some(what) = &warehouse_dependent {
            analysis.unknown_because = Some(unknown_because(what));
            return analysis;
        }
        analysis.diagnostics.push(jinja_error(error));
        return analysis;
    }
    if !disabled {
        call_diagnostics(&mut analysis.diagnostics, index, rendered, template);
        analysis
            .diagnostics
            .extend(missing_var_diagnostics(rendered, template));
    }

    let sql = &rendered.sql;
    if !sql.trim().is_empty() {
        let dialect = project.settings(db).dialect;
        match parse_sql(sql, dialect) {
            Err(e) if warehouse_dependent.is_some() && !e.too_complex => {}
            Err(e) => analysis.diagnostics.push(Diagnostic::new(
                if e.too_complex {
                    Code::TooComplex
                } else {
                    Code::SyntaxError
                },
                rendered.source_map.to_template(e.range, template),
                e.message,
            )),
            Ok(statements) => {
                let lookup = ModelLookup {
                    db,
                    project,
                    index,
                    rendered,
                    assumed,
                };
                // Tests and analyses are never created: only models are.
                let refuses_duplicates = dialect.refuses_duplicate_columns()
                    && node.is_some_and(|n| n.is_sql_model())
                    && model_materialization(db, project, file).as_deref() != Some("ephemeral");
                for (i, statement) in statements.iter().enumerate() {
                    let result = analyze_statement(
                        statement,
                        sql,
                        &lookup,
                        &model_name,
                        dialect,
                        ide.is_some(),
                    );
                    for mut d in result.diagnostics {
                        d.range = rendered.source_map.to_template(d.range, template);
                        analysis.diagnostics.push(d);
                    }
                    if refuses_duplicates && i + 1 == statements.len() {
                        for (name, range) in &result.duplicate_outputs {
                            analysis.diagnostics.push(Diagnostic::new(
                                Code::DuplicateColumn,
                                rendered.source_map.to_template(*range, template),
                                format!(
                                    "column `{name}` is already in the model's output: {} refuses to create a view or table with two columns of one name; rename one",
                                    dialect.engine_name()
                                ),
                            ));
                        }
                    }
                    analysis.gems = result
                        .gems
                        .into_iter()
                        .map(|mut g| {
                            g.range = rendered.source_map.to_template(g.range, template);
                            g.body = rendered.source_map.to_template(g.body, template);
                            g
                        })
                        .collect();
                    analysis.output = result.output;
                    // The model is created as a view or table (or inlined as a CTE).
                    if dialect == crate::syntax::Dialect::DuckDb {
                        crate::schema::output_names::rename_duplicates_as_duckdb(
                            &mut analysis.output,
                        );
                    }
                    let adapter = project.settings(db).target.adapter.as_str();
                    if let Some(partition) = spark_partition_columns(adapter, rendered, node) {
                        put_partition_columns_last(&mut analysis.output, &partition);
                    }
                    if let Some(node) =
                        node.filter(|n| n.file_kind == crate::project::FileKind::Snapshot)
                    {
                        add_snapshot_columns(&mut analysis.output, node, rendered, dialect);
                    }
                    analysis.influences = result.influences;
                    analysis.gem_defs = result.gem_defs;
                    let map = |r: TextRange| rendered.source_map.to_template(r, template);
                    analysis.relations_read = result.relations_read;
                    if let Some(ide) = ide.as_deref_mut() {
                        *ide = result.ide;
                        ide.references
                            .iter_mut()
                            .for_each(|r| r.range = map(r.range));
                        ide.stars.iter_mut().for_each(|s| s.0 = map(s.0));
                        ide.scopes.iter_mut().for_each(|s| s.range = map(s.range));
                        ide.aliases.iter_mut().for_each(|a| a.0 = map(a.0));
                        ide.derived.iter_mut().for_each(|d| {
                            d.0 = map(d.0);
                            d.1 = map(d.1);
                        });
                        ide.group_by_ends.iter_mut().for_each(|g| {
                            g.0 = map(g.0);
                            g.1 = map(TextRange::new(g.1.saturating_sub(1), g.1)).end;
                        });
                    }
                    analysis.tables = result
                        .tables
                        .into_iter()
                        .map(|mut t| {
                            t.range = map(t.range);
                            t
                        })
                        .collect();
                }
            }
        }
    }
    // Built from warehouse answers Loupe did not have: what the SQL says is
    // partial, so it raises nothing and its columns are only a known part.
    if let Some(what) = &warehouse_dependent {
        analysis.unknown_because = Some(unknown_because(what));
        analysis.output.open = true;
        analysis
            .diagnostics
            .retain(|d| d.severity != crate::diagnostics::Severity::Error);
    }
    // dbt stops at a var with no value: the SQL printed without it is not
    // what dbt compiles, so its errors are the var's (warned above), and
    // what it reads of its inputs and gives downstream is only a part.
    if !rendered.missing_vars.is_empty() {
        analysis.output.open = true;
        analysis.diagnostics.retain(|d| {
            d.severity != crate::diagnostics::Severity::Error
                || matches!(d.code, Code::UnknownRef | Code::UnknownSource)
        });
    }
    if disabled {
        analysis.diagnostics.retain(|d| d.code == Code::JinjaError);
    }
    for d in &mut analysis.diagnostics {
        tag_diag(d);
    }
    analysis
        .diagnostics
        .sort_by_key(|d| (d.range.start, d.code));
    analysis.diagnostics.dedup();
    analysis
}

/// Whether dbt leaves the model in `file` out of its DAG.
pub(crate) fn model_is_disabled(db: &dyn Db, project: Project, file: SourceFile) -> bool {
    let node = project_index(db, project).node_for_file(file);
    is_disabled(rendered_model(db, project, file), node)
}

/// Whether dbt leaves `node` out of its DAG: a model by its config (its
/// file's `config()` included), a seed or snapshot by its project's.
pub(crate) fn node_is_disabled(db: &dyn Db, project: Project, node: &NodeInfo) -> bool {
    if node.is_sql_model() {
        model_is_disabled(db, project, node.file)
    } else {
        node.config.enabled == Some(false)
    }
}

/// The node a `ref()` reaches as dbt picks it: of several with the name
/// (twin models, each enabled for its own target), an enabled one.
pub(crate) fn ref_target<'a>(
    db: &dyn Db,
    project: Project,
    index: &'a ProjectIndex,
    name: &str,
    package: Option<&str>,
) -> Option<&'a NodeInfo> {
    match index.nodes_named(name, package).as_slice() {
        [] => None,
        [only] => Some(*only),
        nodes @ [first, ..] => Some(
            nodes
                .iter()
                .find(|n| !node_is_disabled(db, project, n))
                .unwrap_or(first),
        ),
    }
}

/// dbt leaves disabled models out of the DAG: only their templates can fail.
fn is_disabled(rendered: &RenderedModel, node: Option<&NodeInfo>) -> bool {
    match rendered.config.get("enabled") {
        Some(text) => crate::project::ModelConfig::is_false(text),
        None => node.is_some_and(|n| n.config.enabled == Some(false)),
    }
}

/// SQL printed from warehouse queries that nothing answered may be empty or
/// broken where a warehouse would fill it in: such a model's columns are
/// unknown, and its render or parse failing is not the user's error.
fn warehouse_dependent(rendered: &RenderedModel) -> Option<String> {
    rendered.queried_warehouse.clone().or_else(|| {
        rendered
            .wants_columns
            .then(|| "adapter.get_columns_in_relation".into())
    })
}

/// Two enabled models of one package with one name; dbt accepts twins of
/// which at most one is enabled (a model per target or per feature flag).
fn duplicate_model_diagnostic(
    db: &dyn Db,
    project: Project,
    index: &ProjectIndex,
    node: &NodeInfo,
) -> Option<Diagnostic> {
    if node.is_seed || !index.duplicates.contains(&node.name.to_lowercase()) {
        return None;
    }
    let twin_enabled = index
        .nodes_named(&node.name, Some(&node.package))
        .into_iter()
        .filter(|n| n.file != node.file && n.package == node.package && n.is_sql_model())
        .any(|n| !node_is_disabled(db, project, n));
    if !twin_enabled || node_is_disabled(db, project, node) {
        return None;
    }
    Some(Diagnostic::new(
        Code::DuplicateModel,
        TextRange::empty(0),
        format!(
            "another model in package `{}` is also named `{}`",
            node.package, node.name
        ),
    ))
}

/// Vars read with no value and no default. dbt parses such a model (a var
/// reads as none while parsing) but its compile and run stop on it; a
/// warning, since a job may pass the value with `--vars`.
fn missing_var_diagnostics(rendered: &RenderedModel, template: &str) -> Vec<Diagnostic> {
    rendered
        .missing_vars
        .iter()
        .map(|name| {
            let mut d = Diagnostic::new(
                Code::JinjaError,
                tag_with_text(template, name),
                format!(
                    "var `{name}` has no value and no default: neither dbt_project.yml nor --vars sets it, and `dbt compile` and `dbt run` stop here (\"Required var '{name}' not found in config\"); give it a value in dbt_project.yml's `vars:` or a default (`var('{name}', ...)`)"
                ),
            );
            d.severity = crate::diagnostics::Severity::Warning;
            d
        })
        .collect()
}

/// An enabled model built as the same relation as another enabled node
/// (an alias, schema or seed that names it too): dbt stops at parse ("dbt
/// found two resources with the database representation ..."), ephemeral
/// models included, comparing the names exactly as written.
fn shared_relation_diagnostic(
    db: &dyn Db,
    project: Project,
    index: &ProjectIndex,
    node: &NodeInfo,
    template: &str,
) -> Option<Diagnostic> {
    let others: Vec<&NodeInfo> = index
        .nodes_sharing_relation(node)
        .into_iter()
        .filter(|n| !node_is_disabled(db, project, n))
        .collect();
    // One pair is an alias or schema set twice (what an edit makes); more
    // nodes on one relation are a naming macro Loupe reads otherwise than
    // dbt (one reading config it is not given), not the user's error.
    let [other] = others.as_slice() else {
        return None;
    };
    let (schema, identifier) = &node.relation;
    let relation = if node.database.is_empty() {
        format!("{schema}.{identifier}")
    } else {
        format!("{}.{schema}.{identifier}", node.database)
    };
    let kind = match other.file_kind {
        crate::project::FileKind::Seed => "seed",
        crate::project::FileKind::Snapshot => "snapshot",
        _ => "model",
    };
    Some(Diagnostic::new(
        Code::DuplicateModel,
        tag_with_text(template, "alias"),
        format!(
            "`{}` is built as `{relation}`, and so is {kind} `{}` ({}): dbt refuses two resources with one database representation; give one of them another alias or schema",
            node.name,
            other.name,
            other.file.path(db)
        ),
    ))
}

fn jinja_error(error: &crate::jinja::JinjaError) -> Diagnostic {
    Diagnostic::new(Code::JinjaError, error.range, error.message.clone())
}

/// What `analyze_model_text` keeps of a disabled model, without analysing its
/// SQL (most models of a package gated by vars are disabled).
fn disabled_model_diagnostics(node: &NodeInfo, rendered: &RenderedModel) -> Vec<Diagnostic> {
    let jinja = rendered
        .error
        .as_ref()
        .filter(|_| warehouse_dependent(rendered).is_none())
        .map(jinja_error);
    let mut out: Vec<Diagnostic> = jinja.into_iter().collect();
    for d in &mut out {
        d.gem = Some(node.name.clone());
    }
    out
}

/// `ref()`s of an enabled model that reach only disabled nodes: dbt stops
/// at parse ("depends on a node named `x` which is disabled").
fn refs_to_disabled_nodes(
    db: &dyn Db,
    project: Project,
    index: &ProjectIndex,
    rendered: &RenderedModel,
    template: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for call in &rendered.calls {
        let Call::Ref { package, name } = &call.call else {
            continue;
        };
        let nodes = index.nodes_named(name, package.as_deref());
        if nodes.is_empty() || !nodes.iter().all(|n| node_is_disabled(db, project, n)) {
            continue;
        }
        let kind = if nodes[0].is_seed { "seed" } else { "model" };
        out.push(Diagnostic::new(
            Code::UnknownRef,
            call_range(rendered, call, template, name),
            format!(
                "`ref('{name}')`: {kind} `{}` is disabled (`enabled: false` in its config), and dbt stops when an enabled model depends on a disabled one; enable it, or disable this model as well",
                nodes[0].name
            ),
        ));
    }
    out
}

/// Unknown refs and sources, and refs that close a cycle.
fn call_diagnostics(
    out: &mut Vec<Diagnostic>,
    index: &ProjectIndex,
    rendered: &RenderedModel,
    template: &str,
) {
    let mut hints = HintBudget::default();
    for call in &rendered.calls {
        let range = |needle: &str| call_range(rendered, call, template, needle);
        match &call.call {
            Call::Ref { package, name } => {
                if index.node(name, package.as_deref()).is_none() {
                    let hint = hints
                        .spend(index.name_count())
                        .then(|| did_you_mean_hint(name, index.names()))
                        .unwrap_or_default();
                    out.push(Diagnostic::new(
                        Code::UnknownRef,
                        range(name),
                        format!("`ref('{name}')`: no model or seed named `{name}`{hint}"),
                    ));
                }
            }
            Call::Source { source, table } => {
                if index
                    .sources
                    .contains_key(&(source.to_lowercase(), table.to_lowercase()))
                {
                    continue;
                }
                let known_source = index
                    .sources
                    .keys()
                    .any(|(s, _)| s.eq_ignore_ascii_case(source));
                let hinted = hints.spend(index.sources.len());
                let message = if known_source {
                    let tables = index
                        .sources
                        .iter()
                        .filter(|((s, _), _)| s.eq_ignore_ascii_case(source))
                        .map(|(_, t)| t.table.as_str());
                    let hint = hinted
                        .then(|| did_you_mean_hint(table, tables))
                        .unwrap_or_default();
                    format!("source `{source}` has no table `{table}`{hint}")
                } else {
                    let names = index.sources.values().map(|s| s.source.as_str());
                    let hint = hinted
                        .then(|| did_you_mean_hint(source, names))
                        .unwrap_or_default();
                    format!("no source named `{source}` is declared{hint}")
                };
                out.push(Diagnostic::new(Code::UnknownSource, range(table), message));
            }
        }
    }
}

/// Where a ref/source call stands in the template: the tag that printed it.
fn call_range(
    rendered: &RenderedModel,
    call: &crate::jinja::RenderedRef,
    template: &str,
    needle: &str,
) -> TextRange {
    match call.range {
        Some(r) => rendered.source_map.to_template(r, template),
        None => tag_with_text(template, needle),
    }
}

/// A model's diagnostics with what needs the whole DAG: cycles, and
/// ephemeral models that never run.
#[salsa::tracked(returns(ref))]
pub fn model_diagnostics(db: &dyn Db, project: Project, file: SourceFile) -> Arc<Vec<Diagnostic>> {
    let index = project_index(db, project);
    let rendered = rendered_model(db, project, file);
    let node = index.node_for_file(file);
    let disabled = node.filter(|n| is_disabled(rendered, Some(n)));
    let mut out = match disabled {
        Some(node) => disabled_model_diagnostics(node, rendered),
        None => model_analysis(db, project, file).diagnostics.clone(),
    };
    let Some(node) = node else {
        return Arc::new(out);
    };
    let template = &*model_template(db, file);
    if disabled.is_none() {
        let mut found: Vec<Diagnostic> = duplicate_model_diagnostic(db, project, index, node)
            .or_else(|| shared_relation_diagnostic(db, project, index, node, template))
            .into_iter()
            .chain(refs_to_disabled_nodes(
                db, project, index, rendered, template,
            ))
            .collect();
        for d in &mut found {
            d.gem = Some(node.name.clone());
        }
        out.extend(found);
    }
    let cycles = model_cycles(db, project);
    if let Some(next) = cycles.next.get(&node.name) {
        let call = rendered.calls.iter().find(|c| {
            matches!(&c.call, Call::Ref { package, name } if index.node(name, package.as_deref()).is_some_and(|t| &t.name == next))
        });
        if let Some(call) = call {
            let mut d = Diagnostic::new(
                Code::ModelCycle,
                call_range(rendered, call, template, next),
                format!(
                    "`{}` and `{next}` depend on each other in a cycle",
                    node.name
                ),
            );
            d.gem = Some(node.name.clone());
            out.push(d);
        }
    }
    // An ephemeral model that no materialized model uses never runs, so the
    // engine never parses it.
    let ephemeral = model_materialization(db, project, file).as_deref() == Some("ephemeral");
    if ephemeral && !ephemeral_models_that_run(db, project).contains(&node.name) {
        for d in out.iter_mut().filter(|d| d.code == Code::SyntaxError) {
            d.severity = crate::diagnostics::Severity::Warning;
            d.message.push_str(
                " (an ephemeral model that no materialized model uses, so it never runs)",
            );
        }
    }
    out.sort_by_key(|d| (d.range.start, d.code));
    Arc::new(out)
}

/// The Jinja tag that mentions `needle` (for calls that printed nothing).
fn tag_with_text(template: &str, needle: &str) -> TextRange {
    crate::jinja::source_map::scan_tags(template)
        .into_iter()
        .find(|t| template[t.range.start..t.range.end].contains(needle))
        .map_or(TextRange::empty(0), |t| t.range)
}

/// The scopes at a cursor in SQL that does not parse (half-typed): a
/// placeholder goes in at the cursor and dangling words at the end are
/// dropped, then the statement is analyzed once, outside the database.
pub fn scopes_at_cursor(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: usize,
) -> Vec<crate::schema::ScopeInfo> {
    const PLACEHOLDER: &str = "__loupe_cursor";
    let index = project_index(db, project);
    let rendered = rendered_model(db, project, file);
    let template = &*model_template(db, file);
    let Some(at) = rendered.source_map.to_rendered(offset, rendered.sql.len()) else {
        return Vec::new();
    };
    let mut sql = rendered.sql.clone();
    sql.insert_str(at, PLACEHOLDER);
    let shift = |r: TextRange| {
        let s = |p: usize| if p >= at { p + PLACEHOLDER.len() } else { p };
        TextRange::new(s(r.start), s(r.end))
    };
    let mut shifted = (**rendered).clone();
    for call in &mut shifted.calls {
        call.range = call.range.map(shift);
    }
    let dialect = project.settings(db).dialect;
    let mut statements = parse_sql(&sql, dialect).ok();
    // Drop what dangles at the end (`where`, `and`, a trailing comma) until it parses.
    let mut end = sql.len();
    for _ in 0..4 {
        if statements.is_some() {
            break;
        }
        let trimmed = sql[..end].trim_end();
        let cut = trimmed
            .rfind(|c: char| c.is_whitespace() || c == ',')
            .map_or(0, |i| i)
            .max(at + PLACEHOLDER.len());
        if cut >= end {
            break;
        }
        end = cut;
        statements = parse_sql(&sql[..end], dialect).ok();
    }
    let Some(statements) = statements else {
        return Vec::new();
    };
    let text = &sql[..end];
    let lookup = ModelLookup {
        db,
        project,
        index,
        rendered: &shifted,
        assumed: &[],
    };
    let unshift = |p: usize| {
        if p >= at + PLACEHOLDER.len() {
            p - PLACEHOLDER.len()
        } else {
            p.min(at)
        }
    };
    let mut scopes = Vec::new();
    for statement in &statements {
        let result = analyze_statement(statement, text, &lookup, "cursor", dialect, true);
        for mut scope in result.ide.scopes {
            let r = TextRange::new(unshift(scope.range.start), unshift(scope.range.end));
            scope.range = rendered.source_map.to_template(r, template);
            scopes.push(scope);
        }
    }
    scopes
}
