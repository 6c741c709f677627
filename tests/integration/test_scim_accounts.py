# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""jml.provisioning.scim_accounts against a real SCIM 2.0 server (scim2-server over TLS), seeded
the way a SaaS tenant is: users nobody manages, users made before the collection, a user whose
login a joiner wants, groups with members that are not ours, co-owned emails."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import pytest
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from scim_server import running_scim  # noqa: E402  pylint: disable=wrong-import-position

pytest.importorskip("scim2_client.engines.httpx2")

TODAY = datetime.date(2026, 12, 1)
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
BIN = os.path.dirname(sys.executable)
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def day(offset):
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def person(pid, given, family, start, end=None, department="IT", manager=None):
    return {"id": pid, "source": "hr", "name": {"given": given, "family": family, "display": f"{given} {family}"},
            "email": f"{given.lower()}.{family.lower()}@example.com", "manager": manager,
            "contracts": [{"id": pid + "-1", "start": start, "end": end, "title": "Engineer",
                           "department": {"code": department, "name": department}}]}


PERSONS = {
    "1001": person("1001", "Ana", "Lopez", day(-400)),                       # joiner, her login is held
    "1002": person("1002", "Bo", "Berg", day(5)),                           # prehire: created disabled
    "1003": person("1003", "Cy", "Chen", day(-900), day(-10)),              # leaver: disabled
    "1004": person("1004", "Di", "Diaz", day(-900), day(-100)),             # retention over: deleted
    "1005": person("1005", "Ed", "Eng", day(-30), department="Sales", manager="1001"),  # rehire + mover
}

OPTIONS = {
    "username": {"candidates": ["person.name.given | ascii | lower ~ '.' ~ person.name.family | ascii | lower",
                                "person.name.given | ascii | lower ~ '.' ~ person.name.family | ascii | lower ~ n"]},
    "attributes": {
        "name.givenName": "person.name.given",
        "name.familyName": "person.name.family",
        "displayName": "person.name.display",
        'emails[type eq "work"].value': "person.email",
        "title": "contract.title",
        ENTERPRISE + ":department": "contract.department.name",
        ENTERPRISE + ":manager.value": "manager_dn",
    },
    "lifecycle": {"delete_after_days": 30, "delete_accounts": True},
    "rules": [{"name": "it", "when": "contract.department.code == 'IT'", "groups": ["IT Staff"]},
              {"name": "sales", "when": "contract.department.code == 'Sales'", "groups": ["Sales"]}],
    "groups": {"create_missing": True},
    "reference_date": TODAY.isoformat(),
    "thresholds": {"disable": {"count": 10}, "delete": {"count": 10}},
}


def seed(scim):
    """The tenant before the collection's first run."""
    ids = {}

    def user(body):
        status, created = scim.request("POST", "/Users", dict({"schemas": [USER]}, **body))
        assert status == 201, created
        ids[body["userName"]] = created["id"]
        return created["id"]
    user({"userName": "ana.lopez", "displayName": "Ana Lopez (contractor, not in HR)"})   # holds the login
    user({"userName": "svc.backup", "displayName": "Backup robot"})                       # unmanaged
    user({"userName": "cy.chen", "externalId": "1003", "active": True, "title": "Engineer",
          "emails": [{"type": "work", "value": "cy.chen@example.com"}, {"type": "home", "value": "cy@home.example"}]})
    user({"userName": "di.diaz", "externalId": "1004", "active": False})
    user({"userName": "ed.eng", "externalId": "1005", "active": False, "title": "Intern", "nickName": "eddie",
          "emails": [{"type": "work", "value": "ed.eng@example.com", "primary": True}]})
    status, group = scim.request("POST", "/Groups", {"schemas": [GROUP], "displayName": "IT Staff",
                                                     "members": [{"value": ids["svc.backup"]}, {"value": ids["cy.chen"]}]})
    assert status == 201, group
    return ids


class Run(object):
    def __init__(self, rc, result, text):
        self.rc, self.result, self.text = rc, result, text

    def __repr__(self):
        return "%s\n%s" % (self.result.get("msg"), self.text[-3000:])


