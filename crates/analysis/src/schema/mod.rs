//! Name resolution and schema inference for one SQL statement: every gem's
//! output columns with exact types, and the resolution diagnostics.
//!
//! Schemas are gradual: a relation whose columns are not all known is `open`,
//! and nothing that depends on its unknown part raises an error.

mod expr;
mod higher_order;
mod lineage;
mod naming;
pub(crate) mod output_names;
mod pipe;
mod pivot;
mod postgres_naming;
mod query;
mod scope;
mod spark_calls;
mod spark_naming;

use std::sync::Arc;

use serde::Serialize;
use sqlparser::ast::Statement;

use crate::diagnostics::Diagnostic;
use crate::gems::Gem;
use crate::lineage::{Edge, EdgeKind};
use crate::text::TextRange;
use crate::types::SqlType;

pub use naming::expr_column_name;

/// One column of a relation or port, with the input columns it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub lineage: Vec<Edge>,
    /// The engine made the name up from an expression (no alias was written).
    pub named_by_engine: bool,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: SqlType) -> Self {
        Column {
            name: name.into(),
            ty,
            lineage: Vec::new(),
            named_by_engine: false,
        }
    }
}

/// The columns of a relation; `open` means more columns may exist than are known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RelationSchema {
    /// Shared: a gem's schema is kept as its port, as the gem definition
    /// lineage reads, and as the model's output, and read by every reader.
    pub columns: Arc<Vec<Column>>,
    pub open: bool,
    /// Relations whose unknown columns pass through (by `*`) into the unknown part.
    pub open_from: Vec<String>,
}

impl RelationSchema {
    pub fn closed(columns: Vec<Column>) -> Self {
        RelationSchema {
            columns: Arc::new(columns),
            open: false,
            open_from: Vec::new(),
        }
    }

    /// Nothing is known: any column may exist.
    pub fn unknown() -> Self {
        RelationSchema {
            columns: Default::default(),
            open: true,
            open_from: Vec::new(),
        }
    }

    /// This relation read as a base table named `table`: each column is its own source.
    pub fn as_base_table(&self, table: &str) -> Self {
        self.read_as(table, false)
    }

    /// This relation read by name: each column's source is `table`'s column
    /// (a gem of the statement when `gem`). The columns' own lineage is not
    /// copied: a reader's lineage stops at the relation it reads.
    pub fn read_as(&self, table: &str, gem: bool) -> Self {
        let table_name: Arc<str> = table.into();
        let columns = self
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                ty: c.ty.clone(),
                lineage: vec![Edge {
                    from_gem: gem,
                    ..Edge::new(table_name.clone(), c.name.as_str(), EdgeKind::Copy)
                }],
                named_by_engine: c.named_by_engine,
            })
            .collect::<Vec<_>>()
            .into();
        RelationSchema {
            columns,
            open: self.open,
            // A gem's unknown part keeps coming from the relations it reads.
            open_from: if self.open && !gem {
                vec![table.to_string()]
            } else {
                self.open_from.clone()
            },
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// `[[name, TYPE], ...]` with DuckDB's type names.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.to_pairs_in(crate::syntax::Dialect::DuckDb)
    }

    /// `[[name, TYPE], ...]` with the type names of `dialect`'s engine, the
    /// shape the CLI prints.
    pub fn to_pairs_in(&self, dialect: crate::syntax::Dialect) -> Vec<(String, String)> {
        self.columns
            .iter()
            .map(|c| (c.name.clone(), c.ty.shown_in(dialect)))
            .collect()
    }
}

/// What a table name in FROM refers to.
pub enum Lookup {
    Found(Arc<RelationSchema>),
    /// It exists (or its error was reported elsewhere) but its columns are unknown.
    Opaque,
    NotFound,
}

/// Resolves relation names for the analyzer: the project's models, seeds and
/// sources, or a catalog file.
pub trait RelationLookup {
    /// `parts` are the lower-cased name parts as written; `range` is where the
    /// name stands in the analyzed SQL (a rendered `ref()` is found by it).
    fn lookup(&self, parts: &[String], range: TextRange) -> Lookup;

    /// How lineage names the relation (a model, seed or source name for
    /// `ref()`/`source()`); `None` means as written.
    fn display_name(&self, _parts: &[String], _range: TextRange) -> Option<String> {
        None
    }

    /// Names to suggest when a table is not found.
    fn candidates(&self) -> Vec<String> {
        Vec::new()
    }

