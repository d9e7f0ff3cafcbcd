#!/usr/bin/env bash
# The flash-crowd figures of the README (issue 17), measured with oha as a
# separate process against the release server: /healthz, a product page from
# the page cache, the same page rendered (SSR, page cache off), the same
# route for a product that does not exist (SSR: the shell, header and 404
# body without the product, so the render's floor on this route), then the
# cached page at half its peak rate, open loop, for its p99.
#
#   bash scripts/perf.sh [--products N] [--seconds S] [--connections C]
#
# Installs oha (crates.io) into the tools folder when it is missing; builds
# nothing else (run `cargo build --release -p server --bins` first).
source "$(dirname "$0")/common.sh"
PRODUCTS=300 SECONDS_EACH=10 CONNECTIONS=16
while [ $# -gt 0 ]; do
  case "$1" in
    --products) PRODUCTS="$2"; shift 2 ;;
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if ! have oha; then
  log "installing oha (load generator) into $TOOLS"
  CARGO_TARGET_DIR="$CACHE/oha-target" cargo install oha --locked --root "$TOOLS"
fi
BIN="$CARGO_TARGET_DIR/release/server"
[ -x "$BIN" ] || { echo "$BIN not found: cargo build --release -p server --bins" >&2; exit 1; }

DIR="$(mktemp -d)"
PIDS=()
trap 'for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$DIR"' EXIT
port_open() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
serve() { # name port page-cache-secs
  mkdir -p "$DIR/$1"
  (cd "$DIR/$1" && exec env STOREFRONT_SERVER__ADDR="127.0.0.1:$2" STOREFRONT_SERVER__SEED_PRODUCTS="$PRODUCTS" \
    STOREFRONT_SERVER__RUN_WORKER=false STOREFRONT_EDGE__RATE_LIMIT=10000000 STOREFRONT_EDGE__PAGE_CACHE_SECS="$3" \
    RUST_LOG=warn "$BIN" serve) >"$DIR/$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 600); do port_open "$2" && return 0; sleep 0.5; done
  echo "server $1 never listened" >&2; tail -20 "$DIR/$1.log" >&2; exit 1
}
serve cached 3401 60
serve ssr 3402 0
CACHED="http://127.0.0.1:3401" SSR="http://127.0.0.1:3402"
PRODUCT="$(curl -fsS "$CACHED/c/apparel" | grep -o 'href="/p/[^"?]*"' | head -1 | cut -d'"' -f2)"
[ -n "$PRODUCT" ] || { echo "no product link on /c/apparel" >&2; exit 1; }

# One oha run: prints "req/s p50_ms p99_ms errors" (any status but
# $EXPECT, 2xx by default, is an error).
measure() { # url [extra oha args...]
  local url="$1"; shift
  oha --no-tui --output-format json -z "${SECONDS_EACH}s" -c "$CONNECTIONS" -H 'accept-encoding: br, gzip' "$@" "$url" |
    python3 -c '
import json, sys
d = json.load(sys.stdin)
s, p = d["summary"], d["latencyPercentiles"]
# oha stops the requests in flight at the deadline: not errors of the server.
errors = sum(n for why, n in d.get("errorDistribution", {}).items() if why != "aborted due to deadline") + sum(n for code, n in d.get("statusCodeDistribution", {}).items() if not code.startswith(sys.argv[1]))
print("%.0f %.2f %.2f %d" % (s["requestsPerSec"], p["p50"] * 1000, p["p99"] * 1000, errors))' "${EXPECT:-2}"
}
MISSING="/p/no-such-product-$$"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$SSR$MISSING")" = 404 ] || { echo "$MISSING is not a 404" >&2; exit 1; }
for url in "$CACHED/healthz" "$CACHED$PRODUCT" "$SSR$PRODUCT"; do curl -fsS -o /dev/null "$url"; done
read -r h_rps h_p50 h_p99 h_err < <(measure "$CACHED/healthz")
read -r c_rps c_p50 c_p99 c_err < <(measure "$CACHED$PRODUCT")
read -r s_rps s_p50 s_p99 s_err < <(measure "$SSR$PRODUCT")
read -r f_rps f_p50 f_p99 f_err < <(EXPECT=404 measure "$SSR$MISSING")
half=$((c_rps / 2))
read -r q_rps q_p50 q_p99 q_err < <(measure "$CACHED$PRODUCT" -q "$half" --latency-correction)

printf '\noha, %s connections, %s s each, %s products, %s (Accept-Encoding: br, gzip)\n' "$CONNECTIONS" "$SECONDS_EACH" "$PRODUCTS" "$PRODUCT"
printf '%-40s %10s %10s %10s %8s %10s\n' "route" "req/s" "p50 ms" "p99 ms" "errors" "of healthz"
pct() { python3 -c "print(f'{100 * $1 / $2:.0f}%')"; }
printf '%-40s %10s %10s %10s %8s %10s\n' "/healthz" "$h_rps" "$h_p50" "$h_p99" "$h_err" "100%"
printf '%-40s %10s %10s %10s %8s %10s\n' "product page, page cache" "$c_rps" "$c_p50" "$c_p99" "$c_err" "$(pct "$c_rps" "$h_rps")"
printf '%-40s %10s %10s %10s %8s %10s\n' "product page, SSR (page cache off)" "$s_rps" "$s_p50" "$s_p99" "$s_err" "$(pct "$s_rps" "$h_rps")"
printf '%-40s %10s %10s %10s %8s %10s\n' "no such product, SSR (404, the floor)" "$f_rps" "$f_p50" "$f_p99" "$f_err" "$(pct "$f_rps" "$h_rps")"
printf '%-40s %10s %10s %10s %8s %10s\n' "page cache at $half req/s (open loop)" "$q_rps" "$q_p50" "$q_p99" "$q_err" ""