def play(tmp_path, scim, options, check=False, diff=False, persons=None, extra_env=None, verbosity=0, from_env=False):
    vault = tmp_path / "vault.json"
    if persons is not None or not vault.exists():
        vault.write_text(json.dumps({"format": "jml.provisioning/vault/v1", "collected_at": "2026-12-01T00:00:00Z",
                                     "sources": [], "persons": persons if persons is not None else PERSONS}))
    args = dict(options, vault=str(vault), encrypt=False,
                connection=dict({"base_url": scim.url, "auth": {"type": "bearer", "token": scim.token},
                                 "ca_file": scim.ca_file}, **options.get("connection", {})))
    if from_env:  # what docs/credential_types/scim.yml injects instead
        del args["connection"]
        extra_env = dict(extra_env or {}, JML_SCIM_URL=scim.url, JML_SCIM_TOKEN=scim.token, JML_SCIM_CA_FILE=scim.ca_file)
    out = tmp_path / "result.json"
    if out.exists():
        out.unlink()
    playbook = tmp_path / "scim.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "reconcile", "jml.provisioning.scim_accounts": args, "register": "r", "ignore_errors": True},
        {"name": "keep", "ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": str(out)}, "check_mode": False},
    ]}]))
    command = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook),
               "-e", "ansible_python_interpreter=" + sys.executable]
    command += ["--check"] if check else []
    command += ["--diff"] if diff else []
    command += ["-" + "v" * verbosity] if verbosity else []
    home = tmp_path / "ansible-home"
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_HOME=str(home),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(home / "tmp"), PATH="%s:%s" % (BIN, os.environ.get("PATH", "")),
               **(extra_env or {}))
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=300, check=False)
    result = json.loads(out.read_text()) if out.exists() else {}
    # The task ignores its errors so its result is kept: a failed task is rc 2, as without.
    return Run(done.returncode or (2 if result.get("failed") or not result else 0), result, done.stdout + done.stderr)


def users(scim):
    """Every user, read page by page (a server may cap the page size below what is asked)."""
    found, start = {}, 1
    while True:
        status, page = scim.get("/Users?startIndex=%d&count=1000" % start)
        assert status == 200
        resources = page.get("Resources") or []
        found.update((u["userName"], u) for u in resources)
        start += len(resources)
        if not resources or start > page["totalResults"]:
            return found


def groups(scim):
    status, page = scim.get("/Groups?count=1000")
    return dict((g["displayName"], sorted(m["value"] for m in g.get("members") or [])) for g in page.get("Resources") or [])


def writes(scim):
    return [r for r in scim.requests() if r["method"] != "GET"]


def sent(scim):
    """Every write, the operations of a /Bulk request one by one: ``(method, path, body)``."""
    out = []
    for request in writes(scim):
        if request["path"].endswith("/Bulk"):
            out.extend((o["method"], "/v2" + o["path"], o.get("data")) for o in request["body"]["Operations"])
        else:
            out.append((request["method"], request["path"], request["body"]))
    return out


