//! dbt's Jinja, rendered with minijinja and no warehouse: `ref`, `source`,
//! `config`, `var`, macros from the project, its packages and dbt's global
//! project (with `adapter.dispatch` and `return`), and a source map from the
//! rendered SQL back to the template.

pub mod builtins;
mod context;
mod macro_files;
mod objects;
pub mod source_map;

use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub(crate) use context::scan_builtin_macros_in_background;
pub use context::RenderContext;
use source_map::{instrument, strip_markers, unclosed_block, SourceMap};

use crate::text::TextRange;

/// A macro file of the project, a package, or dbt's global project.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MacroFile {
    pub package: String,
    pub path: String,
    pub text: Arc<str>,
}

/// Where a var is declared, which decides who sees it and which wins: for
/// a node of package P, `--vars`, then the root project's vars for P, then
/// the root project's global vars, then P's own (dbt's order).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum VarScope {
    /// A global var of the root project.
    Root,
    /// `vars: {P: {...}}` in the root project.
    RootFor(String),
    /// A var in package P's own `dbt_project.yml`.
    Package(String),
}

/// Everything the Jinja environment needs to know about the project.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JinjaProject {
    pub root_package: String,
    /// The dbt adapter type (`duckdb`, `databricks`, ...).
    pub adapter: String,
    pub target_name: String,
    pub target_schema: String,
    pub target_database: String,
    /// `vars:` of the root project (global ones, and per package) and of
    /// each package's own project.
    pub vars: Vec<(VarScope, String, serde_json::Value)>,
    /// `--vars` of the invocation: they win over `vars`, scoped or not.
    pub invocation_vars: Vec<(String, serde_json::Value)>,
    /// `dispatch:` search orders by macro namespace.
    pub dispatch: Vec<(String, Vec<String>)>,
    /// Relation names of models and seeds for rendering `ref()`: name -> (schema, identifier).
    pub relations: BTreeMap<String, (String, String)>,
    /// The database each model or seed is built in: name -> database.
    pub databases: BTreeMap<String, String>,
    /// Sources: (source, table) -> (schema, identifier).
    pub sources: BTreeMap<(String, String), (String, String)>,
    pub macro_files: Vec<MacroFile>,
    /// dbt's `graph` (nodes and sources of the project).
    pub graph: Option<GraphSource>,
}

/// dbt's `graph` as JSON, built when a template first reads it: on a large
/// project building it takes a while, and every render waits for the
/// environment, while few read the graph. Compared by identity.
#[derive(Clone)]
pub struct GraphSource(pub Arc<dyn Fn() -> serde_json::Value + Send + Sync>);

impl std::fmt::Debug for GraphSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GraphSource")
    }
}

impl PartialEq for GraphSource {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for GraphSource {}

impl std::hash::Hash for GraphSource {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash(Arc::as_ptr(&self.0).cast::<()>(), state);
    }
}

/// A `ref()` or `source()` call made while rendering.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    Ref {
        package: Option<String>,
        name: String,
    },
    Source {
        source: String,
        table: String,
    },
}

/// A call and where it printed in the rendered SQL (if it printed).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RenderedRef {
    pub call: Call,
    pub range: Option<TextRange>,
}

/// A Jinja failure with the template range of the tag at fault.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JinjaError {
    pub message: String,
    pub range: TextRange,
}

/// A model rendered to SQL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RenderedModel {
    pub sql: String,
    pub source_map: SourceMap,
    pub calls: Vec<RenderedRef>,
    /// `config(...)` arguments, as JSON values.
    pub config: BTreeMap<String, String>,
    pub error: Option<JinjaError>,
    /// The render asked a relation's columns that it was not given.
    pub wants_columns: bool,
    /// Which relations (lower-case `schema.identifier`) it asked them of.
    pub asked_relations: Vec<String>,
    /// The render queried the warehouse (`run_query`, `statement`,
    /// `load_result`), which answered nothing: what it printed may lack what a
    /// warehouse would have filled in.
    pub queried_warehouse: Option<String>,
    /// Vars the render read that have no value (neither the project nor
    /// `--vars` sets them) and no default: dbt's compile and run stop there.
    pub missing_vars: Vec<String>,
}

/// Relation columns known before rendering, by lower-case `schema.identifier`.
pub type KnownColumns = Arc<BTreeMap<String, Vec<(String, String)>>>;

