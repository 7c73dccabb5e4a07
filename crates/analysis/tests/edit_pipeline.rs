//! Editing the pipeline from its graph: the SQL each operation writes, in
//! the file's own style, and the edits it refuses.

use expect_test::{expect, Expect};
use loupe_analysis::diagnostics::Severity;
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::ide::{apply_edits, edit_pipeline, gem_parts, PipelineOp};

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
    edited_in(&[("models/m.sql", model)], "models/m.sql", gem, op, check);
}

/// The text of the model at `path` among `files` after `op` at `gem`, or
/// the refusal.
fn edited_in(files: &[(&str, &str)], path: &str, gem: &str, op: &str, check: Expect) {
    let tag = format!("{gem}-{}-{}", op.len(), files.len());
    let (mut host, root) = project(files, &tag);
    let model = files.iter().find(|(p, _)| *p == path).unwrap().1;
    let path = root.join(path);
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
    let _ = std::fs::remove_dir_all(&root);
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

/// A gem read by two others: `orders` feeds `paid` and `open_orders`.
const TWO_READERS: &str = "with orders as (
    select * from {{ ref('raw_orders') }}
),

paid as (
    select * from orders
    where status = 'paid'
),

-- open orders, per customer
open_orders as (
    select customer_id, count(*) as n
    from orders
    where status = 'open'
    group by customer_id
)

select paid.id, paid.customer_id, open_orders.n
from paid
left join open_orders on paid.customer_id = open_orders.customer_id
";

