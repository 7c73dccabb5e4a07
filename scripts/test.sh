#!/usr/bin/env bash
# The whole test suite. Tests that score against ../shared/corpora skip (and say so) when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/loupe-target}"
cargo test --workspace --all-features --locked "$@"
# Fuzzing, a short bounded run of each target from a fixed seed, so that a run is
# repeatable; `scripts/fuzz.sh` alone explores anew (it installs nightly and cargo-fuzz).
LOUPE_FUZZ_SEED="${LOUPE_FUZZ_SEED:-1}" scripts/fuzz.sh "${LOUPE_FUZZ_SECONDS:-20}"
# The Zed extension is its own crate (it builds to wasm for Zed); its logic is tested on the host.
cargo test --manifest-path editors/zed/Cargo.toml --locked
# The VS Code extension: unit tests, then the end-to-end test in a real VS Code
# (code-server in Chromium) with the binary built above. Installs what it needs.
scripts/test-vscode.sh
