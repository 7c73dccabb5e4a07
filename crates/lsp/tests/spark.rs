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
use loupe_fabric::{Environment, Fabric, FabricConfig, RunControl};
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
            // The fabric makes the seed tables it lacks itself.
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
    // LATERAL VIEW with each generator, its columns named by Spark and by the
    // view, over a row of an array, a map, an array of structs and JSON text.
    let row = "(SELECT 1 AS id, array(1, 2) AS nums, map('a', 1.5) AS m, \
               array(named_struct('k', 'x', 'v', 2L)) AS kv, '{\"a\": 1}' AS j) s";
    for view in [
        "explode(nums) t",
        "explode(nums) t AS n",
        "explode_outer(nums) t AS n",
        "OUTER explode(nums) t AS n",
        "posexplode(nums) t",
        "posexplode(nums) t AS p, n",
        "explode(m) t",
        "explode(m) t AS k, v",
        "posexplode_outer(m) t",
        "inline(kv) t",
        "inline(kv) t AS key, val",
        "json_tuple(j, 'a', 'b') t",
        "json_tuple(j, 'a') t AS a",
        "explode(nums) a AS x LATERAL VIEW explode(array(x, x * 2)) b AS y",
    ] {
        compare(
            format!("LATERAL VIEW {view}"),
            &format!("SELECT * FROM {row} LATERAL VIEW {view}"),
            &TableCatalog::default(),
        );
    }
    // A generator in the select list: a column of each of its outputs.
    for item in [
        "posexplode(nums)",
        "id, explode(m)",
        "explode(m) AS (k, v)",
        "explode(nums) AS n",
        "inline(kv)",
        "json_tuple(j, 'a', 'b')",
        "explode_outer(nums)",
    ] {
        compare(
            format!("SELECT {item}"),
            &format!("SELECT {item} FROM {row}"),
            &TableCatalog::default(),
        );
    }
    compare(
        "columns of a LATERAL VIEW by name".into(),
        &format!("SELECT id, t.p + 1 AS next, upper(t.n) AS up FROM {row} LATERAL VIEW posexplode(array('a')) t AS p, n"),
        &TableCatalog::default(),
    );
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
                fabric.load_seeds(&run.seeds, &control).unwrap();
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

/// The table the function calls below read, in Spark's types.
const TYPED_COLUMNS: &[(&str, &str)] = &[
    ("i", "INT"),
    ("b", "BIGINT"),
    ("si", "SMALLINT"),
    ("d", "DOUBLE"),
    ("f", "FLOAT"),
    ("amount", "DECIMAL(10,2)"),
    ("price", "DECIMAL(15,2)"),
    ("big", "DECIMAL(38,10)"),
    ("name", "STRING"),
    ("s", "STRING"),
    ("json", "STRING"),
    ("day", "DATE"),
    ("at", "TIMESTAMP"),
    ("flag", "BOOLEAN"),
    ("bin", "BINARY"),
    ("tags", "ARRAY<STRING>"),
    ("nums", "ARRAY<INT>"),
    ("attrs", "MAP<STRING, INT>"),
    ("point", "STRUCT<x: DOUBLE, y: DOUBLE>"),
];

