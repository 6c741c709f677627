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
