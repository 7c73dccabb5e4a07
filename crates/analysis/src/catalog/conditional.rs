//! The types of conditional calls several warehouses share (`nvl`,
//! `nvl2`, `decode`): the common type of the values they may return.

use crate::types::{common_supertype, SqlType};

/// The common type of `args`, as `nvl`, `decode` and `iff` give it.
pub(super) fn common(args: &[SqlType]) -> SqlType {
    args.iter()
        .cloned()
        .try_fold(SqlType::Null, |acc, t| common_supertype(&acc, &t))
        .unwrap_or(SqlType::Unknown)
}

/// `decode(expr, search, result, ... [, default])`: the results' common type.
pub(super) fn decode_type(args: &[SqlType]) -> Option<SqlType> {
    if args.len() < 3 {
        return None;
    }
    let mut results: Vec<SqlType> = args[2..].iter().step_by(2).cloned().collect();
    if args.len().is_multiple_of(2) {
        results.push(args[args.len() - 1].clone());
    }
    Some(common(&results))
}
