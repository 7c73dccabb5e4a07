//! The dbt context: globals, macro resolution, `adapter.dispatch`, `return`,
//! and the per-render state (calls to `ref`/`source`, `config`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::value::{Kwargs, Object, ObjectRepr, Rest, Value};
use minijinja::{Environment, Error, ErrorKind, State};
use rustc_hash::FxHashMap;

use super::objects::{
    identifier_quote, make_mutable, DateTime, EmptyTable, LazyGraph, MutableDict, ReModule,
    Relation, TimeDelta,
};
use super::{
    defined_macros, macro_files, rewrite_statements, Call, JinjaProject, MacroDef, MacroTable,
    VarScope, DIFF_METHOD, MACRO_PREFIX, MOST_OPERATORS, OVERLONG_FUNCTION, SHIFT_METHOD,
};

/// What the render of one model knows about the model.
#[derive(Clone, Debug, Default)]
pub struct RenderContext {
    pub name: String,
    pub package: String,
    pub schema: String,
    pub alias: String,
    pub database: String,
    pub path: String,
    pub resource_type: String,
    /// The model's config from the project files (`config()` calls add to it).
    pub config: BTreeMap<String, String>,
}

#[derive(Default)]
pub(crate) struct RenderState {
    pub model: RenderContext,
    pub calls: Vec<Call>,
    pub config: BTreeMap<String, String>,
    config_values: BTreeMap<String, Value>,
    returns: Vec<Option<Value>>,
    /// Per macro call in progress: the arguments it does not declare, which
    /// Jinja hands the macro as `varargs` and `kwargs`.
    extra_arguments: Vec<ExtraArguments>,
    /// Macro files whose top level is being rendered to define a macro: that
    /// top level may call macros too (even the one being defined).
    defining: usize,
    /// Columns of relations, by lower-case `schema.identifier`, for
    /// `adapter.get_columns_in_relation`.
    pub known_columns: Arc<BTreeMap<String, Vec<(String, String)>>>,
    /// Whether the render asked for columns it was not given.
    pub wants_columns: bool,
    /// The relations (lower-case `schema.identifier`) it asked them of.
    pub asked_relations: Vec<String>,
    /// The first warehouse query the render made (`run_query`, `statement`,
    /// `load_result`): without a fabric it answered nothing.
    pub queried_warehouse: Option<String>,
    /// Vars read with no value and no default, in the order first read.
    pub missing_vars: Vec<String>,
}

/// The default a `var()` call gives after the name, if it gives one:
/// `var('x', none)` gives none, `var('x', default=1)` gives 1.
fn var_default(args: &[Value]) -> Option<Value> {
    let given = args.first()?;
    match Kwargs::try_from(given.clone()) {
        Ok(kwargs) => kwargs
            .get::<Option<Value>>("default")
            .ok()
            .map(Option::unwrap_or_default),
        Err(_) => Some(given.clone()),
    }
}

thread_local! {
    static STATE: RefCell<RenderState> = RefCell::new(RenderState::default());
}

pub(crate) fn begin_render(
    model: RenderContext,
    known_columns: Arc<BTreeMap<String, Vec<(String, String)>>>,
) {
    STATE.with(|s| {
        *s.borrow_mut() = RenderState {
            model,
            known_columns,
            ..Default::default()
        }
    });
}

/// `adapter.get_columns_in_relation(relation)`: the columns Loupe inferred.
fn columns_in_relation(relation: Option<&Value>) -> Value {
    let key = relation.and_then(|r| {
        let obj = r.as_object()?;
        let rel = obj.downcast_ref::<Relation>()?;
        Some(
            format!(
                "{}.{}",
                rel.schema.clone().unwrap_or_default(),
                rel.identifier
            )
            .to_lowercase(),
        )
    });
    let found = with_state(|s| {
        let hit = key.as_ref().and_then(|k| s.known_columns.get(k).cloned());
        if hit.is_none() {
            s.wants_columns = true;
            if let Some(k) = &key {
                if !s.asked_relations.contains(k) {
                    s.asked_relations.push(k.clone());
                }
            }
        }
        hit
    });
    Value::from(
        found
            .unwrap_or_default()
            .into_iter()
            .map(|(name, ty)| {
                Value::from_object(ColumnInfo {
                    name,
                    data_type: ty,
                })
            })
            .collect::<Vec<_>>(),
    )
}

/// A dbt `Column`: name and type, with the predicates packages call.
#[derive(Debug)]
struct ColumnInfo {
    name: String,
    data_type: String,
}

impl Object for ColumnInfo {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "name" | "column" => Value::from(self.name.clone()),
            "quoted" => Value::from(format!("\"{}\"", self.name)),
            "data_type" | "dtype" => Value::from(self.data_type.clone()),
            "char_size" | "numeric_precision" | "numeric_scale" => Value::from(()),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        let t = self.data_type.to_ascii_uppercase();
        Ok(Value::from(match method {
            "is_string" => t.starts_with("VARCHAR") || t == "TEXT",
            "is_number" | "is_numeric" => ["INT", "DECIMAL", "NUMERIC", "DOUBLE", "FLOAT", "REAL"]
                .iter()
                .any(|p| t.contains(p)),
            "is_integer" => t.contains("INT"),
            "is_float" => t.contains("DOUBLE") || t.contains("FLOAT") || t == "REAL",
            "string_size" => return Ok(Value::from(256)),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        }))
    }
}

/// Records that the render asked the warehouse something it cannot answer here.
fn note_warehouse_query(what: &str) {
    with_state(|s| {
        s.queried_warehouse.get_or_insert_with(|| what.to_string());
    });
}

