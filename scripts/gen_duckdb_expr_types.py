#!/usr/bin/env python3
"""Generate a differential corpus of SQL expressions and the type DuckDB infers.

Output (relative to the repository root, regardless of cwd):
  crates/analysis/tests/data/duckdb_expression_types.tsv

Each expression is typed with `DESCRIBE SELECT <expr> AS x FROM t` (column_type).
Line 1 is `# table t: col TYPE, ...`; every other line is `<expression>\t<TYPE>`.
Expressions DuckDB rejects are dropped (the count is printed).

Run with the pinned DuckDB (see scripts/README.md):
  /root/.cache/loupe-py/bin/python scripts/gen_duckdb_expr_types.py
"""

import itertools
import pathlib
import sys

import duckdb

EXPECTED_VERSION = "1.5.5"

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "analysis" / "tests" / "data" / "duckdb_expression_types.tsv"

COLUMNS = [
    ("ti", "TINYINT"),
    ("si", "SMALLINT"),
    ("i", "INTEGER"),
    ("bi", "BIGINT"),
    ("hi", "HUGEINT"),
    ("ui", "UINTEGER"),
    ("ubi", "UBIGINT"),
    ("f", "FLOAT"),
    ("d", "DOUBLE"),
    ("dec", "DECIMAL(15,2)"),
    ("dec4", "DECIMAL(10,4)"),
    ("dec38", "DECIMAL(38,10)"),
    ("s", "VARCHAR"),
    ("b", "BOOLEAN"),
    ("dt", "DATE"),
    ("ts", "TIMESTAMP"),
    ("tstz", "TIMESTAMP WITH TIME ZONE"),
    ("tm", "TIME"),
    ("iv", "INTERVAL"),
    ("bl", "BLOB"),
    ("u", "UUID"),
    ("l", "INTEGER[]"),
    ("sl", "VARCHAR[]"),
    ("st", "STRUCT(a INTEGER, b VARCHAR)"),
    ("m", "MAP(VARCHAR, INTEGER)"),
]

NUM_COLS = ["ti", "si", "i", "bi", "hi", "ui", "ubi", "f", "d", "dec", "dec4", "dec38"]
NUM_LITS = ["1", "-1", "10000000000", "100000000000000000000", "1.5", "123.456", "1e3", "0.1"]
ARITH = ["+", "-", "*", "/", "//", "%"]