def test_every_transition_check_mode_predicts_and_a_rerun_writes_nothing(tmp_path):
    with running_scim(log_requests=True) as scim:
        ids = seed(scim)
        before = users(scim)
        scim.clear_requests()
        check = play(tmp_path, scim, OPTIONS, check=True, diff=True)
        assert check.rc == 0, check
        assert writes(scim) == [], "check mode wrote"
        assert users(scim) == before
        planned = [(a["action"], a["person"], a["dn"]) for a in check.result["actions"]]
        assert ("create", "1001", "userName=ana.lopez1,ou=Users") in planned, planned  # the held login is taken
        assert ("create", "1002", "userName=bo.berg,ou=Users") in planned
        assert ("disable", "1003", "userName=cy.chen,ou=Users") in planned
        assert ("delete", "1004", "userName=di.diaz,ou=Users") in planned
        assert ("enable", "1005", "userName=ed.eng,ou=Users") in planned
        assert ("update", "1005", "userName=ed.eng,ou=Users") in planned
        assert ("revoke", "1003", "userName=cy.chen,ou=Users") in planned  # a leaver loses IT Staff
        assert check.result["correlation"]["uncorrelated_accounts"] == sorted(
            ["userName=ana.lopez,ou=Users", "userName=svc.backup,ou=Users"])

        run = play(tmp_path, scim, OPTIONS, diff=True)
        assert run.rc == 0, run
        assert run.result["actions"] == check.result["actions"], "the run did what check mode said"
        assert run.result["failures"] == []
        after = users(scim)
        assert after["ana.lopez"]["displayName"] == "Ana Lopez (contractor, not in HR)", "an unmanaged user was touched"
        assert after["svc.backup"] == before["svc.backup"]
        ana = after["ana.lopez1"]
        assert ana["externalId"] == "1001" and ana["active"] is True and ana["title"] == "Engineer"
        assert ana[ENTERPRISE]["department"] == "IT"
        assert after["bo.berg"]["active"] is False, "a prehire is created disabled"
        assert after["cy.chen"]["active"] is False
        assert {"type": "home", "value": "cy@home.example"} in after["cy.chen"]["emails"], "a co-owned email was lost"
        assert "di.diaz" not in after
        ed = after["ed.eng"]
        assert ed["active"] is True and ed["title"] == "Engineer" and ed["nickName"] == "eddie"
        assert ed[ENTERPRISE]["manager"]["value"] == ana["id"], "the manager is a reference by id"
        assert [e for e in ed["emails"] if e["type"] == "work"][0].get("primary") is True, "the element's other values stay"
        members = groups(scim)
        assert members["IT Staff"] == sorted([ids["svc.backup"], ana["id"], after["bo.berg"]["id"]]), \
            "a foreign member was revoked, or the leaver kept the group"
        assert members["Sales"] == [ed["id"]], "the missing group was created with its member"

        # PATCH minimality: the mover's PATCH names only what changed.
        patches = [body for method, path, body in sent(scim) if method == "PATCH" and path.endswith(ids["ed.eng"])]
        paths = sorted(o["path"] for body in patches for o in body["Operations"])
        assert paths == sorted(["active", "displayName", "name.givenName", "name.familyName", "title",
                                ENTERPRISE + ":department", ENTERPRISE + ":manager.value"]), paths

        scim.clear_requests()
        again = play(tmp_path, scim, OPTIONS)
        assert again.rc == 0, again
        assert again.result["changed"] is False and again.result["actions"] == []
        assert writes(scim) == [], "a re-run with the same data wrote"
        assert set(again.result["requests"]["requests"]) == {"GET"}


def _announcing(**changes):
    """scim2-server's default ServiceProviderConfig with ``changes`` (what it announces)."""
    config = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
              "patch": {"supported": True}, "bulk": {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576},
              "filter": {"supported": True, "maxResults": 1000}, "changePassword": {"supported": True},
              "sort": {"supported": True}, "etag": {"supported": True},
              "authenticationSchemes": [{"type": "oauthbearertoken", "name": "bearer", "description": "token"}]}
    config.update(changes)
    return config


def _many(count):
    return dict((str(2000 + n), person(str(2000 + n), "User", "N%03d" % n, day(-100))) for n in range(count))


def test_small_pages_and_bulk_within_the_announced_limits(tmp_path):
    spc = _announcing(bulk={"supported": True, "maxOperations": 3, "maxPayloadSize": 1048576},
                      filter={"supported": True, "maxResults": 4})
    with running_scim(service_provider_config=spc, log_requests=True) as scim:
        seed(scim)
        options = dict(OPTIONS, connection={"page_size": 50})  # the server caps pages at 4
        run = play(tmp_path, scim, options, persons=_many(10))
        assert run.rc == 0, run
        bulks = [r for r in writes(scim) if r["path"].endswith("/Bulk")]
        assert bulks and all(len(r["body"]["Operations"]) <= 3 for r in bulks)
        assert len(users(scim)) == 5 + 10
        reads = [r for r in scim.requests() if r["method"] == "GET" and r["path"].endswith("/Users")
                 and "attributes=" in r["query"]]  # the module's, not this test's
        assert reads and all("count=4" in r["query"] for r in reads), reads[:2]
        scim.clear_requests()
        again = play(tmp_path, scim, options)
        assert again.rc == 0 and again.result["actions"] == [], again
        assert writes(scim) == []
        pages = [r for r in scim.requests() if r["method"] == "GET" and r["path"].endswith("/Users")]
        assert len(pages) == 4, "15 users in pages of 4"
        assert all("attributes=" in r["query"] for r in pages), "only the mapped attributes are asked for"


def test_cursor_pagination_where_announced(tmp_path):
    spc = _announcing(pagination={"cursor": True, "index": True, "defaultPaginationMethod": "index", "maxPageSize": 3})
    with running_scim(service_provider_config=spc, log_requests=True) as scim:
        seed(scim)
        run = play(tmp_path, scim, OPTIONS, persons=_many(7))
        assert run.rc == 0, run
        scim.clear_requests()
        again = play(tmp_path, scim, OPTIONS)
        assert again.rc == 0 and again.result["actions"] == [], again
        reads = [r["query"] for r in scim.requests() if r["path"].endswith("/Users")]
        assert len(reads) == 4 and all("cursor=" in q and "startIndex" not in q and "count=3" in q for q in reads), reads


