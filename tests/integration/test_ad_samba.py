"""The JML cycle against a real Samba AD DC (tests/support/samba_ad.py), through the real playbooks
with the demo's AD variant (inventories/demo/ad.yml). One DC serves the whole session."""

import datetime
import json
import os
import shutil

import pytest
from ldap3.core.exceptions import LDAPBindError

from jml_workspace import ROOT

AD_VARS = "@%s" % (ROOT / "inventories" / "demo" / "ad.yml")
PEOPLE = "OU=People,DC=example,DC=test"

pytestmark = [
    pytest.mark.skipif(shutil.which("samba", path="/usr/sbin:/sbin:" + os.environ.get("PATH", "")) is None,
                       reason="needs Samba AD: hack/install-system-deps.sh"),
    pytest.mark.skipif(os.geteuid() != 0, reason="Samba AD binds ports 389/636: needs root"),
]


def managed(samba_ad):
    """Accounts with an employeeID, read over LDAPS directly (not through the collection)."""
    conn = samba_ad.connect()
    entries = conn.extend.standard.paged_search(
        PEOPLE, "(&(objectClass=user)(employeeID=*))", paged_size=200, generator=False,
        attributes=["employeeID", "sAMAccountName", "userPrincipalName", "userAccountControl", "uSNChanged",
                    "pwdLastSet", "manager", "accountExpires", "objectGUID", "memberOf"])
    found = {}
    for entry in entries:
        if entry.get("type") == "searchResEntry":
            raw = entry["raw_attributes"]
            attrs = dict((k, v[0].decode("utf-8", "replace") if len(v) == 1 and k != "memberOf"
                          else [x.decode("utf-8", "replace") for x in v]) for k, v in raw.items() if v)
            found[attrs["employeeID"]] = (entry["dn"], attrs)
    conn.unbind()
    return found


