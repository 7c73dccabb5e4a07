#!/usr/bin/env bash
# Score Loupe's column lineage against sqllineage 1.5.9's column tests (see lineage_suite.py).
# Usage: bench/lineage_suite.sh [PATH-TO-LOUPE] [extra lineage_suite.py options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${LOUPE_LINEAGE_SUITE_CACHE:-$HOME/.cache/loupe-lineage-suite}"
loupe="${1:-${CARGO_TARGET_DIR:-$here/../target}/debug/loupe}"
shift || true
venv="$cache/venv"
if ! "$venv/bin/python" -c 'import sqllineage, pytest' 2>/dev/null; then
  mkdir -p "$cache"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "sqllineage==1.5.9" pytest
fi
exec "$venv/bin/python" "$here/lineage_suite.py" --loupe "$loupe" "$@"
