//! Every gem of every model, run on a real Spark (a local Spark Connect
//! server, started once for this binary) and on the embedded DuckDB: the same
//! rows from both, once values are compared as numbers, dates and text.
//! The project's own fixture always; jaffle_shop_duckdb when the shared
//! corpora are there (skipped loudly otherwise).
#![cfg(feature = "fabric")]

#[path = "../../fabric/tests/spark_server/mod.rs"]
mod spark_server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use loupe_analysis::model::Upstream;
use loupe_fabric::{Environment, Fabric, FabricConfig, RunControl, SeedLoad};
use loupe_lsp::memory_client::copy_dir;
use spark_server::{run_tests, SparkServer};

mod support;
use support::corpus;

/// A copy of `project` whose `loupe.toml` names the local Spark.
fn project_on_spark(project: &Path, server: &SparkServer, test: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("loupe-spark-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(project, &root);
    std::fs::write(
        root.join("loupe.toml"),
        format!(
            "default = \"duckdb\"\n[fabrics.duckdb]\nkind = \"duckdb\"\n[fabrics.spark]\nkind = \"spark\"\nurl = \"sc://127.0.0.1:{}/\"\n",
            server.port
        ),
    )
    .unwrap();
    // The token goes where users put it: the environment.
    std::env::set_var("SPARK_CONNECT_TOKEN", &server.token);
    root
}

/// A DuckDB type as Spark SQL writes it.
fn spark_type(duckdb: &str) -> String {
    match duckdb.to_ascii_uppercase().as_str() {
        "VARCHAR" | "TEXT" => "STRING".into(),
        "INTEGER" => "INT".into(),
        "HUGEINT" => "DECIMAL(38,0)".into(),
        other => other.to_string(),
    }
}

/// Loads seeds into Spark from their CSVs (the server runs on this machine),
/// with the column types DuckDB gives them.
fn load_seeds_on_spark(spark: &Fabric, seeds: &[SeedLoad]) {
    let control = RunControl::default();
    let Fabric::Remote(spark) = spark else {
        panic!("a Spark fabric is remote");
    };
    for seed in seeds {
        let quote = |n: &str| format!("`{}`", n.replace('`', "``"));
        let columns: Vec<String> = seed
            .columns
            .iter()
            .map(|(c, t)| format!("cast({} as {}) as {}", quote(c), spark_type(t), quote(c)))
            .collect();
        let view = format!("loupe_csv_{}", seed.table);
        for sql in [
            format!("create schema if not exists {}", quote(&seed.schema)),
            format!(
                "create or replace temporary view {view} using csv options (path '{}', header 'true')",
                seed.csv.display().to_string().replace('\'', "\\'")
            ),
            format!("drop table if exists {}.{}", quote(&seed.schema), quote(&seed.table)),
            format!(
                "create table {}.{} using parquet as select {} from {view}",
                quote(&seed.schema),
                quote(&seed.table),
                if columns.is_empty() { "*".to_string() } else { columns.join(", ") }
            ),
        ] {
            spark
                .statement(&sql, &control)
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
}

/// A value as both engines agree to write it: numbers by value to 6
/// significant digits (Spark's `avg` of a decimal is a decimal with 4 more
/// digits of scale, DuckDB's a double), dates without a midnight time, text as is.
fn normalised(value: &Option<String>) -> String {
    let Some(value) = value else {
        return "NULL".into();
    };
    if let Ok(number) = value.parse::<f64>() {
        if number == 0.0 {
            return "0".into();
        }
        return format!("{:.5e}", number);
    }
    value.strip_suffix(" 00:00:00").unwrap_or(value).to_string()
}

/// The scale of DuckDB's `DECIMAL(p,s)`: the engines may differ by one unit
/// there, as DuckDB rounds an interpolated or averaged decimal to the scale
/// (`percentile_cont` gives 22.30 where Spark's double is 22.295).
fn decimal_scale(duckdb_type: &str) -> Option<i32> {
    let inner = duckdb_type.strip_prefix("DECIMAL(")?.strip_suffix(')')?;
    inner.split(',').nth(1)?.trim().parse().ok()
}

/// The rows, normalised and sorted, without the columns at `volatile`:
/// each cell as its normalised text and, in DECIMAL columns, its value and
/// the tolerance of that column.
type Cell = (String, Option<(f64, f64)>);

fn sorted_rows(
    rows: &[Vec<Option<String>>],
    volatile: &[usize],
    duckdb_types: &[(String, String)],
) -> Vec<Vec<Cell>> {
    let mut rows: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .filter(|(i, _)| !volatile.contains(i))
                .map(|(i, v)| {
                    let scale = duckdb_types.get(i).and_then(|(_, t)| decimal_scale(t));
                    match (scale, v.as_deref().and_then(|v| v.parse::<f64>().ok())) {
                        (Some(scale), Some(number)) => {
                            let tolerance = 1.01 * 10f64.powi(-scale);
                            let rounded = (number / tolerance).round() * tolerance;
                            (
                                normalised(&Some(rounded.to_string())),
                                Some((number, tolerance)),
                            )
                        }
                        _ => (normalised(v), None),
                    }
                })
                .collect()
        })
        .collect();
    rows.sort_by(|a, b| a.iter().map(|c| &c.0).cmp(b.iter().map(|c| &c.0)));
    rows
}

fn same_rows(a: &[Vec<Cell>], b: &[Vec<Cell>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len()
                && x.iter().zip(y).all(|(p, q)| match (p.1, q.1) {
                    (Some((u, tolerance)), Some((v, _))) => (u - v).abs() <= tolerance,
                    _ => p.0 == q.0,
                })
        })
}

