//! Queries, CTEs, set operations, SELECT and FROM.

use std::collections::HashSet;
use std::sync::Arc;

use sqlparser::ast::{
    Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, ObjectName, ObjectNamePart,
    OrderByKind, Query, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr,
    SetQuantifier, Spanned, Statement, TableAlias, TableFactor, TableWithJoins, ValueTableMode,
    WildcardAdditionalOptions,
};

use super::output_names;
use super::scope::{Alias, Binding, FromItem, MergedColumn, Scope};
use super::{naming, Column, Lookup, RelationLookup, RelationSchema, StatementAnalysis, TableUse};
use crate::catalog::FunctionCatalog;
use crate::diagnostics::{did_you_mean_hint, Code, Diagnostic};
use crate::gems::{classify_query, Gem, GemKind};
use crate::lineage::{merge_edges, Edge, EdgeKind, GemLineage};
use crate::text::{LineIndex, TextRange};
use crate::types::{common_supertype, SqlType};

/// A CTE visible to the query being analyzed.
pub(crate) struct CteEntry {
    pub name: String,
    pub schema: Option<RelationSchema>,
    pub used: bool,
    pub range: TextRange,
}

/// The select item `GROUP BY n` names once `*` is expanded.
enum OrdinalTarget<'e> {
    Item(&'e Expr),
    StarColumn(String),
    /// A `*` of unknown columns, or one that drops some, comes before.
    Unknown,
}

/// GROUP BY context for the not-grouped check.
#[derive(Default)]
pub(crate) struct Grouping {
    pub texts: HashSet<String>,
    pub bindings: HashSet<Binding>,
    /// Whether a grouped expression's text has a call, an operator or a
    /// keyword in it (a `(` or a space), not only names.
    has_compound_text: bool,
}

impl Grouping {
    fn insert_text(&mut self, text: String) {
        self.has_compound_text |= text.contains(['(', ' ']);
        self.texts.insert(text);
    }

    /// Whether `e` is itself one of the grouped expressions. A call, an
    /// operation or a CASE always prints with a `(` or a space, so when
    /// only names are grouped it is not printed: printing the expression at
    /// every level of its tree was a sizeable part of a model's analysis.
    pub fn groups(&self, e: &Expr) -> bool {
        let inner = unparenthesized(e);
        let prints_compound = match inner {
            // `current_date` is a call printed as a name.
            Expr::Function(f) => !matches!(f.args, sqlparser::ast::FunctionArguments::None),
            _ => matches!(
                inner,
                Expr::BinaryOp { .. }
                    | Expr::Case { .. }
                    | Expr::InList { .. }
                    | Expr::Between { .. }
                    | Expr::IsNull(_)
                    | Expr::IsNotNull(_)
                    | Expr::Subquery(_)
                    | Expr::Exists { .. }
            ),
        };
        if prints_compound && !self.has_compound_text {
            return false;
        }
        self.texts.contains(&normalize_expr_text(e))
    }
}

pub(crate) struct Analyzer<'a> {
    pub sql: &'a str,
    /// Whether a select-list alias names a column later in the same list
    /// and in WHERE (the dialect's rule).
    pub lateral_aliases: bool,
    /// The engine whose functions and paths the statement uses.
    pub dialect: crate::syntax::Dialect,
    /// Result types and names of unaliased expressions by Spark SQL's rules
    /// (sums, averages, decimal arithmetic; `count(1)`) rather than DuckDB's.
    pub spark_types: bool,
    pub lines: LineIndex,
    pub lookup: &'a dyn RelationLookup,
    pub functions: &'static FunctionCatalog,
    pub diagnostics: Vec<Diagnostic>,
    pub ctes: Vec<CteEntry>,
    pub current_gem: Option<String>,
    /// The CTE whose body is being analyzed (a reference to itself is not a use).
    pub defining_cte: Option<String>,
    pub current_inputs: Vec<String>,
    pub gems: Vec<Gem>,
    pub tables: Vec<TableUse>,
    pub macro_depth: usize,
    /// Each resolved column reference: its range and its lineage.
    pub resolved_refs: super::lineage::ResolvedRefs,
    /// Statement-level influences (filters, join keys, group keys).
    pub influences: Vec<Edge>,
    /// The statement's target table and, for UPDATE/MERGE, its assignments.
    pub target: Option<super::StatementTarget>,
    /// Every CTE defined in the statement, for composing lineage through gems.
    pub cte_defs: Vec<(String, RelationSchema)>,
    /// Relations read in FROM, as lineage names them (lower-case).
    pub relations_read: Vec<String>,
    /// Relations read whose known columns are those a file documents, by
    /// the name lineage gives them, with where that is.
    pub documented: Vec<(String, String)>,
    pub ide: super::IdeFacts,
    /// Whether to record `ide` (references, scopes, stars): whole-project
    /// work (checks, lineage) never reads it, and it was most of what a
    /// model's analysis kept.
    pub ide_facts: bool,
    /// Steps left before the analysis gives up on the statement: a bound on
    /// the time one model can take, whatever its SQL.
    pub fuel: u64,
    /// Names left to compare for did-you-mean hints.
    pub hints: crate::diagnostics::HintBudget,
    /// Whether the text names `COLUMNS` at all (found once, when first asked).
    names_columns: std::cell::OnceCell<bool>,
    /// The SELECT analysed last: the index of each select item's first
    /// output column (its last one ends where the next item's begins).
    last_projection_starts: Vec<usize>,
    /// Output columns of the statement whose name an earlier one has, and
    /// the select item that makes each.
    pub duplicate_outputs: Vec<(String, TextRange)>,
    /// Hierarchical queries (`CONNECT BY`) being analysed: they read the
    /// `LEVEL` pseudo-column.
    pub(super) connect_by_depth: usize,
    /// Columns read that only relations whose YAML documents some columns
    /// could have, and that no documented column is close to: one warning
    /// per list of such relations, when the statement is done.
    pub(super) undocumented_reads: Vec<UndocumentedRead>,
}

/// A column read that a documented relation may have without saying so.
pub(super) struct UndocumentedRead {
    /// Where the documented columns are listed (one per relation).
    pub places: Vec<String>,
    pub shown: String,
    pub range: TextRange,
    pub gem: Option<String>,
}

/// Steps (expressions typed, columns expanded by `*`) one statement may take.
/// The largest models of real projects take a few thousand; a million is
/// seconds of work at most.
pub(crate) const ANALYSIS_FUEL: u64 = 1_000_000;

impl<'a> Analyzer<'a> {
    pub fn new(sql: &'a str, lookup: &'a dyn RelationLookup) -> Self {
        Analyzer {
            sql,
            lateral_aliases: true,
            dialect: crate::syntax::Dialect::DuckDb,
            spark_types: false,
            lines: LineIndex::new(sql),
            names_columns: Default::default(),
            last_projection_starts: Vec::new(),
            duplicate_outputs: Vec::new(),
            connect_by_depth: 0,
            undocumented_reads: Vec::new(),
            lookup,
            functions: FunctionCatalog::duckdb(),
            diagnostics: Vec::new(),
            ctes: Vec::new(),
            current_gem: None,
            defining_cte: None,
            current_inputs: Vec::new(),
            gems: Vec::new(),
            tables: Vec::new(),
            macro_depth: 0,
            resolved_refs: Default::default(),
            influences: Vec::new(),
            target: None,
            cte_defs: Vec::new(),
            relations_read: Vec::new(),
            documented: Vec::new(),
            ide: Default::default(),
            ide_facts: true,
            fuel: ANALYSIS_FUEL,
            hints: Default::default(),
        }
    }

    /// Whether what is being analysed now is recorded for the editor: the
    /// user's own SQL, not the body of a macro it calls.
    pub(crate) fn records_ide_facts(&self) -> bool {
        self.ide_facts && self.macro_depth == 0
    }

    /// Spends `steps` of fuel; false once it has run out.
    pub(crate) fn burn(&mut self, steps: u64) -> bool {
        self.fuel = self.fuel.saturating_sub(steps);
        self.fuel > 0
    }

    pub(crate) fn out_of_fuel(&self) -> bool {
        self.fuel == 0
    }

    /// The statement's analysis, with lineage composed through its gems so
    /// every output edge ends at a relation.
    pub fn finish(mut self, mut output: RelationSchema) -> StatementAnalysis {
        if self.out_of_fuel() {
            // What was analysed is partial: it raises no errors, and the
            // output is only a known part, so readers raise none either.
            output.open = true;
            self.diagnostics
                .retain(|d| d.severity != crate::diagnostics::Severity::Error);
            self.diagnostics.push(Diagnostic::new(
                Code::TooComplex,
                TextRange::empty(0),
                format!(
                    "Loupe stopped analysing this statement after {ANALYSIS_FUEL} steps (expressions and columns of `*`): its columns are only partly known and it is not checked"
                ),
            ));
        }
        self.report_undocumented_reads();
        let mut gems = GemLineage::new(&self.cte_defs);
        for c in Arc::make_mut(&mut output.columns) {
            c.lineage = gems.through(&c.lineage);
        }
        let influences = gems.through(&self.influences);
        let target = self.target.map(|mut t| {
            for (_, lineage) in &mut t.assignments {
                *lineage = gems.through(lineage);
            }
            t
        });
        drop(gems);
        StatementAnalysis {
            output,
            influences,
            target,
            gem_defs: self.cte_defs,
            relations_read: {
                let mut read = self.relations_read;
                read.sort_unstable();
                read.dedup();
                read
            },
            ide: self.ide,
            duplicate_outputs: self.duplicate_outputs,
            gems: self.gems,
            diagnostics: self.diagnostics,
            tables: self.tables,
        }
    }

    /// The byte range of anything with a sqlparser span.
    pub fn range_of(&self, node: &impl Spanned) -> TextRange {
        self.span_range(node.span())
    }

    pub fn span_range(&self, span: sqlparser::tokenizer::Span) -> TextRange {
        if span.start.line == 0 {
            return TextRange::empty(0);
        }
        TextRange::new(
            self.lines
                .offset(self.sql, span.start.line, span.start.column),
            self.lines.offset(self.sql, span.end.line, span.end.column),
        )
    }

    pub fn report(&mut self, code: Code, range: TextRange, message: String) {
        let mut d = Diagnostic::new(code, range, message);
        d.gem = self.current_gem.clone();
        self.diagnostics.push(d);
    }

    pub fn analyze_top_statement(
        &mut self,
        statement: &Statement,
        final_gem: &str,
    ) -> RelationSchema {
        match statement {
            // `WITH x AS (...) INSERT INTO t SELECT ... FROM x` (the Hive and
            // Spark form): the CTEs belong to the insert's query.
            Statement::Query(q) if matches!(q.body.as_ref(), SetExpr::Insert(_)) => {
                let SetExpr::Insert(Statement::Insert(insert)) = q.body.as_ref() else {
                    return RelationSchema::unknown();
                };
                let mut insert = insert.clone();
                if let (Some(outer), Some(source)) = (&q.with, insert.source.as_mut()) {
                    let mut with = outer.clone();
                    if let Some(inner) = source.with.take() {
                        with.cte_tables.extend(inner.cte_tables);
                    }
                    source.with = Some(with);
                }
                self.analyze_top_statement(&Statement::Insert(insert), final_gem)
            }
            // `WITH s AS (...) UPDATE t SET ... FROM s`: the CTEs are the update's.
            Statement::Query(q) if matches!(q.body.as_ref(), SetExpr::Update(_)) => {
                let SetExpr::Update(Statement::Update(update)) = q.body.as_ref() else {
                    return RelationSchema::unknown();
                };
                let frame = self.ctes.len();
                if let Some(with) = &q.with {
                    self.push_ctes(&with.cte_tables, with.recursive, None);
                }
                self.analyze_update(update);
                self.pop_ctes(frame);
                RelationSchema::unknown()
            }
            Statement::Query(q) => self.analyze_model_query(q, final_gem),
            Statement::CreateView(v) => {
                self.set_target(
                    &v.name,
                    v.columns.iter().map(|c| c.name.value.clone()).collect(),
                );
                let created = self.analyze_model_query(&v.query, final_gem);
                self.as_created(created)
            }
            Statement::CreateTable(t) if t.query.is_some() => {
                self.set_target(
                    &t.name,
                    t.columns.iter().map(|c| c.name.value.clone()).collect(),
                );
                let created = self.analyze_model_query(t.query.as_ref().unwrap(), final_gem);
                self.as_created(created)
            }
            Statement::Insert(insert) => {
                if let sqlparser::ast::TableObject::TableName(name) = &insert.table {
                    let mut columns: Vec<String> = insert
                        .columns
                        .iter()
                        .filter_map(|c| object_name_parts_as_written(c).pop())
                        .collect();
                    if columns.is_empty() {
                        // Without a column list the values go to the table's columns in order.
                        if let Lookup::Found(schema) = self
                            .lookup
                            .lookup(&object_name_parts(name), TextRange::empty(0))
                        {
                            columns = schema.columns.iter().map(|c| c.name.clone()).collect();
                        }
                    }
                    self.set_target(name, columns);
                }
                match &insert.source {
                    Some(q) => self.analyze_model_query(q, final_gem),
                    None => RelationSchema::unknown(),
                }
            }
            Statement::Update(update) => {
                self.analyze_update(update);
                RelationSchema::unknown()
            }
            Statement::Merge(merge) => {
                self.analyze_merge(merge);
                RelationSchema::unknown()
            }
            other => {
                let range = self.range_of(other);
                self.gems.push(Gem {
                    name: final_gem.to_string(),
                    kind: GemKind::SQLStatement,
                    inputs: Vec::new(),
                    output: RelationSchema::unknown(),
                    range: TextRange::empty(range.start),
                    body: range,
                });
                RelationSchema::unknown()
            }
        }
    }

