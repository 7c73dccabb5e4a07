//! The column diff of one relation: added, removed, renamed, retyped.

use std::collections::BTreeSet;

use crate::schema::{Column, RelationSchema};

use super::ColumnChange;

/// A column's sources, as a set: two columns with the same non-empty set
/// are the same value under two names.
fn sources(c: &Column) -> BTreeSet<(String, String)> {
    c.lineage
        .iter()
        .filter(|e| e.kind.is_direct())
        .map(|e| (e.table.to_lowercase(), e.column.to_lowercase()))
        .collect()
}

fn shown(c: &Column) -> String {
    c.ty.to_string()
}

/// The changes from `base` to `head`, in the head's column order (removed
/// columns last). A relation whose columns are partly unknown reports no
/// removal (the column may be in the unknown part) and no addition from the
/// other side's unknown part.
pub fn diff_columns(base: &RelationSchema, head: &RelationSchema) -> Vec<ColumnChange> {
    let mut removed: Vec<(usize, &Column)> = base
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| head.column(&c.name).is_none())
        .collect();
    let mut added: Vec<(usize, &Column)> = head
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| base.column(&c.name).is_none())
        .collect();
    if head.open {
        removed.clear();
    }
    if base.open {
        added.clear();
    }
    let mut renamed = Vec::new();
    // Same sources, same type: a rename. Else, a lone removal and a lone
    // addition at the same place with the same type.
    removed.retain(|(_, r)| {
        let from = sources(r);
        let found = (!from.is_empty())
            .then(|| {
                added
                    .iter()
                    .position(|(_, a)| a.ty == r.ty && sources(a) == from)
            })
            .flatten();
        match found {
            Some(i) => {
                renamed.push((added[i].0, (*r).clone(), added.remove(i).1.clone()));
                false
            }
            None => true,
        }
    });
    if let ([(ri, r)], [(ai, a)]) = (removed.as_slice(), added.as_slice()) {
        if ri == ai && r.ty == a.ty {
            renamed.push((*ai, (*r).clone(), (*a).clone()));
            removed.clear();
            added.clear();
        }
    }
    let mut out: Vec<(usize, ColumnChange)> = Vec::new();
    for (i, c) in &added {
        out.push((
            *i,
            ColumnChange::Added {
                column: c.name.clone(),
                ty: shown(c),
            },
        ));
    }
    for (i, from, to) in renamed {
        out.push((
            i,
            ColumnChange::Renamed {
                from: from.name.clone(),
                to: to.name.clone(),
                ty: shown(&to),
            },
        ));
    }
    for (i, c) in head.columns.iter().enumerate() {
        let Some(b) = base.column(&c.name) else {
            continue;
        };
        if !b.ty.is_unknown() && !c.ty.is_unknown() && shown(b) != shown(c) {
            out.push((
                i,
                ColumnChange::Retyped {
                    column: c.name.clone(),
                    from: shown(b),
                    to: shown(c),
                },
            ));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    let mut changes: Vec<ColumnChange> = out.into_iter().map(|(_, c)| c).collect();
    changes.extend(removed.iter().map(|(_, c)| ColumnChange::Removed {
        column: c.name.clone(),
        ty: shown(c),
    }));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::{Edge, EdgeKind};
    use crate::types::SqlType;

    fn col(name: &str, ty: SqlType, from: &[(&str, &str)]) -> Column {
        let mut c = Column::new(name, ty);
        c.lineage = from
            .iter()
            .map(|(t, c)| Edge::new(*t, *c, EdgeKind::Copy))
            .collect();
        c
    }

    fn describe(changes: &[ColumnChange]) -> Vec<String> {
        changes.iter().map(ColumnChange::describe).collect()
    }

    #[test]
    fn added_removed_retyped() {
        let base = RelationSchema::closed(vec![
            col("id", SqlType::Integer, &[("raw", "id")]),
            col("status", SqlType::Varchar, &[("raw", "status")]),
            col("amount", SqlType::Integer, &[("raw", "amount")]),
        ]);
        let head = RelationSchema::closed(vec![
            col("id", SqlType::Integer, &[("raw", "id")]),
            col("amount", SqlType::Double, &[("raw", "amount")]),
            col("placed_at", SqlType::Date, &[("raw", "placed_at")]),
        ]);
        assert_eq!(
            describe(&diff_columns(&base, &head)),
            [
                "changes `amount` from INTEGER to DOUBLE",
                "adds `placed_at` DATE",
                "removes `status`",
            ]
        );
    }

    #[test]
    fn a_column_with_the_same_sources_under_a_new_name_is_renamed() {
        let base = RelationSchema::closed(vec![
            col("id", SqlType::Integer, &[("raw", "id")]),
            col("status", SqlType::Varchar, &[("raw", "status")]),
        ]);
        let head = RelationSchema::closed(vec![
            col("order_status", SqlType::Varchar, &[("raw", "status")]),
            col("id", SqlType::Integer, &[("raw", "id")]),
        ]);
        assert_eq!(
            describe(&diff_columns(&base, &head)),
            ["renames `status` to `order_status`"]
        );
    }

    #[test]
    fn open_schemas_claim_no_removal() {
        let base = RelationSchema::closed(vec![col("a", SqlType::Integer, &[])]);
        let mut head = RelationSchema::closed(vec![col("b", SqlType::Integer, &[])]);
        head.open = true;
        assert_eq!(describe(&diff_columns(&base, &head)), ["adds `b` INTEGER"]);
    }
}
