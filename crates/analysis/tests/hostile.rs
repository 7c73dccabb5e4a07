//! Files a real repository can hold that are deeper or longer than any
//! hand-written SQL: each ends in its own clear diagnostic, or is analyzed as
//! usual, and its neighbours still get their answers.
//!
//! The analysis runs on a thread with an ordinary 8 MiB stack (the server
//! and the CLI give theirs far more): the bounds, not a large stack, are what
//! keep deep input from overflowing it.

use std::path::{Path, PathBuf};

use loupe_analysis::host::AnalysisHost;

const ORDINARY_STACK: usize = 8 * 1024 * 1024;

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn project(name: &str, files: &[(&str, String)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("loupe-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(
        &root,
        "dbt_project.yml",
        "name: hostile\nprofile: hostile\n",
    );
    write(
        &root,
        "models/neighbour.sql",
        "select 1 as ok, 'x' as label\n",
    );
    for (path, text) in files {
        write(&root, path, text);
    }
    root
}

/// (code, message) of every diagnostic of each model, and each model's
/// columns, computed one file at a time on an ordinary stack.
type Found = Vec<(String, Vec<(String, String)>, Vec<(String, String)>)>;

/// `work` on a thread with an ordinary stack; a panic fails the test.
fn on_ordinary_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(ORDINARY_STACK)
        .spawn(work)
        .unwrap()
        .join()
        .expect("analysis panicked")
}

fn analyze_on_ordinary_stack(root: PathBuf) -> Found {
    on_ordinary_stack(move || {
        let host = AnalysisHost::load(&root).unwrap();
        let mut found = Vec::new();
        let mut files: Vec<_> = host.files().collect();
        files.sort_by_key(|f| host.path_of(*f));
        for file in files {
            let path = host.path_of(file);
            let rel = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let diagnostics: Vec<(String, String)> = host
                .file_diagnostics(file)
                .into_iter()
                .map(|d| (d.code.to_string(), d.message))
                .collect();
            // A panic is caught per file and reported: still a failure here.
            assert!(
                diagnostics
                    .iter()
                    .all(|(_, m)| !m.contains("internal error")),
                "{rel}: {diagnostics:?}"
            );
            found.push((rel, diagnostics, Vec::new()));
        }
        let schemas = host.relation_schemas();
        for (rel, _, columns) in &mut found {
            let Some(stem) = rel
                .strip_prefix("models/")
                .and_then(|r| r.strip_suffix(".sql"))
            else {
                continue;
            };
            if let Some(schema) = schemas.get(&format!("main.{stem}")) {
                *columns = schema.to_pairs();
            }
        }
        let _ = std::fs::remove_dir_all(&root);
        found
    })
}

fn of<'a>(
    found: &'a Found,
    file: &str,
) -> &'a (String, Vec<(String, String)>, Vec<(String, String)>) {
    found
        .iter()
        .find(|(f, _, _)| f == file)
        .unwrap_or_else(|| panic!("{file} not analyzed"))
}

/// Each file has diagnostics, none of them a caught panic.
#[track_caller]
fn expect_diagnosed_without_internal_error(found: &Found, files: &[&str]) {
    for file in files {
        let (_, diagnostics, _) = of(found, file);
        assert!(!diagnostics.is_empty(), "{file}");
        assert!(
            diagnostics
                .iter()
                .all(|(_, m)| !m.contains("internal error")),
            "{file}: {diagnostics:?}"
        );
    }
}

#[track_caller]
fn expect_one(found: &Found, file: &str, code: &str, words: &str) {
    let (_, diagnostics, _) = of(found, file);
    assert!(
        diagnostics.len() == 1 && diagnostics[0].0 == code && diagnostics[0].1.contains(words),
        "{file}: {diagnostics:?}"
    );
}

#[track_caller]
fn expect_columns(found: &Found, file: &str, columns: &[(&str, &str)]) {
    let (_, diagnostics, got) = of(found, file);
    assert_eq!(diagnostics, &vec![], "{file}");
    let want: Vec<(String, String)> = columns
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    assert_eq!(got, &want, "{file}");
}

