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
