//! Incrementality: after any sequence of edits, answers equal a fresh
//! analysis, and an edit recomputes only what depends on it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::model::{model_analysis, project_index};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A private copy of a fixture project (each test its own: they run in parallel).
fn fixture_copy(name: &str, test: &str) -> PathBuf {
    let from = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let to = std::env::temp_dir().join(format!(
        "loupe-incremental-{}-{name}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&from, &to);
    to
}

fn model_path(root: &Path, host: &AnalysisHost, name: &str) -> PathBuf {
    let file = host
        .models()
        .into_iter()
        .find(|f| f.path(host.db()).ends_with(&format!("/{name}.sql")))
        .unwrap_or_else(|| panic!("model {name}"));
    root.join(file.path(host.db()))
}

#[test]
fn edits_in_any_order_give_the_same_answers_as_a_fresh_analysis() {
    let root = fixture_copy("valid_project", "walk");
    let mut host = AnalysisHost::load(&root).unwrap();
    let models = [
        "stg_orders",
        "stg_payments",
        "customers",
        "jinja_pivot",
        "aggregates",
        "windows",
    ];
    let originals: Vec<(PathBuf, String)> = models
        .iter()
        .map(|m| {
            let p = model_path(&root, &host, m);
            let t = std::fs::read_to_string(&p).unwrap();
            (p, t)
        })
        .collect();
    // A deterministic pseudo-random walk over edits that break and fix
    // models: whole rewrites, and insertions and deletions anywhere, as a
    // user types (half-typed Jinja and SQL included).
    let snippets = [
        "{{ ref('",
        "select ",
        ", amount",
        "{% if true %}",
        "{% endif %}",
        " join ",
        "(",
        ")",
        "'",
        "--",
        "\n",
        "order_id",
        "{{ ",
        " }}",
        "*",
        "as x",
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut current: Vec<String> = originals.iter().map(|(_, t)| t.clone()).collect();
    for step in 0..60 {
        let which = next() as usize % originals.len();
        let (path, original) = &originals[which];
        let text = &current[which];
        let boundary = |at: u64| {
            let mut at = at as usize % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let text = match next() % 6 {
            0 => original.clone(),
            1 => format!("{text}\n-- edited at step {step}\n"),
            2 => original.replacen("order_id", "order_idd", 1),
            3 => original.replacen("select", "selec", 1),
            4 => {
                let at = boundary(next());
                let snippet = snippets[next() as usize % snippets.len()];
                format!("{}{snippet}{}", &text[..at], &text[at..])
            }
            _ => {
                let (a, b) = (boundary(next()), boundary(next()));
                let (a, b) = (a.min(b), a.max(b).min(a.min(b) + 40));
                let b = boundary(b as u64);
                format!("{}{}", &text[..a], &text[b.max(a)..])
            }
        };
        current[which] = text.clone();
        std::fs::write(path, &text).unwrap();
        host.set_file_text(path, text);
        let fresh = AnalysisHost::load(&root).unwrap();
        assert_eq!(host.check(), fresh.check(), "diagnostics after step {step}");
        assert_eq!(
            host.relation_schemas(),
            fresh.relation_schemas(),
            "schemas after step {step}"
        );
        assert_eq!(
            host.all_lineage(),
            fresh.all_lineage(),
            "lineage after step {step}"
        );
    }
}

#[test]
fn an_edit_recomputes_only_what_depends_on_it() {
    let root = fixture_copy("valid_project", "reuse");
    let mut host = AnalysisHost::load(&root).unwrap();
    let staging = model_path(&root, &host, "stg_orders");
    let mart = model_path(&root, &host, "customers");
    let (staging_file, mart_file) = (host.file(&staging).unwrap(), host.file(&mart).unwrap());
    let project = host.project();
    let index_before = project_index(host.db(), project).clone();
    let staging_before = model_analysis(host.db(), project, staging_file).clone();
    let mart_before = model_analysis(host.db(), project, mart_file).clone();

    // Editing a downstream model leaves upstream analyses and the index alone.
    let text = std::fs::read_to_string(&mart).unwrap();
    host.set_editor_text(&mart, format!("{text}\n-- a note\n"));
    assert!(Arc::ptr_eq(
        &index_before,
        project_index(host.db(), project)
    ));
    assert!(Arc::ptr_eq(
        &staging_before,
        model_analysis(host.db(), project, staging_file)
    ));

    // An upstream edit that keeps its output schema stops there: the
    // downstream model is not analyzed again.
    let mart_now = model_analysis(host.db(), project, mart_file).clone();
    assert!(!Arc::ptr_eq(&mart_before, &mart_now));
    // (The editor opens the file first and gives its text unchanged: the file turns
    // low-durability then, not at the edit, which backdates as a medium one would.)
    let text = std::fs::read_to_string(&staging).unwrap();
    host.set_editor_text(&staging, text.clone());
    let mart_now = model_analysis(host.db(), project, mart_file).clone();
    host.set_editor_text(&staging, format!("-- reformatted\n{text}"));
    let _ = model_analysis(host.db(), project, staging_file);
    assert!(Arc::ptr_eq(
        &mart_now,
        model_analysis(host.db(), project, mart_file)
    ));

    // So does a change on disk to a file no editor has open.
    let customers = model_path(&root, &host, "stg_customers");
    let text = std::fs::read_to_string(&customers).unwrap();
    host.set_file_text(&customers, format!("-- reformatted\n{text}"));
    assert!(Arc::ptr_eq(
        &mart_now,
        model_analysis(host.db(), project, mart_file)
    ));
}

/// The output columns of the model at `path`.
fn output_columns(host: &AnalysisHost, path: &Path) -> Vec<String> {
    let file = host.file(path).unwrap();
    model_analysis(host.db(), host.project(), file)
        .output
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect()
}

/// Loads and checks the project at `root`, then rewrites its model `windows` with `text`, on
/// disk and in the analysis.
fn load_then_rewrite_a_model(root: &Path, text: &str) -> (AnalysisHost, PathBuf) {
    let mut host = AnalysisHost::load(root).unwrap();
    let path = model_path(root, &host, "windows");
    let _ = host.check();
    std::fs::write(&path, text).unwrap();
    host.set_file_text(&path, text.to_string());
    (host, path)
}

#[test]
fn a_model_that_starts_reading_dbt_graph_is_rendered_with_it() {
    let root = fixture_copy("valid_project", "graph-model");
    // No template mentioned `graph` at load; now one model does.
    let reads_graph = "select\n{% for node in graph.nodes.values() if node.name == 'stg_orders' %}\n  1 as found_{{ node.name }}\n{% endfor %}\n";
    let (host, path) = load_then_rewrite_a_model(&root, reads_graph);
    assert_eq!(output_columns(&host, &path), ["found_stg_orders"]);
    let fresh = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), fresh.check());
    assert_eq!(host.relation_schemas(), fresh.relation_schemas());
}

#[test]
fn a_macro_that_reads_dbt_graph_gives_it_to_every_model() {
    let root = fixture_copy("valid_project", "graph-macro");
    std::fs::create_dir_all(root.join("macros")).unwrap();
    std::fs::write(
        root.join("macros/graph_column.sql"),
        "{% macro graph_column(name) %}{% for node in graph.nodes.values() if node.name == name %}found_{{ node.name }}{% endfor %}{% endmacro %}\n",
    )
    .unwrap();
    let calls_macro = "select 1 as {{ graph_column('stg_payments') }}\n";
    let (host, path) = load_then_rewrite_a_model(&root, calls_macro);
    assert_eq!(output_columns(&host, &path), ["found_stg_payments"]);
    assert_eq!(host.check(), AnalysisHost::load(&root).unwrap().check());
}

/// Every `.sql` file under `models/` of the project, relative to `root`.
fn model_files(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "sql") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join("models"), &mut out);
    out.sort();
    out
}