/// The compiled Jinja environment of a project.
pub struct JinjaEnvironment {
    env: minijinja::Environment<'static>,
    project: Arc<JinjaProject>,
    /// (package, macro) of every macro the templates can call.
    macros: Vec<(String, String)>,
}

impl std::fmt::Debug for JinjaEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JinjaEnvironment")
            .field("root", &self.project.root_package)
            .finish()
    }
}

/// Macro definitions are renamed so every call goes through Loupe's macro
/// resolution (and so `return()` works): `{% macro x(` -> `{% macro __loupe_macro__x(`.
pub(crate) const MACRO_PREFIX: &str = "__loupe_macro__";

/// Instructions one render may run (a large package macro runs well under a million).
pub(crate) const RENDER_FUEL: u64 = 50_000_000;

impl JinjaEnvironment {
    pub fn new(project: JinjaProject) -> JinjaEnvironment {
        let project = Arc::new(project);
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_recursion_limit(200);
        // A bound on the work of one render: an endless loop ends with an error, not a frozen server.
        env.set_fuel(Some(RENDER_FUEL));
        env.set_keep_trailing_newline(true);
        env.set_unknown_method_callback(context::unknown_method);
        let index = context::MacroIndex::build(&project, &mut env);
        let macros = index.all();
        context::install_globals(&mut env, project.clone(), Arc::new(index));
        JinjaEnvironment {
            env,
            project,
            macros,
        }
    }

    /// (package, macro) of every macro, for completion.
    pub fn macros(&self) -> &[(String, String)] {
        &self.macros
    }

    pub fn project(&self) -> &JinjaProject {
        &self.project
    }

    /// Renders a model template for `model` (its name and package).
    pub fn render_model(
        &self,
        template: &str,
        model: RenderContext,
        columns: KnownColumns,
    ) -> RenderedModel {
        let instrumented = instrument(template);
        let rewritten = rewrite_statements(&instrumented.text);
        context::begin_render(model, columns);
        let result = self.env.render_named_str("model", &rewritten.text, ());
        let state = context::end_render();
        let mut rendered = RenderedModel {
            config: state.config,
            wants_columns: state.wants_columns,
            asked_relations: state.asked_relations,
            queried_warehouse: state.queried_warehouse,
            missing_vars: state.missing_vars,
            ..Default::default()
        };
        match result {
            Ok(output) => {
                let (sql, map, printed) = strip_markers(&output, &instrumented, template.len());
                rendered.sql = sql;
                rendered.source_map = map;
                // Where each call was first printed, looked up once per call:
                // a model can make tens of thousands.
                let mut first_printed = vec![None; state.calls.len()];
                for p in printed.iter().rev() {
                    if let Some(slot) = first_printed.get_mut(p.call) {
                        *slot = Some(p.range);
                    }
                }
                rendered.calls = state
                    .calls
                    .into_iter()
                    .zip(first_printed)
                    .map(|(call, range)| RenderedRef { call, range })
                    .collect();
            }
            Err(error) => {
                rendered.calls = state
                    .calls
                    .into_iter()
                    .map(|call| RenderedRef { call, range: None })
                    .collect();
                let range = error_range(&error, template, &instrumented, &rewritten);
                rendered.error = Some(JinjaError {
                    message: error_message(&error),
                    range,
                });
            }
        }
        rendered
    }

    /// What a model's own `{{ config(...) }}` tags (see [`config_tags`]) set, rendered with vars
    /// and target alone (`schema='marts'`, `alias=var('orders_table')`):
    /// what names its relation before any model renders. A tag whose
    /// arguments need more (a macro) is left to the model's render.
    /// Only `keys` are read; a tag that sets them with literals is read
    /// without rendering (most are: `{{ config(materialized='table') }}`).
    pub fn config_in_text(
        &self,
        template: &str,
        model: RenderContext,
        keys: &[&str],
    ) -> BTreeMap<String, String> {
        let mut found = BTreeMap::new();
        let mut to_render = Vec::new();
        for tag in config_tag_texts(template) {
            match literal_config_arguments(tag) {
                Some(arguments) => {
                    let wanted = arguments.iter().filter(|(k, _)| keys.contains(&k.as_str()));
                    if wanted.clone().all(|(_, v)| v.is_some()) {
                        found.extend(
                            wanted.map(|(k, v)| (k.clone(), v.clone().unwrap_or_default())),
                        );
                    } else {
                        to_render.push(tag);
                    }
                }
                None => to_render.push(tag),
            }
        }
        if !to_render.is_empty() {
            context::begin_render(model, Default::default());
            for tag in to_render {
                let _ = self.env.render_str(tag, ());
            }
            let rendered = context::end_render().config;
            found.extend(
                rendered
                    .into_iter()
                    .filter(|(k, _)| keys.contains(&k.as_str())),
            );
        }
        found
    }