    /// A query's columns as the view or table created from it has them.
    fn as_created(&self, mut query: RelationSchema) -> RelationSchema {
        if self.dialect == crate::syntax::Dialect::DuckDb {
            output_names::rename_duplicates_as_duckdb(&mut query);
        }
        query
    }

    fn set_target(&mut self, name: &ObjectName, columns: Vec<String>) {
        self.target = Some(super::StatementTarget {
            table: name.to_string(),
            columns,
            assignments: Vec::new(),
        });
    }

    /// `UPDATE t SET c = expr [FROM ...] [WHERE ...]`: each `c` is fed by its expression.
    fn analyze_update(&mut self, update: &sqlparser::ast::Update) {
        let mut from = Vec::new();
        if let Some(
            sqlparser::ast::UpdateTableFromKind::BeforeSet(t)
            | sqlparser::ast::UpdateTableFromKind::AfterSet(t),
        ) = &update.from
        {
            from.extend(t.iter().cloned());
        }
        let mut table = match &update.table.relation {
            TableFactor::Table { name, .. } => name.to_string(),
            other => other.to_string(),
        };
        // `UPDATE t SET ... FROM tab1 t JOIN ...` (T-SQL): `t` is an alias of FROM.
        let aliased = match &update.table.relation {
            TableFactor::Table {
                name, alias: None, ..
            } if update.table.joins.is_empty() => from_table_aliased(&from, name),
            _ => None,
        };
        match aliased {
            Some(real) => table = real,
            None => from.insert(0, update.table.clone()),
        }
        let scope = self.build_from(&from, None);
        let assignments = self.assignments_lineage(&update.assignments, &scope);
        if let Some(selection) = &update.selection {
            self.infer(selection, &scope, None, false);
            let filters = self.expr_lineage(selection, EdgeKind::Filter);
            merge_edges(&mut self.influences, filters);
        }
        self.target = Some(super::StatementTarget {
            table,
            columns: Vec::new(),
            assignments,
        });
    }

