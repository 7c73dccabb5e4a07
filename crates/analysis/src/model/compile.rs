//! Compiling a gem to SQL a fabric can run on its own: the model up to that
//! gem, with every upstream model inlined as a CTE (no prior build needed),
//! seeds named as tables the fabric loads from their CSVs, sources as they are.

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{Cte, Ident, Query, Statement, TableAlias, With};

use crate::db::{Db, Project, SourceFile};
use crate::jinja::Call;
use crate::schema::RelationSchema;
use crate::syntax::{parse_sql, CteInsertion};
use crate::text::TextRange;

use super::analysis::seed_schema;
use super::index::project_index;
use super::render::{model_materialization, rendered_model};

/// A seed the fabric must have as a table before the SQL runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedTable {
    pub schema: String,
    pub table: String,
    /// The CSV's path relative to the project root.
    pub csv: String,
    pub columns: RelationSchema,
}

/// The SQL of a gem, ready for a fabric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledGem {
    pub sql: String,
    pub seeds: Vec<SeedTable>,
}

/// Where a gem's upstream models come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Upstream {
    /// Inlined from their SQL: nothing needs building first.
    #[default]
    Inline,
    /// Already built in the fabric's database (ephemeral models are still inlined).
    Built,
}

/// Compiles `gem` of the model in `file` (its final SELECT when `None`).
pub fn compile_gem(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    gem: Option<&str>,
    upstream_from: Upstream,
) -> Result<CompiledGem, String> {
    let mut upstream: Vec<(String, Query)> = Vec::new();
    let mut seeds = Vec::new();
    let mut visiting = Vec::new();
    let mut inliner = Inliner {
        upstream_from,
        upstream: &mut upstream,
        seeds: &mut seeds,
        visiting: &mut visiting,
    };
    let mut query = inliner.inline_model(db, project, file)?;
    if let Some(gem) = gem.filter(|g| !gem_is_final(db, project, file, Some(g))) {
        let own = query
            .with
            .as_ref()
            .map(|w| w.cte_tables.as_slice())
            .unwrap_or(&[]);
        if !own
            .iter()
            .any(|c| c.alias.name.value.eq_ignore_ascii_case(gem))
        {
            return Err(format!("the model has no gem named `{gem}`"));
        }
        // The model up to that gem: its CTEs, then the gem's rows.
        let select = parse_sql(
            &format!("select * from {gem}"),
            project.settings(db).dialect,
        )
        .map_err(|e| e.message)?;
        let Some(Statement::Query(q)) = select.into_iter().next() else {
            return Err("cannot build the gem's query".into());
        };
        query.body = q.body;
        query.order_by = None;
        query.limit_clause = None;
    }
    let mut ctes: Vec<Cte> = upstream
        .into_iter()
        .map(|(name, q)| cte(&name, q))
        .collect();
    let recursive = query.with.as_ref().is_some_and(|w| w.recursive);
    if let Some(with) = query.with.take() {
        ctes.extend(with.cte_tables);
    }
    if !ctes.is_empty() {
        query.with = Some(With {
            with_token: AttachedToken::empty(),
            recursive,
            cte_tables: ctes,
        });
    }
    Ok(CompiledGem {
        sql: query.to_string(),
        seeds,
    })
}

fn cte(name: &str, query: Query) -> Cte {
    Cte {
        alias: TableAlias {
            explicit: false,
            name: Ident::new(name),
            columns: Vec::new(),
            at: None,
        },
        query: Box::new(query),
        from: None,
        materialized: None,
        closing_paren_token: AttachedToken::empty(),
    }
}

/// A model compiled as `dbt compile` compiles it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledModel {
    pub sql: String,
    /// Where the ephemeral models' CTEs went into `sql`; the rest is the
    /// model's rendered SQL, line for line.
    pub injected: Option<TextRange>,
}

/// A model's SQL as `dbt compile` writes it: each `ref()` of an ephemeral
/// model names `__dbt__cte__<model>`, and the SQL of those models (after
/// their own ephemeral dependencies, each once) goes in as CTEs where dbt
/// injects them.
pub fn compile_model(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
) -> Result<CompiledModel, String> {
    let mut injected = Vec::new();
    let sql = ephemeral_ctes(db, project, file, &mut injected, &mut Vec::new())?;
    if injected.is_empty() {
        return Ok(CompiledModel {
            sql,
            injected: None,
        });
    }
    let ctes = injected
        .iter()
        .map(|(name, body)| format!(" {name} as (\n{body}\n)"))
        .collect::<Vec<_>>()
        .join(", ");
    let dialect = project.settings(db).dialect;
    let (at, text) = match crate::syntax::ephemeral_cte_insertion(dialect, &sql) {
        Some(CteInsertion::AfterWith(at)) => (at, format!("{ctes}, ")),
        Some(CteInsertion::BeforeFirstToken(at)) => (at, format!("with{ctes} ")),
        None => return Err(format!("{}: the SQL does not tokenize", file.path(db))),
    };
    let mut out = sql;
    out.insert_str(at, &text);
    Ok(CompiledModel {
        sql: out,
        injected: Some(TextRange::new(at, at + text.len())),
    })
}

