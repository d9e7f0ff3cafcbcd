#!/usr/bin/env bash
# README command 1: install what is missing, build, and serve the storefront
# at http://127.0.0.1:3000 on the embedded defaults (data under ./data).
source "$(dirname "$0")/common.sh"
bash scripts/setup-build.sh
log "building (release)"
cargo leptos build --release --split
log "serving at http://127.0.0.1:3000 (Ctrl-C to stop)"
exec "$CARGO_TARGET_DIR/release/server" serve