    /// `MERGE INTO t USING s ON ... WHEN ... UPDATE SET / INSERT (...) VALUES (...)`.
    fn analyze_merge(&mut self, merge: &sqlparser::ast::Merge) {
        let mut scope = Scope::with_parent(None);
        self.add_factor(&mut scope, &merge.table, None);
        self.add_factor(
            &mut scope,
            &merge.source,
            Some(&JoinConstraint::On((*merge.on).clone())),
        );
        let table = match &merge.table {
            TableFactor::Table { name, .. } => name.to_string(),
            other => other.to_string(),
        };
        let mut assignments: Vec<(String, Vec<Edge>)> = Vec::new();
        for clause in &merge.clauses {
            if let Some(p) = &clause.predicate {
                self.infer(p, &scope, None, false);
            }
            match &clause.action {
                sqlparser::ast::MergeAction::Update(update) => {
                    if let sqlparser::ast::MergeUpdateKind::Set(set) = &update.kind {
                        let found = self.assignments_lineage(set, &scope);
                        merge_assignments(&mut assignments, found);
                    }
                }
                sqlparser::ast::MergeAction::Insert(insert) => {
                    if let sqlparser::ast::MergeInsertKind::Values(values) = &insert.kind {
                        for row in &values.rows {
                            for (column, value) in insert.columns.iter().zip(row.iter()) {
                                self.infer(value, &scope, None, false);
                                let lineage = self.expr_lineage(value, EdgeKind::Copy);
                                let name = object_name_parts_as_written(column)
                                    .pop()
                                    .unwrap_or_default();
                                merge_assignments(&mut assignments, vec![(name, lineage)]);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        self.target = Some(super::StatementTarget {
            table,
            columns: Vec::new(),
            assignments,
        });
    }

    fn assignments_lineage(
        &mut self,
        assignments: &[sqlparser::ast::Assignment],
        scope: &Scope,
    ) -> Vec<(String, Vec<Edge>)> {
        let mut out = Vec::new();
        for a in assignments {
            self.infer(&a.value, scope, None, false);
            let lineage = self.expr_lineage(&a.value, EdgeKind::Copy);
            let targets: Vec<&ObjectName> = match &a.target {
                sqlparser::ast::AssignmentTarget::ColumnName(n) => vec![n],
                sqlparser::ast::AssignmentTarget::Tuple(ns) => ns.iter().collect(),
            };
            for t in targets {
                let name = object_name_parts_as_written(t).pop().unwrap_or_default();
                out.push((name, lineage.clone()));
            }
        }
        out
    }

    /// A model's statement: each top-level CTE and the final SELECT is a gem.
    fn analyze_model_query(&mut self, query: &Query, final_gem: &str) -> RelationSchema {
        let frame = self.ctes.len();
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                let name = cte.alias.name.value.clone();
                self.current_gem = Some(name.clone());
                self.current_inputs.clear();
                let schema = self.analyze_cte(cte, with.recursive, None);
                let range = self.span_range(cte.alias.name.span);
                self.gems.push(Gem {
                    name: name.clone(),
                    kind: classify_query(&cte.query, self.functions),
                    inputs: std::mem::take(&mut self.current_inputs),
                    output: schema.clone(),
                    range,
                    body: self.range_of(cte.query.as_ref()),
                });
            }
        }
        self.current_gem = Some(final_gem.to_string());
        self.current_inputs.clear();
        let output = self.analyze_body_with_order(query, None);
        self.duplicate_outputs = self.find_duplicate_outputs(query, &output);
        let kind = classify_query(query, self.functions);
        let select_range = first_select_range(self, &query.body);
        self.gems.push(Gem {
            name: final_gem.to_string(),
            kind,
            inputs: std::mem::take(&mut self.current_inputs),
            output: output.clone(),
            range: select_range,
            body: self.range_of(query.body.as_ref()),
        });
        self.pop_ctes(frame);
        self.current_gem = None;
        output
    }

    /// Analyzes a CTE definition and pushes it into scope.
    fn analyze_cte(
        &mut self,
        cte: &sqlparser::ast::Cte,
        recursive: bool,
        parent: Option<&Scope>,
    ) -> RelationSchema {
        let name = cte.alias.name.value.clone();
        let range = self.span_range(cte.alias.name.span);
        let outer_cte = self.defining_cte.replace(name.clone());
        let mut schema = match (recursive, cte.query.body.as_ref()) {
            (true, SetExpr::SetOperation { left, right, .. }) => {
                // The anchor defines the columns; the recursive part may read them.
                let frame = self.ctes.len();
                if let Some(with) = &cte.query.with {
                    self.push_ctes(&with.cte_tables, with.recursive, parent);
                }
                let anchor = self.analyze_set_expr(left, parent);
                let anchor = rename_columns(anchor, &cte.alias);
                self.ctes.push(CteEntry {
                    name: name.clone(),
                    schema: Some(anchor.clone()),
                    used: true,
                    range,
                });
                let _ = self.analyze_set_expr(right, parent);
                self.ctes.pop();
                self.pop_ctes(frame);
                anchor
            }
            _ => self.analyze_query(&cte.query, parent),
        };
        self.defining_cte = outer_cte;
        schema = rename_columns(schema, &cte.alias);
        self.cte_defs.push((name.clone(), schema.clone()));
        self.ctes.push(CteEntry {
            name,
            schema: Some(schema.clone()),
            used: false,
            range,
        });
        schema
    }

    fn push_ctes(&mut self, ctes: &[sqlparser::ast::Cte], recursive: bool, parent: Option<&Scope>) {
        for cte in ctes {
            self.analyze_cte(cte, recursive, parent);
        }
    }

    /// Pops CTEs above `frame`, warning about the ones nothing read.
    fn pop_ctes(&mut self, frame: usize) {
        let popped: Vec<CteEntry> = self.ctes.drain(frame..).collect();
        for cte in popped {
            if !cte.used {
                let mut d = Diagnostic::new(
                    Code::UnusedGem,
                    cte.range,
                    format!("gem `{}` is never used", cte.name),
                );
                d.gem = Some(cte.name.clone());
                self.diagnostics.push(d);
            }
        }
    }

    /// A nested query (subquery, CTE body, derived table).
    pub fn analyze_query(&mut self, query: &Query, parent: Option<&Scope>) -> RelationSchema {
        let frame = self.ctes.len();
        if let Some(with) = &query.with {
            self.push_ctes(&with.cte_tables, with.recursive, parent);
        }
        let mut out = self.analyze_body_with_order(query, parent);
        self.pop_ctes(frame);
        if self.dialect == crate::syntax::Dialect::DuckDb {
            output_names::rename_duplicates_as_duckdb(&mut out);
        }
        out
    }

    /// The output columns whose name an earlier one has (see
    /// [`output_names::later_duplicates`]), each with the select item that
    /// makes it, or the first SELECT of a set operation.
    fn find_duplicate_outputs(
        &self,
        query: &Query,
        output: &RelationSchema,
    ) -> Vec<(String, TextRange)> {
        let projection = match query.body.as_ref() {
            SetExpr::Select(select)
                if self.last_projection_starts.len() == select.projection.len() =>
            {
                Some(&select.projection)
            }
            _ => None,
        };
        // The select item that makes output column `i`.
        let item_of = |i: usize| {
            projection.map(|items| {
                &items[self
                    .last_projection_starts
                    .partition_point(|&start| start <= i)
                    .saturating_sub(1)]
            })
        };
        let later = output_names::later_duplicates(&output.columns, |i, c| {
            match self.dialect {
                d if d.column_names_ignore_case() || d == crate::syntax::Dialect::Redshift => {
                    c.name.to_ascii_lowercase()
                }
                // Unquoted names are stored folded (Snowflake's in capitals);
                // quoted ones as written.
                crate::syntax::Dialect::Snowflake
                    if projection.is_some() && !item_of(i).is_some_and(names_quoted) =>
                {
                    c.name.to_ascii_uppercase()
                }
                crate::syntax::Dialect::Postgres
                    if projection.is_some() && !item_of(i).is_some_and(names_quoted) =>
                {
                    c.name.to_ascii_lowercase()
                }
                _ => c.name.clone(),
            }
        });
        if later.is_empty() {
            return Vec::new();
        }
        later
            .into_iter()
            .map(|i| {
                let range = match item_of(i) {
                    Some(item) => self.range_of(item),
                    None => first_select_range(self, &query.body),
                };
                (output.columns[i].name.clone(), range)
            })
            .collect()
    }

    /// The body, with ORDER BY resolved against the SELECT when there is one.
    fn analyze_body_with_order(&mut self, query: &Query, parent: Option<&Scope>) -> RelationSchema {
        let out = match query.body.as_ref() {
            SetExpr::Select(select) => self.analyze_select(select, parent, Some(query)),
            body => {
                let out = self.analyze_set_expr(body, parent);
                if let Some(order_by) = &query.order_by {
                    let mut scope = Scope::with_parent(parent);
                    scope.items.push(FromItem::unqualified(out.clone()));
                    if let OrderByKind::Expressions(exprs) = &order_by.kind {
                        for o in exprs {
                            if !is_ordinal(&o.expr) {
                                self.infer(&o.expr, &scope, None, true);
                            }
                        }
                    }
                }
                out
            }
        };
        let out = if query.pipe_operators.is_empty() {
            out
        } else {
            self.apply_pipe_operators(out, &query.pipe_operators, parent)
        };
        self.analyze_limit(query, parent);
        out
    }

    fn analyze_limit(&mut self, query: &Query, parent: Option<&Scope>) {
        if let Some(sqlparser::ast::LimitClause::LimitOffset {
            limit: Some(limit), ..
        }) = &query.limit_clause
        {
            let scope = Scope::with_parent(parent);
            self.infer(limit, &scope, None, false);
        }
    }

    pub fn analyze_set_expr(&mut self, body: &SetExpr, parent: Option<&Scope>) -> RelationSchema {
        match body {
            SetExpr::Select(select) => self.analyze_select(select, parent, None),
            SetExpr::Query(q) => self.analyze_query(q, parent),
            SetExpr::SetOperation { .. } => self.analyze_set_operation(body, parent),
            SetExpr::Values(values) => {
                let scope = Scope::with_parent(parent);
                let mut columns: Vec<Column> = Vec::new();
                for row in &values.rows {
                    for (i, e) in row.iter().enumerate() {
                        let ty = self.infer(e, &scope, None, false);
                        match columns.get_mut(i) {
                            Some(c) => {
                                c.ty = common_supertype(&c.ty, &ty).unwrap_or(SqlType::Unknown)
                            }
                            None => columns.push(Column::new(values_column(self.dialect, i), ty)),
                        }
                    }
                }
                RelationSchema::closed(materialize(columns, self.dialect))
            }
            SetExpr::Table(t) => {
                let parts: Vec<String> = t
                    .schema_name
                    .iter()
                    .chain(t.table_name.iter())
                    .map(|s| s.to_lowercase())
                    .collect();
                self.lookup_parts(&parts, TextRange::empty(0), false)
                    .map_or_else(RelationSchema::unknown, |s| (*s).clone())
            }
            _ => RelationSchema::unknown(),
        }
    }

    /// UNION / INTERSECT / EXCEPT: operands flattened left to right.
    fn analyze_set_operation(&mut self, body: &SetExpr, parent: Option<&Scope>) -> RelationSchema {
        let mut operands: Vec<(&SetExpr, Option<SetQuantifier>)> = Vec::new();
        flatten_set_operation(body, None, &mut operands);
        let mut result: Option<RelationSchema> = None;
        let mut first_arity: Option<usize> = None;
        for (operand, quantifier) in operands {
            let mut schema = self.analyze_set_expr(operand, parent);
            keep_untyped_nulls(operand, &mut schema);
            let by_name = matches!(
                quantifier,
                Some(
                    SetQuantifier::ByName
                        | SetQuantifier::AllByName
                        | SetQuantifier::DistinctByName
                )
            );
            result = Some(match result {
                None => {
                    first_arity = (!schema.open).then_some(schema.columns.len());
                    schema
                }
                Some(acc) if by_name => {
                    union_by_name(acc, schema, |a, b| self.supertype(a, b), self.dialect)
                }
                Some(acc) => {
                    if let Some(n) = first_arity {
                        if !schema.open && schema.columns.len() != n {
                            let range = first_select_range(self, operand);
                            self.report(
                                Code::SetOperationArity,
                                range,
                                format!(
                                    "this operand has {} columns but the first has {n}",
                                    schema.columns.len()
                                ),
                            );
                            first_arity = None;
                        }
                    }
                    union_positional(acc, schema, |a, b| self.supertype(a, b), self.dialect)
                }
            });
        }
        // A column only bare NULLs fill is typed once all are read.
        result.map_or_else(RelationSchema::unknown, |mut schema| {
            if schema.columns.iter().any(|c| c.ty == SqlType::Null) {
                let columns = Arc::unwrap_or_clone(schema.columns);
                schema.columns = Arc::new(materialize(columns, self.dialect));
            }
            schema
        })
    }

    /// Resolves a table name against CTEs, then the lookup.
    fn resolve_table(&mut self, name: &ObjectName) -> Option<RelationSchema> {
        let parts = object_name_parts(name);
        let range = self.range_of(name);
        if parts.len() == 1 {
            if let Some(cte) = self
                .ctes
                .iter_mut()
                .rev()
                .find(|c| c.name.eq_ignore_ascii_case(&parts[0]))
            {
                if !self
                    .defining_cte
                    .as_deref()
                    .is_some_and(|g| g.eq_ignore_ascii_case(&cte.name))
                {
                    cte.used = true;
                }
                let name = cte.name.clone();
                let schema = cte.schema.as_ref().map(|s| s.read_as(&name, true));
                self.tables.push(TableUse {
                    parts: parts.clone(),
                    range,
                });
                self.current_inputs.push(name);
                return schema;
            }
        }
        self.current_inputs.push(parts.join("."));
        self.tables.push(TableUse {
            parts: parts.clone(),
            range,
        });
        let display = self
            .lookup
            .display_name(&parts, range)
            .unwrap_or_else(|| name.to_string());
        self.relations_read.push(display.to_lowercase());
        if let Some(place) = self.lookup.documented_columns(&parts, range) {
            if !self.documented.iter().any(|(d, _)| *d == display) {
                self.documented.push((display.clone(), place));
            }
        }
        Some(match self.lookup_parts(&parts, range, true) {
            Some(schema) => schema.as_base_table(&display),
            None => RelationSchema::unknown().as_base_table(&display),
        })
    }

    fn lookup_parts(
        &mut self,
        parts: &[String],
        range: TextRange,
        report: bool,
    ) -> Option<std::sync::Arc<RelationSchema>> {
        match self.lookup.lookup(parts, range) {
            Lookup::Found(schema) => Some(schema),
            Lookup::Opaque => None,
            Lookup::NotFound => {
                if report {
                    let shown = parts.join(".");
                    let mut candidates: Vec<String> = Vec::new();
                    if !self.hints.is_spent() {
                        candidates.extend(self.ctes.iter().map(|c| c.name.clone()));
                        candidates.extend(self.lookup.candidates());
                    }
                    let last = parts.last().map_or("", String::as_str);
                    let hint = if self.hints.spend(candidates.len()) {
                        did_you_mean_hint(last, candidates.iter().map(String::as_str))
                    } else {
                        String::new()
                    };
                    self.report(
                        Code::UnknownTable,
                        range,
                        format!("unknown table `{shown}`{hint}"),
                    );
                }
                None
            }
        }
    }

    /// Builds the scope of a FROM clause.
    fn build_from<'p>(
        &mut self,
        from: &[TableWithJoins],
        parent: Option<&'p Scope<'p>>,
    ) -> Scope<'p> {
        let mut scope = Scope::with_parent(parent);
        for twj in from {
            self.add_factor(&mut scope, &twj.relation, None);
            for join in &twj.joins {
                let constraint = join_constraint(&join.join_operator);
                let before = scope.items.len();
                self.add_factor(&mut scope, &join.relation, constraint);
                // A semi or anti join only filters: its columns are not in the result.
                use JoinOperator::*;
                if matches!(
                    join.join_operator,
                    Semi(_) | LeftSemi(_) | RightSemi(_) | Anti(_) | LeftAnti(_) | RightAnti(_)
                ) {
                    scope.items.truncate(before);
                }
            }
        }
        scope
    }

    /// Adds one relation of FROM, then applies its join constraint.
    fn add_factor(
        &mut self,
        scope: &mut Scope,
        factor: &TableFactor,
        constraint: Option<&JoinConstraint>,
    ) {
        let left_count = scope.items.len();
        let item = self.factor_item(scope, factor);
        match item {
            Some(item) => scope.items.push(item),
            None => {
                // A nested join adds its own items.
                if let TableFactor::NestedJoin {
                    table_with_joins, ..
                } = factor
                {
                    self.add_factor(scope, &table_with_joins.relation, None);
                    for join in &table_with_joins.joins {
                        self.add_factor(
                            scope,
                            &join.relation,
                            join_constraint(&join.join_operator),
                        );
                    }
                }
            }
        }
        match constraint {
            Some(JoinConstraint::On(expr)) => {
                self.infer(expr, scope, None, false);
                let keys = self.expr_lineage(expr, EdgeKind::JoinKey);
                merge_edges(&mut self.influences, keys);
            }
            Some(JoinConstraint::Using(names)) => {
                for name in names {
                    let parts = object_name_parts(name);
                    let col = parts.last().cloned().unwrap_or_default();
                    self.merge_column(scope, left_count, &col, Some(self.range_of(name)));
                }
            }
            Some(JoinConstraint::Natural) => {
                let right: Vec<String> = scope
                    .items
                    .last()
                    .map(|i| i.schema.columns.iter().map(|c| c.name.clone()).collect())
                    .unwrap_or_default();
                for col in right {
                    let on_left = scope.items[..left_count]
                        .iter()
                        .any(|i| i.schema.column(&col).is_some());
                    if on_left {
                        self.merge_column(scope, left_count, &col, None);
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether `*` puts a USING or NATURAL join's columns first, as the SQL
    /// standard has it (DuckDB, Snowflake and BigQuery are left as DuckDB
    /// orders them: where the first relation has them).
    fn join_columns_first(&self) -> bool {
        use crate::syntax::Dialect;
        self.spark_types || matches!(self.dialect, Dialect::Postgres | Dialect::Redshift)
    }

    /// Records a USING/NATURAL column: one value from the left and right sides.
    fn merge_column(
        &mut self,
        scope: &mut Scope,
        left_count: usize,
        col: &str,
        range: Option<TextRange>,
    ) {
        let left = scope.items[..left_count]
            .iter()
            .enumerate()
            .find_map(|(i, item)| item.schema.column(col).map(|c| (i, c.clone())));
        let right = scope.items[left_count..]
            .iter()
            .find_map(|item| item.schema.column(col).cloned());
        let already = scope
            .merged
            .iter()
            .any(|m| m.name.eq_ignore_ascii_case(col));
        let join = scope.items.len() - 1;
        match (left, right) {
            // Joined again (`a join b using (id) join c using (id)`): one column still.
            (Some(_), Some(r)) if already => {
                if let Some(m) = scope
                    .merged
                    .iter_mut()
                    .find(|m| m.name.eq_ignore_ascii_case(col))
                {
                    m.join = join;
                    merge_edges(&mut m.lineage, r.lineage.iter().cloned());
                }
            }
            (Some((i, l)), Some(r)) => {
                let ty = common_supertype(&l.ty, &r.ty).unwrap_or(l.ty.clone());
                let mut lineage = l.lineage.clone();
                merge_edges(&mut lineage, r.lineage.iter().cloned());
                scope.merged.push(MergedColumn {
                    name: l.name.clone(),
                    ty,
                    first: i,
                    join,
                    lineage,
                });
            }
            (None, _) | (_, None) => {
                let open = scope.items.iter().any(|i| i.schema.open);
                if !open && !already {
                    if let Some(range) = range {
                        self.report(
                            Code::UnknownColumn,
                            range,
                            format!("column `{col}` in USING is not on both sides of the join"),
                        );
                    }
                }
            }
        }
    }

    /// The scope item for one FROM relation (`None` for nested joins).
    pub(super) fn factor_item(&mut self, scope: &Scope, factor: &TableFactor) -> Option<FromItem> {
        if let Some(unnest) = self.bigquery_correlated_array(scope, factor) {
            return self.factor_item(scope, &unnest);
        }
        match factor {
            TableFactor::Table {
                name,
                alias,
                args,
                with_ordinality,
                ..
            } => {
                let parts = object_name_parts(name);
                let mut schema = match args {
                    Some(args)
                        if parts
                            .last()
                            .is_some_and(|n| n.eq_ignore_ascii_case("flatten")) =>
                    {
                        self.flatten_schema(&args.args, scope)
                    }
                    Some(args) => self.table_function_schema(
                        parts.last().map_or("", String::as_str),
                        &unnamed_args(&args.args),
                        scope,
                    ),
                    None => self
                        .resolve_table(name)
                        .unwrap_or_else(RelationSchema::unknown),
                };
                if args.is_some() {
                    if let Some(declared) = self.declared_record_columns(alias.as_ref()) {
                        schema = declared;
                    }
                }
                if *with_ordinality && args.is_some() {
                    with_ordinality_column(&mut schema);
                }
                let qualifier = alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .unwrap_or_else(|| parts.last().cloned().unwrap_or_default());
                let mut former_name = None;
                let schema = match alias {
                    // `range(3) as r`, `unnest(xs) as x`: DuckDB names the
                    // column a function names after itself by the alias.
                    Some(a)
                        if a.columns.is_empty()
                            && args.is_some()
                            && schema.columns.len() == 1
                            && parts.last().is_some_and(|f| {
                                f.eq_ignore_ascii_case(&schema.columns[0].name)
                            }) =>
                    {
                        let mut schema = schema;
                        let column = &mut Arc::make_mut(&mut schema.columns)[0];
                        former_name =
                            Some(std::mem::replace(&mut column.name, a.name.value.clone()));
                        schema
                    }
                    Some(a) => rename_columns(schema, a),
                    None => schema,
                };
                Some(FromItem {
                    columns_by_name: Default::default(),
                    former_name,
                    qualifier,
                    parts,
                    schema,
                })
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                if self.records_ide_facts() {
                    let whole = self.range_of(factor);
                    self.ide.derived.push((
                        whole,
                        self.range_of(subquery.as_ref()),
                        alias.as_ref().map(|a| a.name.value.clone()),
                    ));
                }
                let schema = self.analyze_query(subquery, Some(scope));
                Some(aliased_item(schema, alias.as_ref(), "unnamed_subquery"))
            }
            TableFactor::UNNEST {
                array_exprs,
                alias,
                with_offset,
                with_offset_alias,
                with_ordinality,
                ..
            } => {
                // `unnest(xs) as x`: the element is the column `x` (DuckDB, BigQuery).
                let element_name = match alias {
                    Some(a) if a.columns.is_empty() && array_exprs.len() == 1 => {
                        a.name.value.clone()
                    }
                    _ => "unnest".to_string(),
                };
                let mut columns = Vec::new();
                // BigQuery spreads a struct element's fields as columns: when the
                // element's type is unknown, so are its fields, and any may be read.
                let mut fields_unknown = false;
                for e in array_exprs {
                    let ty = self.infer(e, scope, None, false);
                    let elem = match ty {
                        SqlType::List(t) | SqlType::Array(t, _) => *t,
                        _ => SqlType::Unknown,
                    };
                    let lineage = self.expr_lineage(e, EdgeKind::Transform);
                    match elem {
                        // BigQuery reads an array of structs as a table of their fields.
                        SqlType::Struct(fields)
                            if self.dialect == crate::syntax::Dialect::BigQuery =>
                        {
                            columns.extend(fields.into_iter().map(|(name, ty)| Column {
                                name,
                                ty,
                                lineage: lineage.clone(),
                                named_by_engine: false,
                            }))
                        }
                        elem => {
                            fields_unknown |= elem == SqlType::Unknown
                                && self.dialect == crate::syntax::Dialect::BigQuery;
                            columns.push(Column {
                                name: element_name.clone(),
                                ty: elem,
                                lineage,
                                named_by_engine: false,
                            })
                        }
                    }
                }
                if *with_offset {
                    let name = with_offset_alias
                        .as_ref()
                        .map_or("offset", |a| a.value.as_str());
                    columns.push(Column::new(name, SqlType::BigInt));
                }
                let mut schema = RelationSchema::closed(columns);
                schema.open = fields_unknown;
                if *with_ordinality {
                    with_ordinality_column(&mut schema);
                }
                Some(aliased_item(schema, alias.as_ref(), "unnest"))
            }
            TableFactor::NestedJoin { .. } => None,
            TableFactor::Function {
                name,
                alias,
                args,
                with_ordinality,
                ..
            } => Some(self.table_call_item(name, args, *with_ordinality, alias.as_ref(), scope)),
            // Snowflake's `TABLE(flatten(...))`, `TABLE(split_to_table(...))`.
            TableFactor::TableFunction {
                expr: Expr::Function(f),
                alias,
            } => {
                let args = match &f.args {
                    sqlparser::ast::FunctionArguments::List(list) => list.args.as_slice(),
                    _ => &[],
                };
                Some(self.table_call_item(&f.name, args, false, alias.as_ref(), scope))
            }
            TableFactor::Pivot {
                table,
                aggregate_functions,
                value_column,
                value_source,
                alias,
                ..
            } => {
                let schema = self.pivot_schema(
                    scope,
                    table,
                    aggregate_functions,
                    value_column,
                    value_source,
                );
                Some(aliased_item(schema, alias.as_ref(), ""))
            }
            TableFactor::Unpivot {
                table,
                value,
                name,
                columns,
                alias,
                ..
            } => {
                let schema = self.unpivot_schema(scope, table, value, name, columns);
                Some(aliased_item(schema, alias.as_ref(), ""))
            }
            other => {
                let alias = table_factor_alias(other);
                let qualifier = alias.map(|a| a.name.value.clone()).unwrap_or_default();
                Some(FromItem {
                    columns_by_name: Default::default(),
                    former_name: None,
                    qualifier: qualifier.clone(),
                    parts: vec![qualifier],
                    schema: RelationSchema::unknown(),
                })
            }
        }
    }

    /// A table function called in FROM, named by its alias or else by itself.
    fn table_call_item(
        &mut self,
        name: &ObjectName,
        args: &[sqlparser::ast::FunctionArg],
        with_ordinality: bool,
        alias: Option<&TableAlias>,
        scope: &Scope,
    ) -> FromItem {
        let function = object_name_parts(name).last().cloned().unwrap_or_default();
        let mut schema = if function.eq_ignore_ascii_case("flatten") {
            self.flatten_schema(args, scope)
        } else {
            self.table_function_schema(&function, &unnamed_args(args), scope)
        };
        if let Some(declared) = self.declared_record_columns(alias) {
            schema = declared;
        }
        if with_ordinality {
            with_ordinality_column(&mut schema);
        }
        aliased_item(schema, alias, &function)
    }

    /// Snowflake's `LATERAL FLATTEN(input => ...)`: its fixed columns, the
    /// values and paths coming from the input.
    fn flatten_schema(
        &mut self,
        args: &[sqlparser::ast::FunctionArg],
        scope: &Scope,
    ) -> RelationSchema {
        use sqlparser::ast::{FunctionArg, FunctionArgExpr};
        let mut lineage = Vec::new();
        for arg in args {
            let (FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
            | FunctionArg::Named {
                arg: FunctionArgExpr::Expr(e),
                ..
            }
            | FunctionArg::ExprNamed {
                arg: FunctionArgExpr::Expr(e),
                ..
            }) = arg
            else {
                continue;
            };
            self.infer(e, scope, None, false);
            lineage.extend(self.expr_lineage(e, EdgeKind::Transform));
        }
        RelationSchema::closed(
            crate::catalog::flatten_columns()
                .into_iter()
                .map(|(name, ty)| Column {
                    name: name.into(),
                    ty,
                    lineage: if matches!(name, "value" | "this" | "key" | "path") {
                        lineage.clone()
                    } else {
                        Vec::new()
                    },
                    named_by_engine: false,
                })
                .collect(),
        )
    }

    /// Hive's and Spark's `LATERAL VIEW [OUTER] generator(args) name [AS c1,
    /// c2]`: a relation `name` in scope, whose columns the generator makes of
    /// each row of FROM (and of the lateral views before it), named by Spark
    /// (`col`, `key`, `value`, `pos`) unless the view names them.
    fn add_lateral_views(&mut self, scope: &mut Scope, views: &[sqlparser::ast::LateralView]) {
        for view in views {
            let schema =
                match self.generator_columns(&view.lateral_view, &view.lateral_col_alias, scope) {
                    Some(columns) => RelationSchema::closed(columns),
                    None => RelationSchema::unknown(),
                };
            let qualifier = object_name_parts(&view.lateral_view_name)
                .last()
                .cloned()
                .unwrap_or_default();
            scope.items.push(FromItem {
                columns_by_name: Default::default(),
                former_name: None,
                qualifier: qualifier.clone(),
                parts: vec![qualifier.to_lowercase()],
                schema,
            });
        }
    }

    /// The columns a call of a Spark generator (`explode`, `posexplode`,
    /// `inline`...) makes, named `names` or else as Spark names them, with
    /// the lineage of its arguments; `None` when neither the names nor the
    /// arguments' types tell them.
    fn generator_columns(
        &mut self,
        call: &Expr,
        names: &[Ident],
        scope: &Scope,
    ) -> Option<Vec<Column>> {
        use sqlparser::ast::FunctionArguments;
        let (function, args): (String, Vec<&Expr>) = match call {
            Expr::Function(f) => (
                called_name(f),
                match &f.args {
                    FunctionArguments::List(list) => unnamed_args(&list.args),
                    _ => Vec::new(),
                },
            ),
            other => (String::new(), vec![other]),
        };
        self.generator_output(&function, &args, names, scope)
    }

    /// The columns `function` (a Spark generator) makes of `args`; see
    /// [`Self::generator_columns`].
    fn generator_output(
        &mut self,
        function: &str,
        args: &[&Expr],
        names: &[Ident],
        scope: &Scope,
    ) -> Option<Vec<Column>> {
        let types: Vec<SqlType> = args
            .iter()
            .map(|e| self.infer(e, scope, None, false))
            .collect();
        let lineage: Vec<Edge> = args
            .iter()
            .flat_map(|e| self.expr_lineage(e, EdgeKind::Transform))
            .collect();
        let made = match function {
            "stack" => stack_columns(args, &types),
            _ => crate::catalog::SparkCatalog::get().generator_columns(function, &types),
        };
        let columns: Vec<(String, SqlType)> = match (made, names.is_empty()) {
            (Some(made), true) => made,
            (Some(made), false) if made.len() == names.len() => names
                .iter()
                .zip(made)
                .map(|(n, (_, t))| (n.value.clone(), t))
                .collect(),
            // Named, but of types the arguments leave open.
            (_, false) => names
                .iter()
                .map(|n| (n.value.clone(), SqlType::Unknown))
                .collect(),
            (None, true) => return None,
        };
        Some(
            columns
                .into_iter()
                .map(|(name, ty)| Column {
                    name,
                    ty,
                    lineage: lineage.clone(),
                    named_by_engine: names.is_empty(),
                })
                .collect(),
        )
    }

    /// A generator in a Spark select list makes a column of each of its
    /// outputs: `posexplode(a)` is `pos` and `col`, `explode(m)` is `key`
    /// and `value`, `explode(m) AS (k, v)` is `k` and `v`.
    fn generator_in_select_list(
        &mut self,
        call: &Expr,
        names: &[Ident],
        scope: &Scope,
    ) -> Option<Vec<Column>> {
        let Expr::Function(f) = call else {
            return None;
        };
        if self.dialect == crate::syntax::Dialect::DuckDb && called_name(f) == "unnest" {
            return self.duckdb_unnest_of_struct(f, scope);
        }
        if !self.spark_types || !crate::catalog::SparkCatalog::get().is_generator(&called_name(f)) {
            return None;
        }
        self.generator_columns(call, names, scope)
    }

    /// DuckDB's `unnest(st)` of a struct in a select list makes a column of
    /// each field (`recursive := true` unnests lists down to their elements
    /// first); `None` for anything else, which is one column.
    fn duckdb_unnest_of_struct(
        &mut self,
        f: &sqlparser::ast::Function,
        scope: &Scope,
    ) -> Option<Vec<Column>> {
        use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments};
        let FunctionArguments::List(list) = &f.args else {
            return None;
        };
        let mut recursive = false;
        let mut value = None;
        for arg in &list.args {
            match arg {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) if value.is_none() => {
                    value = Some(e)
                }
                FunctionArg::Named {
                    name,
                    arg: FunctionArgExpr::Expr(e),
                    ..
                }
                | FunctionArg::ExprNamed {
                    name: Expr::Identifier(name),
                    arg: FunctionArgExpr::Expr(e),
                    ..
                } if name.value.eq_ignore_ascii_case("recursive") => {
                    recursive = matches!(e, Expr::Value(v) if v.value == sqlparser::ast::Value::Boolean(true));
                }
                _ => return None,
            }
        }
        let value = value?;
        let mut ty = self.infer(value, scope, None, false);
        while let (true, SqlType::List(t) | SqlType::Array(t, _)) = (recursive, &ty) {
            ty = (**t).clone();
        }
        let SqlType::Struct(fields) = ty else {
            return None;
        };
        let lineage = self.expr_lineage(value, EdgeKind::Transform);
        Some(
            fields
                .into_iter()
                .map(|(name, ty)| Column {
                    name,
                    ty,
                    lineage: lineage.clone(),
                    named_by_engine: false,
                })
                .collect(),
        )
    }

    /// BigQuery's `FROM t, t.arr AS a`: a path into an earlier relation of
    /// the same FROM is `UNNEST(t.arr) AS a` (an element named after the
    /// array without an alias).
    fn bigquery_correlated_array(
        &self,
        scope: &Scope,
        factor: &TableFactor,
    ) -> Option<TableFactor> {
        if self.dialect != crate::syntax::Dialect::BigQuery {
            return None;
        }
        let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = factor
        else {
            return None;
        };
        let idents: Vec<Ident> = name
            .0
            .iter()
            .map(|p| p.as_ident().cloned())
            .collect::<Option<_>>()?;
        let [first, .., last] = idents.as_slice() else {
            return None;
        };
        let earlier = scope
            .items
            .iter()
            .any(|item| item.qualifier.eq_ignore_ascii_case(&first.value));
        if !earlier {
            return None;
        }
        let alias = alias.clone().unwrap_or_else(|| TableAlias {
            explicit: false,
            name: last.clone(),
            columns: Vec::new(),
            at: None,
        });
        Some(TableFactor::UNNEST {
            alias: Some(alias),
            array_exprs: vec![Expr::CompoundIdentifier(idents)],
            with_offset: false,
            with_offset_alias: None,
            with_ordinality: false,
        })
    }

    /// The columns a record-returning function's column definition list
    /// declares (Postgres's `jsonb_to_recordset(x) as r(sku text, qty int)`):
    /// the function's columns are exactly those.
    fn declared_record_columns(&self, alias: Option<&TableAlias>) -> Option<RelationSchema> {
        let alias = alias?;
        if alias.columns.is_empty() || alias.columns.iter().any(|c| c.data_type.is_none()) {
            return None;
        }
        let columns = alias
            .columns
            .iter()
            .map(|c| {
                let ty = c.data_type.as_ref().map_or(SqlType::Unknown, |t| {
                    crate::types::parse_type_in(&t.to_string(), self.dialect)
                });
                Column::new(c.name.value.clone(), ty)
            })
            .collect();
        Some(RelationSchema::closed(columns))
    }

    /// Columns of a table function in FROM, where the engine's are known.
    fn table_function_schema(
        &mut self,
        name: &str,
        args: &[&Expr],
        scope: &Scope,
    ) -> RelationSchema {
        let name = name.to_lowercase();
        // Spark's `FROM t, LATERAL explode(t.tags) AS x`: the columns the
        // generator makes (`col`; `key` and `value`; `pos`...).
        if self.spark_types && crate::catalog::SparkCatalog::get().is_generator(&name) {
            return self
                .generator_output(&name, args, &[], scope)
                .map_or_else(RelationSchema::unknown, RelationSchema::closed);
        }
        let types: Vec<SqlType> = args
            .iter()
            .map(|e| self.infer(e, scope, None, false))
            .collect();
        match name.as_str() {
            // Spark's `range(n)`: one BIGINT column `id`.
            "range" if self.spark_types => {
                RelationSchema::closed(vec![Column::new("id", SqlType::BigInt)])
            }
            n @ ("range" | "generate_series") => {
                let postgres = (n == "generate_series"
                    && self.dialect == crate::syntax::Dialect::Postgres)
                    .then(|| crate::catalog::postgres_series_type(&types))
                    .flatten();
                let ty = match (postgres, types.first()) {
                    (Some(ty), _) => ty,
                    (None, Some(t)) if t.is_temporal() => SqlType::Timestamp,
                    _ => SqlType::BigInt,
                };
                RelationSchema::closed(vec![Column::new(n, ty)])
            }
            n if self.dialect == crate::syntax::Dialect::Postgres
                && crate::catalog::postgres_json_rows(n).is_some() =>
            {
                RelationSchema::closed(
                    crate::catalog::postgres_json_rows(n)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(name, ty)| Column::new(name, ty))
                        .collect(),
                )
            }
            // Snowflake's `split_to_table(s, ',')`: a row per part.
            "split_to_table" => RelationSchema::closed(vec![
                Column::new("seq", SqlType::BigInt),
                Column::new("index", SqlType::BigInt),
                Column::new("value", SqlType::Varchar),
            ]),
            "unnest" => {
                let elem = types
                    .first()
                    .and_then(|t| t.element().cloned())
                    .unwrap_or(SqlType::Unknown);
                RelationSchema::closed(vec![Column::new("unnest", elem)])
            }
            _ => RelationSchema::unknown(),
        }
    }

    /// A SELECT: FROM scope, GROUP BY, the select list, WHERE, HAVING, QUALIFY, ORDER BY.
    fn analyze_select(
        &mut self,
        select: &Select,
        parent: Option<&Scope>,
        query: Option<&Query>,
    ) -> RelationSchema {
        // A query of only `FROM t` (BigQuery's pipes start so) selects `*`.
        if select.flavor == sqlparser::ast::SelectFlavor::FromFirstNoSelect
            && select.projection.is_empty()
        {
            let mut star = select.clone();
            star.projection = vec![SelectItem::Wildcard(Default::default())];
            star.flavor = sqlparser::ast::SelectFlavor::FromFirst;
            return self.analyze_select(&star, parent, query);
        }
        let hierarchical = !select.connect_by.is_empty();
        self.connect_by_depth += usize::from(hierarchical);
        let schema = self.analyze_plain_select(select, parent, query);
        self.connect_by_depth -= usize::from(hierarchical);
        schema
    }

    fn analyze_plain_select(
        &mut self,
        select: &Select,
        parent: Option<&Scope>,
        query: Option<&Query>,
    ) -> RelationSchema {
        let mut scope = self.build_from(&select.from, parent);
        self.add_lateral_views(&mut scope, &select.lateral_views);
        if self.records_ide_facts() {
            let items = scope
                .items
                .iter()
                .map(|i| {
                    (
                        i.qualifier.clone(),
                        super::columns_for_editor(&i.schema.columns),
                    )
                })
                .collect();
            self.ide.scopes.push(super::ScopeInfo {
                range: self.range_of(select),
                items,
            });
        }
        // Aliases defined by the select list, for WHERE and GROUP BY (DuckDB allows both).
        let alias_exprs: Vec<(String, &Expr)> = select
            .projection
            .iter()
            .filter_map(|item| match item {
                SelectItem::ExprWithAlias { expr, alias } => {
                    Some((alias.value.to_lowercase(), expr))
                }
                _ => None,
            })
            .collect();

        let group_all = matches!(select.group_by, GroupByExpr::All(_));
        let group_exprs: Vec<&Expr> = match &select.group_by {
            GroupByExpr::Expressions(exprs, _) => exprs.iter().collect(),
            GroupByExpr::All(_) => Vec::new(),
        };
        let aggregated = !group_exprs.is_empty()
            || group_all
            || select.having.is_some()
            || select
                .projection
                .iter()
                .any(|item| self.select_item_aggregates(item));

        let mut grouping = Grouping::default();
        // A position the select list's `*` makes unknowable: nothing is
        // checked for grouping here.
        let mut unknown_position = false;
        for g in &group_exprs {
            let target = match self.ordinal_past_a_star(g, select, &scope) {
                Some(OrdinalTarget::Item(e)) => e,
                Some(OrdinalTarget::StarColumn(name)) => {
                    let column = Expr::Identifier(Ident::new(name.clone()));
                    if let Some(binding) = self.column_binding(&column, &scope) {
                        grouping.bindings.insert(binding);
                    }
                    grouping.insert_text(name.to_lowercase());
                    continue;
                }
                Some(OrdinalTarget::Unknown) => {
                    unknown_position = true;
                    continue;
                }
                None => self.grouping_target(g, select, &scope, &alias_exprs),
            };
            self.collect_grouping(target, &scope, &mut grouping);
            if std::ptr::eq(target, *g) {
                self.infer(g, &scope, None, true);
            }
            let keys = self.expr_lineage(target, EdgeKind::GroupKey);
            merge_edges(&mut self.influences, keys);
        }
        let grouping_ref = (aggregated && !group_all && !unknown_position).then_some(&grouping);
        if let (Some(last), true) = (group_exprs.last(), self.records_ide_facts()) {
            let end = self.range_of(*last).end;
            self.ide.group_by_ends.push((self.range_of(select), end));
        }

        let mut columns: Vec<Column> = Vec::new();
        let mut open = false;
        // The relations whose unknown columns a `*` lets through.
        let mut open_from: Vec<String> = Vec::new();
        let mut let_through = |from: Vec<String>| {
            for t in from {
                if !open_from.contains(&t) {
                    open_from.push(t);
                }
            }
        };
        // The buffer of the SELECT analysed before, reused: a nested SELECT
        // of this one's list takes an empty one.
        let mut projection_starts = std::mem::take(&mut self.last_projection_starts);
        projection_starts.clear();
        for item in &select.projection {
            projection_starts.push(columns.len());
            match item {
                SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }
                    if self.may_call_columns() && contains_columns_call(expr) =>
                {
                    let alias = match item {
                        SelectItem::ExprWithAlias { alias, .. } => Some(alias),
                        _ => None,
                    };
                    let (cols, is_open) =
                        self.expand_columns_expression(expr, alias, &scope, grouping_ref);
                    columns.extend(cols);
                    if is_open {
                        let_through(scope.open_from());
                    }
                    open |= is_open;
                }
                SelectItem::UnnamedExpr(expr) => {
                    if let Some(made) = self.generator_in_select_list(expr, &[], &scope) {
                        columns.extend(made);
                        continue;
                    }
                    let ty = self.infer(expr, &scope, grouping_ref, self.lateral_aliases);
                    let name = if self.spark_types {
                        spark_cast_of_column(expr, &scope).unwrap_or_else(|| {
                            let qualifier_len = |ids: &[Ident]| relation_qualifier_len(ids, &scope);
                            super::spark_naming::spark_column_name(expr, &qualifier_len)
                        })
                    } else if matches!(
                        self.dialect,
                        crate::syntax::Dialect::Postgres | crate::syntax::Dialect::Redshift
                    ) {
                        super::postgres_naming::postgres_column_name(expr)
                    } else if self.dialect == crate::syntax::Dialect::DuckDb {
                        duckdb_reference_name(expr, &scope)
                            .unwrap_or_else(|| naming::expr_column_name(expr))
                    } else {
                        naming::expr_column_name(expr)
                    };
                    let lineage = self.expr_lineage(expr, EdgeKind::Copy);
                    scope.aliases.borrow_mut().push(Alias {
                        name: name.clone(),
                        ty: ty.clone(),
                        lineage: lineage.clone(),
                    });
                    let named_by_engine =
                        !matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
                    columns.push(Column {
                        name,
                        ty,
                        lineage,
                        named_by_engine,
                    });
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    // DuckDB spreads `unnest(st) AS u` into the fields all the same.
                    if let Expr::Function(f) = expr {
                        if self.dialect == crate::syntax::Dialect::DuckDb
                            && called_name(f) == "unnest"
                        {
                            if let Some(made) = self.duckdb_unnest_of_struct(f, &scope) {
                                columns.extend(made);
                                continue;
                            }
                        }
                    }
                    let ty = self.infer(expr, &scope, grouping_ref, self.lateral_aliases);
                    let lineage = self.expr_lineage(expr, EdgeKind::Copy);
                    if self.records_ide_facts() {
                        self.ide.aliases.push((
                            self.span_range(alias.span),
                            alias.value.clone(),
                            self.current_gem.clone(),
                        ));
                    }
                    scope.aliases.borrow_mut().push(Alias {
                        name: alias.value.clone(),
                        ty: ty.clone(),
                        lineage: lineage.clone(),
                    });
                    columns.push(Column {
                        name: alias.value.clone(),
                        ty,
                        lineage,
                        named_by_engine: false,
                    });
                }
                SelectItem::ExprWithAliases { expr, aliases } => {
                    if let Some(made) = self.generator_in_select_list(expr, aliases, &scope) {
                        columns.extend(made);
                        continue;
                    }
                    self.infer(expr, &scope, grouping_ref, true);
                    for a in aliases {
                        columns.push(Column::new(a.value.clone(), SqlType::Unknown));
                    }
                }
                SelectItem::Wildcard(opts) => {
                    // Out of fuel, a `*` is left unknown rather than copied on.
                    let (cols, is_open) = if self.out_of_fuel() {
                        (Vec::new(), true)
                    } else {
                        scope.star_columns(self.join_columns_first())
                    };
                    self.burn(cols.len() as u64);
                    let cols = self.apply_wildcard_options(cols, opts, &scope, is_open);
                    if self.ide_facts {
                        self.ide.stars.push((
                            self.span_range(opts.wildcard_token.0.span),
                            super::columns_for_editor(&cols),
                        ));
                    }
                    if aggregated && !group_all && !unknown_position && !cols.is_empty() {
                        self.check_star_grouped(&scope, &grouping, opts);
                    }
                    columns.extend(cols);
                    if is_open {
                        let_through(scope.open_from());
                    }
                    open |= is_open;
                }
                SelectItem::QualifiedWildcard(kind, opts) => {
                    let (cols, is_open) = match kind {
                        SelectItemQualifiedWildcardKind::ObjectName(name) => {
                            let parts = object_name_parts_as_written(name);
                            match scope.find_item(&parts) {
                                Some((_, _, item)) => {
                                    // `t.*` lets through `t`'s unknown columns only.
                                    let_through(item.schema.open_from.clone());
                                    (item.schema.columns.to_vec(), item.schema.open)
                                }
                                None if scope.item_hidden_by_alias(&parts).is_some() => {
                                    // Engines reject `tab.*` for `FROM tab AS a`;
                                    // lineage reads the table it names.
                                    let item = scope.item_hidden_by_alias(&parts).unwrap();
                                    let range = self.range_of(name);
                                    self.report(
                                        Code::UnknownTable,
                                        range,
                                        format!(
                                            "no relation named `{}` in FROM: it is aliased `{}`",
                                            parts.join("."),
                                            item.qualifier
                                        ),
                                    );
                                    let_through(item.schema.open_from.clone());
                                    (item.schema.columns.to_vec(), item.schema.open)
                                }
                                None => {
                                    // `struct_column.*` expands a struct's fields.
                                    match self.struct_star(&parts, &scope) {
                                        Some(fields) => fields,
                                        None => {
                                            if !scope.any_open() {
                                                let range = self.range_of(name);
                                                self.report(
                                                    Code::UnknownTable,
                                                    range,
                                                    format!(
                                                        "no relation named `{}` in FROM",
                                                        parts.join(".")
                                                    ),
                                                );
                                            }
                                            let_through(scope.open_from());
                                            (Vec::new(), true)
                                        }
                                    }
                                }
                            }
                        }
                        SelectItemQualifiedWildcardKind::Expr(e) => {
                            match self.infer(e, &scope, None, false) {
                                SqlType::Struct(fields) => (
                                    fields.into_iter().map(|(n, t)| Column::new(n, t)).collect(),
                                    false,
                                ),
                                _ => {
                                    let_through(scope.open_from());
                                    (Vec::new(), true)
                                }
                            }
                        }
                    };
                    let cols = self.apply_wildcard_options(cols, opts, &scope, is_open);
                    columns.extend(cols);
                    open |= is_open;
                }
            }
        }

        for (clause, grouped, is_qualify) in [
            (&select.selection, None, false),
            (&select.having, grouping_ref, false),
            (&select.qualify, grouping_ref, true),
        ] {
            if let Some(condition) = clause {
                // Every engine with QUALIFY lets it read the select list's
                // aliases (`... AS rank QUALIFY rank <= 3`).
                let aliases_ok = self.lateral_aliases || grouped.is_some() || is_qualify;
                self.infer(condition, &scope, grouped, aliases_ok);
                let filters = self.expr_lineage(condition, EdgeKind::Filter);
                merge_edges(&mut self.influences, filters);
            }
        }
        if let Some(sqlparser::ast::Distinct::On(exprs)) = &select.distinct {
            for e in exprs {
                self.infer(e, &scope, grouping_ref, true);
            }
        }
        if let Some(order_by) = query.and_then(|q| q.order_by.as_ref()) {
            if let OrderByKind::Expressions(exprs) = &order_by.kind {
                for o in exprs {
                    if is_ordinal(&o.expr) {
                        continue;
                    }
                    // ORDER BY sees output names first.
                    if let Expr::Identifier(id) = &o.expr {
                        if columns
                            .iter()
                            .any(|c| c.name.eq_ignore_ascii_case(&id.value))
                        {
                            continue;
                        }
                    }
                    self.infer(&o.expr, &scope, grouping_ref, true);
                }
            }
        }
        // BigQuery's `SELECT AS VALUE struct`: a value table, whose columns
        // are the struct's fields.
        if matches!(
            select.value_table_mode,
            Some(ValueTableMode::AsValue | ValueTableMode::DistinctAsValue)
        ) {
            if let [only] = columns.as_slice() {
                match &only.ty {
                    SqlType::Struct(fields) => {
                        let lineage = only.lineage.clone();
                        columns = fields
                            .iter()
                            .map(|(name, ty)| Column {
                                lineage: lineage.clone(),
                                ..Column::new(name.clone(), ty.clone())
                            })
                            .collect();
                    }
                    SqlType::Unknown => {
                        columns.clear();
                        open = true;
                    }
                    _ => {}
                }
            }
        }
        if !open {
            open_from.clear();
        }
        self.last_projection_starts = projection_starts;
        RelationSchema {
            columns: Arc::new(materialize(columns, self.dialect)),
            open,
            open_from,
        }
    }

    /// What `GROUP BY n` groups when a `*` comes before the n-th item: the
    /// engines count the columns `*` expands to. None where no `*` does.
    fn ordinal_past_a_star<'e>(
        &self,
        g: &Expr,
        select: &'e Select,
        scope: &Scope,
    ) -> Option<OrdinalTarget<'e>> {
        let n = ordinal(g)?;
        let stars_before = select.projection.iter().take(n).any(|item| {
            matches!(
                item,
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
            )
        });
        if !stars_before {
            return None;
        }
        let mut position = 0;
        for item in &select.projection {
            let star = match item {
                SelectItem::Wildcard(opts) => {
                    Some((scope.star_columns(self.join_columns_first()), opts))
                }
                SelectItem::QualifiedWildcard(
                    SelectItemQualifiedWildcardKind::ObjectName(name),
                    opts,
                ) => {
                    let parts = object_name_parts_as_written(name);
                    let (_, _, found) = scope.find_item(&parts)?;
                    Some(((found.schema.columns.to_vec(), found.schema.open), opts))
                }
                SelectItem::QualifiedWildcard(..) => return Some(OrdinalTarget::Unknown),
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    position += 1;
                    if position == n {
                        return Some(OrdinalTarget::Item(e));
                    }
                    None
                }
                // Spark's `stack(...) as (a, b)`: a column per alias.
                SelectItem::ExprWithAliases { expr, aliases } => {
                    position += aliases.len();
                    if n <= position {
                        return Some(OrdinalTarget::Item(expr));
                    }
                    None
                }
            };
            if let Some(((columns, open), opts)) = star {
                // Options that drop or rename columns, or columns not known: no count.
                let reshaped = opts.opt_exclude.is_some()
                    || opts.opt_except.is_some()
                    || opts.opt_rename.is_some()
                    || opts.opt_ilike.is_some();
                if open || reshaped {
                    return Some(OrdinalTarget::Unknown);
                }
                if n <= position + columns.len() {
                    return Some(OrdinalTarget::StarColumn(
                        columns[n - position - 1].name.clone(),
                    ));
                }
                position += columns.len();
            }
        }
        Some(OrdinalTarget::Unknown)
    }

