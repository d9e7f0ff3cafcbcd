#!/usr/bin/env bash
# README command 2: install what tests need, start the services, run every
# Rust test (conformance suites against embedded and cloud adapters) and the
# Playwright suite against the built server, print bundle sizes, and stop
# what this script started.
source "$(dirname "$0")/common.sh"
bash scripts/setup-build.sh
bash scripts/setup-test.sh

STARTED=()
cleanup() {
  for pid in "${STARTED[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  if declare -f stop_pg_tls >/dev/null; then stop_pg_tls; fi
}
trap cleanup EXIT

port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done; echo "port $1 never opened" >&2; return 1; }

MOTO_PORT="${MOTO_PORT:-5000}"
if ! port_open "$MOTO_PORT"; then
  log "starting moto server on $MOTO_PORT"
  "$TOOLS/venv/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$CACHE/moto.log" 2>&1 &
  STARTED+=($!)
  wait_port "$MOTO_PORT"
fi

# A second moto, one request at a time, for the tests that drive concurrent
# workers (the stock server's threads race DynamoDB transactions).
MOTO_SERIAL_PORT="${MOTO_SERIAL_PORT:-5001}"
if ! port_open "$MOTO_SERIAL_PORT"; then
  log "starting moto (one request at a time) on $MOTO_SERIAL_PORT"
  "$TOOLS/venv/bin/python" scripts/moto-serial.py "$MOTO_SERIAL_PORT" >"$CACHE/moto-serial.log" 2>&1 &
  STARTED+=($!)
  wait_port "$MOTO_SERIAL_PORT"
fi
export STOREFRONT_TEST_AWS_SERIAL="${STOREFRONT_TEST_AWS_SERIAL:-http://127.0.0.1:$MOTO_SERIAL_PORT}"

export STOREFRONT_TEST_POSTGRES="${STOREFRONT_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
export STOREFRONT_TEST_REDIS="${STOREFRONT_TEST_REDIS:-redis://127.0.0.1:6379}"
export STOREFRONT_TEST_AWS="${STOREFRONT_TEST_AWS:-http://127.0.0.1:$MOTO_PORT}"
# TLS to PostgreSQL and Redis (issue 14): its own services and CAs.
source scripts/tls.sh
# SMTP sinks with STARTTLS and SMTPS for the mail conformance suite (issue 14).
source scripts/smtp.sh
# A local OpenID Connect issuer for the "sign in with" tests (issue 14).
source scripts/oidc.sh
log "infrastructure code: cfn-lint and checkov offline, then the data stack deployed into moto's CloudFormation"
bash scripts/iac.sh setup
bash scripts/iac.sh check
bash scripts/iac.sh deploy-moto "$STOREFRONT_TEST_AWS" "$CACHE/stack.env" --max-receives 2 --visibility-timeout 1
# The settings generated from its outputs; the cloud suites run against it (adapters/tests/conformance/stack.rs).
export STOREFRONT_TEST_STACK_ENV="$CACHE/stack.env"
# Cloud conformance suites fail (rather than skip) when a service is missing.
export STOREFRONT_REQUIRE_SERVICES=1

log "building (release: server and Wasm)"
cargo leptos build --release --precompress --split

log "Rust tests"
cargo test --release --workspace --exclude frontend 2>&1 | tee "$CACHE/cargo-test.log"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "Rust tests failed"; exit 1; }

log "chaos suite, short: 200 orders while workers die, Redis and PostgreSQL restart, moto freezes, payments fail"
bash scripts/chaos.sh --orders 200 --faults-per-class 1 --seconds-per-fault 3 2>&1 | tee "$CACHE/chaos.log"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "chaos suite failed: see the table above and $CACHE/chaos-logs"; exit 1; }
chaos_passed=1

log "load test, short: the shopper mix and a flash sale against the server process, with budgets"
"$CARGO_TARGET_DIR/release/bench" load --seconds 10 --rate 100 --flash 200 --flash-stock 40 \
  --bundle-dir "$ROOT/target/site/pkg" 2>&1 | tee "$CACHE/load.log"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "load test broke a budget: see the table above"; exit 1; }
load_passed=1

