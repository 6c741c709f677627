#!/usr/bin/env bash
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The virtualenv of the per-user Ansible peer (bench/peer_bench.py), never the project's .venv:
# the PyPI `ansible` package (ansible-core plus the bundled collections, community.general among
# them, whose ldap_entry / ldap_attrs modules the peer playbook uses) and python-ldap, which those
# modules import. python-ldap is a C extension built from source: it needs gcc, the Python headers
# and Debian's libldap2-dev / libsasl2-dev, installed here with apt-get when missing (as root).
#
# Usage: bash bench/peer_setup.sh        (idempotent: does nothing when the marker matches)
#
# Environment:
#   PEER_VENV          the virtualenv (default: .build/bench/peer-venv)
#   PEER_PYTHON        the interpreter it is made from (default: the base interpreter of .venv,
#                      else python3)
#   PEER_ANSIBLE       the `ansible` package version (default: 12.3.0)
#   PEER_ANSIBLE_CORE  the ansible-core version (default: the one in .venv, so both sides of the
#                      benchmark run the same engine; else whatever PEER_ANSIBLE requires)
# Package index: pip's own configuration (PIP_INDEX_URL, /etc/pip.conf ...).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"

PEER_VENV="${PEER_VENV:-${ROOT}/.build/bench/peer-venv}"
case "${PEER_VENV}" in /*) ;; *) PEER_VENV="${ROOT}/${PEER_VENV}" ;; esac
if [[ "$(realpath -m "${PEER_VENV}")" == "$(realpath -m "${ROOT}/.venv")" ]]; then
    echo "peer_setup: PEER_VENV must not be the project's .venv" >&2
    exit 2
fi

PYTHON="${PEER_PYTHON:-}"
if [[ -z "${PYTHON}" && -x "${ROOT}/.venv/bin/python" ]]; then
    PYTHON="$("${ROOT}/.venv/bin/python" -c 'import sys; print(sys._base_executable)')"
fi
PYTHON="${PYTHON:-python3}"

ANSIBLE_VERSION="${PEER_ANSIBLE:-12.3.0}"
CORE_VERSION="${PEER_ANSIBLE_CORE:-}"
if [[ -z "${CORE_VERSION}" && -x "${ROOT}/.venv/bin/python" ]]; then
    CORE_VERSION="$("${ROOT}/.venv/bin/python" -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null || true)"
fi

requirements=("ansible==${ANSIBLE_VERSION}" "python-ldap")
if [[ -n "${CORE_VERSION}" ]]; then
    requirements+=("ansible-core==${CORE_VERSION}")
fi
MARKER="${PEER_VENV}/.peer-installed"
WANT="$("${PYTHON}" -c 'import sys; print(sys.version.split()[0])') ${requirements[*]}"

if [[ -f "${MARKER}" && "$(cat "${MARKER}")" == "${WANT}" && -x "${PEER_VENV}/bin/ansible-playbook" ]]; then
    echo "peer_setup: ${PEER_VENV} is ready (${WANT})"
    exit 0
fi

# Build dependencies of python-ldap.
need=()
command -v gcc >/dev/null 2>&1 || need+=(gcc)
[[ -f /usr/include/ldap.h ]] || need+=(libldap2-dev)
[[ -f /usr/include/sasl/sasl.h ]] || need+=(libsasl2-dev)
include="$("${PYTHON}" -c 'import sysconfig; print(sysconfig.get_path("include"))')"
[[ -f "${include}/Python.h" ]] || need+=(python3-dev)
if ((${#need[@]})); then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "peer_setup: python-ldap needs ${need[*]}: run as root, or apt-get install them first" >&2
        exit 2
    fi
    echo "peer_setup: apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

start=${SECONDS}
rm -f "${MARKER}"
if [[ ! -x "${PEER_VENV}/bin/python" ]]; then
    "${PYTHON}" -m venv "${PEER_VENV}"
fi
"${PEER_VENV}/bin/python" -m pip install -q --disable-pip-version-check "${requirements[@]}"
# The modules run in this interpreter (ansible_python_interpreter = ansible_playbook_python).
"${PEER_VENV}/bin/python" - <<'EOF'
import importlib.util, ldap, ansible.release
spec = importlib.util.find_spec("ansible_collections.community.general.plugins.modules.ldap_entry")
assert spec is not None, "community.general.ldap_entry is missing from the ansible package"
print("peer_setup: ansible-core %s, python-ldap %s, %s" % (ansible.release.__version__, ldap.__version__, spec.origin))
EOF
printf '%s\n' "${WANT}" >"${MARKER}"
echo "peer_setup: ${PEER_VENV} installed in $((SECONDS - start)) s"
