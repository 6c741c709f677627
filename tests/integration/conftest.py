"""Fixtures of the integration suite: a real slapd per test and a work folder with the HelloID export."""

import json
import os
import subprocess
from pathlib import Path

import pytest

import samba_ad as samba_ad_harness  # the throwaway Samba AD DC (ports are fixed: one per session)
import slapd  # the project's one throwaway-slapd harness (tests/support, on sys.path via tests/conftest.py)
from hr_api import running_hr_api
from jml_workspace import ACME_TOKEN, ROOT, Workspace


# `make integration` runs the suite on two pytest-xdist workers. Every slapd, SCIM, SMTP and HTTP
# server picks a free port, so tests spread one by one, except:
# - Samba listens on fixed ports: the tests that need the session's DC all go to one worker,
#   which starts it once;
# - a module-scoped fixture is made once when its module stays on one worker.
# (Grouped by module here, not with xdist_group marks: pytest-xdist 3.8 marks a group by editing
# a test's private nodeid, which pytest 9.2 no longer reads.)
SAMBA_MODULES = frozenset(("test_absences_ad.py", "test_ad_samba.py", "test_audit_trail.py", "test_incremental_ad_samba.py",
                           "test_only_ad_samba.py", "test_samba_ad_harness.py"))
WHOLE_MODULES = frozenset(("test_awx_runner.py", "test_execution_environment.py", "test_fault_corpus.py",
                           "test_file_accounts.py", "test_http_source.py", "test_kill.py", "test_slapd_harness.py"))


def work_unit(nodeid: str) -> str:
    """The unit of work a test is sent to a worker in."""
    module = nodeid.split("::", 1)[0]
    name = module.rsplit("/", 1)[-1]
    if name in SAMBA_MODULES:
        return "samba-ad"
    return module if name in WHOLE_MODULES else nodeid


def pytest_collection_modifyitems(config, items):
    """A test that needs the Samba DC outside SAMBA_MODULES would start a second DC on another
    worker, which cannot bind the DC's ports: refused at collection, with what to do."""
    strays = [item.nodeid for item in items
              if "samba_ad" in item.fixturenames and work_unit(item.nodeid) != "samba-ad"]
    if strays:
        raise pytest.UsageError("tests/integration/conftest.py: add the modules of %s to SAMBA_MODULES "
                                "(they use the Samba DC, whose ports one worker holds)" % ", ".join(strays))


try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # without pytest-xdist the suite runs in one process
    LoadScopeScheduling = None

if LoadScopeScheduling is not None:
    class _WorkUnits(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return work_unit(nodeid)

    def pytest_xdist_make_scheduler(config, log):
        return _WorkUnits(config, log)


@pytest.fixture
def hr_api():
    """The demo's second HR system, ACME's paginated JSON API, served for real on 127.0.0.1."""
    persons = json.loads((ROOT / "inventories/demo/hr/acme/employees.json").read_text(encoding="utf-8"))
    with running_hr_api(persons, style="next_link", page_size=2, auth={"type": "bearer", "token": ACME_TOKEN}) as api:
        yield api


@pytest.fixture(params=[True, False], ids=["overlays", "no-overlays"])
def any_directory(request, tmp_path):
    """A real slapd with the memberof/refint overlays, and one without (many directories have neither)."""
    with slapd.running_slapd(str(tmp_path / "slapd"), overlays=request.param) as instance:
        instance.overlays = request.param
        yield instance


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


def processes_of(workdir: str) -> list[int]:
    """Live processes started in workdir (samba's cwd) or naming it on their command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (os.readlink(entry / "cwd") == workdir
                    or workdir.encode() in (entry / "cmdline").read_bytes()):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="session")
def samba_ad(tmp_path_factory):
    """One Samba AD DC for the whole session, default password policy, MaxPageSize=100 in its
    query policy (recorded only: Samba does not enforce it). Stopped at the end, and checked gone."""
    work = str(tmp_path_factory.mktemp("samba-ad"))
    with samba_ad_harness.running_samba_ad(work, max_page_size=100) as inst:
        print(f"\nsamba_ad: provision {inst.provision_seconds} s, ready {inst.ready_seconds} s")
        yield inst
    # samba overwrites its command line ("samba: root process"), so `pgrep -f DIR` finds
    # nothing even while it runs: look at the working folder as well.
    pgrep = subprocess.run(["pgrep", "-f", work], capture_output=True, text=True, check=False)
    assert pgrep.stdout == "", f"pgrep -f {work}: {pgrep.stdout}"
    assert processes_of(work) == [], f"samba processes left after stop: {processes_of(work)}"
