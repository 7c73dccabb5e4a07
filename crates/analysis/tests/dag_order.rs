//! The order whole-project passes hand models to their threads: upstream
//! first, so that two threads seldom wait on one model.

mod common;

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::model::models_upstream_first;

fn model_names_in_order(host: &AnalysisHost) -> Vec<String> {
    models_upstream_first(host.db(), host.project())
        .into_iter()
        .map(|f| {
            let path = f.path(host.db()).to_string();
            let file = path.rsplit('/').next().unwrap();
            file.trim_end_matches(".sql").to_string()
        })
        .collect()
}

#[test]
fn models_come_after_what_they_read_and_cycles_come_last() {
    // Folders sort marts before staging: the index's order is downstream first.
    let root = common::write_project(
        "dag-order",
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\n"),
            (
                "models/marts/fct_orders.sql",
                "select o.order_id, c.customer_name\nfrom {{ ref('int_orders') }} o\njoin {{ ref('stg_customers') }} c using (customer_id)\n",
            ),
            (
                "models/intermediate/int_orders.sql",
                "select order_id, customer_id from {{ ref('stg_orders') }}\n",
            ),
            (
                "models/staging/stg_orders.sql",
                "select order_id, customer_id from {{ source('raw', 'orders') }}\n",
            ),
            (
                "models/staging/stg_customers.sql",
                "select customer_id, name as customer_name from {{ source('raw', 'customers') }}\n",
            ),
            (
                "models/staging/_sources.yml",
                "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n      - name: customers\n",
            ),
            // A mistake a project can hold: two models reading each other.
            ("models/a_loop.sql", "select * from {{ ref('b_loop') }}\n"),
            ("models/b_loop.sql", "select * from {{ ref('a_loop') }}\n"),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let order = model_names_in_order(&host);
    let at = |name: &str| order.iter().position(|n| n == name).unwrap();
    assert_eq!(order.len(), 6, "{order:?}");
    assert!(at("stg_orders") < at("int_orders"), "{order:?}");
    assert!(at("int_orders") < at("fct_orders"), "{order:?}");
    assert!(at("stg_customers") < at("fct_orders"), "{order:?}");
    assert_eq!(
        order[4..].to_vec(),
        ["a_loop", "b_loop"],
        "models on a cycle go last, in the index's order"
    );
    // The passes that use the order still report the cycle.
    let diagnostics = common::diagnostic_lines(&host).join("\n");
    assert!(diagnostics.contains("cycle"), "{diagnostics}");
    let _ = std::fs::remove_dir_all(root);
}