pub(crate) fn end_render() -> RenderState {
    STATE.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

fn with_state<R>(f: impl FnOnce(&mut RenderState) -> R) -> R {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// A macro file seen as the template of one of its macros.
struct SingleMacro {
    file: Arc<str>,
    spans: Arc<[std::ops::Range<usize>]>,
    keep: usize,
    top_level_output: Arc<[std::ops::Range<usize>]>,
}

/// Where each macro is defined, and the files that define them.
pub(crate) struct MacroIndex {
    macros: MacroTable,
    root: String,
    /// Every package defining a macro, sorted (dispatch searches them all).
    packages: Vec<String>,
    /// Every macro file, as `MacroDef::file` counts them.
    files: Vec<MacroFileText>,
}

/// A macro file's (rewritten) text, and whether it compiles: decided when one
/// of its macros is first looked up, since compiling every file of a large
/// project and its packages up front cost more than all their calls. A file
/// that does not compile defines none of its macros (dbt stops at it).
struct MacroFileText {
    text: Arc<str>,
    compiles: std::sync::OnceLock<bool>,
}

/// A macro file rewritten for minijinja, with the macros it defines.
#[derive(Clone)]
struct ScannedMacroFile {
    rewritten: String,
    names: Vec<String>,
    spans: Option<Vec<(String, std::ops::Range<usize>)>>,
    /// Output tags outside its macros, left out of each macro's template.
    top_level_output: Arc<[std::ops::Range<usize>]>,
}

/// Rewrites and scans (package, path, text) macro files on all cores: every
/// render waits for the environment, and a large project with its packages
/// has hundreds of macro files.
fn scan_macro_files(files: &[(String, String, String)]) -> Vec<ScannedMacroFile> {
    crate::parallel::map_in_parallel(files, 32, |(_, _, text)| scan_macro_file(text))
}

fn scan_macro_file(text: &str) -> ScannedMacroFile {
    let rewritten = rewrite_statements(text).text;
    let spans = macro_files::top_level_macros(&rewritten);
    // Only a file whose macros pair up gets templates of one macro each.
    let top_level_output = spans.as_ref().map_or_else(Vec::new, |spans| {
        let ranges: Vec<_> = spans.iter().map(|(_, r)| r.clone()).collect();
        macro_files::top_level_output(&rewritten, &ranges)
    });
    ScannedMacroFile {
        names: defined_macros(&rewritten),
        top_level_output: top_level_output.into(),
        spans,
        rewritten,
    }
}

/// Scans dbt's own macro files on a thread of its own, for a caller that
/// builds an environment soon: a project's first environment waited for
/// them while one core read the project's files and the other idled.
pub(crate) fn scan_builtin_macros_in_background() {
    std::thread::spawn(|| builtin_macro_files().len());
}

/// dbt's own macro files, scanned once: every environment (the settings',
/// the models', each rebuilt after a macro edit) has them.
fn builtin_macro_files() -> &'static [((String, String, String), ScannedMacroFile)] {
    static SCANNED: std::sync::OnceLock<Vec<((String, String, String), ScannedMacroFile)>> =
        std::sync::OnceLock::new();
    SCANNED.get_or_init(|| {
        let files: Vec<(String, String, String)> = super::builtins::BUILTIN_MACRO_FILES
            .iter()
            .map(|(path, text)| ("dbt".to_string(), path.to_string(), text.to_string()))
            .collect();
        let scanned = scan_macro_files(&files);
        files.into_iter().zip(scanned).collect()
    })
}

impl MacroIndex {
    /// Indexes the macros of every macro file, and serves the files (and
    /// each macro alone) as templates compiled when first called.
    pub fn build(project: &JinjaProject, env: &mut Environment<'static>) -> MacroIndex {
        let mut macros = MacroTable::default();
        let files: Vec<(String, String, String)> = project
            .macro_files
            .iter()
            .map(|f| (f.package.clone(), f.path.clone(), f.text.to_string()))
            .collect();
        let scanned = scan_macro_files(&files);
        let files = files.iter().zip(scanned).chain(
            builtin_macro_files()
                .iter()
                .map(|(file, scanned)| (file, scanned.clone())),
        );
        // Templates of one macro each, and whole files, compiled when first called.
        let mut single_macros: FxHashMap<String, SingleMacro> = FxHashMap::default();
        let mut files_by_template: FxHashMap<String, Arc<str>> = FxHashMap::default();
        let mut all_files = Vec::new();
        for ((package, path, _), scanned) in files {
            let ScannedMacroFile {
                rewritten,
                names,
                spans,
                top_level_output,
            } = scanned;
            let template = format!("{package}::{path}");
            let file: Arc<str> = Arc::from(rewritten.as_str());
            files_by_template.insert(template.clone(), file.clone());
            let file_index = all_files.len();
            all_files.push(MacroFileText {
                text: file.clone(),
                compiles: std::sync::OnceLock::new(),
            });
            let unique =
                names.iter().collect::<std::collections::HashSet<_>>().len() == names.len();
            let spans = spans.filter(|s| unique && s.len() == names.len());
            let ranges: Arc<[std::ops::Range<usize>]> = spans
                .iter()
                .flatten()
                .map(|(_, range)| range.clone())
                .collect();
            for (i, name) in names.into_iter().enumerate() {
                // `__loupe_macro__x` as the file defines it.
                let own = spans
                    .as_ref()
                    .filter(|s| s[i].0.strip_prefix(MACRO_PREFIX) == Some(name.as_str()))
                    .map(|_| format!("{template}#{name}"));
                let template = match own {
                    Some(own) => {
                        single_macros.insert(
                            own.clone(),
                            SingleMacro {
                                file: file.clone(),
                                spans: ranges.clone(),
                                keep: i,
                                top_level_output: top_level_output.clone(),
                            },
                        );
                        own
                    }
                    None => template.clone(),
                };
                macros.entry(name).or_default().push(MacroDef {
                    package: package.clone(),
                    template,
                    file: file_index,
                });
            }
        }
        let single_macros = Arc::new(single_macros);
        env.set_loader(move |name| {
            Ok(match single_macros.get(name) {
                Some(m) => Some(macro_files::single_macro_text(
                    &m.file,
                    &m.spans,
                    m.keep,
                    &m.top_level_output,
                )),
                None => files_by_template.get(name).map(|f| f.to_string()),
            })
        });
        let mut packages: Vec<String> = macros
            .values()
            .flatten()
            .map(|d| d.package.clone())
            .collect();
        packages.sort();
        packages.dedup();
        MacroIndex {
            macros,
            root: project.root_package.clone(),
            packages,
            files: all_files,
        }
    }

    /// The template defining `name`, preferring `package`, then the root
    /// project, then dbt's, then any package.
    fn find(&self, name: &str, package: Option<&str>, strict: bool) -> Option<&MacroDef> {
        let defs = || self.definitions(name);
        if let Some(p) = package {
            if let Some(d) = defs().find(|d| d.package == p) {
                return Some(d);
            }
            if strict {
                return None;
            }
        }
        defs()
            .find(|d| d.package == self.root)
            .or_else(|| defs().find(|d| d.package == "dbt"))
            .or_else(|| defs().next())
    }

    /// The definitions of macro `name` whose files compile.
    fn definitions<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a MacroDef> + 'a {
        self.macros
            .get(name)
            .into_iter()
            .flatten()
            .filter(|d| self.compiles(d.file))
    }

    /// Whether macro file `file` compiles.
    fn compiles(&self, file: usize) -> bool {
        let file = &self.files[file];
        *file.compiles.get_or_init(|| {
            minijinja::Environment::new()
                .template_from_str(&file.text)
                .is_ok()
        })
    }

    /// Every (package, macro name), macros of dbt's global project included.
    pub fn all(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .macros
            .iter()
            .flat_map(|(name, defs)| defs.iter().map(move |d| (d.package.clone(), name.clone())))
            .collect();
        out.sort();
        out
    }

    fn packages(&self) -> &[String] {
        &self.packages
    }
}

