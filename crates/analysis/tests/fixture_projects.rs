//! The project's own fixture projects: every deliberately broken model
//! raises exactly its diagnostic on its range, and valid SQL raises nothing
//! while every relation gets the schema DuckDB itself reported.

use std::collections::BTreeSet;
use std::path::PathBuf;

use loupe_analysis::host::AnalysisHost;

mod common;
use common::schema_failures;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

type Key = (String, String, String, (u32, u32), (u32, u32));

#[test]
fn broken_models_raise_exactly_the_expected_diagnostics() {
    let root = fixture("broken_project");
    let host = AnalysisHost::load(&root).expect("fixture loads");
    let got: BTreeSet<Key> = host
        .check()
        .into_iter()
        .map(|d| {
            (
                d.file,
                d.code.to_string(),
                d.severity.as_str().to_string(),
                (d.start.line, d.start.col),
                (d.end.line, d.end.col),
            )
        })
        .collect();
    let expected: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(root.join("expected_diagnostics.json")).unwrap(),
    )
    .unwrap();
    let expected: BTreeSet<Key> = expected
        .iter()
        .map(|d| {
            let pos = |k: &str| {
                (
                    d[k][0].as_u64().unwrap() as u32,
                    d[k][1].as_u64().unwrap() as u32,
                )
            };
            (
                d["file"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                pos("start"),
                pos("end"),
            )
        })
        .collect();
    assert!(
        expected.len() >= 25,
        "the fixture covers at least 25 broken models"
    );
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}"
    );
}

#[test]
fn every_code_of_the_first_set_is_covered() {
    let text = std::fs::read_to_string(fixture("broken_project").join("expected_diagnostics.json"))
        .unwrap();
    for code in [
        "L001", "L002", "L003", "L004", "L005", "L006", "L007", "L008", "L009", "L010", "L011",
        "L012",
    ] {
        assert!(text.contains(code), "{code} has a broken model");
    }
}

#[test]
fn did_you_mean_suggests_the_close_column() {
    let host = AnalysisHost::load(&fixture("broken_project")).unwrap();
    let d = host
        .check()
        .into_iter()
        .find(|d| d.file.ends_with("l003_unqualified.sql"))
        .expect("the unqualified unknown column is reported");
    assert!(d.message.contains("did you mean `amount`"), "{}", d.message);
}