def test_without_patch_or_bulk_a_put_keeps_every_attribute_it_does_not_map(tmp_path):
    spc = _announcing(patch={"supported": False}, bulk={"supported": False, "maxOperations": 0, "maxPayloadSize": 0})
    with running_scim(service_provider_config=spc, log_requests=True) as scim:
        seed(scim)
        run = play(tmp_path, scim, OPTIONS)
        assert run.rc == 0, run
        methods = set(r["method"] for r in writes(scim))
        assert "PATCH" not in methods and not any(r["path"].endswith("/Bulk") for r in writes(scim))
        ed = users(scim)["ed.eng"]
        assert ed["nickName"] == "eddie" and ed["active"] is True and ed["title"] == "Engineer"
        cy = users(scim)["cy.chen"]
        assert {"type": "home", "value": "cy@home.example"} in cy["emails"]
        assert play(tmp_path, scim, OPTIONS).result["actions"] == []


def test_a_server_without_filtered_patch_paths_gets_the_whole_emails_every_other_element_kept(tmp_path):
    with running_scim(log_requests=True) as scim:
        ids = seed(scim)
        options = dict(OPTIONS, connection={"quirks": "github", "bulk": False})
        persons = dict(PERSONS, **{"1003": dict(PERSONS["1003"], email="cy@example.com")})
        run = play(tmp_path, scim, options, persons=persons)
        assert run.rc == 0, run
        sent = [o for r in writes(scim) if r["method"] == "PATCH" and r["path"].endswith(ids["cy.chen"])
                for o in r["body"]["Operations"]]
        assert "emails" in [o["path"] for o in sent] and not any("[" in o["path"] for o in sent), sent
        cy = users(scim)["cy.chen"]
        emails = sorted((e["type"], e["value"]) for e in cy["emails"])
        assert emails == [("home", "cy@home.example"), ("work", "cy@example.com")]
        assert play(tmp_path, scim, options).result["actions"] == []


def test_a_change_on_the_server_between_read_and_write_is_a_reported_failure(tmp_path):
    spc = _announcing(bulk={"supported": False, "maxOperations": 0, "maxPayloadSize": 0})
    with running_scim(service_provider_config=spc, touch_before_write=True) as scim:
        seed(scim)
        run = play(tmp_path, scim, OPTIONS)
        assert run.rc != 0
        failed = dict(((f["person"], f["action"]), f["error"]) for f in run.result["failures"])
        assert "412" in failed[("1005", "enable")] and "If-Match" in failed[("1005", "enable")], failed
        assert ("1005", "update") in failed, "the later operations of that account are skipped"
        assert users(scim)["ana.lopez1"]["active"] is True, "the other accounts were written"
    with running_scim(service_provider_config=spc) as scim:  # the next run, without the other client, converges
        seed(scim)
        assert play(tmp_path, scim, OPTIONS).rc == 0


def test_429_with_retry_after_is_waited_for_and_the_token_never_shows(tmp_path):
    with running_scim(throttle_writes=2, retry_after="1", log_requests=True) as scim:
        seed(scim)
        run = play(tmp_path, scim, OPTIONS, verbosity=4)
        assert run.rc == 0, run
        assert run.result["requests"]["retried"] >= 2 and run.result["requests"]["waited"] >= 2
        assert "ana.lopez1" in users(scim)
        assert scim.token not in run.text, "the bearer token is in the output"


def test_a_filter_scopes_the_managed_users_and_a_wrong_token_writes_nothing(tmp_path):
    with running_scim(log_requests=True) as scim:
        seed(scim)
        scim.request("POST", "/Users", {"schemas": [USER], "userName": "ghost", "externalId": "GHOST", "userType": "Partner"})
        options = dict(OPTIONS, filter='userType ne "Partner"')
        run = play(tmp_path, scim, options)
        assert run.rc == 0, run
        assert users(scim)["ghost"].get("active") is not False, "a user outside the filter was disabled"
        bad = dict(OPTIONS, connection={"auth": {"type": "bearer", "token": "not-the-token"}})
        scim.clear_requests()
        refused = play(tmp_path, scim, bad)
        assert refused.rc != 0 and "nothing was written" in refused.result["msg"], refused
        assert "not-the-token" not in refused.text
        assert writes(scim) == []


