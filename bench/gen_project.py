#!/usr/bin/env python3
"""Writes a dbt project of N models shaped like real ones, deterministic for a seed.

    python3 bench/gen_project.py N OUT_DIR [--seed S]

Layers: staging (one per source table, declared with typed columns in YAML;
sources by system of 100 tables, each system in a folder with its sources'
and models' properties files), intermediate (ephemeral and view models reading
1-3 earlier models through chains of 3-10 CTEs: filters, joins, aggregates,
windows, Jinja loops) and marts (tables grouping intermediates, by domain of
250 models with a properties file each), with fan-in and fan-out, seeds, a
macro package of the project's own and configs in dbt_project.yml and in
files. Every model outputs the same five columns, so every reference resolves
and the project checks clean: a project for measuring, not for finding errors.
"""
import argparse
import random
from pathlib import Path

COLUMNS = "id, customer_id, created_at, amount, status"

STAGING = """with source as (

    select * from {{{{ source('{source}', '{table}') }}}}

),

renamed as (

    select
        id,
        account_id as customer_id,
        cast(created_at as timestamp) as created_at,
        {{{{ cents_to_dollars('amount_cents') }}}} as amount,
        lower(status) as status
    from source
    where not is_deleted

)

select * from renamed
"""

SEED_CSV = "id,name,region\n" + "".join(f"{i},customer {i},{['north', 'south', 'east', 'west'][i % 4]}\n" for i in range(1, 51))


def cte_chain(rng, upstream, with_customers=False):
    """3-10 gems over the upstream refs, ending in the five columns."""
    gems = []
    if with_customers:
        gems.append(("customers", "select * from {{ ref('customers') }}"))
    for i, name in enumerate(upstream):
        gems.append((f"input_{i}", f"select * from {{{{ ref('{name}') }}}}"))
    current = "input_0"
    for j in range(1, len(upstream)):
        gems.append((f"joined_{j}", f"""select {current}.id, {current}.customer_id, {current}.created_at,
        {current}.amount + coalesce(input_{j}.amount, 0) as amount, {current}.status
    from {current}
    left join input_{j} on input_{j}.id = {current}.id"""))
        current = f"joined_{j}"
    for k in range(rng.randint(1, 6)):
        kind = rng.choice(["filter", "aggregate", "window", "pivot", "reformat"])
        name = f"{kind}_{k}"
        if kind == "filter":
            body = f"select * from {current} where status <> 'void' and amount >= 0"
        elif kind == "aggregate":
            body = f"""select min(id) as id, customer_id, max(created_at) as created_at,
        sum(amount) as amount, min(status) as status
    from {current}
    group by customer_id"""
        elif kind == "window":
            body = f"""select id, customer_id, created_at,
        sum(amount) over (partition by customer_id order by created_at) as amount, status
    from {current}
    qualify row_number() over (partition by id order by created_at desc) = 1"""
        elif kind == "pivot":
            body = f"""select id, customer_id, created_at,
        {{% for s in ['open', 'paid', 'void'] %}}sum(case when status = '{{{{ s }}}}' then amount else 0 end) +
        {{% endfor %}}0 as amount, max(status) as status
    from {current}
    group by id, customer_id, created_at"""
        else:
            body = f"""select id, customer_id, date_trunc('day', created_at) as created_at,
        round(amount, 2) as amount, upper(status) as status
    from {current}"""
        gems.append((name, body))
        current = name
    if with_customers:
        gems.append(("with_region", f"""select {current}.*, customers.region
    from {current}
    join customers on customers.id = {current}.customer_id"""))
        current = "with_region"
    text = "with " + ",\n\n".join(f"{n} as (\n\n    {b}\n\n)" for n, b in gems)
    return text + f"\n\nselect {COLUMNS} from {current}\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = Path(args.out)
    n = args.models
    staging = max(1, n * 3 // 10)
    intermediate = max(1, n * 4 // 10)
    marts = max(1, n - staging - intermediate)

    def write(path, text):
        p = out / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)

    write("dbt_project.yml", """name: generated_shop
version: "1.0.0"
config-version: 2
profile: generated_shop

models:
  generated_shop:
    staging:
      +materialized: view
    intermediate:
      +materialized: ephemeral
    marts:
      +materialized: table
      +schema: marts
""")
    write("profiles.yml", "generated_shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/generated.duckdb\n      schema: main\n")
    write("macros/cents_to_dollars.sql", "{% macro cents_to_dollars(column, scale=2) -%}\n    ({{ column }} / 100)::decimal(16, {{ scale }})\n{%- endmacro %}\n")
    write("seeds/customers.csv", SEED_CSV)
    # Sources by system, 100 tables each; as dbt's style guide lays them out,
    # each system's staging models sit in a folder of their own with the
    # system's sources and the models' properties beside them.
    tables = [(f"app_{i // 100:02d}", f"events_{i:05d}") for i in range(staging)]
    names = []
    for system in sorted({s for s, _ in tables}):
        source_yaml = ["version: 2", "", "sources:", f"  - name: {system}", f"    schema: {system}_raw", "    tables:"]
        model_yaml = ["version: 2", "", "models:"]
        for _, t in (x for x in tables if x[0] == system):
            source_yaml += [f"      - name: {t}", "        columns:"]
            for col, ty in [("id", "INTEGER"), ("account_id", "INTEGER"), ("created_at", "VARCHAR"),
                            ("amount_cents", "BIGINT"), ("status", "VARCHAR"), ("is_deleted", "BOOLEAN")]:
                source_yaml += [f"          - name: {col}", f"            data_type: {ty}"]
            name = f"stg_{t}"
            write(f"models/staging/{system}/{name}.sql", STAGING.format(source=system, table=t))
            model_yaml += [f"  - name: {name}", "    columns:", "      - name: id",
                           "        data_tests: [unique, not_null]"]
            names.append(name)
        write(f"models/staging/{system}/_{system}__sources.yml", "\n".join(source_yaml) + "\n")
        write(f"models/staging/{system}/_{system}__models.yml", "\n".join(model_yaml) + "\n")
    for i in range(intermediate):
        upstream = rng.sample(names, k=min(len(names), rng.randint(1, 3)))
        name = f"int_{i:05d}"
        config = "{{ config(materialized='view') }}\n\n" if rng.random() < 0.3 else ""
        write(f"models/intermediate/int_{i // 500:02d}/{name}.sql", config + cte_chain(rng, upstream))
        names.append(name)
    # Marts by business domain, 250 models to a folder with its properties file.
    props = {}
    for i in range(marts):
        upstream = rng.sample(names[staging:] or names, k=min(len(names), rng.randint(1, 3)))
        name = f"fct_{i:05d}"
        domain = f"domain_{i // 250:02d}"
        body = cte_chain(rng, upstream, with_customers=True)
        write(f"models/marts/{domain}/{name}.sql", body)
        props.setdefault(domain, ["version: 2", "", "models:"])
        props[domain] += [f"  - name: {name}", f"    description: Mart {i} of the generated shop", "    columns:",
                          "      - name: id", "        data_tests: [unique, not_null]"]
        names.append(name)
    for domain, lines in props.items():
        write(f"models/marts/{domain}/_{domain}__models.yml", "\n".join(lines) + "\n")
    print(f"{staging + intermediate + marts} models in {out}")


if __name__ == "__main__":
    main()
