//! Sources whose YAML documents some of their columns, as most projects
//! write it: a few keys and the columns with tests, not the whole table.
//! A column the YAML does not list may well exist, so reading one is a
//! warning that says where the list is, never an error; the models built
//! on it still read the columns it passes on.

use std::path::PathBuf;

use loupe_analysis::host::AnalysisHost;

mod common;

const SOURCES_YML: &str = r#"version: 2

sources:
  - name: stripe
    schema: stripe_raw
    loader: fivetran
    tables:
      - name: charges
        description: One row per charge attempt.
        columns:
          - name: id
            data_type: varchar
            tests: [unique, not_null]
          - name: amount
            data_type: bigint
            description: Amount in cents.
          - name: status
            data_type: varchar
            tests:
              - accepted_values:
                  values: ['succeeded', 'pending', 'failed']
      - name: customers
        columns:
          - name: id
            tests: [unique]
"#;

const STG_CHARGES: &str = "\
with source as (
    select * from {{ source('stripe', 'charges') }}
),

renamed as (
    select
        id as charge_id,
        amount / 100.0 as amount,
        status,
        created as created_at,
        customer as customer_id,
        stauts as charge_status
    from source
)

select * from renamed
";

const CUSTOMER_REVENUE: &str = "\
select
    customer_id,
    date_trunc('month', created_at) as revenue_month,
    sum(amount) as revenue
from {{ ref('stg_stripe__charges') }}
where charge_status = 'succeeded'
group by 1, 2
";

const CHARGES_BY_COUNTRY: &str = "\
select
    c.id as charge_id,
    c.balance_transaction_id,
    countries.country_name,
    region
from {{ source('stripe', 'charges') }} as c
join {{ source('stripe', 'customers') }} as cu on cu.id = c.customer
join {{ ref('countries') }} as countries on countries.country_code = cu.country
";

fn project(test: &str) -> PathBuf {
    common::write_project(
        &format!("documented-{test}"),
        &[
            ("dbt_project.yml", "name: payments\nprofile: payments\n"),
            ("models/staging/stripe/_stripe__sources.yml", SOURCES_YML),
            ("models/staging/stripe/stg_stripe__charges.sql", STG_CHARGES),
            ("models/marts/customer_revenue.sql", CUSTOMER_REVENUE),
            ("models/marts/charges_by_country.sql", CHARGES_BY_COUNTRY),
            (
                "seeds/countries.csv",
                "country_code,country_name\nFR,France\nDE,Germany\n",
            ),
        ],
    )
}