/// The package of the template being rendered (`pkg::path`), if a macro file.
fn caller_package(state: &State) -> Option<String> {
    state.name().split_once("::").map(|(p, _)| p.to_string())
}

/// A macro by name; resolves its definition when called.
#[derive(Debug)]
struct MacroRef {
    name: String,
    /// Fixed package (`dbt_utils.x`, or a dispatch result); else resolved from the caller.
    package: Option<String>,
    index: Arc<MacroIndex>,
}

impl std::fmt::Debug for MacroIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MacroIndex({} macros)", self.macros.len())
    }
}

impl Object for MacroRef {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn call(self: &Arc<Self>, state: &State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let caller = caller_package(state);
        let package = self.package.clone().or(caller);
        let Some(def) = self
            .index
            .find(&self.name, package.as_deref(), self.package.is_some())
        else {
            return Err(Error::new(
                ErrorKind::UnknownFunction,
                format!("macro `{}` is not defined", self.name),
            ));
        };
        // dbt's own macros are Loupe's renditions, whose parameters may be
        // fewer than dbt's: only a project's and its packages' are held to theirs.
        let file_text = (def.package != "dbt").then(|| &*self.index.files[def.file].text);
        call_macro(state, &def.template, &self.name, args, file_text)
    }
}

/// Refuses arguments beyond a macro's parameters as Jinja does ("macro 'm'
/// takes no keyword argument 'b'", as dbt stops with), unless its body
/// reads `kwargs` or `varargs`, which take them. `file_text` is the file
/// that defines it.
fn check_undeclared_arguments(
    name: &str,
    file_text: &str,
    declared: usize,
    extra: &ExtraArguments,
) -> Result<(), Error> {
    if extra.keyword.is_empty() && extra.positional.is_empty() {
        return Ok(());
    }
    let body = super::macro_files::top_level_macros(file_text)
        .and_then(|spans| {
            spans
                .into_iter()
                .find(|(n, _)| n.strip_prefix(MACRO_PREFIX).unwrap_or(n) == name)
        })
        .map_or(file_text, |(_, span)| &file_text[span]);
    if let (false, Some((key, _))) = (body.contains("kwargs"), extra.keyword.first()) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("macro `{name}` takes no keyword argument `{key}`"),
        ));
    }
    if !body.contains("varargs") && !extra.positional.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "macro `{name}` takes at most {declared} positional argument(s), not {}",
                declared + extra.positional.len()
            ),
        ));
    }
    Ok(())
}

/// The error that ends a macro's render at its `return()`; `call_macro`
/// answers the returned value instead.
const MACRO_RETURNED: &str = "the macro returned";

/// How deep macros may call macros. dbt's own packages nest a dozen deep;
/// deeper is a macro that calls itself without end.
pub(crate) const MAX_MACRO_DEPTH: usize = 100;

/// Calls macro `name` of `template`, returning its `return()` value if it
/// set one; with the text of the file defining it, arguments beyond its
/// parameters are checked as Jinja checks them.
fn call_macro(
    state: &State,
    template: &str,
    name: &str,
    args: &[Value],
    file_text: Option<&str>,
) -> Result<Value, Error> {
    let tmpl = state.env().get_template(template)?;
    // Defining the macro renders the top level of its file, which can call
    // macros (dbt never renders it): that nesting counts against the bound too.
    let nesting = with_state(|s| {
        s.defining += 1;
        s.defining + s.returns.len()
    });
    let captured = if nesting > MAX_MACRO_DEPTH {
        Err(too_deep(name))
    } else {
        tmpl.render_captured(())
    };
    with_state(|s| s.defining -= 1);
    let captured = captured?;
    let module = captured.state();
    let mangled = format!("{MACRO_PREFIX}{name}");
    let Some(macro_value) = module.lookup(&mangled) else {
        return Err(Error::new(
            ErrorKind::UnknownFunction,
            format!("macro `{name}` is not defined"),
        ));
    };
    let (args, extra) = fit_arguments(&macro_value, args);
    if let Some(text) = file_text {
        let declared = args.len()
            - usize::from(
                args.last()
                    .is_some_and(|a| Kwargs::try_from(a.clone()).is_ok()),
            );
        check_undeclared_arguments(name, text, declared, &extra)?;
    }
    // Each nested macro call starts a new minijinja render, whose own
    // recursion limit restarts: count the nesting here, before the stack runs out.
    let depth = with_state(|s| {
        s.returns.push(None);
        s.extra_arguments.push(extra);
        s.returns.len() + s.defining
    });
    if depth > MAX_MACRO_DEPTH {
        with_state(|s| {
            s.returns.pop();
            s.extra_arguments.pop();
        });
        return Err(too_deep(name));
    }
    let result = macro_value.call(module, &args);
    let returned = with_state(|s| {
        s.extra_arguments.pop();
        s.returns.pop().flatten()
    });
    match (returned, result) {
        (Some(v), _) => Ok(v),
        (None, result) => result,
    }
}

fn too_deep(name: &str) -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("macro `{name}` recurses more than {MAX_MACRO_DEPTH} deep"),
    )
}

/// Arguments a call passes beyond the macro's own parameters.
#[derive(Default)]
struct ExtraArguments {
    positional: Vec<Value>,
    keyword: Vec<(String, Value)>,
}

/// Splits a call's arguments into those the macro declares and the rest,
/// which Jinja gives the macro as `varargs` and `kwargs`.
fn fit_arguments(macro_value: &Value, args: &[Value]) -> (Vec<Value>, ExtraArguments) {
    let Ok(declared) = macro_value.get_attr("arguments") else {
        return (args.to_vec(), ExtraArguments::default());
    };
    let Ok(declared) = declared
        .try_iter()
        .map(|i| i.map(|v| v.to_string()).collect::<Vec<_>>())
    else {
        return (args.to_vec(), ExtraArguments::default());
    };
    let (positional, kwargs) = match args.last().and_then(|l| Kwargs::try_from(l.clone()).ok()) {
        Some(k) => (&args[..args.len() - 1], Some(k)),
        None => (args, None),
    };
    let mut out: Vec<Value> = positional.iter().take(declared.len()).cloned().collect();
    let mut extra = ExtraArguments {
        positional: positional.iter().skip(declared.len()).cloned().collect(),
        keyword: Vec::new(),
    };
    if let Some(kwargs) = kwargs {
        let mut kept = Vec::new();
        for key in kwargs.args() {
            let Ok(value) = kwargs.peek::<Value>(key) else {
                continue;
            };
            if declared.iter().any(|d| d == key) || key == "caller" {
                kept.push((key.to_string(), value));
            } else {
                extra.keyword.push((key.to_string(), value));
            }
        }
        if !kept.is_empty() {
            out.push(Kwargs::from_iter(kept).into());
        }
    }
    (out, extra)
}

