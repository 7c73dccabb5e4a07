#!/usr/bin/env python3
"""Generate DuckDB function catalog + keyword list for Loupe's type inference.

Outputs (relative to the repository root, regardless of cwd):
  crates/analysis/src/catalog/duckdb_functions.jsonl
  crates/analysis/src/catalog/duckdb_keywords.txt

Run with the pinned DuckDB (see scripts/README.md):
  /root/.cache/loupe-py/bin/python scripts/gen_duckdb_catalog.py

duckdb_functions.jsonl: one JSON object per function overload, sorted by name:
  {"name": str (lowercase), "kind": "scalar"|"aggregate"|"window"|"macro",
   "params": [type strings], "varargs": type string | null, "ret": type string | null}
Macros additionally carry "body": the macro definition SQL and "param_names"
(their params are "ANY" per parameter and ret is null, since DuckDB does not
type macros; Loupe types a macro call by inferring its body).
"""

import json
import pathlib
import sys

import duckdb

EXPECTED_VERSION = "1.5.5"

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "crates" / "analysis" / "src" / "catalog"
FUNCS_OUT = OUT_DIR / "duckdb_functions.jsonl"
KEYWORDS_OUT = OUT_DIR / "duckdb_keywords.txt"

# Window-only functions. In DuckDB 1.5.x these are listed by duckdb_functions()
# as function_type 'aggregate' (parameters named col0, col1, ...), but they can
# only be used with OVER. Optional trailing arguments are expanded into one
# overload per arity below; each arity is verified against the engine.
WINDOW_PROBES = {
    # name: list of (argument SQL list, param types)
    "row_number": [([], [])],
    "rank": [([], [])],
    "dense_rank": [([], [])],
    "rank_dense": [([], [])],
    "percent_rank": [([], [])],
    "cume_dist": [([], [])],
    "ntile": [(["4"], ["BIGINT"])],
    "lag": [(["i"], ["T"]), (["i", "1"], ["T", "BIGINT"]), (["i", "1", "i"], ["T", "BIGINT", "T"])],
    "lead": [(["i"], ["T"]), (["i", "1"], ["T", "BIGINT"]), (["i", "1", "i"], ["T", "BIGINT", "T"])],
    "first_value": [(["i"], ["T"])],
    "last_value": [(["i"], ["T"])],
    "nth_value": [(["i", "2"], ["T", "BIGINT"])],
    "fill": [(["i"], ["T"])],
}


def describe_type(con, sql):
    return con.execute("DESCRIBE " + sql).fetchall()[0][1]


def is_window_only(con, name):
    """True if `name` cannot be called without OVER (i.e. not a real aggregate)."""
    args = ", ".join(WINDOW_PROBES.get(name, [(["i"], None)])[0][0])
    try:
        con.execute(f"DESCRIBE SELECT {name}({args}) FROM _w")
        return False
    except duckdb.Error:
        return True


def main():
    if duckdb.__version__ != EXPECTED_VERSION:
        print(f"warning: expected duckdb {EXPECTED_VERSION}, got {duckdb.__version__}", file=sys.stderr)
    con = duckdb.connect()
    con.execute("CREATE TABLE _w (i INTEGER)")

    rows = con.execute(
        """
        SELECT function_name, function_type, parameters, parameter_types,
               varargs, return_type, macro_definition, description
        FROM duckdb_functions()
        WHERE function_type IN ('scalar', 'aggregate', 'macro')
        """
    ).fetchall()

    seen = set()
    out = []

    def add(obj):
        key = json.dumps(obj, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(obj)

    window_checked = {}
    for name, ftype, pnames, ptypes, varargs, ret, macro_def, descr in rows:
        lname = name.lower()
        if lname.startswith("__"):
            continue
        pnames = pnames or []
        ptypes = ptypes or []
        if ftype == "macro":
            add({
                "name": lname,
                "kind": "macro",
                "params": ["ANY"] * len(pnames),
                "param_names": list(pnames),
                "varargs": None,
                "ret": None,
                "body": macro_def,
            })
            continue
        kind = ftype
        # Window registrations look like aggregates with synthetic col0.. names
        # and no description.
        synthetic = descr is None and all(p.startswith("col") for p in pnames)
        if ftype == "aggregate" and synthetic and lname in WINDOW_PROBES:
            if lname not in window_checked:
                window_checked[lname] = is_window_only(con, lname)
                if not window_checked[lname]:
                    print(f"warning: {lname} is callable without OVER", file=sys.stderr)
            kind = "window"
        elif ftype == "aggregate" and synthetic and lname in ("first", "last"):
            # first/last are real aggregates; this extra registration is the
            # window variant. Keep it as a window overload.
            kind = "window"
        add({
            "name": lname,
            "kind": kind,
            "params": [t if t is not None else "ANY" for t in ptypes],
            "varargs": varargs,
            "ret": ret,
        })

    # Window functions: make sure every known window function is present with
    # every arity, verifying the return type with DESCRIBE on real queries.
    have = {(o["name"], o["kind"], tuple(o["params"])) for o in out}
    for name, arities in WINDOW_PROBES.items():
        for args, ptypes in arities:
            sql = f"SELECT {name}({', '.join(args)}) OVER (ORDER BY i) FROM _w"
            try:
                t = describe_type(con, sql)
            except duckdb.Error as e:
                print(f"window probe failed: {sql}: {e}", file=sys.stderr)
                continue
            # Generic over T: probe argument is INTEGER, so INTEGER means T.
            ret = "T" if ("T" in ptypes and t == "INTEGER") else t
            if (name, "window", tuple(ptypes)) not in have:
                add({"name": name, "kind": "window", "params": ptypes, "varargs": None, "ret": ret})
            else:
                for o in out:
                    if o["name"] == name and o["kind"] == "window" and tuple(o["params"]) == tuple(ptypes):
                        if o["ret"] != ret:
                            print(f"warning: {name}{ptypes}: catalog says {o['ret']}, DESCRIBE says {ret}",
                                  file=sys.stderr)

    out.sort(key=lambda o: (o["name"], o["kind"], len(o["params"]), json.dumps(o["params"]),
                            o["varargs"] or "", o["ret"] or ""))

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with open(FUNCS_OUT, "w", encoding="utf-8", newline="\n") as f:
        for o in out:
            f.write(json.dumps(o, separators=(",", ":"), ensure_ascii=False) + "\n")

    kws = con.execute(
        "SELECT keyword_name, keyword_category FROM duckdb_keywords() ORDER BY keyword_name, keyword_category"
    ).fetchall()
    with open(KEYWORDS_OUT, "w", encoding="utf-8", newline="\n") as f:
        for kw, cat in kws:
            f.write(f"{kw}\t{cat}\n")

    print(f"wrote {len(out)} overloads ({len({o['name'] for o in out})} names) to {FUNCS_OUT.relative_to(ROOT)}")
    print(f"wrote {len(kws)} keywords to {KEYWORDS_OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
