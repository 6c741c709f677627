#!/usr/bin/env bash
# The demo against Active Directory: a throwaway Samba AD DC (tests/support/samba_ad.py), the same
# HR data and vault as `make demo`, the AD variant of the target (inventories/demo/ad.yml):
# collect -> provision -> idempotent re-run -> check-mode impact report. Needs root (ports 389/636).
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=$PWD/.demo-ad
PY=${VENV:-.venv}/bin/python
mkdir -p "$DEMO/logs"

# shellcheck source=hack/demo_lib.sh
. hack/demo_lib.sh
PLAY_ARGS=(-e @inventories/demo/ad.yml -e jml_targets=ldap_targets)  # the AD DC only: no SCIM tenant runs

stop_all() {
  "$PY" tests/support/samba_ad.py stop --dir "$DEMO/dc" >/dev/null 2>&1 || true
  stop_hr_api
}
stop_all
rm -rf "$DEMO/dc" "$DEMO/hr" "$DEMO/vault.json" "$DEMO/vault.json.history" "$DEMO/vault.json.fingerprint" \
  "$DEMO"/plan-*.json "$DEMO"/logs/* "$DEMO/report"
trap stop_all EXIT

umask 077
"$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' > "$DEMO/vault-pass"
"$PY" tests/support/helloid.py "$DEMO/hr"
rm -rf "$DEMO/leave" && cp -r inventories/demo/hr/leave "$DEMO/leave"   # the leave register's working copy
echo "== Provisioning a throwaway Samba AD DC (a few seconds)"
"$PY" tests/support/samba_ad.py start --dir "$DEMO/dc" > "$DEMO/dc-state.json"
start_hr_api
write_connection "$DEMO/dc-state.json"
echo "== Samba AD DC on $("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["ldaps_uri"])' "$DEMO/dc-state.json")"

play "Collect and provision Active Directory" site.yml
play "Run again: nothing may change" provision.yml
assert_quiet
play "Impact evaluation as of 2049-06-29 (what-if)" evaluate.yml -e jml_report_dir="$DEMO/report" \
  -e jml_ldap_reference_date=2049-06-29
echo
echo "== Done. Reports in $DEMO/report; the DC is stopped now."