#[test]
fn a_gem_on_an_edge_is_read_by_that_reader_only() {
    // orders -> paid: open_orders keeps reading orders.
    edited(
        TWO_READERS,
        "orders",
        r#"{"op": "insert", "gem": {"kind": "Filter", "condition": "amount > 0"}, "reader": {"gem": "paid"}}"#,
        expect![[r#"
            Insert a Filter gem `orders_filtered` between `orders` and `paid`
            -- orders_filtered columns: id, customer_id, status, amount
            with orders as (
                select * from {{ ref('raw_orders') }}
            ),

            orders_filtered as (
                select *
                from orders
                where amount > 0
            ),

            paid as (
                select * from orders_filtered
                where status = 'paid'
            ),

            -- open orders, per customer
            open_orders as (
                select customer_id, count(*) as n
                from orders
                where status = 'open'
                group by customer_id
            )

            select paid.id, paid.customer_id, open_orders.n
            from paid
            left join open_orders on paid.customer_id = open_orders.customer_id
        "#]],
    );
    // paid -> the final SELECT: its `paid.` qualifiers follow.
    edited(
        TWO_READERS,
        "paid",
        r#"{"op": "insert", "gem": {"kind": "Limit", "count": 5}, "reader": {"gem": null}}"#,
        expect![[r#"
            Insert a Limit gem `paid_limited` between `paid` and the final SELECT
            -- paid_limited columns: id, customer_id, status, amount
            with orders as (
                select * from {{ ref('raw_orders') }}
            ),

            paid as (
                select * from orders
                where status = 'paid'
            ),

            paid_limited as (
                select *
                from paid
                limit 5
            ),

            -- open orders, per customer
            open_orders as (
                select customer_id, count(*) as n
                from orders
                where status = 'open'
                group by customer_id
            )

            select paid_limited.id, paid_limited.customer_id, open_orders.n
            from paid_limited
            left join open_orders on paid_limited.customer_id = open_orders.customer_id
        "#]],
    );
    // The relation raw_orders -> orders, the first CTE: the new gem comes first.
    edited(
        TWO_READERS,
        "raw_orders",
        r#"{"op": "insert", "gem": {"kind": "Deduplicate"}, "reader": {"gem": "orders"}}"#,
        expect![[r#"
            Insert a Deduplicate gem `raw_orders_deduplicated` between `raw_orders` and `orders`
            -- raw_orders_deduplicated columns: id, customer_id, status, amount
            with raw_orders_deduplicated as (
                select distinct *
                from {{ ref('raw_orders') }}
            ),

            orders as (
                select * from raw_orders_deduplicated
            ),

            paid as (
                select * from orders
                where status = 'paid'
            ),

            -- open orders, per customer
            open_orders as (
                select customer_id, count(*) as n
                from orders
                where status = 'open'
                group by customer_id
            )

            select paid.id, paid.customer_id, open_orders.n
            from paid
            left join open_orders on paid.customer_id = open_orders.customer_id
        "#]],
    );
    // The relation -> the final SELECT of a model without CTEs, whose
    // columns are qualified by the relation's name: that name stays as alias.
    edited(
        "select raw_orders.id, raw_orders.amount\nfrom {{ ref('raw_orders') }}\n",
        "raw_orders",
        r#"{"op": "insert", "gem": {"kind": "Filter", "condition": "amount > 0"}, "reader": {"gem": null}}"#,
        expect![[r#"
            Insert a Filter gem `raw_orders_filtered` between `raw_orders` and the final SELECT
            -- raw_orders_filtered columns: id, customer_id, status, amount
            with raw_orders_filtered as (
                select *
                from {{ ref('raw_orders') }}
                where amount > 0
            )

            select raw_orders.id, raw_orders.amount
            from raw_orders_filtered as raw_orders
        "#]],
    );
    // A Join on an edge into a gem below others: it reads only the gems above.
    edited(
        TWO_READERS,
        "orders",
        r#"{"op": "insert", "gem": {"kind": "Join", "other": "raw_customers", "joinType": "left", "keys": [{"left": "customer_id", "right": "id"}]}, "reader": {"gem": "open_orders"}, "name": "with_names"}"#,
        expect![[r#"
            Insert a Join gem `with_names` between `orders` and `open_orders`
            -- with_names columns: id, customer_id, status, amount, name
            with orders as (
                select * from {{ ref('raw_orders') }}
            ),

            with_names as (
                select
                    orders.*,
                    raw_customers.name
                from orders
                left join {{ ref('raw_customers') }} as raw_customers on orders.customer_id = raw_customers.id
            ),

            paid as (
                select * from orders
                where status = 'paid'
            ),

            -- open orders, per customer
            open_orders as (
                select customer_id, count(*) as n
                from with_names
                where status = 'open'
                group by customer_id
            )

            select paid.id, paid.customer_id, open_orders.n
            from paid
            left join open_orders on paid.customer_id = open_orders.customer_id
        "#]],
    );
}

#[test]
fn edges_that_do_not_exist_are_refused() {
    edited(
        TWO_READERS,
        "paid",
        r#"{"op": "insert", "gem": {"kind": "Limit", "count": 5}, "reader": {"gem": "open_orders"}}"#,
        expect![[r#"
            refused: gem `open_orders` does not read `paid`
            columns: []"#]],
    );
    edited(
        TWO_READERS,
        "raw_customers",
        r#"{"op": "insert", "gem": {"kind": "Limit", "count": 5}, "reader": {"gem": "orders"}}"#,
        expect![[r#"
            refused: gem `orders` does not read `raw_customers`
            columns: []"#]],
    );
    edited(
        TWO_READERS,
        "orders",
        r#"{"op": "insert", "gem": {"kind": "Limit", "count": 5}, "reader": {"gem": "nowhere"}}"#,
        expect![[r#"
            refused: the model has no gem `nowhere`
            columns: []"#]],
    );
    // The edge's own check: the reader uses `status`, which the new gem drops.
    edited(
        TWO_READERS,
        "orders",
        r#"{"op": "insert", "gem": {"kind": "Reformat", "columns": [{"column": "id"}, {"column": "customer_id"}]}, "reader": {"gem": "paid"}}"#,
        expect![[r#"
            refused: the new gem would introduce 1 error: m: unknown column `status`
            columns: []"#]],
    );
}

/// Comments of every kind around the gems.
const COMMENTED: &str = "-- Orders of the shop that were paid.
-- Owned by the data team.

with

-- every order, as loaded
orders as (
    select * from {{ ref('raw_orders') }}
), -- one row per order

-- Filters

-- paid ones only
paid as (
    select * from orders
    where status = 'paid'
),

/* the big ones */
big as (
    select * from paid
    where amount > 1
) -- more than one

select * from big
";

#[test]
fn a_removed_gem_takes_its_own_comments_and_leaves_the_others() {
    // In the middle: its comment goes; the section's, the gem before's and
    // the next gem's stay.
    edited(
        COMMENTED,
        "paid",
        r#"{"op": "remove"}"#,
        expect![[r#"
        Remove gem `paid`: its readers read `orders`
        -- final SELECT columns: id, customer_id, status, amount
        -- Orders of the shop that were paid.
        -- Owned by the data team.

        with

        -- every order, as loaded
        orders as (
            select * from {{ ref('raw_orders') }}
        ), -- one row per order

        -- Filters

        /* the big ones */
        big as (
            select * from orders
            where amount > 1
        ) -- more than one

        select * from big
    "#]],
    );
    // The first: the header stays, and so does the next gem's comment.
    edited(
        COMMENTED,
        "orders",
        r#"{"op": "remove"}"#,
        expect![[r#"
        Remove gem `orders`: its readers read `{{ ref('raw_orders') }}`
        -- final SELECT columns: id, customer_id, status, amount
        -- Orders of the shop that were paid.
        -- Owned by the data team.

        with

        -- Filters

        -- paid ones only
        paid as (
            select * from {{ ref('raw_orders') }}
            where status = 'paid'
        ),

        /* the big ones */
        big as (
            select * from paid
            where amount > 1
        ) -- more than one

        select * from big
    "#]],
    );
    // The last: its comment above and on its closing line go.
    edited(
        COMMENTED,
        "big",
        r#"{"op": "remove"}"#,
        expect![[r#"
        Remove gem `big`: its readers read `paid`
        -- final SELECT columns: id, customer_id, status, amount
        -- Orders of the shop that were paid.
        -- Owned by the data team.

        with

        -- every order, as loaded
        orders as (
            select * from {{ ref('raw_orders') }}
        ), -- one row per order

        -- Filters

        -- paid ones only
        paid as (
            select * from orders
            where status = 'paid'
        )

        select * from paid
    "#]],
    );
}

#[test]
fn comments_with_leading_commas_and_a_single_gem() {
    let leading = "WITH orders AS (
  SELECT * FROM {{ ref('raw_orders') }}
)
-- paid ones only
, paid AS (
  SELECT * FROM orders WHERE status = 'paid'
)
-- the big ones
, big AS (
  SELECT * FROM paid WHERE amount > 1
)
SELECT * FROM big
";
    edited(
        leading,
        "paid",
        r#"{"op": "remove"}"#,
        expect![[r#"
        Remove gem `paid`: its readers read `orders`
        -- final SELECT columns: id, customer_id, status, amount
        WITH orders AS (
          SELECT * FROM {{ ref('raw_orders') }}
        )
        -- the big ones
        , big AS (
          SELECT * FROM orders WHERE amount > 1
        )
        SELECT * FROM big
    "#]],
    );
    edited(
        leading,
        "big",
        r#"{"op": "remove"}"#,
        expect![[r#"
        Remove gem `big`: its readers read `paid`
        -- final SELECT columns: id, customer_id, status, amount
        WITH orders AS (
          SELECT * FROM {{ ref('raw_orders') }}
        )
        -- paid ones only
        , paid AS (
          SELECT * FROM orders WHERE status = 'paid'
        )
        SELECT * FROM paid
    "#]],
    );
    edited(
        leading,
        "orders",
        r#"{"op": "remove"}"#,
        expect![[r#"
        Remove gem `orders`: its readers read `{{ ref('raw_orders') }}`
        -- final SELECT columns: id, customer_id, status, amount
        WITH
        -- paid ones only
        paid AS (
          SELECT * FROM {{ ref('raw_orders') }} WHERE status = 'paid'
        )
        -- the big ones
        , big AS (
          SELECT * FROM paid WHERE amount > 1
        )
        SELECT * FROM big
    "#]],
    );
    edited(
        "-- The paid orders.\n\nwith\n-- as loaded\norders as (\n    select * from {{ ref('raw_orders') }}\n)\n\n-- the answer\nselect * from orders\nwhere status = 'paid'\n",
        "orders",
        r#"{"op": "remove"}"#,
        expect![[r#"
            Remove gem `orders`: its readers read `{{ ref('raw_orders') }}`
            -- final SELECT columns: id, customer_id, status, amount
            -- The paid orders.

            -- the answer
            select * from {{ ref('raw_orders') }}
            where status = 'paid'
        "#]],
    );
}

/// A chain of three models: `a` feeds `b` (all its columns), `b` feeds
/// `c` (which uses `amount`), `d` (which does not) and `e` (which joins it
/// to the customers and reads their `name` unqualified).
const CHAIN: &[(&str, &str)] = &[
    (
        "models/a.sql",
        "with orders as (\n    select * from {{ ref('raw_orders') }}\n)\n\nselect id, customer_id, amount from orders\n",
    ),
    ("models/b.sql", "select * from {{ ref('a') }}\nwhere id > 0\n"),
    (
        "models/c.sql",
        "select id, amount * 2 as doubled from {{ ref('b') }}\n",
    ),
    ("models/d.sql", "select id from {{ ref('b') }}\n"),
    (
        "models/e.sql",
        "select b.id, name\nfrom {{ ref('b') }} as b\njoin {{ ref('raw_customers') }} as cu on b.customer_id = cu.id\n",
    ),
];

const COMMENTED_COLUMNS: &str = "with orders as (
    select * from {{ ref('raw_orders') }}
)

select
    -- the key
    id,  -- never null
    customer_id, /* who ordered */
    amount -- in dollars
    -- amounts are gross
from orders
";

#[test]
fn a_form_edit_of_columns_keeps_the_comments_of_the_columns_it_keeps() {
    // `customer_id` goes with its comment; `amount`, renamed, keeps its own.
    edited(
        COMMENTED_COLUMNS,
        "m",
        r#"{"op": "editParts", "gem": {"kind": "Reformat", "columns": [{"column": "id"}, {"column": "amount", "name": "paid_amount"}, {"column": "status"}]}}"#,
        expect![[r#"
            Change the columns of Reformat `m`
            -- final SELECT columns: id, paid_amount, status
            with orders as (
                select * from {{ ref('raw_orders') }}
            )

            select
                -- the key
                id, -- never null
                amount as paid_amount, -- in dollars
                status
                -- amounts are gross
            from orders
        "#]],
    );
    // One column with a line comment: the list stays over lines, so the
    // comment does not swallow FROM.
    edited(
        "select id, -- the key\n    amount from {{ ref('raw_orders') }}\n",
        "m",
        r#"{"op": "editParts", "gem": {"kind": "Reformat", "columns": [{"column": "id"}]}}"#,
        expect![[r#"
            Change the columns of Reformat `m`
            -- final SELECT columns: id
            select
                id -- the key
            from {{ ref('raw_orders') }}
        "#]],
    );
}

#[test]
fn an_edit_that_breaks_a_model_reading_it_through_a_source_is_refused() {
    // `b` reads what `a` builds through a source declared on its relation
    // (no columns declared): not a dbt edge, but `b` reads `a.amount`.
    let files: &[(&str, &str)] = &[
        (
            "models/a.sql",
            "select id, customer_id, amount from {{ ref('raw_orders') }}\n",
        ),
        (
            "models/sources.yml",
            "version: 2\nsources:\n  - name: built\n    schema: main\n    tables:\n      - name: a\n",
        ),
        (
            "models/b.sql",
            "select id, amount * 2 as doubled from {{ source('built', 'a') }}\n",
        ),
    ];
    edited_in(
        files,
        "models/a.sql",
        "a",
        r#"{"op": "editParts", "gem": {"kind": "Reformat", "columns": [{"column": "id"}, {"column": "customer_id"}]}}"#,
        expect![[r#"
            refused: the change would introduce 1 error: b: unknown column `amount`
            columns: ["amount"]"#]],
    );
}

#[test]
fn an_edit_that_breaks_a_model_two_refs_downstream_is_refused() {
    // `c` reads `amount` through `b`, which reads all of `a`.
    edited_in(
        CHAIN,
        "models/a.sql",
        "a",
        r#"{"op": "editParts", "gem": {"kind": "Reformat", "columns": [{"column": "id"}, {"column": "customer_id"}]}}"#,
        expect![[r#"
            refused: the change would introduce 1 error: c: unknown column `amount` (`c` reads `a` through `b`)
            columns: ["amount"]"#]],
    );
    // A new column reaches `e` through `b`: its `name` becomes ambiguous.
    edited_in(
        CHAIN,
        "models/a.sql",
        "a",
        r#"{"op": "editParts", "gem": {"kind": "Reformat", "columns": [{"column": "id"}, {"column": "customer_id"}, {"column": "amount"}, {"expression": "'web'", "name": "name"}]}}"#,
        expect![[r#"
            refused: the change would introduce 1 error: e: column `name` is ambiguous: it exists in b and cu (`e` reads `a` through `b`)
            columns: ["name"]"#]],
    );
    // `e` joins on `customer_id`, two refs down.
    edited_in(
        CHAIN,
        "models/a.sql",
        "a",
        r#"{"op": "insert", "gem": {"kind": "Reformat", "columns": [{"column": "id"}, {"column": "amount"}]}}"#,
        expect![[r#"
            refused: the new gem would introduce 1 error: e: unknown column `b.customer_id` (`e` reads `a` through `b`)
            columns: ["customer_id"]"#]],
    );
    // A gem that keeps the columns passes.
    edited_in(
        CHAIN,
        "models/a.sql",
        "a",
        r#"{"op": "insert", "gem": {"kind": "Filter", "condition": "amount > 0"}}"#,
        expect![[r#"
            Insert a Filter gem after the final SELECT (which becomes `final`)
            -- final SELECT columns: id, customer_id, amount
            with orders as (
                select * from {{ ref('raw_orders') }}
            ),

            final as (
                select id, customer_id, amount from orders
            )

            select *
            from final
            where amount > 0
        "#]],
    );
}

/// A gem's parts as the form starts from them, and its input ports; and
/// what `editParts` with those parts leaves (the same columns).
fn parts(model: &str, gem: Option<&str>, check: Expect) {
    let tag = format!("parts-{}-{}", gem.unwrap_or("final"), model.len());
    let (host, root) = project(&[("models/m.sql", model)], &tag);
    let file = host.file(&root.join("models/m.sql")).unwrap();
    let described = gem_parts(host.db(), host.project(), file, gem).unwrap();
    let mut out = format!(
        "{} ({})\nparts: {}\n",
        described.gem.as_deref().unwrap_or("final SELECT"),
        described.kind,
        match &described.parts {
            Some(p) => serde_json::to_string(p).unwrap(),
            None => format!("none: {}", described.reason.as_deref().unwrap_or("")),
        }
    );
    for (name, schema) in &described.inputs {
        let columns: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
        out.push_str(&format!("input {name}: {}\n", columns.join(", ")));
    }
    if let Some(spec) = described.parts {
        let op = PipelineOp::EditParts { gem: spec };
        let edit = edit_pipeline(host.db(), host.project(), file, gem, &op).unwrap();
        let text = apply_edits(model, &edit.edits);
        if text == model {
            out.push_str("editParts with them: the code as it was\n");
        } else {
            let columns: Vec<String> = edit.output.columns.iter().map(|c| c.name.clone()).collect();
            out.push_str(&format!(
                "editParts with them: {}\n{text}",
                columns.join(", ")
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    check.assert_eq(&out);
}

#[test]
fn the_parts_a_form_starts_from() {
    parts(
        LOWER,
        Some("paid"),
        expect![[r#"
        paid (Filter)
        parts: {"kind":"Filter","condition":"status = 'paid'"}
        input orders: id, customer_id, status, amount
        editParts with them: the code as it was
    "#]],
    );
    parts(
        "with orders as (\n    select * from {{ ref('raw_orders') }}\n)\n\nselect\n    id,\n    amount as paid_amount,\n    amount * 2 as doubled,\n    upper(status),\n    orders.customer_id cust,\n    -- the key, quoted\n    \"ID\" as \"Order ID\"\nfrom orders\n",
        None,
        expect![[r#"
            final SELECT (Reformat)
            parts: {"kind":"Reformat","columns":[{"column":"id"},{"column":"amount","name":"paid_amount"},{"expression":"amount * 2","name":"doubled"},{"expression":"upper(status)"},{"expression":"orders.customer_id","name":"cust"},{"expression":"\"ID\"","name":"Order ID"}]}
            input orders: id, customer_id, status, amount
            editParts with them: id, paid_amount, doubled, upper(status), cust, Order ID
            with orders as (
                select * from {{ ref('raw_orders') }}
            )

            select
                id,
                amount as paid_amount,
                amount * 2 as doubled,
                upper(status),
                orders.customer_id as cust,
                -- the key, quoted
                "ID" as "Order ID"
            from orders
        "#]],
    );
    parts(
        UPPER_LEADING,
        Some("totals"),
        expect![[r#"
        totals (Aggregate)
        parts: none: only a Filter's condition and a Reformat's columns are edited in a form; gem `totals` is an Aggregate: edit the code instead
        input orders: id, customer_id, amount
    "#]],
    );
    parts(
        "select * from {{ ref('raw_orders') }} o join {{ ref('raw_customers') }} c on o.customer_id = c.id\n",
        Some("m"),
        expect![[r#"
            final SELECT (Join)
            parts: none: only a Filter's condition and a Reformat's columns are edited in a form; the final SELECT is a Join: edit the code instead
            input raw_orders: id, customer_id, status, amount
            input raw_customers: id, name
        "#]],
    );
    parts(
        "select * from {{ ref('raw_orders') }}\nwhere {{ 'amount > 0' }}\n",
        None,
        expect![[r#"
            final SELECT (Filter)
            parts: none: the condition of the final SELECT is written by Jinja: edit the code instead
            input raw_orders: id, customer_id, status, amount
        "#]],
    );
}