/// Runs every gem of every model of the project on both fabrics; returns
/// how many gems agreed and the time to the first rows on each.
fn compare_every_gem(root: &Path, invocation: loupe_analysis::project::Invocation) -> usize {
    let host = loupe_analysis::host::AnalysisHost::load_with(root, invocation).unwrap();
    let models: Vec<PathBuf> = walkdir(root.join("models"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    let spark_config = loupe_fabric::FabricsFile::load(root)
        .unwrap()
        .get(Some("spark"))
        .unwrap()
        .1;
    let spark = Fabric::connect(&spark_config, root, &Environment::from_process()).unwrap();
    let mut loaded = std::collections::BTreeSet::new();
    let mut compared = 0;
    let mut mismatches = BTreeMap::new();
    for model in &models {
        let file = host.file(model).unwrap();
        let gems = loupe_analysis::ide::gem_lenses(host.db(), host.project(), file);
        for gem in gems.iter().map(|g| g.gem.clone()) {
            let label = format!("{}#{}", model.display(), gem.as_deref().unwrap_or("final"));
            let on_duckdb = loupe_lsp::run::prepare_run(
                &host,
                file,
                gem.as_deref(),
                Some("duckdb"),
                Upstream::Inline,
            )
            .unwrap_or_else(|e| panic!("{label}: {e}"));
            let want = loupe_lsp::run::execute_run(&on_duckdb, 100_000, &RunControl::default())
                .unwrap_or_else(|e| panic!("{label} on DuckDB: {e}"));
            // Columns whose values change from run to run (`now()`) are left out.
            std::thread::sleep(std::time::Duration::from_millis(2));
            let again =
                loupe_lsp::run::execute_run(&on_duckdb, 100_000, &RunControl::default()).unwrap();
            let volatile: Vec<usize> = (0..want.columns.len())
                .filter(|&i| {
                    let column = |r: &loupe_fabric::RunResult| {
                        let mut values: Vec<Option<String>> =
                            r.rows.iter().map(|row| row[i].clone()).collect();
                        values.sort();
                        values
                    };
                    column(&want) != column(&again)
                })
                .collect();
            let on_spark = loupe_lsp::run::prepare_run(
                &host,
                file,
                gem.as_deref(),
                Some("spark"),
                Upstream::Inline,
            )
            .unwrap();
            let fresh: Vec<SeedLoad> = on_spark
                .seeds
                .iter()
                .filter(|s| loaded.insert((s.schema.clone(), s.table.clone())))
                .cloned()
                .collect();
            load_seeds_on_spark(&spark, &fresh);
            let got = loupe_lsp::run::execute_run(&on_spark, 100_000, &RunControl::default())
                .unwrap_or_else(|e| panic!("{label} on Spark: {e}\n{}", on_spark.sql));
            // Named columns are named alike; unaliased expressions each
            // engine names its own way (`count_star()` and `count(1)`).
            assert_eq!(
                got.columns.len(),
                want.columns.len(),
                "{label}: {:?}",
                got.columns
            );
            for ((spark_name, _), (duckdb_name, _)) in got.columns.iter().zip(&want.columns) {
                let plain = duckdb_name.chars().all(|c| c.is_alphanumeric() || c == '_');
                if plain {
                    assert_eq!(
                        spark_name.to_lowercase(),
                        duckdb_name.to_lowercase(),
                        "{label}"
                    );
                }
            }
            assert!(!want.truncated && !got.truncated, "{label}");
            let (spark_rows, duckdb_rows) = (
                sorted_rows(&got.rows, &volatile, &want.columns),
                sorted_rows(&want.rows, &volatile, &want.columns),
            );
            if !same_rows(&spark_rows, &duckdb_rows) {
                let first = spark_rows
                    .iter()
                    .zip(&duckdb_rows)
                    .find(|(a, b)| !same_rows(std::slice::from_ref(a), std::slice::from_ref(b)));
                let texts = |r: &Vec<Cell>| r.iter().map(|c| c.0.clone()).collect::<Vec<_>>();
                mismatches.insert(
                    label.clone(),
                    (
                        got.rows.len(),
                        want.rows.len(),
                        first.map(|(a, b)| (texts(a), texts(b))),
                    ),
                );
            }
            compared += 1;
        }
    }
    assert!(
        mismatches.is_empty(),
        "rows differ (Spark, DuckDB row counts, first differing rows): {mismatches:?}"
    );
    compared
}

fn walkdir(dir: PathBuf) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn the_fixture_shop_gives_the_same_rows_on_spark_and_duckdb(server: &SparkServer) {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeded_shop");
    let root = project_on_spark(&fixture, server, "seeded");
    let invocation = loupe_analysis::project::Invocation {
        vars: loupe_analysis::project::Invocation::parse_vars("{load_source_data: true}").unwrap(),
        ..Default::default()
    };
    let compared = compare_every_gem(&root, invocation);
    assert!(compared >= 10, "only {compared} gems compared");
    eprintln!("seeded_shop: {compared} gems agree on Spark and DuckDB");
}

fn jaffle_shop_gives_the_same_rows_on_spark_and_duckdb(server: &SparkServer) {
    let Some(corpus) = corpus("jaffle_shop_duckdb") else {
        return;
    };
    let root = project_on_spark(&corpus, server, "jaffle");
    let compared = compare_every_gem(&root, Default::default());
    assert!(compared >= 5, "only {compared} gems compared");
    eprintln!("jaffle_shop_duckdb: {compared} gems agree on Spark and DuckDB");
}

/// Time to the first rows of one gem, Spark against DuckDB (printed for the docs).
fn time_to_first_rows(server: &SparkServer) {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeded_shop");
    let root = project_on_spark(&fixture, server, "timing");
    let invocation = loupe_analysis::project::Invocation {
        vars: loupe_analysis::project::Invocation::parse_vars("{load_source_data: true}").unwrap(),
        ..Default::default()
    };
    let host = loupe_analysis::host::AnalysisHost::load_with(&root, invocation).unwrap();
    let file = host.file(&root.join("models/marts/customers.sql")).unwrap();
    let mut report = Vec::new();
    for fabric in ["duckdb", "spark"] {
        let run =
            loupe_lsp::run::prepare_run(&host, file, None, Some(fabric), Upstream::Inline).unwrap();
        if fabric == "spark" {
            let config: FabricConfig = run.fabric.clone();
            let spark = Fabric::connect(&config, &root, &Environment::from_process()).unwrap();
            load_seeds_on_spark(&spark, &run.seeds);
        }
        let mut times = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let result = loupe_lsp::run::execute_run(&run, 500, &RunControl::default()).unwrap();
            assert!(!result.rows.is_empty());
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        report.push(format!(
            "{fabric}: first {:.0} ms, then {:.0} ms, {:.0} ms",
            times[0], times[1], times[2]
        ));
    }
    eprintln!(
        "time to first rows of customers.sql: {}; Spark rss {:.0} MiB",
        report.join("; "),
        server.rss_mib()
    );
}

/// `loupe check --fabric spark` flags the DuckDB-only SQL of the fixture,
/// line by line, and nothing in SQL that runs on both engines; the real
/// engines agree (the flagged model fails on Spark, the rest runs there).
fn the_portability_check_flags_what_spark_lacks(server: &SparkServer) {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/portability_project");
    let root = project_on_spark(&fixture, server, "portability");
    let host = loupe_analysis::host::AnalysisHost::load_with(&root, Default::default()).unwrap();
    let found = host.portability(loupe_analysis::portability::Engine::Spark);
    let template = std::fs::read_to_string(root.join("models/duckdb_only.sql")).unwrap();
    let marked: Vec<u32> = template
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("-- Spark: no"))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    let flagged: Vec<u32> = found.iter().map(|d| d.start.line).collect();
    assert!(
        found
            .iter()
            .all(|d| d.file.ends_with("duckdb_only.sql") && d.code == "L016"),
        "{found:#?}"
    );
    assert_eq!(flagged, marked, "{found:#?}");
    for (d, word) in
        found
            .iter()
            .zip(["EXCLUDE", "epoch_ms", "list literal", "HUGEINT", "strftime"])
    {
        assert!(d.message.contains(word), "{}: {}", d.line_text, d.message);
    }

    // The engines agree: both models run on DuckDB; on Spark only the portable one.
    let spark_config = loupe_fabric::FabricsFile::load(&root)
        .unwrap()
        .get(Some("spark"))
        .unwrap()
        .1;
    let spark = Fabric::connect(&spark_config, &root, &Environment::from_process()).unwrap();
    for (model, runs_on_spark) in [("portable", true), ("duckdb_only", false)] {
        let file = host
            .file(&root.join(format!("models/{model}.sql")))
            .unwrap();
        let on_duckdb =
            loupe_lsp::run::prepare_run(&host, file, None, Some("duckdb"), Upstream::Inline)
                .unwrap();
        loupe_lsp::run::execute_run(&on_duckdb, 100, &RunControl::default())
            .unwrap_or_else(|e| panic!("{model} on DuckDB: {e}"));
        let on_spark =
            loupe_lsp::run::prepare_run(&host, file, None, Some("spark"), Upstream::Inline)
                .unwrap();
        load_seeds_on_spark(&spark, &on_spark.seeds);
        let outcome = loupe_lsp::run::execute_run(&on_spark, 100, &RunControl::default());
        assert_eq!(
            outcome.is_ok(),
            runs_on_spark,
            "{model} on Spark: {outcome:?}"
        );
    }

    // Projects whose every gem ran on both engines above report nothing.
    let seeded = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeded_shop");
    let invocation = loupe_analysis::project::Invocation {
        vars: loupe_analysis::project::Invocation::parse_vars("{load_source_data: true}").unwrap(),
        ..Default::default()
    };
    let host = loupe_analysis::host::AnalysisHost::load_with(&seeded, invocation).unwrap();
    assert_eq!(
        host.portability(loupe_analysis::portability::Engine::Spark),
        []
    );
    if let Some(corpus) = corpus("jaffle_shop_duckdb") {
        let host =
            loupe_analysis::host::AnalysisHost::load_with(&corpus, Default::default()).unwrap();
        assert_eq!(
            host.portability(loupe_analysis::portability::Engine::Spark),
            []
        );
    }

    // The command line: the fabric named in loupe.toml picks the engine.
    let check = |fabric: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_loupe"))
            .args(["check", "--fabric", fabric])
            .arg(&root)
            .output()
            .unwrap()
    };
    let on_spark = check("spark");
    let printed = String::from_utf8_lossy(&on_spark.stdout);
    assert_eq!(on_spark.status.code(), Some(1), "{printed}");
    assert_eq!(printed.matches("error[L016]").count(), 5, "{printed}");
    let on_duckdb = check("duckdb");
    let printed = String::from_utf8_lossy(&on_duckdb.stdout);
    assert!(!printed.contains("L016"), "{printed}");
}

