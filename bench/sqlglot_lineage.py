"""sqlglot's column lineage on the models of a project, per output column.

    python bench/sqlglot_lineage.py PROJECT SCHEMA_JSON LINEAGE_JSON SAMPLE

PROJECT has been compiled by `loupe compile PROJECT` (SQL without Jinja under
target/compiled); SCHEMA_JSON is `loupe schema PROJECT` (every relation's
columns), given to sqlglot so `select *` expands as it does for Loupe;
LINEAGE_JSON is `loupe lineage --all PROJECT --json`, whose keys are the
models and their output columns (a model's relation can have another name,
its alias). For SAMPLE models picked with a fixed seed, traces every output
column with
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
        if not columns:  # a relation of unknown columns: sqlglot rejects it
            continue
        schema, _, table = name.rpartition(".")
        out.setdefault(schema or "main", {})[table] = {c: t for c, t in columns}
    return out


def main():
    project, schema_path, lineage_path = sys.argv[1:4]
    sample = int(sys.argv[4])
    flat = json.loads(pathlib.Path(schema_path).read_text())
    model_columns = json.loads(pathlib.Path(lineage_path).read_text())
    # Built once, as a tool tracing many columns would.
    schema = MappingSchema(nested_schema(flat), dialect="duckdb")
    files = sorted(pathlib.Path(project, "target", "compiled").rglob("*.sql"))
    random.Random(7).shuffle(files)
    columns = failed = 0
    spent = 0.0
    for path in files[:sample]:
        sql = path.read_text()
        if path.stem not in model_columns:
            continue
        for column in model_columns[path.stem]:
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
