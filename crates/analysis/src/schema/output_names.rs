//! Two output columns of one name: DuckDB renames the later ones when the
//! query becomes a relation (a subquery, a CTE, a view or table); every
//! other engine refuses to create a view or table with them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{Column, RelationSchema};

/// Below this many columns, names are compared pairwise without allocating.
const FEW_COLUMNS: usize = 32;

fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Whether any two columns share a name (ASCII letters without regard to case).
fn has_duplicates(columns: &[Column]) -> bool {
    if columns.len() < FEW_COLUMNS {
        return columns
            .iter()
            .enumerate()
            .any(|(i, c)| columns[..i].iter().any(|p| same_name(&p.name, &c.name)));
    }
    let mut seen = HashSet::with_capacity(columns.len());
    !columns
        .iter()
        .all(|c| seen.insert(c.name.to_ascii_lowercase()))
}

/// DuckDB's names for a relation's columns: a name already taken gets
/// `_1`, `_2`, ... (the first suffix not taken), as `DESCRIBE` shows them
/// (`select 1 as a, 2 as a, 3 as a_1` is `a`, `a_1`, `a_1_1`).
pub(crate) fn rename_duplicates_as_duckdb(schema: &mut RelationSchema) {
    if !has_duplicates(&schema.columns) {
        return;
    }
    let columns = Arc::make_mut(&mut schema.columns);
    let mut taken: HashSet<String> = HashSet::with_capacity(columns.len());
    // Per name, the suffix to try next: the ones before it are taken, and
    // stay taken, so thousands of one name cost one try each.
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    for c in columns.iter_mut() {
        let key = c.name.to_ascii_lowercase();
        if taken.insert(key.clone()) {
            continue;
        }
        let suffix = next_suffix.entry(key).or_insert(1);
        let renamed = loop {
            let candidate = format!("{}_{}", c.name, *suffix);
            *suffix += 1;
            if taken.insert(candidate.to_ascii_lowercase()) {
                break candidate;
            }
        };
        c.name = renamed;
    }
}

/// The columns whose name an earlier column already has, by their index:
/// only names the SQL wrote (aliases, columns read), never a name the
/// engine makes up for an expression, which Loupe may not spell exactly
/// as the engine does. Names compare by `key` (the name as the engine
/// stores it: folded where it folds names, exact where quoted).
pub(crate) fn later_duplicates(
    columns: &[Column],
    key: impl Fn(usize, &Column) -> String,
) -> Vec<usize> {
    if !has_duplicates(columns) {
        return Vec::new();
    }
    let mut seen: HashSet<String> = HashSet::with_capacity(columns.len());
    let mut later = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        if c.named_by_engine {
            continue;
        }
        if !seen.insert(key(i, c)) {
            later.push(i);
        }
    }
    later
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::SqlType;

    fn schema(names: &[&str]) -> RelationSchema {
        RelationSchema::closed(
            names
                .iter()
                .map(|n| Column::new(*n, SqlType::Integer))
                .collect(),
        )
    }

    fn names(s: &RelationSchema) -> Vec<&str> {
        s.columns.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn duckdb_suffixes_the_first_free_number() {
        // Each list as DuckDB 1.4 `DESCRIBE`s a table created from it.
        for (given, described) in [
            (&["a", "a"][..], &["a", "a_1"][..]),
            (&["a", "A"], &["a", "A_1"]),
            (&["a_1", "a", "a"], &["a_1", "a", "a_2"]),
            (&["a", "a", "a", "a_1"], &["a", "a_1", "a_2", "a_1_1"]),
            (&["id", "name"], &["id", "name"]),
        ] {
            let mut s = schema(given);
            rename_duplicates_as_duckdb(&mut s);
            assert_eq!(names(&s), described, "{given:?}");
        }
        let wide: Vec<String> = (0..100).map(|i| format!("c{}", i % 50)).collect();
        let mut s = schema(&wide.iter().map(String::as_str).collect::<Vec<_>>());
        rename_duplicates_as_duckdb(&mut s);
        assert_eq!(s.columns[50].name, "c0_1");
        assert_eq!(s.columns[99].name, "c49_1");
        let mut wide: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
        let mut s = schema(&wide.iter().map(String::as_str).collect::<Vec<_>>());
        rename_duplicates_as_duckdb(&mut s);
        assert_eq!(names(&s), wide);
        wide.push("C5".into());
        let mut s = schema(&wide.iter().map(String::as_str).collect::<Vec<_>>());
        rename_duplicates_as_duckdb(&mut s);
        assert_eq!(s.columns[40].name, "C5_1");
    }

    #[test]
    fn later_duplicates_skip_names_the_engine_made_up() {
        let mut s = schema(&["id", "ID", "x", "id"]);
        let folded = |_: usize, c: &Column| c.name.to_ascii_lowercase();
        let exact = |_: usize, c: &Column| c.name.clone();
        assert_eq!(later_duplicates(&s.columns, folded), [1, 3]);
        assert_eq!(later_duplicates(&s.columns, exact), [3]);
        Arc::make_mut(&mut s.columns)[3].named_by_engine = true;
        assert_eq!(later_duplicates(&s.columns, exact), Vec::<usize>::new());
    }
}
