#!/bin/bash
# Why this exists: the launch templates' user data runs it on every instance
# (it is baked into the image at /opt/storefront/deploy/boot.sh). It turns the
# stack's outputs plus the secrets (database, cache, OIDC client) into /etc/storefront/env with
# outputs_to_env.py - the same generator the moto test uses - and starts one
# server command under systemd: serve (web), worker, or migrate --once (the
# deploy step, then the instance powers off and terminates).
#
# Needs on the image: /opt/storefront/bin/server, /opt/storefront/site,
# /opt/storefront/deploy/, a `storefront` system user, aws CLI v2, python3
# (Amazon Linux 2023 has both).
set -euo pipefail

stack="" region="" command="" once=false
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack="$2"; shift 2 ;;
    --region) region="$2"; shift 2 ;;
    --command) command="$2"; shift 2 ;;
    --once) once=true; shift ;;
    *) echo "boot.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$command" in serve|worker|migrate) ;; *) echo "boot.sh: --command serve|worker|migrate" >&2; exit 2 ;; esac
[ -n "$stack" ] && [ -n "$region" ] || { echo "boot.sh: --stack and --region are required" >&2; exit 2; }

APP=/opt/storefront
ETC=/etc/storefront
install -d -m 0750 -o root -g storefront "$ETC"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

aws cloudformation describe-stacks --region "$region" --stack-name "$stack" --output json > "$work/stack.json"
secret() { aws secretsmanager get-secret-value --region "$region" --secret-id "$1" --query SecretString --output text; }
output() { python3 -c 'import json,sys; print({o["OutputKey"]: o["OutputValue"] for o in json.load(open(sys.argv[1]))["Stacks"][0]["Outputs"]}[sys.argv[2]])' "$work/stack.json" "$1"; }
secret "$(output InfoDatabaseSecretArn)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])' > "$work/db"
secret "$(output InfoCacheSecretArn)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' > "$work/cache"
# With the Cognito pool on: its client's generated secret (never a stack output).
oidc_args=()
if client_id="$(output OidcClientId 2>/dev/null)"; then
  aws cognito-idp describe-user-pool-client --region "$region" --user-pool-id "$(output InfoCognitoUserPoolId)" \
    --client-id "$client_id" --query UserPoolClient.ClientSecret --output text > "$work/oidc"
  oidc_args=(--oidc-secret-file "$work/oidc")
fi

# The RDS CA bundle that database.ca_file names (the output DatabaseCaFile).
ca="$(output DatabaseCaFile)"
curl -fsS --retry 5 -o "$ca.tmp" https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
mv "$ca.tmp" "$ca"
chmod 0644 "$ca"

python3 "$APP/deploy/outputs_to_env.py" "$work/stack.json" \
  --db-password-file "$work/db" --cache-token-file "$work/cache" "${oidc_args[@]}" --keys none -o "$work/env"
# What cargo-leptos would set (as the Dockerfile does); not settings.
cat >> "$work/env" <<EOF
LEPTOS_OUTPUT_NAME=storefront
LEPTOS_SITE_ROOT=$APP/site
LEPTOS_SITE_PKG_DIR=pkg
LEPTOS_HASH_FILES=true
LEPTOS_ENV=PROD
EOF
install -m 0640 -o root -g storefront "$work/env" "$ETC/env"

if [ "$command" = migrate ] && $once; then
  # systemd-run so the output lands in the journal; then the instance ends.
  status=0
  systemd-run --wait --collect --unit storefront-migrate --uid storefront \
    --property EnvironmentFile="$ETC/env" --property StateDirectory=storefront \
    --working-directory /var/lib/storefront "$APP/bin/server" migrate || status=$?
  echo "storefront migrate exited $status"
  shutdown -h +1
  exit "$status"
fi

cat > /etc/systemd/system/storefront.service <<EOF
[Unit]
Description=storefront server $command
After=network-online.target
Wants=network-online.target

[Service]
User=storefront
# Relative paths the app may write to land in /var/lib/storefront.
StateDirectory=storefront
WorkingDirectory=/var/lib/storefront
EnvironmentFile=$ETC/env
ExecStart=$APP/bin/server $command
Restart=always
RestartSec=5
# server.shutdown_grace_secs is 20.
TimeoutStopSec=30
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true

[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload
systemctl enable --now storefront.service
