//! The Snowflake fabric from the command line, played by a local stand-in
//! that follows the SQL API v2 and runs the SQL on DuckDB: jaffle_shop's
//! models give the rows the embedded DuckDB gives, `loupe catalog` fills
//! the sources' columns from INFORMATION_SCHEMA, and no secret appears in
//! anything Loupe prints. Needs the `fabric` feature.
#![cfg(feature = "fabric")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use loupe_analysis::model::Upstream;
use loupe_fabric_fakes::{contains_jwt, FakeSnowflake, SqlEngine, TestKeys};
use loupe_lsp::memory_client::{copy_dir, Client};
use serde_json::json;

mod support;
use support::corpus;

const ACCOUNT: &str = "acme-test1";
const USER: &str = "loupe_ci";

fn scratch(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("loupe-snowflake-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rows(result: &loupe_fabric::RunResult) -> BTreeSet<Vec<Option<String>>> {
    result.rows.iter().cloned().collect()
}

/// A `[fabrics.snowflake]` of loupe.toml for the stand-in (no secret in it).
fn loupe_toml(fake: &FakeSnowflake, key: &Path) -> String {
    format!(
        "[fabrics.snowflake]\nkind = \"snowflake\"\nurl = \"{}\"\naccount = \"{ACCOUNT}\"\nuser = \"{USER}\"\nwarehouse = \"TRANSFORMING\"\nprivate_key_path = \"{}\"\n",
        fake.url,
        key.display()
    )
}

#[test]
fn jaffle_shop_models_give_the_rows_duckdb_gives() {
    let Some(corpus) = corpus("jaffle_shop_duckdb") else {
        return;
    };
    let Some(keys) = TestKeys::generate(&scratch("jaffle-keys")) else {
        return;
    };
    let root = scratch("jaffle");
    copy_dir(&corpus, &root);
    // The warehouse holds the seeds as `dbt seed` left them, with dbt's types.
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(corpus.join("_ground_truth/expected_schema.json")).unwrap(),
    )
    .unwrap();
    let engine = SqlEngine::new();
    for seed in ["raw_customers", "raw_orders", "raw_payments"] {
        let columns: Vec<String> = expected[format!("main.{seed}")]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "cast(\"{}\" as {}) as \"{}\"",
                    c[0].as_str().unwrap(),
                    c[1].as_str().unwrap(),
                    c[0].as_str().unwrap()
                )
            })
            .collect();
        engine.setup(&format!(
            "create table main.{seed} as select {} from read_csv('{}', header = true, all_varchar = true)",
            columns.join(", "),
            corpus.join(format!("seeds/{seed}.csv")).display()
        ));
    }
    let fake = FakeSnowflake::start(engine);
    fake.register_public_key(ACCOUNT, USER, &keys.public_pem);
    fake.set_partition_rows(40);
    std::fs::write(
        root.join("loupe.toml"),
        loupe_toml(&fake, &keys.private_key),
    )
    .unwrap();

    let (host, _) =
        loupe_lsp::run::load_model(&root.join("models/customers.sql"), Default::default()).unwrap();
    for model in [
        "customers",
        "orders",
        "staging/stg_payments",
        "staging/stg_orders",
    ] {
        let file = host
            .file(&root.join(format!("models/{model}.sql")))
            .unwrap();
        let on_duckdb =
            loupe_lsp::run::run_gem(&host, file, None, None, Upstream::Inline, 10_000).unwrap();
        let on_snowflake = loupe_lsp::run::run_gem(
            &host,
            file,
            None,
            Some("snowflake"),
            Upstream::Inline,
            10_000,
        )
        .unwrap_or_else(|e| panic!("{model}: {e}"));
        assert!(
            !on_snowflake.rows.is_empty() && !on_snowflake.truncated,
            "{model}"
        );
        assert_eq!(rows(&on_snowflake), rows(&on_duckdb), "{model}");
        let names = |r: &loupe_fabric::RunResult| -> Vec<String> {
            r.columns.iter().map(|(n, _)| n.to_lowercase()).collect()
        };
        assert_eq!(names(&on_snowflake), names(&on_duckdb), "{model}");
    }
    // Payments span several partitions of 40 rows; every one was read.
    assert!(
        fake.partitions_served() >= 2,
        "{}",
        fake.partitions_served()
    );
    loupe_lsp::run::close_remote_fabrics();
}