    /// Renders a small template with extra variables (a naming macro's call).
    pub fn render_with(&self, text: &str, variables: serde_json::Value) -> Result<String, String> {
        context::begin_render(RenderContext::default(), Default::default());
        let out = self
            .env
            .render_str(text, minijinja::Value::from_serialize(&variables));
        context::end_render();
        out.map_err(|e| error_message(&e))
    }

    /// Renders a small string (a var value, a profile field) with the full context.
    pub fn render_str(&self, text: &str) -> Result<String, String> {
        context::begin_render(RenderContext::default(), Default::default());
        let out = self.env.render_str(text, ());
        context::end_render();
        out.map_err(|e| error_message(&e))
    }
}

/// A model's or snapshot's `{{ config(...) }}` tags, one after another
/// (`None` for other files and for those with none).
pub fn config_tags(kind: crate::project::FileKind, text: &str) -> Option<Arc<str>> {
    use crate::project::FileKind;
    if !matches!(kind, FileKind::Model | FileKind::Snapshot) || !text.contains("config(") {
        return None;
    }
    let tags = config_tag_texts(text).concat();
    (!tags.is_empty()).then(|| Arc::from(tags))
}

/// The keyword arguments of `{{ config(k=v, ...) }}`, each value's text
/// when it is a plain literal (a quoted string without Jinja, a number,
/// `true`/`false`); `None` when the tag is another shape.
fn literal_config_arguments(tag: &str) -> Option<Vec<(String, Option<String>)>> {
    let inner = tag
        .strip_prefix("{{")?
        .strip_suffix("}}")?
        .trim_matches(['-', '+', ' ', '\t', '\n', '\r']);
    let body = inner.strip_prefix("config(")?.strip_suffix(')')?;
    // Split at the commas outside quotes and brackets.
    let (mut parts, mut depth, mut quote, mut start) = (Vec::new(), 0i32, None, 0);
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quote.is_some() || depth != 0 {
        return None;
    }
    parts.push(&body[start..]);
    let mut arguments = Vec::new();
    for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part.split_once('=')?;
        let key = key.trim();
        if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let value = value.trim();
        let quoted = ['\'', '"'].into_iter().find_map(|q| {
            value
                .strip_prefix(q)?
                .strip_suffix(q)
                .filter(|t| !t.contains(q) && !t.contains('\\') && !t.contains("{{"))
        });
        let literal = match quoted {
            Some(text) => Some(text.to_string()),
            None if matches!(value, "true" | "false" | "True" | "False")
                || value.parse::<f64>().is_ok() =>
            {
                Some(value.to_ascii_lowercase())
            }
            None => None,
        };
        arguments.push((key.to_string(), literal));
    }
    Some(arguments)
}

fn config_tag_texts(template: &str) -> Vec<&str> {
    source_map::scan_tags(template)
        .into_iter()
        .filter(|t| t.kind == source_map::TagKind::Expression)
        .map(|t| &template[t.range.start..t.range.end])
        .filter(|text| {
            source_map::tag_inner(text, TextRange::new(0, text.len()))
                .trim_matches(['-', '+', ' ', '\t', '\n', '\r'])
                .starts_with("config(")
        })
        .collect()
}

/// The message of a minijinja error, without its internal template names.
fn error_message(error: &minijinja::Error) -> String {
    let mut message = match error.detail() {
        Some(detail) => format!("{}: {detail}", kind_text(error)),
        None => kind_text(error),
    };
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        if let Some(e) = inner.downcast_ref::<minijinja::Error>() {
            if let Some(d) = e.detail() {
                message.push_str(&format!(" ({d})"));
            }
        }
        source = inner.source();
    }
    let message = message.replace(MACRO_PREFIX, "");
    // Calling a method on something undefined is nearly always a missing package or a typo.
    match message.split_once("undefined has no method named ") {
        Some((_, method)) => format!(
            "`{method}` was called on something undefined: a package that is not installed (run `dbt deps`) or a misspelled name"
        ),
        None => message,
    }
}

