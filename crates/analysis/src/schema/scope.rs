//! Scopes: the relations a SELECT reads from, and how names resolve in them.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use super::{Column, RelationSchema};
use crate::lineage::{Edge, EdgeKind};
use crate::types::SqlType;

/// One relation in a FROM clause.
#[derive(Clone, Debug)]
pub(crate) struct FromItem {
    /// The name that qualifies its columns: the alias, or the table's last name part.
    pub qualifier: String,
    /// The full lower-cased name as written, for `schema.table.column`.
    pub parts: Vec<String>,
    pub schema: RelationSchema,
    /// Each column name's first column, built at the first lookup in a wide
    /// relation: resolving each of thousands of names by a scan is quadratic.
    pub columns_by_name: OnceCell<HashMap<String, usize>>,
    /// Its one column's name before an alias renamed it: DuckDB still
    /// finds `i.generate_series` in `generate_series(1, 3) as i`.
    pub former_name: Option<String>,
}

/// Relations with fewer columns are scanned.
const WIDE_RELATION: usize = 64;

impl FromItem {
    /// A relation read without a name (a set operation's result, a pipe's
    /// table), whose columns only bare names reach.
    pub fn unqualified(schema: RelationSchema) -> FromItem {
        FromItem {
            columns_by_name: Default::default(),
            former_name: None,
            qualifier: String::new(),
            parts: Vec::new(),
            schema,
        }
    }

    /// The column named `name`, as `RelationSchema::column` finds it.
    pub fn column(&self, name: &str) -> Option<&Column> {
        if self
            .former_name
            .as_ref()
            .is_some_and(|f| f.eq_ignore_ascii_case(name))
            && self.schema.column(name).is_none()
        {
            return self.schema.columns.first();
        }
        if self.schema.columns.len() < WIDE_RELATION {
            return self.schema.column(name);
        }
        let by_name = self.columns_by_name.get_or_init(|| {
            let mut map = HashMap::new();
            for (i, c) in self.schema.columns.iter().enumerate() {
                map.entry(c.name.to_ascii_lowercase()).or_insert(i);
            }
            map
        });
        by_name
            .get(&name.to_ascii_lowercase())
            .map(|&i| &self.schema.columns[i])
    }
}

/// Identity of a column binding, used to check GROUP BY.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Binding {
    Item(usize, String),
    /// A column merged by `USING` or `NATURAL`: one value whatever side names it.
    Merged(String),
}

/// A select-list alias visible to later items, WHERE, GROUP BY and HAVING.
#[derive(Clone, Debug)]
pub(crate) struct Alias {
    pub name: String,
    pub ty: SqlType,
    pub lineage: Vec<Edge>,
}

/// A column merged by a USING or NATURAL join: one value from both sides.
#[derive(Clone, Debug)]
pub(crate) struct MergedColumn {
    pub name: String,
    pub ty: SqlType,
    /// The first FROM item that has it (on the join's left side).
    pub first: usize,
    /// The FROM item on the join's right side: later joins have larger ones.
    pub join: usize,
    /// Lineage of both sides.
    pub lineage: Vec<Edge>,
}

#[derive(Default)]
pub(crate) struct Scope<'p> {
    pub items: Vec<FromItem>,
    /// Columns merged by USING/NATURAL joins, in the order they were joined.
    pub merged: Vec<MergedColumn>,
    pub parent: Option<&'p Scope<'p>>,
    pub aliases: RefCell<Vec<Alias>>,
    /// A lambda's parameters (`x` in `transform(xs, x -> x + 1)`). They hide
    /// columns of the same name; a lambda's scope is no query level of its
    /// own: its body reads the query's columns and aliases as the query does.
    pub lambda_params: Vec<Column>,
}

/// The outcome of resolving a column name.
pub(crate) enum Resolution {
    Found {
        ty: SqlType,
        binding: Option<Binding>,
        depth: usize,
        lineage: Vec<Edge>,
    },
    /// Could come from a relation whose columns are unknown; the lineage is
    /// known when only one such relation could provide it.
    Unknown {
        lineage: Vec<Edge>,
        /// The relations whose unknown part could provide it (empty: some
        /// relation of unknown origin could).
        from: Vec<String>,
    },
    Ambiguous(Vec<String>),
    NotFound,
    /// The qualifier names no relation in scope.
    NoSuchQualifier,
}

impl<'p> Scope<'p> {
    pub fn with_parent(parent: Option<&'p Scope<'p>>) -> Self {
        Scope {
            parent,
            ..Default::default()
        }
    }

    /// The scope of a lambda's body inside `parent`.
    pub fn for_lambda(parent: &'p Scope<'p>, params: Vec<Column>) -> Self {
        Scope {
            merged: parent.merged.clone(),
            parent: Some(parent),
            lambda_params: params,
            ..Default::default()
        }
    }

    fn is_lambda(&self) -> bool {
        !self.lambda_params.is_empty()
    }

    /// Whether `name` is a parameter of a lambda this scope is in.
    pub fn is_lambda_param(&self, name: &str) -> bool {
        let mut scope = Some(self);
        while let Some(s) = scope.filter(|s| s.is_lambda()) {
            if s.lambda_param(name).is_some() {
                return true;
            }
            scope = s.parent;
        }
        false
    }

