#!/usr/bin/env bash
# Cold `loupe check` and all-column lineage at 1,000 and 10,000 generated
# models (bench/gen_project.py) and on tuva when ../shared is there: wall time
# and peak memory, one line each. With DBT=path/to/dbt (dbt-core and
# dbt-duckdb from PyPI), `dbt parse` on the generated projects too.
#   bench/scale.sh            (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/loupe-target}"
cargo build --release -p loupe-lsp --locked >/dev/null
loupe="$CARGO_TARGET_DIR/release/loupe"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for n in 1000 10000; do
    python3 bench/gen_project.py "$n" "$work/gen$n" >/dev/null
done
measure() { # label command...
    local label="$1"; shift
    local out
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1 || true
    out=$(tail -n 1 "$work/time")
    printf '%-44s %8s s %8.0f MB\n' "$label" "${out% *}" "$(( ${out#* } / 1024 ))"
}
printf '%-44s %10s %11s\n' "what" "wall" "peak"
projects=("generated 1,000:$work/gen1000" "generated 10,000:$work/gen10000")
[ -d ../shared/corpora/tuva ] && projects+=("tuva:../shared/corpora/tuva")
for entry in "${projects[@]}"; do
    name="${entry%%:*}"; path="${entry#*:}"
    measure "loupe check, $name" "$loupe" check "$path"
    measure "loupe lineage --all, $name" "$loupe" lineage --all "$path" --json
    # dbt writes into the project: only into the generated ones.
    if [ -n "${DBT:-}" ] && [ "${path#"$work"}" != "$path" ]; then
        rm -rf "$path/target/partial_parse.msgpack"
        measure "dbt parse, $name" "$DBT" parse --project-dir "$path" --profiles-dir "$path" --no-partial-parse
    fi
done