def test_ad_create_rerun_leaver_and_no_secrets(collect_workspace, samba_ad):
    ws = collect_workspace
    ws.set_vars(jml_demo_connection=dict(
        ws.vars["jml_demo_connection"], ldaps_uri=samba_ad.ldaps_uri, admin_dn=samba_ad.admin_dn,
        admin_password=samba_ad.admin_password, ca_file=samba_ad.ca_file, server_name=samba_ad.server_name))
    assert ws.play("collect.yml").rc == 0

    check = ws.play("provision.yml", "-e", AD_VARS, check=True)
    assert check.rc == 0, check
    assert managed(samba_ad) == {}, "check mode wrote to AD"
    real = ws.play("provision.yml", "-e", AD_VARS, "-vvvv", diff=True)
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"], "check mode must be exactly what the run does"
    assert real.plan["rules"] == check.plan["rules"]
    assert samba_ad.admin_password not in real.output

    accounts = managed(samba_ad)
    assert len(accounts) == 33
    dn, amir = accounts["AmirA"]
    assert dn.startswith("CN=Amir Atkinson,")
    assert amir["sAMAccountName"] == "amir.atkinson" and amir["userPrincipalName"] == "amir.atkinson@example.test"
    assert int(amir["userAccountControl"]) & 0x2 == 0, "an active person's account is enabled"
    assert int(amir["pwdLastSet"]) > 0, "the password was set (before enabling: in the same add)"
    jans = sorted(a["sAMAccountName"] for d, a in accounts.values() if a["sAMAccountName"].startswith("jan.jansen"))
    assert jans == ["jan.jansen", "jan.jansen2"]  # ACME's two Jan Jansens
    assert any("CN=Jan Jansen (2)," in d for d, a in accounts.values())  # CN unique in the OU
    assert len(accounts["BiancaM"][1]["memberOf"]) >= 1  # the demo's rules, AD groups created

    usn = dict((k, int(a["uSNChanged"])) for k, (d, a) in accounts.items())
    rerun = ws.play("provision.yml", "-e", AD_VARS)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    assert dict((k, int(a["uSNChanged"])) for k, (d, a) in managed(samba_ad).items()) == usn

    # A leaver: only the ACCOUNTDISABLE bit flips.
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    contracts.write_text(contracts.read_text(encoding="utf-8-sig").replace(
        "SummerH;1;Internal;1;40;5-8-2014;;", "SummerH;1;Internal;1;40;5-8-2014;1-1-2020;"), encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    before = int(managed(samba_ad)["SummerH"][1]["userAccountControl"])
    run = ws.play("provision.yml", "-e", AD_VARS)
    assert run.rc == 0, run
    after = int(managed(samba_ad)["SummerH"][1]["userAccountControl"])
    assert after == before | 0x2
    assert ws.play("provision.yml", "-e", AD_VARS).plan["changed"] is False


def test_a_plain_ldap_simple_bind_is_refused_clearly(collect_workspace, samba_ad):
    ws = collect_workspace
    ws.set_vars(jml_demo_connection=dict(
        ws.vars["jml_demo_connection"], ldaps_uri=samba_ad.ldap_uri, admin_dn=samba_ad.admin_dn,
        admin_password=samba_ad.admin_password, ca_file=samba_ad.ca_file, server_name=samba_ad.server_name))
    assert ws.play("collect.yml").rc == 0
    run = ws.play("provision.yml", "-e", AD_VARS)
    assert run.rc != 0 and "strongerAuthRequired" in run.text
    assert samba_ad.admin_password not in run.output


def _point_at(ws, samba_ad, **overrides):
    values = dict(ws.vars["jml_demo_connection"], ldaps_uri=samba_ad.ldaps_uri, admin_dn=samba_ad.admin_dn,
                  admin_password=samba_ad.admin_password, ca_file=samba_ad.ca_file, server_name=samba_ad.server_name)
    values.update(overrides)
    ws.set_vars(jml_demo_connection=values)


def test_starttls_works_and_bad_credentials_or_a_wrong_ca_fail_clearly(collect_workspace, samba_ad):
    ws = collect_workspace
    _point_at(ws, samba_ad)
    assert ws.play("collect.yml").rc == 0
    ws.set_vars(jml_ldap_start_tls=True)
    _point_at(ws, samba_ad, ldaps_uri=samba_ad.ldap_uri)
    run = ws.play("provision.yml", "-e", AD_VARS, check=True)
    assert run.rc == 0, run  # StartTLS on port 389, certificate validated against the DC's CA

    ws.set_vars(jml_ldap_start_tls=False)
    _point_at(ws, samba_ad, admin_password="Wrong-Password-1")
    run = ws.play("provision.yml", "-e", AD_VARS, check=True)
    assert run.rc != 0 and "cannot bind to" in run.text and "invalidCredentials" in run.text
    assert "Wrong-Password-1" not in run.output

    _point_at(ws, samba_ad, ca_file="/etc/ssl/certs/ca-certificates.crt")
    run = ws.play("provision.yml", "-e", AD_VARS, check=True)
    assert run.rc != 0 and "cannot connect to" in run.text and "certificate" in run.text.lower()


def test_paging_reads_every_account_with_a_small_page_size(collect_workspace, samba_ad):
    # Samba ignores MaxPageSize (see tests/support/samba_ad.py); a 5-entry client page size makes
    # the reads page all the same. If a page were lost, the re-run would plan creates again.
    ws = collect_workspace
    _point_at(ws, samba_ad)
    ws.set_vars(jml_ldap_page_size=5)
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", "-e", AD_VARS).rc == 0
    rerun = ws.play("provision.yml", "-e", AD_VARS)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    assert rerun.plan["correlation"]["correlated"] == 33
    assert len(managed(samba_ad)) == 33


def test_a_password_the_domain_policy_refuses_fails_that_account_alone(collect_workspace, samba_ad):
    ws = collect_workspace
    _point_at(ws, samba_ad)
    persons = ws.hr / "T4E_HELLOID_Persons.csv"
    persons.write_bytes(persons.read_bytes().rstrip(b"\n") + "\nWeakW;9100009;W.;Walt;Walt;;Weak;;;M;;;0;;;;;;;;;;FALSE\n".encode())
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    contracts.write_text(contracts.read_text(encoding="utf-8-sig").rstrip("\n")
                         + "\nWeakW;1;Internal;1;40;1-1-2020;;AmirA;;1;EN_ICT;EN_MANA;Profit\n", encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    ws.set_vars(jml_ldap_initial_password={"generate": True, "attribute": "unicodePwd",
                                           "value": "'abc' if person.id == 'WeakW' else none"})
    run = ws.play("provision.yml", "-e", AD_VARS, "-e", "@%s" % _password_vars(ws), "-vvvv")
    assert run.rc != 0, run
    weak = [f for f in run.plan["failures"] if f["person"] == "WeakW"]
    assert weak and weak[0]["action"] == "create" and "constraintViolation" in weak[0]["error"]
    assert all(f["person"] == "WeakW" for f in run.plan["failures"])  # nobody else failed
    assert "WeakW" not in managed(samba_ad), "no half-made account"
    assert "'abc'" not in run.plan_file.read_text()


def _password_vars(ws):
    """The initial-password override as a later extra-vars file (the AD variant sets its own)."""
    import yaml
    path = ws.path / "password.yml"
    path.write_text(yaml.safe_dump({"jml_ldap_initial_password": ws.vars["jml_ldap_initial_password"]}))
    return path


def test_a_display_name_change_renames_the_cn_and_keeps_the_login(collect_workspace, samba_ad):
    ws = collect_workspace
    _point_at(ws, samba_ad)
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", "-e", AD_VARS).rc == 0
    persons = ws.hr / "T4E_HELLOID_Persons.csv"
    persons.write_text(persons.read_text(encoding="utf-8").replace(";Bethany;Bethany;", ";Beth;Bethany;"),
                       encoding="utf-8")
    assert ws.play("collect.yml").rc == 0
    check = ws.play("provision.yml", "-e", AD_VARS, check=True)
    moves = [a for a in check.plan["actions"] if a["person"] == "BethanyC" and a["action"] == "move"]
    assert moves and moves[0]["new_dn"].startswith("cn=Beth Chen,") and moves[0].get("guid")
    assert ws.play("provision.yml", "-e", AD_VARS).rc == 0
    dn, beth = managed(samba_ad)["BethanyC"]
    assert dn.startswith("CN=Beth Chen,") and beth["sAMAccountName"] == "bethany.chen"
    assert ws.play("provision.yml", "-e", AD_VARS).plan["changed"] is False


def test_a_leaver_is_disabled_and_moved_to_the_disabled_ou(collect_workspace, samba_ad):
    ws = collect_workspace
    _point_at(ws, samba_ad)
    ws.set_vars(jml_ldap_disable={"strategy": ["uac", "move"], "disabled_dn": samba_ad.disabled_dn},
                jml_ldap_search_base=samba_ad.base_dn)
    extra = ws.path / "disable.yml"
    extra.write_text("jml_ldap_disable: {strategy: [uac, move], disabled_dn: '%s'}\njml_ldap_search_base: '%s'\n"
                     % (samba_ad.disabled_dn, samba_ad.base_dn))
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", "-e", AD_VARS, "-e", "@%s" % extra).rc == 0
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    contracts.write_text(contracts.read_text(encoding="utf-8-sig").replace(
        "SummerH;1;Internal;1;40;5-8-2014;;", "SummerH;1;Internal;1;40;5-8-2014;1-1-2020;"), encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    run = ws.play("provision.yml", "-e", AD_VARS, "-e", "@%s" % extra)
    assert run.rc == 0, run
    conn = samba_ad.connect()
    conn.search(samba_ad.disabled_dn, "(employeeID=SummerH)", attributes=["userAccountControl"])
    found = [e for e in conn.response if e.get("type") == "searchResEntry"]
    conn.unbind()
    assert len(found) == 1 and int(found[0]["raw_attributes"]["userAccountControl"][0]) & 0x2
    assert ws.play("provision.yml", "-e", AD_VARS, "-e", "@%s" % extra).plan["changed"] is False


ELSEWHERE = "OU=Elsewhere,DC=example,DC=test"  # inside the naming scope, outside the managed OUs


def _clear(samba_ad):
    """Delete everything the JML tests put in the domain (accounts, groups, contacts), leaves first."""
    conn = samba_ad.connect()
    conn.add(ELSEWHERE, ["top", "organizationalUnit"])  # entryAlreadyExists is fine
    for base in (samba_ad.people_dn, samba_ad.groups_dn, samba_ad.disabled_dn, ELSEWHERE):
        entries = conn.extend.standard.paged_search(base, "(objectClass=*)", attributes=["1.1"], paged_size=500,
                                                    generator=False)
        dns = [e["dn"] for e in entries if e.get("type") == "searchResEntry" and e["dn"].lower() != base.lower()]
        for dn in sorted(dns, key=lambda d: -d.count(",")):
            assert conn.delete(dn), conn.result
    conn.unbind()


@pytest.fixture
def fresh_ad(samba_ad):
    """The session's DC without what earlier tests provisioned, and left so: names and counts in
    these tests do not depend on which tests ran before."""
    _clear(samba_ad)
    yield samba_ad
    _clear(samba_ad)


def _extra(ws, name, **values):
    """Variables that override the AD variant: an extra-vars file given after it."""
    import yaml
    path = ws.path / ("%s.yml" % name)
    path.write_text(yaml.safe_dump(values))
    return "@%s" % path


def _ad_variant():
    import yaml
    return yaml.safe_load((ROOT / "inventories" / "demo" / "ad.yml").read_text(encoding="utf-8"))


def _read(samba_ad, base, search_filter, attributes):
    """{dn: {attribute: [text]}} of the entries under base, read over LDAPS directly."""
    conn = samba_ad.connect()
    entries = conn.extend.standard.paged_search(base, search_filter, attributes=attributes, paged_size=500,
                                                generator=False)
    found = dict((e["dn"], dict((k, [v.decode("utf-8") for v in vals]) for k, vals in e["raw_attributes"].items()
                                if vals))
                 for e in entries if e.get("type") == "searchResEntry")
    conn.unbind()
    return found


def test_proxy_addresses_follow_the_login_and_an_address_held_elsewhere_is_not_reused(collect_workspace, fresh_ad):
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    conn = ad.connect()
    assert conn.add("CN=Old Mailbox,%s" % ELSEWHERE, ["top", "person", "organizationalPerson", "contact"],
                    {"proxyAddresses": ["X500:/o=Example/cn=old", "smtp:jan.jansen@example.test"]}), conn.result
    conn.unbind()
    assert ws.play("collect.yml").rc == 0
    run = ws.play("provision.yml", "-e", AD_VARS)
    assert run.rc == 0, run

    accounts = _read(ad, PEOPLE, "(employeeID=*)", ["employeeID", "sAMAccountName", "userPrincipalName", "mail",
                                                    "proxyAddresses", "uSNChanged"])
    jans = dict((a["employeeID"][0], a) for a in accounts.values() if a["sAMAccountName"][0].startswith("jan."))
    # AC-1004 and AC-1005 are ACME's two Jan Jansens: jan.jansen's address is the contact's.
    for pid, login in (("AC-1004", "jan.jansen2"), ("AC-1005", "jan.jansen3")):
        jan = jans[pid]
        assert jan["sAMAccountName"] == [login]
        assert jan["userPrincipalName"] == jan["mail"] == ["%s@example.test" % login]
        assert jan["proxyAddresses"] == ["SMTP:%s@example.test" % login]
    assert all(a["proxyAddresses"] == ["SMTP:%s" % a["mail"][0]] for a in accounts.values())

    rerun = ws.play("provision.yml", "-e", AD_VARS)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun

    # A second, secondary address: a list of two values, then AD hands them back in another order.
    attributes = dict(_ad_variant()["jml_ldap_attributes"], proxyAddresses=(
        "['SMTP:' ~ username ~ '@example.test', 'smtp:' ~ username ~ '@corp.example.test']"))
    two = _extra(ws, "two-addresses", jml_ldap_attributes=attributes)
    run = ws.play("provision.yml", "-e", AD_VARS, "-e", two)
    assert run.rc == 0 and run.plan["summary"]["update"] == len(accounts), run
    dn = [d for d, a in accounts.items() if a["employeeID"] == ["AC-1004"]][0]
    conn = ad.connect()
    assert conn.modify(dn, {"proxyAddresses": [("MODIFY_REPLACE", ["smtp:jan.jansen2@corp.example.test",
                                                                   "SMTP:jan.jansen2@example.test"])]}), conn.result
    conn.unbind()
    before = _read(ad, PEOPLE, "(employeeID=*)", ["proxyAddresses", "uSNChanged"])
    assert before[dn]["proxyAddresses"] == ["smtp:jan.jansen2@corp.example.test", "SMTP:jan.jansen2@example.test"]
    rerun = ws.play("provision.yml", "-e", AD_VARS, "-e", two)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    assert _read(ad, PEOPLE, "(employeeID=*)", ["proxyAddresses", "uSNChanged"]) == before


def test_rules_name_groups_by_sam_account_name_anywhere_in_the_domain(collect_workspace, fresh_ad):
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    sales = "CN=Sales Team EU,%s" % ELSEWHERE  # its CN is not its sAMAccountName, and not under groups.base
    legacy = "CN=Legacy App,%s" % ELSEWHERE    # named by DN in the rules, as before
    conn = ad.connect()
    assert conn.add(sales, ["group"], {"sAMAccountName": "sales-eu", "groupType": "-2147483640"}), conn.result
    assert conn.add(legacy, ["group"]), conn.result
    conn.unbind()
    rules = [
        {"name": "ict-sales", "when": "contract.department.code == 'EN_ICT'", "any_contract": True,
         "groups": ["SALES-EU", legacy]},
        {"name": "auditors", "when": "contract.title.code == 'EN_MANA'", "groups": ["Auditors-DL"]},
    ]
    groups = dict(_ad_variant()["jml_ldap_groups"], group_type=-2147483644)  # created ones: domain local
    extra = _extra(ws, "groups", jml_ldap_rules=rules, jml_ldap_groups=groups)
    assert ws.play("collect.yml").rc == 0

    check = ws.play("provision.yml", "-e", AD_VARS, "-e", extra, check=True)
    assert check.rc == 0, check
    assert _read(ad, PEOPLE, "(objectClass=user)", ["1.1"]) == {}, "check mode wrote to AD"
    grants = dict((g, sorted(a["person"] for a in check.plan["actions"] if a.get("group") == g))
                  for g in set(a.get("group") for a in check.plan["actions"] if a["action"] == "grant"))
    auditors = "cn=Auditors-DL,OU=Groups,DC=example,DC=test"
    assert grants[sales] == grants[legacy] and len(grants[sales]) >= 1
    assert len(grants[auditors]) >= 2 and "cn=staff,OU=Groups,DC=example,DC=test" in grants  # the demo's rules

    real = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"] and real.plan["rules"] == check.plan["rules"]
    accounts = _read(ad, PEOPLE, "(employeeID=*)", ["employeeID", "memberOf"])
    member_of = dict((a["employeeID"][0], set(a.get("memberOf", []))) for a in accounts.values())
    for pid in grants[sales]:
        assert {sales, legacy} <= member_of[pid]
    assert all("CN=Auditors-DL,OU=Groups,DC=example,DC=test" in member_of[p] for p in grants[auditors])
    created = _read(ad, ad.groups_dn, "(objectClass=group)", ["cn", "sAMAccountName", "groupType"])
    assert created["CN=Auditors-DL,OU=Groups,DC=example,DC=test"] == {
        "cn": ["Auditors-DL"], "sAMAccountName": ["Auditors-DL"], "groupType": ["-2147483644"]}
    assert all(g["sAMAccountName"] == g["cn"] for g in created.values())  # no invented $6A3F... names
    existing = _read(ad, ELSEWHERE, "(objectClass=group)", ["sAMAccountName", "groupType", "uSNChanged"])
    assert existing[sales]["sAMAccountName"] == ["sales-eu"] and existing[sales]["groupType"] == ["-2147483640"]

    rerun = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    assert _read(ad, ELSEWHERE, "(objectClass=group)", ["sAMAccountName", "groupType", "uSNChanged"]) == existing


def _contract_ends(ws, **ends):
    """Give persons' (single) contracts an end date in the HelloID export (D-M-YYYY)."""
    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    lines = contracts.read_text(encoding="utf-8-sig").split("\n")
    for i, line in enumerate(lines):
        fields = line.split(";")
        if fields[0] in ends:
            day = ends[fields[0]]
            fields[6] = "%d-%d-%d" % (day.day, day.month, day.year)
            lines[i] = ";".join(fields)
    contracts.write_text("\n".join(lines), encoding="utf-8-sig")


def test_a_leaver_past_retention_is_deleted_and_a_recent_one_leaves_the_managed_groups(collect_workspace, fresh_ad):
    import datetime
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", "-e", AD_VARS).rc == 0
    accounts = managed(ad)
    summer_dn, kato_dn = accounts["SummerH"][0], accounts["KatoB"][0]
    unmanaged = "CN=Unmanaged App,%s" % ELSEWHERE  # no rule names it: never touched
    conn = ad.connect()
    assert conn.add(unmanaged, ["group"], {"member": [kato_dn]}), conn.result
    conn.unbind()
    accounts = managed(ad)
    managed_groups = set(accounts["KatoB"][1]["memberOf"]) - {unmanaged}
    assert len(managed_groups) == 2  # the demo's staff and managers

    # SummerH left in 2020: past 30 days of retention. KatoB left three days ago: a leaver.
    _contract_ends(ws, SummerH=datetime.date(2020, 1, 1), KatoB=datetime.date.today() - datetime.timedelta(days=3))
    assert ws.play("collect.yml").rc == 0
    extra = _extra(ws, "retention",
                   jml_ldap_lifecycle={"pre_provision_days": 14, "exclude": "person.custom.blocked",
                                       "delete_after_days": 30, "delete_accounts": True},
                   jml_ldap_thresholds={"disable": {"count": 10, "percent": 20}, "delete": {"count": 1}})
    check = ws.play("provision.yml", "-e", AD_VARS, "-e", extra, check=True)
    assert check.rc == 0, check
    by_person = dict((p, sorted(a["action"] for a in check.plan["actions"] if a["person"] == p))
                     for p in ("SummerH", "KatoB"))
    assert by_person == {"SummerH": ["delete"], "KatoB": ["disable", "revoke", "revoke", "update"]}  # accountExpires
    assert [a["dn"] for a in check.plan["actions"] if a["action"] == "delete"] == [summer_dn]
    assert managed(ad) == accounts, "check mode wrote to AD"

    real = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"]
    after = managed(ad)
    assert "SummerH" not in after and len(after) == len(accounts) - 1
    assert _read(ad, ad.base_dn, "(employeeID=SummerH)", ["1.1"]) == {}
    dn, kato = after["KatoB"]
    assert int(kato["userAccountControl"]) & 0x2
    assert kato["memberOf"] == [unmanaged]  # out of every managed group, the unmanaged one kept
    assert all(a.get("manager") != summer_dn for d, a in after.values())

    rerun = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    assert managed(ad) == after


def test_vvvv_shows_no_bind_or_initial_password_and_the_passwords_work(collect_workspace, fresh_ad):
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    # A known strong password per person, from an expression, so the test can look for it.
    password = _extra(ws, "password", jml_ldap_initial_password={
        "attribute": "unicodePwd", "value": "'Xk9-' ~ person.id ~ '-Strong!'"})
    check = ws.play("provision.yml", "-e", AD_VARS, "-e", password, "-vvvv", check=True, diff=True)
    real = ws.play("provision.yml", "-e", AD_VARS, "-e", password, "-vvvv", diff=True)
    assert check.rc == 0 and real.rc == 0, real
    accounts = managed(ad)
    secrets = ["Xk9-%s-Strong!" % pid for pid in accounts]
    assert len(secrets) == 33
    places = {"-vvvv check": check.output, "-vvvv run": real.output, "check plan": check.plan_file.read_text(),
              "plan file": real.plan_file.read_text(), "vault": json.dumps(ws.vault_document()),
              "vault file": ws.vault.read_text()}
    # -vvvv prints the whole result and --diff every created account: where a password would show.
    assert "actions_truncated: 0" in real.output and '"sAMAccountName": "amir.atkinson"' in real.output
    for where, text in places.items():
        assert ad.admin_password not in text, where
        leaked = [s for s in secrets if s in text or repr(('"%s"' % s).encode("utf-16-le"))[2:-1] in text]
        assert leaked == [], "%s shows %s" % (where, leaked[:3])
    assert "unicodePwd" not in json.dumps(real.plan["actions"])  # not even the attribute's name with a value

    enabled = [(pid, a) for pid, (dn, a) in accounts.items() if not int(a["userAccountControl"]) & 0x2]
    assert len(enabled) >= 25
    for pid, attrs in enabled:  # set in the add: each account binds over LDAPS with its password
        conn = ad.connect(user=attrs["userPrincipalName"], password="Xk9-%s-Strong!" % pid)
        assert conn.bound, (pid, conn.result)
        conn.unbind()
    with pytest.raises(LDAPBindError, match="invalidCredentials"):  # the binds above prove the password, not a lax DC
        ad.connect(user=enabled[0][1]["userPrincipalName"], password="Xk9-wrong-Strong!")


def test_group_members_are_read_range_by_range(fresh_ad):
    # AD hands out at most MaxValRange (1,500) members at a time as member;range=0-1499. Samba
    # does not cut plain requests, so the test asks for ranges of 7 and checks all 23 come back.
    from ansible_collections.jml.provisioning.plugins.module_utils.provision import dn as dnlib
    from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import directory as target
    conn = target.connect(fresh_ad.ldaps_uri, fresh_ad.admin_dn, fresh_ad.admin_password, ca_file=fresh_ad.ca_file,
                          server_name=fresh_ad.server_name)
    members = []
    for i in range(23):
        dn = "CN=Range %02d,%s" % (i, fresh_ad.people_dn)
        assert conn.add(dn, ["top", "person", "organizationalPerson", "user"], {"sAMAccountName": "range%02d" % i})
        members.append(dn)
    group = "CN=Ranged,%s" % fresh_ad.groups_dn
    assert conn.add(group, ["top", "group"], {"sAMAccountName": "ranged", "member": members}), conn.result
    key = dnlib.normalise(group)
    for range_size in (None, 7, 23, 100):
        found = target.read_groups(conn, {key: group}, range_size=range_size)[key]
        assert found["exists"] and sorted(found["members"]) == sorted(members), range_size
    missing = dnlib.normalise("CN=Nope,%s" % fresh_ad.groups_dn)
    assert target.read_groups(conn, {missing: "CN=Nope,%s" % fresh_ad.groups_dn}, range_size=7)[missing]["exists"] is False
    conn.unbind()


def test_a_manager_who_moves_ou_keeps_his_reports_linked(collect_workspace, fresh_ad):
    # Directors live in their own OU. Orson (four reports with accounts) stops being one: he moves to
    # OU=People, and his reports' manager links are written to his new DN after the move.
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    directors = "OU=Directors,%s" % PEOPLE
    conn = ad.connect()
    assert conn.add(directors, ["top", "organizationalUnit"]), conn.result
    conn.unbind()
    by_title = _extra(ws, "by-title", jml_ldap_container=(
        "'%s' if contract.title.code == 'EN_DIREC' else '%s'" % (directors, PEOPLE)))
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", "-e", AD_VARS, "-e", by_title).rc == 0
    accounts = _read(ad, PEOPLE, "(employeeID=*)", ["employeeID", "manager"])
    orson = [d for d, a in accounts.items() if a["employeeID"] == ["OrsonR"]][0]
    assert orson.endswith("," + directors)
    reports = sorted(d for d, a in accounts.items() if a.get("manager") == [orson])
    assert len(reports) == 4

    contracts = ws.hr / "T4E_HelloID_Contracts.csv"
    contracts.write_text(contracts.read_text(encoding="utf-8-sig").replace(
        ";AmirA;;1;EN_PO;EN_DIREC;", ";AmirA;;1;EN_PO;EN_MANA;"), encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    check = ws.play("provision.yml", "-e", AD_VARS, "-e", by_title, check=True)
    assert check.rc == 0, check
    moves = [a for a in check.plan["actions"] if a["action"] == "move"]
    assert [a["person"] for a in moves] == ["OrsonR"] and moves[0]["new_dn"].endswith("," + PEOPLE)
    linked = sorted(a["dn"] for a in check.plan["actions"] if a["action"] == "update" and "manager" in a["changes"])
    assert linked == reports
    run = ws.play("provision.yml", "-e", AD_VARS, "-e", by_title)
    assert run.rc == 0 and run.plan["actions"] == check.plan["actions"], run
    accounts = _read(ad, PEOPLE, "(employeeID=*)", ["employeeID", "manager", "uSNChanged"])
    moved = [d for d, a in accounts.items() if a["employeeID"] == ["OrsonR"]][0]
    assert moved.lower() == moves[0]["new_dn"].lower()
    assert sorted(a["manager"][0].lower() for a in accounts.values() if a.get("manager") == [moved]) \
        == [moved.lower()] * len(reports)
    rerun = ws.play("provision.yml", "-e", AD_VARS, "-e", by_title)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    assert _read(ad, PEOPLE, "(employeeID=*)", ["employeeID", "manager", "uSNChanged"]) == accounts


# ---- A messy directory: what real ones already hold ------------------------------------------

def _csv_field(ws, file_name, person, column, value):
    """Set one field of a person's row(s) in the HelloID export (its own encoding kept)."""
    path = ws.hr / file_name
    text = path.read_text(encoding="utf-8-sig")
    lines = text.split("\n")
    index = lines[0].split(";").index(column)
    for i, line in enumerate(lines):
        fields = line.split(";")
        if fields[0] == person:
            fields[index] = value(fields) if callable(value) else value
            lines[i] = ";".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8-sig")


def _failures(plan):
    return sorted((f["person"], f["action"], f["dn"], f["error"]) for f in plan["failures"])


def test_a_messy_ad_check_mode_predicts_the_run_and_nothing_foreign_is_harmed(collect_workspace, fresh_ad, tmp_path):
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    # AmirA has two open-ended contracts; the first (the primary) now ends in 60 days.
    ends = datetime.date.today() + datetime.timedelta(days=60)
    path = ws.hr / "T4E_HelloID_Contracts.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace(
        "AmirA;1;Internal;0.5;20;18-6-2013;;", "AmirA;1;Internal;0.5;20;18-6-2013;%d-%d-%d;" % (
            ends.day, ends.month, ends.year)), encoding="utf-8-sig")
    assert ws.play("collect.yml").rc == 0
    names = dict((pid, p["name"]["display"]) for pid, p in ws.vault_document()["persons"].items())

    conn = ad.connect()
    contact = "CN=%s,%s" % (names["BiancaM"], PEOPLE)  # a contact nobody manages holds Bianca's CN
    assert conn.add(contact, ["top", "person", "organizationalPerson", "contact"], {"description": "external"}), conn.result
    legacy = "CN=%s,%s" % (names["KatoB"], ELSEWHERE)  # Kato's account from before the collection
    assert conn.add(legacy, ["top", "person", "organizationalPerson", "user"],
                    {"employeeID": "KatoB", "sAMAccountName": "legacy.kato"}), conn.result
    conn.unbind()

    attributes = dict(_ad_variant()["jml_ldap_attributes"],
                      employeeType="'x' * 300 if person.id == 'HollyM' else 'employee'")  # AD's limit: 256
    extra = _extra(ws, "messy", jml_ldap_attributes=attributes, jml_ldap_container=(
        "'OU=Nowhere,DC=example,DC=test' if person.id == 'SummerH' else 'OU=People,DC=example,DC=test'"))
    check = ws.play("provision.yml", "-e", AD_VARS, "-e", extra, check=True)
    assert check.rc != 0, "a check that predicts failures fails"
    assert _read(ad, PEOPLE, "(employeeID=*)", ["1.1"]) == {}, "check mode wrote to AD"
    predicted = _failures(check.plan)
    assert all(f["predicted"] for f in check.plan["failures"])
    first = dict((f[0], f[3]) for f in predicted if not f[3].startswith("skipped") and "would not exist" not in f[3])
    assert sorted(first) == ["HollyM", "SummerH"], predicted
    # SummerH manages others: their creates link to an account that will not exist (AD refuses them).
    reports = sorted(f[0] for f in predicted if "would not exist" in f[3])
    assert reports and all("manager cn=%s,OU=Nowhere" % names["SummerH"] in f[3] for f in predicted
                           if f[0] in reports and "would not exist" in f[3])
    assert "the container OU=Nowhere,DC=example,DC=test does not exist" in first["SummerH"]
    assert "employeeType is 300 characters, over the directory's limit of 256" in first["HollyM"]
    assert "correlation conflict" in check.text and "KatoB" in check.text

    real = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert real.rc != 0
    assert _failures(real.plan) == predicted, "the run meets exactly the failures check mode predicted"
    assert real.plan["actions"] == check.plan["actions"]
    accounts = managed(ad)
    assert not set(accounts) & set(["SummerH", "HollyM"] + reports)
    assert accounts["BiancaM"][0] == "CN=%s (2),%s" % (names["BiancaM"], PEOPLE), "the contact's CN is taken"
    assert _read(ad, contact, "(objectClass=*)", ["description"])[contact] == {"description": ["external"]}
    assert "KatoB" not in accounts and list(_read(ad, ad.base_dn, "(employeeID=KatoB)", ["1.1"])) == [legacy], \
        "no second account for Kato"
    [conflict] = [c for c in real.plan["correlation"]["conflicts"] if c.get("person") == "KatoB"]
    assert conflict["accounts"] == [legacy]
    assert accounts["AmirA"][1]["accountExpires"] in ("0", "9223372036854775807"), \
        "a second, open-ended contract: the account never expires"

    report_dir = tmp_path / "report"
    evaluate = ws.play("evaluate.yml", "-e", AD_VARS, "-e", extra, "-e", "jml_report_dir=%s" % report_dir)
    assert evaluate.rc != 0 and "would fail" in evaluate.text, evaluate
    markdown = (report_dir / "impact.md").read_text()
    assert "**OK**" not in markdown and "Failures (" in markdown and "OU=Nowhere" in markdown


def test_foreign_proxy_addresses_stay_and_a_rename_keeps_the_old_address(collect_workspace, fresh_ad):
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", "-e", AD_VARS).rc == 0
    dn, amir = managed(ad)["AmirA"]
    foreign = ["X500:/o=Example/ou=Exchange/cn=Recipients/cn=amira", "smtp:amir@example.test"]
    conn = ad.connect()
    assert conn.modify(dn, {"proxyAddresses": [("MODIFY_ADD", foreign)]}), conn.result
    conn.unbind()
    usn = managed(ad)["AmirA"][1]["uSNChanged"]
    rerun = ws.play("provision.yml", "-e", AD_VARS)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    assert managed(ad)["AmirA"][1]["uSNChanged"] == usn, "values Exchange or an admin added are not ours"

    _csv_field(ws, "T4E_HELLOID_Persons.csv", "AmirA", "LastName", "Atkinson-Berg")
    assert ws.play("collect.yml").rc == 0
    rename = _extra(ws, "rename", jml_ldap_username=dict(_ad_variant()["jml_ldap_username"], rename=True))
    check = ws.play("provision.yml", "-e", AD_VARS, "-e", rename, check=True)
    real = ws.play("provision.yml", "-e", AD_VARS, "-e", rename)
    assert check.rc == 0 and real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"]
    dn, amir = managed(ad)["AmirA"]
    assert dn.startswith("CN=Amir Atkinson-Berg,")
    assert amir["sAMAccountName"] == "amir.atkinson-berg"
    assert amir["userPrincipalName"] == "amir.atkinson-berg@example.test"
    proxies = _read(ad, dn, "(objectClass=*)", ["proxyAddresses"])[dn]["proxyAddresses"]
    assert sorted(proxies) == sorted(["SMTP:amir.atkinson-berg@example.test", "smtp:amir.atkinson@example.test"]
                                     + foreign)
    assert ws.play("provision.yml", "-e", AD_VARS, "-e", rename).plan["changed"] is False

    # A case-only change of the name renames the CN too (AD compares it without case).
    _csv_field(ws, "T4E_HELLOID_Persons.csv", "AmirA", "LastName", "Atkinson-berg")
    assert ws.play("collect.yml").rc == 0
    run = ws.play("provision.yml", "-e", AD_VARS, "-e", rename)
    assert run.rc == 0, run.plan["failures"]
    assert [a["action"] for a in run.plan["actions"] if a["person"] == "AmirA"] == ["move", "update"]
    dn, amir = managed(ad)["AmirA"]
    assert dn.startswith("CN=Amir Atkinson-berg,") and amir["sAMAccountName"] == "amir.atkinson-berg"
    assert ws.play("provision.yml", "-e", AD_VARS, "-e", rename).plan["changed"] is False


def test_a_leaver_with_child_objects_is_deleted_with_the_tree_delete_control(collect_workspace, fresh_ad):
    """Exchange keeps ActiveSync devices under the user object; AD refuses a plain delete of an
    object with children. (Samba has no Exchange schema: a classStore stands in for them.)"""
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    assert ws.play("provision.yml", "-e", AD_VARS).rc == 0
    summer_dn = managed(ad)["SummerH"][0]
    conn = ad.connect()
    devices = "CN=ExchangeActiveSyncDevices,%s" % summer_dn
    assert conn.add(devices, ["top", "classStore"]), conn.result
    assert conn.add("CN=Phone,%s" % devices, ["top", "classStore"]), conn.result
    conn.unbind()
    _contract_ends(ws, SummerH=datetime.date(2020, 1, 1))
    assert ws.play("collect.yml").rc == 0
    extra = _extra(ws, "children",
                   jml_ldap_lifecycle={"pre_provision_days": 14, "delete_after_days": 30, "delete_accounts": True},
                   jml_ldap_thresholds={"delete": {"count": 1}})
    check = ws.play("provision.yml", "-e", AD_VARS, "-e", extra, check=True, diff=True)
    assert check.rc == 0, check
    [delete] = [a for a in check.plan["actions"] if a["action"] == "delete"]
    assert delete["dn"] == summer_dn and delete["children"] == 2
    assert "SummerH" in managed(ad), "check mode deleted"
    real = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"] and real.plan["failures"] == []
    assert "SummerH" not in managed(ad)
    assert _read(ad, ad.base_dn, "(cn=ExchangeActiveSyncDevices)", ["1.1"]) == {}


def test_the_ad_example_of_ansible_doc_runs_as_written(collect_workspace, fresh_ad, tmp_path):
    import yaml
    from test_doc_examples import examples
    from jml_workspace import BIN
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    [task] = [t for t in examples("ldap_accounts") if t["name"].startswith("Reconcile Active Directory")]
    module = task["jml.provisioning.ldap_accounts"]
    module["vault"] = str(ws.vault)
    module["connection"].update(server_uri=ad.ldaps_uri, bind_dn=ad.admin_dn, bind_password=ad.admin_password,
                                ca_file=ad.ca_file, server_name=ad.server_name)
    playbook = tmp_path / "ad-example.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [task, task]}],
                                       sort_keys=False))
    run = ws.run([str(BIN / "ansible-playbook"), str(playbook), "-i", "localhost,", "-c", "local",
                  "--vault-password-file", str(ws.vault_pass)])
    assert run.returncode == 0, run.stdout
    assert "changed=1" in run.stdout, "the second run changes nothing"
    assert len(managed(ad)) == 34  # the example has no lifecycle.exclude: blocked OlegF too