fn kind_text(error: &minijinja::Error) -> String {
    use minijinja::ErrorKind::*;
    match error.kind() {
        UnknownFunction => "undefined macro or function".into(),
        UnknownMethod => "unknown method".into(),
        SyntaxError => "Jinja syntax error".into(),
        UndefinedError => "undefined value".into(),
        InvalidOperation => "invalid operation".into(),
        MissingArgument => "missing argument".into(),
        TooManyArguments => "too many arguments".into(),
        OutOfFuel => format!("the template runs more than {RENDER_FUEL} steps (an endless loop?)"),
        other => format!("{other}"),
    }
}

/// The template range of the tag an error belongs to.
fn error_range(
    error: &minijinja::Error,
    template: &str,
    instrumented: &source_map::Instrumented,
    rewritten: &Rewritten,
) -> TextRange {
    let tags = &instrumented.tags;
    if error.kind() == minijinja::ErrorKind::SyntaxError {
        let detail = error.detail().unwrap_or("");
        if detail.contains("unexpected end of input")
            || detail.contains("missing end")
            || detail.contains("expected end")
        {
            if let Some(r) = unclosed_block(template, tags) {
                return r;
            }
        }
    }
    // An error inside a macro call is reported by the call's line in this template.
    let offset = error
        .range()
        .filter(|_| error.name() == Some("model"))
        .map(|r| instrumented.original_offset(rewritten.original_offset(r.start)));
    let offset = offset.or_else(|| {
        let line = error.line()?;
        let index = crate::text::LineIndex::new(template);
        Some(index.offset(template, line as u64, 1))
    });
    let Some(offset) = offset else {
        return TextRange::empty(0);
    };
    // The tag containing the offset, else the first tag on its line.
    if let Some(tag) = tags
        .iter()
        .find(|t| t.range.start <= offset && offset < t.range.end)
    {
        return tag.range;
    }
    let index = crate::text::LineIndex::new(template);
    let line = index.line_col(template, offset).line;
    tags.iter()
        .find(|t| index.line_col(template, t.range.start).line == line)
        .map_or(TextRange::empty(offset), |t| t.range)
}

/// A template after dbt-only statements are rewritten for minijinja.
pub(crate) struct Rewritten {
    pub text: String,
    shifts: Vec<(usize, usize)>,
}

impl Rewritten {
    fn original_offset(&self, rewritten: usize) -> usize {
        let i = self.shifts.partition_point(|&(at, _)| at <= rewritten);
        if i == 0 {
            return rewritten;
        }
        let (at, orig) = self.shifts[i - 1];
        orig + rewritten.saturating_sub(at)
    }
}