#[test]
fn long_chains_are_analyzed_and_deeper_ones_reported() {
    let root = project(
        "sql",
        &[
            (
                "models/long_and.sql",
                format!(
                    "select x as a from (select 1 as x) t where {}\n",
                    vec!["x = 1"; 100_000].join(" and ")
                ),
            ),
            (
                "models/long_or.sql",
                format!(
                    "select x = 0 or {} as b from (select 1 as x) t\n",
                    (0..100_000)
                        .map(|i| format!("x = {i}"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ),
            (
                "models/long_concat.sql",
                format!("select 'a'{} as s\n", " || 'b'".repeat(50_000)),
            ),
            (
                "models/huge_union.sql",
                format!("select 1 as a{}\n", " union all select 1".repeat(200_000)),
            ),
            (
                "models/long_union.sql",
                format!("select 1 as a{}\n", " union all select 1".repeat(5_000)),
            ),
            (
                "models/wide_select.sql",
                format!(
                    "select {} from (select 1 as x) t\n",
                    (0..25_000)
                        .map(|i| format!("x + {i} as c{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            (
                "models/cast_chain.sql",
                format!("select\n  1{} as a\n", "::bigint".repeat(100_000)),
            ),
            (
                "models/is_null_chain.sql",
                format!(
                    "select 1 as a where\n  1{}\n",
                    " is not null".repeat(100_000)
                ),
            ),
            (
                "models/minus_chain.sql",
                format!("select 1{} as a\n", " - 1".repeat(100_000)),
            ),
            (
                "models/mixed_unions.sql",
                format!(
                    "select 1 as a{}\n",
                    " union select 1 union all select 1".repeat(5_000)
                ),
            ),
            (
                "models/nested_case.sql",
                format!(
                    "select {}1{} as deep\n",
                    "case when 1 = 1 then ".repeat(5_000),
                    " end".repeat(5_000)
                ),
            ),
            (
                "models/nested_subqueries.sql",
                format!(
                    "select * from {}(select 1 as a) t{}\n",
                    "(select a from ".repeat(3_000),
                    ") t".repeat(3_000)
                ),
            ),
            (
                "models/nested_calls.sql",
                format!(
                    "select {}1{} as a\n",
                    "coalesce(".repeat(5_000),
                    ")".repeat(5_000)
                ),
            ),
            (
                "models/long_path.sql",
                format!(
                    "select t.s{} as b from (select {{'f': 1}} as s) t\n",
                    ".f".repeat(100_000)
                ),
            ),
            (
                "models/not_chain.sql",
                format!("select {}true as a\n", "not ".repeat(100_000)),
            ),
            (
                "models/not_chain_at_the_bound.sql",
                format!("select {}true as a\n", "not ".repeat(200)),
            ),
            (
                "models/negation_chain.sql",
                format!("select {}1 as a\n", "- ".repeat(100_000)),
            ),
            // Deep, but within the bounds: analyzed as usual.
            (
                "models/deep_but_fine.sql",
                format!(
                    "select * from {}(select 1 as a) t{}\n",
                    "(select case when a = 1 then coalesce(a, 0) end as a from ".repeat(30),
                    ") t".repeat(30)
                ),
            ),
            (
                "models/chains_at_the_bound.sql",
                format!(
                    "select 1{} as a, 1{} as b from (select 1 as x) t where x = 1 and ({})\n",
                    " - 1".repeat(250),
                    "::bigint".repeat(250),
                    vec!["x between 0 and 2"; 250].join(" or "),
                ),
            ),
        ],
    );
    let found = analyze_on_ordinary_stack(root);
    expect_columns(&found, "models/long_and.sql", &[("a", "INTEGER")]);
    expect_columns(&found, "models/long_or.sql", &[("b", "BOOLEAN")]);
    expect_columns(&found, "models/long_concat.sql", &[("s", "VARCHAR")]);
    expect_columns(&found, "models/long_union.sql", &[("a", "INTEGER")]);
    // Each operand is a SELECT with its own tree and schema: a bound on memory.
    expect_one(
        &found,
        "models/huge_union.sql",
        "L014",
        "chains 200000 set operations, more than 10000",
    );
    let (_, diagnostics, wide) = of(&found, "models/wide_select.sql");
    assert_eq!(diagnostics, &vec![]);
    assert_eq!(wide.len(), 25_000);
    for file in [
        "models/cast_chain.sql",
        "models/is_null_chain.sql",
        "models/minus_chain.sql",
        "models/mixed_unions.sql",
    ] {
        expect_one(&found, file, "L014", "nest more than 300 deep");
    }
    // Placed where the chain starts.
    let cast = of(&found, "models/cast_chain.sql");
    assert!(cast.1[0].1.contains("expressions and set operations"));
    expect_one(
        &found,
        "models/nested_case.sql",
        "L014",
        "nests parentheses and CASE 5000 deep",
    );
    expect_one(
        &found,
        "models/nested_subqueries.sql",
        "L014",
        "nests parentheses and CASE 3001 deep",
    );
    expect_one(
        &found,
        "models/nested_calls.sql",
        "L014",
        "nests parentheses and CASE 5000 deep",
    );
    // A relation name has a few parts: the rest of a long path are fields.
    expect_columns(&found, "models/long_path.sql", &[("b", "UNKNOWN")]);
    // Counted before parsing: sqlparser, at its limit inside a NOT, reads
    // the rest as something else and reports a syntax error that is not one.
    expect_one(
        &found,
        "models/not_chain.sql",
        "L014",
        "chains 100000 NOT operators, more than 200",
    );
    expect_columns(
        &found,
        "models/not_chain_at_the_bound.sql",
        &[("a", "BOOLEAN")],
    );
    expect_one(
        &found,
        "models/negation_chain.sql",
        "L014",
        "nests more than the parser's 400 levels",
    );
    expect_columns(&found, "models/deep_but_fine.sql", &[("a", "INTEGER")]);
    expect_columns(
        &found,
        "models/chains_at_the_bound.sql",
        &[("a", "INTEGER"), ("b", "BIGINT")],
    );
    expect_columns(
        &found,
        "models/neighbour.sql",
        &[("ok", "INTEGER"), ("label", "VARCHAR")],
    );
}

#[test]
fn thousands_of_unknown_names_are_each_reported_and_hinted_while_the_budget_lasts() {
    const WIDE: usize = 5_000;
    let root = project(
        "names",
        &[
            (
                "models/wide.sql",
                format!(
                    "select {}\n",
                    (0..WIDE)
                        .map(|i| format!("1 as column_number_{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            (
                "models/misspelled.sql",
                format!(
                    "select {}\nfrom {{{{ ref('wide') }}}}\n",
                    (0..WIDE)
                        .map(|i| format!("colum_number_{i}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            (
                "models/misspelled_refs.sql",
                (0..WIDE)
                    .map(|i| format!("select * from {{{{ ref('wide_{i}') }}}}\n"))
                    .collect::<Vec<_>>()
                    .join("union all\n"),
            ),
        ],
    );
    let found = analyze_on_ordinary_stack(root);
    let (_, diagnostics, _) = of(&found, "models/misspelled.sql");
    assert_eq!(diagnostics.len(), WIDE);
    assert!(diagnostics.iter().all(|(code, _)| code == "L003"));
    // Each name is compared with the 5,000 columns visible (and the select
    // list's aliases) while the hint budget lasts (a million names per
    // analysis), then goes without a hint.
    assert_eq!(
        diagnostics[0].1,
        "unknown column `colum_number_0`; did you mean `column_number_0`?"
    );
    let hinted = diagnostics
        .iter()
        .take_while(|(_, m)| m.contains("did you mean"))
        .count();
    assert!((150..=200).contains(&hinted), "{hinted}");
    assert!(diagnostics[hinted..]
        .iter()
        .all(|(_, m)| !m.contains("did you mean")));
    assert_eq!(
        diagnostics[WIDE - 1].1,
        format!("unknown column `colum_number_{}`", WIDE - 1)
    );
    let (_, diagnostics, _) = of(&found, "models/misspelled_refs.sql");
    assert_eq!(
        diagnostics
            .iter()
            .filter(|(code, _)| code == "L006")
            .count(),
        WIDE
    );
}

#[test]
fn endless_jinja_ends_in_a_diagnostic() {
    let root = project(
        "jinja",
        &[
            (
                "macros/recursion.sql",
                "{% macro r(n) %}{{ r(n+1) }}{% endmacro %}\n\
                 {% macro ping(n) %}{{ pong(n) }}{% endmacro %}\n\
                 {% macro pong(n) %}{{ ping(n) }}{% endmacro %}\n\
                 {% macro returns_itself(n) %}{% do return(returns_itself(n)) %}{% endmacro %}\n"
                    .to_string(),
            ),
            // Found by the `jinja_render` fuzz target: defining a macro rendered
            // the top level of its file, which here calls the macro again. dbt
            // never renders it; a statement there still runs, and is bounded.
            (
                "macros/top_level_call.sql",
                "{% macro countdown(n) %}{% if n > 0 %}{{ countdown(n - 1) }}{% endif %}{% endmacro %}\n\
                 select {{ countdown(3) }}\n"
                    .to_string(),
            ),
            (
                "macros/top_level_statement.sql",
                "{% macro again(n) %}{{ n }}{% endmacro %}{% do again(1) %}\n".to_string(),
            ),
            (
                "models/top_level_call.sql",
                "select {{ countdown(3) }} 1 as x\n".to_string(),
            ),
            (
                "models/top_level_statement.sql",
                "select {{ again(1) }} as x\n".to_string(),
            ),
            ("models/self_recursive.sql", "select {{ r(0) }} as x\n".to_string()),
            ("models/mutual.sql", "select {{ ping(0) }} as x\n".to_string()),
            (
                "models/returns_itself.sql",
                "select {{ returns_itself(0) }} as x\n".to_string(),
            ),
            (
                "models/endless_loop.sql",
                "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}select 1 as x\n"
                    .to_string(),
            ),
            (
                "models/deep_ifs.sql",
                format!(
                    "{}select 1 as x{}\n",
                    "{% if true %}".repeat(5_000),
                    "{% endif %}".repeat(5_000)
                ),
            ),
            (
                "models/deep_jinja_expression.sql",
                format!("select {{{{ {}1{} }}}} as x\n", "(".repeat(5_000), ")".repeat(5_000)),
            ),
            (
                "models/recursive_inline_macro.sql",
                "{% macro f(n) %}{{ f(n) }}{% endmacro %}select {{ f(1) }} as x\n".to_string(),
            ),
            // A chain of 200,000 operators in one expression (and one set):
            // minijinja's compiler takes time quadratic in it.
            (
                "models/long_jinja_chain.sql",
                format!("select {{{{ 1{} }}}} as x\n", " + 1".repeat(200_000)),
            ),
            (
                "models/long_jinja_set.sql",
                format!(
                    "{{% set days = run_started_at{} %}}select 1 as x\n",
                    " - modules.datetime.timedelta(1)".repeat(200_000)
                ),
            ),
        ],
    );
    let found = analyze_on_ordinary_stack(root);
    expect_one(
        &found,
        "models/self_recursive.sql",
        "L002",
        "macro `r` recurses more than",
    );
    expect_one(&found, "models/mutual.sql", "L002", "recurses more than");
    expect_columns(&found, "models/top_level_call.sql", &[("x", "INTEGER")]);
    expect_one(
        &found,
        "models/top_level_statement.sql",
        "L002",
        "macro `again` recurses more than",
    );
    expect_one(
        &found,
        "models/returns_itself.sql",
        "L002",
        "recurses more than",
    );
    expect_one(
        &found,
        "models/endless_loop.sql",
        "L002",
        "steps (an endless loop?)",
    );
    expect_one(&found, "models/deep_ifs.sql", "L002", "");
    expect_one(&found, "models/deep_jinja_expression.sql", "L002", "");
    expect_one(&found, "models/recursive_inline_macro.sql", "L002", "");
    for file in ["models/long_jinja_chain.sql", "models/long_jinja_set.sql"] {
        expect_one(
            &found,
            file,
            "L002",
            "a Jinja expression of more than 5000 operators, which Loupe does not render",
        );
    }
    expect_columns(
        &found,
        "models/neighbour.sql",
        &[("ok", "INTEGER"), ("label", "VARCHAR")],
    );
}

#[test]
fn hostile_yaml_is_reported_not_expanded() {
    let mut bomb = vec![
        "version: 2".to_string(),
        "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]".to_string(),
    ];
    for i in 1..10 {
        bomb.push(format!(
            "x{i}: &a{i} [{}]",
            vec![format!("*a{}", i - 1); 9].join(", ")
        ));
    }
    bomb.push("models:\n  - name: neighbour\n    description: *a9".to_string());
    let root = project(
        "yaml",
        &[
            ("models/bomb.yml", bomb.join("\n") + "\n"),
            (
                "models/deep.yml",
                format!(
                    "version: 2\nx: {}1{}\n",
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                ),
            ),
            (
                "models/deep_maps.yml",
                format!(
                    "version: 2\nx:{}\ny: {}1{}\n",
                    (1..1_500)
                        .map(|i| format!("\n{}k:", " ".repeat(i)))
                        .collect::<String>(),
                    "{k: ".repeat(100_000),
                    "}".repeat(100_000)
                ),
            ),
        ],
    );
    let found = analyze_on_ordinary_stack(root);
    expect_one(&found, "models/bomb.yml", "L013", "invalid YAML");
    expect_one(&found, "models/deep.yml", "L013", "invalid YAML");
    expect_one(&found, "models/deep_maps.yml", "L013", "invalid YAML");
    expect_columns(
        &found,
        "models/neighbour.sql",
        &[("ok", "INTEGER"), ("label", "VARCHAR")],
    );
}

/// Gems that each read the two before them make a lattice whose paths double
/// with every level (2^60 here), and a chain of 5,000 gems is as long as
/// generated SQL gets: the lineage of every column still comes back, ending
/// at the model they all read.
#[test]
fn gem_lattices_and_long_gem_chains_keep_their_lineage() {
    let lattice = {
        let mut gems = vec![
            "g0 as (select ok as a, ok as b from {{ ref('neighbour') }})".to_string(),
            "g1 as (select * from g0)".to_string(),
        ];
        for i in 2..60 {
            gems.push(format!(
                "g{i} as (select x.a + y.a as a, x.b * y.b as b from g{} x join g{} y on x.a = y.a)",
                i - 1,
                i - 2
            ));
        }
        format!("with {}\nselect * from g59\n", gems.join(",\n"))
    };
    let chain = {
        let mut gems = vec!["c0 as (select ok, label from {{ ref('neighbour') }})".to_string()];
        gems.extend((1..5000).map(|i| format!("c{i} as (select * from c{})", i - 1)));
        format!("with {}\nselect * from c4999\n", gems.join(",\n"))
    };
    let root = project(
        "lattice",
        &[("models/lattice.sql", lattice), ("models/chain.sql", chain)],
    );
    let lineage = on_ordinary_stack(move || {
        let host = AnalysisHost::load(&root).unwrap();
        let lineage = host.all_lineage();
        let _ = std::fs::remove_dir_all(&root);
        lineage
    });
    let sources = |model: &str| -> Vec<(String, Vec<String>)> {
        lineage[model]
            .columns
            .iter()
            .map(|(column, edges)| {
                let from = edges
                    .iter()
                    .map(|e| format!("{}.{} {}", e.table, e.column, e.kind.as_str()))
                    .collect();
                (column.clone(), from)
            })
            .collect()
    };
    assert_eq!(
        sources("lattice"),
        vec![
            ("a".to_string(), vec!["neighbour.ok transform".to_string()]),
            ("b".to_string(), vec!["neighbour.ok transform".to_string()]),
        ]
    );
    assert_eq!(
        sources("chain"),
        vec![
            ("ok".to_string(), vec!["neighbour.ok copy".to_string()]),
            (
                "label".to_string(),
                vec!["neighbour.label copy".to_string()]
            ),
        ]
    );
}

#[test]
fn a_model_past_the_analysis_budget_is_reported_and_its_readers_stay_clean() {
    // Each gem keeps every column of the one before and adds one: 5,000
    // gems are 12.5 million columns to carry, minutes of work without a bound.
    let widening = {
        let mut gems = vec!["w0 as (select ok as c0 from {{ ref('neighbour') }})".to_string()];
        gems.extend(
            (1..5000)
                .map(|i| format!("w{i} as (select *, c{} + 1 as c{i} from w{})", i - 1, i - 1)),
        );
        format!("with {}\nselect * from w4999\n", gems.join(",\n"))
    };
    let reader = "select c0, c4999 from {{ ref('widening') }}\n".to_string();
    let root = project(
        "budget",
        &[
            ("models/widening.sql", widening),
            ("models/reader.sql", reader),
        ],
    );
    let found = analyze_on_ordinary_stack(root);
    expect_one(
        &found,
        "models/widening.sql",
        "L014",
        "stopped analysing this statement",
    );
    let (_, diagnostics, _) = of(&found, "models/reader.sql");
    assert_eq!(diagnostics, &vec![], "a reader of a partly known model");
    expect_columns(
        &found,
        "models/neighbour.sql",
        &[("ok", "INTEGER"), ("label", "VARCHAR")],
    );
}

#[test]
fn a_diagnostic_ending_inside_a_character_outside_ascii_is_placed() {
    // Found by the `project` fuzz target: the last byte of the range of
    // `ö` is inside the character, and placing it panicked.
    let root = project(
        "non_ascii_end",
        &[
            ("models/b.sql", "select id, ö".to_string()),
            (
                "models/c.sql",
                "select 1 as id, {{ 'ö' }} as näme, ünknown".to_string(),
            ),
        ],
    );
    let found = analyze_on_ordinary_stack(root.clone());
    expect_diagnosed_without_internal_error(&found, &["models/b.sql", "models/c.sql"]);
    expect_columns(
        &found,
        "models/neighbour.sql",
        &[("ok", "INTEGER"), ("label", "VARCHAR")],
    );
    // The whole project's check, on all cores, as `loupe check` runs it.
    let root = project(
        "non_ascii_end_check",
        &[("models/b.sql", "select id, ö".to_string())],
    );
    let diagnostics = on_ordinary_stack(move || {
        let host = AnalysisHost::load(&root).unwrap();
        let found = host.check();
        let _ = std::fs::remove_dir_all(&root);
        found
    });
    let placed: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.file.ends_with("b.sql"))
        .map(|d| (d.start, d.end, d.message.clone()))
        .collect();
    assert!(!placed.is_empty(), "{diagnostics:?}");
    assert!(
        diagnostics
            .iter()
            .all(|d| !d.message.contains("internal error")),
        "{diagnostics:?}"
    );
}

#[test]
fn duckdb_pivot_clauses_out_of_order_are_a_syntax_error() {
    // Found by the `sql_dialects` fuzz target: an UNPIVOT's INTO before its ON
    // sliced the tokens backwards and panicked.
    let root = project(
        "pivot_out_of_order",
        &[
            (
                "models/into_first.sql",
                "unpivot {{ ref('neighbour') }} into name n value v limit 1 on ok".to_string(),
            ),
            (
                "models/using_first.sql",
                "pivot {{ ref('neighbour') }} using count(*) on label".to_string(),
            ),
        ],
    );
    let found = analyze_on_ordinary_stack(root);
    expect_diagnosed_without_internal_error(
        &found,
        &["models/into_first.sql", "models/using_first.sql"],
    );
    expect_columns(
        &found,
        "models/neighbour.sql",
        &[("ok", "INTEGER"), ("label", "VARCHAR")],
    );
}
