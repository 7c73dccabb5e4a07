#!/usr/bin/env python3
"""Score Loupe's column lineage against the column-lineage test cases of sqllineage 1.5.9.

sqllineage (a third-party Python project on PyPI) ships a test suite whose column tests
call `assert_column_lineage_equal` (in its tests/helpers.py) with an SQL text, the
expected (source column, target column) pairs, a dialect and, for some, a metadata
provider. This script:

1. downloads the sqllineage 1.5.9 sdist from PyPI into ~/.cache/loupe-lineage-suite
   (nothing of sqllineage is kept in this repository);
2. runs pytest over its tests/sql/column/ (which also holds the dialect-specific column
   tests) with `assert_column_lineage_equal` replaced by a recorder, so each call becomes a
   case (SQL, dialect, table schemas, expected edges), parametrize and fixtures included;
3. runs `loupe lineage --sql FILE --dialect D [--catalog FILE] --include-indirect --json`
   on each case and compares the edge sets after the normalisations below;
4. if sqllineage is importable (bench/lineage_suite.sh installs it in the venv), runs
   sqllineage itself on the same cases, with the same normalisations, for its own score.

Case counting:
- sqllineage's assertion runs each SQL with the test's dialect and again with its sqlparse
  fallback ("non-validating"), and with two graph back ends; a case is the test's own
  dialect only (Loupe has no "non-validating" dialect).
- Tests that take the `provider` fixture run once with a DummyMetaDataProvider and once
  with an SQLAlchemy (SQLite) provider built from the same schemas; the SQLAlchemy run is
  the same case and is dropped.
- Identical (SQL, dialect, schemas, expected) calls are counted once.
- Tests that sqllineage marks xfail or skip are counted separately (not in M); 1.5.9 has
  none among its column tests.
- sqllineage 1.5.9 gives 188 cases this way: 169 ansi, 7 tsql, 3 bigquery, 3 oracle,
  2 databricks, 2 sparksql, 1 teradata, 1 hive; 9 of them are procedures and one is
  two statements (tests/sql/column/multiple_statements/).

Normalisations (applied to Loupe's edges, sqllineage's expectations and sqllineage's own
output alike):
- Names compare case-insensitively and without quotes: sqllineage lowercases unquoted
  identifiers and strips ` " ' [ ] from quoted ones; Loupe keeps the spelling.
- sqllineage writes an unqualified table as `<default>.table`; the `<default>.` prefix
  is dropped, so `tab1` and `<default>.tab1` are the same table.
- A column whose table sqllineage cannot tell (several relations, no metadata) has no
  qualifier in its expectations; Loupe prints `source_table: null` then. Both map to None.
- sqllineage reports only the two ends of each path (`(lineage[0], lineage[-1])`), through
  subqueries and CTEs; Loupe's edges already go from base table to target. Edges whose
  target table is null (a bare SELECT, no written relation) are dropped: sqllineage
  draws no column lineage for them.
- Several statements: sqllineage keeps one column graph for the whole text and reports
  the paths from its source columns (nothing flows in) to its target columns (nothing
  flows out; a column that feeds itself counts as both), so a table written by one
  statement and read by a later one is an inner node and disappears. Loupe prints each
  statement's edges; they are composed the same way (`end_to_end`).
- `*`: sqllineage draws `src.* -> tgt.*` for a wildcard over a table whose columns are
  unknown; Loupe prints the same edge (column `*`). Two conventions of sqllineage's
  around `*` are dropped on every side: `count(*)` reading `src.*` (an edge from `*` to a
  named column: Loupe says such a column reads no column), and `src.c -> tgt.c` beside
  `src.* -> tgt.*` (already implied by the wildcard edge).
- Unaliased expressions: sqllineage names the output column by the expression's text
  (`col1 + col2`), Loupe by the engine's name (`(col1 + col2)`); a target column whose
  name is not a bare identifier is compared as `<expression>`. A bare identifier stays
  (sqllineage names `col1::timestamp` `col1`; the engine names it `CAST(col1 AS ...)`).
- sqllineage counts columns read by CASE conditions, function arguments and window
  clauses as sources, not those in WHERE or JOIN conditions; Loupe prints the former
  under --include-indirect (kinds `condition`, ...), the latter under `influences`, which
  is not read. Every kind in `edges` counts the same.
- Lateral column aliases: some tests set SQLLINEAGE_LATERAL_COLUMN_ALIAS_REFERENCE; the
  setting is recorded with the case and given to sqllineage's own run. Loupe has no such
  switch: it reads an alias of the same SELECT where the catalog shows that no column of
  that name exists.
- Metadata: the test's schemas become a Loupe catalog file
  `{"tables": {"schema.table": [[column, "INTEGER"], ...]}}` (the SQLAlchemy provider
  types every column INTEGER too).
- Dialects: sqlfluff's `sparksql` is Loupe's `spark`; the others share their name.

Usage: python3 bench/lineage_suite.py --loupe PATH [--no-sqllineage] [--only SUBSTRING]
Ends with `passed N of M (sqllineage's own tool: K)`.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "1.5.9"
CACHE = Path(os.environ.get("LOUPE_LINEAGE_SUITE_CACHE", Path.home() / ".cache" / "loupe-lineage-suite"))
DIALECTS = {"sparksql": "spark"}


def sdist_root() -> Path:
    """Download and unpack the sqllineage sdist once; return the unpacked folder."""
    root = CACHE / "sdist" / f"sqllineage-{VERSION}"
    if (root / "tests" / "helpers.py").exists():
        return root
    dest = CACHE / "sdist"
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"sqllineage=={VERSION}", "--no-deps",
         "--no-binary", ":all:", "-d", str(dest)],
        check=True,
    )
    with tarfile.open(dest / f"sqllineage-{VERSION}.tar.gz") as tar:
        tar.extractall(dest)
    return root


def extract_cases(root: Path) -> list[dict]:
    """Run sqllineage's column tests under pytest with the assertion recording its arguments."""
    import pytest

    cases: list[dict] = []
    current: dict = {}

    class Recorder:
        def pytest_configure(self, config):
            sys.path.insert(0, str(root))
            import tests.helpers as asserts

            def record(sql, column_lineages=None, dialect="ansi", metadata_provider=None,
                       test_sqlfluff=True, test_sqlparse=True):
                kind = type(metadata_provider).__name__ if metadata_provider is not None else None
                schema = dict(getattr(metadata_provider, "metadata", {}) or {}) or None
                from sqllineage.config import SQLLineageConfig

                cases.append({
                    "test": current.get("id"),
                    "markers": current.get("markers", []),
                    "sql": sql,
                    "dialect": dialect,
                    "provider": kind,
                    "schema": schema,
                    # some tests turn this on through the environment (SQLLINEAGE_...)
                    "lateral_alias": bool(SQLLineageConfig.LATERAL_COLUMN_ALIAS_REFERENCE),
                    "expected": [[[s.qualifier, s.column], [t.qualifier, t.column]]
                                 for s, t in (column_lineages or [])],
                })

            asserts.assert_column_lineage_equal = record

        def pytest_collection_modifyitems(self, items):
            # run skipped tests too, so that their cases are seen (and counted apart)
            for item in items:
                item.own_markers = [m for m in item.own_markers if m.name not in ("skip", "skipif")]

        def pytest_runtest_setup(self, item):
            current["id"] = item.nodeid
            current["markers"] = sorted({m.name for m in item.iter_markers()
                                         if m.name in ("xfail", "skip", "skipif")})

    with open(os.devnull, "w") as null:
        saved = sys.stdout
        sys.stdout = null
        try:
            rc = pytest.main([str(root / "tests" / "sql" / "column"), "-q", "-p", "no:cacheprovider",
                              "--rootdir", str(root)], plugins=[Recorder()])
        finally:
            sys.stdout = saved
    if rc != 0:
        sys.exit(f"collecting sqllineage's cases failed (pytest exit {rc}): some cases would be missing")
    seen, out = set(), []
    for case in cases:
        if case["provider"] == "SQLAlchemyMetaDataProvider":
            continue  # the same case as its DummyMetaDataProvider run
        key = json.dumps([case["sql"], case["dialect"], case["schema"], case["lateral_alias"], case["expected"]],
                         sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        out.append(case)
    return out


def unquote(name: str) -> str:
    if name.startswith("[") and name.endswith("]"):
        return name[1:-1]
    return name.strip("`\"'")


def norm_table(name):
    if name is None:
        return None
    parts = [unquote(p).lower() for p in str(name).split(".")]
    if parts and parts[0] == "<default>":
        parts = parts[1:]
    return ".".join(parts)


def norm_edge(st, sc, tt, tc):
    return (norm_table(st), unquote(str(sc)).lower(), norm_table(tt), unquote(str(tc)).lower())


IDENT = re.compile(r"^[a-z_][a-z0-9_$#@]*$")


def end_to_end(edges):
    """Paths from source columns to target columns, as sqllineage's get_column_lineage."""
    succ: dict = {}
    indeg: dict = {}
    nodes = set()
    for st, sc, tt, tc in edges:
        a, b = (st, sc), (tt, tc)
        nodes |= {a, b}
        succ.setdefault(a, set()).add(b)
        indeg[b] = indeg.get(b, 0) + 1
    loops = {a for a in nodes if a in succ.get(a, ())}
    sources = {n for n in nodes if indeg.get(n, 0) == 0} | loops
    targets = {n for n in nodes if not succ.get(n)} | loops
    out = set()
    for s in sources:
        seen, stack = {s}, [s]
        while stack:
            n = stack.pop()
            for m in succ.get(n, ()):
                if m in targets:
                    out.add((s[0], s[1], m[0], m[1]))
                if m not in seen and m not in loops:
                    seen.add(m)
                    stack.append(m)
    return out


def normalise(edges):
    edges = end_to_end(edges)
    stars = {(st, tt) for st, sc, tt, tc in edges if sc == "*" and tc == "*"}
    out = set()
    for st, sc, tt, tc in edges:
        if sc == "*" and tc != "*":
            continue  # sqllineage's count(*) reading src.*
        if sc != "*" and sc == tc and (st, tt) in stars:
            continue  # implied by src.* -> tgt.*
        if tc != "*" and not IDENT.match(tc):
            tc = "<expression>"
        out.add((st, sc, tt, tc))
    return out


def expected_edges(case):
    return normalise({norm_edge(s[0], s[1], t[0], t[1]) for s, t in case["expected"]})


def loupe_edges(loupe: str, case, include_indirect: bool):
    with tempfile.TemporaryDirectory() as tmp:
        sql = Path(tmp) / "case.sql"
        sql.write_text(case["sql"])
        cmd = [loupe, "lineage", "--sql", str(sql), "--dialect",
               DIALECTS.get(case["dialect"], case["dialect"]), "--json"]
        if include_indirect:
            cmd.append("--include-indirect")
        if case["schema"]:
            catalog = Path(tmp) / "catalog.json"
            catalog.write_text(json.dumps({"tables": {
                t: [[c, "INTEGER"] for c in cols] for t, cols in case["schema"].items()}}))
            cmd += ["--catalog", str(catalog)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        try:
            data = json.loads(proc.stdout)
        except json.JSONDecodeError:
            return None, (proc.stderr or proc.stdout).strip()[:500]
        return normalise({norm_edge(e["source_table"], e["source_column"], e["target_table"], e["target_column"])
                          for e in data.get("edges", []) if e.get("target_table") is not None}), None


def sqllineage_edges(case):
    import warnings

    warnings.simplefilter("ignore")
    from sqllineage.core.metadata.dummy import DummyMetaDataProvider
    from sqllineage.runner import LineageRunner

    from sqllineage.config import SQLLineageConfig

    provider = DummyMetaDataProvider(case["schema"] or {})
    with SQLLineageConfig(LATERAL_COLUMN_ALIAS_REFERENCE=case["lateral_alias"]):
        lr = LineageRunner(case["sql"], dialect=case["dialect"], metadata_provider=provider)
        paths = set(lr.get_column_lineage())
    out = set()
    for path in paths:
        src, tgt = path[0], path[-1]
        out.add(norm_edge(src.parent, src.raw_name, tgt.parent, tgt.raw_name))
    return normalise(out)


def show(edges):
    return "\n".join(f"      {st}.{sc} -> {tt}.{tc}" for st, sc, tt, tc in sorted(edges, key=str)) or "      (none)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loupe", required=True, help="path of the loupe binary")
    ap.add_argument("--no-sqllineage", action="store_true", help="do not run sqllineage itself")
    ap.add_argument("--no-indirect", action="store_true", help="run Loupe without --include-indirect")
    ap.add_argument("--only", help="only the cases whose test id contains this")
    ap.add_argument("--dump", help="write the extracted cases to this JSON file")
    args = ap.parse_args()

    cases = extract_cases(sdist_root())
    if args.only:
        cases = [c for c in cases if args.only in c["test"]]
    if args.dump:
        Path(args.dump).write_text(json.dumps(cases, indent=1))

    own = None
    own_misses = []
    if not args.no_sqllineage:
        try:
            import sqllineage  # noqa: F401
            own = 0
        except ImportError:
            print("sqllineage is not importable: its own score is not measured", file=sys.stderr)

    passed = total = marked = marked_passed = 0
    for case in cases:
        want = expected_edges(case)
        got, error = loupe_edges(args.loupe, case, not args.no_indirect)
        ok = got == want
        if own is not None and not case["markers"]:
            try:
                theirs = sqllineage_edges(case)
            except Exception as exc:  # sqllineage failing on its own case counts as a miss
                theirs = f"error: {exc}"
            if theirs == want:
                own += 1
            else:
                own_misses.append((case, theirs))
        if case["markers"]:
            marked += 1
            marked_passed += ok
            continue
        total += 1
        passed += ok
        if not ok:
            print(f"FAIL {case['test']} [{case['dialect']}]"
                  + (" (sqllineage: lateral column aliases on)" if case["lateral_alias"] else ""))
            print("  sql:\n    " + case["sql"].strip().replace("\n", "\n    "))
            print("  expected:\n" + show(want))
            print("  got:\n" + (f"      error: {error}" if error else show(got)))
            if got and not error:
                print("  missing:\n" + show(want - got))
                print("  extra:\n" + show(got - want))
    for case, theirs in own_misses:
        print(f"sqllineage itself misses {case['test']} [{case['dialect']}]:")
        print("  expected:\n" + show(expected_edges(case)))
        print("  got:\n" + (f"      {theirs}" if isinstance(theirs, str) else show(theirs)))
    if marked:
        print(f"xfail/skip in sqllineage: Loupe passed {marked_passed} of {marked}")
    own_text = "not run" if own is None else str(own)
    print(f"passed {passed} of {total} (sqllineage's own tool: {own_text})")


if __name__ == "__main__":
    main()
