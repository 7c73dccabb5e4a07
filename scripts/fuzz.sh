#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a fixed time: `scripts/fuzz.sh [SECONDS]`
# (per target, default 60). LOUPE_FUZZ_SEED fixes libFuzzer's seed (the test suite
# fixes it so that a run is repeatable; unset, each run explores anew). An input that panics, overflows the stack, takes
# more than 20 s or 2 GiB is a failure (leaks are not: the project target keeps one
# loaded project for every input); libFuzzer leaves it in
# fuzz/artifacts/TARGET/; fix it and keep the input as a case of crates/analysis/tests/hostile.rs.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
seed="${LOUPE_FUZZ_SEED:-0}" # 0: libFuzzer picks one and prints it
# Its own target folder: sanitizer flags would rebuild everything in the workspace's.
export CARGO_TARGET_DIR="${LOUPE_FUZZ_TARGET_DIR:-$HOME/.cache/loupe-fuzz-target}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo +nightly fuzz build -O
for target in $(cargo +nightly fuzz list); do
    # New inputs go to a scratch folder; the committed seeds stay as they are.
    found="$(mktemp -d)"
    echo "fuzzing $target for ${seconds}s (seed $seed)"
    log="$found.log"
    cargo +nightly fuzz run -O "$target" "$found" "corpus/$target" -- \
        -max_total_time="$seconds" -seed="$seed" -timeout=20 -rss_limit_mb=2048 -max_len=8192 -detect_leaks=0 \
        -print_final_stats=1 >"$log" 2>&1 || true
    grep -E '^(stat::number_of_executed_units|==|SUMMARY|Done|INFO: Seed)|panicked|overflow|timeout|out-of-memory' "$log" || true
    rm -rf "$found"
    if [ -n "$(ls -A "artifacts/$target" 2>/dev/null)" ]; then
        # The whole message and the input itself: a run on a machine that is
        # gone (CI) must still leave enough to reproduce the finding.
        sed -n '/panicked at/,/deadly signal/p' "$log" | head -40 >&2
        for artifact in "artifacts/$target"/*; do
            echo "input $(basename "$artifact") (base64; \`base64 -d > crash\`, then \`cargo +nightly fuzz run $target crash\`):" >&2
            base64 -w 0 "$artifact" >&2
            echo >&2
        done
        rm -f "$log"
        echo "fuzz target $target failed on: $(ls "artifacts/$target")" >&2
        exit 1
    fi
    rm -f "$log"
done