/// Rewrites what minijinja cannot run as dbt does:
/// - `{% set x = [..] %}` keeps lists and dicts mutable (`.append`, `.update`);
/// - `{% macro x(` is renamed so calls resolve through Loupe (`return` works);
/// - `{% test x(` becomes a macro `test_x`; `{% materialization %}` and
///   `{% snapshot %}` blocks are dropped.
pub(crate) fn rewrite_statements(template: &str) -> Rewritten {
    let tags = source_map::scan_tags(template);
    let mut text = String::with_capacity(template.len() + 64);
    let mut shifts = Vec::new();
    let mut pos = 0;
    let mut skip_until: Option<&str> = None;
    for tag in tags
        .iter()
        .filter(|t| t.kind != source_map::TagKind::Comment)
    {
        let raw = &template[tag.range.start..tag.range.end];
        if skip_until.is_none() {
            if operator_count(raw) > MOST_OPERATORS {
                // minijinja's compiler is quadratic in a chain of operators.
                let call = format!("{OVERLONG_FUNCTION}()");
                let replacement = match tag.kind {
                    source_map::TagKind::Expression => format!("{{{{ {call} }}}}"),
                    _ => format!("{{% do {call} %}}"),
                };
                replace_tag(
                    &mut text,
                    &mut shifts,
                    &mut pos,
                    template,
                    tag.range,
                    &replacement,
                );
                continue;
            }
        }
        if tag.kind == source_map::TagKind::Expression {
            // Jinja's unary plus (`interval = +1`) and arithmetic on dates,
            // which minijinja lacks.
            if skip_until.is_none() {
                if let Some(fixed) = with_datetimes_shifted(drop_unary_plus(raw), raw) {
                    replace_tag(
                        &mut text,
                        &mut shifts,
                        &mut pos,
                        template,
                        tag.range,
                        &fixed,
                    );
                }
            }
            continue;
        }
        if !raw.ends_with("%}") {
            continue;
        }
        let (open, close) = (&raw[..2], &raw[raw.len() - 2..]);
        let inner = source_map::tag_inner(template, tag.range);
        let (ltrim, body, rtrim) = source_map::split_trim(inner);
        let word = body
            .trim_start()
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .next()
            .unwrap_or("");
        if let Some(end) = skip_until {
            if word == end {
                skip_until = None;
                shifts.push((text.len(), tag.range.end));
                pos = tag.range.end;
            }
            continue;
        }
        let replacement = match word {
            "materialization" => {
                skip_until = Some("endmaterialization");
                Some(String::new())
            }
            "snapshot" => {
                skip_until = Some("endsnapshot");
                Some(String::new())
            }
            "macro" => {
                let rest = body.trim_start()["macro".len()..].trim_start();
                Some(format!(
                    "{open}{ltrim} macro {MACRO_PREFIX}{rest}{rtrim}{close}"
                ))
            }
            "test" => {
                let rest = body.trim_start()["test".len()..].trim_start();
                Some(format!(
                    "{open}{ltrim} macro {MACRO_PREFIX}test_{rest}{rtrim}{close}"
                ))
            }
            "endtest" => Some(format!("{open}{ltrim} endmacro {rtrim}{close}")),
            "set" => {
                let rest = body.trim_start()["set".len()..].trim();
                match rest.split_once('=') {
                    Some((target, value))
                        if !target.trim().is_empty()
                            && target
                                .trim()
                                .chars()
                                .all(|c| c.is_alphanumeric() || c == '_')
                            && !value.starts_with('=') =>
                    {
                        let wrapper = if is_tuple_literal(value.trim()) {
                            "__loupe_tuple"
                        } else {
                            "__loupe_mutable"
                        };
                        Some(format!(
                            "{open}{ltrim} set {} = {wrapper}({}) {rtrim}{close}",
                            target.trim(),
                            value.trim()
                        ))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(replacement) = with_datetimes_shifted(replacement, raw) {
            replace_tag(
                &mut text,
                &mut shifts,
                &mut pos,
                template,
                tag.range,
                &replacement,
            );
        }
    }
    if skip_until.is_none() {
        text.push_str(&template[pos..]);
    }
    Rewritten { text, shifts }
}

/// Writes the template up to the tag, then `replacement` for it, noting
/// where the rewritten text stands in the template.
fn replace_tag(
    text: &mut String,
    shifts: &mut Vec<(usize, usize)>,
    pos: &mut usize,
    template: &str,
    tag: TextRange,
    replacement: &str,
) {
    text.push_str(&template[*pos..tag.start]);
    shifts.push((text.len(), tag.start));
    text.push_str(replacement);
    shifts.push((text.len(), tag.end));
    *pos = tag.end;
}

/// A tag's rewrite (`None`: the tag as written, `raw`) with its datetime
/// arithmetic made calls; `None` when neither changes it.
fn with_datetimes_shifted(rewritten: Option<String>, raw: &str) -> Option<String> {
    // Both rewrites need a call's attribute or a timedelta: most tags have neither.
    let text = rewritten.as_deref().unwrap_or(raw);
    if !text.contains("datetime") && !text.contains(").") {
        return rewritten;
    }
    let shifted = match rewritten {
        Some(text) => Some(shift_datetimes(&text).unwrap_or(text)),
        None => shift_datetimes(raw),
    };
    match shifted {
        Some(text) => Some(subtract_datetimes(&text).unwrap_or(text)),
        None => subtract_datetimes(raw),
    }
}

/// `= +1`, `(+1`, `, +1` without the plus; `None` when there is none.
fn drop_unary_plus(tag: &str) -> Option<String> {
    if !tag.contains('+') {
        return None;
    }
    let chars: Vec<char> = tag.chars().collect();
    let mut out = String::with_capacity(tag.len());
    let mut changed = false;
    let mut last_significant = ' ';
    let mut quote: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else if c == '\'' || c == '"' {
            quote = Some(c);
        } else if c == '+'
            && matches!(last_significant, '=' | '(' | ',')
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            changed = true;
            continue;
        }
        if !c.is_whitespace() {
            last_significant = c;
        }
        out.push(c);
    }
    changed.then_some(out)
}

/// The most operators one Jinja tag may have; past it the tag raises an
/// error when rendered (through [`OVERLONG_FUNCTION`]).
pub(crate) const MOST_OPERATORS: usize = 5_000;
pub(crate) const OVERLONG_FUNCTION: &str = "__loupe_overlong";

/// Arithmetic, concatenation and boolean operators of a tag, outside strings.
fn operator_count(tag: &str) -> usize {
    let bytes = tag.as_bytes();
    let mut quote: Option<u8> = None;
    let mut count = 0;
    for (i, &c) in bytes.iter().enumerate() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(c),
            (None, b'+' | b'-' | b'*' | b'/' | b'%' | b'~') => count += 1,
            (None, b' ') => {
                let word = &bytes[i + 1..];
                if word.starts_with(b"and ") || word.starts_with(b"or ") {
                    count += 1;
                }
            }
            _ => {}
        }
    }
    count
}