    /// What a GROUP BY entry groups: a select item for ordinals and aliases.
    fn grouping_target<'e>(
        &self,
        g: &'e Expr,
        select: &'e Select,
        scope: &Scope,
        aliases: &[(String, &'e Expr)],
    ) -> &'e Expr {
        if let Some(n) = ordinal(g) {
            if let Some(item) = select.projection.get(n.wrapping_sub(1)) {
                return match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
                    _ => g,
                };
            }
        }
        if let Expr::Identifier(id) = g {
            // A name that is a known column groups the column (as the engines
            // resolve it); one that only a relation of unknown columns might
            // hold is the select item of that alias, as valid SQL has it.
            // BigQuery reads the select list's names first, its columns'
            // implicit names too (`select t.id ... group by id`).
            let is_column = matches!(
                scope.resolve(&id.value, false),
                super::scope::Resolution::Found { .. } | super::scope::Resolution::Ambiguous(_)
            );
            let aliases_first = self.dialect == crate::syntax::Dialect::BigQuery;
            if !is_column || aliases_first {
                if let Some((_, e)) = aliases
                    .iter()
                    .find(|(a, _)| a.eq_ignore_ascii_case(&id.value))
                {
                    return e;
                }
            }
            if aliases_first {
                if let Some(e) = select.projection.iter().find_map(|item| match item {
                    SelectItem::UnnamedExpr(e @ Expr::CompoundIdentifier(parts))
                        if parts
                            .last()
                            .is_some_and(|p| p.value.eq_ignore_ascii_case(&id.value)) =>
                    {
                        Some(e)
                    }
                    _ => None,
                }) {
                    return e;
                }
            }
        }
        g
    }

    fn collect_grouping(&self, target: &Expr, scope: &Scope, grouping: &mut Grouping) {
        grouping.insert_text(normalize_expr_text(target));
        if let Some(binding) = self.column_binding(target, scope) {
            grouping.bindings.insert(binding);
        }
        // Grouping sets, cube and rollup group each of their expressions.
        if let Expr::GroupingSets(sets) | Expr::Cube(sets) | Expr::Rollup(sets) = target {
            for e in sets.iter().flatten() {
                self.collect_grouping(e, scope, grouping);
            }
        }
        if let Expr::Tuple(items) = target {
            for e in items {
                self.collect_grouping(e, scope, grouping);
            }
        }
        // Where a dialect reads `rollup (a, b)` as a call (Redshift's).
        if let Expr::Function(f) = target {
            let name = called_name(f).to_ascii_lowercase();
            if matches!(name.as_str(), "rollup" | "cube" | "grouping_sets") {
                if let sqlparser::ast::FunctionArguments::List(list) = &f.args {
                    for e in unnamed_args(&list.args) {
                        self.collect_grouping(e, scope, grouping);
                    }
                }
            }
        }
    }

    /// The binding a plain column reference resolves to.
    pub fn column_binding(&self, e: &Expr, scope: &Scope) -> Option<Binding> {
        use super::scope::Resolution;
        let res = match e {
            Expr::Identifier(id) => scope.resolve(&id.value, false),
            Expr::CompoundIdentifier(ids) if ids.len() >= 2 => {
                let q: Vec<String> = ids[..ids.len() - 1]
                    .iter()
                    .map(|i| i.value.clone())
                    .collect();
                scope.resolve_qualified(&q, &ids[ids.len() - 1].value)
            }
            Expr::Nested(inner) => return self.column_binding(inner, scope),
            _ => return None,
        };
        match res {
            Resolution::Found {
                binding, depth: 0, ..
            } => binding,
            _ => None,
        }
    }

    /// Whether a select item aggregates (outside windows and subqueries).
    fn select_item_aggregates(&self, item: &SelectItem) -> bool {
        let expr = match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
            _ => return false,
        };
        self.contains_aggregate(expr)
    }

    fn apply_wildcard_options(
        &mut self,
        mut cols: Vec<Column>,
        opts: &WildcardAdditionalOptions,
        scope: &Scope,
        open: bool,
    ) -> Vec<Column> {
        // Snowflake's `* ILIKE '%_id'`: the columns whose names match.
        if let Some(ilike) = &opts.opt_ilike {
            cols.retain(|c| ilike_matches(&ilike.pattern, &c.name));
        }
        // `* EXCEPT (a, b)` (BigQuery, ClickHouse) means EXCLUDE.
        let except: Option<Vec<ObjectName>> = opts.opt_except.as_ref().map(|e| {
            std::iter::once(&e.first_element)
                .chain(&e.additional_elements)
                .map(|id| ObjectName::from(vec![id.clone()]))
                .collect()
        });
        if opts.opt_exclude.is_some() || except.is_some() {
            let names: Vec<&ObjectName> = match &opts.opt_exclude {
                Some(sqlparser::ast::ExcludeSelectItem::Single(n)) => vec![n],
                Some(sqlparser::ast::ExcludeSelectItem::Multiple(ns)) => ns.iter().collect(),
                None => except.iter().flatten().collect(),
            };
            for name in names {
                let parts = object_name_parts(name);
                let col = parts.last().cloned().unwrap_or_default();
                let before = cols.len();
                cols.retain(|c| !c.name.eq_ignore_ascii_case(&col));
                if cols.len() == before && !open {
                    let range = self.range_of(name);
                    self.report(
                        Code::UnknownColumn,
                        range,
                        format!("column `{col}` in EXCLUDE does not exist"),
                    );
                }
            }
        }
        if let Some(replace) = &opts.opt_replace {
            for element in &replace.items {
                let ty = self.infer(&element.expr, scope, None, true);
                let lineage = self.expr_lineage(&element.expr, EdgeKind::Copy);
                match cols
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(&element.column_name.value))
                {
                    Some(c) => {
                        c.ty = ty;
                        c.lineage = lineage;
                    }
                    None if !open => {
                        let range = self.span_range(element.column_name.span);
                        self.report(
                            Code::UnknownColumn,
                            range,
                            format!(
                                "column `{}` in REPLACE does not exist",
                                element.column_name.value
                            ),
                        );
                    }
                    None => {}
                }
            }
        }
        if let Some(rename) = &opts.opt_rename {
            let items: Vec<&sqlparser::ast::IdentWithAlias> = match rename {
                sqlparser::ast::RenameSelectItem::Single(i) => vec![i],
                sqlparser::ast::RenameSelectItem::Multiple(is) => is.iter().collect(),
            };
            for i in items {
                if let Some(c) = cols
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(&i.ident.value))
                {
                    c.name = i.alias.value.clone();
                }
            }
        }
        cols
    }

    /// `SELECT *` in an aggregated SELECT: every column must be grouped.
    fn check_star_grouped(
        &mut self,
        scope: &Scope,
        grouping: &Grouping,
        opts: &WildcardAdditionalOptions,
    ) {
        let (cols, _) = scope.star_columns(self.join_columns_first());
        for c in cols {
            let binding = self.column_binding(&Expr::Identifier(Ident::new(c.name.clone())), scope);
            if binding.is_some_and(|b| !grouping.bindings.contains(&b))
                && !grouping.texts.contains(&c.name.to_lowercase())
            {
                let range = self.span_range(opts.wildcard_token.0.span);
                self.report(
                    Code::NotGrouped,
                    range,
                    format!(
                        "`*` includes column `{}`, which is neither grouped nor aggregated",
                        c.name
                    ),
                );
                return;
            }
        }
    }

    /// Whether a select item can hold DuckDB's `COLUMNS(...)`: most texts
    /// never name it, and looking inside every item is a walk of its tree.
    fn may_call_columns(&self) -> bool {
        self.dialect == crate::syntax::Dialect::DuckDb
            // `columns`, `Columns`, `COLUMNS`: two fast substring searches.
            && *self
                .names_columns
                .get_or_init(|| self.sql.contains("olumns") || self.sql.contains("OLUMNS"))
    }

    /// DuckDB's `COLUMNS(*)`, `COLUMNS('regex')`, alone or inside an
    /// expression (`min(COLUMNS(*))`): one column per column it matches,
    /// named after it, or after the alias with `\0`, `\1`... replaced by
    /// the regex's groups, as DuckDB names them.
    fn expand_columns_expression(
        &mut self,
        expr: &Expr,
        alias: Option<&Ident>,
        scope: &Scope,
        grouping: Option<&Grouping>,
    ) -> (Vec<Column>, bool) {
        let Some(call) = first_columns_call(expr) else {
            return (Vec::new(), true);
        };
        let (matched, open, regex) = self.columns_matched(&call, scope);
        if matches!(expr, Expr::Function(f) if *f == call) && alias.is_none() {
            return (matched, open);
        }
        let span = call.name.0.first().map_or_else(
            sqlparser::tokenizer::Span::empty,
            sqlparser::ast::Spanned::span,
        );
        let mut out = Vec::new();
        for column in matched {
            if !self.burn(1) {
                return (out, true);
            }
            let mut each = expr.clone();
            let _ = sqlparser::ast::visit_expressions_mut(&mut each, |e| {
                if matches!(e, Expr::Function(f) if *f == call) {
                    *e = Expr::Identifier(Ident {
                        value: column.name.clone(),
                        quote_style: Some('"'),
                        span,
                    });
                }
                std::ops::ControlFlow::<()>::Continue(())
            });
            // Each column's references share the call's place: kept apart.
            let mark = self.resolved_refs.len();
            let ty = self.infer(&each, scope, grouping, self.lateral_aliases);
            let lineage = self.expr_lineage(&each, EdgeKind::Copy);
            self.resolved_refs.truncate(mark);
            let name = match (alias, &regex) {
                (Some(a), Some(re)) if a.value.contains('\\') => {
                    alias_with_groups(&a.value, &column.name, re)
                }
                (Some(a), _) => a.value.clone(),
                (None, _) => column.name.clone(),
            };
            out.push(Column {
                name,
                ty,
                lineage,
                named_by_engine: false,
            });
        }
        (out, open)
    }

    /// The columns a `COLUMNS(...)` call matches, whether more may match (an
    /// open scope, or a selector Loupe does not read), and its regex.
    fn columns_matched(
        &mut self,
        call: &sqlparser::ast::Function,
        scope: &Scope,
    ) -> (Vec<Column>, bool, Option<regex::Regex>) {
        use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments, Value};
        let (cols, open) = scope.star_columns(self.join_columns_first());
        let arg = match &call.args {
            FunctionArguments::List(list) if list.args.len() == 1 => list.args.first(),
            _ => None,
        };
        match arg {
            Some(FunctionArg::Unnamed(FunctionArgExpr::Wildcard)) => (cols, open, None),
            Some(FunctionArg::Unnamed(FunctionArgExpr::WildcardWithOptions(opts))) => {
                let cols = self.apply_wildcard_options(cols, opts, scope, open);
                (cols, open, None)
            }
            Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))) => match &v.value {
                Value::SingleQuotedString(pattern) => match regex::Regex::new(pattern) {
                    Ok(re) => {
                        let matched = cols.into_iter().filter(|c| re.is_match(&c.name)).collect();
                        (matched, open, Some(re))
                    }
                    Err(_) => (Vec::new(), true, None),
                },
                _ => (Vec::new(), true, None),
            },
            _ => (Vec::new(), true, None),
        }
    }

    /// The fields `column.*` expands to, and whether more may exist: `None`
    /// when `parts` names no column that may be a struct.
    fn struct_star(&mut self, parts: &[String], scope: &Scope) -> Option<(Vec<Column>, bool)> {
        let ids: Vec<Ident> = parts.iter().map(|p| Ident::new(p.clone())).collect();
        let e = if ids.len() == 1 {
            Expr::Identifier(ids[0].clone())
        } else {
            Expr::CompoundIdentifier(ids)
        };
        match self.try_resolve_silently(&e, scope) {
            Some(SqlType::Struct(fields)) => Some((
                fields.into_iter().map(|(n, t)| Column::new(n, t)).collect(),
                false,
            )),
            // A column of a type not known (BigQuery's `array_agg(e ...)[offset(0)]`):
            // its fields are not known either.
            Some(SqlType::Unknown) => Some((Vec::new(), true)),
            _ => None,
        }
    }
}