    /// Where the columns of a relation whose schema is only those a file
    /// documents (a source's YAML lists some of its columns, not always
    /// all) come from, to say so when a query reads another column of it.
    fn documented_columns(&self, _parts: &[String], _range: TextRange) -> Option<String> {
        None
    }
}

/// What a statement writes: INSERT, CREATE TABLE/VIEW AS, MERGE, UPDATE.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StatementTarget {
    /// The table as written.
    pub table: String,
    /// Target columns fed by the statement's result, in order (INSERT column
    /// list, view column list); empty means the result's own names.
    pub columns: Vec<String>,
    /// For UPDATE and MERGE: each assigned target column and its lineage.
    pub assignments: Vec<(String, Vec<Edge>)>,
}

/// A resolved column reference, for hover and go-to-definition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ColumnReference {
    pub range: TextRange,
    pub name: String,
    pub ty: SqlType,
    pub lineage: Vec<Edge>,
}

/// The relations a SELECT reads and their columns, for completion.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScopeInfo {
    pub range: TextRange,
    /// (qualifier, columns) of each relation in FROM.
    pub items: Vec<(String, Vec<Column>)>,
}

/// Columns as editor features show them (names and types), without their
/// lineage: every SELECT's scope and every `*` keeps such a copy (their
/// lineage was 30 MB of a cold check's 515 MB at 10,000 models).
pub(crate) fn columns_for_editor(columns: &[Column]) -> Vec<Column> {
    columns
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            ty: c.ty.clone(),
            lineage: Vec::new(),
            named_by_engine: c.named_by_engine,
        })
        .collect()
}

/// Facts for editor features, gathered while analyzing. The columns of
/// scopes and stars carry no lineage (see `columns_for_editor`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdeFacts {
    /// Column references of the user's SQL (not of macro bodies).
    pub references: Vec<ColumnReference>,
    /// Each `*` and the columns it expands to.
    pub stars: Vec<(TextRange, Vec<Column>)>,
    pub scopes: Vec<ScopeInfo>,
    /// Column aliases written in select lists: range, name, gem.
    pub aliases: Vec<(TextRange, String, Option<String>)>,
    /// Each SELECT with a GROUP BY list: the SELECT's range and where the list ends.
    pub group_by_ends: Vec<(TextRange, usize)>,
    /// Derived tables in FROM: the whole `(subquery) [as] alias`, the subquery, the alias.
    pub derived: Vec<(TextRange, TextRange, Option<String>)>,
}

/// A table name in FROM that resolved outside the statement (not a CTE).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TableUse {
    pub parts: Vec<String>,
    pub range: TextRange,
}

/// Everything the analysis of one statement yields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatementAnalysis {
    pub output: RelationSchema,
    /// Statement-level influences: WHERE filters, join keys, GROUP BY keys.
    pub influences: Vec<Edge>,
    pub target: Option<StatementTarget>,
    pub gems: Vec<Gem>,
    /// Every CTE of the statement (nested ones too), for composing gem lineage.
    pub gem_defs: Vec<(String, RelationSchema)>,
    pub diagnostics: Vec<Diagnostic>,
    pub tables: Vec<TableUse>,
    /// The relations read in FROM (lower-case, as lineage names them): no
    /// column reference reads a relation outside them.
    pub relations_read: Vec<String>,
    pub ide: IdeFacts,
    /// Output columns whose name an earlier output column has (names the
    /// SQL wrote, not ones the engine makes up), each with the select item
    /// that makes it: the engines other than DuckDB and SQLite refuse to
    /// create a view or table with them.
    pub duplicate_outputs: Vec<(String, TextRange)>,
}

/// Analyzes one parsed statement of `sql`. `final_gem` names the gem of the
/// statement's last SELECT (for a model, the model's name); `ide_facts`
/// says whether to record the editor's facts (`StatementAnalysis::ide`).
pub fn analyze_statement(
    statement: &Statement,
    sql: &str,
    lookup: &dyn RelationLookup,
    final_gem: &str,
    dialect: crate::syntax::Dialect,
    ide_facts: bool,
) -> StatementAnalysis {
    let mut analyzer = query::Analyzer::new(sql, lookup);
    analyzer.ide_facts = ide_facts;
    analyzer.lateral_aliases = dialect.lateral_column_aliases();
    analyzer.dialect = dialect;
    analyzer.spark_types = matches!(
        dialect,
        crate::syntax::Dialect::Databricks | crate::syntax::Dialect::Hive
    );
    if analyzer.spark_types {
        analyzer.functions = crate::catalog::SparkCatalog::get().kinds();
    }
    let output = analyzer.analyze_top_statement(statement, final_gem);
    analyzer.finish(output)
}