/// `varargs` or `kwargs` inside a macro: the undeclared arguments of the
/// innermost macro call (empty outside any).
#[derive(Debug)]
struct UndeclaredArguments {
    keyword: bool,
}

impl UndeclaredArguments {
    fn values(&self) -> Vec<(Value, Value)> {
        with_state(|s| match s.extra_arguments.last() {
            None => Vec::new(),
            Some(extra) if self.keyword => extra
                .keyword
                .iter()
                .map(|(k, v)| (Value::from(k.as_str()), v.clone()))
                .collect(),
            Some(extra) => extra
                .positional
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::from(i), v.clone()))
                .collect(),
        })
    }
}

impl Object for UndeclaredArguments {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        if self.keyword {
            ObjectRepr::Map
        } else {
            ObjectRepr::Seq
        }
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.values()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        let values = self.values();
        if self.keyword {
            minijinja::value::Enumerator::Values(values.into_iter().map(|(k, _)| k).collect())
        } else {
            minijinja::value::Enumerator::Values(values.into_iter().map(|(_, v)| v).collect())
        }
    }
}

/// `dbt_utils.x`, `dbt.x`: the macros of one package.
#[derive(Debug)]
struct PackageNamespace {
    package: String,
    index: Arc<MacroIndex>,
}

impl Object for PackageNamespace {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let name = key.as_str()?;
        self.index.find(name, Some(&self.package), true)?;
        Some(Value::from_object(MacroRef {
            name: name.to_string(),
            package: Some(self.package.clone()),
            index: self.index.clone(),
        }))
    }
}

/// `adapter`: dispatch, quoting, and warehouse questions answered emptily.
#[derive(Debug)]
struct Adapter {
    project: Arc<JinjaProject>,
    index: Arc<MacroIndex>,
}

impl Adapter {
    fn dispatch(&self, state: &State, name: &str, namespace: Option<&str>) -> Result<Value, Error> {
        let mut order: Vec<String> = Vec::new();
        let namespace = namespace
            .map(str::to_string)
            .or_else(|| caller_package(state));
        if let Some(ns) = &namespace {
            if let Some((_, configured)) = self.project.dispatch.iter().find(|(n, _)| n == ns) {
                order.extend(configured.iter().cloned());
            }
        }
        order.push(self.project.root_package.clone());
        order.extend(namespace.clone());
        order.push("dbt".to_string());
        // Like dbt, a namespace that names no package searches everywhere,
        // the calling package first.
        order.extend(caller_package(state));
        order.extend(self.index.packages().iter().cloned());
        let mut prefixes = vec![self.project.adapter.clone()];
        match self.project.adapter.as_str() {
            "databricks" => prefixes.push("spark".into()),
            "redshift" => prefixes.push("postgres".into()),
            _ => {}
        }
        prefixes.push("default".into());
        let candidates: Vec<String> = prefixes
            .iter()
            .map(|prefix| format!("{prefix}__{name}"))
            .collect();
        for package in &order {
            for candidate in &candidates {
                if self
                    .index
                    .definitions(candidate)
                    .any(|d| &d.package == package)
                {
                    return Ok(Value::from_object(MacroRef {
                        name: candidate.clone(),
                        package: Some(package.clone()),
                        index: self.index.clone(),
                    }));
                }
            }
        }
        Err(Error::new(
            ErrorKind::UnknownFunction,
            format!(
                "no implementation of `{name}` for adapter `{}` in {}",
                self.project.adapter,
                order.join(", ")
            ),
        ))
    }
}

impl Object for Adapter {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "config" => Some(Value::from_serialize(serde_json::json!({
                "quoting": {"database": false, "schema": false, "identifier": false}
            }))),
            _ => None,
        }
    }

    fn call_method(
        self: &Arc<Self>,
        state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (positional, kwargs) = split_kwargs(args);
        let kw = |name: &str| kwargs.as_ref().and_then(|k| k.peek::<Value>(name).ok());
        match method {
            "dispatch" => {
                let name = positional
                    .first()
                    .map(|v| v.to_string())
                    .or_else(|| kw("macro_name").map(|v| v.to_string()))
                    .unwrap_or_default();
                let ns = positional
                    .get(1)
                    .or(kw("macro_namespace").as_ref())
                    .filter(|v| !v.is_none() && !v.is_undefined())
                    .map(|v| v.to_string());
                self.dispatch(state, &name, ns.as_deref())
            }
            "quote" => Ok(Value::from(format!(
                "\"{}\"",
                positional
                    .first()
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            ))),
            "type" => Ok(Value::from(self.project.adapter.clone())),
            "get_columns_in_relation" => Ok(columns_in_relation(
                positional.first().or(kw("relation").as_ref()),
            )),
            "get_missing_columns" | "list_relations_without_caching" | "get_columns_in_table" => {
                Ok(Value::from(Vec::<Value>::new()))
            }
            "get_relation" | "load_relation" => {
                // Loupe's warehouse is the built project: its models, seeds and sources exist.
                let schema = kw("schema")
                    .or_else(|| positional.get(1).cloned())
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                let identifier = kw("identifier")
                    .or_else(|| positional.get(2).cloned())
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                let known = self
                    .project
                    .relations
                    .values()
                    .chain(self.project.sources.values())
                    .any(|(s, i)| {
                        s.eq_ignore_ascii_case(&schema) && i.eq_ignore_ascii_case(&identifier)
                    });
                Ok(if known {
                    Value::from_object(Relation {
                        database: None,
                        schema: Some(schema),
                        identifier,
                        call: None,
                        quote: identifier_quote(&self.project.adapter),
                    })
                } else {
                    Value::from(())
                })
            }
            "check_schema_exists" | "already_exists" => Ok(Value::from(false)),
            "execute" => Ok(Value::from(vec![
                Value::from(()),
                Value::from_object(EmptyTable),
            ])),
            _ => Ok(Value::from(())),
        }
    }
}

fn split_kwargs(args: &[Value]) -> (&[Value], Option<Kwargs>) {
    match args.last().and_then(|l| Kwargs::try_from(l.clone()).ok()) {
        Some(k) => (&args[..args.len() - 1], Some(k)),
        None => (args, None),
    }
}