def test_an_approved_plan_is_applied_exactly_on_ad_and_refused_once_the_domain_moved_on(collect_workspace, fresh_ad):
    """Plan, approve, apply exactly on AD: the initial passwords are drawn at apply time and are in
    no plan, so the approved plan of a check is the run's; applied once, it is refused after."""
    ws = collect_workspace
    _point_at(ws, fresh_ad)
    assert ws.play("collect.yml").rc == 0
    check = ws.play("provision.yml", "-e", AD_VARS, check=True)
    assert check.rc == 0 and check.plan["approval"]["signature"], check
    assert managed(fresh_ad) == {}
    real = ws.play("provision.yml", "-e", AD_VARS, "-e", "jml_ldap_approved_plan=%s" % check.plan_file, "-vvvv")
    assert real.rc == 0, real
    assert real.plan["approval"]["applied_approved_plan"] is True
    assert real.plan["actions"] == check.plan["actions"] and real.plan["failures"] == []
    assert fresh_ad.admin_password not in real.output
    accounts = managed(fresh_ad)
    assert len(accounts) == 33
    usn = dict((k, int(a["uSNChanged"])) for k, (d, a) in accounts.items())
    again = ws.play("provision.yml", "-e", AD_VARS, "-e", "jml_ldap_approved_plan=%s" % check.plan_file)
    assert again.rc != 0 and again.plan["stopped"] == {"reason": "approval", "changed": ["directory"]}, again
    assert "nothing was written" in again.text
    assert dict((k, int(a["uSNChanged"])) for k, (d, a) in managed(fresh_ad).items()) == usn


