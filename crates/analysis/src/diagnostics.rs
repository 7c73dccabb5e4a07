//! Diagnostics as plain data: a stable code, a severity, a message, and where.

use serde::Serialize;

use crate::text::TextRange;

/// Stable diagnostic codes. Their numbers never change meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Code {
    /// L001: the SQL does not parse.
    SyntaxError,
    /// L002: Jinja failed to render (undefined macro, bad call, bad syntax).
    JinjaError,
    /// L003: a column that no input provides.
    UnknownColumn,
    /// L004: an unqualified column that more than one input provides.
    AmbiguousColumn,
    /// L005: a table or CTE that does not exist.
    UnknownTable,
    /// L006: `ref()` to a model or seed that does not exist.
    UnknownRef,
    /// L007: `source()` to a source or table that is not declared.
    UnknownSource,
    /// L008: a column neither grouped nor aggregated.
    NotGrouped,
    /// L009: set operation operands with different column counts.
    SetOperationArity,
    /// L010: models that depend on each other in a cycle.
    ModelCycle,
    /// L011: two models with the same name.
    DuplicateModel,
    /// L012: a CTE (gem) that nothing reads.
    UnusedGem,
    /// L013: a file that cannot be read as text or a project file that cannot be loaded.
    ProjectError,
    /// L014: SQL past the bounds Loupe analyzes (operator chains, size); a limit of Loupe's, not an error of the SQL.
    TooComplex,
    /// L015: a change against the base revision that breaks a use downstream.
    BreakingChange,
    /// L016: SQL the engine of the chosen fabric lacks (`loupe check --fabric`).
    NotOnFabric,
    /// L017: a materialized model with two output columns of one name.
    DuplicateColumn,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::SyntaxError => "L001",
            Code::JinjaError => "L002",
            Code::UnknownColumn => "L003",
            Code::AmbiguousColumn => "L004",
            Code::UnknownTable => "L005",
            Code::UnknownRef => "L006",
            Code::UnknownSource => "L007",
            Code::NotGrouped => "L008",
            Code::SetOperationArity => "L009",
            Code::ModelCycle => "L010",
            Code::DuplicateModel => "L011",
            Code::UnusedGem => "L012",
            Code::ProjectError => "L013",
            Code::TooComplex => "L014",
            Code::BreakingChange => "L015",
            Code::NotOnFabric => "L016",
            Code::DuplicateColumn => "L017",
        }
    }

    /// A short kebab-case name, shown beside the code.
    pub fn name(self) -> &'static str {
        match self {
            Code::SyntaxError => "syntax-error",
            Code::JinjaError => "jinja-error",
            Code::UnknownColumn => "unknown-column",
            Code::AmbiguousColumn => "ambiguous-column",
            Code::UnknownTable => "unknown-table",
            Code::UnknownRef => "unknown-ref",
            Code::UnknownSource => "unknown-source",
            Code::NotGrouped => "not-grouped",
            Code::SetOperationArity => "set-operation-arity",
            Code::ModelCycle => "model-cycle",
            Code::DuplicateModel => "duplicate-model",
            Code::UnusedGem => "unused-gem",
            Code::ProjectError => "project-error",
            Code::TooComplex => "too-complex",
            Code::BreakingChange => "breaking-change",
            Code::NotOnFabric => "not-on-fabric",
            Code::DuplicateColumn => "duplicate-column",
        }
    }

    pub fn default_severity(self) -> Severity {
        match self {
            Code::UnusedGem | Code::TooComplex => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A diagnostic within one text (rendered SQL or template, depending on the stage).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub range: TextRange,
    /// The gem (CTE, or the model's final SELECT) the problem belongs to.
    pub gem: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, range: TextRange, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            range,
            gem: None,
        }
    }
}

/// The candidate closest to `name`, when it is close enough to suggest; the
/// first of those closest when several are.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let name: Vec<char> = name.to_lowercase().chars().collect();
    // Only a candidate closer than the best so far can replace it, so the
    // reach shrinks as better ones are found.
    let mut reach = (name.len().max(3) / 3).max(1);
    let mut best: Option<&str> = None;
    let mut candidate: Vec<char> = Vec::new();
    let mut rows = (Vec::new(), Vec::new());
    for c in candidates {
        // The distance is at least the difference in length: most candidates
        // of a big project are out of reach without computing it.
        if c.chars().count().abs_diff(name.len()) > reach {
            continue;
        }
        candidate.clear();
        if c.is_ascii() {
            candidate.extend(c.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            candidate.extend(c.to_lowercase().chars());
        }
        let within = edit_distance_within(&name, &candidate, reach, &mut rows);
        // A candidate that shares no letter in place (`a` for `c`) is no hint.
        if let Some(d) = within.filter(|&d| d < name.len().max(candidate.len())) {
            best = Some(c);
            match d.checked_sub(1) {
                Some(closer) => reach = closer,
                None => break,
            }
        }
    }
    best
}

