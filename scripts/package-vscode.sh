#!/usr/bin/env bash
# Builds the release `loupe` binary (with fabrics) and packages the VS Code extension with it:
# editors/vscode/loupe-<version>-<platform>.vsix. Install it with
#   code --install-extension editors/vscode/loupe-<version>-<platform>.vsix
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/loupe-target}"

cargo build --release --locked -p loupe-lsp --features fabric

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-x64 target=linux-x64 ;;
    Linux-aarch64) platform=linux-arm64 target=linux-arm64 ;;
    Darwin-x86_64) platform=darwin-x64 target=darwin-x64 ;;
    Darwin-arm64) platform=darwin-arm64 target=darwin-arm64 ;;
    *) echo "unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

cd editors/vscode
[ -d node_modules ] || npm ci --no-audit --no-fund
rm -rf server
mkdir -p "server/$platform"
cp "$CARGO_TARGET_DIR/release/loupe" "server/$platform/loupe"
strip "server/$platform/loupe" 2>/dev/null || true
version="$(node -p 'require("./package.json").version')"
out="loupe-$version-$target.vsix"
npx vsce package --no-dependencies --skip-license --allow-missing-repository --no-rewrite-relative-links --target "$target" -o "$out"
echo "$root/editors/vscode/$out"
