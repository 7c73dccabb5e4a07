//! Editing the pipeline from its graph: the SQL each operation writes, in
//! the file's own style, and the edits it refuses.

use expect_test::{expect, Expect};
use loupe_analysis::diagnostics::Severity;
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::ide::{apply_edits, edit_pipeline, PipelineOp};

fn project(files: &[(&str, &str)], test: &str) -> (AnalysisHost, std::path::PathBuf) {
    let root = std::env::temp_dir().join(format!("loupe-pipeline-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("seeds")).unwrap();
    std::fs::write(root.join("dbt_project.yml"), "name: shop\nprofile: shop\n").unwrap();
    std::fs::write(
        root.join("seeds/raw_orders.csv"),
        "id,customer_id,status,amount\n1,1,paid,2.5\n2,2,open,3.0\n",
    )
    .unwrap();
    std::fs::write(
        root.join("seeds/raw_customers.csv"),
        "id,name\n1,Ann\n2,Bob\n",
    )
    .unwrap();
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    (AnalysisHost::load(&root).unwrap(), root)
}

/// The model's text after `op` at `gem`, or the refusal.
fn edited(model: &str, gem: &str, op: &str, check: Expect) {
    let (mut host, root) = project(&[("models/m.sql", model)], &format!("{gem}-{}", op.len()));
    let path = root.join("models/m.sql");
    let file = host.file(&path).unwrap();
    let op: PipelineOp = serde_json::from_str(op).unwrap();
    let answer = match edit_pipeline(host.db(), host.project(), file, Some(gem), &op) {
        Ok(edit) => {
            let text = apply_edits(model, &edit.edits);
            // The code the edit writes has no error; warnings are shown.
            host.set_file_text(&path, text.clone());
            let (errors, warnings): (Vec<_>, Vec<_>) = host
                .file_diagnostics(host.file(&path).unwrap())
                .into_iter()
                .partition(|d| d.severity == Severity::Error);
            assert!(errors.is_empty(), "{text}\n{errors:?}");
            let columns: Vec<String> = edit.output.columns.iter().map(|c| c.name.clone()).collect();
            let warnings: String = warnings
                .iter()
                .map(|w| format!("-- warning: {}\n", w.message))
                .collect();
            format!(
                "{}\n-- {} columns: {}\n{warnings}{text}",
                edit.title,
                edit.gem.as_deref().unwrap_or("final SELECT"),
                columns.join(", ")
            )
        }
        Err(refusal) => format!(
            "refused: {}\ncolumns: {:?}",
            refusal.message, refusal.columns
        ),
    };
    check.assert_eq(&answer);
}

const LOWER: &str = "{{ config(materialized='table') }}

with orders as (

    select * from {{ ref('raw_orders') }}

),

-- only paid orders count
paid as (

    select
        id,
        customer_id,
        amount
    from orders
    where status = 'paid'

)

select paid.id, paid.amount from paid
";

const UPPER_LEADING: &str = "WITH orders AS (
  SELECT
    id
    , customer_id
    , amount
  FROM {{ ref('raw_orders') }}
)
, totals AS (
  SELECT customer_id, SUM(amount) AS total FROM orders GROUP BY customer_id
)
SELECT * FROM totals
";

#[test]
fn a_filter_after_a_gem_is_read_by_its_readers() {
    edited(
        LOWER,
        "orders",
        r#"{"op": "insert", "gem": {"kind": "Filter", "condition": "amount > 0"}}"#,
        expect![[r#"
            Insert a Filter gem `orders_filtered` after `orders`
            -- orders_filtered columns: id, customer_id, status, amount
            {{ config(materialized='table') }}

            with orders as (

                select * from {{ ref('raw_orders') }}

            ),

            orders_filtered as (
                select *
                from orders
                where amount > 0
            ),

            -- only paid orders count
            paid as (

                select
                    id,
                    customer_id,
                    amount
                from orders_filtered
                where status = 'paid'

            )

            select paid.id, paid.amount from paid
        "#]],
    );
}

#[test]
fn uppercase_and_leading_commas_are_kept() {
    edited(
        UPPER_LEADING,
        "orders",
        r#"{"op": "insert", "gem": {"kind": "Reformat", "columns": [{"column": "id"}, {"column": "customer_id"}, {"expression": "amount * 2", "name": "amount"}]}, "name": "doubled"}"#,
        expect![[r#"
            Insert a Reformat gem `doubled` after `orders`
            -- doubled columns: id, customer_id, amount
            WITH orders AS (
              SELECT
                id
                , customer_id
                , amount
              FROM {{ ref('raw_orders') }}
            )
            , doubled AS (
              SELECT
                id
                , customer_id
                , amount * 2 AS amount
              FROM orders
            )
            , totals AS (
              SELECT customer_id, SUM(amount) AS total FROM doubled GROUP BY customer_id
            )
            SELECT * FROM totals
        "#]],
    );
    edited(
        UPPER_LEADING,
        "m",
        r#"{"op": "insert", "gem": {"kind": "OrderBy", "columns": [{"column": "total", "descending": true}]}}"#,
        expect![[r#"
            Insert an OrderBy gem after the final SELECT (which becomes `final`)
            -- final SELECT columns: customer_id, total
            WITH orders AS (
              SELECT
                id
                , customer_id
                , amount
              FROM {{ ref('raw_orders') }}
            )
            , totals AS (
              SELECT customer_id, SUM(amount) AS total FROM orders GROUP BY customer_id
            )
            , final AS (
              SELECT * FROM totals
            )

            SELECT *
            FROM final
            ORDER BY total DESC
        "#]],
    );
}

#[test]
fn an_aggregate_join_and_union_after_gems() {
    edited(
        LOWER,
        "m",
        r#"{"op": "insert", "gem": {"kind": "Aggregate", "groupBy": ["id"], "aggregates": [{"function": "sum", "column": "amount", "name": "total"}, {"function": "count", "name": "n"}]}}"#,
        expect![[r#"
            Insert an Aggregate gem after the final SELECT (which becomes `final`)
            -- final SELECT columns: id, total, n
            {{ config(materialized='table') }}

            with orders as (

                select * from {{ ref('raw_orders') }}

            ),

            -- only paid orders count
            paid as (

                select
                    id,
                    customer_id,
                    amount
                from orders
                where status = 'paid'

            ),

            final as (
                select paid.id, paid.amount from paid
            )

            select
                id,
                sum(amount) as total,
                count(*) as n
            from final
            group by id
        "#]],
    );
    // The final SELECT reads `paid.id`, which an Aggregate by customer drops.
    edited(
        LOWER,
        "paid",
        r#"{"op": "insert", "gem": {"kind": "Aggregate", "groupBy": ["customer_id"], "aggregates": [{"function": "sum", "column": "amount", "name": "total"}]}, "name": "per_customer"}"#,
        expect![[r#"
            refused: the new gem would introduce 2 errors: m: unknown column `per_customer.id`
            columns: []"#]],
    );
    edited(
        LOWER,
        "orders",
        r#"{"op": "insert", "gem": {"kind": "Join", "other": "raw_customers", "joinType": "left", "keys": [{"left": "customer_id", "right": "id"}]}}"#,
        expect![[r#"
            Insert a Join gem `orders_joined` after `orders`
            -- orders_joined columns: id, customer_id, status, amount, name
            {{ config(materialized='table') }}

            with orders as (

                select * from {{ ref('raw_orders') }}

            ),

            orders_joined as (
                select
                    orders.*,
                    raw_customers.name
                from orders
                left join {{ ref('raw_customers') }} as raw_customers on orders.customer_id = raw_customers.id
            ),

            -- only paid orders count
            paid as (

                select
                    id,
                    customer_id,
                    amount
                from orders_joined
                where status = 'paid'

            )

            select paid.id, paid.amount from paid
        "#]],
    );
    edited(
        LOWER,
        "paid",
        r#"{"op": "insert", "gem": {"kind": "SetOperation", "other": "orders", "operator": "unionAll"}}"#,
        expect![[r#"
            Insert a SetOperation gem `paid_combined` after `paid`
            -- paid_combined columns: id, customer_id, amount
            {{ config(materialized='table') }}

            with orders as (

                select * from {{ ref('raw_orders') }}

            ),

            -- only paid orders count
            paid as (

                select
                    id,
                    customer_id,
                    amount
                from orders
                where status = 'paid'

            ),

            paid_combined as (
                select
                    id,
                    customer_id,
                    amount
                from paid
                union all
                select
                    id,
                    customer_id,
                    amount
                from orders
            )

            select paid_combined.id, paid_combined.amount from paid_combined
        "#]],
    );
}

#[test]
fn after_a_model_without_ctes_the_select_becomes_one() {
    edited(
        "select id, amount\nfrom {{ ref('raw_orders') }}\n",
        "m",
        r#"{"op": "insert", "gem": {"kind": "Deduplicate", "columns": ["id"]}}"#,
        expect![[r#"
            Insert a Deduplicate gem after the final SELECT (which becomes `final`)
            -- final SELECT columns: id, amount
            with final as (
                select id, amount
                from {{ ref('raw_orders') }}
            )

            select *
            from final
            qualify row_number() over (partition by id) = 1
        "#]],
    );
    edited(
        "select id, amount\nfrom {{ ref('raw_orders') }}\n",
        "m",
        r#"{"op": "insert", "gem": {"kind": "Limit", "count": 10}}"#,
        expect![[r#"
            Insert a Limit gem after the final SELECT (which becomes `final`)
            -- final SELECT columns: id, amount
            with final as (
                select id, amount
                from {{ ref('raw_orders') }}
            )

            select *
            from final
            limit 10
        "#]],
    );
}

#[test]
fn remove_rename_and_rewire() {
    edited(
        LOWER,
        "paid",
        r#"{"op": "remove"}"#,
        expect![[r#"
        Remove gem `paid`: its readers read `orders`
        -- final SELECT columns: id, amount
        {{ config(materialized='table') }}

        with orders as (

            select * from {{ ref('raw_orders') }}

        )

        select orders.id, orders.amount from orders
    "#]],
    );
    edited(
        LOWER,
        "orders",
        r#"{"op": "rename", "name": "all_orders"}"#,
        expect![[r#"
        Rename gem `orders` to `all_orders`
        -- all_orders columns: id, customer_id, status, amount
        {{ config(materialized='table') }}

        with all_orders as (

            select * from {{ ref('raw_orders') }}

        ),

        -- only paid orders count
        paid as (

            select
                id,
                customer_id,
                amount
            from all_orders
            where status = 'paid'

        )

        select paid.id, paid.amount from paid
    "#]],
    );
    edited(
        LOWER,
        "paid",
        r#"{"op": "setInput", "input": "raw_orders"}"#,
        expect![[r#"
            Gem `paid` reads `raw_orders` in place of `orders`
            -- paid columns: id, customer_id, amount
            -- warning: gem `orders` is never used
            {{ config(materialized='table') }}

            with orders as (

                select * from {{ ref('raw_orders') }}

            ),

            -- only paid orders count
            paid as (

                select
                    id,
                    customer_id,
                    amount
                from {{ ref('raw_orders') }}
                where status = 'paid'

            )

            select paid.id, paid.amount from paid
        "#]],
    );
    // `total` exists only in `totals`: the final SELECT would lose it.
    edited(
        "WITH orders AS (\n  SELECT * FROM {{ ref('raw_orders') }}\n)\n, totals AS (\n  SELECT customer_id, SUM(amount) AS total FROM orders GROUP BY customer_id\n)\nSELECT customer_id, total FROM totals\n",
        "totals",
        r#"{"op": "remove"}"#,
        expect![[r#"
            refused: gem `totals` cannot go: its readers use `total` that its input lacks
            columns: ["total"]"#]],
    );
}

#[test]
fn edit_the_parts_of_a_filter_and_a_reformat() {
    edited(
        LOWER,
        "paid",
        r#"{"op": "editParts", "gem": {"kind": "Filter", "condition": "status <> 'open'"}}"#,
        expect![[r#"
            Change the condition of Filter `paid`
            -- paid columns: id, customer_id, amount
            {{ config(materialized='table') }}

            with orders as (

                select * from {{ ref('raw_orders') }}

            ),

            -- only paid orders count
            paid as (

                select
                    id,
                    customer_id,
                    amount
                from orders
                where status <> 'open'

            )

            select paid.id, paid.amount from paid
        "#]],
    );
    edited(
        LOWER,
        "m",
        r#"{"op": "editParts", "gem": {"kind": "Reformat", "columns": [{"column": "id"}, {"column": "amount", "name": "paid_amount"}]}}"#,
        expect![[r#"
            Change the columns of Reformat `m`
            -- final SELECT columns: id, paid_amount
            {{ config(materialized='table') }}

            with orders as (

                select * from {{ ref('raw_orders') }}

            ),

            -- only paid orders count
            paid as (

                select
                    id,
                    customer_id,
                    amount
                from orders
                where status = 'paid'

            )

            select
                id,
                amount as paid_amount
            from paid
        "#]],
    );
    // An unknown column is an error the edit would introduce.
    edited(
        LOWER,
        "paid",
        r#"{"op": "editParts", "gem": {"kind": "Filter", "condition": "amont > 0"}}"#,
        expect![[r#"
            refused: the change would introduce 1 error: m: unknown column `amont`; did you mean `amount`?
            columns: []"#]],
    );
}