#[test]
fn creates_renames_and_deletes_give_the_same_answers_as_a_fresh_analysis() {
    for seed in [1u64, 2, 3] {
        let root = fixture_copy("valid_project", &format!("files-{seed}"));
        let mut host = AnalysisHost::load(&root).unwrap();
        let mut state = seed.wrapping_mul(0x9e3779b97f4a7c15);
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let mut created = 0;
        for step in 0..25 {
            let models = model_files(&root);
            let name_of = |p: &Path| p.file_stem().unwrap().to_string_lossy().to_string();
            let pick = models[next() % models.len()].clone();
            let what = next() % 6;
            let change = match what {
                // A new model reading an existing one, sometimes described in YAML.
                0 | 1 => {
                    created += 1;
                    let name = format!("new_{seed}_{created}");
                    let path = root.join(format!("models/{name}.sql"));
                    std::fs::write(
                        &path,
                        format!(
                            "select *, 1 as n{created} from {{{{ ref('{}') }}}}\n",
                            name_of(&pick)
                        ),
                    )
                    .unwrap();
                    if what == 1 {
                        std::fs::write(
                            root.join(format!("models/{name}.yml")),
                            format!("version: 2\nmodels:\n  - name: {name}\n    columns:\n      - name: n{created}\n"),
                        )
                        .unwrap();
                    }
                    format!("create {name}")
                }
                // A rename: what referred to the old name now fails, as in dbt.
                2 => {
                    let to = pick.with_file_name(format!("{}_renamed.sql", name_of(&pick)));
                    std::fs::rename(&pick, &to).unwrap();
                    format!("rename {} -> {}", pick.display(), to.display())
                }
                3 if models.len() > 3 => {
                    std::fs::remove_file(&pick).unwrap();
                    format!("delete {}", pick.display())
                }
                // An edit as an editor sends it: no file list change.
                _ => {
                    let text = std::fs::read_to_string(&pick).unwrap();
                    let text = match next() % 3 {
                        0 => text.replacen("select", "select 1 as extra_col,", 1),
                        1 => format!("{text}\n-- step {step}\n"),
                        _ => text.replacen("from", "fro", 1),
                    };
                    std::fs::write(&pick, &text).unwrap();
                    host.set_file_text(&pick, text);
                    format!("edit {}", pick.display())
                }
            };
            if !change.starts_with("edit") {
                host.sync_files().unwrap();
            }
            let fresh = AnalysisHost::load(&root).unwrap();
            let context = format!("seed {seed}, step {step}: {change}");
            assert_eq!(host.check(), fresh.check(), "diagnostics after {context}");
            assert_eq!(
                host.relation_schemas(),
                fresh.relation_schemas(),
                "schemas after {context}"
            );
            assert_eq!(
                host.all_lineage(),
                fresh.all_lineage(),
                "lineage after {context}"
            );
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}

/// An edit arriving during a whole-project pass ends the pass: it unwinds as
/// salsa's cancellation, never finishes with files reported as internal
/// errors, and the edit is applied once it has stopped.
#[test]
fn an_edit_during_a_project_pass_cancels_the_pass() {
    let root = std::env::temp_dir().join(format!("loupe-cancel-pass-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("models")).unwrap();
    std::fs::write(root.join("dbt_project.yml"), "name: shop\nprofile: shop\n").unwrap();
    std::fs::write(root.join("models/m0.sql"), "select 1 as id, 'a' as name\n").unwrap();
    for i in 1..3000 {
        let text = format!(
            "with a as (select id, name from {{{{ ref('m{}') }}}}),\nb as (select id + 1 as id, upper(name) as name from a)\nselect * from b\n",
            i - 1
        );
        std::fs::write(root.join(format!("models/m{i}.sql")), text).unwrap();
    }
    let mut host = AnalysisHost::load(&root).unwrap();
    let snapshot = host.clone();
    let pass = std::thread::spawn(move || {
        salsa::Cancelled::catch(std::panic::AssertUnwindSafe(|| snapshot.check()))
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    host.set_file_text(
        &root.join("models/m0.sql"),
        "select 2 as id, 'b' as name\n".into(),
    );
    match pass.join().unwrap() {
        Err(_) => {}
        Ok(found) => assert!(
            !found.iter().any(|d| d.message.contains("internal error")),
            "a pass that saw the edit coming reported {:?}",
            found.iter().find(|d| d.message.contains("internal error"))
        ),
    }
    assert!(host
        .check()
        .iter()
        .all(|d| !d.message.contains("internal error")));
    let _ = std::fs::remove_dir_all(&root);
}
