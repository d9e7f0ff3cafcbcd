#!/usr/bin/env bash
# Installs what the tests need, skipping whatever is present: Chromium,
# the Playwright packages (no browser download), the local OpenID Connect
# issuer (npm), moto server and the SMTP sink in a venv,
# PostgreSQL and Redis when they are not running already.
source "$(dirname "$0")/common.sh"

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ ! -x /usr/bin/chromium ]; then
  log "installing Chromium (Debian)"
  apt_install chromium chromium-driver
fi

if [ ! -d end2end/node_modules/@playwright/test ]; then
  log "installing Playwright packages (no browser download)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)
fi

if [ ! -f scripts/oidc-issuer/node_modules/oidc-provider/package.json ]; then
  log "installing the local OpenID Connect issuer (npm oidc-provider)"
  (cd scripts/oidc-issuer && npm ci --silent --no-audit --no-fund)
fi

VENV="$TOOLS/venv"
if [ ! -x "$VENV/bin/moto_server" ] || ! "$VENV/bin/python" -c 'import brotli, aiosmtpd' 2>/dev/null; then
  log "installing moto server, brotli and the aiosmtpd SMTP sink in $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'moto[server]==5.*' brotli 'aiosmtpd==1.4.*'
fi

if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  log "starting PostgreSQL"
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
    # A cluster we installed ourselves: trust local TCP connections, as the tests expect.
    sed -i -E 's/(scram-sha-256|md5|peer)$/trust/' /etc/postgresql/*/main/pg_hba.conf
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && break; sleep 1; done
fi

if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  log "starting Redis"
  have redis-server || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 1; done
fi