/// `config`: a function recording the model's config, with `.get()`.
#[derive(Debug)]
struct Config;

impl Object for Config {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn call(self: &Arc<Self>, _state: &State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let (positional, kwargs) = split_kwargs(args);
        let mut entries: Vec<(String, Value)> = Vec::new();
        // `config({'materialized': 'table'})`: dbt takes a dict as well as keywords.
        for dict in positional
            .iter()
            .filter(|v| v.kind() == minijinja::value::ValueKind::Map)
        {
            for key in dict.try_iter().into_iter().flatten() {
                if let Ok(v) = dict.get_item(&key) {
                    entries.push((key.to_string(), v));
                }
            }
        }
        if let Some(kwargs) = kwargs {
            for key in kwargs.args() {
                if let Ok(v) = kwargs.peek::<Value>(key) {
                    entries.push((key.to_string(), v));
                }
            }
        }
        with_state(|s| {
            for (key, v) in entries {
                let text = match v.as_str() {
                    Some(t) => t.to_string(),
                    None => v.to_string(),
                };
                s.config.insert(key.clone(), text);
                s.config_values.insert(key, v);
            }
        });
        Ok(Value::from(""))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let key = args.first().map(|v| v.to_string()).unwrap_or_default();
        match method {
            "get" | "require" => {
                let found = with_state(|s| {
                    s.config_values
                        .get(&key)
                        .cloned()
                        .or_else(|| s.model.config.get(&key).map(|v| Value::from(v.clone())))
                });
                Ok(found
                    .or_else(|| args.get(1).cloned())
                    .unwrap_or_else(|| match key.as_str() {
                        "materialized" => Value::from("view"),
                        "enabled" => Value::from(true),
                        _ => Value::from(()),
                    }))
            }
            "set" => {
                if let Some(v) = args.get(1) {
                    with_state(|s| s.config_values.insert(key, v.clone()));
                }
                Ok(Value::from(""))
            }
            _ => Ok(Value::from(())),
        }
    }
}

/// `this` and `model`: read the model being rendered.
#[derive(Debug)]
struct CurrentModel {
    as_relation: bool,
}

