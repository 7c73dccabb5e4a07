//! Completion: model names inside `ref('`, sources inside `source('`,
//! columns in scope (also after `alias.`), gems, relations, functions and
//! keywords. Works on half-typed SQL: the cursor context is read from the
//! text, and columns come from the last analysis that parsed when the
//! current text does not.

use crate::catalog::{FunctionCatalog, FunctionKind};
use crate::db::{Db, Project, SourceFile};
use crate::model::{model_analysis, model_ide_facts, project_index};
use crate::schema::ScopeInfo;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Column,
    Gem,
    Model,
    Seed,
    Source,
    Function,
    Keyword,
    Macro,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// The type, signature or origin shown beside the label.
    pub detail: String,
}

impl Completion {
    fn new(label: impl Into<String>, kind: CompletionKind, detail: impl Into<String>) -> Self {
        Completion {
            label: label.into(),
            kind,
            detail: detail.into(),
        }
    }
}

/// Completions at `offset` in a model. `fallback` scopes (from the last
/// analysis that parsed) stand in when the text does not parse now.
pub fn completions(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: usize,
    fallback: Option<&[ScopeInfo]>,
) -> Vec<Completion> {
    let text = file.text(db);
    let offset = crate::text::floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let index = project_index(db, project);
    let dialect = project.settings(db).dialect;

    if let Some(rest) = open_call_argument(prefix, "ref") {
        if !rest.contains(',') {
            return index
                .nodes
                .iter()
                .map(|n| {
                    let kind = if n.is_seed {
                        CompletionKind::Seed
                    } else {
                        CompletionKind::Model
                    };
                    Completion::new(
                        n.name.clone(),
                        kind,
                        format!("{}.{}", n.relation.0, n.relation.1),
                    )
                })
                .collect();
        }
    }
    if let Some(rest) = open_call_argument(prefix, "source") {
        let mut sources: Vec<Completion> = Vec::new();
        match rest.split_once(',') {
            None => {
                for s in index.sources.values() {
                    if !sources.iter().any(|c| c.label == s.source) {
                        sources.push(Completion::new(
                            s.source.clone(),
                            CompletionKind::Source,
                            "source",
                        ));
                    }
                }
            }
            Some((source, _)) => {
                let source = source.trim().trim_matches(['\'', '"']);
                for s in index
                    .sources
                    .values()
                    .filter(|s| s.source.eq_ignore_ascii_case(source))
                {
                    sources.push(Completion::new(
                        s.table.clone(),
                        CompletionKind::Source,
                        format!("{}.{}", s.schema, s.identifier),
                    ));
                }
            }
        }
        return sources;
    }

    // Inside `{{ ... ` or `{% ... `: macros.
    if let Some(open) = prefix.rfind("{{").or_else(|| prefix.rfind("{%")) {
        if !prefix[open..].contains("}}") && !prefix[open..].contains("%}") {
            let env = crate::model::jinja_environment(db, project);
            return env
                .0
                .macros()
                .iter()
                .filter(|(_, name)| !name.contains("__"))
                .map(|(package, name)| {
                    Completion::new(
                        if package == "dbt" || package == &env.0.project().root_package {
                            name.clone()
                        } else {
                            format!("{package}.{name}")
                        },
                        CompletionKind::Macro,
                        format!("macro · {package}"),
                    )
                })
                .collect();
        }
    }

    let analysis = model_analysis(db, project, file);
    let facts = model_ide_facts(db, project, file);
    // Half-typed SQL: analyze it with a placeholder at the cursor, else use
    // the scopes of the last version that parsed.
    let repaired;
    let scopes: &[ScopeInfo] = if !facts.scopes.is_empty() {
        &facts.scopes
    } else {
        repaired = crate::model::scopes_at_cursor(db, project, file, offset);
        if !repaired.is_empty() {
            &repaired
        } else {
            fallback.unwrap_or(&[])
        }
    };
    let scope = innermost_scope(scopes, offset);

    // `alias.` completes that relation's columns.
    let word_start = prefix.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
    if let Some(before_dot) = word_start.strip_suffix('.') {
        let alias: String = before_dot
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let mut out = Vec::new();
        for scope in scopes
            .iter()
            .filter(|s| scope.is_none_or(|sc| std::ptr::eq(*s, sc)))
        {
            for (q, columns) in &scope.items {
                if q.eq_ignore_ascii_case(&alias) {
                    for c in columns {
                        out.push(Completion::new(
                            c.name.clone(),
                            CompletionKind::Column,
                            format!("{} · {}", c.ty.shown_in(dialect), q),
                        ));
                    }
                }
            }
        }
        return out;
    }

    let mut out = Vec::new();
    if let Some(scope) = scope {
        for (q, columns) in &scope.items {
            for c in columns {
                if !out
                    .iter()
                    .any(|x: &Completion| x.label.eq_ignore_ascii_case(&c.name))
                {
                    out.push(Completion::new(
                        c.name.clone(),
                        CompletionKind::Column,
                        format!("{} · {}", c.ty.shown_in(dialect), q),
                    ));
                }
            }
        }
    }
    let last_gem = analysis.gems.len().saturating_sub(1);
    for gem in &analysis.gems[..last_gem] {
        out.push(Completion::new(
            gem.name.clone(),
            CompletionKind::Gem,
            format!("gem · {}", gem.kind.as_str()),
        ));
    }
    out.extend(function_completions().iter().cloned());
    for keyword in [
        "select",
        "from",
        "where",
        "group by",
        "order by",
        "having",
        "qualify",
        "join",
        "left join",
        "inner join",
        "union all",
        "with",
        "as",
        "case",
        "when",
        "then",
        "else",
        "end",
        "distinct",
        "limit",
    ] {
        out.push(Completion::new(keyword, CompletionKind::Keyword, "keyword"));
    }
    out
}