/// The table a one-part name aliases in FROM (`FROM tab1 t` for `t`).
/// The arguments of a call given without a name (`f(a, b)`, not `f(x => a)`).
fn unnamed_args(args: &[sqlparser::ast::FunctionArg]) -> Vec<&Expr> {
    use sqlparser::ast::{FunctionArg, FunctionArgExpr};
    args.iter()
        .filter_map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect()
}

/// Whether `text` matches an ILIKE `pattern` (`%` any run, `_` any one
/// character, a backslash escapes the next), ignoring case.
fn ilike_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let text: Vec<char> = text.to_lowercase().chars().collect();
    // Positions of the pattern reachable after each character of the text.
    let mut reachable = vec![false; pattern.len() + 1];
    let close = |reachable: &mut Vec<bool>| {
        for i in 0..pattern.len() {
            if reachable[i] && pattern[i] == '%' {
                reachable[i + 1] = true;
            }
        }
    };
    reachable[0] = true;
    close(&mut reachable);
    for &c in &text {
        let mut next = vec![false; pattern.len() + 1];
        let mut i = 0;
        while i < pattern.len() {
            let (token, width) = match pattern[i] {
                '\\' if i + 1 < pattern.len() => (Some(pattern[i + 1]), 2),
                '_' => (None, 1),
                p => (Some(p), 1),
            };
            if reachable[i] {
                match (pattern[i], token) {
                    ('%', _) => next[i] = true,
                    (_, None) => next[i + width] = true,
                    (_, Some(t)) if t == c => next[i + width] = true,
                    _ => {}
                }
            }
            i += width;
        }
        reachable = next;
        close(&mut reachable);
    }
    reachable[pattern.len()]
}

