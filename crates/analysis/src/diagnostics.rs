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

/// The candidate closest to `name`, when it is close enough to suggest.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let name = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    let length = name.chars().count();
    let limit = (length.max(3) / 3).max(1);
    for c in candidates {
        // The distance is at least the difference in length: most candidates
        // of a big project are out of reach without computing it.
        if c.chars().count().abs_diff(length) > limit {
            continue;
        }
        let d = edit_distance(&name, &c.to_lowercase());
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