#[test]
fn valid_sql_raises_nothing_and_matches_duckdb_schemas() {
    let root = fixture("valid_project");
    let host = AnalysisHost::load(&root).unwrap();
    let diagnostics = host.check();
    assert!(
        diagnostics.is_empty(),
        "false diagnostics on valid SQL: {diagnostics:#?}"
    );

    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected_schema.json")).unwrap())
            .unwrap();
    let failures = schema_failures(&host, &expected);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn snapshots_and_python_models_can_be_referenced() {
    let root = std::env::temp_dir().join(format!("loupe-opaque-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in [
        ("dbt_project.yml", "name: opaque\nprofile: opaque\n"),
        ("snapshots/orders_snapshot.sql", "{% snapshot orders_history %}\n{{ config(unique_key='id', strategy='check', check_cols='all') }}\nselect 1 as id\n{% endsnapshot %}\n"),
        ("models/scored.py", "def model(dbt, session):\n    return dbt.ref('base').df()\n"),
        ("models/base.sql", "{{ config(schema='staging', alias='base_rows') }}\nselect 1 as id, 'a' as label\n"),
        ("models/report.sql", "select h.id, s.score\nfrom {{ ref('orders_history') }} as h\njoin {{ ref('scored') }} as s on s.id = h.id\n"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), Vec::new());
    let schemas = host.relation_schemas();
    assert!(
        schemas.contains_key("main.report") && !schemas.contains_key("main.scored"),
        "{:?}",
        schemas.keys()
    );
}

/// A project that loads its raw data as seeds into a schema of its own
/// (`generate_schema_name` keeps a seed's custom schema as is) and reads
/// them through `source()`, seeds enabled only with `--vars`.
fn seeded_shop(vars: &str, target: Option<&str>) -> AnalysisHost {
    use loupe_analysis::project::Invocation;
    let invocation = Invocation {
        vars: Invocation::parse_vars(vars).unwrap(),
        target: target.map(str::to_string),
        ..Default::default()
    };
    AnalysisHost::load_with(&fixture("seeded_shop"), invocation).expect("fixture loads")
}

#[test]
fn sources_on_seeds_named_by_the_project_match_a_real_dbt_run() {
    let host = seeded_shop("{load_source_data: true}", None);
    let diagnostics = host.check();
    // The one thing to say: a key written twice in the sources YAML (dbt keeps the last).
    assert_eq!(
        diagnostics
            .iter()
            .map(|d| (d.file.as_str(), d.code, d.severity.as_str()))
            .collect::<Vec<_>>(),
        vec![("models/staging/__sources.yml", "L013", "warning")],
        "{diagnostics:#?}"
    );
    assert!(diagnostics[0]
        .message
        .contains("`description` is set twice"));
    // expected_schema.json is DESCRIBE after `dbt seed` and `dbt run` (tests/fixtures/gen_expected_schema.py).
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("seeded_shop").join("expected_schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(expected.as_object().unwrap().len(), 15);
    let failures = schema_failures(&host, &expected);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_naming_macro_follows_the_target_and_disabled_seeds_still_describe_their_sources() {
    let prod = seeded_shop("", Some("prod"));
    let schemas = prod.relation_schemas();
    assert!(
        schemas.contains_key("raw.raw_orders"),
        "{:?}",
        schemas.keys()
    );
    assert!(
        schemas.contains_key("analytics.customers"),
        "{:?}",
        schemas.keys()
    );
    assert!(
        !schemas.keys().any(|k| k.starts_with("main")),
        "{:?}",
        schemas.keys()
    );
    // Without the var the seeds are disabled, but the tables they describe
    // are what the sources read: the columns stay known.
    let orders = &schemas["analytics.stg_orders"];
    assert!(!orders.open, "{orders:?}");
    assert_eq!(orders.columns.len(), 10);
}

#[test]
fn lineage_goes_through_a_source_into_the_seed_behind_it() {
    let host = seeded_shop("{load_source_data: true}", None);
    let graph = loupe_analysis::model::upstream(
        host.db(),
        host.project(),
        "customers",
        "customer_name",
        None,
    )
    .unwrap();
    let relations: Vec<&str> = graph.nodes.iter().map(|n| n.relation.as_str()).collect();
    assert!(relations.contains(&"ecom.raw_customers"), "{relations:?}");
    assert!(relations.contains(&"raw_customers"), "{relations:?}");
    let down = loupe_analysis::model::downstream(
        host.db(),
        host.project(),
        "raw_orders",
        "order_total",
        None,
    )
    .unwrap();
    let reached: Vec<String> = down
        .nodes
        .iter()
        .map(|n| format!("{}.{}", n.relation, n.column))
        .collect();
    assert!(
        reached.contains(&"customers.lifetime_spend".to_string()),
        "{reached:?}"
    );
}

/// A Snowflake project with no warehouse to reach: date parts as keywords,
/// IFF, `:` paths into VARIANT, LATERAL FLATTEN, QUALIFY, ILIKE ANY, staged
/// files' `$1`, `config()` with a dict, macros that query the warehouse.
/// Snowflake would raise nothing here, so neither does Loupe.
#[test]
fn a_snowflake_project_without_a_warehouse_raises_no_false_error() {
    let host = AnalysisHost::load(&fixture("snowflake_project")).unwrap();
    let diagnostics = host.check();
    let found: Vec<(&str, &str, u32)> = diagnostics
        .iter()
        .map(|d| (d.file.as_str(), d.code, d.start.line))
        .collect();
    // Only the duplicated `description` of the sources YAML, on its second writing.
    assert_eq!(
        found,
        vec![("models/staging/_sources.yml", "L013", 41)],
        "{diagnostics:#?}"
    );
    assert_eq!(diagnostics[0].severity.as_str(), "warning");

    let schemas = host.relation_schemas();
    let names = |relation: &str| -> Vec<String> {
        schemas[relation]
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect()
    };
    assert_eq!(
        names("dbt_dev_staging.stg_accounts")[..4],
        ["account_id", "account_name", "plan_tier", "locale"]
    );
    let accounts = &schemas["dbt_dev_staging.stg_accounts"];
    let ty = |name: &str| {
        accounts
            .columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.ty.to_string())
            .unwrap()
    };
    assert_eq!(ty("plan_tier"), "VARCHAR");
    assert_eq!(ty("account_age_days"), "BIGINT");
    assert_eq!(ty("has_sso"), "BOOLEAN");
    // Built from warehouse answers nothing gave: partial and open, never an error.
    let latest = &schemas["dbt_dev_marts.fct_latest_load"];
    assert!(latest.open, "{latest:?}");
    let activity = loupe_analysis::model::model_analysis(
        host.db(),
        host.project(),
        host.file(
            &fixture("snowflake_project").join("models/intermediate/int_account_activity.sql"),
        )
        .unwrap(),
    );
    assert!(
        activity
            .unknown_because
            .as_deref()
            .is_some_and(|b| b.contains("run_query")),
        "{:?}",
        activity.unknown_because
    );
}

/// Macros that ask the warehouse for a relation's columns answer from what a
/// fabric described (`loupe catalog`) when nothing in the project builds it.
#[test]
fn columns_asked_of_the_warehouse_come_from_the_fabric_catalog() {
    let root = std::env::temp_dir().join(format!("loupe-asked-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in [
        ("dbt_project.yml", "name: asked\nprofile: asked\n"),
        (
            "models/events_wide.sql",
            "{%- set rel = api.Relation.create(schema='landing', identifier='events') -%}\n\
             {%- set cols = adapter.get_columns_in_relation(rel) -%}\n\
             select {% for c in cols %}{{ c.name }}{% if not loop.last %}, {% endif %}{% endfor %}\n\
             from landing.events\n",
        ),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    // No fabric has answered: partial, and no error.
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), Vec::new());
    assert!(host.relation_schemas()["main.events_wide"].open);
    // After `loupe catalog`: the columns the fabric gave.
    std::fs::create_dir_all(root.join("target")).unwrap();
    std::fs::write(
        root.join("target/loupe-catalog.json"),
        r#"{"fabric": "duckdb", "tables": {"landing.events": [["id", "INTEGER"], ["kind", "VARCHAR"]]}}"#,
    )
    .unwrap();
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), Vec::new());
    let schema = &host.relation_schemas()["main.events_wide"];
    assert!(!schema.open, "{schema:?}");
    assert_eq!(
        schema.to_pairs(),
        vec![
            ("id".to_string(), "INTEGER".to_string()),
            ("kind".to_string(), "VARCHAR".to_string())
        ]
    );
}

/// dbt_utils as projects pinned it for years (0.8): dispatch by namespace,
/// `varargs` for the old many-argument `surrogate_key`, `star` asking the
/// warehouse for columns, and a project macro taking extra `kwargs`.
#[test]
fn an_older_dbt_utils_renders_as_dbt_renders_it() {
    let root = fixture("legacy_utils_shop");
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), Vec::new());
    // expected_schema.json is DESCRIBE after `dbt seed` and `dbt run` (tests/fixtures/gen_expected_schema.py).
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected_schema.json")).unwrap())
            .unwrap();
    let failures = schema_failures(&host, &expected);
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The extra positional arguments reach the dispatched macro.
    let file = host
        .file(&root.join("models/stg_orders.sql"))
        .expect("model is loaded");
    let rendered = loupe_analysis::model::rendered_model(host.db(), host.project(), file);
    assert!(
        rendered.sql.contains(
            "coalesce(cast(id as varchar), ''), '-', coalesce(cast(status as varchar), '')"
        ),
        "{}",
        rendered.sql
    );
    let file = host
        .file(&root.join("models/orders_by_customer.sql"))
        .expect("model is loaded");
    let rendered = loupe_analysis::model::rendered_model(host.db(), host.project(), file);
    assert!(
        rendered
            .sql
            .contains("'orders;team=growth;tier=2' as label"),
        "{}",
        rendered.sql
    );
}