    fn lambda_param(&self, name: &str) -> Option<&Column> {
        self.lambda_params
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn any_open(&self) -> bool {
        self.items.iter().any(|i| i.schema.open)
    }

    fn merged(&self, name: &str) -> Option<&MergedColumn> {
        self.merged
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
    }

    /// Resolves an unqualified column in this scope only.
    fn resolve_local(&self, name: &str, with_aliases: bool) -> Resolution {
        if let Some(c) = self.lambda_param(name) {
            return Resolution::Found {
                ty: c.ty.clone(),
                binding: None,
                depth: 0,
                lineage: c.lineage.clone(),
            };
        }
        if let Some(m) = self.merged(name) {
            return Resolution::Found {
                ty: m.ty.clone(),
                binding: Some(Binding::Merged(m.name.to_lowercase())),
                depth: 0,
                lineage: m.lineage.clone(),
            };
        }
        let mut found: Vec<(usize, &Column)> = Vec::new();
        for (i, item) in self.items.iter().enumerate() {
            if let Some(c) = item.column(name) {
                found.push((i, c));
            }
        }
        match found.len() {
            1 => {
                let (i, c) = found[0];
                Resolution::Found {
                    ty: c.ty.clone(),
                    binding: Some(Binding::Item(i, c.name.to_lowercase())),
                    depth: 0,
                    lineage: c.lineage.clone(),
                }
            }
            0 => {
                if with_aliases {
                    if let Some(a) = self
                        .aliases
                        .borrow()
                        .iter()
                        .rev()
                        .find(|a| a.name.eq_ignore_ascii_case(name))
                    {
                        return Resolution::Found {
                            ty: a.ty.clone(),
                            binding: None,
                            depth: 0,
                            lineage: a.lineage.clone(),
                        };
                    }
                }
                if self.any_open() {
                    let open: Vec<&FromItem> =
                        self.items.iter().filter(|i| i.schema.open).collect();
                    let lineage = match open.as_slice() {
                        [only] => open_lineage(&only.schema, name),
                        _ => vec![Edge::unattributed(name)],
                    };
                    Resolution::Unknown {
                        lineage,
                        from: open_origins(&open),
                    }
                } else {
                    Resolution::NotFound
                }
            }
            _ => Resolution::Ambiguous(
                found
                    .iter()
                    .map(|(i, _)| self.items[*i].qualifier.clone())
                    .collect(),
            ),
        }
    }

    /// Resolves an unqualified column here, then in enclosing scopes (correlation).
    pub fn resolve(&self, name: &str, with_aliases: bool) -> Resolution {
        let mut scope = Some(self);
        let mut depth = 0;
        while let Some(s) = scope {
            match s.resolve_local(name, with_aliases && depth == 0) {
                Resolution::NotFound => {}
                Resolution::Found {
                    ty,
                    binding,
                    lineage,
                    ..
                } => {
                    return Resolution::Found {
                        ty,
                        binding,
                        depth,
                        lineage,
                    }
                }
                other => return other,
            }
            scope = s.parent;
            if !s.is_lambda() {
                depth += 1;
            }
        }
        Resolution::NotFound
    }

    /// Finds the relation a qualifier (`alias`, `table` or `schema.table`) names.
    /// The name a column read as `ids` (`a` or `t.a`) has where it is
    /// defined, when this query level defines it: DuckDB gives a column read
    /// by reference that name, whatever case the reference is written in.
    pub fn defined_column_name(&self, ids: &[String]) -> Option<String> {
        match ids {
            [name] => {
                if self.lambda_param(name).is_some() {
                    return None;
                }
                if let Some(m) = self.merged(name) {
                    return Some(m.name.clone());
                }
                self.items
                    .iter()
                    .find_map(|item| item.column(name))
                    .map(|c| c.name.clone())
            }
            [qualifier @ .., name] if !qualifier.is_empty() => {
                let (depth, _, item) = self.find_item(qualifier)?;
                (depth == 0).then(|| item.column(name).map(|c| c.name.clone()))?
            }
            _ => None,
        }
    }

    pub fn find_item<S: AsRef<str>>(&self, qualifier: &[S]) -> Option<(usize, usize, &FromItem)> {
        let mut scope = Some(self);
        let mut depth = 0;
        while let Some(s) = scope {
            let hit = s.items.iter().enumerate().rev().find(|(_, item)| {
                if qualifier.len() == 1 {
                    item.qualifier.eq_ignore_ascii_case(qualifier[0].as_ref())
                } else {
                    item.parts.len() >= qualifier.len()
                        && item.parts[item.parts.len() - qualifier.len()..]
                            .iter()
                            .zip(qualifier)
                            .all(|(a, b)| a.eq_ignore_ascii_case(b.as_ref()))
                }
            });
            if let Some((i, item)) = hit {
                return Some((depth, i, item));
            }
            scope = s.parent;
            if !s.is_lambda() {
                depth += 1;
            }
        }
        None
    }

    /// The relation of this scope a table name names when an alias hides
    /// that name (`tab` in `FROM tab AS a`).
    pub fn item_hidden_by_alias(&self, name: &[String]) -> Option<&FromItem> {
        let mut hits = self.items.iter().filter(|item| {
            !item
                .qualifier
                .eq_ignore_ascii_case(item.parts.last().map_or("", String::as_str))
                && item.parts.len() >= name.len()
                && item.parts[item.parts.len() - name.len()..]
                    .iter()
                    .zip(name)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        });
        match (hits.next(), hits.next()) {
            (Some(item), None) => Some(item),
            _ => None,
        }
    }

    /// Resolves `qualifier.column`.
    pub fn resolve_qualified<S: AsRef<str>>(&self, qualifier: &[S], column: &str) -> Resolution {
        let Some((depth, i, item)) = self.find_item(qualifier) else {
            return Resolution::NoSuchQualifier;
        };
        match item.column(column) {
            Some(c) => {
                let binding = if depth == 0 && self.merged(column).is_some_and(|m| m.first <= i) {
                    Binding::Merged(column.to_lowercase())
                } else {
                    Binding::Item(i, c.name.to_lowercase())
                };
                Resolution::Found {
                    ty: c.ty.clone(),
                    binding: Some(binding),
                    depth,
                    lineage: c.lineage.clone(),
                }
            }
            None if item.schema.open => Resolution::Unknown {
                lineage: open_lineage(&item.schema, column),
                from: open_origins(&[item]),
            },
            None => Resolution::NotFound,
        }
    }

    /// How many names [`Scope::visible_names`] lists, without listing them.
    pub fn visible_name_count(&self) -> usize {
        let mut count = 0;
        let mut scope = Some(self);
        while let Some(s) = scope {
            count += s.lambda_params.len();
            count += s
                .items
                .iter()
                .map(|i| i.schema.columns.len())
                .sum::<usize>();
            count += s.aliases.borrow().len();
            scope = s.parent;
        }
        count
    }

    /// Column names visible here, for did-you-mean.
    pub fn visible_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut scope = Some(self);
        while let Some(s) = scope {
            names.extend(s.lambda_params.iter().map(|c| c.name.clone()));
            for item in &s.items {
                names.extend(item.schema.columns.iter().map(|c| c.name.clone()));
            }
            names.extend(s.aliases.borrow().iter().map(|a| a.name.clone()));
            scope = s.parent;
        }
        names
    }

