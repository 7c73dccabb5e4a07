//! Words of an engine's grammar that sqlparser does not read and that name
//! no column and change no type: the parser is given a blank in their place
//! (spans of the other tokens are kept), so the query is typed and traced as
//! the engine reads it. A tree parsed so lacks what the word meant; where that
//! changes the rows, the SQL is not printed back from it (see
//! [`meaning_lost_in_tree`]).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

use super::Dialect;

/// A word read as a blank, and what the tree loses with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnreadWord {
    /// DuckDB's `ASOF [LEFT] JOIN`: sqlparser reads only Snowflake's `ASOF
    /// JOIN ... MATCH_CONDITION`. The join has the columns of the plain join
    /// it otherwise is; only which rows match differs.
    DuckDbAsof,
    /// Postgres's `BETWEEN SYMMETRIC` (bounds in either order).
    BetweenSymmetric,
    /// `BETWEEN ASYMMETRIC`, the default spelled out (Postgres, DuckDB).
    BetweenAsymmetric,
    /// A window frame's `EXCLUDE CURRENT ROW | GROUP | TIES | NO OTHERS`
    /// (Postgres, DuckDB, SQLite, Oracle): which rows of the frame count.
    FrameExclusion,
    /// Redshift's `APPROXIMATE COUNT(DISTINCT x)` and `APPROXIMATE
    /// PERCENTILE_DISC(...)`: an estimate of what the plain call computes.
    RedshiftApproximate,
    /// DuckDB's `x GLOB 'a*'`, read as `LIKE` (a boolean all the same).
    DuckDbGlob,
    /// DuckDB's `USING SAMPLE 10%` and `TABLESAMPLE reservoir(50 ROWS)`,
    /// with their method, size and seed: which rows are read.
    DuckDbSample,
    /// The `%` or `PERCENT` of DuckDB's `LIMIT 50%`: how many rows are kept.
    DuckDbLimitPercent,
}

impl UnreadWord {
    /// What a query printed from the tree would compute differently, if anything.
    fn lost_meaning(self) -> Option<&'static str> {
        match self {
            UnreadWord::DuckDbAsof => Some("DuckDB's ASOF JOIN"),
            UnreadWord::BetweenSymmetric => Some("BETWEEN SYMMETRIC"),
            UnreadWord::FrameExclusion => Some("a window frame's EXCLUDE"),
            UnreadWord::DuckDbGlob => Some("DuckDB's GLOB"),
            UnreadWord::DuckDbSample => Some("DuckDB's sampling"),
            UnreadWord::DuckDbLimitPercent => Some("DuckDB's LIMIT in percent"),
            UnreadWord::BetweenAsymmetric | UnreadWord::RedshiftApproximate => None,
        }
    }

    /// The token the parser is given in the word's place.
    fn read_as(self) -> Token {
        match self {
            UnreadWord::DuckDbGlob => Token::make_keyword("LIKE"),
            _ => Token::Whitespace(Whitespace::Space),
        }
    }
}

fn is_blank(token: &Token) -> bool {
    matches!(token, Token::Whitespace(_))
}

fn word_is(token: &Token, value: &str) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(value))
}

/// The words after `i` that are not blanks or comments, up to `n` of them.
fn next_words(tokens: &[TokenWithSpan], i: usize, n: usize) -> Vec<&Token> {
    tokens[i + 1..]
        .iter()
        .map(|t| &t.token)
        .filter(|t| !is_blank(t))
        .take(n)
        .collect()
}

fn previous_word(tokens: &[TokenWithSpan], i: usize) -> Option<&Token> {
    tokens[..i]
        .iter()
        .rev()
        .map(|t| &t.token)
        .find(|t| !is_blank(t))
}

/// Whether the token at `i` is the `%` or `PERCENT` of `LIMIT <number> %`.
fn limit_percent_at(tokens: &[TokenWithSpan], i: usize) -> bool {
    if !(matches!(tokens[i].token, Token::Mod) || word_is(&tokens[i].token, "percent")) {
        return false;
    }
    let before: Vec<&Token> = tokens[..i]
        .iter()
        .rev()
        .map(|t| &t.token)
        .filter(|t| !is_blank(t))
        .take(2)
        .collect();
    let ends = next_words(tokens, i, 1).first().is_none_or(|t| {
        matches!(t, Token::SemiColon | Token::RParen | Token::EOF) || word_is(t, "offset")
    });
    matches!(before.as_slice(), [Token::Number(..), limit] if word_is(limit, "limit")) && ends
}