/// Postgres's `f(...) WITH ORDINALITY AS t(x, n)`: a position after the
/// function's columns (where they are known: else the alias names them).
fn with_ordinality_column(schema: &mut RelationSchema) {
    if !schema.open {
        Arc::make_mut(&mut schema.columns).push(Column::new("ordinality", SqlType::BigInt));
    }
}

/// The name an engine gives the `i`th column of a VALUES list.
fn values_column(dialect: crate::syntax::Dialect, i: usize) -> String {
    use crate::syntax::Dialect;
    match dialect {
        Dialect::Databricks | Dialect::Hive => format!("col{}", i + 1),
        Dialect::Snowflake => format!("COLUMN{}", i + 1),
        Dialect::Postgres | Dialect::Redshift | Dialect::Sqlite => format!("column{}", i + 1),
        Dialect::MySql => format!("column_{i}"),
        _ => format!("col{i}"),
    }
}

/// Spark's `stack(n, v1, v2, ...)`: the values in `n` rows of as many
/// columns as it takes (`col0`, `col1`, ...), each of its values' common type.
fn stack_columns(args: &[&Expr], types: &[SqlType]) -> Option<Vec<(String, SqlType)>> {
    let Expr::Value(v) = args.first()? else {
        return None;
    };
    let sqlparser::ast::Value::Number(n, _) = &v.value else {
        return None;
    };
    let rows: usize = n.parse().ok().filter(|&n| n > 0)?;
    let values = types.get(1..)?;
    let width = values.len().div_ceil(rows);
    Some(
        (0..width)
            .map(|i| {
                let ty = values
                    .iter()
                    .skip(i)
                    .step_by(width)
                    .fold(None, |acc, t| {
                        Some(super::spark_calls::spark_unify(acc, t.clone()))
                    })
                    .unwrap_or(SqlType::Unknown);
                (format!("col{i}"), ty)
            })
            .collect(),
    )
}