def test_a_group_two_server_groups_answer_to_is_a_predicted_failure_and_a_rename_keeps_memberships(tmp_path):
    with running_scim() as scim:
        ids = seed(scim)
        status, dummy = scim.request("POST", "/Groups", {"schemas": [GROUP], "displayName": "IT Staff"})
        if status != 201:
            pytest.skip("this scim2-server refuses a second group of the same displayName")
        check = play(tmp_path, scim, OPTIONS, check=True)
        predicted = sorted((f["person"], f["action"]) for f in check.result["failures"])
        assert ("1001", "grant") in predicted and ("1003", "revoke") in predicted, predicted
        assert all(f["predicted"] and "never guessed" in f["error"] for f in check.result["failures"]
                   if f["action"] in ("grant", "revoke"))
        run = play(tmp_path, scim, OPTIONS)
        assert sorted((f["person"], f["action"]) for f in run.result["failures"]) == predicted, \
            "the run met exactly the failures check mode predicted"
        it_staff = sorted(sorted(m["value"] for m in g.get("members") or [])
                          for g in scim.get("/Groups")[1]["Resources"] if g["displayName"] == "IT Staff")
        assert it_staff == [[], sorted([ids["svc.backup"], ids["cy.chen"]])], "a guessed group was written"

        # Ana marries: with username.rename her login follows; she stays the member she was.
        persons = dict(PERSONS, **{"1005": dict(PERSONS["1005"], name={"given": "Ed", "family": "Eng-Ito",
                                                                       "display": "Ed Eng-Ito"})})
        renaming = dict(OPTIONS, username=dict(OPTIONS["username"], rename=True), rules=[])
        moved = play(tmp_path, scim, renaming, persons=persons)
        assert moved.rc == 0, moved
        assert [(a["action"], a["dn"], a.get("new_dn")) for a in moved.result["actions"] if a["action"] == "move"] == [
            ("move", "userName=ed.eng,ou=Users", "userName=ed.eng-ito,ou=Users")]
        assert users(scim)["ed.eng-ito"]["id"] == ids["ed.eng"], "a rename is the same user"
        assert play(tmp_path, scim, renaming).result["actions"] == []