/// Calls by family, none of them in the corpora the schema test reads.
const CALLS: &[(&str, &[&str])] = &[
    (
        "string",
        &[
            "upper(name)",
            "lower(s)",
            "length(name)",
            "char_length(s)",
            "substr(name, 2)",
            "substring(name, 1, 3)",
            "concat(name, '-', s)",
            "concat_ws('-', name, s)",
            "trim(name)",
            "ltrim(s)",
            "rtrim(s)",
            "lpad(name, 10, '*')",
            "rpad(s, 5)",
            "replace(name, 'a', 'b')",
            "regexp_replace(name, '[0-9]', '')",
            "regexp_extract(name, '(a+)', 1)",
            "split(name, ',')",
            "instr(name, 'a')",
            "locate('a', name)",
            "initcap(name)",
            "reverse(name)",
            "repeat(s, 2)",
            "left(name, 2)",
            "right(name, 2)",
            "translate(name, 'a', 'b')",
            "format_number(d, 2)",
            "format_string('%s-%d', name, i)",
            "sha2(name, 256)",
            "md5(name)",
            "base64(bin)",
            "ascii(name)",
            "split_part(name, ',', 1)",
            "startswith(name, 'a')",
            "contains(name, 'x')",
            "nvl(name, 'x')",
            "upper(concat(name, s))",
            "name || s",
            "levenshtein(name, s)",
            "soundex(name)",
            "encode(name, 'UTF-8')",
        ],
    ),
    (
        "math",
        &[
            "abs(i)",
            "abs(amount)",
            "abs(d)",
            "ceil(d)",
            "floor(amount)",
            "ceil(amount)",
            "round(d, 2)",
            "round(amount, 1)",
            "round(i)",
            "bround(amount, 0)",
            "round(big, 3)",
            "ceil(amount, 1)",
            "floor(d, 2)",
            "sqrt(d)",
            "pow(d, 2)",
            "power(i, 2)",
            "exp(d)",
            "ln(d)",
            "log10(d)",
            "log(2, d)",
            "mod(i, 3)",
            "pmod(b, 7)",
            "i % 3",
            "greatest(i, b, si)",
            "least(d, amount)",
            "sign(d)",
            "signum(i)",
            "rand()",
            "floor(d * 100)",
            "try_divide(amount, i)",
            "try_add(i, b)",
            "try_subtract(b, i)",
            "positive(amount)",
            "negative(d)",
            "pi()",
            "degrees(d)",
            "hex(i)",
            "bin(b)",
            "conv(s, 16, 10)",
            "width_bucket(d, 0, 100, 10)",
            "isnan(d)",
            "cbrt(f)",
            "shiftleft(i, 2)",
            "i & 3",
            "factorial(i)",
            "try_multiply(amount, 2)",
        ],
    ),
    (
        "date and time",
        &[
            "current_date()",
            "current_timestamp()",
            "now()",
            "date_add(day, 7)",
            "date_sub(day, 1)",
            "datediff(day, day)",
            "add_months(day, 1)",
            "months_between(at, at)",
            "date_trunc('MONTH', at)",
            "trunc(day, 'MM')",
            "year(day)",
            "month(at)",
            "dayofmonth(day)",
            "dayofweek(day)",
            "weekofyear(day)",
            "quarter(day)",
            "hour(at)",
            "minute(at)",
            "second(at)",
            "last_day(day)",
            "next_day(day, 'Mon')",
            "to_date(s)",
            "to_date(s, 'yyyy-MM-dd')",
            "to_timestamp(s)",
            "date_format(at, 'yyyy-MM')",
            "unix_timestamp(at)",
            "from_unixtime(b)",
            "make_date(i, i, i)",
            "date_part('YEAR', at)",
            "date_part('SECOND', at)",
            "extract(DAY FROM day)",
            "day + 1",
            "timestamp_seconds(b)",
            "to_utc_timestamp(at, 'UTC')",
            "from_utc_timestamp(at, 'Asia/Tokyo')",
            "make_timestamp(i, i, i, i, i, amount)",
            "dayofyear(at)",
            "unix_date(day)",
            "date_from_unix_date(i)",
        ],
    ),
    (
        "array",
        &[
            "array(1, 2, 3)",
            "array(i, d)",
            "array(name, s)",
            "size(tags)",
            "array_contains(tags, 'a')",
            "element_at(tags, 1)",
            "tags[0]",
            "array_distinct(nums)",
            "array_sort(nums)",
            "sort_array(tags, false)",
            "array_max(nums)",
            "array_min(nums)",
            "array_join(tags, ',')",
            "array_position(tags, 'a')",
            "array_remove(nums, 1)",
            "array_union(nums, nums)",
            "array_intersect(tags, tags)",
            "array_except(nums, array(1))",
            "arrays_overlap(nums, nums)",
            "slice(tags, 1, 2)",
            "flatten(array(nums, nums))",
            "array_append(nums, 4)",
            "array_compact(tags)",
            "concat(nums, nums)",
            "reverse(tags)",
            "sequence(1, i)",
            "explode(tags)",
            "filter(nums, x -> x > 1)",
            "exists(nums, x -> x > 1)",
            "array_repeat(name, 3)",
            "arrays_zip(tags, nums)",
            "shuffle(nums)",
            "cardinality(nums)",
            "array_size(tags)",
            "get(nums, 0)",
        ],
    ),
    (
        "map",
        &[
            "map('a', 1)",
            "map(name, d)",
            "map_keys(attrs)",
            "map_values(attrs)",
            "attrs['k']",
            "element_at(attrs, 'k')",
            "map_contains_key(attrs, 'k')",
            "size(attrs)",
            "map_concat(attrs, attrs)",
            "map_from_arrays(tags, nums)",
            "str_to_map(s)",
            "map_entries(attrs)",
            "map_filter(attrs, (k, v) -> v > 1)",
            "try_element_at(attrs, 'k')",
            "map_from_entries(array(struct(name, i)))",
        ],
    ),
    (
        "struct",
        &[
            "struct(i, name)",
            "named_struct('a', i, 'b', name)",
            "point.x",
            "point",
            "to_json(point)",
            "from_json(json, 'a INT, b STRING')",
            "from_json(json, 'array<int>')",
            "named_struct('p', point, 'n', amount)",
            "struct(i + 1, name)",
            "from_json(json, 'm map<string, double>')",
            "schema_of_json('[1]')",
        ],
    ),
    (
        "aggregate",
        &[
            "count(*)",
            "count(name)",
            "count(DISTINCT s)",
            "sum(i)",
            "sum(d)",
            "sum(amount)",
            "avg(i)",
            "avg(amount)",
            "avg(big)",
            "max(name)",
            "min(day)",
            "max(at)",
            "first(name)",
            "last(amount)",
            "collect_list(name)",
            "collect_set(i)",
            "stddev(d)",
            "variance(amount)",
            "corr(d, d)",
            "covar_pop(d, d)",
            "approx_count_distinct(name)",
            "percentile_approx(amount, 0.5)",
            "percentile(i, 0.5)",
            "median(d)",
            "any_value(s)",
            "bool_and(flag)",
            "bool_or(flag)",
            "count_if(flag)",
            "max_by(name, d)",
            "min_by(i, day)",
            "sum(amount * 2)",
            "avg(d) + 1",
            "kurtosis(d)",
            "skewness(i)",
            "array_agg(i)",
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY d)",
            "percentile_disc(0.5) WITHIN GROUP (ORDER BY i)",
            "sum(price)",
            "avg(price)",
            "max(amount) - min(amount)",
            "sum(si)",
            "avg(f)",
            "try_sum(amount)",
            "try_avg(i)",
            "percentile_approx(d, array(0.25, 0.75))",
            "count(DISTINCT name, s)",
        ],
    ),
    (
        "window",
        &[
            "row_number() OVER (ORDER BY i)",
            "rank() OVER (PARTITION BY s ORDER BY d)",
            "dense_rank() OVER (ORDER BY day)",
            "ntile(4) OVER (ORDER BY i)",
            "percent_rank() OVER (ORDER BY d)",
            "cume_dist() OVER (ORDER BY d)",
            "lag(amount) OVER (ORDER BY i)",
            "lead(name, 2, 'x') OVER (ORDER BY i)",
            "first_value(d) OVER (ORDER BY i)",
            "last_value(name) OVER (ORDER BY i)",
            "nth_value(amount, 2) OVER (ORDER BY i)",
            "sum(amount) OVER (PARTITION BY s)",
            "avg(i) OVER (PARTITION BY s)",
            "count(*) OVER ()",
            "max(at) OVER (PARTITION BY name)",
            "sum(i) OVER (ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
            "lag(day, 1) OVER (PARTITION BY s ORDER BY at)",
            "avg(amount) OVER (PARTITION BY s)",
        ],
    ),
    (
        "decimal literals and arithmetic",
        &[
            "0.05",
            "123.456",
            "1e3",
            "1.0",
            "0.0",
            "100",
            "3000000000",
            "12345678901234567890",
            "1L",
            "2.5D",
            "1.5BD",
            "amount + 0.05",
            "amount * 1.5",
            "amount / 3",
            "amount - big",
            "price * amount",
            "big * big",
            "big / price",
            "amount % 0.3",
            "i + 0.05",
            "b * 1.5",
            "d + amount",
            "amount + 1",
            "amount * 100",
            "amount / i",
            "big + big",
            "price / 7.0",
            "1.5 * 2.25",
            "-amount",
            "amount + 0.005",
            "sum(amount * 1.1)",
            "CASE WHEN flag THEN amount ELSE 0.5 END",
            "coalesce(amount, 0)",
            "1L + i",
            "2.5D * i",
            "amount / 0.07",
            "price * price * price",
            "(amount + price) / 2",
            "i / 2",
            "b - 1.25",
            "cast(amount AS DECIMAL)",
            "amount * 0.0001",
            "CASE WHEN flag THEN 1 ELSE 2.5 END",
            "si * 2",
            "f + 1",
            "i * b",
        ],
    ),
];

