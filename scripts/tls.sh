# TLS test services, sourced by scripts/test.sh (needs common.sh, STARTED,
# port_open and wait_port): a test CA and a second, unrelated CA; a server
# certificate for localhost/127.0.0.1 from the first; a PostgreSQL of its
# own with ssl=on on port 5433 (the machine's cluster is left as it is) and a
# Redis on TLS port 6390. Idempotent: made once, reused, started if down.

TLS_DIR="$CACHE/tls"
PG_TLS_PORT="${PG_TLS_PORT:-5433}"
REDIS_TLS_PORT="${REDIS_TLS_PORT:-6390}"
# PostgreSQL runs as the postgres user, which cannot read under /root.
PG_TLS_DIR="${PG_TLS_DIR:-/var/tmp/storefront-pg-tls}"

if [ ! -f "$TLS_DIR/server.crt" ]; then
  log "making a test CA and a server certificate for localhost"
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR"
    for ca in ca wrong-ca; do
      openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ca.key" -out "$ca.crt" -days 3650 -subj "/CN=storefront $ca" 2>/dev/null
    done
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 3650 -extfile ext.cnf 2>/dev/null
  )
fi

as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi; }
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if ! port_open "$PG_TLS_PORT"; then
  log "starting a PostgreSQL with ssl=on on $PG_TLS_PORT"
  mkdir -p "$PG_TLS_DIR"
  cp "$TLS_DIR/server.crt" "$TLS_DIR/server.key" "$PG_TLS_DIR/"
  [ "$(id -u)" = 0 ] && chown -R postgres "$PG_TLS_DIR"
  chmod 600 "$PG_TLS_DIR/server.key"
  if [ ! -f "$PG_TLS_DIR/data/PG_VERSION" ]; then
    as_postgres "$PG_BIN/initdb -D $PG_TLS_DIR/data -A trust -U postgres" >"$CACHE/pg-tls-init.log" 2>&1
  fi
  as_postgres "$PG_BIN/pg_ctl -D $PG_TLS_DIR/data -l $PG_TLS_DIR/log -w start -o \"-p $PG_TLS_PORT -k $PG_TLS_DIR -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=$PG_TLS_DIR/server.crt -c ssl_key_file=$PG_TLS_DIR/server.key\"" >/dev/null
  PG_TLS_STARTED=1
fi
stop_pg_tls() { [ -n "${PG_TLS_STARTED:-}" ] && as_postgres "$PG_BIN/pg_ctl -D $PG_TLS_DIR/data -m fast stop" >/dev/null 2>&1 || true; }

if ! port_open "$REDIS_TLS_PORT"; then
  log "starting a Redis on TLS port $REDIS_TLS_PORT"
  redis-server --port 0 --tls-port "$REDIS_TLS_PORT" --bind 127.0.0.1 \
    --tls-cert-file "$TLS_DIR/server.crt" --tls-key-file "$TLS_DIR/server.key" \
    --tls-ca-cert-file "$TLS_DIR/ca.crt" --tls-auth-clients no --save "" --appendonly no \
    >"$CACHE/redis-tls.log" 2>&1 &
  STARTED+=($!)
  wait_port "$REDIS_TLS_PORT"
fi

export STOREFRONT_TEST_POSTGRES_TLS="postgres://postgres@127.0.0.1:$PG_TLS_PORT/postgres"
export STOREFRONT_TEST_REDIS_TLS="rediss://127.0.0.1:$REDIS_TLS_PORT"
export STOREFRONT_TEST_TLS_CA="$TLS_DIR/ca.crt"
export STOREFRONT_TEST_TLS_WRONG_CA="$TLS_DIR/wrong-ca.crt"
