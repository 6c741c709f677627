"""The directory's newest-write stamp in a change mark (pure logic): which naming contexts vouch
for what a run reads, and when the stamp proves nothing was written since."""

import pytest

from ansible_collections.jml.provisioning.plugins.module_utils.targets.ldap import marks

CSN = "20261207082013.993630Z#000000#000#000000"
LATER = "20261207082014.016373Z#000000#000#000000"
SUB = "20261207082013.000001Z#000000#001#000000"


def stamps(**contexts):
    return {"kind": "contextCSN", "contexts": dict((k.replace("_", "="), v) for k, v in contexts.items())}


def test_the_context_holding_every_read_base_vouches():
    found = marks.server_stamp(stamps(dc_test=[CSN]), ["ou=people,dc=test", "cn=staff,ou=groups,dc=test"])
    assert found == {"kind": "contextCSN", "contexts": {"dc=test": [CSN]}}


def test_a_base_outside_every_stamped_context_gives_no_stamp():
    assert marks.server_stamp(stamps(dc_test=[CSN]), ["ou=people,dc=test", "cn=g,dc=other"]) is None


def test_a_context_without_contextcsn_gives_no_stamp():
    # slapd without syncprov: the suffix carries no contextCSN
    assert marks.server_stamp(stamps(dc_test=[]), ["ou=people,dc=test"]) is None


def test_an_advertised_subordinate_context_below_the_scope_must_vouch_too():
    two = {"kind": "contextCSN", "contexts": {"dc=test": [CSN], "ou=people,dc=test": [SUB]}}
    assert marks.server_stamp(two, ["dc=test"]) == two
    # the scope inside the subordinate: only the deepest context holding it
    inside = {"kind": "contextCSN", "contexts": {"ou=people,dc=test": [SUB]}}
    assert marks.server_stamp(two, ["uid=a,ou=people,dc=test"]) == inside
    unstamped = {"kind": "contextCSN", "contexts": {"dc=test": [CSN], "ou=people,dc=test": []}}
    assert marks.server_stamp(unstamped, ["dc=test"]) is None


def test_dns_match_contexts_whatever_their_spelling():
    assert marks.server_stamp(stamps(dc_test=[CSN]), ["OU=People, DC=Test"]) is not None


def test_no_stamps_no_bases():
    assert marks.server_stamp(None, ["dc=test"]) is None
    assert marks.server_stamp(stamps(dc_test=[CSN]), []) is None


def test_the_stamp_proves_nothing_was_written_only_when_every_context_is_the_same():
    mark = marks.server_stamp(stamps(dc_test=[CSN]), ["ou=people,dc=test"])
    assert marks.same_server_stamp(mark, stamps(dc_test=[CSN], dc_other=[LATER]))  # elsewhere: not ours
    assert not marks.same_server_stamp(mark, stamps(dc_test=[LATER]))
    assert not marks.same_server_stamp(mark, stamps(dc_test=[CSN, SUB]))  # a second provider wrote
    assert not marks.same_server_stamp(mark, stamps(dc_other=[CSN]))
    assert not marks.same_server_stamp(mark, None)
    assert not marks.same_server_stamp(None, stamps(dc_test=[CSN]))
    assert not marks.same_server_stamp({"kind": "contextCSN", "contexts": {}}, stamps(dc_test=[CSN]))


@pytest.mark.parametrize("change", [{"usn": "4712"}, {"invocation": "other"}, {"server": "cn=ntds settings,cn=dc2"}])
def test_an_ad_stamp_is_the_whole_controller_and_a_restore_changes_it(change):
    ad = {"kind": "highestCommittedUSN", "server": "cn=ntds settings,cn=dc1", "invocation": "abc", "usn": "4711"}
    mark = marks.server_stamp(ad, ["ou=people,dc=test", "cn=g,dc=elsewhere"])
    assert mark == ad
    assert marks.same_server_stamp(mark, dict(ad))
    assert not marks.same_server_stamp(mark, dict(ad, **change))
    assert not marks.same_server_stamp(mark, stamps(dc_test=[CSN]))


def test_the_reason_names_what_told():
    assert "dc=test" in marks.describe_server_stamp(stamps(dc_test=[CSN]))
    assert "contextCSN" in marks.describe_server_stamp(stamps(dc_test=[CSN]))
    assert "highestCommittedUSN" in marks.describe_server_stamp({"kind": "highestCommittedUSN"})


AD = {"kind": "highestCommittedUSN", "server": "CN=NTDS Settings,CN=DC1", "invocation": "abc", "usn": "4711"}


@pytest.mark.parametrize("now, says", [
    (dict(AD, server="CN=NTDS Settings,CN=DC2"), "another domain controller"),
    (dict(AD, invocation="def"), "invocationId changed"),
])
def test_ad_stamps_of_another_or_a_restored_controller_mean_nothing(now, says):
    assert says in marks.foreign_stamps(AD, now)


@pytest.mark.parametrize("previous, now", [
    (AD, dict(AD, usn="4800")),                          # the same controller wrote since: the reads decide
    (AD, dict(AD, server="cn=ntds settings,cn=dc1")),    # the same DN, spelt otherwise
    (AD, None),                                          # the stamp is unreadable now: nothing to compare
    (None, AD),                                          # the mark kept none
    (stamps(dc_test=[CSN]), stamps(dc_test=[LATER])),    # OpenLDAP: entryCSN compares across replicas
    (AD, stamps(dc_test=[CSN])),
])
def test_stamps_that_still_compare(previous, now):
    assert marks.foreign_stamps(previous, now) is None


OTHER_SERVER_LATER = "20261207090000.000000Z#000000#002#000000"
EARLIER = "20261207080000.000000Z#000000#000#000000"


@pytest.mark.parametrize("now", [
    stamps(dc_test=[EARLIER]),                       # the database went back: restored from a backup
    stamps(dc_test=[OTHER_SERVER_LATER]),            # the writing server's CSN is gone
    stamps(dc_test=[EARLIER, OTHER_SERVER_LATER]),   # another provider wrote since, but ours went back
])
def test_a_context_csn_older_than_the_marks_is_a_restored_database(now):
    assert "restored from a backup" in marks.foreign_stamps(stamps(dc_test=[CSN]), now)


@pytest.mark.parametrize("now", [
    stamps(dc_test=[CSN]),
    stamps(dc_test=[LATER, OTHER_SERVER_LATER]),     # a second provider joined
    stamps(dc_other=[EARLIER]),                      # the context is not advertised any more: not ours to judge
    stamps(dc_test=[]),                              # no contextCSN readable now (syncprov gone, an ACL)
])
def test_a_context_csn_that_grew_or_stayed_is_not_a_restore(now):
    assert marks.foreign_stamps(stamps(dc_test=[CSN]), now) is None


@pytest.mark.parametrize("present, newer, says", [
    ({"uid=a", "uid=b"}, {}, "uid=a carries an older change stamp"),           # restored: its stamp went back
    ({"uid=b"}, {}, "gone and nothing was written since"),                      # gone, nothing newer
    ({"uid=b"}, {"uid=c": LATER}, None),                                        # gone, but written since: a deletion
    ({"uid=a", "uid=b"}, {"uid=a": CSN}, None),                                 # still at the mark's stamp
])
def test_accounts_tell_a_directory_that_went_back(present, newer, says):
    found = marks.went_back(["uid=a"], present, newer)
    assert (found is None) if says is None else (says in found), found


def test_no_mark_stamp_no_verdict():
    assert marks.went_back([], set(), {}) is None
