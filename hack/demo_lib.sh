#!/usr/bin/env bash
# Shared by hack/demo.sh and hack/demo_ad.sh (sourced): the local HR API and the step runner.
# Callers set DEMO (work folder), PY (the venv's python) and PLAY_ARGS (extra ansible-playbook args).

# start_hr_api: serve ACME's employees on a free local port with a fresh bearer token; sets HR_API_PORT.
start_hr_api() {
  "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$DEMO/acme-token"
  HR_API_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$PY" tests/support/hr_api.py serve --persons inventories/demo/hr/acme/employees.json --port "$HR_API_PORT" \
    --style next_link --page-size 2 --token-file "$DEMO/acme-token" > "$DEMO/logs/hr-api.log" 2>&1 &
  echo $! > "$DEMO/hr-api.pid"
  for _ in $(seq 50); do grep -q serving "$DEMO/logs/hr-api.log" && break; sleep 0.1; done
}

stop_hr_api() {
  if [ -f "$DEMO/hr-api.pid" ]; then
    kill "$(cat "$DEMO/hr-api.pid")" 2>/dev/null || true
    rm -f "$DEMO/hr-api.pid"
  fi
}

# write_connection STATE_JSON [SCIM_STATE_JSON]: the targets' state plus the HR API, as jml_demo_connection.
write_connection() {
  "$PY" - "$DEMO" "$HR_API_PORT" "$1" "${2:-}" <<'PYEOF'
import json, sys, yaml
demo, port, state_file, scim_file = sys.argv[1:5]
state = json.load(open(state_file))
if scim_file:
    scim = json.load(open(scim_file))
    state.update(scim_url=scim["base_url"], scim_token=scim["token"], scim_ca_file=scim["ca_file"])
state["acme_url"] = "http://127.0.0.1:%s/api/persons" % port
state["acme_token"] = open(demo + "/acme-token").read().strip()
with open(demo + "/connection.yml", "w") as f:
    yaml.safe_dump({"jml_demo_connection": state, "jml_demo_hr_dir": demo + "/hr",
                    "jml_demo_leave_dir": demo + "/leave", "jml_vault_path": demo + "/vault.json"}, f)
PYEOF
}

# messages LOG: every debug msg of an Ansible log, one line each. The YAML callback wraps a long
# message onto more deeply indented lines; they are joined back (a line break in a folded YAML
# scalar is a space), so a summary is never cut off after its first line.
messages() {
  awk '
    function flush() { if (held != "") print "   " held; held = "" }
    /^ +msg: / { flush(); indent = match($0, /[^ ]/); held = substr($0, indent + 5); next }
    held != "" && match($0, /[^ ]/) > indent { sub(/^ +/, ""); held = held " " $0; next }
    { flush() }
    END { flush() }
  ' "$1" | tr -d "'"
}

step=0
# play TITLE PLAYBOOK [ansible-playbook args...]: one demo step, full output in $DEMO/logs.
play() {
  local title=$1 playbook=$2 slug log
  shift 2
  step=$((step + 1))
  slug=$(echo "$title" | tr ' A-Z' '-a-z' | tr -cd 'a-z0-9-')
  log="$DEMO/logs/$step-$slug.log"
  echo
  echo "== $step. $title"
  if ! ansible-playbook "playbooks/$playbook" --vault-password-file "$DEMO/vault-pass" \
      -e @"$DEMO/connection.yml" -e jml_ldap_plan_file="$DEMO/plan-$step.json" \
      -e jml_scim_plan_file="$DEMO/plan-scim-$step.json" -e jml_file_plan_file="$DEMO/plan-csv-$step.json" \
      "${PLAY_ARGS[@]}" "$@" \
      >"$log" 2>&1; then
    tail -n 30 "$log"
    echo "!! step failed; full output in $log"
    exit 1
  fi
  messages "$log"
  grep -E '^(localhost|demo_[a-z]+)\s+:' "$log" | sed -E 's/^/   /; s/ +unreachable.*//' || true
}

# incremental: what the last step's directory run was (jml_ldap_incremental): unchanged, incremental or full.
incremental() {
  "$PY" -c 'import json, sys; i = json.load(open(sys.argv[1]))["incremental"]; print("   incremental cycle (the directory): %s%s" % (i["mode"], " - " + i["reason"] if i["reason"] else ""))' "$DEMO/plan-$step.json"
}

# assert_quiet: the last step changed nothing.
assert_quiet() {
  if grep -Eq 'changed=[1-9]' "$DEMO/logs/$step-"*.log; then echo "!! the re-run changed something"; exit 1; fi
}
