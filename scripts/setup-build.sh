#!/usr/bin/env bash
# Installs what building the storefront needs, skipping whatever is present:
# the Wasm target, cargo-leptos 0.3.10, the wasm-bindgen CLI matching
# Cargo.lock, and a wasm-opt that works (npm binaryen, never Debian's).
source "$(dirname "$0")/common.sh"

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  log "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q '0.3.10'; then
  log "installing cargo-leptos 0.3.10 (slow: about 20 minutes on 2 cores, once per machine)"
  cargo install cargo-leptos --version 0.3.10 --locked
fi

WB_VERSION="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)"
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WB_VERSION"; then
  log "installing wasm-bindgen-cli $WB_VERSION"
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
  log "installing wasm-opt (npm binaryen@132.0.0)"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" binaryen@132.0.0
fi
