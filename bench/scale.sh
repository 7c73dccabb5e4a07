#!/usr/bin/env bash
# One run, side by side, on a release build (2 cores):
# - cold `loupe check` and `loupe lineage --all` (wall, peak memory) at 1,000
#   and 10,000 generated models (bench/gen_project.py) and on tuva when
#   ../shared is there;
# - `dbt parse` (dbt-core and dbt-duckdb from PyPI) on the same projects, and
#   the ratio to `loupe check`;
# - sqlglot's column lineage per column on a sample of models, and the ratio
#   to Loupe's (`loupe lineage --all` time per column);
# - over LSP at 10,000 models: initialize to first diagnostics, completion,
#   hover and edit to fresh diagnostics (leaf and root models), p50 and p95.
#   bench/scale.sh            (builds the release binary and a venv first)
# Each timing (sqlglot's included) is the median of RUNS runs (3). NO_LSP=1 skips the LSP part; SAMPLE=n sets the sqlglot sample (100 models).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/loupe-target}"
venv="${LOUPE_BENCH_VENV:-$HOME/.cache/loupe-bench-venv}"
if [ ! -x "$venv/bin/dbt" ] || ! "$venv/bin/python" -c "import sqlglot" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "dbt-core==1.10.23" dbt-duckdb "sqlglot==27.*"
fi
cargo build --release -p loupe-lsp --locked >/dev/null 2>&1
loupe="$CARGO_TARGET_DIR/release/loupe"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for n in 1000 10000; do
    python3 bench/gen_project.py "$n" "$work/gen$n" >/dev/null
done
# The generated files written back to disk now, not during the first timings.
sync
runs="${RUNS:-3}"
seconds() { # command... -> "wall peak_mb": the median of $runs cold runs
    : >"$work/times"
    for _ in $(seq "$runs"); do
        python3 bench/measure.py "$@" >"$work/out" 2>>"$work/times" || true
    done
    sort -n "$work/times" | awk -v m=$(( (runs + 1) / 2 )) 'NR == m { printf "%s %d\n", $1, $2 / 1024 }'
}
row() { printf '%-46s %10s %10s   %s\n' "$@"; }
row "what" "wall (s)" "peak (MB)" "compared"
projects=("generated 1,000:$work/gen1000" "generated 10,000:$work/gen10000")
# dbt and `loupe compile` write into the project: tuva is measured on a copy,
# with the DuckDB profile its `profile: default` asks for.
if [ -d ../shared/corpora/tuva ]; then
    cp -r ../shared/corpora/tuva "$work/tuva"
    [ -f "$work/tuva/profiles.yml" ] || printf 'default:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: target/tuva.duckdb\n      schema: main\n' >"$work/tuva/profiles.yml"
    projects+=("tuva:$work/tuva")
fi
for entry in "${projects[@]}"; do
    name="${entry%%:*}"; path="${entry#*:}"
    read -r check_s check_mb < <(seconds "$loupe" check "$path")
    read -r lineage_s lineage_mb < <(seconds "$loupe" lineage --all "$path" --json)
    cp "$work/out" "$work/lineage.json"
    total_columns=$(python3 -c "import json,sys; print(sum(len(v) for v in json.load(open(sys.argv[1])).values()))" "$work/lineage.json")
    row "loupe check, $name" "$check_s" "$check_mb" ""
    row "loupe lineage --all, $name" "$lineage_s" "$lineage_mb" "$total_columns columns"
    read -r dbt_s dbt_mb < <(seconds "$venv/bin/dbt" parse --project-dir "$path" --profiles-dir "$path" --no-partial-parse)
    row "dbt parse, $name" "$dbt_s" "$dbt_mb" "$(python3 -c "print(f'loupe check is {$dbt_s/$check_s:.0f}x faster')")"
    "$loupe" compile "$path" >/dev/null
    "$loupe" schema "$path" >"$work/schema.json"
    # sqlglot's time too is the median of $runs passes over the sample.
    : >"$work/sqlglot"
    for _ in $(seq "$runs"); do
        "$venv/bin/python" bench/sqlglot_lineage.py "$path" "$work/schema.json" "$work/lineage.json" "${SAMPLE:-100}" >>"$work/sqlglot"
    done
    read -r columns spent failed < <(sort -n -k2 "$work/sqlglot" | awk -v m=$(( (runs + 1) / 2 )) 'NR == m')
    row "sqlglot lineage, $name ($columns columns)" "$spent" "" "$(python3 -c "
per_sqlglot = $spent / max($columns, 1)
per_loupe = $lineage_s / max($total_columns, 1)
print(f'{per_sqlglot*1000:.2f} ms/column vs {per_loupe*1000:.4f} ms: loupe {per_sqlglot/per_loupe:.0f}x faster; {$failed} not traced')")"
done
[ -n "${NO_LSP:-}" ] && exit 0
gen="$work/gen10000"
# The root: the SQL model most others read; the leaf: the last mart.
root_model=$(grep -rhoE "ref\('(stg|int)_[a-z_0-9]+'\)" "$gen/models" | sort | uniq -c | sort -rn | awk 'NR == 1' | sed -E "s/.*ref\('([^']+)'\)/\1/")
root_file=$(cd "$gen" && find models -name "$root_model.sql" -print -quit)
leaf_file=$(cd "$gen" && find models/marts -name "*.sql" | sort | tail -1)
echo
LOUPE_BENCH_PROJECT="$gen" LOUPE_BENCH_LEAF="$leaf_file" LOUPE_BENCH_ROOT="$root_file" \
    cargo bench -p loupe-bench-lsp --locked --bench lsp_latency 2>/dev/null | grep -E "ms"