impl Object for CurrentModel {
    fn is_true(self: &Arc<Self>) -> bool {
        true
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let m = with_state(|s| s.model.clone());
        Some(match key.as_str()? {
            "name" | "identifier" | "table" => {
                Value::from(if self.as_relation { m.alias } else { m.name })
            }
            "alias" => Value::from(m.alias),
            "schema" => Value::from(m.schema),
            "database" => Value::from(m.database),
            "package_name" => Value::from(m.package.clone()),
            "unique_id" => Value::from(format!("{}.{}.{}", m.resource_type, m.package, m.name)),
            "resource_type" => Value::from(m.resource_type),
            "original_file_path" | "path" => Value::from(m.path),
            "config" => Value::from_object(ModelConfigView),
            "columns" | "meta" => Value::from_object(MutableDict::default()),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "render" => {
                let m = with_state(|s| s.model.clone());
                Ok(Value::from(format!("{}.{}", m.schema, m.alias)))
            }
            "get" => Ok(args
                .first()
                .and_then(|k| self.get_value(k))
                .or_else(|| args.get(1).cloned())
                .unwrap_or_default()),
            "include" | "quote" | "incorporate" => Ok(Value::from_dyn_object(self.clone())),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = with_state(|s| s.model.clone());
        write!(f, "{}.{}", m.schema, m.alias)
    }
}

/// `model.config`: the project config overlaid with this render's `config()` calls.
#[derive(Debug)]
struct ModelConfigView;

impl Object for ModelConfigView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        with_state(|s| {
            s.config_values
                .get(key)
                .cloned()
                .or_else(|| s.model.config.get(key).map(|v| Value::from(v.clone())))
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "get" => Ok(args
                .first()
                .and_then(|k| self.get_value(k))
                .or_else(|| args.get(1).cloned())
                .unwrap_or_default()),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// Python-style methods on plain values (`.items()`, `.format()`, ...).
pub(crate) fn unknown_method(
    state: &State,
    value: &Value,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    if method == "format" {
        if let Some(s) = value.as_str() {
            return Ok(Value::from(python_format(s, args)));
        }
    }
    if method == "copy" {
        return Ok(make_mutable(value.clone()));
    }
    minijinja_contrib::pycompat::unknown_method_callback(state, value, method, args)
}

/// `"{} and {name}".format(a, name=b)`, enough for dbt packages.
fn python_format(template: &str, args: &[Value]) -> String {
    let (positional, kwargs) = split_kwargs(args);
    let mut out = String::new();
    let mut next = 0;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' {
            if chars.peek() == Some(&'{') {
                chars.next();
                out.push('{');
                continue;
            }
            let mut field = String::new();
            let mut depth = 1;
            for d in chars.by_ref() {
                match d {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                field.push(d);
            }
            let key = field.split([':', '!']).next().unwrap_or("");
            let value = if key.is_empty() {
                next += 1;
                positional.get(next - 1).cloned()
            } else if let Ok(i) = key.parse::<usize>() {
                positional.get(i).cloned()
            } else {
                kwargs.as_ref().and_then(|k| k.peek::<Value>(key).ok())
            };
            out.push_str(&value.map(|v| v.to_string()).unwrap_or_default());
        } else if c == '}' && chars.peek() == Some(&'}') {
            chars.next();
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}

/// Looks up `var(name)` for a node or macro of `package`, in dbt's order
/// (see [`VarScope`]); then, leniently, any package's declaration.
fn lookup_var(project: &JinjaProject, package: &str, name: &str) -> Option<serde_json::Value> {
    if let Some((_, v)) = project.invocation_vars.iter().find(|(n, _)| n == name) {
        return Some(v.clone());
    }
    let declared = |scope: &dyn Fn(&VarScope) -> bool| {
        project.vars.iter().find(|(s, n, _)| n == name && scope(s))
    };
    declared(&|s| matches!(s, VarScope::RootFor(p) if p == package))
        .or_else(|| declared(&|s| *s == VarScope::Root))
        .or_else(|| declared(&|s| matches!(s, VarScope::Package(p) if p == package)))
        .or_else(|| declared(&|_| true))
        .map(|(_, _, v)| v.clone())
}

fn truthy_text(v: &Value) -> bool {
    match v.as_str() {
        Some(s) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "y" | "on"
        ),
        None => v.is_true(),
    }
}

pub(crate) fn install_globals(
    env: &mut Environment<'static>,
    project: Arc<JinjaProject>,
    index: Arc<MacroIndex>,
) {
    // Unqualified macros: every name any package defines.
    for name in index.macros.keys() {
        env.add_global(
            name.clone(),
            Value::from_object(MacroRef {
                name: name.clone(),
                package: None,
                index: index.clone(),
            }),
        );
    }
    for package in index.packages().iter().cloned() {
        env.add_global(
            package.clone(),
            Value::from_object(PackageNamespace {
                package,
                index: index.clone(),
            }),
        );
    }

    let p = project.clone();
    let ref_fn = move |args: Rest<Value>| -> Result<Value, Error> {
        let (positional, kwargs) = split_kwargs(&args);
        let names: Vec<String> = positional.iter().map(|v| v.to_string()).collect();
        let version = kwargs.as_ref().and_then(|k| {
            k.peek::<Value>("v")
                .or_else(|_| k.peek::<Value>("version"))
                .ok()
        });
        let (package, name) = match names.as_slice() {
            [name] => (None, name.clone()),
            [package, name, ..] => (Some(package.clone()), name.clone()),
            [] => {
                return Err(Error::new(
                    ErrorKind::MissingArgument,
                    "ref() needs a model name",
                ))
            }
        };
        let name = match version.filter(|v| !v.is_none() && !v.is_undefined()) {
            Some(v) => format!("{name}_v{v}"),
            None => name,
        };
        let (schema, identifier) = p
            .relations
            .get(&name)
            .cloned()
            .unwrap_or_else(|| (p.target_schema.clone(), name.clone()));
        let database = p
            .databases
            .get(&name)
            .cloned()
            .unwrap_or_else(|| p.target_database.clone());
        let call = with_state(|s| {
            s.calls.push(Call::Ref { package, name });
            s.calls.len() - 1
        });
        Ok(Value::from_object(Relation {
            database: Some(database),
            schema: Some(schema),
            identifier,
            call: Some(call),
            quote: identifier_quote(&p.adapter),
        }))
    };
    let p = project.clone();
    let source_fn = move |source: String, table: String| -> Value {
        let (schema, identifier) = p
            .sources
            .get(&(source.clone(), table.clone()))
            .cloned()
            .unwrap_or_else(|| (source.clone(), table.clone()));
        let call = with_state(|s| {
            s.calls.push(Call::Source { source, table });
            s.calls.len() - 1
        });
        Value::from_object(Relation {
            database: None,
            schema: Some(schema),
            identifier,
            call: Some(call),
            quote: identifier_quote(&p.adapter),
        })
    };
    env.add_function("ref", ref_fn.clone());
    env.add_function("source", source_fn.clone());
    env.add_global("config", Value::from_object(Config));
    let mut builtins = MutableDict::default();
    {
        let map = builtins.0.get_mut().unwrap();
        map.insert(Value::from("ref"), Value::from_function(ref_fn));
        map.insert(Value::from("source"), Value::from_function(source_fn));
        map.insert(Value::from("config"), Value::from_object(Config));
    }
    env.add_global("builtins", Value::from_object(builtins));

    let p = project.clone();
    env.add_function(
        "var",
        move |state: &State, name: String, args: Rest<Value>| -> Result<Value, Error> {
            // In a macro, the macro's package; in a model, the model's.
            let package = caller_package(state)
                .or_else(|| with_state(|s| Some(s.model.package.clone())).filter(|p| !p.is_empty()))
                .unwrap_or_else(|| p.root_package.clone());
            match lookup_var(&p, &package, &name) {
                Some(serde_json::Value::String(s)) if s.contains("{{") => {
                    Ok(Value::from(state.env().render_str(&s, ()).unwrap_or(s)))
                }
                Some(v) => Ok(Value::from_serialize(v)),
                None => Ok(var_default(&args).unwrap_or_else(|| {
                    // dbt's compile and run stop here ("Required var ... not found").
                    with_state(|s| {
                        if !s.missing_vars.contains(&name) {
                            s.missing_vars.push(name);
                        }
                    });
                    Value::UNDEFINED
                })),
            }
        },
    );
    env.add_function("env_var", |name: String, default: Option<Value>| -> Value {
        // Secrets stay out of rendered SQL: DBT_ENV_SECRET_* never resolve.
        if name.starts_with("DBT_ENV_SECRET") {
            return default.unwrap_or_else(|| Value::from(""));
        }
        match std::env::var(&name) {
            Ok(v) => Value::from(v),
            Err(_) => default.unwrap_or_else(|| Value::from("")),
        }
    });
    // As dbt's `return` raises: the macro stops here, and `call_macro`, seeing
    // the value, ends its render. What follows a `return` (a loop's other
    // items, a `run_query`, an `exceptions.raise_compiler_error`) never runs.
    env.add_function("return", |args: Rest<Value>| -> Result<Value, Error> {
        let value = args.first().cloned().unwrap_or(Value::from(()));
        let in_macro = with_state(|s| match s.returns.last_mut() {
            Some(top) => {
                top.get_or_insert(value);
                true
            }
            None => false,
        });
        if in_macro {
            Err(Error::new(ErrorKind::InvalidOperation, MACRO_RETURNED))
        } else {
            Ok(Value::from(""))
        }
    });
    env.add_function("__loupe_mutable", |value: Value| make_mutable(value));
    env.add_function(OVERLONG_FUNCTION, || -> Result<Value, Error> {
        Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "a Jinja expression of more than {MOST_OPERATORS} operators, which Loupe does not render"
            ),
        ))
    });
    env.add_function("__loupe_tuple", |value: Value| -> Result<Value, Error> {
        Ok(Value::from_object(super::objects::Tuple(
            value.try_iter()?.collect(),
        )))
    });
    env.add_function("log", |_args: Rest<Value>| Value::from(""));
    env.add_function("print", |_args: Rest<Value>| Value::from(""));
    env.add_function("is_incremental", || false);
    env.add_function("should_full_refresh", || false);
    env.add_function("run_query", |_args: Rest<Value>| {
        note_warehouse_query("run_query");
        Value::from_object(EmptyTable)
    });
    env.add_function("load_result", |_args: Rest<Value>| {
        note_warehouse_query("load_result");
        Value::from_object(EmptyTable)
    });
    env.add_function(
        "statement",
        |state: &State, args: Rest<Value>| -> Result<Value, Error> {
            note_warehouse_query("statement");
            // Render the SQL of the call block (so its errors surface), run nothing.
            let (_, kwargs) = split_kwargs(&args);
            if let Some(caller) = kwargs.as_ref().and_then(|k| k.peek::<Value>("caller").ok()) {
                caller.call(state, &[])?;
            }
            Ok(Value::from(""))
        },
    );
    env.add_function(
        "fromjson",
        |text: String, default: Option<Value>| -> Value {
            serde_json::from_str::<serde_json::Value>(&text)
                .map(Value::from_serialize)
                .unwrap_or_else(|_| default.unwrap_or_default())
        },
    );
    env.add_function("tojson", |value: Value| -> Value {
        Value::from(serde_json::to_string(&value).unwrap_or_default())
    });
    env.add_function("fromyaml", |text: String| -> Value {
        serde_yaml::from_str::<serde_json::Value>(&text)
            .map(Value::from_serialize)
            .unwrap_or_default()
    });
    env.add_function("toyaml", |value: Value| -> Value {
        Value::from(serde_yaml::to_string(&value).unwrap_or_default())
    });
    env.add_function("local_md5", |text: String| -> Value {
        Value::from(format!("{:x}", md5::compute(text.as_bytes())))
    });
    env.add_function("set", |items: Value| -> Result<Value, Error> {
        let mut out: Vec<Value> = Vec::new();
        for v in items.try_iter()? {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        Ok(Value::from(out))
    });
    env.add_function("set_strict", |items: Value| -> Result<Value, Error> {
        let mut out: Vec<Value> = Vec::new();
        for v in items.try_iter()? {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        Ok(Value::from(out))
    });
    env.add_function("zip", |a: Value, b: Value| -> Result<Value, Error> {
        Ok(Value::from(
            a.try_iter()?
                .zip(b.try_iter()?)
                .map(|(x, y)| Value::from(vec![x, y]))
                .collect::<Vec<_>>(),
        ))
    });
    env.add_function("doc", |_args: Rest<Value>| Value::from(""));

    let adapter = Adapter {
        project: project.clone(),
        index: index.clone(),
    };
    env.add_global("adapter", Value::from_object(adapter));
    env.add_global(
        "this",
        Value::from_object(CurrentModel { as_relation: true }),
    );
    env.add_global(
        "model",
        Value::from_object(CurrentModel { as_relation: false }),
    );
    env.add_global("execute", true);
    env.add_global(
        "varargs",
        Value::from_object(UndeclaredArguments { keyword: false }),
    );
    env.add_global(
        "kwargs",
        Value::from_object(UndeclaredArguments { keyword: true }),
    );
    env.add_global("project_name", project.root_package.clone());
    env.add_global("dbt_version", "1.10.0");
    env.add_global("invocation_id", "00000000-0000-0000-0000-000000000000");
    env.add_global("run_started_at", Value::from_object(DateTime::now()));
    env.add_global("selected_resources", Value::from(Vec::<Value>::new()));
    env.add_global(
        "target",
        Value::from_serialize(serde_json::json!({
            "type": project.adapter,
            "name": project.target_name,
            "schema": project.target_schema,
            "database": project.target_database,
            "dbname": project.target_database,
            "profile_name": project.root_package,
            "threads": 1,
        })),
    );
    // Loupe checks what `dbt run` would run: macros that branch on the
    // command (dbt_utils' `star` of no columns prints a placeholder only
    // under `compile`) take the run's branch. Where they would read a
    // warehouse Loupe cannot, the render is marked so and not blamed.
    env.add_global(
        "flags",
        Value::from_serialize(
            serde_json::json!({"FULL_REFRESH": false, "WHICH": "run", "STORE_FAILURES": false}),
        ),
    );
    let known = project.graph.clone();
    let graph = move || {
        let mut graph = serde_json::json!({
            "nodes": {}, "sources": {}, "exposures": {}, "metrics": {}, "macros": {},
            "semantic_models": {}, "groups": {}, "saved_queries": {}, "unit_tests": {}
        });
        if let Some(serde_json::Value::Object(known)) = known.as_ref().map(|g| (g.0)()) {
            for (k, v) in known {
                graph[k] = v;
            }
        }
        graph
    };
    env.add_global("graph", Value::from_object(LazyGraph::new(graph)));
    env.add_global("exceptions", Value::from_object(Exceptions));
    env.add_global("modules", Value::from_object(Modules));
    env.add_global(
        "api",
        Value::from_object(Api {
            adapter: project.adapter.clone(),
        }),
    );

    // Jinja2's undefined has length 0 (minijinja's refuses): templates
    // count the rows of queries that had no warehouse to answer them.
    let length = |v: Value| -> Result<usize, Error> {
        if v.is_undefined() {
            return Ok(0);
        }
        match v.len() {
            Some(n) => Ok(n),
            None => Ok(v.try_iter()?.count()),
        }
    };
    env.add_filter("length", length);
    env.add_filter("count", length);
    env.add_filter("as_bool", |v: Value| truthy_text(&v));
    env.add_filter("as_number", |v: Value| -> Value {
        match v.as_str().map(str::trim) {
            Some(s) => s
                .parse::<i64>()
                .map(Value::from)
                .or_else(|_| s.parse::<f64>().map(Value::from))
                .unwrap_or(v.clone()),
            None => v,
        }
    });
    env.add_filter("as_text", |v: Value| v.to_string());
    env.add_filter("as_native", |v: Value| v);
    env.add_filter(
        "round",
        |v: Value, precision: Option<i32>, method: Option<String>| -> Value {
            let x = f64::try_from(v).unwrap_or(0.0);
            let p = 10f64.powi(precision.unwrap_or(0));
            let r = match method.as_deref() {
                Some("ceil") => (x * p).ceil() / p,
                Some("floor") => (x * p).floor() / p,
                _ => (x * p).round() / p,
            };
            Value::from(r)
        },
    );
}

/// `exceptions.raise_compiler_error` fails the render with the message; `warn` is quiet.
#[derive(Debug)]
struct Exceptions;

impl Object for Exceptions {
    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let message = args.first().map(|v| v.to_string()).unwrap_or_default();
        match method {
            "warn" | "warn_snapshot_timestamp_data_types" => Ok(Value::from("")),
            _ => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("compilation error raised by the project: {message}"),
            )),
        }
    }
}