/// Loupe's type of each call, in the Spark dialect, against Spark's analyzer
/// (`AnalyzePlan` on `SELECT call AS x FROM t`): string, math, date and time,
/// array, map, struct, aggregate and window functions, decimal literals and
/// decimal arithmetic.
fn function_result_types_match_sparks_analyzer(server: &SparkServer) {
    use loupe_analysis::loose::{analyze_sql, TableCatalog};
    use loupe_analysis::syntax::Dialect;
    use loupe_analysis::types::spark::spark_type_name;
    let spark = spark_engine(server);
    let control = RunControl::default();
    let columns: Vec<String> = TYPED_COLUMNS
        .iter()
        .map(|(n, t)| format!("`{n}` {t}"))
        .collect();
    for sql in [
        "create schema if not exists loupe_types".to_string(),
        "drop table if exists loupe_types.t".to_string(),
        format!(
            "create table loupe_types.t ({}) using parquet",
            columns.join(", ")
        ),
    ] {
        spark
            .statement(&sql, &control)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let catalog = TableCatalog::from_json(
        &serde_json::json!({"tables": {"loupe_types.t": TYPED_COLUMNS}}).to_string(),
    )
    .unwrap();
    let (mut compared, mut failures) = (0, Vec::new());
    for (family, calls) in CALLS {
        for call in *calls {
            let sql = format!("SELECT {call} AS x FROM loupe_types.t");
            let want = spark
                .describe_query(&sql, &control)
                .unwrap_or_else(|e| panic!("{call} on Spark: {e}"));
            let analysis = analyze_sql(&sql, Dialect::Databricks, &catalog);
            let got: Vec<String> = analysis
                .output()
                .map(|o| o.columns.iter().map(|c| spark_type_name(&c.ty)).collect())
                .unwrap_or_default();
            let want: Vec<String> = want.into_iter().map(|(_, t)| t).collect();
            compared += 1;
            if got != want {
                failures.push(format!("{family}: {call}: Spark {want:?}, Loupe {got:?}"));
            }
        }
    }
    let report = format!(
        "{} of {compared} function calls typed otherwise than Spark:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{report}");
    assert!(compared >= 250, "{compared}");
    assert!(failures.is_empty(), "{report}");
}

/// A Spark Connect client for the local server, from outside a project.
fn spark_engine(server: &SparkServer) -> std::sync::Arc<dyn loupe_fabric::RemoteEngine> {
    match Fabric::connect(
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
    }
}

/// A gem that reads seeds runs on Spark with no `dbt seed` before it: the
/// fabric makes each missing seed table from its CSV, typed as the analysis
/// types the seed, once per client; a table already there is left as it is,
/// and one the client made is made again when its CSV changes.
fn seed_tables_are_made_when_missing(server: &SparkServer) {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/seeded_shop");
    let invocation = || loupe_analysis::project::Invocation {
        vars: loupe_analysis::project::Invocation::parse_vars("{load_source_data: true}").unwrap(),
        ..Default::default()
    };
    let root = project_on_spark(&fixture, server, "seeds-made");
    let host = loupe_analysis::host::AnalysisHost::load_with(&root, invocation()).unwrap();
    let file = host.file(&root.join("models/marts/customers.sql")).unwrap();
    let run =
        loupe_lsp::run::prepare_run(&host, file, None, Some("spark"), Upstream::Inline).unwrap();
    assert!(run.seeds.len() >= 2, "{:?}", run.seeds);
    let spark = spark_engine(server);
    let control = RunControl::default();
    let quoted = |s: &str| format!("`{s}`");
    // No seed tables on Spark to begin with.
    let mut schemas: Vec<&str> = run.seeds.iter().map(|s| s.schema.as_str()).collect();
    schemas.dedup();
    for schema in &schemas {
        spark
            .statement(
                &format!("drop schema if exists {} cascade", quoted(schema)),
                &control,
            )
            .unwrap();
    }
    let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let heard = {
        let messages = messages.clone();
        RunControl::new(move |m| messages.lock().unwrap().push(m.to_string()))
    };
    let on_duckdb =
        loupe_lsp::run::prepare_run(&host, file, None, Some("duckdb"), Upstream::Inline).unwrap();
    let want = loupe_lsp::run::execute_run(&on_duckdb, 10_000, &RunControl::default()).unwrap();
    let got = loupe_lsp::run::execute_run(&run, 10_000, &heard)
        .unwrap_or_else(|e| panic!("customers on Spark without seed tables: {e}"));
    assert_eq!(got.rows.len(), want.rows.len());
    let made: Vec<String> = messages.lock().unwrap().clone();
    assert_eq!(
        made.iter()
            .filter(|m| m.starts_with("creating seed table"))
            .count(),
        run.seeds.len(),
        "{made:?}"
    );
    // Typed as the analysis types them, every CSV row once.
    for seed in &run.seeds {
        let columns = spark
            .describe_table(&[&seed.schema, &seed.table], &control)
            .unwrap();
        assert_eq!(columns, seed.columns, "{}", seed.table);
        let count = spark
            .run(
                &format!(
                    "select count(*) from {}.{}",
                    quoted(&seed.schema),
                    quoted(&seed.table)
                ),
                1,
                &control,
            )
            .unwrap();
        let lines = std::fs::read_to_string(&seed.csv)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count()
            - 1;
        assert_eq!(count.rows[0][0], Some(lines.to_string()), "{}", seed.table);
    }
    // Once per client: the next runs make nothing.
    messages.lock().unwrap().clear();
    loupe_lsp::run::execute_run(&run, 10, &heard).unwrap();
    loupe_lsp::run::describe_run(&run, &heard).unwrap();
    assert!(messages.lock().unwrap().is_empty(), "{messages:?}");

    // A CSV that changes is loaded again by the client that made its table.
    let seed = &run.seeds[0];
    let mut text = std::fs::read_to_string(&seed.csv).unwrap();
    let last = text.trim_end().lines().last().unwrap().to_string();
    text = format!("{}\n{last}\n", text.trim_end());
    std::fs::write(&seed.csv, &text).unwrap();
    loupe_lsp::run::execute_run(&run, 10, &heard).unwrap();
    assert_eq!(messages.lock().unwrap().len(), 1, "{messages:?}");
    let table = format!("{}.{}", quoted(&seed.schema), quoted(&seed.table));
    // This session read the table before it was made again: Spark wants a refresh.
    spark
        .statement(&format!("refresh table {table}"), &control)
        .unwrap();
    let count = spark
        .run(&format!("select count(*) from {table}"), 1, &control)
        .unwrap();
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count() - 1;
    assert_eq!(count.rows[0][0], Some(lines.to_string()));

    // A table already there (from `dbt seed`, say) is the warehouse's: another
    // client leaves it as it is.
    spark
        .statement(&format!("drop table {table}"), &control)
        .unwrap();
    spark
        .statement(
            &format!(
                "create table {table} using parquet as select * from ({}) limit 1",
                loupe_fabric::remote::seeds::seed_statements(
                    seed,
                    &std::fs::read_to_string(&seed.csv).unwrap()
                )
                .unwrap()[0]
                    .split_once(" AS SELECT ")
                    .map(|(_, select)| format!("SELECT {select}"))
                    .unwrap()
            ),
            &control,
        )
        .unwrap();
    let other = project_on_spark(&fixture, server, "seeds-kept");
    let host = loupe_analysis::host::AnalysisHost::load_with(&other, invocation()).unwrap();
    let file = host
        .file(&other.join("models/marts/customers.sql"))
        .unwrap();
    let run =
        loupe_lsp::run::prepare_run(&host, file, None, Some("spark"), Upstream::Inline).unwrap();
    messages.lock().unwrap().clear();
    loupe_lsp::run::execute_run(&run, 10, &heard).unwrap();
    assert!(messages.lock().unwrap().is_empty(), "{messages:?}");
    let count = spark
        .run(&format!("select count(*) from {table}"), 1, &control)
        .unwrap();
    assert_eq!(count.rows[0][0].as_deref(), Some("1"));
    // Put the seed back as the other tests read it.
    spark
        .statement(&format!("drop table {table}"), &control)
        .unwrap();
    let restore =
        loupe_lsp::run::prepare_run(&host, file, None, Some("spark"), Upstream::Inline).unwrap();
    let fresh = Fabric::Remote(spark_engine(server));
    fresh.load_seeds(&restore.seeds, &control).unwrap();
    for dir in [root, other] {
        let _ = std::fs::remove_dir_all(dir);
    }
    eprintln!(
        "seed tables made on Spark from {} CSVs, once, again after a change, none over a table already there",
        restore.seeds.len()
    );
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
            (
                "function_result_types_match_sparks_analyzer",
                function_result_types_match_sparks_analyzer,
            ),
            (
                "seed_tables_are_made_when_missing",
                seed_tables_are_made_when_missing,
            ),
        ],
    );
}
