#!/usr/bin/env bash
# Checks and test-deploys the infrastructure code in deploy/ (see
# deploy/README.md):
#   scripts/iac.sh setup                      cfn-lint + checkov venv (pinned), moto's CloudFormation deps
#   scripts/iac.sh check                      cfn-lint and checkov on deploy/cloudformation/*.yaml; non-zero on any finding
#   scripts/iac.sh deploy-moto ENDPOINT OUT   create the data-only stack in moto at ENDPOINT, verify it, write the env file OUT
source "$(dirname "$0")/common.sh"

IAC_VENV="$TOOLS/iac-venv"
MOTO_VENV="$TOOLS/venv"
CFN_LINT_VERSION=1.58.0
CHECKOV_VERSION=3.3.30
TEMPLATES=("$ROOT"/deploy/cloudformation/*.yaml)

setup() {
  if "$IAC_VENV/bin/python" -c 'import cfnlint, checkov' 2>/dev/null \
    && [ "$("$IAC_VENV/bin/cfn-lint" --version 2>/dev/null)" = "cfn-lint $CFN_LINT_VERSION" ] \
    && "$IAC_VENV/bin/pip" show checkov 2>/dev/null | grep -x "Version: $CHECKOV_VERSION" >/dev/null; then
    log "cfn-lint $CFN_LINT_VERSION and checkov $CHECKOV_VERSION present in $IAC_VENV"
  else
    log "installing cfn-lint $CFN_LINT_VERSION and checkov $CHECKOV_VERSION in $IAC_VENV"
    python3 -m venv "$IAC_VENV"
    "$IAC_VENV/bin/pip" install -q "cfn-lint==$CFN_LINT_VERSION" "checkov==$CHECKOV_VERSION"
  fi
  # moto's CloudFormation needs cfn-lint, docker, etc. in moto's own venv
  # (scripts/setup-test.sh creates that venv with moto[server], which has them).
  if [ -x "$MOTO_VENV/bin/python" ]; then
    if ! "$MOTO_VENV/bin/python" -c 'import moto.cloudformation.parsing, boto3, yaml' 2>/dev/null; then
      local v
      v="$("$MOTO_VENV/bin/python" -c 'import moto; print(moto.__version__)')"
      log "adding moto[cloudformation]==$v to $MOTO_VENV"
      "$MOTO_VENV/bin/pip" install -q "moto[cloudformation,server]==$v"
    fi
  else
    log "no $MOTO_VENV yet: scripts/setup-test.sh creates it (deploy-moto needs it)"
  fi
}

check() {
  [ -x "$IAC_VENV/bin/cfn-lint" ] || { echo "run scripts/iac.sh setup first" >&2; exit 1; }
  local tmp status=0
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  log "cfn-lint ${TEMPLATES[*]#$ROOT/}"
  "$IAC_VENV/bin/cfn-lint" "${TEMPLATES[@]}" || status=1
  [ "$status" = 0 ] && echo "cfn-lint: no findings"
  log "checkov"
  # --skip-download: no calls to the vendor's platform (offline).
  "$IAC_VENV/bin/checkov" --framework cloudformation --skip-download -o json \
    $(printf -- '-f %s ' "${TEMPLATES[@]}") > "$tmp/checkov.json" 2> "$tmp/checkov.err" || true
  if ! "$IAC_VENV/bin/python" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/checkov.json" 2>/dev/null; then
    cat "$tmp/checkov.err" >&2
    echo "checkov produced no report" >&2
    return 1
  fi
  "$IAC_VENV/bin/python" "$ROOT/deploy/check_suppressions.py" "$tmp/checkov.json" "${TEMPLATES[@]}" || status=1
  log "every template output names a known setting (ports/src/config/keys.rs) or starts with Info"
  "$IAC_VENV/bin/python" - "$ROOT/deploy" "${TEMPLATES[@]}" <<'PY' || status=1
import sys
sys.path.insert(0, sys.argv[1])
import outputs_to_env as o
from cfnlint.decode import decode
keys, bad, n = o.known_keys(o.DEFAULT_KEYS_RS), [], 0
for path in sys.argv[2:]:
    template, _ = decode(path)
    for name in (template.get("Outputs") or {}):
        try:
            key = o.setting_of(name)
        except o.Refused as e:
            bad.append(str(e)); continue
        n += key is not None
        if key is not None and key not in keys:
            bad.append(f"{path}: output {name} -> {key}: not in keys.rs")
print(f"{n} setting outputs, all known" if not bad else "\n".join(bad))
sys.exit(1 if bad else 0)
PY
  log "outputs_to_env.py refuses a stack without its outputs"
  if echo '{"Stacks":[{"StackName":"x","Outputs":[{"OutputKey":"QueueKind","OutputValue":"sqs"}]}]}' \
    | python3 "$ROOT/deploy/outputs_to_env.py" - >/dev/null 2>&1; then
    echo "outputs_to_env.py accepted an incomplete stack" >&2
    status=1
  else
    echo "ok"
  fi
  return "$status"
}

deploy_moto() {
  local endpoint="${1:?usage: scripts/iac.sh deploy-moto ENDPOINT OUTFILE [--max-receives N] [--visibility-timeout S]}"
  local out="${2:?usage: scripts/iac.sh deploy-moto ENDPOINT OUTFILE}"
  shift 2
  [ -x "$MOTO_VENV/bin/python" ] || { echo "$MOTO_VENV is missing: run scripts/setup-test.sh" >&2; exit 1; }
  "$MOTO_VENV/bin/python" "$ROOT/deploy/moto_deploy.py" "$endpoint" "$out" "$@"
}

case "${1:-}" in
  setup) setup ;;
  check) check ;;
  deploy-moto) shift; deploy_moto "$@" ;;
  *) echo "usage: scripts/iac.sh setup | check | deploy-moto ENDPOINT OUTFILE" >&2; exit 2 ;;
esac
