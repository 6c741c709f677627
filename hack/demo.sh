#!/usr/bin/env bash
# The demo: a throwaway slapd, the HelloID sample export, and the whole JML cycle:
# collect -> provision -> idempotent re-run -> HR change (joiner, mover, leaver) -> check-mode
# plan -> apply. Full Ansible output of each step goes to .demo/logs/; this prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=$PWD/.demo
PY=${VENV:-.venv}/bin/python
mkdir -p "$DEMO/logs"

# What a previous demo left running is stopped first; ours is stopped on any exit.
stop_all() {
  "$PY" tests/support/slapd.py stop --dir "$DEMO/slapd" >/dev/null 2>&1 || true
  if [ -f "$DEMO/hr-api.pid" ]; then
    kill "$(cat "$DEMO/hr-api.pid")" 2>/dev/null || true
    rm -f "$DEMO/hr-api.pid"
  fi
}
stop_all
rm -rf "$DEMO/slapd" "$DEMO/hr" "$DEMO/vault.json" "$DEMO/vault.json.history" "$DEMO"/plan-*.json "$DEMO"/logs/* \
  "$DEMO/report"
trap stop_all EXIT

# A fresh vault password for this demo (in real use: --vault-id from a password manager or AWX).
umask 077
"$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$DEMO/vault-pass"
"$PY" tests/support/helloid.py "$DEMO/hr"   # the vendor's exact bytes, BOM included

"$PY" tests/support/slapd.py start --dir "$DEMO/slapd" > "$DEMO/slapd-state.json"

# The second HR system: ACME's paginated JSON API with a bearer token, on a free local port.
"$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$DEMO/acme-token"
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" tests/support/hr_api.py serve --persons inventories/demo/hr/acme/employees.json --port "$port" \
  --style next_link --page-size 2 --token-file "$DEMO/acme-token" > "$DEMO/logs/hr-api.log" 2>&1 &
echo $! > "$DEMO/hr-api.pid"
for _ in $(seq 50); do grep -q serving "$DEMO/logs/hr-api.log" && break; sleep 0.1; done

"$PY" - "$DEMO" "$port" <<'PYEOF'
import json, sys, yaml
demo, port = sys.argv[1], sys.argv[2]
state = json.load(open(demo + "/slapd-state.json"))
state["acme_url"] = "http://127.0.0.1:%s/api/persons" % port
state["acme_token"] = open(demo + "/acme-token").read().strip()
with open(demo + "/connection.yml", "w") as f:
    yaml.safe_dump({"jml_demo_connection": state, "jml_demo_hr_dir": demo + "/hr"}, f)
PYEOF
uri=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["ldaps_uri"])' "$DEMO/slapd-state.json")
echo "== Throwaway slapd on $uri (data in $DEMO/slapd); ACME HR API on http://127.0.0.1:$port"

step=0
play() {  # play TITLE PLAYBOOK [ansible-playbook args...]
  local title=$1 playbook=$2; shift 2
  step=$((step + 1))
  local slug log
  slug=$(echo "$title" | tr ' A-Z' '-a-z' | tr -cd 'a-z0-9-')
  log="$DEMO/logs/$step-$slug.log"
  echo
  echo "== $step. $title"
  if ! ansible-playbook "playbooks/$playbook" --vault-password-file "$DEMO/vault-pass" \
      -e @"$DEMO/connection.yml" -e jml_ldap_plan_file="$DEMO/plan-$step.json" "$@" >"$log" 2>&1; then
    tail -n 30 "$log"
    echo "!! step failed; full output in $log"
    exit 1
  fi
  grep -E '^\s+msg: ' "$log" | sed -E 's/^\s+msg: /   /' | tr -d "'" || true
  grep -E '^(localhost|demo_openldap)\s+:' "$log" | sed -E 's/^/   /; s/ +unreachable.*//' || true
}

play "Collect HelloID (CSV) and ACME (HTTP API) into one vault, and provision" site.yml
play "Run again: nothing may change" site.yml
if grep -Eq 'changed=[1-9]' "$DEMO/logs/2-"*.log; then echo "!! the re-run changed something"; exit 1; fi

echo
echo "== HR changes: a joiner (Noah de Vries), a pre-hire (Ewa Łukasiewicz), a mover (BethanyC), a leaver (SummerH)"
"$PY" hack/demo_hr_change.py "$DEMO/hr"
play "Collect the changed export" collect.yml
play "Impact evaluation: evaluate.yml (check mode, reports)" evaluate.yml --diff -e jml_report_dir="$DEMO/report"
"$PY" hack/demo_show_plan.py "$DEMO/plan-$step.json"
echo "   reports: $DEMO/report/impact.md, impact.html, impact.json"
play "Apply" provision.yml
play "Run again: nothing may change" provision.yml
if grep -Eq 'changed=[1-9]' "$DEMO/logs/$step-"*.log; then echo "!! the re-run changed something"; exit 1; fi

echo
echo "== Done. The vault is encrypted: ansible-vault view --vault-password-file $DEMO/vault-pass $DEMO/vault.json"
echo "   Logs of every step: $DEMO/logs/. The slapd is stopped now."
