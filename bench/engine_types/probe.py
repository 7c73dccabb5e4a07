#!/usr/bin/env python3
"""Loupe's inferred types against the result types Snowflake's function reference gives.

usage: probe.py LOUPE [EXPRS_TSV] [--catalog CATALOG_JSON] [--jobs 2]

EXPRS_TSV defaults to snowflake.tsv beside this script (expr, type, source URL per
row) and CATALOG_JSON to snowflake_catalog.json (the table `t` the expressions read).

For each row of the TSV (expr, type, source) writes `select <expr> as x from t`
to a temp file (if expr itself starts with "select ", it is used verbatim as the
whole query, e.g. for LATERAL FLATTEN rows) and runs:
    LOUPE schema --sql FILE --dialect snowflake --catalog CATALOG
stdout must be a JSON array of [name, type] pairs.
Prints one line per row that is not equal, then a summary.
"""
import argparse, csv, json, os, re, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

LEN_STRIP = re.compile(r"^(VARCHAR|CHAR|CHARACTER|STRING|TEXT|BINARY|VARBINARY|TIME|TIMESTAMP_NTZ|TIMESTAMP_LTZ|TIMESTAMP_TZ)\s*\(\s*\d+\s*\)$")

def norm(t):
    t = re.sub(r"\s+", "", str(t).upper())
    m = LEN_STRIP.match(t)
    if m:
        t = m.group(1)
    return t

def matches(expected, got):
    e, g = norm(expected), norm(got)
    if e == "NUMBER(*)":
        return g == "NUMBER" or g.startswith("NUMBER(")
    return e == g

def build_sql(expr):
    if expr.lstrip().lower().startswith("select "):
        return expr.strip() + "\n"
    return f"select {expr} as x from t\n"

def run_one(loupe, catalog, expr, timeout):
    fd, path = tempfile.mkstemp(prefix="probe_", suffix=".sql")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(build_sql(expr))
        try:
            cp = subprocess.run([loupe, "schema", "--sql", path, "--dialect", "snowflake",
                                 "--catalog", catalog],
                                capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return ("error", None, f"timeout after {timeout}s")
        except OSError as exc:
            return ("error", None, f"cannot run {loupe}: {exc}")
        if cp.returncode != 0:
            msg = (cp.stderr or cp.stdout or "").strip().replace("\n", " | ")
            return ("error", None, f"exit {cp.returncode}: {msg[:300]}")
        try:
            cols = json.loads(cp.stdout)
            pick = [c for c in cols if str(c[0]).lower() == "x"] or cols
            got = pick[0][1]
        except Exception as exc:
            return ("error", None, f"bad stdout ({exc}): {cp.stdout.strip()[:200]}")
        return ("ok", got, None)
    finally:
        os.unlink(path)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("loupe")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("tsv", nargs="?", default=os.path.join(here, "snowflake.tsv"))
    ap.add_argument("--catalog", default=os.path.join(here, "snowflake_catalog.json"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()

    with open(a.tsv, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))

    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        results = list(ex.map(lambda r: run_one(a.loupe, a.catalog, r["expr"], a.timeout), rows))

    counts = {"equal": 0, "different": 0, "UNKNOWN-got": 0, "errors": 0}
    for row, (status, got, err) in zip(rows, results):
        exp = row["type"]
        if status == "error":
            counts["errors"] += 1
            print(f"ERROR\t{row['expr']}\texpected={exp}\t{err}")
        elif matches(exp, got):
            counts["equal"] += 1
        elif "UNKNOWN" in norm(got):
            counts["UNKNOWN-got"] += 1
            print(f"UNKNOWN\t{row['expr']}\texpected={exp}\tgot={got}")
        else:
            counts["different"] += 1
            print(f"DIFF\t{row['expr']}\texpected={exp}\tgot={got}")
    total = len(rows)
    print(f"\nSUMMARY total={total} equal={counts['equal']} different={counts['different']} "
          f"UNKNOWN-got={counts['UNKNOWN-got']} errors={counts['errors']}")
    return 0 if counts["equal"] == total else 1

if __name__ == "__main__":
    sys.exit(main())