/// A project on Snowflake whose sources list no columns, connected through
/// its dbt profile (key-pair auth with an encrypted key).
fn catalog_project(fake: &FakeSnowflake, keys: &TestKeys, test: &str) -> PathBuf {
    let root = scratch(test);
    std::fs::create_dir_all(root.join("models")).unwrap();
    std::fs::write(
        root.join("dbt_project.yml"),
        "name: 'shop'\nconfig-version: 2\nversion: '0.1'\nprofile: 'shop'\nmodel-paths: [\"models\"]\n",
    )
    .unwrap();
    let (host, port) = fake
        .url
        .trim_start_matches("http://")
        .split_once(':')
        .unwrap();
    std::fs::write(
        root.join("profiles.yml"),
        format!(
            "shop:\n  target: dev\n  outputs:\n    dev:\n      type: snowflake\n      account: {ACCOUNT}\n      user: {USER}\n      role: TRANSFORMER\n      warehouse: TRANSFORMING\n      database: ANALYTICS\n      schema: SHOP\n      private_key_path: {}\n      private_key_passphrase: \"{{{{ env_var('SHOP_SF_PASSPHRASE') }}}}\"\n      host: {host}\n      port: {port}\n      protocol: http\n",
            keys.encrypted_key.display()
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("models/sources.yml"),
        // `orders` documents two of its columns, as YAML often does.
        "version: 2\n\nsources:\n  - name: shop\n    schema: shop\n    tables:\n      - name: orders\n        columns:\n          - name: order_id\n            tests: [unique]\n          - name: amount\n      - name: customers\n",
    )
    .unwrap();
    std::fs::write(
        root.join("models/paid_orders.sql"),
        "select order_id, amout\nfrom {{ source('shop', 'orders') }}\nwhere paid\n",
    )
    .unwrap();
    root
}

#[test]
fn loupe_catalog_on_snowflake_fills_sources_and_check_finds_a_misspelt_column() {
    let Some(keys) = TestKeys::generate(&scratch("catalog-keys")) else {
        return;
    };
    let fake = FakeSnowflake::start(SqlEngine::with_shop());
    fake.register_public_key(ACCOUNT, USER, &keys.public_pem);
    let root = catalog_project(&fake, &keys, "catalog");
    let loupe = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_loupe"))
            .args(args)
            .arg(&root)
            .env("SHOP_SF_PASSPHRASE", &keys.passphrase)
            .env_remove("DBT_PROFILES_DIR")
            .output()
            .unwrap()
    };
    // Before: the YAML lists some columns, so the others are warnings.
    let before = loupe(&["check"]);
    let report = String::from_utf8_lossy(&before.stdout);
    assert!(before.status.success(), "{report}");
    for column in ["amout", "paid"] {
        assert!(
            report.contains(&format!("warning[L003] column `{column}` is not among the 2 columns declared for source `shop.orders` in models/sources.yml")),
            "{report}"
        );
    }

    let catalog = loupe(&["catalog", "--fabric", "snowflake"]);
    let printed = String::from_utf8_lossy(&catalog.stdout);
    assert!(
        printed.contains("shop.orders: described by snowflake"),
        "{printed}"
    );
    assert!(
        printed.contains("1 of 2 source tables described"),
        "{printed}"
    );
    assert!(
        printed.contains("shop.customers") && printed.contains("does not exist"),
        "{printed}"
    );
    assert_eq!(catalog.status.code(), Some(1), "{printed}");
    let saved = std::fs::read_to_string(root.join("target/loupe-catalog.json")).unwrap();
    assert!(
        saved.contains("NUMBER(38,0)") && saved.contains("AMOUNT"),
        "{saved}"
    );

    let after = loupe(&["check"]);
    let report = String::from_utf8_lossy(&after.stdout);
    assert_eq!(after.status.code(), Some(1), "{report}");
    // Snowflake's upper-case names resolve `order_id`; only the misspelling is an error.
    assert!(
        report.contains("unknown column `amout`; did you mean `AMOUNT`?"),
        "{report}"
    );
    // The fabric described the whole table: `paid` is one of its columns.
    assert_eq!(report.matches("error[").count(), 1, "{report}");
    assert_eq!(report.matches("warning[").count(), 0, "{report}");
}