/// The word at `i`, if it is one `dialect` has and sqlparser does not read.
fn unread_word_at(dialect: Dialect, tokens: &[TokenWithSpan], i: usize) -> Option<UnreadWord> {
    if dialect == Dialect::DuckDb && limit_percent_at(tokens, i) {
        return Some(UnreadWord::DuckDbLimitPercent);
    }
    let Token::Word(word) = &tokens[i].token else {
        return None;
    };
    if word.quote_style.is_some() {
        return None;
    }
    let after_between = || previous_word(tokens, i).is_some_and(|t| word_is(t, "between"));
    match word.keyword {
        Keyword::ASOF if dialect == Dialect::DuckDb => {
            let next = next_words(tokens, i, 1);
            let joins = next.first().is_some_and(|t| {
                matches!(t, Token::Word(w) if matches!(
                    w.keyword,
                    Keyword::JOIN | Keyword::LEFT | Keyword::INNER | Keyword::RIGHT | Keyword::FULL
                ))
            });
            joins.then_some(UnreadWord::DuckDbAsof)
        }
        Keyword::SYMMETRIC if dialect == Dialect::Postgres && after_between() => {
            Some(UnreadWord::BetweenSymmetric)
        }
        Keyword::ASYMMETRIC
            if matches!(dialect, Dialect::Postgres | Dialect::DuckDb) && after_between() =>
        {
            Some(UnreadWord::BetweenAsymmetric)
        }
        Keyword::EXCLUDE
            if matches!(
                dialect,
                Dialect::Postgres | Dialect::DuckDb | Dialect::Sqlite | Dialect::Oracle
            ) =>
        {
            // Only after a frame's bound: DuckDB's `* EXCLUDE (a)` is read by sqlparser.
            let ends_bound = previous_word(tokens, i).is_some_and(|t| {
                word_is(t, "preceding") || word_is(t, "following") || word_is(t, "row")
            });
            let next = next_words(tokens, i, 2);
            let excludes = match next.as_slice() {
                [first, second] if word_is(first, "current") => word_is(second, "row"),
                [first, second] if word_is(first, "no") => word_is(second, "others"),
                [first, ..] => word_is(first, "group") || word_is(first, "ties"),
                [] => false,
            };
            (ends_bound && excludes).then_some(UnreadWord::FrameExclusion)
        }
        Keyword::GLOB if dialect == Dialect::DuckDb => {
            // An operator between two operands, not a column named `glob`.
            // `x NOT GLOB 'a*'` too.
            let before = (0..i).rev().find(|&j| !is_blank(&tokens[j].token));
            let before = match before {
                Some(j) if word_is(&tokens[j].token, "not") => j,
                _ => i,
            };
            let after_operand = previous_word(tokens, before).is_some_and(|t| match t {
                Token::RParen | Token::SingleQuotedString(_) | Token::Number(..) => true,
                Token::Word(_) => ![
                    "select", "where", "and", "or", "not", "by", "on", "when", "then", "else",
                    "having", "case", "distinct", "qualify",
                ]
                .iter()
                .any(|w| word_is(t, w)),
                _ => false,
            });
            let before_operand = next_words(tokens, i, 1).first().is_some_and(|t| {
                !matches!(t, Token::Comma | Token::RParen | Token::SemiColon)
                    && !word_is(t, "from")
                    && !word_is(t, "as")
            });
            (after_operand && before_operand).then_some(UnreadWord::DuckDbGlob)
        }
        _ if dialect == Dialect::Redshift && word.value.eq_ignore_ascii_case("approximate") => {
            let next = next_words(tokens, i, 2);
            let call = matches!(next.as_slice(), [name, Token::LParen]
                if word_is(name, "count") || word_is(name, "percentile_disc"));
            call.then_some(UnreadWord::RedshiftApproximate)
        }
        _ => None,
    }
}

