//! Loupe reads the common run of SQL with its own tokenizer and leaves the
//! rest to sqlparser's. Wherever it reads, its tokens and their positions
//! must be sqlparser's exactly (with each run of blanks one token).

mod sql_files;

use loupe_analysis::syntax::{both_tokenizers, Dialect};

/// Whether Loupe's tokenizer read `sql`; panics where it reads it otherwise
/// than sqlparser.
fn agrees(sql: &str, dialect: Dialect) -> bool {
    let (ours, sqlparser) = both_tokenizers(sql, dialect);
    let Some(ours) = ours else {
        return false;
    };
    let sqlparser = sqlparser.unwrap_or_else(|error| {
        panic!("{dialect:?} {sql:?}: Loupe read it, sqlparser fails: {error}")
    });
    if ours != sqlparser {
        let at = ours.iter().zip(&sqlparser).position(|(a, b)| a != b);
        let at = at.unwrap_or(ours.len().min(sqlparser.len()));
        panic!(
            "{dialect:?} {sql:?}: token {at} differs\n Loupe:     {:?}\n sqlparser: {:?}",
            ours.get(at),
            sqlparser.get(at)
        );
    }
    true
}

const MODEL: &str = r#"-- Orders with their customer's first order, one row per order.
with orders as (
    select * from analytics.staging.stg_orders
),

/* payments arrive late: keep the
   latest per order */
payments as (
    select
        order_id,
        sum(amount)::decimal(18, 2) as amount,
        max(created_at) as paid_at,
        count(*) filter (where status <> 'failed') as attempts
    from "analytics"."staging"."stg_payments"
    where amount >= 0 and status != 'refunded' and note = ''
    group by 1
)

select
    orders.order_id,
    orders.customer_id || '-' || orders.order_id as order_key,
    coalesce(payments.amount, 0.0) as amount,
    case when payments.amount > 100 then 'large' else 'small' end as size,
    row_number() over (partition by orders.customer_id order by orders.ordered_at) = 1 as is_first,
    date_diff('day', orders.ordered_at, payments.paid_at) <= 30 as paid_within_a_month,
    orders.ordered_at - interval '1 day' as day_before,
    -1 * payments.amount / 2 + 3 as odd_sum
from orders
left join payments on payments.order_id = orders.order_id;
"#;

#[test]
fn a_model_is_read_as_sqlparser_reads_it() {
    for dialect in [
        Dialect::DuckDb,
        Dialect::Snowflake,
        Dialect::Postgres,
        Dialect::Redshift,
        Dialect::Generic,
    ] {
        assert!(
            agrees(MODEL, dialect),
            "{dialect:?} left the model to sqlparser"
        );
    }
    // Backquoted names, and double quotes that are strings.
    let spark = MODEL.replace('"', "`");
    for dialect in [
        Dialect::Databricks,
        Dialect::BigQuery,
        Dialect::Hive,
        Dialect::MySql,
    ] {
        assert!(
            agrees(&spark, dialect),
            "{dialect:?} left the model to sqlparser"
        );
    }
    assert!(agrees(
        r#"select "not a name" as s, x from t"#,
        Dialect::Databricks
    ));
    assert!(agrees(
        "select 'é ✓' as s -- ünïcode\n/* ✓ */ from t",
        Dialect::DuckDb
    ));
    assert!(agrees("select a\r\nfrom t\rwhere b", Dialect::DuckDb));
}

/// Text where a dialect reads differently from the common run: each is
/// either left to sqlparser or read the same.
const TRICKY: &[&str] = &[
    "'it''s'",
    "'a\\'b'",
    "'a\\nb'",
    "''",
    "'''triple'''",
    "\"a\"\"b\"",
    "\"\"",
    "``",
    "`a``b`",
    "x'00ff'",
    "X'00'",
    "b'01'",
    "r'raw'",
    "N'national'",
    "nq'[q]'",
    "q'[q]'",
    "E'esc\\n'",
    "U&'d\\0061t'",
    "u&x",
    "1e5",
    "1.5e-3",
    "1_000",
    "0x1F",
    "123L",
    "1.",
    "1..2",
    ".5",
    "t.1col",
    "t._col",
    "1a",
    "a.b.c",
    "<=>",
    "<=+1",
    "<=-1",
    "<+1",
    "<-1",
    "<->",
    "<@",
    "<<",
    "<<|",
    "<>",
    "<>*",
    "<=*",
    ">=*",
    "> =",
    ">>",
    "=>",
    "==",
    "=*",
    "!=",
    "!!",
    "!~",
    "-->",
    "--x",
    "-- x",
    "--",
    "--\r\nx",
    "->",
    "->>",
    "-*",
    "- -",
    "/* a /* b */ c */",
    "/* a /*/ */",
    "/**/",
    "/* unterminated",
    "/*!50100 key_block_size = 1 */",
    "//",
    "a // b",
    "a || b",
    "a ||/ b",
    "a |/ b",
    "a | b",
    "a ::text",
    "a:b",
    "a := 1",
    ":name",
    "@x",
    "@@x",
    "$1",
    "$$body$$",
    "?",
    "#x",
    "# comment\n",
    "%",
    "a % b",
    "[a]",
    "{a}",
    "&&",
    "~",
    "^",
    "\\",
    "café",
    "naïve_col",
    "é",
    "a\u{a0}b",
    "\u{b}",
    "\u{c}",
    "\t\t",
    " \t\n \r\n\t",
    "a\0b",
    "'unterminated",
    "\"unterminated",
];

#[test]
fn tricky_text_is_left_to_sqlparser_or_read_the_same() {
    for fragment in TRICKY {
        for dialect in Dialect::ALL {
            for sql in [
                fragment.to_string(),
                format!("select {fragment} from t"),
                format!("select a{fragment}b"),
                format!("x.{fragment}"),
            ] {
                agrees(&sql, dialect);
            }
        }
    }
}

/// Mixes of fragments, as a small fuzzer that runs in every test run (the
/// `sql_dialects` fuzz target makes the same comparison on any bytes).
#[test]
fn mixed_fragments_agree() {
    let common = [
        "select", "from", " ", "\n", "\t", "a", "_b", "t.", "(", ")", ",", ";", "'s'", "'it''s'",
        "\"q\"", "`q`", "1", "2.5", "-", "+", "*", "/", "=", "<", ">", ":", "::", "|", "!", ".",
        "--c\n", "/*c*/", "._x",
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |below: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below as u64) as usize
    };
    let (mut read, mut tried) = (0, 0);
    for _ in 0..3000 {
        let sql: String = (0..1 + next(12))
            .map(|_| match next(4) {
                0 => TRICKY[next(TRICKY.len())],
                _ => common[next(common.len())],
            })
            .collect();
        let dialect = Dialect::ALL[next(Dialect::ALL.len())];
        tried += 1;
        if agrees(&sql, dialect) {
            read += 1;
        }
    }
    // Not a comparison of nothing: a good share is read by Loupe.
    assert!(read * 4 > tried, "Loupe read {read} of {tried}");
}

#[test]
fn project_and_corpus_files_agree() {
    let files = sql_files::project_and_corpus_sql_files();
    let (mut read, mut tried) = (0, 0);
    for path in &files {
        let Ok(sql) = std::fs::read_to_string(path) else {
            continue;
        };
        for dialect in [Dialect::DuckDb, Dialect::Snowflake, Dialect::Databricks] {
            tried += 1;
            if agrees(&sql, dialect) {
                read += 1;
            }
        }
    }
    eprintln!("Loupe's tokenizer read {read} of {tried} (file, dialect) pairs");
    assert!(read > 0 && tried > 0);
}
