#!/usr/bin/env bash
# `make docs`: the collection's documentation site, built with antsibull-docs and Sphinx as
# docs.ansible.com builds collection docs, into .build/docs/build/html.
#
# 1. `antsibull-docs lint-collection-docs --plugin-docs` checks every plugin's documentation and
#    every reference in it (O(), RV(), M(), markup) - the collection's own links, strictly;
# 2. `antsibull-docs sphinx-init` + its build.sh render the site with Sphinx (-W: a warning fails).
#    References into ansible-core's docs (intersphinx to docs.ansible.com) cannot resolve on an
#    offline runner: intersphinx is off and only unresolved references (`ref.ref`) are not fatal
#    here - step 1 checked the collection's own.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-${ROOT}/.venv}"
DOCS="${ROOT}/.build/docs"
export PATH="${VENV}/bin:${PATH}"
export ANSIBLE_COLLECTIONS_PATH="${ROOT}/.build/collections"
COLLECTION="${ANSIBLE_COLLECTIONS_PATH}/ansible_collections/jml/provisioning"

(cd "${COLLECTION}" && antsibull-docs lint-collection-docs --plugin-docs .)
rm -rf "${DOCS}"
mkdir -p "${DOCS}"
antsibull-docs sphinx-init --use-current --dest-dir "${DOCS}" jml.provisioning >/dev/null
cat >>"${DOCS}/conf.py" <<'PYEOF'

# hack/docs.sh: offline, ansible-core's inventory (intersphinx) is unreachable; the collection's
# own references were checked by antsibull-docs lint-collection-docs.
intersphinx_mapping = {}
suppress_warnings = ["ref.ref"]
PYEOF
bash "${DOCS}/build.sh" >"${DOCS}.log" 2>&1 || { tail -n 40 "${DOCS}.log"; exit 1; }
echo "docs: ${DOCS}/build/html/index.html ($(find "${DOCS}/build/html" -name '*.html' | wc -l) pages); log ${DOCS}.log"