/// A Snowflake project's columns in Snowflake's own type names, with the
/// result types of its semi-structured functions, FLATTEN's columns and its
/// date arithmetic (a DATE moved by hours becomes a TIMESTAMP_NTZ).
#[test]
fn a_snowflake_project_sees_snowflake_types() {
    use loupe_analysis::syntax::Dialect;
    let host = AnalysisHost::load(&fixture("snowflake_project")).unwrap();
    let schemas = host.relation_schemas();
    let (_, items) = schemas
        .iter()
        .find(|(k, _)| k.ends_with(".int_event_items"))
        .expect("the model has a relation");
    let shown: Vec<(String, String)> = items.to_pairs_in(Dialect::Snowflake);
    let expected = [
        ("event_id", "VARCHAR"),
        ("item", "VARIANT"),
        ("item_position", "NUMBER(38,0)"),
        ("sku_variant", "VARIANT"),
        ("event_type", "VARCHAR"),
        ("origin", "VARIANT"),
        ("envelope", "OBJECT"),
        ("price", "NUMBER(12,2)"),
        ("age_days", "NUMBER(38,0)"),
        ("review_at", "TIMESTAMP_NTZ"),
        ("renew_on", "DATE"),
        ("event_month", "DATE"),
        ("month_end", "DATE"),
        ("position_label", "VARCHAR"),
        ("position_name", "VARCHAR"),
        ("occurred_at_utc", "TIMESTAMP_NTZ"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    assert_eq!(shown, expected);
    // Sources keep the types their YAML gives, in the same names.
    let accounts = schemas
        .iter()
        .find(|(k, _)| k.ends_with(".accounts"))
        .map(|(_, s)| s.to_pairs_in(Dialect::Snowflake))
        .expect("the source has a relation");
    assert_eq!(
        accounts.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        [
            "NUMBER(38,0)",
            "VARCHAR",
            "VARCHAR",
            "TIMESTAMP_NTZ",
            "VARIANT",
            "BOOLEAN"
        ]
    );
}

/// Seeds of ordinary sizes (megabytes) are typed from every row, as dbt
/// reads them: a value late in the file decides the type.
#[test]
fn a_seed_of_many_megabytes_is_typed_from_every_row() {
    let root = std::env::temp_dir().join(format!("loupe-big-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("seeds")).unwrap();
    std::fs::create_dir_all(root.join("models")).unwrap();
    std::fs::write(root.join("dbt_project.yml"), "name: big\nprofile: big\n").unwrap();
    std::fs::write(
        root.join("models/by_country.sql"),
        "select country, count(*) as visits, max(amount) as top_amount\nfrom {{ ref('visits') }}\ngroup by country\n",
    )
    .unwrap();
    let mut csv = String::from("id,country,visited_on,amount,note\n");
    let rows = 200_000;
    for i in 0..rows {
        // The last row turns `amount` from integers into numbers.
        let amount = if i == rows - 1 {
            "12.5".to_string()
        } else {
            (i % 977).to_string()
        };
        csv.push_str(&format!(
            "{i},country_{},2024-{:02}-{:02},{amount},a note long enough to make the file grow\n",
            i % 50,
            i % 12 + 1,
            i % 28 + 1
        ));
    }
    assert!(csv.len() > 12 * 1024 * 1024, "{} bytes", csv.len());
    std::fs::write(root.join("seeds/visits.csv"), &csv).unwrap();

    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), Vec::new());
    let schemas = host.relation_schemas();
    assert_eq!(
        schemas["main.visits"].to_pairs(),
        [
            ("id", "INTEGER"),
            ("country", "VARCHAR"),
            ("visited_on", "DATE"),
            ("amount", "DOUBLE"),
            ("note", "VARCHAR")
        ]
        .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    assert_eq!(
        schemas["main.by_country"].to_pairs()[2],
        ("top_amount".to_string(), "DOUBLE".to_string())
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// `generate_database_name` decides a node's database as dbt's does; the
/// target's database of a DuckDB profile is its file's name. (The values
/// are those `dbt compile` renders for the same project.)
#[test]
fn the_database_naming_macro_decides_this_and_ref_databases() {
    let root = std::env::temp_dir().join(format!("loupe-database-naming-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in [
        (
            "dbt_project.yml",
            "name: gdn\nprofile: gdn\nconfig-version: 2\nmodels:\n  gdn:\n    marts:\n      +database: analytics\n",
        ),
        (
            "profiles.yml",
            "gdn:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: target/warehouse.duckdb, schema: main}\n",
        ),
        (
            "macros/naming.sql",
            "{% macro generate_database_name(custom_database_name=none, node=none) -%}\n\
             {%- if custom_database_name is none -%}{{ target.database }}\n\
             {%- else -%}{{ custom_database_name | trim }}_{{ target.name }}{%- endif -%}\n\
             {%- endmacro %}\n",
        ),
        ("models/staging/stg_a.sql", "select 1 as id\n"),
        (
            "models/marts/report.sql",
            "select id, '{{ this.database }}' as built_in, '{{ ref(\"stg_a\").database }}' as reads_from\nfrom {{ ref('stg_a') }}\n",
        ),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), Vec::new());
    let file = host.file(&root.join("models/marts/report.sql")).unwrap();
    let rendered = loupe_analysis::model::rendered_model(host.db(), host.project(), file);
    assert!(
        rendered
            .sql
            .starts_with("select id, 'analytics_dev' as built_in, 'warehouse' as reads_from"),
        "{}",
        rendered.sql
    );
    let _ = std::fs::remove_dir_all(&root);
}