def expressions():
    e = []
    add = e.append

    # --- bare columns (sanity: column types round-trip) ---
    for name, _ in COLUMNS:
        add(name)

    # --- literals ---
    for lit in [
        "1", "0", "-1", "127", "128", "32768", "2147483647", "2147483648", "10000000000",
        "9223372036854775807", "9223372036854775808", "100000000000000000000",
        "1.5", "-1.5", "1.50", "0.001", "123456789.123456789", "12345678901234567890.5",
        "1e3", "1.5e-3", "1E10", "'x'", "''", "true", "false", "NULL",
        "DATE '2020-01-01'", "TIMESTAMP '2020-01-01 12:00:00'", "TIMESTAMPTZ '2020-01-01 12:00:00+00'",
        "TIMESTAMP WITH TIME ZONE '2020-01-01 12:00:00+00'", "TIME '12:00:00'",
        "INTERVAL 1 DAY", "INTERVAL '1 day'", "INTERVAL '1' MONTH", "INTERVAL 3 HOUR", "INTERVAL (i) DAY",
        "'2020-01-01'::DATE", "X'00FF'", "'abc'::BLOB", "[1, 2, 3]", "['a', 'b']", "[]", "[1, 2.5]",
        "[1, NULL]", "{'a': 1}", "{'a': 1, 'b': 'x'}", "{'x': 1.5, 'y': [1]}", "MAP {'k': 1}",
        "MAP(['a'], [1])", "(1, 'a')", "row(1, 'a')",
    ]:
        add(lit)

    # --- arithmetic: every unordered pair of numeric columns (plus some reversed) ---
    for a, b in itertools.combinations_with_replacement(NUM_COLS, 2):
        for op in ARITH:
            add(f"{a} {op} {b}")
    for a, b in [("i", "bi"), ("dec", "i"), ("dec4", "dec"), ("d", "dec"), ("f", "i"), ("ubi", "i"), ("dec38", "dec")]:
        for op in ARITH:
            add(f"{b} {op} {a}")
    # column op literal, literal op column
    for c in NUM_COLS:
        for lit in NUM_LITS:
            for op in ARITH:
                add(f"{c} {op} {lit}")
        for op in ["+", "-", "*", "/"]:
            add(f"1 {op} {c}")
            add(f"1.5 {op} {c}")
    # literal op literal
    for a, b in itertools.product(["1", "2", "1.5", "1e3", "10000000000"], repeat=2):
        for op in ARITH:
            add(f"{a} {op} {b}")
    # unary, power, misc numeric ops
    for c in NUM_COLS:
        add(f"-{c}")
        add(f"+{c}")
    for x in ["i ** 2", "i ^ 2", "d ** 0.5", "dec ** 2", "pow(i, 2)", "power(dec, 2)", "i << 1", "i >> 1",
              "bi & 3", "i | 1", "xor(i, 1)", "~i", "@i", "i // 0", "i / 0"]:
        add(x)
    # nested decimal arithmetic
    for x in ["dec * dec4 * dec4", "dec * dec * dec * dec", "(dec + dec4) * dec38", "dec / dec4 / dec",
              "dec * 100", "dec * 1.0", "dec * 1.00", "dec / 100", "dec / 100.0", "dec * 1e0",
              "(dec - dec4) / nullif(dec4, 0)", "dec * (1 + 0.05)", "dec38 * dec38", "dec38 + 1",
              "i * 1.0", "bi * 1.0 / i", "100.0 * i / bi", "i::DECIMAL(10,2) * 2", "dec + f", "dec + d"]:
        add(x)

    # --- date / time arithmetic ---
    for x in [
        "dt + INTERVAL 1 DAY", "dt - INTERVAL 1 DAY", "dt + INTERVAL '1 month'", "dt + 1", "1 + dt", "dt - 1",
        "dt + i", "dt - i", "dt + bi", "dt - dt", "dt - DATE '2020-01-01'", "ts - ts", "tstz - tstz", "ts - dt",
        "ts + INTERVAL 1 HOUR", "ts - INTERVAL '2 hours'", "INTERVAL 1 DAY + ts", "tstz + INTERVAL 1 DAY",
        "tstz - INTERVAL 1 DAY", "tm + INTERVAL 1 HOUR", "tm - tm", "dt + tm", "iv + iv", "iv * 2", "iv * 1.5",
        "iv / 2", "-iv", "dt + iv", "ts + iv", "ts - iv", "ts + 1", "dt - ts", "ts - tstz", "dt - tstz",
        "current_date - dt", "now() - ts", "now() - tstz", "ts + (i * INTERVAL 1 DAY)",
        "dt + to_days(i)", "ts + to_hours(bi)",
    ]:
        add(x)

    # --- comparisons, boolean logic ---
    for x in [
        "i = bi", "i <> d", "i != dec", "i < 1", "dec >= 1.5", "s = 'x'", "dt > DATE '2020-01-01'",
        "ts >= dt", "tstz < ts", "s < i", "b = true", "i = '1'", "i IS NULL", "i IS NOT NULL", "s IS NULL",
        "i IS DISTINCT FROM bi", "i IS NOT DISTINCT FROM NULL", "b AND b", "b OR i > 1", "NOT b", "NOT i = 1",
        "b AND NULL", "NULL AND NULL", "b IS TRUE", "b IS NOT FALSE", "i BETWEEN 1 AND 10",
        "dt BETWEEN '2020-01-01' AND '2021-01-01'", "i NOT BETWEEN bi AND d", "i IN (1, 2, 3)",
        "s IN ('a', 'b')", "i NOT IN (1, 2)", "i IN (SELECT bi FROM t)", "EXISTS (SELECT 1)",
        "s LIKE 'a%'", "s NOT LIKE '%a'", "s ILIKE 'A%'", "s NOT ILIKE 'a%'", "s SIMILAR TO 'a.*'",
        "s ~ 'a.*'", "s GLOB 'a*'", "s LIKE 'a!%' ESCAPE '!'", "s ^@ 'a'", "starts_with(s, 'a')",
        "contains(s, 'a')", "i = ANY([1, 2])", "l @> [1]", "l && [1]", "i > ALL (SELECT bi FROM t)",
    ]:
        add(x)

    # --- strings ---
    for x in [
        "s || 'x'", "s || i", "i || s", "s || NULL", "'a' || 'b'", "s || dt", "i || i", "l || l", "l || [4]",
        "bl || bl", "concat(s, 'x')", "concat(s, i, d)", "concat(i, i)", "concat(s)", "concat_ws(',', s, s)",
        "concat_ws('-', s, i, dt)", "s + s",
        "length(s)", "len(s)", "char_length(s)", "octet_length(bl)", "strlen(s)", "lower(s)", "upper(s)",
        "lcase(s)", "ucase(s)", "trim(s)", "ltrim(s)", "rtrim(s)", "trim(s, 'x')", "trim(BOTH 'x' FROM s)",
        "substr(s, 1, 3)", "substring(s, 2)", "substring(s FROM 1 FOR 2)", "replace(s, 'a', 'b')",
        "split_part(s, ',', 1)", "string_split(s, ',')", "str_split(s, ',')", "split(s, ',')",
        "regexp_replace(s, 'a', 'b')", "regexp_replace(s, 'a', 'b', 'g')", "regexp_matches(s, 'a')",
        "regexp_extract(s, 'a(b)', 1)", "regexp_extract_all(s, 'a')", "regexp_split_to_array(s, ',')",
        "left(s, 2)", "right(s, 2)", "lpad(s, 5, '0')", "rpad(s, 5, ' ')", "reverse(s)", "repeat(s, 3)",
        "position('a' IN s)", "strpos(s, 'a')", "instr(s, 'a')", "md5(s)", "sha256(s)", "sha1(s)",
        "hash(s)", "hash(i, s)", "md5_number(s)", "initcap(s)", "ascii(s)", "chr(65)", "format('{}', i)",
        "printf('%d', i)", "string_agg(s, ',')", "to_base64(bl)", "from_base64(s)", "encode(s)", "decode(bl)",
        "uuid()", "gen_random_uuid()", "u::VARCHAR", "s::UUID", "levenshtein(s, 'a')", "jaro_winkler_similarity(s, 'a')",
        "translate(s, 'a', 'b')", "nullif(s, '')", "ifnull(s, '')", "coalesce(s, '')", "bit_length(s)",
        "prefix(s, 'a')", "suffix(s, 'a')", "ends_with(s, 'a')", "array_to_string(sl, ',')",
        "list_aggr(sl, 'string_agg', ',')", "s[1]", "s[1:2]", "typeof(i)", "pg_typeof(i)",
    ]:
        add(x)

    # --- CASE / conditional with mixed branch types ---
    branch_pairs = [
        ("i", "bi"), ("i", "d"), ("i", "dec"), ("dec", "dec4"), ("dec", "dec38"), ("s", "NULL"),
        ("NULL", "s"), ("1", "2"), ("1", "1.5"), ("1", "bi"), ("1", "10000000000"), ("i", "f"), ("f", "d"),
        ("ti", "si"), ("ui", "i"), ("ubi", "bi"), ("ubi", "hi"), ("hi", "d"), ("dec", "1"), ("dec", "1.5"),
        ("dec", "0"), ("dec4", "1.23456"), ("s", "i"), ("i", "s"), ("s", "'x'"), ("dt", "ts"),
        ("ts", "tstz"), ("dt", "'2020-01-01'"), ("b", "NULL"), ("b", "1"), ("l", "[1.5]"),
        ("NULL", "NULL"), ("i", "NULL"), ("dec", "NULL"), ("bi", "dec"), ("d", "dec38"),
    ]
    for a, b in branch_pairs:
        add(f"CASE WHEN b THEN {a} ELSE {b} END")
    for x in [
        "CASE WHEN b THEN i END", "CASE WHEN b THEN 'a' WHEN i > 1 THEN 'b' END", "CASE i WHEN 1 THEN 'a' ELSE 'b' END",
        "CASE WHEN b THEN 1 WHEN i > 2 THEN 2.5 ELSE bi END", "CASE WHEN b THEN 1 ELSE 0 END",
        "CASE WHEN b THEN true ELSE false END", "CASE WHEN b THEN dt END", "CASE s WHEN 'a' THEN dec ELSE 0 END",
        "IF(b, i, d)", "if(b, 'a', 'b')", "iif(b, i, bi)",
    ]:
        add(x)
    for fn in ["coalesce", "ifnull", "nullif", "greatest", "least"]:
        for a, b in branch_pairs:
            add(f"{fn}({a}, {b})")
    for x in [
        "coalesce(i, bi, d)", "coalesce(i, 0)", "coalesce(dec, 0)", "coalesce(dec, 0.0)", "coalesce(s, 'x', NULL)",
        "coalesce(NULL, 1)", "coalesce(dt, current_date)", "coalesce(ts, now())", "coalesce(tstz, now())",
        "coalesce(i)", "greatest(i, bi, d)", "greatest(dt, ts)", "least(s, 'a')", "greatest(1, 2)",
        "nullif(i, 0)", "nullif(dec, 0)", "nullif(bi, 0)", "ifnull(dec, 0)",
    ]:
        add(x)

    # --- ordered-set aggregates, SQL's niladic time functions, decimal results ---
    for x in [
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY i)", "percentile_cont(0.5) WITHIN GROUP (ORDER BY d)",
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY dec)", "percentile_disc(0.9) WITHIN GROUP (ORDER BY bi)",
        "percentile_disc(0.5) WITHIN GROUP (ORDER BY s)", "mode() WITHIN GROUP (ORDER BY s)",
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY dt)", "percentile_cont(0.25) WITHIN GROUP (ORDER BY ts)",
        "percentile_disc(0.5) WITHIN GROUP (ORDER BY dec4)",
        "current_timestamp", "now()", "current_date", "current_time", "localtimestamp", "localtime",
        "get_current_timestamp()", "transaction_timestamp()", "today()",
        "round(avg(dec), 2)", "sum(dec) - sum(dec4)", "dec + dec", "dec * dec", "sum(dec) / count(*)",
        "avg(dec)", "round(dec, 1)", "dec::DECIMAL(16,2) + dec::DECIMAL(16,2)", "sum(dec::DECIMAL(16,2))",
        "sum(CASE WHEN b THEN 1 ELSE 0 END)", "count(DISTINCT i) > 1", "min(ts)::DATE",
    ]:
        add(x)

    # --- casts ---
    targets = [
        "VARCHAR", "VARCHAR(10)", "TEXT", "STRING", "CHAR", "CHAR(3)", "BPCHAR", "INT", "INTEGER", "INT4",
        "INT8", "INT2", "INT1", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "INT128", "UBIGINT", "UINTEGER",
        "UTINYINT", "USMALLINT", "UHUGEINT", "LONG", "SHORT", "SIGNED",
        "DECIMAL", "DECIMAL(10,2)", "DECIMAL(38,0)", "DECIMAL(5)", "NUMERIC", "NUMERIC(12,3)", "DEC(10,2)",
        "FLOAT", "FLOAT4", "FLOAT8", "REAL", "DOUBLE", "DOUBLE PRECISION", "BOOLEAN", "BOOL", "LOGICAL",
        "DATE", "TIMESTAMP", "DATETIME", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_S",
        "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP(3)", "TIME", "TIMETZ", "INTERVAL", "BLOB", "BYTEA", "UUID",
        "JSON", "INTEGER[]", "VARCHAR[]", "INT[3]", "BIGINT[][]", "STRUCT(a INT)", "MAP(VARCHAR, INT)",
        "BIT", "VARINT",
    ]
    for tgt in targets:
        add(f"CAST(s AS {tgt})")
    for tgt in ["VARCHAR(10)", "DECIMAL(10,2)", "NUMERIC", "INT", "TEXT", "STRING", "FLOAT4", "FLOAT8", "REAL",
                "TIMESTAMP", "TIMESTAMPTZ", "DATE", "BIGINT", "DOUBLE", "DECIMAL", "BOOLEAN"]:
        add(f"i::{tgt}")
        add(f"TRY_CAST(s AS {tgt})")
    for x in [
        "d::DECIMAL(18,4)", "dec::DOUBLE", "dec::INT", "ts::DATE", "dt::TIMESTAMP", "tstz::TIMESTAMP",
        "ts::TIMESTAMPTZ", "tstz::DATE", "ts::TIME", "'1'::INT", "1::VARCHAR", "1.5::INT", "NULL::INT",
        "s::JSON", "'[1]'::INT[]", "l::VARCHAR[]", "l::VARCHAR", "st::VARCHAR", "m::VARCHAR", "b::INT",
        "i::BOOLEAN", "TRY_CAST(i AS TINYINT)", "TRY_CAST(ts AS DATE)", "CAST(i AS DECIMAL(10,2)) / 3",
        "'2020-01-01'::TIMESTAMP", "epoch_ms(bi)", "i::BIGINT::VARCHAR", "(i::DOUBLE)::DECIMAL(9,3)",
        "CAST(NULL AS DATE)", "CAST(dec AS DECIMAL(5,1))", "dec::NUMERIC", "d::NUMERIC", "bi::NUMERIC",
        "hi::DECIMAL", "i::DECIMAL", "ti::DECIMAL", "s::DECIMAL(39,2)",
    ]:
        add(x)

    # --- aggregates over every numeric column ---
    num_aggs = ["sum", "avg", "min", "max", "stddev", "stddev_samp", "stddev_pop", "variance", "var_pop",
                "median", "mode", "any_value", "first", "last", "product", "mean", "fsum", "sumkahan",
                "kurtosis", "skewness", "entropy", "mad", "bit_and", "bit_or", "favg"]
    for c in NUM_COLS:
        for fn in num_aggs:
            add(f"{fn}({c})")
        add(f"count({c})")
        add(f"count(DISTINCT {c})")
        add(f"sum(DISTINCT {c})")
        add(f"quantile({c}, 0.5)")
        add(f"quantile_cont({c}, 0.5)")
        add(f"quantile_disc({c}, 0.5)")
        add(f"quantile_cont({c}, [0.25, 0.75])")
        add(f"approx_quantile({c}, 0.5)")
        add(f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {c})")
        add(f"percentile_disc(0.5) WITHIN GROUP (ORDER BY {c})")
        add(f"arg_max(s, {c})")
        add(f"arg_max({c}, dt)")
        add(f"arg_min({c}, i)")
        add(f"max_by(s, {c})")
        add(f"corr({c}, d)")
        add(f"covar_pop({c}, d)")
        add(f"regr_slope({c}, d)")
        add(f"histogram({c})")
        add(f"array_agg({c})")
        add(f"list({c})")
        add(f"approx_count_distinct({c})")
    for c in ["s", "b", "dt", "ts", "tstz", "tm", "iv", "bl", "u", "l", "st", "m"]:
        for fn in ["min", "max", "count", "any_value", "first", "array_agg", "list", "mode", "approx_count_distinct"]:
            add(f"{fn}({c})")
    for x in [
        "count(*)", "count()", "count(1)", "count(DISTINCT s)", "count(*) FILTER (WHERE b)",
        "sum(i) FILTER (WHERE b)", "string_agg(s, ',')", "string_agg(s, ',' ORDER BY i)", "string_agg(s)",
        "listagg(s, ',')", "group_concat(s, ',')", "string_agg(DISTINCT s, ',')", "array_agg(s ORDER BY i)",
        "list(DISTINCT s)", "bool_and(b)", "bool_or(b)", "every(b)", "sum(b)", "avg(b::INT)",
        "count_if(b)", "countif(i > 1)", "sum(CASE WHEN b THEN 1 ELSE 0 END)", "sum(CASE WHEN b THEN dec ELSE 0 END)",
        "avg(iv)", "sum(iv)", "median(dt)", "median(ts)", "avg(ts)", "avg(dt)", "median(iv)",
        "min(s)", "max(dt)", "arg_max(s, ts)", "arg_min(st, i)", "list(st)", "histogram(s)", "mode(s)",
        "approx_count_distinct(s)", "approx_top_k(s, 3)", "reservoir_quantile(d, 0.5)", "bitstring_agg(ui)",
        "sum(dec * dec4)", "sum(dec * i)", "sum(d * dec)", "sum(i) / count(*)", "sum(bi) / count(*)",
        "sum(dec) / count(*)", "sum(dec) / sum(dec4)", "sum(i) * 1.0 / count(*)", "round(avg(dec), 2)",
        "round(avg(d), 2)", "round(sum(dec), 0)", "coalesce(sum(i), 0)", "coalesce(sum(dec), 0)",
        "coalesce(sum(d), 0)", "coalesce(max(s), '')", "count(*) * 100.0 / sum(count(*)) OVER ()",
        "sum(i) + sum(bi)", "sum(i)::BIGINT", "avg(i)::DECIMAL(10,2)", "max(i) - min(i)", "max(dt) - min(dt)",
        "max(ts) - min(ts)", "date_diff('day', min(dt), max(dt))", "sum(dec) * 100", "sum(dec) / 100",
        "avg(dec) * 2", "1.0 * sum(i) / nullif(count(*), 0)", "sum(i)::DOUBLE / count(*)",
        "count(DISTINCT i) / count(*)", "sum(ti)", "sum(si)", "sum(ubi)", "sum(ui)", "sum(f)",
        "list_sum(l)", "list_avg(l)", "list_max(l)", "list_count(l)",
    ]:
        add(x)

    # --- scalar functions ---
    for c in NUM_COLS:
        for fn in ["round({})", "round({}, 2)", "round({}, -1)", "abs({})", "floor({})", "ceil({})", "ceiling({})",
                   "sqrt({})", "ln({})", "log({})", "log10({})", "log2({})", "exp({})", "sign({})",
                   "trunc({})", "trunc({}, 1)", "power({}, 2)", "cbrt({})", "even({})", "round_even({}, 1)",
                   "isnan({})", "isfinite({})", "{} // 2"]:
            add(fn.format(c))
    for x in [
        "round(1.5)", "round(1.555, 2)", "round(1)", "round(1e3)", "round(dec, i)", "round(d, i)",
        "pi()", "random()", "abs(-1)", "gcd(i, bi)", "lcm(i, i)", "factorial(ti)", "mod(i, 3)",
        "mod(dec, 1)", "div(i, 2)", "fdiv(i, 2)", "fmod(d, 2)", "degrees(d)", "radians(d)", "sin(d)",
        "atan2(d, d)", "bit_count(i)", "setseed(0.5)", "least(i, 0)", "greatest(dec, 0)", "nextafter(d, 1)",
        "add(i, 1)", "subtract(i, 1)", "multiply(i, 2)", "divide(i, 2)",
    ]:
        add(x)

    # --- date / time functions ---
    parts = ["year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond",
             "epoch", "dow", "doy", "isodow", "yearweek", "julian"]
    for c in ["dt", "ts", "tstz"]:
        for p in parts:
            add(f"date_part('{p}', {c})")
        for p in ["year", "month", "day", "hour", "epoch", "dow", "quarter", "week", "second", "millisecond"]:
            add(f"extract({p} from {c})")
        for p in ["year", "quarter", "month", "week", "day", "hour", "minute", "second"]:
            add(f"date_trunc('{p}', {c})")
        for fn in ["year({})", "month({})", "day({})", "dayofweek({})", "dayofmonth({})", "dayofyear({})",
                   "week({})", "weekofyear({})", "quarter({})", "hour({})", "minute({})", "second({})",
                   "epoch({})", "epoch_ms({})", "epoch_us({})", "last_day({})", "monthname({})", "dayname({})",
                   "strftime({}, '%Y-%m-%d')", "isodow({})", "yearweek({})", "era({})", "century({})",
                   "date_trunc(s, {})", "date_part(s, {})", "date_part(['year', 'month'], {})",
                   "time_bucket(INTERVAL 1 DAY, {})", "{}::DATE", "{}::VARCHAR"]:
            add(fn.format(c))
        for other in ["dt", "ts", "tstz"]:
            add(f"date_diff('day', {c}, {other})")
            add(f"datediff('month', {c}, {other})")
            add(f"date_sub('day', {c}, {other})")
            add(f"age({c}, {other})")
        add(f"date_add({c}, INTERVAL 1 DAY)")
        add(f"date_add({c}, INTERVAL (i) DAY)")
    for x in [
        "date_part('hour', tm)", "extract(hour from tm)", "date_trunc('hour', tm)", "datepart('year', dt)",
        "datetrunc('month', dt)", "date_diff('hour', tm, tm)", "date_part('day', iv)", "extract(day from iv)",
        "to_days(i)", "to_months(i)", "to_years(i)", "to_seconds(d)", "to_minutes(bi)", "to_hours(i)",
        "to_milliseconds(d)", "epoch(iv)",
        "strptime(s, '%Y-%m-%d')", "strptime(s, ['%Y-%m-%d', '%d/%m/%Y'])", "try_strptime(s, '%Y')",
        "strftime(dt, '%Y')", "strftime('%Y', dt)", "now()", "current_date", "current_timestamp",
        "current_time", "today()", "get_current_timestamp()", "transaction_timestamp()", "localtimestamp",
        "localtime", "get_current_time()", "to_timestamp(d)", "to_timestamp(bi)", "to_timestamp(i)",
        "make_date(i, i, i)", "make_date(bi, bi, bi)", "make_timestamp(bi, bi, bi, bi, bi, d)",
        "make_timestamp(bi)", "make_time(bi, bi, d)", "make_timestamptz(bi, bi, bi, bi, bi, d)",
        "make_interval(days := 1)", "timezone('UTC', ts)", "timezone('UTC', tstz)", "ts AT TIME ZONE 'UTC'",
        "tstz AT TIME ZONE 'UTC'", "epoch_ms(ts)", "epoch_ns(ts)", "date_diff('day', dt, current_date)",
        "current_date - INTERVAL 7 DAY", "current_date - 7", "now() - INTERVAL 1 HOUR",
        "date_trunc('month', current_date)", "date_trunc('day', now())", "date_trunc('month', dt) + INTERVAL 1 MONTH",
        "last_day(current_date)", "generate_series(1, 3)", "range(3)", "age(ts)", "age(tstz)",
        "dt::TIMESTAMP + tm", "ts::DATE - dt",
    ]:
        add(x)

    # --- nested types: lists, structs, maps ---
    for x in [
        "list_value(1, 2)", "list_value(i, bi)", "list_value(i, d)", "list_value(s, 'x')", "list_value()",
        "list_value(NULL)", "[i, bi]", "[i, dec]", "[dec, dec4]", "[s, NULL]", "[[1], [2, 3]]",
        "len(l)", "length(l)", "array_length(l)", "list_extract(l, 1)", "list_element(sl, 1)", "l[1]",
        "sl[1]", "l[1:2]", "l[-1]", "array_extract(l, 1)", "list_contains(l, 1)", "list_has(sl, 'a')",
        "array_contains(l, i)", "list_position(l, 1)", "list_concat(l, l)", "array_concat(l, [1])",
        "list_append(l, 1)", "list_prepend(1, l)", "list_distinct(l)", "list_sort(l)", "list_reverse_sort(l)",
        "list_slice(l, 1, 2)", "list_transform(l, x -> x + 1)", "list_transform(l, x -> x * 1.5)",
        "list_transform(l, lambda x: x::VARCHAR)", "list_filter(l, x -> x > 1)", "list_reduce(l, (a, b) -> a + b)",
        "list_sum(l)", "list_aggregate(l, 'max')", "flatten([[1], [2]])", "list_zip(l, sl)", "list_unique(l)",
        "array_to_string(l, ',')", "unnest(l)", "len(sl)", "cardinality(m)", "array_length(l, 1)",
        "list_cosine_similarity([1.0, 2.0], [2.0, 3.0])", "list_has_any(l, [1])", "list_has_all(l, [1])",
        "l = [1]", "list_select(l, [1])", "list_where(l, [true])", "generate_series(1, i)",
        "st.a", "st.b", "st['b']", "st['a']", "struct_extract(st, 'a')", "struct_extract(st, 1)",
        "struct_pack(a := 1, b := 'x')", "struct_pack(x := i, y := dec)", "{'a': i, 'b': s}", "{'a': 1}.a",
        "struct_insert(st, c := 1)", "row(i, s)", "st.*", "(st).a",
        "m['k']", "m['k'][1]", "element_at(m, 'k')", "map_extract(m, 'k')", "map_extract_value(m, 'k')",
        "map_keys(m)", "map_values(m)", "map_entries(m)", "map_from_entries([('a', 1)])", "map(['a'], [1])",
        "map()", "map_concat(m, m)", "map_contains(m, 'k')", "cardinality(m)",
        "array_value(1, 2)", "[1, 2]::INT[2]", "array_cosine_similarity([1.0, 2.0]::FLOAT[2], [2.0, 3.0]::FLOAT[2])",
        "union_value(a := 1)", "u", "uuid()::VARCHAR", "bl", "octet_length(bl)",
    ]:
        add(x)

    # --- json (extension is built into the Python wheel) ---
    for x in [
        "s::JSON", "json_extract(s, '$.a')", "json_extract_string(s, '$.a')", "json_extract(s, ['$.a', '$.b'])",
        "s -> '$.a'", "s ->> '$.a'", "s -> 'a'", "s ->> 'a'", "s::JSON -> 'a' ->> 'b'", "s -> 0",
        "json_value(s, '$.a')", "json_exists(s, '$.a')", "json_type(s)", "json_valid(s)", "json_array_length(s)",
        "json_keys(s)", "to_json(st)", "to_json(i)", "json_object('a', i)", "json_array(i, s)",
        "json_structure(s)", "json_transform(s, '{\"a\": \"INTEGER\"}')", "from_json(s, '[\"VARCHAR\"]')",
        "json_merge_patch(s, s)", "json_group_array(i)", "json_group_object(s, i)", "json_contains(s, '1')",
        "json_quote(s)", "json(s)", "json_serialize_sql('SELECT 1')", "json_extract_path_text(s, 'a')",
        "json_extract(s, '$.a')::INT", "(s ->> '$.a')::DECIMAL(10,2)", "row_to_json(st)",
    ]:
        add(x)

    # --- window functions ---
    for x in [
        "row_number() OVER ()", "rank() OVER (ORDER BY i)", "dense_rank() OVER (ORDER BY i)",
        "percent_rank() OVER (ORDER BY i)", "cume_dist() OVER (ORDER BY i)", "ntile(4) OVER ()",
        "ntile(4) OVER (ORDER BY d)", "lag(i) OVER (ORDER BY i)", "lag(i, 1) OVER (ORDER BY i)",
        "lag(i, 1, 0) OVER (ORDER BY i)", "lag(dec, 1, 0) OVER (ORDER BY i)", "lag(i, 1, 0.5) OVER (ORDER BY i)",
        "lag(s, 2, '') OVER (ORDER BY i)", "lead(dec) OVER ()", "lead(ts) OVER (PARTITION BY s ORDER BY ts)",
        "lead(i, 1, bi) OVER ()", "first_value(s) OVER ()", "last_value(d) OVER (ORDER BY i)",
        "nth_value(dt, 2) OVER (ORDER BY i)", "first_value(i IGNORE NULLS) OVER (ORDER BY i)",
        "sum(i) OVER ()", "sum(dec) OVER (PARTITION BY s)", "sum(bi) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
        "avg(dec) OVER ()", "avg(i) OVER (PARTITION BY s ORDER BY ts)", "count(*) OVER ()", "count(i) OVER (PARTITION BY s)",
        "min(dt) OVER ()", "max(s) OVER ()", "array_agg(i) OVER (ORDER BY i)", "string_agg(s, ',') OVER ()",
        "row_number() OVER (PARTITION BY s ORDER BY ts DESC)", "first(s) OVER ()", "fill(i) OVER (ORDER BY i)",
        "i - lag(i) OVER (ORDER BY i)", "dec / sum(dec) OVER ()", "i * 1.0 / sum(i) OVER ()",
        "ts - lag(ts) OVER (ORDER BY ts)", "dt - lag(dt) OVER (ORDER BY dt)", "row_number() OVER () = 1",
        "sum(sum(i)) OVER ()", "rank() OVER (ORDER BY sum(dec) DESC)", "coalesce(lag(dec) OVER (ORDER BY i), 0)",
        "median(d) OVER ()", "quantile_cont(dec, 0.5) OVER ()", "stddev(i) OVER ()",
    ]:
        add(x)
    return e


