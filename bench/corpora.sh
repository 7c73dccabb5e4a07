#!/usr/bin/env bash
# Cold `loupe` runs over real projects, with wall time and peak memory.
# Usage: bench/corpora.sh [SHARED_DIR]   (default: ../shared beside the checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/loupe-target}"
cargo build --release -p loupe-lsp --quiet
loupe="$CARGO_TARGET_DIR/release/loupe"
run() {
    local label="$1"; shift
    /usr/bin/time -v "$loupe" "$@" > /dev/null 2> /tmp/loupe-bench.txt || true
    local wall rss
    wall=$(grep "Elapsed (wall clock)" /tmp/loupe-bench.txt | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" /tmp/loupe-bench.txt | awk '{print $NF}')
    printf "%-44s wall %-9s peak RSS %6d MB\n" "$label" "$wall" "$((rss / 1024))"
}
for project in jaffle_shop_duckdb dbt-project-evaluator/integration_tests tuva tuva/integration_tests; do
    [ -d "$shared/corpora/$project" ] || { echo "SKIPPED: $shared/corpora/$project not found"; continue; }
    run "check $project" check "$shared/corpora/$project"
    run "lineage --all $project" lineage --all "$shared/corpora/$project"
done
