#!/usr/bin/env bash
# The demo: a throwaway slapd, the HelloID sample export, and the whole JML cycle:
# collect -> provision -> idempotent re-run -> HR change (joiner, pre-hire, rehire, mover, leaver,
# leave) -> one person on demand -> check-mode plan -> apply exactly that plan -> re-run -> audit trail. Full Ansible output of each step goes to .demo/logs/; this prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=$PWD/.demo
PY=${VENV:-.venv}/bin/python
mkdir -p "$DEMO/logs"

# shellcheck source=hack/demo_lib.sh
. hack/demo_lib.sh
# The identifier ledger (off by default) on every target: the first run seeds it, and no leaver's
# login or address ever goes to somebody else. Incremental cycles on the directory: a run plans
# only what changed since the last full reconcile, and one with nothing changed is skipped.
PLAY_ARGS=(-e '{"jml_ldap_ledger": {"enabled": true}, "jml_scim_ledger": {"enabled": true}, "jml_file_ledger": {"enabled": true},
                "jml_ldap_incremental": {"enabled": true}}')

# What a previous demo left running is stopped first; ours is stopped on any exit.
stop_all() {
  "$PY" tests/support/slapd.py stop --dir "$DEMO/slapd" >/dev/null 2>&1 || true
  "$PY" tests/support/scim_server.py stop --dir "$DEMO/scim" >/dev/null 2>&1 || true
  stop_hr_api
}
stop_all
rm -rf "$DEMO/slapd" "$DEMO/scim" "$DEMO/export" "$DEMO/hr" "$DEMO/vault.json" "$DEMO/vault.json.history" "$DEMO/vault.json.fingerprint" \
  "$DEMO/vault.json.ledger" "$DEMO/vault.json.state" "$DEMO/vault.json.base" \
  "$DEMO"/plan-*.json "$DEMO"/logs/* "$DEMO/report" "$DEMO/audit"
trap stop_all EXIT

# A fresh vault password for this demo (in real use: --vault-id from a password manager or AWX).
umask 077
"$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$DEMO/vault-pass"
"$PY" tests/support/helloid.py "$DEMO/hr"
rm -rf "$DEMO/leave" && cp -r inventories/demo/hr/leave "$DEMO/leave"   # the leave register's working copy   # the vendor's exact bytes, BOM included

"$PY" tests/support/slapd.py start --dir "$DEMO/slapd" > "$DEMO/slapd-state.json"
"$PY" tests/support/scim_server.py start --dir "$DEMO/scim" > "$DEMO/scim-state.json"   # a SaaS tenant
mkdir -p "$DEMO/export"   # the badge system's import file is written here
start_hr_api   # the second HR system: ACME's paginated JSON API with a bearer token
write_connection "$DEMO/slapd-state.json" "$DEMO/scim-state.json"
uri=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["ldaps_uri"])' "$DEMO/slapd-state.json")
scim=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["base_url"])' "$DEMO/scim-state.json")
echo "== Three targets from one vault, in parallel: throwaway slapd on $uri, SCIM 2.0 tenant on $scim,"
echo "   badge system CSV in $DEMO/export/badge.csv"
echo "   ACME HR API on http://127.0.0.1:$HR_API_PORT"

play "Collect HelloID (CSV) and ACME (HTTP API) into one vault, and provision" site.yml
"$PY" -c 'import json, sys; l = json.load(open(sys.argv[1]))["ledger"]; print("   identifier ledger (the directory): %d recorded, %d reserved" % (l["recorded"], l["reserved"]))' "$DEMO/plan-$step.json"
play "Run again: nothing may change" site.yml
assert_quiet
incremental

echo
echo "== HR changes: a joiner (Noah de Vries), a pre-hire (Ewa Łukasiewicz), a rehire (RashadW), a mover (BethanyC), a leaver (SummerH),"
echo "   a person going on leave (GabrielL)"
"$PY" hack/demo_hr_change.py "$DEMO/hr" "$DEMO/leave"
play "Collect the changed export" collect.yml
play "One person on demand: the joiner NoahV now, the rest waits (jml_only)" provision.yml -e '{"jml_only": ["NoahV"]}'
play "Impact evaluation: evaluate.yml (check mode, reports)" evaluate.yml --diff -e jml_report_dir="$DEMO/report"
"$PY" hack/demo_show_plan.py "$DEMO/plan-$step.json"
echo "   reports: $DEMO/report/impact.md, impact.html, impact.json"
evaluated=$step   # its signed plans are what is approved: the next step applies exactly them
play "Apply exactly the evaluated plans (jml_*_approved_plan)" provision.yml \
  -e jml_ldap_approved_plan="$DEMO/plan-$evaluated.json" -e jml_scim_approved_plan="$DEMO/plan-scim-$evaluated.json" \
  -e jml_file_approved_plan="$DEMO/plan-csv-$evaluated.json"
"$PY" - "$DEMO" "$step" <<'PYEOF'
import json, sys
demo, step = sys.argv[1:3]
for target, name in (("the directory", "plan"), ("the SaaS tenant", "plan-scim"), ("the badge file", "plan-csv")):
    approval = json.load(open("%s/%s-%s.json" % (demo, name, step)))["approval"]
    print("   %s: approved plan %s applied exactly: %s" % (target, approval["digest"][:12], approval["applied_approved_plan"]))
PYEOF
play "Run again: nothing may change" provision.yml
assert_quiet
incremental
play "Once more, on a schedule: nothing changed anywhere, so nothing is read or planned" provision.yml
assert_quiet
incremental
echo "   the audit trail, today, per person and target (lookup jml.provisioning.audit on $DEMO/audit/):"
ANSIBLE_CALLBACK_RESULT_FORMAT=json ansible-playbook hack/demo_audit.yml -e demo_dir="$DEMO" 2>&1 | grep -oE '"msg": ".*"' | sed -E 's/^"msg": "(.*)"$/     \1/'

echo
echo "== Done. The vault is encrypted: ansible-vault view --vault-password-file $DEMO/vault-pass $DEMO/vault.json"
echo "   Logs of every step: $DEMO/logs/. The slapd and the SCIM server are stopped now."