/// The words (after the frame exclusion's own, the words it takes) read as blanks.
fn unread_words(dialect: Dialect, tokens: &[TokenWithSpan]) -> Vec<(usize, UnreadWord)> {
    if !matches!(
        dialect,
        Dialect::DuckDb | Dialect::Postgres | Dialect::Sqlite | Dialect::Oracle | Dialect::Redshift
    ) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if dialect == Dialect::DuckDb {
        out.extend(
            sample_clauses(tokens)
                .into_iter()
                .map(|i| (i, UnreadWord::DuckDbSample)),
        );
    }
    for i in 0..tokens.len() {
        if let Some(word) = unread_word_at(dialect, tokens, i) {
            out.push((i, word));
            if word == UnreadWord::FrameExclusion {
                // `EXCLUDE` and the one or two words it takes.
                let taken = if next_words(tokens, i, 1)
                    .first()
                    .is_some_and(|t| word_is(t, "group") || word_is(t, "ties"))
                {
                    1
                } else {
                    2
                };
                let mut left = taken;
                for (j, t) in tokens.iter().enumerate().skip(i + 1) {
                    if left == 0 {
                        break;
                    }
                    if !is_blank(&t.token) {
                        out.push((j, word));
                        left -= 1;
                    }
                }
            }
        }
    }
    out
}

/// The tokens of DuckDB's sampling clauses: `USING SAMPLE` or `TABLESAMPLE`,
/// then its method, size (`10%`, `10 PERCENT`, `50 ROWS`), parenthesized
/// parts and `REPEATABLE (seed)`.
fn sample_clauses(tokens: &[TokenWithSpan]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let starts = if word_is(&tokens[i].token, "tablesample") {
            Some(i + 1)
        } else if word_is(&tokens[i].token, "using") {
            let next = (i + 1..tokens.len()).find(|&j| !is_blank(&tokens[j].token));
            next.filter(|&j| word_is(&tokens[j].token, "sample"))
                .map(|j| j + 1)
        } else {
            None
        };
        let Some(mut j) = starts else {
            i += 1;
            continue;
        };
        let mut depth = 0usize;
        while j < tokens.len() {
            let t = &tokens[j].token;
            let part = depth > 0
                || is_blank(t)
                || matches!(t, Token::Number(..) | Token::Mod | Token::LParen)
                || [
                    "percent",
                    "rows",
                    "repeatable",
                    "bernoulli",
                    "system",
                    "reservoir",
                ]
                .iter()
                .any(|w| word_is(t, w));
            if !part {
                break;
            }
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                _ => {}
            }
            j += 1;
        }
        // Trailing blanks stay: they part what comes before and after.
        let mut end = j;
        while end > i && is_blank(&tokens[end - 1].token) {
            end -= 1;
        }
        out.extend(i..end);
        i = j.max(i + 1);
    }
    out
}

/// Blanks (or their stand-ins) in place of the words of `dialect` that
/// sqlparser does not read.
pub(super) fn blank_unread_words(dialect: Dialect, tokens: &mut [TokenWithSpan]) {
    for (i, word) in unread_words(dialect, tokens) {
        tokens[i].token = word.read_as();
    }
}