/// `modules.datetime`, `modules.re`, `modules.pytz`.
#[derive(Debug)]
struct Modules;

impl Object for Modules {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "re" => Value::from_object(ReModule),
            "datetime" | "pytz" | "itertools" => Value::from_object(DatetimeModule { date: false }),
            _ => return None,
        })
    }
}

/// Enough of `datetime` (and `pytz`) for dbt code: constructors give a `DateTime`.
#[derive(Debug)]
struct DatetimeModule {
    /// `datetime.date`: its constructors give dates.
    date: bool,
}

impl DatetimeModule {
    fn point(&self) -> DateTime {
        let now = DateTime::now();
        if self.date {
            now.date()
        } else {
            now
        }
    }
}

impl Object for DatetimeModule {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "date" => Some(Value::from_object(DatetimeModule { date: true })),
            "datetime" | "timezone" | "utc" | "UTC" => {
                Some(Value::from_object(DatetimeModule { date: false }))
            }
            _ => None,
        }
    }

    /// `datetime(2024, 1, 10)`, `date(2024, 1, 10)`.
    fn call(self: &Arc<Self>, _state: &State<'_, '_>, args: &[Value]) -> Result<Value, Error> {
        let (positional, _) = split_kwargs(args);
        let part =
            |i: usize, default: i64| positional.get(i).and_then(Value::as_i64).unwrap_or(default);
        let point = match positional.first().and_then(Value::as_i64) {
            Some(year) => DateTime::from_parts(
                year,
                [part(1, 1), part(2, 1), part(3, 0), part(4, 0), part(5, 0)],
                self.date,
            ),
            None => None,
        };
        Ok(Value::from_object(point.unwrap_or_else(|| self.point())))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            // A text Loupe cannot read stands for now, not for an error:
            // it often comes from a query that answered nothing here.
            "strptime" => {
                let text = args.first().and_then(Value::as_str).unwrap_or_default();
                let format = args.get(1).and_then(Value::as_str).unwrap_or_default();
                Ok(Value::from_object(
                    DateTime::parse(text, format).unwrap_or_else(|| self.point()),
                ))
            }
            "fromisoformat" => {
                let text = args.first().and_then(Value::as_str).unwrap_or_default();
                let point = DateTime::from_iso(text, self.date);
                Ok(Value::from_object(point.unwrap_or_else(|| self.point())))
            }
            "fromtimestamp" | "utcfromtimestamp" => {
                let point = args
                    .first()
                    .and_then(|v| f64::try_from(v.clone()).ok())
                    .map(|s| DateTime {
                        epoch: s.floor().clamp(i64::MIN as f64, i64::MAX as f64) as i64,
                        date_only: self.date,
                    });
                Ok(Value::from_object(point.unwrap_or_else(|| self.point())))
            }
            "now" | "utcnow" | "today" | "timezone" => Ok(Value::from_object(self.point())),
            // `(a - b).days` as the template rewrite hands it over.
            DIFF_METHOD => {
                let [left, right] = args else {
                    return Err(Error::from(ErrorKind::MissingArgument));
                };
                let point = |v: &Value| v.downcast_object_ref::<DateTime>().cloned();
                let delta = |v: &Value| v.downcast_object_ref::<TimeDelta>().cloned();
                match (point(left), point(right), delta(left), delta(right)) {
                    (Some(a), Some(b), _, _) => Ok(Value::from_object(TimeDelta {
                        seconds: a.epoch.saturating_sub(b.epoch),
                    })),
                    (Some(a), _, _, Some(d)) => Ok(Value::from_object(a.shifted(-1, &d))),
                    (_, _, Some(a), Some(b)) => Ok(Value::from_object(TimeDelta {
                        seconds: a.seconds.saturating_sub(b.seconds),
                    })),
                    // A date a warehouse query would have answered (none
                    // here): no time between, rather than an error dbt
                    // would not raise.
                    _ if left.is_undefined()
                        || left.is_none()
                        || right.is_undefined()
                        || right.is_none() =>
                    {
                        Ok(Value::from_object(TimeDelta { seconds: 0 }))
                    }
                    _ => Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!(
                            "tried to use - operator on unsupported types {} and {}",
                            left.kind(),
                            right.kind()
                        ),
                    )),
                }
            }
            "timedelta" => {
                let (positional, kwargs) = split_kwargs(args);
                Ok(Value::from_object(TimeDelta::from_args(
                    positional,
                    kwargs.as_ref(),
                )))
            }
            // `x - timedelta(...)` as the template rewrite hands it over.
            SHIFT_METHOD => {
                let [point, sign, delta] = args else {
                    return Err(Error::from(ErrorKind::MissingArgument));
                };
                let sign = i64::try_from(sign.clone()).unwrap_or(1);
                match (
                    point.downcast_object_ref::<DateTime>(),
                    delta.downcast_object_ref::<TimeDelta>(),
                ) {
                    (Some(point), Some(delta)) => {
                        Ok(Value::from_object(point.shifted(sign, delta)))
                    }
                    _ => Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!(
                            "tried to use {} operator on unsupported types {} and {}",
                            if sign < 0 { "-" } else { "+" },
                            point.kind(),
                            delta.kind()
                        ),
                    )),
                }
            }
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }
}

