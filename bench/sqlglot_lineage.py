"""sqlglot's column lineage on the models of a project, per output column.

    python bench/sqlglot_lineage.py PROJECT SCHEMA_JSON SAMPLE

PROJECT has been compiled by `loupe compile PROJECT` (SQL without Jinja under
target/compiled); SCHEMA_JSON is `loupe schema PROJECT` (every relation's
columns), given to sqlglot so `select *` expands as it does for Loupe. For
SAMPLE models picked with a fixed seed, traces every output column with
`sqlglot.lineage.lineage` to the relations it reads, and prints one line:
`<columns> <seconds> <failed>` (columns traced, time spent in sqlglot,
columns sqlglot could not trace).
"""

import json
import pathlib
import random
import sys
import time

import sqlglot
from sqlglot.lineage import lineage
from sqlglot.schema import MappingSchema


def nested_schema(flat):
    """{"schema.table": [[col, type]]} -> {schema: {table: {col: type}}}."""
    out = {}
    for name, columns in flat.items():
        schema, _, table = name.rpartition(".")
        out.setdefault(schema or "main", {})[table] = {c: t for c, t in columns}
    return out


def main():
    project, schema_path, sample = sys.argv[1], sys.argv[2], int(sys.argv[3])
    flat = json.loads(pathlib.Path(schema_path).read_text())
    # Built once, as a tool tracing many columns would.
    schema = MappingSchema(nested_schema(flat), dialect="duckdb")
    files = sorted(pathlib.Path(project, "target", "compiled").rglob("*.sql"))
    random.Random(7).shuffle(files)
    columns = failed = 0
    spent = 0.0
    for path in files[:sample]:
        sql = path.read_text()
        name = path.stem
        relation = next((k for k in flat if k.rpartition(".")[2] == name), None)
        if relation is None:
            continue
        for column, _ in flat[relation]:
            start = time.perf_counter()
            try:
                node = lineage(column, sql, schema=schema, dialect="duckdb")
                list(node.walk())
            except Exception:
                failed += 1
            spent += time.perf_counter() - start
            columns += 1
    print(columns, f"{spent:.3f}", failed)


if __name__ == "__main__":
    main()