fn from_table_aliased(from: &[TableWithJoins], name: &ObjectName) -> Option<String> {
    let [ObjectNamePart::Identifier(id)] = name.0.as_slice() else {
        return None;
    };
    from.iter()
        .flat_map(|twj| std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)))
        .find_map(|factor| match factor {
            TableFactor::Table {
                name,
                alias: Some(a),
                ..
            } if a.name.value.eq_ignore_ascii_case(&id.value) => Some(name.to_string()),
            _ => None,
        })
}

fn merge_assignments(into: &mut Vec<(String, Vec<Edge>)>, more: Vec<(String, Vec<Edge>)>) {
    for (column, lineage) in more {
        match into
            .iter_mut()
            .find(|(c, _)| c.eq_ignore_ascii_case(&column))
        {
            Some((_, existing)) => merge_edges(existing, lineage),
            None => into.push((column, lineage)),
        }
    }
}

/// Name parts with their case as written.
fn object_name_parts_as_written(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .flat_map(|p| match p {
            ObjectNamePart::Identifier(id) => vec![id.value.clone()],
            ObjectNamePart::Function(f) => identifier_function_parts(f),
        })
        .collect()
}

pub(crate) fn object_name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .flat_map(|p| match p {
            ObjectNamePart::Identifier(id) => vec![id.value.to_lowercase()],
            ObjectNamePart::Function(f) => identifier_function_parts(f)
                .into_iter()
                .map(|part| part.to_lowercase())
                .collect(),
        })
        .collect()
}

/// The name Snowflake's and Databricks' `IDENTIFIER('db.schema.t')` gives:
/// the parts of the string. Built from a variable (`IDENTIFIER($t)`), the
/// name is unknown: two parts, so that it reads as a warehouse table.
fn identifier_function_parts(f: &sqlparser::ast::ObjectNamePartFunction) -> Vec<String> {
    use sqlparser::ast::{FunctionArg, FunctionArgExpr, Value};
    if let [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))] = f.args.as_slice() {
        if let Value::SingleQuotedString(text) = &v.value {
            return text
                .split('.')
                .map(|part| part.trim().trim_matches('"').to_string())
                .collect();
        }
    }
    vec![f.name.value.clone(), f.to_string()]
}