/// The method of `modules.datetime` that [`shift_datetimes`] calls.
pub(crate) const SHIFT_METHOD: &str = "loupe_shift";

/// `x - modules.datetime.timedelta(days=7)` (or `+`) as a call of
/// `modules.datetime`: minijinja has no arithmetic on objects, and dbt code
/// moves `run_started_at` or `datetime.now()` by a timedelta.
fn shift_datetimes(tag: &str) -> Option<String> {
    const TIMEDELTA: &str = "modules.datetime.timedelta(";
    if !tag.contains(TIMEDELTA) {
        return None;
    }
    // Each rewrite reads the text again: a bound keeps a hostile tag of
    // thousands of them linear (real ones have one or two).
    const MOST: usize = 64;
    let mut text = tag.to_string();
    let mut changed = false;
    let mut from = 0;
    let mut tried = 0;
    while let Some(found) = text[from..].find(TIMEDELTA) {
        tried += 1;
        if tried > MOST {
            break;
        }
        let call = from + found;
        from = call + TIMEDELTA.len();
        let before = text[..call].trim_end();
        let sign = match before.as_bytes().last() {
            Some(b'-') => -1,
            Some(b'+') => 1,
            _ => continue,
        };
        let left_end = text[..before.len() - 1].trim_end().len();
        let left_start = operand_start(text.as_bytes(), left_end);
        let Some(call_end) = group_end(text.as_bytes(), call + TIMEDELTA.len() - 1) else {
            continue;
        };
        if left_start == left_end {
            continue;
        }
        let shifted = format!(
            "modules.datetime.{SHIFT_METHOD}({}, {sign}, {})",
            &text[left_start..left_end],
            &text[call..call_end]
        );
        text.replace_range(left_start..call_end, &shifted);
        from = left_start + shifted.len();
        changed = true;
    }
    changed.then_some(text)
}

/// The method of `modules.datetime` that [`subtract_datetimes`] calls.
pub(crate) const DIFF_METHOD: &str = "loupe_diff";

/// `(a - b).days` (or `.seconds`, `.microseconds`, `.total_seconds()`) as
/// `modules.datetime.loupe_diff(a, b).days`: only a timedelta has those, so
/// the group subtracts datetimes, which minijinja cannot.
fn subtract_datetimes(tag: &str) -> Option<String> {
    const ATTRIBUTES: [&str; 4] = [").days", ").seconds", ").microseconds", ").total_seconds"];
    if !ATTRIBUTES.iter().any(|a| tag.contains(a)) {
        return None;
    }
    // One rewrite per pass over the text, so a bound keeps a hostile tag linear.
    const MOST: usize = 64;
    let mut text = tag.to_string();
    let mut changed = false;
    for _ in 0..MOST {
        let Some((open, minus, close)) = datetime_difference(text.as_bytes()) else {
            break;
        };
        let call = format!(
            "modules.datetime.{DIFF_METHOD}({}, {})",
            text[open + 1..minus].trim(),
            text[minus + 1..close].trim()
        );
        text.replace_range(open..=close, &call);
        changed = true;
    }
    changed.then_some(text)
}