#[test]
fn no_private_key_passphrase_or_token_appears_in_anything_loupe_prints() {
    let Some(keys) = TestKeys::generate(&scratch("secrets-keys")) else {
        return;
    };
    let fake = FakeSnowflake::start(SqlEngine::with_shop());
    fake.register_public_key(ACCOUNT, USER, &keys.public_pem);
    let root = catalog_project(&fake, &keys, "secrets");
    std::fs::write(
        root.join("models/paid_orders.sql"),
        "select order_id, amount\nfrom {{ source('shop', 'orders') }}\nwhere paid\n",
    )
    .unwrap();
    let key_text = std::fs::read_to_string(&keys.private_key).unwrap()
        + &std::fs::read_to_string(&keys.encrypted_key).unwrap();
    let mut outputs = Vec::new();
    let mut loupe = |args: &[&str], envs: &[(&str, &str)]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_loupe"))
            .args(args)
            .envs(envs.iter().copied())
            .env_remove("DBT_PROFILES_DIR")
            .output()
            .unwrap();
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        outputs.push(text.clone());
        (output.status, text)
    };
    let model = format!("{}", root.join("models/paid_orders.sql").display());
    let passphrase = [("SHOP_SF_PASSPHRASE", keys.passphrase.as_str())];
    // Key-pair auth through the profile: rows, then the catalog.
    let (status, text) = loupe(
        &["run", "--fabric", "snowflake", "--format", "csv", &model],
        &passphrase,
    );
    assert!(status.success(), "{text}");
    assert!(text.contains("ORDER_ID,AMOUNT"), "{text}");
    let (_, text) = loupe(
        &["catalog", "--fabric", "snowflake", root.to_str().unwrap()],
        &passphrase,
    );
    assert!(text.contains("described by snowflake"), "{text}");
    // A wrong passphrase: refused, without repeating it.
    let (status, text) = loupe(
        &["run", "--fabric", "snowflake", &model],
        &[("SHOP_SF_PASSPHRASE", "a wrong passphrase value")],
    );
    assert!(
        !status.success() && text.contains("wrong passphrase?"),
        "{text}"
    );
    assert!(!text.contains("a wrong passphrase value"), "{text}");
    // An expired JWT: refused with Snowflake's reason.
    fake.set_clock_ahead(std::time::Duration::from_secs(7200));
    let (status, text) = loupe(&["run", "--fabric", "snowflake", &model], &passphrase);
    assert!(!status.success() && text.contains("expired"), "{text}");
    fake.set_clock_ahead(std::time::Duration::ZERO);
    // OAuth with a revoked token, which the server echoes back.
    std::fs::write(
        root.join("loupe.toml"),
        format!(
            "[fabrics.oauth]\nkind = \"snowflake\"\nurl = \"{}\"\naccount = \"{ACCOUNT}\"\nuser = \"{USER}\"\nauthenticator = \"oauth\"\n",
            fake.url
        ),
    )
    .unwrap();
    let token = [("SNOWFLAKE_TOKEN", fake.oauth_token())];
    let (status, text) = loupe(
        &["run", "--fabric", "oauth", "--format", "csv", &model],
        &token,
    );
    assert!(status.success(), "{text}");
    fake.revoke_oauth_token();
    let (status, text) = loupe(&["run", "--fabric", "oauth", &model], &token);
    assert!(
        !status.success() && text.contains("refused the credentials"),
        "{text}"
    );
    // A token written into loupe.toml is refused without being repeated.
    std::fs::write(
        root.join("loupe.toml"),
        format!(
            "[fabrics.oauth]\nkind = \"snowflake\"\naccount = \"{ACCOUNT}\"\ntoken = \"{}\"\n",
            fake.oauth_token()
        ),
    )
    .unwrap();
    let (status, text) = loupe(&["run", "--fabric", "oauth", &model], &[]);
    assert!(
        !status.success() && text.contains("secrets never go in loupe.toml"),
        "{text}"
    );

    for text in &outputs {
        for line in key_text
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() > 8)
        {
            assert!(
                !text.contains(line),
                "a line of a private key leaked: {text}"
            );
        }
        assert!(!text.contains(&keys.passphrase), "{text}");
        assert!(!text.contains(fake.oauth_token()), "{text}");
        assert!(!contains_jwt(text), "a JWT leaked: {text}");
    }
}