def test_the_examples_of_ansible_doc_run_as_written(tmp_path):
    """Only the server, the credentials (the test server takes a bearer token), the CA and the
    vault path point at the test's; the vault is encrypted, as the examples expect."""
    import ast  # pylint: disable=import-outside-toplevel
    from ansible.parsing.vault import VaultLib, VaultSecret  # pylint: disable=import-outside-toplevel
    tree = ast.parse(open(os.path.join(ROOT, "plugins", "modules", "scim_accounts.py"), encoding="utf-8").read())
    text = next(node.value.value for node in tree.body
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES")
    tasks = yaml.safe_load(text)
    password = tmp_path / "vault-pass"
    password.write_text("examples-secret")
    vault = tmp_path / "vault.json"
    document = json.dumps({"format": "jml.provisioning/vault/v1", "collected_at": "2026-12-01T00:00:00Z",
                           "sources": [], "persons": PERSONS})
    vault.write_bytes(VaultLib([("default", VaultSecret(b"examples-secret"))]).encrypt(document))
    with running_scim() as scim:
        for task in tasks:
            module = task["jml.provisioning.scim_accounts"]
            module["vault"] = str(vault)
            module["connection"].update(base_url=scim.url, ca_file=scim.ca_file,
                                        auth={"type": "bearer", "token": scim.token})
            module["reference_date"] = TODAY.isoformat()
        playbook = tmp_path / "examples.yml"
        playbook.write_text(yaml.safe_dump([{"name": "scim_accounts EXAMPLES", "hosts": "localhost",
                                             "gather_facts": False, "tasks": tasks}], sort_keys=False))
        home = tmp_path / "ansible-home"
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_HOME=str(home),
                   ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_LOCAL_TEMP=str(home / "tmp"))
        done = subprocess.run([os.path.join(BIN, "ansible-playbook"), str(playbook), "-i", "localhost,", "-c", "local",
                               "-e", "ansible_python_interpreter=" + sys.executable,
                               "--vault-password-file", str(password)],
                              capture_output=True, text=True, env=env, timeout=300, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        found = users(scim)
        assert "ana.lopez" in found and found["ana.lopez"]["externalId"] == "1001"
        assert "examples-secret" not in done.stdout and scim.token not in done.stdout


def test_the_connection_from_environment_variables_as_an_awx_credential_type_injects_it(tmp_path):
    with running_scim() as scim:
        seed(scim)
        run = play(tmp_path, scim, OPTIONS, from_env=True, verbosity=4)
        assert run.rc == 0, run
        assert "ana.lopez1" in users(scim)
        assert scim.token not in run.text


def test_a_long_run_says_what_it_does_and_its_result_stays_bounded(tmp_path):
    """One progress line per phase at default verbosity; every list of the result cut to
    max_actions with its count; the plan file holds everything."""
    with running_scim() as scim:
        seed(scim)
        options = dict(OPTIONS, max_actions=2, plan_file=str(tmp_path / "plan.json"))
        persons = dict(_many(6), **PERSONS)
        run = play(tmp_path, scim, options, persons=persons, check=True)
        assert run.rc == 0, run
        for phase in ("read 5 accounts", "planned create 8,", "(check mode: nothing is written)"):
            assert phase in run.text, (phase, run.text[-2000:])
        result = run.result
        assert len(result["actions"]) == 2 and result["actions_truncated"] > 0
        correlation = result["correlation"]
        assert len(correlation["uncorrelated_persons"]) == 2
        assert correlation["truncated"]["uncorrelated_persons"] == 8 - 2
        plan = json.load(open(tmp_path / "plan.json", encoding="utf-8"))
        assert len(plan["correlation"]["uncorrelated_persons"]) == 8 and "truncated" not in plan["correlation"]
        real = play(tmp_path, scim, dict(options, max_actions=1000))
        assert "applying" in real.text and "applied" in real.text and real.rc == 0, real


def test_an_approved_plan_is_applied_exactly_and_refused_once_the_tenant_changed(tmp_path):
    """Plan, approve, apply exactly on a SCIM service (a plain vault: the key is plan_key's)."""
    plan = tmp_path / "plan.json"
    with running_scim(log_requests=True) as scim:
        ids = seed(scim)
        unsigned = play(tmp_path, scim, dict(OPTIONS, plan_file=str(plan)), check=True)
        assert unsigned.rc == 0 and unsigned.result["approval"]["signature"] is None, unsigned
        refused = play(tmp_path, scim, dict(OPTIONS, approved_plan=str(plan), plan_key="k-1"))
        assert refused.rc != 0 and "is not signed" in refused.result["msg"], refused

        keyed = dict(OPTIONS, plan_key="change-board-key")
        check = play(tmp_path, scim, dict(keyed, plan_file=str(plan)), check=True)
        assert check.rc == 0 and check.result["approval"]["signature"], check
        scim.clear_requests()
        run = play(tmp_path, scim, dict(keyed, approved_plan=str(plan)))
        assert run.rc == 0, run
        assert run.result["approval"]["applied_approved_plan"] is True
        assert run.result["actions"] == check.result["actions"] and run.result["failures"] == []
        assert users(scim)["bo.berg"]["active"] is False and "di.diaz" not in users(scim)

        # A second check, then someone edits a managed user in the tenant: the plan is refused.
        check = play(tmp_path, scim, dict(keyed, plan_file=str(plan)), check=True)
        status, dummy = scim.request("PATCH", "/Users/" + ids["ed.eng"], {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": "Acting lead"}]})
        assert status in (200, 204)
        scim.clear_requests()
        refused = play(tmp_path, scim, dict(keyed, approved_plan=str(plan)))
        assert refused.rc != 0 and refused.result["stopped"] == {"reason": "approval", "changed": ["directory"]}, refused
        assert writes(scim) == [], "a refused plan wrote"
        assert "change-board-key" not in refused.text


def test_correlation_decisions_link_a_user_made_before_the_collection_ignore_a_robot_and_never_link(tmp_path):
    """On SCIM an account is named by the key the report shows: ``userName=<login>,ou=Users``."""
    decisions = tmp_path / "decisions.yml"
    decisions.write_text(yaml.safe_dump({"decisions": [
        {"decision": "link", "person": "1001", "account": "userName=Ana.Lopez,ou=Users",
         "reason": "her account from before the collection", "author": "alice"},
        {"decision": "ignore", "account": "userName=svc.sync,ou=Users", "reason": "sync robot", "author": "bob"},
        {"decision": "never_link", "person": "1002", "reason": "works offline", "author": "bob"},
    ]}))
    options = dict(OPTIONS, decisions_file=str(decisions))
    with running_scim(log_requests=True) as scim:
        seed(scim)
        robot = {"schemas": [USER], "userName": "svc.sync", "externalId": "9999", "active": True}
        status, robot = scim.request("POST", "/Users", robot)  # an externalId nobody has: vanished
        assert status == 201, robot
        before = users(scim)
        scim.clear_requests()
        check = play(tmp_path, scim, options, check=True)
        assert check.rc == 0, check
        assert writes(scim) == [], "check mode wrote"
        run = play(tmp_path, scim, options)
        assert run.rc == 0, run
        assert run.result["actions"] == check.result["actions"]
        assert run.result["correlation"] == check.result["correlation"]
        after = users(scim)
        assert "ana.lopez1" not in after, "linked: no second account"
        assert after["ana.lopez"]["externalId"] == "1001" and after["ana.lopez"]["displayName"] == "Ana Lopez"
        assert after["svc.sync"] == before["svc.sync"], "ignored: not disabled"
        assert "bo.berg" not in after, "never_link: not created"
        correlation = run.result["correlation"]
        assert correlation["ignored"] == ["userName=svc.sync,ou=Users"] and correlation["vanished"] == []
        assert [e["effect"] for e in correlation["decisions"]["entries"]] == ["linked", "ignored", "no account"]
        scim.clear_requests()
        again = play(tmp_path, scim, options)
        assert again.rc == 0 and again.result["changed"] is False, again
        assert writes(scim) == []
        assert again.result["correlation"]["decisions"]["entries"][0]["effect"] == "redundant"


def test_the_ledger_keeps_a_deleted_users_login_from_a_namesake_and_gives_it_back_on_rehire(tmp_path):
    """Di Diaz (1004) is past retention and deleted; another Di Diaz (1006) joins: di.diaz is free
    on the server, but the ledger keeps it for 1004, who gets it back when rehired."""
    options = dict(OPTIONS, ledger={"enabled": True})
    with running_scim() as scim:
        seed(scim)
        first = play(tmp_path, scim, options)
        assert first.rc == 0, first
        assert ("delete", "1004", "userName=di.diaz,ou=Users") in [
            (a["action"], a["person"], a["dn"]) for a in first.result["actions"]]
        assert first.result["ledger"]["released"] == 1  # the seeded di.diaz, released with its deletion
        ledger = json.loads((tmp_path / "vault.json.ledger").read_text())  # plain: this vault is (encrypt=false)
        [section] = ledger["targets"].values()
        assert section["identifiers"]["username|di.diaz"]["person"] == "1004"

        namesake = dict(PERSONS, **{"1006": person("1006", "Di", "Diaz", day(-1))})
        check = play(tmp_path, scim, options, check=True, persons=namesake)
        run = play(tmp_path, scim, options, persons=namesake)
        assert run.rc == 0 and run.result["actions"] == check.result["actions"], run
        assert ("create", "1006", "userName=di.diaz1,ou=Users") in [
            (a["action"], a["person"], a["dn"]) for a in run.result["actions"]]

        back = dict(namesake, **{"1004": person("1004", "Di", "Diaz", day(-1))})
        rehire = play(tmp_path, scim, options, persons=back)
        assert rehire.rc == 0, rehire
        assert ("create", "1004", "userName=di.diaz,ou=Users") in [
            (a["action"], a["person"], a["dn"]) for a in rehire.result["actions"]]
        assert play(tmp_path, scim, options).result["changed"] is False


def test_incremental_on_a_scim_service_is_always_a_full_reconcile(tmp_path):
    """A SCIM service keeps no change marks the collection can trust: with incremental on, every
    run is a full reconcile that says why, and a second run still finds nothing to do."""
    options = dict(OPTIONS, incremental={"enabled": True})
    with running_scim() as scim:
        seed(scim)
        first = play(tmp_path, scim, options)
        assert first.rc == 0, first
        assert first.result["changed"] is True
        for run in (play(tmp_path, scim, options), play(tmp_path, scim, options, check=True)):
            assert run.rc == 0, run
            assert run.result["incremental"]["mode"] == "full", run.result["incremental"]
            assert run.result["incremental"]["reason"] == \
                "the target keeps no change marks: every run is a full reconcile"
            assert run.result["changed"] is False and run.result["actions"] == []
