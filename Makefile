# jml.provisioning — the two commands: `make demo` and `make test`. Everything else is a step of them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
COLLECTIONS := $(CURDIR)/.build/collections
LINK := $(COLLECTIONS)/ansible_collections/jml/provisioning

export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# Keep Ansible's and molecule's state inside the tree, never in the real ~/.ansible.
export ANSIBLE_HOME := $(CURDIR)/.build/ansible-home
export ANSIBLE_LOCAL_TEMP := $(CURDIR)/.build/ansible-home/tmp
export ANSIBLE_REMOTE_TEMP := $(CURDIR)/.build/ansible-home/tmp
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo demo-ad test unit lint changelog-lint integration molecule sanity sanity-all ansible-test-units docs build ee bench bench-100k system-deps venv collection clean help

help:
	@echo "make demo   - throwaway slapd + HelloID sample data: collect, provision, re-run, HR change, check, apply"
	@echo "make test   - the whole suite: unit, integration (real slapd, Samba AD), molecule, ansible-test sanity"
	@echo "make demo-ad - the demo against a throwaway Samba AD DC (root: ports 389/636)"
	@echo "make bench  - the performance table at 1k and 10k persons, with the per-user Ansible peer at 1k (~25 min)"
	@echo "make bench-100k - the same table at 100k persons (~20 min more)"
	@echo "make ee     - the AWX/AAP execution environment: ansible-builder create (and build, with podman or docker)"

demo: system-deps venv collection
	bash hack/demo.sh

demo-ad: system-deps venv collection
	bash hack/demo_ad.sh

test: system-deps venv collection
	$(MAKE) --no-print-directory unit lint changelog-lint integration build molecule sanity ansible-test-units docs

unit: collection
	$(BIN)/python -m pytest -q tests/unit

# ansible-lint, production profile, offline (.ansible-lint). It resolves jml.provisioning from a link
# of its own, never from `make collection`'s, so the result is the same whether that exists or not.
LINT_COLLECTIONS := $(CURDIR)/.build/lint/collections
lint:
	@mkdir -p $(LINT_COLLECTIONS)/ansible_collections/jml
	@ln -sfn $(CURDIR) $(LINT_COLLECTIONS)/ansible_collections/jml/provisioning
	ANSIBLE_COLLECTIONS_PATH=$(LINT_COLLECTIONS) $(BIN)/ansible-lint

# The fragments in changelogs/fragments/ and changelogs/changelog.yaml (CHANGELOG.rst is generated from them).
changelog-lint:
	$(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml --strict changelogs/changelog.yaml

# Two pytest-xdist workers: the suite is one Ansible process after another, each on one core
# (24 min on one worker, 2 cores). The Samba DC's tests share one worker (fixed ports; conftest.py).
INTEGRATION_WORKERS ?= 2
integration: collection
	$(BIN)/python -m pytest -q -n $(INTEGRATION_WORKERS) --dist loadscope tests/integration

molecule: collection
	cd roles/ldap_target && $(BIN)/molecule test
	cd roles/scim_target && $(BIN)/molecule test
	cd roles/file_target && $(BIN)/molecule test

sanity:
	bash hack/sanity.sh

# ansible-test sanity on every Python the collection claims (3.10-3.13) that is installed here;
# make test runs the venv's (Debian 12 ships 3.11 only). python3.X found on PATH.
sanity-all:
	@for v in 3.10 3.11 3.12 3.13; do \
	  if command -v python$$v >/dev/null && python$$v -c '' 2>/dev/null; then SANITY_PYTHON=$$v bash hack/sanity.sh || exit 1; \
	  else echo "sanity-all: python$$v not installed, skipped"; fi; done

# The documentation site (antsibull-docs + Sphinx) into .build/docs/build/html.
docs: collection
	bash hack/docs.sh

# The unit tests as ansible-test runs them for a collection's users (its own venv, tests/unit/requirements.txt).
ansible-test-units:
	bash hack/sanity.sh units

# The performance table (bench/README.md): floors and the per-user peer measured in the same run.
bench: system-deps venv collection
	$(BIN)/python bench/provision_bench.py --sizes 1000,10000 --runs 3

bench-100k: system-deps venv collection
	$(BIN)/python bench/provision_bench.py --sizes 100000 --runs 3 --peer-sizes ''

# Proves the collection packages (build_ignore) without touching the working tree.
build:
	@mkdir -p .build/dist
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist >/dev/null
	@ls .build/dist/jml-provisioning-*.tar.gz

# The execution environment for AWX / Automation Platform (execution-environment.yml, docs/awx.md):
# the build context in .build/ee/context; the image too where podman or docker works (`info` answers).
# make ee EE_TAG=registry.example.com/iam/jml-ee:0.1.0
EE_TAG ?= jml-provisioning-ee:latest
EE_CONTEXT := .build/ee/context
ee: venv
	@rm -rf $(EE_CONTEXT)
	$(BIN)/ansible-builder create -f execution-environment.yml -c $(EE_CONTEXT) --output-filename Containerfile
	@if podman info >/dev/null 2>&1; then engine=podman; elif docker info >/dev/null 2>&1; then engine=docker; fi; \
	if [ -n "$$engine" ]; then \
	  $(BIN)/ansible-builder build -f execution-environment.yml -c $(EE_CONTEXT) --output-filename Containerfile \
	    --container-runtime $$engine -t $(EE_TAG); \
	else \
	  echo "make ee: no working podman or docker here, so no image was built; the build context is $(EE_CONTEXT)"; \
	  echo "         (build it where one is: podman build -f $(EE_CONTEXT)/Containerfile -t $(EE_TAG) $(EE_CONTEXT); docs/awx.md)"; \
	fi

system-deps:
	bash hack/install-system-deps.sh

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# The working tree is the collection: link it where Ansible looks for jml.provisioning.
collection:
	@mkdir -p $(dir $(LINK)) $(ANSIBLE_LOCAL_TEMP)
	@ln -sfn $(CURDIR) $(LINK)

clean:
	rm -rf .build .demo
