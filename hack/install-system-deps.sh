#!/usr/bin/env bash
# Install the Debian packages the demo and the tests need, only when they are missing.
# Never configures or starts the system slapd: tests run their own throwaway instance.
set -euo pipefail

need=()
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapsearch >/dev/null 2>&1 || need+=(ldap-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
command -v git >/dev/null 2>&1 || need+=(git)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)  # ansible-test sanity's shellcheck test
command -v chromium >/dev/null 2>&1 || need+=(chromium)  # the impact report's HTML test, in a real browser
# The throwaway Samba AD DC of the AD tests (tests/support/samba_ad.py provisions a private domain;
# /etc/samba/smb.conf and the system samba services stay unused). samba-ad-provision holds the
# provision templates but is only a Recommends. krb5-user asks for the default realm: preseed it.
if ! command -v samba-tool >/dev/null 2>&1 || [ ! -x /usr/sbin/samba ] || [ ! -d /usr/share/samba/setup ]; then
  need+=(samba samba-ad-dc samba-ad-provision winbind krb5-user smbclient ldb-tools samba-dsdb-modules python3-samba)
  if [ "$(id -u)" -eq 0 ]; then debconf-set-selections; else sudo debconf-set-selections; fi <<'EOF'
krb5-config krb5-config/default_realm string EXAMPLE.TEST
krb5-config krb5-config/kerberos_servers string
krb5-config krb5-config/admin_server string
krb5-config krb5-config/add_servers boolean false
EOF
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "Installing Debian packages: ${need[*]}"
# Preseed slapd so it installs without prompts and without creating a system database.
echo "slapd slapd/no_configuration boolean true" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
