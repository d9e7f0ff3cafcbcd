#!/usr/bin/env bash
# Chaos suite for the order pipeline (issue 12): starts its own Redis, moto
# (one request at a time), a private PostgreSQL, one server and several
# workers on loopback ports of its own, drives shoppers while it kills
# workers, restarts Redis and PostgreSQL, freezes moto, fails the payment
# provider and poisons the queue, then audits the stores and prints one
# markdown table. Exits non-zero on any lost, duplicated, oversold or leaked
# order, wrong charge, unreleased hold or unexpected dead letter.
#
#   bash scripts/chaos.sh [--orders N] [--workers W] [--seconds-per-fault S]
#                         [--faults-per-class K] [--drain-secs D] [--no-faults] ...
#
# Builds the release binaries first (a no-op when they are fresh), unless
# CHAOS_BIN_DIR names a folder holding prebuilt `server` and `bench`.
# Logs of every process go to $CACHE/chaos-logs (replaced on each run).
source "$(dirname "$0")/common.sh"

PYTHON="$TOOLS/venv/bin/python"
if [ ! -x "$PYTHON" ] || ! "$PYTHON" -c 'import moto.server, werkzeug' 2>/dev/null; then
  log "installing moto (scripts/setup-test.sh)"
  bash scripts/setup-test.sh
fi
have redis-server || { echo "redis-server is missing: apt-get install -y redis-server" >&2; exit 1; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || echo "note: no PostgreSQL server binaries; the suite will use the shared server" >&2

if [ -n "${CHAOS_BIN_DIR:-}" ]; then
  BIN="$CHAOS_BIN_DIR"
else
  BIN="$CARGO_TARGET_DIR/release"
  log "building the server and bench binaries (release)"
  cargo build --release -p server --bins
fi

LOGS="$CACHE/chaos-logs"
rm -rf "$LOGS"
mkdir -p "$LOGS"
log "chaos suite"
exec "$BIN/bench" chaos --server-bin "$BIN/server" --python "$PYTHON" --logs "$LOGS" "$@"