    /// The columns of the relations in scope, without the select list's
    /// aliases: what a misspelt column of a relation was meant to be.
    pub fn relation_column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut scope = Some(self);
        while let Some(s) = scope {
            for item in &s.items {
                names.extend(item.schema.columns.iter().map(|c| c.name.clone()));
            }
            scope = s.parent;
        }
        names
    }

    /// Relations whose unknown columns flow through this scope's open items.
    pub fn open_from(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for item in self.items.iter().filter(|i| i.schema.open) {
            for t in &item.schema.open_from {
                if !out.contains(t) {
                    out.push(t.clone());
                }
            }
        }
        out
    }

    /// The columns `*` expands to: every item's, merged columns once. With
    /// `join_columns_first`, as the SQL standard has it (Postgres, Spark): a
    /// USING or NATURAL join's columns lead its result, in the order they are
    /// listed, a later join's before an earlier one's; else (DuckDB) each
    /// stays where its first relation has it.
    pub fn star_columns(&self, join_columns_first: bool) -> (Vec<Column>, bool) {
        let merged_column = |m: &MergedColumn| Column {
            name: m.name.clone(),
            ty: m.ty.clone(),
            lineage: m.lineage.clone(),
            named_by_engine: false,
        };
        let mut out = Vec::new();
        if join_columns_first {
            let mut leading: Vec<&MergedColumn> = self.merged.iter().collect();
            leading.sort_by_key(|m| std::cmp::Reverse(m.join));
            out.extend(leading.into_iter().map(merged_column));
        }
        for (i, item) in self.items.iter().enumerate() {
            for c in item.schema.columns.iter() {
                match self.merged(&c.name) {
                    // A relation joined after the merge has a column of its own.
                    Some(m) if i > m.join => out.push(c.clone()),
                    Some(m) if m.first == i && !join_columns_first => out.push(merged_column(m)),
                    Some(_) => {}
                    None => out.push(c.clone()),
                }
            }
        }
        (out, self.any_open())
    }
}

/// The relations the unknown parts of `open` come from; empty when one of
/// them comes from none that is named (a table function, an opaque input).
fn open_origins(open: &[&FromItem]) -> Vec<String> {
    if open.iter().any(|i| i.schema.open_from.is_empty()) {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for t in open.iter().flat_map(|i| &i.schema.open_from) {
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    out
}

/// Lineage of a column not in a relation's known part: the relations its
/// unknown part comes from, when there is exactly one.
fn open_lineage(schema: &RelationSchema, column: &str) -> Vec<Edge> {
    match schema.open_from.as_slice() {
        [table] => vec![Edge::new(table.clone(), column, EdgeKind::Copy)],
        _ => Vec::new(),
    }
}
