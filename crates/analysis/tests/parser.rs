//! Loupe parses with sqlparser's dialects, but reads a plain word at the
//! start of an expression (a column, a call) without sqlparser's speculative
//! type-name reading. Wherever it does, the tree (spans included) must be
//! sqlparser's exactly, and where sqlparser fails so must Loupe.

mod sql_files;

use loupe_analysis::syntax::{is_plain_word, parsers_agree, Dialect};
use sqlparser::keywords::{ALL_KEYWORDS, ALL_KEYWORDS_INDEX};

fn agrees(sql: &str, dialect: Dialect) {
    if let Err(difference) = parsers_agree(sql, dialect) {
        panic!("{difference}");
    }
}

/// Places a word can stand at the start of an expression, and what can
/// follow it: `W` is the word.
const FORMS: &[&str] = &[
    "select W from t",
    "select W",
    "W",
    "select W, 1",
    "select W as a, W b, W W from t",
    "select W(1), W(), W(x, y), W(distinct x), W(*), W(W(W(1))) from t",
    "select W(a => 1, b := 2, c = 3)",
    "select W 'lit', W(1) 'lit', W(1, 2) 'lit'",
    "select W \"q\"",
    "select W[1], W [] 'x', W[1][2]",
    "select W.x, W.f(1), W.*, t.W, t.W(1), t.W.x",
    "select W -> W + 1, f(W -> W), f(W int -> W), f((W, y) -> W)",
    "select W::int, W || 'a', W = 1, W == 1, W <> 1, W != 1, W + 1 - W * W / W % W",
    "select W < 1, W > 1, W <= 1, W >= 1, -W, +W, not W",
    "select W:x, W:x.y, W:x::int",
    "select x from t where W (+) = 1 and W(+) = x",
    "select W array, W array[1], W array 'x'",
    "select W over (partition by W order by W), W(x) over (order by W), W(x) over w",
    "select W(x) within group (order by y), W(x) filter (where W), W(x) ignore nulls",
    "select x from t where W is null and W in (1) and W between 1 and 2 and W like 'a'",
    "select 1 from W, t join W on W.x = t.x",
    "select cast(W as int), extract(year from W), case W when 1 then W else W end",
    "select W collate x, W at time zone 'UTC', W :: int",
    "select W;",
    "select W)",
    "select W(",
    "select W(1",
    "select W,",
    "select W 1",
    "select W ?",
    "select W @ x",
    "select W $1",
    "select W -",
];

/// Words that are no keyword: the common case, quoted, and ones with a
/// meaning of their own (`xml '...'`, MySQL's `_utf8'...'` introducer).
const NO_KEYWORD: &[&str] = &[
    "x",
    "customer_id",
    "\"Quoted Name\"",
    "`b`",
    "xml",
    "XML",
    "_utf8",
];

#[test]
fn plain_words_are_read_as_sqlparser_reads_them() {
    let mut words: Vec<&str> = NO_KEYWORD.to_vec();
    for (name, keyword) in ALL_KEYWORDS.iter().zip(ALL_KEYWORDS_INDEX) {
        if is_plain_word(*keyword) {
            words.push(name);
        }
    }
    // Keywords Loupe leaves to sqlparser, as a check that the forms tell
    // them apart where they mean something.
    words.extend([
        "date", "interval", "cast", "case", "true", "null", "array", "not",
    ]);
    assert!(words.len() > 40, "{words:?}");
    for word in &words {
        for form in FORMS {
            let sql = form.replace('W', word);
            for dialect in Dialect::ALL {
                agrees(&sql, dialect);
            }
        }
    }
}

#[test]
fn literals_are_read_as_sqlparser_reads_them() {
    let literals = [
        "select 1, 1.5, .5, 1e3, 1_000, 0x1F, 123L, 'a', '', 'it''s', 'a\\'b'",
        "select 'a' 'b', 'a'\n'b', 'a' || 'b', 1::int, '2024-01-01'::date, -1, +1, (1), ('a')",
        "select 'x'[1], 1 + 2 * 3, 'a' = 'b', 'a' like 'b', 1 between 0 and 2, 1 in (1, 2)",
        "select f(1, 'a'), 1 as one, 'a' a, 1 one from t where 1 = 1 limit 10",
        "select 'a' collate x, 1 at time zone 'UTC', 'x' :: text, 1.",
        "select 'a",
        "select 1 'a'",
        "select 1a, 1.2.3, 1e",
        "values (1, 'a'), (2, 'b')",
        "select array<int64>[1, 2], range<date> '[2024-01-01, 2024-02-01)', l[::-1], l[1:-:2]",
    ];
    for sql in literals {
        for dialect in Dialect::ALL {
            agrees(sql, dialect);
        }
    }
}

/// Found by the `sql_dialects` fuzz target: sqlparser retries the call it
/// could not finish and, from its memo of failed readings, reports
/// "Expected: an expression" at it; Loupe reports the end of the text. Both
/// fail, as they must.
#[test]
fn an_unfinished_call_fails_in_both() {
    let sql = format!(
        "case case when vvv[{}:{}(vvvvvvept",
        "v".repeat(31),
        "v".repeat(36)
    );
    agrees(&sql, Dialect::Databricks);
    assert!(loupe_analysis::syntax::parse_sql(&sql, Dialect::Databricks).is_err());
}

/// Found by fuzzing: at the edge of the nesting limit sqlparser's
/// speculative type-name reading, a few levels deeper than Loupe's direct
/// one, fails (`select f(f(...f(a)...))`) or falls back to a shorter reading
/// (`not not ... not a` read with `a` as an alias) where Loupe's reading
/// finishes. Given those levels sqlparser reads the same tree.
#[test]
fn nesting_at_the_parse_limit_is_read_as_sqlparser_reads_it() {
    use loupe_analysis::syntax::MAX_PARSE_DEPTH;
    let forms: [(&str, &str, &str); 8] = [
        ("(", "a", ")"),
        ("f(", "a", ")"),
        ("not ", "a", ""),
        ("-", "a", ""),
        ("(select ", "a", ")"),
        ("case when ", "a", " then 1 end"),
        ("cast(", "a", " as int)"),
        ("(", "interval '1' day", ")"),
    ];
    // A debug build's frames are large: room for sqlparser's recursion.
    std::thread::Builder::new()
        .stack_size(512 << 20)
        .spawn(move || {
            for depth in MAX_PARSE_DEPTH - 6..=MAX_PARSE_DEPTH + 1 {
                for (open, inner, close) in forms {
                    let sql = format!(
                        "select {}{inner}{}",
                        open.repeat(depth),
                        close.repeat(depth)
                    );
                    for dialect in [Dialect::DuckDb, Dialect::BigQuery] {
                        agrees(&sql, dialect);
                    }
                }
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn project_and_corpus_files_parse_as_sqlparser_parses_them() {
    let files = sql_files::project_and_corpus_sql_files();
    let mut parsed = 0;
    for path in &files {
        let Ok(sql) = std::fs::read_to_string(path) else {
            continue;
        };
        // Jinja is left in: a model's text up to its first tag is SQL.
        for dialect in [Dialect::DuckDb, Dialect::Snowflake, Dialect::Databricks] {
            agrees(&sql, dialect);
            parsed += 1;
        }
    }
    eprintln!("{parsed} (file, dialect) pairs parsed alike");
    assert!(parsed > 0);
}