fn table_factor_alias(f: &TableFactor) -> Option<&TableAlias> {
    match f {
        TableFactor::Table { alias, .. }
        | TableFactor::Derived { alias, .. }
        | TableFactor::TableFunction { alias, .. }
        | TableFactor::Function { alias, .. }
        | TableFactor::UNNEST { alias, .. }
        | TableFactor::NestedJoin { alias, .. }
        | TableFactor::Pivot { alias, .. }
        | TableFactor::Unpivot { alias, .. } => alias.as_ref(),
        _ => None,
    }
}

fn join_constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    use JoinOperator::*;
    match op {
        Join(c) | Inner(c) | Left(c) | LeftOuter(c) | Right(c) | RightOuter(c) | FullOuter(c)
        | CrossJoin(c) | Semi(c) | LeftSemi(c) | RightSemi(c) | Anti(c) | LeftAnti(c)
        | RightAnti(c) | StraightJoin(c) => Some(c),
        AsOf { constraint, .. } => Some(constraint),
        _ => None,
    }
}

/// Applies `AS alias(c1, c2, ...)` column renames.
/// A relation qualified by its alias, or else by `unaliased` (empty for a
/// pivot or an unpivot, known only by an alias), renamed by the alias's column list.
fn aliased_item(schema: RelationSchema, alias: Option<&TableAlias>, unaliased: &str) -> FromItem {
    let qualifier = alias.map_or_else(|| unaliased.to_string(), |a| a.name.value.clone());
    let schema = match alias {
        Some(a) => rename_columns(schema, a),
        None => schema,
    };
    FromItem {
        columns_by_name: Default::default(),
        former_name: None,
        qualifier: qualifier.clone(),
        parts: vec![qualifier],
        schema,
    }
}

fn rename_columns(mut schema: RelationSchema, alias: &TableAlias) -> RelationSchema {
    let columns = Arc::make_mut(&mut schema.columns);
    for (c, new) in columns.iter_mut().zip(&alias.columns) {
        c.name = new.name.value.clone();
    }
    if alias.columns.len() > columns.len() && schema.open {
        for new in &alias.columns[columns.len()..] {
            columns.push(Column::new(new.name.value.clone(), SqlType::Unknown));
        }
    }
    schema
}

/// Spark names an unaliased cast of a column after the column
/// (`cast(o.amount as int)` is `amount`); a cast of anything else, a
/// struct's field included, by its text (`CAST(st.a AS STRING)`).
fn spark_cast_of_column(expr: &Expr, scope: &Scope) -> Option<String> {
    let Expr::Cast { expr: cast, .. } = unparenthesized(expr) else {
        return None;
    };
    match unparenthesized(cast) {
        Expr::Identifier(id) => Some(id.value.clone()),
        Expr::CompoundIdentifier(ids) if relation_qualifier_len(ids, scope) == ids.len() - 1 => {
            ids.last().map(|column| column.value.clone())
        }
        _ => None,
    }
}

/// How many leading parts of `ids` name a relation of `scope` (`o` of
/// `o.payload.name`, `s.t` of `s.t.id`), the longest such prefix.
fn relation_qualifier_len(ids: &[Ident], scope: &Scope) -> usize {
    (1..ids.len())
        .rev()
        .find(|&n| {
            let qualifier: Vec<String> = ids[..n].iter().map(|i| i.value.clone()).collect();
            scope.find_item(&qualifier).is_some()
        })
        .unwrap_or(0)
}

fn unparenthesized(mut e: &Expr) -> &Expr {
    while let Expr::Nested(inner) = e {
        e = inner;
    }
    e
}

/// Whether a select item names its column with a quoted identifier.
fn names_quoted(item: &SelectItem) -> bool {
    let quoted = |id: &Ident| id.quote_style.is_some();
    match item {
        SelectItem::ExprWithAlias { alias, .. } => quoted(alias),
        SelectItem::UnnamedExpr(Expr::Identifier(id)) => quoted(id),
        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(ids)) => ids.last().is_some_and(quoted),
        _ => false,
    }
}

/// The columns' types once the query's rows exist: a bare NULL is an
/// INTEGER, as DuckDB makes it, and a TEXT on Postgres.
fn materialize(columns: Vec<Column>, dialect: crate::syntax::Dialect) -> Vec<Column> {
    columns
        .into_iter()
        .map(|c| Column {
            ty: materialize_type(c.ty, dialect),
            ..c
        })
        .collect()
}

fn materialize_type(ty: SqlType, dialect: crate::syntax::Dialect) -> SqlType {
    match ty {
        SqlType::Null if dialect == crate::syntax::Dialect::Postgres => SqlType::Varchar,
        ty => ty.materialize(),
    }
}

fn flatten_set_operation<'e>(
    body: &'e SetExpr,
    quantifier: Option<SetQuantifier>,
    out: &mut Vec<(&'e SetExpr, Option<SetQuantifier>)>,
) {
    match body {
        SetExpr::SetOperation {
            left,
            right,
            set_quantifier,
            ..
        } => {
            flatten_set_operation(left, quantifier, out);
            out.push((right, Some(*set_quantifier)));
        }
        other => out.push((other, quantifier)),
    }
}

/// A bare `NULL` an operand of a set operation selects takes the type of
/// the other operands' column, as every engine types it (`smallint_col
/// UNION ALL null` is a SMALLINT); the operand's own schema made it an
/// INTEGER, which would widen the others.
fn keep_untyped_nulls(operand: &SetExpr, schema: &mut RelationSchema) {
    let SetExpr::Select(select) = operand else {
        return;
    };
    if select.projection.len() != schema.columns.len() {
        return;
    }
    for (i, item) in select.projection.iter().enumerate() {
        let expr = match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
            _ => continue,
        };
        if matches!(expr, Expr::Value(v) if v.value == sqlparser::ast::Value::Null) {
            Arc::make_mut(&mut schema.columns)[i].ty = SqlType::Null;
        }
    }
}

/// `supertype`: the common type of two operands' columns in the dialect.
fn union_positional(
    acc: RelationSchema,
    next: RelationSchema,
    supertype: impl Fn(&SqlType, &SqlType) -> Option<SqlType>,
    dialect: crate::syntax::Dialect,
) -> RelationSchema {
    let columns: Vec<Column> = Arc::unwrap_or_clone(acc.columns)
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let ty = match next.columns.get(i) {
                Some(n) => supertype(&c.ty, &n.ty).unwrap_or(SqlType::Unknown),
                None => c.ty,
            };
            let mut lineage = c.lineage;
            if let Some(n) = next.columns.get(i) {
                merge_edges(&mut lineage, n.lineage.iter().cloned());
            }
            Column {
                name: c.name,
                ty: materialize_operand(ty, dialect),
                lineage,
                named_by_engine: c.named_by_engine,
            }
        })
        .collect();
    let mut open_from = acc.open_from;
    merge_strings(&mut open_from, next.open_from);
    RelationSchema {
        columns: Arc::new(columns),
        open: acc.open || next.open,
        open_from,
    }
}

/// A set operation's column typed as its rows are. One of bare NULLs so far
/// stays untyped in DuckDB, where later operands type it (`null union all
/// null union all 1::smallint` is a SMALLINT); Postgres makes it a TEXT
/// at each operation and then refuses a SMALLINT operand.
fn materialize_operand(ty: SqlType, dialect: crate::syntax::Dialect) -> SqlType {
    match ty {
        SqlType::Null if dialect != crate::syntax::Dialect::Postgres => SqlType::Null,
        ty => materialize_type(ty, dialect),
    }
}

fn merge_strings(into: &mut Vec<String>, more: Vec<String>) {
    for m in more {
        if !into.contains(&m) {
            into.push(m);
        }
    }
}

fn union_by_name(
    acc: RelationSchema,
    next: RelationSchema,
    supertype: impl Fn(&SqlType, &SqlType) -> Option<SqlType>,
    dialect: crate::syntax::Dialect,
) -> RelationSchema {
    let mut columns = Arc::unwrap_or_clone(acc.columns);
    for n in Arc::unwrap_or_clone(next.columns) {
        match columns
            .iter_mut()
            .find(|c| c.name.eq_ignore_ascii_case(&n.name))
        {
            Some(c) => {
                c.ty = materialize_operand(
                    supertype(&c.ty, &n.ty).unwrap_or(SqlType::Unknown),
                    dialect,
                );
                merge_edges(&mut c.lineage, n.lineage);
            }
            None => columns.push(n),
        }
    }
    let mut open_from = acc.open_from;
    merge_strings(&mut open_from, next.open_from);
    RelationSchema {
        columns: Arc::new(columns),
        open: acc.open || next.open,
        open_from,
    }
}

/// The range of the SELECT keyword of the first SELECT in a set expression.
fn first_select_range(a: &Analyzer, body: &SetExpr) -> TextRange {
    match body {
        SetExpr::Select(s) => a.span_range(s.select_token.0.span),
        SetExpr::Query(q) => first_select_range(a, &q.body),
        SetExpr::SetOperation { left, .. } => first_select_range(a, left),
        other => {
            let r = a.range_of(other);
            TextRange::empty(r.start)
        }
    }
}

fn ordinal(e: &Expr) -> Option<usize> {
    match e {
        Expr::Value(v) => match &v.value {
            sqlparser::ast::Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// Whether an ORDER BY item names no column: a position, or the word
/// `ALL` (`ORDER BY ALL`: every output column, in Spark, Databricks and
/// Snowflake, where sqlparser reads it as a column named `all`).
fn is_ordinal(e: &Expr) -> bool {
    ordinal(e).is_some()
        || matches!(e, Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("all"))
}

/// The name a function is called by, without its schema (`explode` of `x.explode`).
fn called_name(f: &sqlparser::ast::Function) -> String {
    object_name_parts(&f.name)
        .last()
        .cloned()
        .unwrap_or_default()
}

/// Expression text for structural comparison (GROUP BY matching).
pub(crate) fn normalize_expr_text(e: &Expr) -> String {
    let text = match e {
        Expr::Nested(inner) => return normalize_expr_text(inner),
        _ => e.to_string(),
    };
    text.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a `COLUMNS(...)` call is part of `expr`.
fn contains_columns_call(expr: &Expr) -> bool {
    first_columns_call(expr).is_some()
}

fn first_columns_call(expr: &Expr) -> Option<sqlparser::ast::Function> {
    let found = sqlparser::ast::visit_expressions(expr, |e| match e {
        Expr::Function(f) if is_columns_call(f) => std::ops::ControlFlow::Break(f.clone()),
        _ => std::ops::ControlFlow::Continue(()),
    });
    match found {
        std::ops::ControlFlow::Break(f) => Some(f),
        std::ops::ControlFlow::Continue(()) => None,
    }
}

fn is_columns_call(f: &sqlparser::ast::Function) -> bool {
    matches!(f.name.0.as_slice(), [part] if part.to_string().eq_ignore_ascii_case("columns"))
        && matches!(&f.args, sqlparser::ast::FunctionArguments::List(_))
}

/// A COLUMNS alias with DuckDB's `\0` (the column's name) and `\1`, `\2`...
/// (the regex's groups in it) replaced.
fn alias_with_groups(alias: &str, column: &str, regex: &regex::Regex) -> String {
    let captures = regex.captures(column);
    let mut out = String::with_capacity(alias.len() + column.len());
    let mut chars = alias.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek().and_then(|d| d.to_digit(10))) {
            ('\\', Some(0)) => {
                out.push_str(column);
                chars.next();
            }
            ('\\', Some(group)) => {
                let text = captures.as_ref().and_then(|c| c.get(group as usize));
                out.push_str(text.map_or("", |m| m.as_str()));
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// DuckDB names a column read by reference (`order_id`, `o.order_id`) as the
/// relation defines it (`Order_ID`), not as the reference is written.
fn duckdb_reference_name(expr: &Expr, scope: &Scope) -> Option<String> {
    let ids: Vec<String> = match expr {
        Expr::Identifier(id) => vec![id.value.clone()],
        Expr::CompoundIdentifier(ids) => ids.iter().map(|i| i.value.clone()).collect(),
        _ => return None,
    };
    scope.defined_column_name(&ids)
}