/// `api.Relation.create(...)` and `api.Column.translate_type(...)`.
#[derive(Debug)]
struct Api {
    adapter: String,
}

impl Object for Api {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "Relation" | "Column" => Some(Value::from_object(ApiClass {
                class: key.to_string(),
                adapter: self.adapter.clone(),
            })),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct ApiClass {
    class: String,
    adapter: String,
}

impl Object for ApiClass {
    fn call_method(
        self: &Arc<Self>,
        _state: &State,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let (positional, kwargs) = split_kwargs(args);
        let kw = |name: &str| {
            kwargs
                .as_ref()
                .and_then(|k| k.peek::<Option<String>>(name).ok())
                .flatten()
        };
        match (self.class.as_str(), method) {
            ("Relation", "create") => Ok(Value::from_object(Relation {
                database: kw("database"),
                schema: kw("schema"),
                identifier: kw("identifier").unwrap_or_default(),
                call: None,
                quote: identifier_quote(&self.adapter),
            })),
            ("Column", "translate_type") => {
                let t = positional
                    .first()
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                Ok(Value::from(translate_type(&self.adapter, &t)))
            }
            ("Column", "string_type") => Ok(Value::from(if self.adapter == "bigquery" {
                "string"
            } else {
                "varchar"
            })),
            ("Column", "numeric_type") => Ok(Value::from("numeric")),
            _ => Ok(Value::from(())),
        }
    }
}

/// dbt's `Column.translate_type` table per adapter.
fn translate_type(adapter: &str, t: &str) -> String {
    let upper = t.to_ascii_uppercase();
    let translated = match (adapter, upper.as_str()) {
        ("bigquery", "STRING" | "TEXT") => "STRING",
        ("bigquery", "INTEGER" | "INT") => "INT64",
        ("bigquery", "FLOAT") => "FLOAT64",
        ("spark" | "databricks", "TEXT" | "STRING") => "STRING",
        (_, "STRING") => "TEXT",
        _ => return t.to_string(),
    };
    translated.to_string()
}