def main():
    if duckdb.__version__ != EXPECTED_VERSION:
        print(f"warning: expected duckdb {EXPECTED_VERSION}, got {duckdb.__version__}", file=sys.stderr)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    cols_sql = ", ".join(f"{n} {t}" for n, t in COLUMNS)
    con.execute(f"CREATE TABLE t ({cols_sql})")
    # Read back DuckDB's own spelling of the column types for the header.
    described = con.execute("DESCRIBE t").fetchall()
    header = "# table t: " + ", ".join(f"{r[0]} {r[1]}" for r in described)

    seen = set()
    lines = []
    dropped = []
    for expr in expressions():
        if expr in seen:
            continue
        seen.add(expr)
        assert "\t" not in expr and "\n" not in expr, expr
        try:
            rows = con.execute(f"DESCRIBE SELECT {expr} AS x FROM t").fetchall()
        except duckdb.Error as e:
            dropped.append((expr, str(e).splitlines()[0]))
            continue
        if len(rows) != 1:
            dropped.append((expr, f"{len(rows)} output columns"))
            continue
        lines.append(f"{expr}\t{rows[0][1]}")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(header + "\n")
        for line in lines:
            f.write(line + "\n")

    print(f"wrote {len(lines)} expressions to {OUT.relative_to(ROOT)}")
    print(f"dropped {len(dropped)} expressions rejected by DuckDB")
    if "-v" in sys.argv:
        for expr, err in dropped:
            print(f"  {expr}: {err}")


if __name__ == "__main__":
    main()