/// The schema Loupe infers in the Spark dialect against what Spark's analyzer
/// says (`AnalyzePlan`, nothing runs): names and types, for TPC-H's 22
/// queries (when the shared corpora are there) and the fixture shop's models.
fn inferred_spark_schemas_match_sparks_analyzer(server: &SparkServer) {
    use loupe_analysis::loose::{analyze_sql, TableCatalog};
    use loupe_analysis::syntax::Dialect;
    use loupe_analysis::types::spark::spark_type_name;
    let spark = match Fabric::connect(
        &toml::from_str::<FabricConfig>(&format!(
            "kind = \"spark\"\nurl = \"sc://127.0.0.1:{}/\"",
            server.port
        ))
        .unwrap(),
        Path::new("."),
        &Environment::with(&[("SPARK_CONNECT_TOKEN", &server.token)]),
    )
    .unwrap()
    {
        Fabric::Remote(engine) => engine,
        _ => unreachable!(),
    };
    let control = RunControl::default();
    let mut compared = 0;
    let mut failures = Vec::new();
    let mut compare = |label: String, sql: &str, catalog: &TableCatalog| {
        let want = spark
            .describe_query(sql, &control)
            .unwrap_or_else(|e| panic!("{label} on Spark: {e}"));
        let analysis = analyze_sql(sql, Dialect::Databricks, catalog);
        let got: Vec<(String, String)> = analysis
            .output()
            .map(|o| {
                o.columns
                    .iter()
                    .map(|c| (c.name.clone(), spark_type_name(&c.ty)))
                    .collect()
            })
            .unwrap_or_default();
        compared += 1;
        if got != want {
            failures.push(format!("{label}:\n  Spark {want:?}\n  Loupe {got:?}"));
        }
    };
    let create_tables = |schema: &str, tables: &serde_json::Map<String, serde_json::Value>| {
        spark
            .statement(&format!("create schema if not exists {schema}"), &control)
            .unwrap();
        for (table, columns) in tables {
            let columns: Vec<String> = columns
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    format!(
                        "`{}` {}",
                        c[0].as_str().unwrap(),
                        spark_type(c[1].as_str().unwrap())
                    )
                })
                .collect();
            spark
                .statement(&format!("drop table if exists {schema}.{table}"), &control)
                .unwrap();
            spark
                .statement(
                    &format!(
                        "create table {schema}.{table} ({}) using parquet",
                        columns.join(", ")
                    ),
                    &control,
                )
                .unwrap();
        }
        spark.statement(&format!("use {schema}"), &control).unwrap();
    };
    if let Some(tpch) = corpus("tpch") {
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(tpch.join("tpch_truth.json")).unwrap())
                .unwrap();
        let tables = truth["tables"].as_object().unwrap();
        create_tables("tpch", tables);
        let catalog =
            TableCatalog::from_json(&serde_json::json!({"tables": tables}).to_string()).unwrap();
        let queries = truth["queries"].as_array().unwrap();
        assert_eq!(queries.len(), 22);
        for q in queries {
            compare(
                format!("TPC-H {}", q["id"]),
                q["sql"].as_str().unwrap(),
                &catalog,
            );
        }
    }
    // Every gem of the fixture shop's models, and of jaffle_shop's when present,
    // compiled with their upstream inlined, over the seeds as Spark loaded them.
    let seeded = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeded_shop");
    let mut projects = vec![(
        project_on_spark(&seeded, server, "types-seeded"),
        loupe_analysis::project::Invocation {
            vars: loupe_analysis::project::Invocation::parse_vars("{load_source_data: true}")
                .unwrap(),
            ..Default::default()
        },
    )];
    if let Some(jaffle) = corpus("jaffle_shop_duckdb") {
        projects.push((
            project_on_spark(&jaffle, server, "types-jaffle"),
            Default::default(),
        ));
    }
    for (root, invocation) in projects {
        let host = loupe_analysis::host::AnalysisHost::load_with(&root, invocation).unwrap();
        let fabric = Fabric::connect(
            &loupe_fabric::FabricsFile::load(&root)
                .unwrap()
                .get(Some("spark"))
                .unwrap()
                .1,
            &root,
            &Environment::from_process(),
        )
        .unwrap();
        let mut loaded = std::collections::BTreeSet::new();
        for model in walkdir(root.join("models"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        {
            let file = host.file(&model).unwrap();
            for gem in loupe_analysis::ide::gem_lenses(host.db(), host.project(), file)
                .into_iter()
                .map(|g| g.gem)
            {
                let run = loupe_lsp::run::prepare_run(
                    &host,
                    file,
                    gem.as_deref(),
                    Some("spark"),
                    Upstream::Inline,
                )
                .unwrap();
                let fresh: Vec<SeedLoad> = run
                    .seeds
                    .iter()
                    .filter(|s| loaded.insert((s.schema.clone(), s.table.clone())))
                    .cloned()
                    .collect();
                load_seeds_on_spark(&fabric, &fresh);
                let tables: serde_json::Map<String, serde_json::Value> = run
                    .seeds
                    .iter()
                    .map(|s| {
                        (
                            format!("{}.{}", s.schema, s.table),
                            serde_json::json!(s.columns),
                        )
                    })
                    .collect();
                let catalog =
                    TableCatalog::from_json(&serde_json::json!({"tables": tables}).to_string())
                        .unwrap();
                let label = format!(
                    "{}#{}",
                    model.strip_prefix(&root).unwrap().display(),
                    gem.as_deref().unwrap_or("final")
                );
                compare(label, &run.sql, &catalog);
            }
        }
    }
    let report = format!(
        "{} of {compared} schemas differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{report}");
    assert!(failures.is_empty(), "{report}");
}

fn main() {
    run_tests(
        "lsp",
        &[
            (
                "the_fixture_shop_gives_the_same_rows_on_spark_and_duckdb",
                the_fixture_shop_gives_the_same_rows_on_spark_and_duckdb,
            ),
            (
                "jaffle_shop_gives_the_same_rows_on_spark_and_duckdb",
                jaffle_shop_gives_the_same_rows_on_spark_and_duckdb,
            ),
            ("time_to_first_rows", time_to_first_rows),
            (
                "inferred_spark_schemas_match_sparks_analyzer",
                inferred_spark_schemas_match_sparks_analyzer,
            ),
            (
                "the_portability_check_flags_what_spark_lacks",
                the_portability_check_flags_what_spark_lacks,
            ),
        ],
    );
}