/// The editor's way: `loupe/refreshCatalog` on the fabric the dbt profile
/// implies, then diagnostics with Snowflake's columns, and `loupe/describeGem`
/// with Snowflake's types.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_catalog_and_describe_gem_from_the_editor() {
    let Some(keys) = TestKeys::generate(&scratch("editor-keys")) else {
        return;
    };
    let fake = FakeSnowflake::start(SqlEngine::with_shop());
    fake.register_public_key(ACCOUNT, USER, &keys.public_pem);
    let root = catalog_project(&fake, &keys, "editor");
    std::env::set_var("SHOP_SF_PASSPHRASE", &keys.passphrase);
    std::env::remove_var("DBT_PROFILES_DIR");
    let amounts = root.join("models/order_amounts.sql");
    let amounts_text =
        "select order_id, amount * 2 as doubled\nfrom {{ source('shop', 'orders') }}\n";
    std::fs::write(&amounts, amounts_text).unwrap();
    let model = root.join("models/paid_orders.sql");
    let text = std::fs::read_to_string(&model).unwrap();
    let mut client = Client::start(&root).await;
    let uri = client.open(&model, &text).await;
    // The YAML lists two columns of `orders`: the others are warnings.
    client
        .diagnostics(&uri, |d| {
            d.len() == 2
                && d.iter().all(|x| {
                    x["severity"] == 2
                        && x["message"]
                            .as_str()
                            .unwrap()
                            .contains("declared for source `shop.orders`")
                })
        })
        .await;

    let fabrics = client.request("loupe/fabrics", json!({})).await;
    assert!(
        fabrics["fabrics"]
            .as_array()
            .unwrap()
            .contains(&json!("snowflake")),
        "{fabrics}"
    );
    let refreshed = client
        .request("loupe/refreshCatalog", json!({"fabric": "snowflake"}))
        .await;
    assert_eq!(
        refreshed["described"],
        json!(["shop.orders"]),
        "{refreshed}"
    );
    // Described whole by the fabric: the misspelling is an error, and
    // `paid` a column of the table.
    let diagnostics = client
        .diagnostics(&uri, |d| {
            d.len() == 1
                && d[0]["severity"] == 1
                && d[0]["message"].as_str().unwrap().contains("amout")
        })
        .await;
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `AMOUNT`"),
        "{diagnostics:?}"
    );

    let amounts_uri = client.open(&amounts, amounts_text).await;
    let described = client
        .request(
            "loupe/describeGem",
            json!({"uri": amounts_uri, "fabric": "snowflake"}),
        )
        .await;
    assert_eq!(
        described["columns"],
        json!([["ORDER_ID", "NUMBER(38,0)"], ["DOUBLED", "FLOAT"]]),
        "{described}"
    );
    assert!(fake.executions() >= 2);
    let shown = described.to_string() + &refreshed.to_string() + &fabrics.to_string();
    assert!(!shown.contains(&keys.passphrase), "{shown}");
}