/// The first `( left - right )` followed by a timedelta attribute: where its
/// parentheses and its last top-level minus are.
fn datetime_difference(text: &[u8]) -> Option<(usize, usize, usize)> {
    let mut opens: Vec<(usize, Option<usize>)> = Vec::new();
    let mut quote: Option<u8> = None;
    let mut last_significant = b' ';
    for (i, &c) in text.iter().enumerate() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => continue,
            (None, b'\'' | b'"') => quote = Some(c),
            (None, b'(' | b'[' | b'{') => {
                // A call's parentheses are not a group.
                let call = last_significant.is_ascii_alphanumeric() || last_significant == b'_';
                opens.push((if call || c != b'(' { usize::MAX } else { i }, None));
            }
            (None, b')' | b']' | b'}') => {
                let (open, minus) = opens.pop()?;
                let rest = &text[i + 1..];
                let attribute = [
                    b"days".as_slice(),
                    b"seconds",
                    b"microseconds",
                    b"total_seconds",
                ]
                .iter()
                .any(|a| {
                    rest.strip_prefix(b".")
                        .and_then(|r| r.strip_prefix(*a))
                        .is_some_and(|r| {
                            !r.first()
                                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == b'_')
                        })
                });
                if let (true, Some(minus), true) = (open != usize::MAX, minus, attribute) {
                    return Some((open, minus, i));
                }
            }
            // A binary minus: after an operand, at the group's own level.
            (None, b'-') if matches!(last_significant, b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'_' | b')' | b']' | b'\'' | b'"') => {
                if let Some(top) = opens.last_mut() {
                    top.1 = Some(i);
                }
            }
            // Past a `+` the group is no longer one subtraction.
            (None, b'+') => {
                if let Some(top) = opens.last_mut() {
                    top.1 = None;
                }
            }
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            last_significant = c;
        }
    }
    None
}

/// Where the operand that ends at `end` starts: a name, attribute and call
/// chain (`modules.datetime.date.today()`), or a parenthesized group.
fn operand_start(text: &[u8], end: usize) -> usize {
    let mut i = end;
    while i > 0 {
        match text[i - 1] {
            b')' | b']' => {
                let mut depth = 0;
                let mut j = i;
                loop {
                    if j == 0 {
                        return i;
                    }
                    j -= 1;
                    match text[j] {
                        b')' | b']' => depth += 1,
                        b'(' | b'[' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                }
                i = j;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' => i -= 1,
            _ => break,
        }
    }
    i
}

/// Just past the parenthesis that closes the one at `open`, strings skipped.
fn group_end(text: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<u8> = None;
    for (i, &c) in text.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(c),
            (None, b'(' | b'[' | b'{') => depth += 1,
            (None, b')' | b']' | b'}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// `( a, b )`: parentheses around a top-level comma.
fn is_tuple_literal(value: &str) -> bool {
    let Some(inner) = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) else {
        return false;
    };
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for c in inner.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            (None, ',') if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// The macro names a (rewritten) macro file defines.
pub(crate) fn defined_macros(rewritten: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = rewritten;
    while let Some(i) = rest.find(MACRO_PREFIX) {
        rest = &rest[i + MACRO_PREFIX.len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

/// Where each macro is defined: name -> its definitions.
pub(crate) type MacroTable = FxHashMap<String, Vec<MacroDef>>;

/// One definition of a macro.
pub(crate) struct MacroDef {
    pub package: String,
    /// The template that defines it (the file's, or one of the macro alone).
    pub template: String,
    /// Its file, by index into the macro index's files.
    pub file: usize,
}

#[cfg(test)]
mod tests {
    use super::literal_config_arguments;

    #[test]
    fn config_tags_of_literals_are_read_without_rendering() {
        let read = |tag: &str| literal_config_arguments(tag);
        let pair = |k: &str, v: Option<&str>| (k.to_string(), v.map(str::to_string));
        assert_eq!(
            read("{{ config(materialized='table', schema=\"marts\", tags=['a', 'b,c'], enabled=True) }}"),
            Some(vec![
                pair("materialized", Some("table")),
                pair("schema", Some("marts")),
                pair("tags", None),
                pair("enabled", Some("true")),
            ])
        );
        assert_eq!(
            read("{{-\n  config(\n    alias=var('x'),\n  )\n-}}"),
            Some(vec![pair("alias", None)])
        );
        assert_eq!(
            read("{{ config(alias='a' ~ 'b') }}"),
            Some(vec![pair("alias", None)])
        );
        assert_eq!(
            read("{{ config(alias='{{ x }}') }}"),
            Some(vec![pair("alias", None)])
        );
        // Other shapes are left to the render.
        assert_eq!(read("{{ config(**settings) }}"), None);
        assert_eq!(read("{{ config(schema='a') ~ x }}"), None);
        assert_eq!(read("{{ config(alias='unclosed) }}"), None);
    }
}
