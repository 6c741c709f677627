#!/usr/bin/env bash
# The demo against Active Directory: a throwaway Samba AD DC (tests/support/samba_ad.py), the same
# HR data and vault as `make demo`, the AD variant of the target (inventories/demo/ad.yml):
# collect -> provision -> idempotent re-run -> check-mode impact report. Needs root (ports 389/636).
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=$PWD/.demo-ad
PY=${VENV:-.venv}/bin/python
mkdir -p "$DEMO/logs"

stop_all() {
  "$PY" tests/support/samba_ad.py stop --dir "$DEMO/dc" >/dev/null 2>&1 || true
  if [ -f "$DEMO/hr-api.pid" ]; then
    kill "$(cat "$DEMO/hr-api.pid")" 2>/dev/null || true
    rm -f "$DEMO/hr-api.pid"
  fi
}
stop_all
rm -rf "$DEMO/dc" "$DEMO/hr" "$DEMO/vault.json" "$DEMO/vault.json.history" "$DEMO/vault.json.fingerprint" \
  "$DEMO"/logs/* "$DEMO/report"
trap stop_all EXIT

umask 077
"$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$DEMO/vault-pass"
"$PY" tests/support/helloid.py "$DEMO/hr"
echo "== Provisioning a throwaway Samba AD DC (a few seconds)"
"$PY" tests/support/samba_ad.py start --dir "$DEMO/dc" > "$DEMO/dc-state.json"

"$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$DEMO/acme-token"
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" tests/support/hr_api.py serve --persons inventories/demo/hr/acme/employees.json --port "$port" \
  --style next_link --page-size 2 --token-file "$DEMO/acme-token" > "$DEMO/logs/hr-api.log" 2>&1 &
echo $! > "$DEMO/hr-api.pid"
for _ in $(seq 50); do grep -q serving "$DEMO/logs/hr-api.log" && break; sleep 0.1; done

"$PY" - "$DEMO" "$port" <<'PYEOF'
import json, sys, yaml
demo, port = sys.argv[1], sys.argv[2]
state = json.load(open(demo + "/dc-state.json"))
state["acme_url"] = "http://127.0.0.1:%s/api/persons" % port
state["acme_token"] = open(demo + "/acme-token").read().strip()
with open(demo + "/connection.yml", "w") as f:
    yaml.safe_dump({"jml_demo_connection": state, "jml_demo_hr_dir": demo + "/hr",
                    "jml_vault_path": demo + "/vault.json"}, f)
PYEOF
echo "== Samba AD DC on $("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["ldaps_uri"])' "$DEMO/dc-state.json")"

step=0
play() {  # play TITLE PLAYBOOK [ansible-playbook args...]
  local title=$1 playbook=$2 slug log
  shift 2
  step=$((step + 1))
  slug=$(echo "$title" | tr ' A-Z' '-a-z' | tr -cd 'a-z0-9-')
  log="$DEMO/logs/$step-$slug.log"
  echo
  echo "== $step. $title"
  if ! ansible-playbook "playbooks/$playbook" --vault-password-file "$DEMO/vault-pass" \
      -e @"$DEMO/connection.yml" -e @inventories/demo/ad.yml "$@" >"$log" 2>&1; then
    tail -n 30 "$log"
    echo "!! step failed; full output in $log"
    exit 1
  fi
  grep -E '^\s+msg: ' "$log" | sed -E 's/^\s+msg: /   /' | tr -d "'" || true
  grep -E '^(localhost|demo_openldap)\s+:' "$log" | sed -E 's/^/   /; s/ +unreachable.*//' || true
}

play "Collect and provision Active Directory" site.yml
play "Run again: nothing may change" provision.yml
if grep -Eq 'changed=[1-9]' "$DEMO/logs/$step-"*.log; then echo "!! the re-run changed something"; exit 1; fi
play "Impact evaluation as of 2049-06-29 (what-if)" evaluate.yml -e jml_report_dir="$DEMO/report" \
  -e jml_ldap_reference_date=2049-06-29
echo
echo "== Done. Reports in $DEMO/report; the DC is stopped now."