def test_correlation_decisions_on_ad_link_ignore_never_link_and_an_invalid_one_writes_nothing(collect_workspace,
                                                                                              fresh_ad):
    import yaml
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    names = dict((pid, p["name"]["display"]) for pid, p in ws.vault_document()["persons"].items())
    legacy = "CN=%s,%s" % (names["AmirA"], PEOPLE)      # made before the collection: no employeeID
    service = "CN=svc-backup,%s" % PEOPLE                # an employeeID no vault person has: vanished
    conn = ad.connect()
    assert conn.add(legacy, ["top", "person", "organizationalPerson", "user"],
                    {"sAMAccountName": "aatkinson", "description": "made by hand in 2019"}), conn.result
    assert conn.add(service, ["top", "person", "organizationalPerson", "user"],
                    {"sAMAccountName": "svc-backup", "employeeID": "SVC-0001"}), conn.result
    assert conn.modify(service, {"userAccountControl": [("MODIFY_REPLACE", ["544"])]}), conn.result  # enabled
    conn.unbind()
    decisions = [
        # the DN as a person types it: another case, spaces after the commas
        {"decision": "link", "person": "AmirA", "account": legacy.lower().replace(",", ", "),
         "reason": "account from before the collection", "author": "alice", "ticket": "CHG-1001"},
        {"decision": "ignore", "account": service, "reason": "backup robot", "author": "bob"},
        {"decision": "never_link", "person": "ClaireS", "reason": "no domain account", "author": "bob"},
    ]
    path = ws.path / "ad-decisions.yml"

    def write(entries):
        path.write_text(yaml.safe_dump({"decisions": entries}, sort_keys=False))
    extra = _extra(ws, "decisions-vars", jml_ldap_decisions_file=str(path))

    # An invalid decision (an account outside the managed OU) fails in check mode, writing nothing.
    write(decisions + [{"decision": "ignore", "account": "CN=x,%s" % ELSEWHERE, "reason": "r", "author": "a"}])
    before = _read(ad, PEOPLE, "(objectClass=user)", ["uSNChanged"])
    bad = ws.play("provision.yml", "-e", AD_VARS, "-e", extra, check=True)
    assert bad.rc != 0 and "is not in the target's managed scope" in bad.text and "nothing was written" in bad.text, bad.text[-3000:]
    assert _read(ad, PEOPLE, "(objectClass=user)", ["uSNChanged"]) == before

    write(decisions)
    check = ws.play("provision.yml", "-e", AD_VARS, "-e", extra, check=True)
    assert check.rc == 0, check
    assert _read(ad, PEOPLE, "(objectClass=user)", ["uSNChanged"]) == before, "check mode wrote to AD"
    real = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert real.rc == 0, real
    assert real.plan["actions"] == check.plan["actions"] and real.plan["correlation"] == check.plan["correlation"]
    accounts = managed(ad)
    assert accounts["AmirA"][0] == legacy, "linked: updated in place, not duplicated"
    assert accounts["AmirA"][1]["sAMAccountName"] == "aatkinson"
    assert list(_read(ad, ad.base_dn, "(employeeID=AmirA)", ["1.1"])) == [legacy]
    assert accounts["SVC-0001"][1]["userAccountControl"] == "544", "ignored: not disabled as vanished"
    assert "ClaireS" not in accounts
    correlation = real.plan["correlation"]
    assert correlation["ignored"] == [service] and correlation["vanished"] == []
    assert [e["effect"] for e in correlation["decisions"]["entries"]] == ["linked", "ignored", "no account"]
    assert correlation["decisions"]["entries"][0]["account"] == legacy

    rerun = ws.play("provision.yml", "-e", AD_VARS, "-e", extra)
    assert rerun.rc == 0 and rerun.plan["changed"] is False, rerun
    effects = [e["effect"] for e in rerun.plan["correlation"]["decisions"]["entries"]]
    assert effects == ["redundant", "ignored", "no account"]


