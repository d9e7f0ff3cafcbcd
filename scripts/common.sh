# Shared settings for the scripts: sourced, not run.
# Build outputs live outside the clone so that repeated runs (and fresh
# clones on the same machine) reuse them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${STOREFRONT_CACHE:-$HOME/.cache/storefront}"
TOOLS="$CACHE/tools"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
# Our wasm-opt (npm binaryen) must come before Debian's, which breaks hydration.
export PATH="$TOOLS/bin:$TOOLS/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# What cargo-leptos sets when it runs the server; needed when we run the binary ourselves.
export LEPTOS_OUTPUT_NAME=storefront
export LEPTOS_SITE_ROOT="$ROOT/target/site"
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_HASH_FILES=true
export LEPTOS_ENV=PROD
mkdir -p "$TOOLS/bin"
cd "$ROOT"

log() { printf '\n== %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