/// The edit distance of `a` and `b` when it is at most `reach`: the rows
/// stop as soon as every cell is past it.
fn edit_distance_within(
    a: &[char],
    b: &[char],
    reach: usize,
    (prev, cur): &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    prev.clear();
    prev.extend(0..=b.len());
    cur.clear();
    cur.resize(b.len() + 1, 0);
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
            row_min = row_min.min(cur[j]);
        }
        if row_min > reach {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= reach)
}

/// "; did you mean `closest`?" for the candidate [`did_you_mean`] picks, or
/// nothing: the end of an unknown-name message.
pub fn did_you_mean_hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(name, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Candidate names one analysis may compare for did-you-mean hints. A few
/// typos against a few hundred columns compare thousands; a generated model
/// with thousands of unknown names over thousands of columns would compare
/// hundreds of millions, and its later diagnostics go without a hint.
pub const HINT_BUDGET: usize = 1_000_000;

/// What is left of [`HINT_BUDGET`] for one analysis.
#[derive(Clone, Debug)]
pub struct HintBudget(usize);

impl Default for HintBudget {
    fn default() -> Self {
        HintBudget(HINT_BUDGET)
    }
}

impl HintBudget {
    /// Spends `candidates` names; false (and nothing spent) when too few are left.
    pub fn spend(&mut self, candidates: usize) -> bool {
        match self.0.checked_sub(candidates) {
            Some(left) => {
                self.0 = left;
                true
            }
            None => false,
        }
    }

    pub fn is_spent(&self) -> bool {
        self.0 == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, no reach: what the hint must agree with.
    fn full_distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut cur = vec![i; b.len() + 1];
            for j in 1..=b.len() {
                cur[j] = (prev[j - 1] + usize::from(a[i - 1] != b[j - 1]))
                    .min(prev[j] + 1)
                    .min(cur[j - 1] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }

    fn first_closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
        let name = name.to_lowercase();
        let limit = (name.chars().count().max(3) / 3).max(1);
        let mut best: Option<(usize, &str)> = None;
        for &c in candidates {
            let d = full_distance(&name, &c.to_lowercase());
            let longer = name.chars().count().max(c.chars().count());
            if d <= limit && d < longer && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, c));
            }
        }
        best.map(|(_, c)| c)
    }

    #[test]
    fn the_hint_is_the_first_closest_candidate_within_reach() {
        let candidates = [
            "amount",
            "Amount",
            "amounts",
            "account",
            "mount",
            "customer_id",
            "customers",
            "customer",
            "cust_id",
            "Größe",
            "grösse",
            "straße",
            "id",
            "ids",
            "x",
            "order_date",
            "ordered_at",
            "status",
            "statuses",
            "état",
            "ÉTAT",
        ];
        let names = [
            "amont",
            "AMOUNT",
            "amountt",
            "acount",
            "customer_ids",
            "custmer",
            "cust",
            "größe",
            "GRÖSSE",
            "strasse",
            "i",
            "idd",
            "y",
            "order_dat",
            "orderdate",
            "stat",
            "etat",
            "état",
            "zzzzzz",
            "",
        ];
        for name in names {
            assert_eq!(
                did_you_mean(name, candidates),
                first_closest(name, &candidates),
                "{name}"
            );
        }
        // Every rotation of the candidates: which of several equals comes first.
        for shift in 0..candidates.len() {
            let mut rotated = candidates.to_vec();
            rotated.rotate_left(shift);
            for name in names {
                assert_eq!(
                    did_you_mean(name, rotated.iter().copied()),
                    first_closest(name, &rotated),
                    "{name} {shift}"
                );
            }
        }
    }

    #[test]
    fn a_name_with_no_letter_in_common_gets_no_hint() {
        assert_eq!(did_you_mean("c", ["a", "b"]), None);
        assert_eq!(did_you_mean("c", ["a", "cd"]), Some("cd"));
        assert_eq!(did_you_mean("ab", ["xy", "ax"]), Some("ax"));
    }

    #[test]
    fn the_hint_budget_runs_out_without_spending_past_it() {
        let mut budget = HintBudget::default();
        assert!(budget.spend(HINT_BUDGET - 10));
        assert!(!budget.spend(11));
        assert!(budget.spend(10));
        assert!(!budget.spend(1));
    }
}