def test_the_ledger_keeps_a_deleted_leavers_upn_and_mail_on_ad_and_gives_them_back_on_rehire(
        collect_workspace, fresh_ad):
    """ACME's AC-1004 Jan Jansen leaves in 2022, is deleted, and is rehired; AC-1005, another Jan
    Jansen, joins in between. The login's quarantine is over (0 days) but the UPN, mail and proxy
    addresses stay reserved for ever (the default): the namesake gets jan.jansen2, the rehire
    jan.jansen again."""
    ws, ad = collect_workspace, fresh_ad
    _point_at(ws, ad)
    assert ws.play("collect.yml").rc == 0
    delete = {"pre_provision_days": 14, "delete_after_days": 180, "delete_accounts": True}
    attributes = ["employeeID", "sAMAccountName", "userPrincipalName", "mail", "proxyAddresses"]

    def on(date, check=False, **lifecycle):
        extra = _extra(ws, "ledger-" + date, jml_ldap_reference_date=date,
                       jml_ldap_ledger={"enabled": True, "quarantine_days": {"sAMAccountName": 0}},
                       jml_ldap_lifecycle=dict(delete, **lifecycle), jml_ldap_thresholds={"delete": {"count": 1}})
        run = ws.play("provision.yml", "-e", AD_VARS, "-e", extra, check=check)
        assert run.rc == 0, run
        return run

    def jan(pid):
        found = list(_read(ad, ad.base_dn, "(employeeID=%s)" % pid, attributes).values())
        return found[0] if found else None

    on("2022-01-01")
    assert jan("AC-1004")["userPrincipalName"] == ["jan.jansen@example.test"]
    deleted = on("2023-12-01")
    assert [a["action"] for a in deleted.plan["actions"] if a["person"] == "AC-1004"] == ["delete"]
    assert jan("AC-1004") is None
    assert deleted.plan["ledger"]["released"] == 3  # the login, the UPN and the address (mail = proxy)

    away = {"exclude": "person.id == 'AC-1004'"}
    check = on("2024-12-30", check=True, **away)
    assert jan("AC-1005") is None, "check mode wrote to AD"
    run = on("2024-12-30", **away)
    assert run.plan["actions"] == check.plan["actions"] and run.plan["ledger"] == check.plan["ledger"]
    namesake = jan("AC-1005")
    assert namesake["sAMAccountName"] == ["jan.jansen2"]
    assert namesake["userPrincipalName"] == namesake["mail"] == ["jan.jansen2@example.test"]
    assert namesake["proxyAddresses"] == ["SMTP:jan.jansen2@example.test"]

    rehire = on("2025-01-06")
    back = jan("AC-1004")
    assert back["sAMAccountName"] == ["jan.jansen"]
    assert back["userPrincipalName"] == back["mail"] == ["jan.jansen@example.test"]
    assert rehire.plan["ledger"]["restored"] == 3
    assert on("2025-01-06").plan["changed"] is False
