#!/usr/bin/env bash
# Run `ansible-test sanity` on this collection, offline-capable.
#
# Usage: hack/sanity.sh [extra ansible-test sanity args, e.g. --test pep8 -v]
#        hack/sanity.sh units [extra ansible-test units args]   (`ansible-test units --venv`,
#        which installs tests/unit/requirements.txt into its own environment: the unit tests
#        as a collection's users run them)
#
# What it does:
#   1. copies the collection (tracked + untracked-not-ignored files) into
#      .build/sanity/ansible_collections/<namespace>/<name>  (ansible-test resolves
#      symlinks, so it must run from a real ansible_collections/ns/name directory);
#   2. isolates HOME in .build/sanity/home, so ansible-test's caches
#      (~/.ansible/test/venv, ~/.ansible/test/cache) and pip's cache live there and
#      nothing lands in the real ~/.ansible; repeated runs reuse them;
#   3. pre-seeds ansible-test's pip bootstrap cache (get_pip_<ver>.py) with a local
#      stand-in that uses `python -m ensurepip` + `pip install pip==<ver>` instead of
#      downloading get-pip.py from ci-files.testing.ansible.com (unreachable offline);
#   4. runs `ansible-test sanity --local --python <venv python version>` and prints
#      a short summary. Exit status is ansible-test's (non-zero on any failure).
#
# Environment:
#   VENV               project virtualenv (default: .venv), must contain ansible-test
#   SANITY_BUILD_DIR   work dir (default: .build/sanity); keep its path short, since
#                      pip entry-point shebangs in the sanity venvs must stay < 127 chars
#   SANITY_PYTHON      python version to test (default: the venv's X.Y)
# Package index: sanity requirements are installed with pip from PyPI, or from the
# mirror configured by PIP_INDEX_URL / PIP_CONFIG_FILE / /etc/pip.conf; a user-level
# ~/.config/pip/pip.conf or ~/.pip/pip.conf is passed on via PIP_CONFIG_FILE.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"

VENV="${VENV:-.venv}"
case "${VENV}" in /*) ;; *) VENV="${ROOT}/${VENV}" ;; esac
BUILD="${SANITY_BUILD_DIR:-${ROOT}/.build/sanity}"
case "${BUILD}" in /*) ;; *) BUILD="${ROOT}/${BUILD}" ;; esac

if [[ ! -x "${VENV}/bin/ansible-test" ]]; then
    echo "sanity: ${VENV}/bin/ansible-test not found (set VENV or install ansible-core into it)" >&2
    exit 2
fi

galaxy_field() {
    sed -n "s/^$1:[[:space:]]*['\"]\{0,1\}\([A-Za-z0-9_]*\).*/\1/p" galaxy.yml | head -n 1
}
NAMESPACE="$(galaxy_field namespace)"
NAME="$(galaxy_field name)"
if [[ -z "${NAMESPACE}" || -z "${NAME}" ]]; then
    echo "sanity: cannot read namespace/name from galaxy.yml" >&2
    exit 2
fi

COLLECTION="${BUILD}/ansible_collections/${NAMESPACE}/${NAME}"
SANITY_HOME="${BUILD}/home"
LOG="${BUILD}/sanity.log"

# Pass a user-level pip config (e.g. an internal PyPI mirror) on before HOME changes.
if [[ -z "${PIP_CONFIG_FILE:-}" ]]; then
    for conf in "${HOME}/.config/pip/pip.conf" "${HOME}/.pip/pip.conf"; do
        if [[ -f "${conf}" ]]; then
            export PIP_CONFIG_FILE="${conf}"
            break
        fi
    done
fi

# --- 1. fresh copy of the collection ---------------------------------------------
rm -rf "${BUILD}/ansible_collections"
mkdir -p "${COLLECTION}" "${SANITY_HOME}"
if git -C "${ROOT}" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # tracked + untracked-but-not-ignored files that exist on disk
    git -C "${ROOT}" ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do
            if [[ -e "${f}" || -L "${f}" ]]; then printf '%s\0' "${f}"; fi
        done \
        | tar -C "${ROOT}" --null --no-recursion -T - -cf - \
        | tar -C "${COLLECTION}" -xf -
else
    tar -C "${ROOT}" -cf - \
        --exclude=./.git --exclude=./.venv --exclude=./.build --exclude=./tests/output \
        --exclude=__pycache__ --exclude='*.pyc' . \
        | tar -C "${COLLECTION}" -xf -
fi

# --- 2. isolated HOME; 3. offline pip bootstrap stand-in ---------------------------
PY="${VENV}/bin/python"
PYVER="${SANITY_PYTHON:-$("${PY}" -c 'import sys; print("%d.%d" % sys.version_info[:2])')}"
PIP_BOOTSTRAP_VERSION="$("${PY}" - "${PYVER}" <<'EOF'
import sys, types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))['pip'])
EOF
)"
CACHE_DIR="${SANITY_HOME}/.ansible/test/cache"
mkdir -p "${CACHE_DIR}"
cat >"${CACHE_DIR}/get_pip_${PIP_BOOTSTRAP_VERSION//./_}.py" <<'EOF'
"""Offline stand-in for get-pip.py, written by hack/sanity.sh.

ansible-test runs this (as `python get_pip_X_Y.py [pip options] pip==X.Y --no-setuptools
--no-wheel`) inside a new, pip-less sanity virtualenv. Instead of the real get-pip.py
(downloaded from ci-files.testing.ansible.com) it installs the pip bundled with Python
(ensurepip, no network) and then upgrades to the requested pip from the package index
(PyPI or the configured mirror), keeping the bundled pip if that is unreachable.
"""
import subprocess
import sys

GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
opts = [a for a in args if a.startswith('-')]
py = [sys.executable]

subprocess.check_call(py + ['-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
if subprocess.call(py + ['-m', 'pip', 'install', '-q'] + args) != 0:
    sys.stderr.write('WARNING: could not install %s; using the pip bundled with Python\n' % ' '.join(args))
if '--no-setuptools' in sys.argv:  # ensurepip on Python < 3.12 also installs setuptools
    subprocess.call(py + ['-m', 'pip', 'uninstall', '-q', '-y'] + opts + ['setuptools'],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
EOF

# --- 4. run ansible-test -------------------------------------------------------------
export HOME="${SANITY_HOME}"
export PATH="${VENV}/bin:${PATH}"
# Pin the content root: otherwise ansible-test walks up to the enclosing repo's .git
# (this copy lives in the gitignored .build/) and sees no files at all.
export ANSIBLE_TEST_CONTENT_ROOT="${COLLECTION}"
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS ANSIBLE_CONFIG

start=${SECONDS}
if [[ "${1:-}" == "units" ]]; then
    shift
    UNITS_LOG="${BUILD}/units.log"
    set +e
    (cd "${COLLECTION}" && ansible-test units --venv --python "${PYVER}" "$@") 2>&1 | tee "${UNITS_LOG}"
    rc=${PIPESTATUS[0]}
    set -e
    echo "-----------------------------------------------------------------------"
    passed="$(grep -o '[0-9]* passed' "${UNITS_LOG}" | paste -sd' ' -)"
    echo "units: $([[ ${rc} -eq 0 ]] && echo PASSED || echo "FAILED (exit ${rc})")  ${NAMESPACE}.${NAME}," \
        "python ${PYVER}, ${passed:-nothing passed} in $((SECONDS - start))s; full log ${UNITS_LOG}"
    exit "${rc}"
fi
set +e
(cd "${COLLECTION}" && ansible-test sanity --local --python "${PYVER}" "$@") 2>&1 | tee "${LOG}"
rc=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - start))

ran="$(grep -c '^Running sanity test' "${LOG}" || true)"
# tests skipped for a missing tool (e.g. shellcheck, pwsh) or python/venv support
skipped="$(sed -n -e 's/^WARNING: Skipping sanity test "\([^"]*\)".*/\1/p' \
    -e 's/^WARNING: Required program "\([^"]*\)" not found.*/(missing program: \1)/p' "${LOG}" \
    | sort -u | paste -sd' ' -)"
# "FATAL: The N sanity test(s) listed below (out of M) failed. ..." followed by one name per line
failed_list="$(sed -n '/^FATAL: The [0-9]* sanity test(s) listed below/,$p' "${LOG}" \
    | sed -n '1d; /^[a-z0-9][a-z0-9-]*\( --python [0-9.]*\)\{0,1\}$/p' | paste -sd' ' -)"

# policy: the collection is sanity-clean with EMPTY ignore files
for f in "${COLLECTION}"/tests/sanity/ignore-*.txt; do
    if [[ -s "${f}" ]]; then
        echo "sanity: ${f#"${COLLECTION}"/} is not empty; fix the code instead of ignoring" | tee -a "${LOG}" >&2
        [[ ${rc} -ne 0 ]] || rc=4
    fi
done
if [[ ${rc} -eq 0 ]] && grep -q '^WARNING: All targets skipped' "${LOG}"; then
    echo "sanity: ansible-test found no files in ${COLLECTION}" >&2
    rc=3
fi

echo "-----------------------------------------------------------------------"
if [[ ${rc} -eq 0 ]]; then
    echo "sanity: PASSED  ${NAMESPACE}.${NAME}, python ${PYVER}, ${ran} test(s) run in ${elapsed}s"
else
    echo "sanity: FAILED (exit ${rc})  ${NAMESPACE}.${NAME}, python ${PYVER}, ${ran} test(s) run in ${elapsed}s"
    if [[ -n "${failed_list}" ]]; then
        echo "sanity: failing test(s): ${failed_list}"
        grep -e '^ERROR: [^ ]*:[0-9]*:[0-9]*: ' -e '^\[ERROR\]: ' "${LOG}" \
            | sed -e 's/^ERROR: /  /' -e 's/^\[ERROR\]: /  ansible-doc: /' -e 's/\x1b\[[0-9;]*m//g' \
            | head -n 40 || true
    fi
fi
if [[ -n "${skipped}" ]]; then
    echo "sanity: skipped: ${skipped}"
fi
echo "sanity: full log ${LOG}; results ${COLLECTION}/tests/output/"
exit "${rc}"