/// The model's rendered SQL with its refs of ephemeral models renamed, and
/// those models' CTEs (dependencies first) added to `injected`.
fn ephemeral_ctes(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    injected: &mut Vec<(String, String)>,
    visiting: &mut Vec<SourceFile>,
) -> Result<String, String> {
    let index = project_index(db, project);
    let rendered = rendered_model(db, project, file);
    if let Some(e) = &rendered.error {
        return Err(format!("{}: {}", file.path(db), e.message));
    }
    if visiting.contains(&file) {
        return Err(format!(
            "{} is part of a cycle of ephemeral models",
            file.path(db)
        ));
    }
    visiting.push(file);
    let mut sql = rendered.sql.clone();
    let mut renamed = Vec::new();
    for call in &rendered.calls {
        let (Some(range), Call::Ref { package, name }) = (call.range, &call.call) else {
            continue;
        };
        let Some(node) = super::ref_target(db, project, index, name, package.as_deref()) else {
            continue;
        };
        if node.is_seed
            || model_materialization(db, project, node.file).as_deref() != Some("ephemeral")
        {
            continue;
        }
        let cte_name = format!("__dbt__cte__{}", node.name);
        if !injected.iter().any(|(n, _)| *n == cte_name) {
            let body = ephemeral_ctes(db, project, node.file, injected, visiting)?;
            injected.push((cte_name.clone(), body));
        }
        renamed.push((range, cte_name));
    }
    visiting.pop();
    renamed.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    for (range, name) in renamed {
        sql.replace_range(range.start..range.end, &name);
    }
    // dbt's Jinja drops the template's final newline.
    if file.text(db).ends_with('\n') && sql.ends_with('\n') {
        sql.pop();
        if sql.ends_with('\r') {
            sql.pop();
        }
    }
    Ok(sql)
}

/// Whether `gem` names the model's final SELECT: no gem, or the model's own
/// name when no CTE is called that (a CTE may share the model's name).
pub fn gem_is_final(db: &dyn Db, project: Project, file: SourceFile, gem: Option<&str>) -> bool {
    let Some(gem) = gem else { return true };
    let analysis = super::analysis::model_analysis(db, project, file);
    let is_cte = analysis.gems[..analysis.gems.len().saturating_sub(1)]
        .iter()
        .any(|g| g.name.eq_ignore_ascii_case(gem));
    !is_cte
        && project_index(db, project)
            .node_for_file(file)
            .is_some_and(|n| n.name.eq_ignore_ascii_case(gem))
}

/// The CTE name an inlined upstream model gets.
fn inlined_name(model: &str) -> String {
    format!("__loupe_{model}")
}

/// Collects the upstream models to inline (each after its own dependencies)
/// and the seeds the fabric must load.
struct Inliner<'a> {
    upstream_from: Upstream,
    upstream: &'a mut Vec<(String, Query)>,
    seeds: &'a mut Vec<SeedTable>,
    visiting: &'a mut Vec<SourceFile>,
}

impl Inliner<'_> {
    /// The model's query with each `ref()` to an inlined model replaced by its CTE name.
    fn inline_model(
        &mut self,
        db: &dyn Db,
        project: Project,
        file: SourceFile,
    ) -> Result<Query, String> {
        let index = project_index(db, project);
        let name = index
            .node_for_file(file)
            .map_or_else(|| file.path(db).clone(), |n| n.name.clone());
        if self.visiting.contains(&file) {
            return Err(format!("`{name}` is part of a cycle of refs"));
        }
        self.visiting.push(file);
        let rendered = rendered_model(db, project, file);
        if let Some(e) = &rendered.error {
            return Err(format!("{}: {}", file.path(db), e.message));
        }
        let mut sql = rendered.sql.clone();
        let mut replacements: Vec<(crate::text::TextRange, String)> = Vec::new();
        for call in &rendered.calls {
            let Some(range) = call.range else { continue };
            let node = match &call.call {
                Call::Ref {
                    package,
                    name: target,
                } => match super::ref_target(db, project, index, target, package.as_deref()) {
                    Some(node) => node,
                    None => return Err(format!("`ref('{target}')`: no such model or seed")),
                },
                // A source on the relation of one of the project's seeds or
                // models reads what that node builds.
                Call::Source { source, table } => {
                    match index.node_behind_source(&format!("{source}.{table}")) {
                        Some(node) => node,
                        None => continue,
                    }
                }
            };
            if node.is_seed {
                if !self
                    .seeds
                    .iter()
                    .any(|s| s.table == node.relation.1 && s.schema == node.relation.0)
                {
                    self.seeds.push(SeedTable {
                        schema: node.relation.0.clone(),
                        table: node.relation.1.clone(),
                        csv: node.file.path(db).clone(),
                        columns: seed_schema(db, project, node.file).as_ref().clone(),
                    });
                }
                continue;
            }
            let ephemeral =
                model_materialization(db, project, node.file).as_deref() == Some("ephemeral");
            if node.opaque || (self.upstream_from == Upstream::Built && !ephemeral) {
                continue;
            }
            let cte_name = inlined_name(&node.name);
            if !self.upstream.iter().any(|(n, _)| *n == cte_name) {
                let q = self.inline_model(db, project, node.file)?;
                self.upstream.push((cte_name.clone(), q));
            }
            replacements.push((range, cte_name));
        }
        replacements.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        for (range, text) in replacements {
            sql.replace_range(range.start..range.end, &text);
        }
        self.visiting.pop();
        let dialect = project.settings(db).dialect;
        if let Some(construct) = crate::syntax::meaning_lost_in_tree(&sql, dialect) {
            return Err(format!(
                "`{name}` uses {construct}, which Loupe cannot yet compile into a runnable gem"
            ));
        }
        let statements =
            parse_sql(&sql, dialect).map_err(|e| format!("{}: {}", file.path(db), e.message))?;
        match statements.into_iter().last() {
            Some(Statement::Query(q)) => Ok(*q),
            Some(_) => Err(format!("`{name}` is not a SELECT")),
            None => Err(format!("`{name}` has no SQL")),
        }
    }
}