/// The text typed so far inside an unclosed `name('...` call, if the cursor is in one.
fn open_call_argument<'a>(prefix: &'a str, name: &str) -> Option<&'a str> {
    let start = prefix.rfind(&format!("{name}("))?;
    let before = &prefix[..start];
    if before
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let args = &prefix[start + name.len() + 1..];
    if args.contains(')') {
        return None;
    }
    // The cursor must be inside an open quote.
    let quotes = args.chars().filter(|c| *c == '\'' || *c == '"').count();
    (quotes % 2 == 1).then_some(args)
}

/// The smallest scope containing the offset; else the nearest one before it.
fn innermost_scope(scopes: &[ScopeInfo], offset: usize) -> Option<&ScopeInfo> {
    scopes
        .iter()
        .filter(|s| s.range.start <= offset && offset <= s.range.end)
        .min_by_key(|s| s.range.len())
        .or_else(|| {
            scopes
                .iter()
                .filter(|s| s.range.start <= offset)
                .max_by_key(|s| s.range.start)
        })
        .or_else(|| scopes.first())
}

/// Every function, with its first signature: the same list at every completion, so it is built
/// once (formatting the signatures was most of a completion's time).
fn function_completions() -> &'static [Completion] {
    static LIST: std::sync::OnceLock<Vec<Completion>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let mut out = Vec::new();
        let functions = FunctionCatalog::duckdb();
        let mut names: Vec<&str> = functions
            .names()
            .filter(|n| n.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .collect();
        names.sort_unstable();
        for name in names {
            let kind = match functions.kind_of(name) {
                Some(FunctionKind::Aggregate) => "aggregate",
                Some(FunctionKind::Window) => "window",
                _ => "function",
            };
            // The first signature, and how many more there are.
            let overloads = functions.overloads(name);
            let more = if overloads.len() > 1 {
                format!(" (+{} more)", overloads.len() - 1)
            } else {
                String::new()
            };
            let detail = overloads.first().map_or(kind.to_string(), |o| {
                format!(
                    "{kind} · {}{more}",
                    super::signature::signature_text(name, o)
                )
            });
            out.push(Completion::new(name, CompletionKind::Function, detail));
        }
        out
    })
}
