# SMTP test sinks, sourced by scripts/test.sh after tls.sh (needs its
# certificates, STARTED, port_open and wait_port): aiosmtpd (PyPI) writing
# every mail it accepts into a Maildir, once with STARTTLS required (port
# 2526) and once with TLS from the first byte (SMTPS, port 2527), both with
# the test CA's server certificate. The mail conformance suite sends through
# them with lettre and reads the Maildir.
SMTP_PORT="${SMTP_PORT:-2526}"
SMTPS_PORT="${SMTPS_PORT:-2527}"
SMTP_MAILDIR="${SMTP_MAILDIR:-$CACHE/smtp-maildir}"
mkdir -p "$SMTP_MAILDIR/tmp" "$SMTP_MAILDIR/new" "$SMTP_MAILDIR/cur"
# sink PORT NAME TLS-OPTIONS...: start one aiosmtpd unless the port answers.
sink() {
  local port="$1" name="$2"
  shift 2
  port_open "$port" && return 0
  log "starting an SMTP sink with $name on $port"
  "$TOOLS/venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" "$@" \
    -c aiosmtpd.handlers.Mailbox "$SMTP_MAILDIR" >"$CACHE/smtp-$port.log" 2>&1 &
  STARTED+=($!)
  wait_port "$port"
}
sink "$SMTP_PORT" STARTTLS --tlscert "$TLS_DIR/server.crt" --tlskey "$TLS_DIR/server.key"
sink "$SMTPS_PORT" SMTPS --smtpscert "$TLS_DIR/server.crt" --smtpskey "$TLS_DIR/server.key"
export STOREFRONT_TEST_SMTP="127.0.0.1:$SMTP_PORT"
export STOREFRONT_TEST_SMTPS="127.0.0.1:$SMTPS_PORT"
export STOREFRONT_TEST_SMTP_MAILDIR="$SMTP_MAILDIR"