#[test]
fn a_column_a_sources_yaml_does_not_list_is_a_warning_that_names_the_yaml() {
    let root = project("warn");
    let host = AnalysisHost::load(&root).unwrap();
    let diagnostics: Vec<String> = host
        .check()
        .into_iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} {} {}",
                d.file,
                d.start.line,
                d.start.col,
                d.code,
                d.severity.as_str(),
                d.message
            )
        })
        .collect();
    let yml = "models/staging/stripe/_stripe__sources.yml";
    let charges = format!("the 3 columns declared for source `stripe.charges` in {yml}");
    let customers = format!("the 1 column declared for source `stripe.customers` in {yml}");
    let tail = "if the table has it, declare it there or read the table's columns from a fabric (`loupe catalog`)";
    let tails = "if the table has them, declare them there or read the table's columns from a fabric (`loupe catalog`)";
    assert_eq!(
        diagnostics,
        [
            // Qualified, and in a join condition: only the relation named
            // could have them. Said once per source, at the first read.
            format!("models/marts/charges_by_country.sql:3:5 L003 warning 2 columns read here are not among {charges}: `c.balance_transaction_id`, `c.customer`; {tails}"),
            // Unqualified over two documented sources and a seed: either source could have it.
            format!("models/marts/charges_by_country.sql:5:5 L003 warning column `region` is not among {charges} nor among {customers}; {tail}"),
            // Against a source whose YAML lists one column.
            format!("models/marts/charges_by_country.sql:8:70 L003 warning column `cu.country` is not among {customers}; {tail}"),
            // Through the `source` gem of the staging pattern.
            format!("models/staging/stripe/stg_stripe__charges.sql:10:9 L003 warning 2 columns read here are not among {charges}: `created`, `customer`; {tails}"),
            // Close to a declared column: likelier a typo, said where it is.
            format!("models/staging/stripe/stg_stripe__charges.sql:12:9 L003 warning column `stauts` is not among {charges}; did you mean `status`? If the table has it, declare it there or read the table's columns from a fabric (`loupe catalog`)"),
        ]
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn models_on_a_documented_source_keep_its_declared_types_and_read_the_rest() {
    let root = project("types");
    let host = AnalysisHost::load(&root).unwrap();
    let schemas = host.relation_schemas();
    let shown = |relation: &str| -> Vec<String> {
        schemas
            .get(relation)
            .unwrap_or_else(|| panic!("no {relation} in {:?}", schemas.keys().collect::<Vec<_>>()))
            .to_pairs()
            .into_iter()
            .map(|(name, ty)| format!("{name} {ty}"))
            .collect()
    };
    assert_eq!(
        shown("main.stg_stripe__charges"),
        [
            "charge_id VARCHAR",
            "amount DOUBLE",
            "status VARCHAR",
            "created_at UNKNOWN",
            "customer_id UNKNOWN",
            "charge_status UNKNOWN",
        ]
    );
    // The staging model names its columns: the mart reads them with no
    // diagnostic, and a typo there is still an error.
    assert!(!schemas["main.stg_stripe__charges"].open);
    let mart = root.join("models/marts/customer_revenue.sql");
    let mut host = host;
    host.set_file_text(&mart, CUSTOMER_REVENUE.replace("sum(amount)", "sum(amout)"));
    let errors: Vec<String> = host
        .check()
        .into_iter()
        .filter(|d| d.file.ends_with("customer_revenue.sql"))
        .map(|d| format!("{} {} {}", d.code, d.severity.as_str(), d.message))
        .collect();
    assert_eq!(
        errors,
        ["L003 error unknown column `amout`; did you mean `amount`?"]
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// Freshness reads `loaded_at_field`, so the table has that column even
/// where the YAML's column list leaves it out (set on the source, on the
/// table, or under `config:`).
#[test]
fn a_sources_loaded_at_field_is_a_column_it_declares() {
    let root = common::write_project(
        "documented-loaded",
        &[
            ("dbt_project.yml", "name: games\nprofile: games\n"),
            (
                "models/staging/_sources.yml",
                "version: 2
sources:
  - name: events
    schema: landing
    loaded_at_field: _ingested_at
    freshness:
      warn_after: {count: 12, period: hour}
    tables:
      - name: matches
        columns:
          - name: match_id
            data_type: bigint
      - name: lineups
        config:
          loaded_at_field: _synced_at
        columns:
          - name: player_id
      - name: shots
        loaded_at_field: convert_timezone('UTC', _loaded_at)
        columns:
          - name: shot_id
",
            ),
            (
                "models/staging/stg_events.sql",
                "select m.match_id, m._ingested_at, l._synced_at, s._loaded_at
from {{ source('events', 'matches') }} as m
cross join {{ source('events', 'lineups') }} as l
cross join {{ source('events', 'shots') }} as s
",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let found: Vec<String> = host
        .check()
        .into_iter()
        .map(|d| format!("{}:{} {} {}", d.start.line, d.start.col, d.code, d.message))
        .collect();
    // An expression names no column: `_loaded_at` is still undeclared.
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("1:50 L003 column `s._loaded_at` is not among the 1 column declared for source `events.shots`"), "{found:?}");
    let _ = std::fs::remove_dir_all(&root);
}

/// A whole row of a documented source (`to_jsonb(c)` in Postgres) reads
/// no column of it.
#[test]
fn a_whole_row_of_a_documented_source_is_no_undeclared_column() {
    let root = common::write_project(
        "documented-row",
        &[
            ("dbt_project.yml", "name: crm\nprofile: crm\n"),
            ("profiles.yml", "crm:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: localhost\n      user: u\n      dbname: d\n      schema: analytics\n"),
            ("models/_sources.yml", "version: 2\nsources:\n  - name: app\n    tables:\n      - name: customers\n        columns:\n          - name: id\n"),
            ("models/customer_docs.sql", "select c.id, to_jsonb(c) as doc\nfrom {{ source('app', 'customers') }} as c\n"),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), Vec::new());
    let _ = std::fs::remove_dir_all(&root);
}

/// YAML that lists a few columns of a wide table (for masking policies, or
/// the keys with tests) and a staging model that renames fifty: one warning
/// for the source, not one per column.
#[test]
fn many_undeclared_columns_of_one_source_are_one_warning() {
    let renamed: Vec<String> = (1..=8)
        .map(|i| format!("    attr_{i} as attribute_{i}"))
        .collect();
    let root = common::write_project(
        "documented-wide",
        &[
            ("dbt_project.yml", "name: loans\nprofile: loans\n"),
            ("models/staging/_loans.yml", "version: 2
sources:
  - name: loans
    tables:
      - name: personal_loans
        columns:
          - name: loan_id
          - name: ssn
            meta: {masking_policy: masking_policy_pii}
"),
            ("models/staging/stg_personal_loans.sql", &format!(
            "select\n    loan_id,\n    source_event_type,\n    source_event_id,\n{},\n    sn as tax_id\nfrom {{{{ source('loans', 'personal_loans') }}}}\n",
            renamed.join(",\n")
        )),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let found: Vec<String> = host
        .check()
        .into_iter()
        .map(|d| format!("{}:{} {} {}", d.start.line, d.start.col, d.code, d.message))
        .collect();
    let declared =
        "the 2 columns declared for source `loans.personal_loans` in models/staging/_loans.yml";
    assert_eq!(
        found,
        [
            // `source_event_id` is close to `source_event_type`, an alias
            // of the select list (DuckDB lets the query read it), but what
            // was read is a column of the table: no did-you-mean there.
            format!("3:5 L003 10 columns read here are not among {declared}: `source_event_type`, `source_event_id`, `attr_1`, `attr_2`, `attr_3` and 5 more; if the table has them, declare them there or read the table's columns from a fabric (`loupe catalog`)"),
            format!("13:5 L003 column `sn` is not among {declared}; did you mean `ssn`? If the table has it, declare it there or read the table's columns from a fabric (`loupe catalog`)"),
        ]
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_source_on_a_seeds_relation_reads_the_seed_whatever_columns_its_yaml_lists() {
    // As moveeleven-data/ledgerline: the YAML lists one column, to test it.
    let root = common::write_project(
        "source-over-seed",
        &[
            (
                "dbt_project.yml",
                "name: ledger\nprofile: ledger\nseeds:\n  +schema: seed_data\n",
            ),
            ("profiles.yml", &common::duckdb_profile("ledger")),
            ("seeds/sec_info.csv", "code,name,load_ts\nA,Apple,2024-01-01 10:00:00\n"),
            (
                "models/_sources.yml",
                "version: 2\nsources:\n  - name: seeds\n    schema: \"{{ target.schema }}_seed_data\"\n    tables:\n      - name: sec_info\n        columns:\n          - name: code\n            tests: [not_null]\n",
            ),
            (
                "models/stg_sec.sql",
                "select code, name, load_ts from {{ source('seeds', 'sec_info') }}\n",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(common::diagnostic_lines(&host), Vec::<String>::new());
    let schemas = host.relation_schemas();
    let columns: Vec<String> = schemas["main.stg_sec"]
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.ty))
        .collect();
    assert_eq!(
        columns,
        ["code VARCHAR", "name VARCHAR", "load_ts TIMESTAMP"]
    );
    // `+schema` straight under `seeds:` is every seed's.
    assert!(
        schemas.contains_key("main_seed_data.sec_info"),
        "{:?}",
        schemas.keys()
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn a_data_type_a_comma_cut_short_is_a_warning() {
    let root = common::write_project(
        "cut-data-type",
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\n"),
            (
                "models/_sources.yml",
                "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: payments\n        columns:\n          - {name: amount, data_type: DECIMAL(10,2)}\n          - {name: fee, data_type: \"DECIMAL(10,2)\"}\n",
            ),
            (
                "models/stg_payments.sql",
                "select amount, fee from {{ source('raw', 'payments') }}\n",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let lines = common::diagnostic_lines(&host);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0]
            .starts_with("models/_sources.yml:7 L013 `data_type: DECIMAL(10` was cut at a comma"),
        "{lines:#?}"
    );
    let _ = std::fs::remove_dir_all(root);
}
