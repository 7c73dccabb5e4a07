//! What Zed reads from this folder, checked on the host: extension.toml, the
//! SQL language's config, its queries (compiled against the grammar the
//! extension names, published as tree-sitter-sequel), its tasks, and the
//! README's instructions.

use std::path::{Path, PathBuf};

use loupe_zed::logic;
use serde_json::Value;
use tree_sitter::{Parser, Query, QueryCursor, StreamingIterator};

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: impl AsRef<Path>) -> String {
    let path = here().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn toml_file(path: &str) -> toml::Table {
    read(path)
        .parse()
        .unwrap_or_else(|e| panic!("{path} is not valid TOML: {e}"))
}

fn sql() -> tree_sitter::Language {
    tree_sitter_sequel::LANGUAGE.into()
}

#[test]
fn extension_toml_registers_loupe_for_sql_and_yaml() {
    let manifest = toml_file("extension.toml");
    assert_eq!(manifest["id"].as_str(), Some("loupe"));
    assert_eq!(manifest["name"].as_str(), Some("Loupe"));
    assert_eq!(manifest["schema_version"].as_integer(), Some(1));
    let cargo = toml_file("Cargo.toml");
    assert_eq!(
        manifest["version"].as_str(),
        cargo["package"]["version"].as_str(),
        "extension.toml and Cargo.toml give one version"
    );
    for field in ["description", "authors"] {
        assert!(manifest.contains_key(field), "extension.toml lacks {field}");
    }
    // The key under [language_servers] is the name settings use: lsp.loupe.
    let servers = manifest["language_servers"].as_table().unwrap();
    assert_eq!(servers.keys().collect::<Vec<_>>(), [logic::SERVER_NAME]);
    let loupe = servers[logic::SERVER_NAME].as_table().unwrap();
    let languages: Vec<&str> = loupe["languages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(languages, ["SQL", "YAML"]);
    let ids = loupe["language_ids"].as_table().unwrap();
    assert_eq!(ids["SQL"].as_str(), Some("sql"));
    assert_eq!(ids["YAML"].as_str(), Some("yaml"));
    // The grammar: a repository and a full commit hash.
    let grammar = manifest["grammars"]["sql"].as_table().unwrap();
    assert!(grammar["repository"]
        .as_str()
        .unwrap()
        .starts_with("https://github.com/"));
    let commit = grammar["commit"].as_str().unwrap();
    assert!(
        commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit()),
        "{commit}"
    );
}

#[test]
fn the_crate_builds_the_module_zed_loads() {
    let cargo = toml_file("Cargo.toml");
    let kinds: Vec<&str> = cargo["lib"]["crate-type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"cdylib"), "{kinds:?}");
    // Its own workspace, so that Loupe's workspace does not take it in.
    assert!(cargo.contains_key("workspace"));
    assert!(cargo["dependencies"]
        .as_table()
        .unwrap()
        .contains_key("zed_extension_api"));
}

#[test]
fn the_sql_language_config_names_the_grammar_and_the_server_language() {
    let manifest = toml_file("extension.toml");
    let config = toml_file("languages/sql/config.toml");
    assert_eq!(config["name"].as_str(), Some("SQL"));
    let grammar = config["grammar"].as_str().unwrap();
    assert!(
        manifest["grammars"]
            .as_table()
            .unwrap()
            .contains_key(grammar),
        "config.toml's grammar `{grammar}` is not in extension.toml"
    );
    let suffixes = config["path_suffixes"].as_array().unwrap();
    assert!(suffixes.iter().any(|s| s.as_str() == Some("sql")));
    assert_eq!(
        config["line_comments"].as_array().unwrap()[0].as_str(),
        Some("-- ")
    );
    for bracket in config["brackets"].as_array().unwrap() {
        let bracket = bracket.as_table().unwrap();
        for key in ["start", "end", "close", "newline"] {
            assert!(bracket.contains_key(key), "bracket {bracket:?} lacks {key}");
        }
    }
    // Only the files Zed reads live in a language folder.
    let known = [
        "config.toml",
        "highlights.scm",
        "brackets.scm",
        "outline.scm",
        "indents.scm",
        "injections.scm",
        "tasks.json",
    ];
    for entry in std::fs::read_dir(here().join("languages/sql")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            known.contains(&name.as_str()),
            "unexpected languages/sql/{name}"
        );
    }
}

#[test]
fn queries_compile_against_the_grammar() {
    for file in ["highlights.scm", "brackets.scm", "outline.scm"] {
        let source = read(format!("languages/sql/{file}"));
        let query = Query::new(&sql(), &source).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(query.pattern_count() > 0, "{file} has no pattern");
    }
    let highlights = Query::new(&sql(), &read("languages/sql/highlights.scm")).unwrap();
    for capture in ["keyword", "comment", "string", "number", "function", "type"] {
        assert!(
            highlights.capture_names().contains(&capture),
            "highlights.scm captures no @{capture}"
        );
    }
}

/// The outline items of `text`: what Zed lists, and what `$ZED_SYMBOL` is
/// for a cursor inside one.
fn outline(text: &str) -> Vec<String> {
    let mut parser = Parser::new();
    parser.set_language(&sql()).unwrap();
    let tree = parser.parse(text, None).unwrap();
    let query = Query::new(&sql(), &read("languages/sql/outline.scm")).unwrap();
    let name = query.capture_index_for_name("name").unwrap();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(&query, tree.root_node(), text.as_bytes());
    let mut names = Vec::new();
    while let Some(m) = matches.next() {
        for capture in m.captures.iter().filter(|c| c.index == name) {
            names.push(capture.node.utf8_text(text.as_bytes()).unwrap().to_string());
        }
    }
    names
}

#[test]
fn the_outline_lists_each_gem_of_a_model() {
    // A model of the test fixtures, Jinja and all.
    let fixtures = here().join("../../tests/fixtures/broken_project/models");
    let stg_orders = std::fs::read_to_string(fixtures.join("staging/stg_orders.sql")).unwrap();
    assert_eq!(outline(&stg_orders), ["source", "renamed"]);
    let chain = std::fs::read_to_string(fixtures.join("broken/l003_cte_chain.sql")).unwrap();
    assert_eq!(outline(&chain), ["orders", "recent_orders"]);
    // A model without CTEs has no gem to name: the "run model" task fits it.
    assert!(outline("select 1 as one\n").is_empty());
}

#[test]
fn the_language_tasks_are_the_ones_the_extension_defines() {
    let file: Value = serde_json::from_str(&read("languages/sql/tasks.json")).unwrap();
    assert_eq!(file, logic::tasks("loupe", 100));
    for task in file.as_array().unwrap() {
        for key in ["label", "command", "args"] {
            assert!(task.get(key).is_some(), "task {task} lacks {key}");
        }
    }
}

/// The first ```json block after `marker` in the README.
fn readme_block(readme: &str, marker: &str) -> Value {
    let after = &readme[readme.find(marker).expect(marker)..];
    let start = after.find("```json\n").unwrap() + "```json\n".len();
    let end = start + after[start..].find("```").unwrap();
    serde_json::from_str(&after[start..end]).unwrap()
}

#[test]
fn the_readme_shows_install_settings_and_tasks_that_work() {
    let readme = read("README.md");
    assert!(readme.contains("zed: install dev extension"));
    assert!(readme.contains("cargo test --manifest-path editors/zed/Cargo.toml"));
    // Its tasks example is what the extension ships.
    let tasks = readme_block(&readme, "`.zed/tasks.json`");
    assert_eq!(tasks, logic::tasks("loupe", 100));
    // Its settings example gives the options the extension reads.
    let settings = readme_block(&readme, "## Settings");
    let loupe = &settings["lsp"][logic::SERVER_NAME];
    assert_eq!(loupe["binary"]["arguments"][0], "lsp");
    let options = logic::initialization_options(None, Some(&loupe["settings"])).unwrap();
    assert_eq!(
        options,
        serde_json::json!({"fabric": "prod", "rowLimit": 200})
    );
    let binary = logic::BinarySettings {
        path: loupe["binary"]["path"].as_str().map(str::to_string),
        ..Default::default()
    };
    let command = logic::server_command(Some(&binary), None).unwrap();
    assert_eq!(command.command, "/path/to/loupe");
}

/// (captured text, capture name) of highlights.scm over `text`, where Zed
/// applies the `#match?` predicates as tree-sitter does.
fn highlights(text: &str) -> Vec<(String, String)> {
    let mut parser = Parser::new();
    parser.set_language(&sql()).unwrap();
    let tree = parser.parse(text, None).unwrap();
    let query = Query::new(&sql(), &read("languages/sql/highlights.scm")).unwrap();
    let mut cursor = QueryCursor::new();
    let mut captures = cursor.captures(&query, tree.root_node(), text.as_bytes());
    let mut out = Vec::new();
    while let Some((m, index)) = captures.next() {
        let capture = m.captures[*index];
        out.push((
            capture.node.utf8_text(text.as_bytes()).unwrap().to_string(),
            query.capture_names()[capture.index as usize].to_string(),
        ));
    }
    out
}

#[test]
fn highlights_tell_keywords_literals_functions_and_comments_apart() {
    let found = highlights(
        "with totals as (\n    select count(*) as n, 'paid' as status, 1.5 as rate -- note\n    from orders\n)\nselect * from totals\n",
    );
    let has = |text: &str, capture: &str| {
        found
            .iter()
            .any(|(t, c)| t.eq_ignore_ascii_case(text) && c == capture)
    };
    assert!(has("select", "keyword"), "{found:?}");
    assert!(has("with", "keyword"), "{found:?}");
    assert!(has("count", "function"), "{found:?}");
    assert!(has("'paid'", "string"), "{found:?}");
    assert!(has("1.5", "number"), "{found:?}");
    assert!(!has("'paid'", "number"), "{found:?}");
    assert!(has("-- note", "comment"), "{found:?}");
    assert!(has("totals", "type"), "the gem's name: {found:?}");
}
