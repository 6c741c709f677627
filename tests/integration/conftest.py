"""Fixtures of the integration suite: a real slapd per test and a work folder with the HelloID export."""

import json

import pytest

import slapd  # the project's one throwaway-slapd harness (tests/support, on sys.path via tests/conftest.py)
from hr_api import running_hr_api
from jml_workspace import ACME_TOKEN, ROOT, Workspace


@pytest.fixture
def hr_api():
    """The demo's second HR system, ACME's paginated JSON API, served for real on 127.0.0.1."""
    persons = json.loads((ROOT / "inventories/demo/hr/acme/employees.json").read_text(encoding="utf-8"))
    with running_hr_api(persons, style="next_link", page_size=2, auth={"type": "bearer", "token": ACME_TOKEN}) as api:
        yield api


@pytest.fixture
def directory(tmp_path):
    with slapd.running_slapd(str(tmp_path / "slapd")) as instance:
        yield instance


@pytest.fixture
def workspace(tmp_path, directory, hr_api):
    (tmp_path / "work").mkdir()
    return Workspace(tmp_path / "work", directory, hr_api, ACME_TOKEN)


@pytest.fixture
def collect_workspace(tmp_path, hr_api):
    (tmp_path / "work").mkdir()
    return Workspace(tmp_path / "work", None, hr_api, ACME_TOKEN)