/// What a query printed back from the tree of `sql` would compute
/// differently from `sql` itself (a word read as a blank that changes which
/// rows match or count), if anything: such SQL is not printed back to run.
pub fn meaning_lost_in_tree(sql: &str, dialect: Dialect) -> Option<&'static str> {
    let tokens = dialect.sqlparser_tokens(sql).ok()?;
    if dialect == Dialect::DuckDb && super::duckdb_pivot::pivot_loses_meaning(&tokens) {
        return Some("DuckDB's PIVOT of values only the data holds (no IN list), or with GROUP BY");
    }
    unread_words(dialect, &tokens)
        .into_iter()
        .find_map(|(_, word)| word.lost_meaning())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blanked(dialect: Dialect, sql: &str) -> Vec<&'static str> {
        let tokens = dialect.sqlparser_tokens(sql).unwrap();
        unread_words(dialect, &tokens)
            .into_iter()
            .map(|(i, _)| match &tokens[i].token {
                Token::Word(w) => Box::leak(w.value.to_lowercase().into_boxed_str()) as &str,
                _ => "?",
            })
            .collect()
    }

    #[test]
    fn only_the_grammar_words_are_blanked() {
        let frame = "select sum(x) over (order by x rows between 1 preceding and current row exclude current row) from t";
        assert_eq!(
            blanked(Dialect::Postgres, frame),
            ["exclude", "current", "row"]
        );
        assert_eq!(
            blanked(
                Dialect::DuckDb,
                "select sum(x) over (order by x rows unbounded preceding exclude ties) from t"
            ),
            ["exclude", "ties"]
        );
        // DuckDB's star exclusion and a column named `exclude` are SQL sqlparser reads.
        assert!(blanked(Dialect::DuckDb, "select * exclude (current) from t").is_empty());
        assert!(blanked(Dialect::Postgres, "select exclude from t").is_empty());
        assert_eq!(
            blanked(
                Dialect::Postgres,
                "select 1 where a not between symmetric 3 and 1"
            ),
            ["symmetric"]
        );
        // Spark has no such word: `symmetric` is a column there.
        assert!(blanked(Dialect::Databricks, "select a between symmetric and 1").is_empty());
        assert_eq!(
            blanked(
                Dialect::Redshift,
                "select approximate count(distinct a), approximate from t"
            ),
            ["approximate"]
        );
        assert_eq!(
            blanked(
                Dialect::DuckDb,
                "select * from a asof left join b on a.t >= b.t"
            ),
            ["asof"]
        );
    }

    #[test]
    fn duckdb_glob_and_sampling_are_read_and_a_column_named_glob_is_a_column() {
        assert_eq!(
            blanked(
                Dialect::DuckDb,
                "select s glob 'a*', s not glob 'b*', glob from t where glob"
            ),
            ["glob", "glob"]
        );
        let sampled = |sql| {
            super::super::rewritten(Dialect::DuckDb, sql, |tokens| {
                blank_unread_words(Dialect::DuckDb, tokens)
            })
        };
        assert_eq!(
            sampled("select id from t using sample 10% (bernoulli, 3) where id > 1"),
            "select id from t where id > 1"
        );
        assert_eq!(
            sampled("select * from t as x tablesample reservoir(50 rows) repeatable (100), u"),
            "select * from t as x , u"
        );
        assert_eq!(
            sampled("select * from a join b using (id) using sample 10 percent"),
            "select * from a join b using (id)"
        );
        assert_eq!(
            sampled("select s glob 'a*' from t"),
            "select s LIKE 'a*' from t"
        );
        // `LIMIT 50%` keeps half the rows; `a % b` stays a modulo.
        assert_eq!(
            sampled("select id % 2 from t limit 50%"),
            "select id % 2 from t limit 50"
        );
        assert_eq!(
            sampled("select * from (select * from t limit 10 percent) offset 1"),
            "select * from (select * from t limit 10 ) offset 1"
        );
        assert_eq!(
            sampled("select * from t limit 5 % 3"),
            "select * from t limit 5 % 3"
        );
    }

    #[test]
    fn words_that_change_rows_keep_the_tree_from_being_printed() {
        let lost = |d, sql| meaning_lost_in_tree(sql, d);
        assert_eq!(
            lost(Dialect::Postgres, "select a between symmetric 1 and 2"),
            Some("BETWEEN SYMMETRIC")
        );
        assert_eq!(
            lost(Dialect::DuckDb, "select a between asymmetric 1 and 2"),
            None
        );
        assert_eq!(
            lost(
                Dialect::Redshift,
                "select approximate count(distinct a) from t"
            ),
            None
        );
        assert_eq!(
            lost(Dialect::DuckDb, "select * from a asof join b on a.t >= b.t"),
            Some("DuckDB's ASOF JOIN")
        );
        assert_eq!(
            lost(Dialect::DuckDb, "select * from t using sample 5"),
            Some("DuckDB's sampling")
        );
        assert_eq!(
            lost(Dialect::DuckDb, "select * from t where s glob 'a*'"),
            Some("DuckDB's GLOB")
        );
        assert_eq!(
            lost(Dialect::DuckDb, "select * from t limit 50%"),
            Some("DuckDB's LIMIT in percent")
        );
    }
}
