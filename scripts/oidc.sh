# The local OpenID Connect issuer (scripts/oidc-issuer), sourced by
# scripts/test.sh after common.sh (needs STARTED, port_open and wait_port).
# The OIDC sign-in tests (server/tests/api/oidc.rs) register a client with
# it and sign in through it. scripts/setup-test.sh installs it.
OIDC_PORT="${OIDC_PORT:-9400}"
if ! port_open "$OIDC_PORT"; then
  log "starting the local OpenID Connect issuer on $OIDC_PORT"
  node scripts/oidc-issuer/issuer.mjs "$OIDC_PORT" >"$CACHE/oidc-issuer.log" 2>&1 &
  STARTED+=($!)
  wait_port "$OIDC_PORT"
fi
export STOREFRONT_TEST_OIDC_ISSUER="http://127.0.0.1:$OIDC_PORT"