log "Playwright"
E2E_DIR="$(mktemp -d)"
E2E_PORT="${E2E_PORT:-3100}"
if port_open "$E2E_PORT"; then echo "port $E2E_PORT is already in use; set E2E_PORT to a free port" >&2; exit 1; fi
export MERCHANT_EMAIL="merchant@example.com" MERCHANT_PASSWORD="merchant password $RANDOM$RANDOM"
(cd "$E2E_DIR" && STOREFRONT_MERCHANT_PASSWORD="$MERCHANT_PASSWORD" "$CARGO_TARGET_DIR/release/server" create-merchant --email "$MERCHANT_EMAIL")
# Objects (merchant image uploads, the published copy) go to S3 on moto, as in the cloud.
S3_ENV=(STOREFRONT_OBJECTS__KIND=s3 "STOREFRONT_OBJECTS__BUCKET=e2e-$RANDOM$RANDOM" "STOREFRONT_AWS__ENDPOINT_URL=$STOREFRONT_TEST_AWS" STOREFRONT_AWS__CREATE_RESOURCES=true)
# This server as a client of the local issuer ("Sign in with Local ID", end2end/tests/oidc.spec.ts).
E2E_URL="http://127.0.0.1:$E2E_PORT"
read -r OIDC_ID OIDC_SECRET < <(curl -fsS -H 'content-type: application/json' "$STOREFRONT_TEST_OIDC_ISSUER/reg" \
  -d "{\"redirect_uris\": [\"$E2E_URL/account/oidc/callback\"]}" |
  python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["client_id"], d["client_secret"])')
OIDC_ENV=("STOREFRONT_SERVER__PUBLIC_URL=$E2E_URL" "STOREFRONT_OIDC__ISSUER=$STOREFRONT_TEST_OIDC_ISSUER"
  "STOREFRONT_OIDC__CLIENT_ID=$OIDC_ID" "STOREFRONT_OIDC__CLIENT_SECRET=$OIDC_SECRET" "STOREFRONT_OIDC__NAME=Local ID")
(
  cd "$E2E_DIR"
  exec env "${S3_ENV[@]}" "${OIDC_ENV[@]}" STOREFRONT_SERVER__ADDR="127.0.0.1:$E2E_PORT" STOREFRONT_SERVER__SEED_PRODUCTS=120 STOREFRONT_SERVER__SHUTDOWN_GRACE_SECS=1 \
    "$CARGO_TARGET_DIR/release/server" serve
) >"$CACHE/e2e-server.log" 2>&1 &
STARTED+=($!)
wait_port "$E2E_PORT"
(cd end2end && BASE_URL="http://127.0.0.1:$E2E_PORT" npx playwright test) 2>&1 | tee "$CACHE/e2e.log"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "Playwright failed"; exit 1; }

log "static failover: stop the server, publish the copy to S3 (moto), serve it statically"
kill "${STARTED[-1]}" 2>/dev/null || true
wait "${STARTED[-1]}" 2>/dev/null || true
FAILOVER_ENV=("${S3_ENV[@]}" STOREFRONT_SERVER__SEED_PRODUCTS=120)
(cd "$E2E_DIR" && env "${FAILOVER_ENV[@]}" "$CARGO_TARGET_DIR/release/server" failover --out "$E2E_DIR/copy") | tail -1
(cd "$E2E_DIR" && env "${FAILOVER_ENV[@]}" "$CARGO_TARGET_DIR/release/server" failover-fetch --to "$E2E_DIR/fetched") | tail -1
STATIC_PORT="${STATIC_PORT:-3190}"
python3 -m http.server "$STATIC_PORT" --bind 127.0.0.1 --directory "$E2E_DIR/fetched" >"$CACHE/static.log" 2>&1 &
STARTED+=($!)
wait_port "$STATIC_PORT"
(cd end2end && FAILOVER_URL="http://127.0.0.1:$STATIC_PORT" npx playwright test failover) 2>&1 | tee "$CACHE/e2e-failover.log"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "failover Playwright failed"; exit 1; }

log "bundle sizes (what a shopper downloads)"
"$TOOLS/venv/bin/python" scripts/bundle_size.py "$ROOT/target/site/pkg"

# One closing line for CI: Rust tests plus Playwright tests.
read -r rust_passed rust_failed < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } } END { print p + 0, f + 0 }' "$CACHE/cargo-test.log")
e2e_passed=$(grep -Eo '^ *[0-9]+ passed' "$CACHE/e2e.log" | grep -Eo '[0-9]+' | tail -1)
failover_passed=$(grep -Eo '^ *[0-9]+ passed' "$CACHE/e2e-failover.log" | grep -Eo '[0-9]+' | tail -1)
echo "tests: $((rust_passed + ${e2e_passed:-0} + ${failover_passed:-0} + chaos_passed + load_passed)) passed, $rust_failed failed"
