"""The HTTP source reader against a real local HR API (tests/support/hr_api.py): every pagination
style, auth, retries, timeouts, malformed pages, loops and TLS; all or nothing, no secret in messages."""

from __future__ import annotations

import time

import pytest

from hr_api import LEGACY_PATH, PATH, running_hr_api  # tests/support, on sys.path via conftest

# tests/conftest.py makes the collection importable.
from ansible_collections.jml.provisioning.plugins.module_utils.sources.http_api import read_http
from ansible_collections.jml.provisioning.plugins.module_utils.sources.rows import SourceError

TOKEN = "s3cr3t-token-4711"
PERSONS = [
    {"id": str(n), "name": {"given": "Given%d" % n, "family": "Family%d" % n},
     "contracts": [{"start": "2024-01-0%d" % n, "department": {"code": "D%d" % n}}]}
    for n in range(1, 6)
]
PAGINATION = {
    "next_link": {"style": "next_link"},
    "link_header": {"style": "next_link"},
    "cursor": {"style": "cursor"},
    "page": {"style": "page", "size": 2},
    "offset": {"style": "offset", "size": 2},
}


class Sleeps(list):
    """A fast stand-in for time.sleep that records the delays asked for."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


def read(api, style="next_link", sleep=None, **kwargs):
    kwargs.setdefault("records", "data")
    return read_http(api.url, pagination=PAGINATION[style], sleep=Sleeps() if sleep is None else sleep, **kwargs)


def origins(count_per_page, total):
    pages = [list(range(1, count_per_page + 1))] * (total // count_per_page)
    if total % count_per_page:
        pages.append(list(range(1, total % count_per_page + 1)))
    return ["page %d record %d" % (page, record) for page, records in enumerate(pages, 1) for record in records]


@pytest.mark.parametrize("style", sorted(PAGINATION))
def test_each_style_reads_every_record_in_order_with_page_and_record(style):
    with running_hr_api(PERSONS, style=style, page_size=2) as api:
        rows = read(api, style)
    assert rows.name == api.url
    assert rows.columns is None
    assert [record for dummy, record, dummy2 in rows.rows] == PERSONS  # nested contracts kept as they are
    assert [origin for origin, dummy, dummy2 in rows.rows] == origins(2, 5)
    assert all(problem is None for dummy, dummy2, problem in rows.rows)
    assert len(api.requests) == 3


@pytest.mark.parametrize("style", ["page", "offset"])
def test_page_and_offset_stop_at_an_empty_page_after_full_ones(style):
    with running_hr_api(PERSONS[:4], style=style, page_size=2) as api:
        rows = read(api, style)
    assert len(rows.rows) == 4
    assert len(api.requests) == 3  # two full pages, then an empty one
    assert api.requests[0] == ("GET", PATH + ("?page=1&per_page=2" if style == "page" else "?offset=0&limit=2"))


def test_an_empty_source_has_no_rows():
    with running_hr_api([], style="next_link") as api:
        assert read(api).rows == []


def test_a_record_that_is_not_an_object_is_kept_as_a_problem_with_its_origin():
    with running_hr_api([PERSONS[0], "oops", PERSONS[1]], style="cursor", page_size=2) as api:
        rows = read(api, "cursor")
    assert rows.rows == [("page 1 record 1", PERSONS[0], None), ("page 1 record 2", None, "is not an object"),
                         ("page 2 record 1", PERSONS[1], None)]


def test_a_wrong_records_path_names_the_page_and_the_path():
    with running_hr_api(PERSONS, style="next_link") as api:
        with pytest.raises(SourceError) as info:
            read(api, records="employees")
    assert str(info.value) == "%s page 1: records path employees: no key 'employees' in the body" % api.url


def test_bearer_auth():
    with running_hr_api(PERSONS, auth={"type": "bearer", "token": TOKEN}) as api:
        assert len(read(api, auth={"type": "bearer", "token": TOKEN}).rows) == 5


def test_basic_auth():
    auth = {"type": "basic", "username": "hr-reader", "password": "pa:ss word"}
    with running_hr_api(PERSONS, style="page", auth=auth) as api:
        assert len(read(api, "page", auth=dict(auth, token=None)).rows) == 5


def test_basic_auth_from_the_url_never_shows_in_the_name():
    auth = {"type": "basic", "username": "hr-reader", "password": "pw"}
    with running_hr_api(PERSONS, auth=auth) as api:
        url = api.url.replace("http://", "http://hr-reader:pw@")
        rows = read_http(url, records="data", pagination={"style": "next_link"}, sleep=Sleeps())
    assert rows.name == api.url
    assert len(rows.rows) == 5


def test_a_wrong_token_fails_at_once_without_showing_the_token(sleeps):
    with running_hr_api(PERSONS, auth={"type": "bearer", "token": TOKEN}) as api:
        with pytest.raises(SourceError) as info:
            read(api, auth={"type": "bearer", "token": "wrong-" + TOKEN}, sleep=sleeps)
    message = str(info.value)
    assert message == "%s page 1: authentication failed (HTTP 401); check the source's credentials" % api.url
    assert TOKEN not in repr(info.value) and info.value.__suppress_context__  # no chained HTTPError
    assert sleeps == [] and len(api.requests) == 1


def test_no_credentials_at_all_says_so():
    with running_hr_api(PERSONS, auth={"type": "bearer", "token": TOKEN}) as api:
        with pytest.raises(SourceError, match=r"page 1: authentication failed \(HTTP 401\); the source has no auth"):
            read(api)


def test_secret_query_parameters_never_show_in_messages(sleeps):
    with running_hr_api(PERSONS, faults={1: "500"}) as api:
        with pytest.raises(SourceError) as info:
            read_http(api.url + "?api_key=k3y-4711&Token=t0k-4711&dept=D1", records="data", retries=0, sleep=sleeps)
    assert str(info.value).startswith("%s page 1: HTTP 500" % api.url)
    assert "4711" not in str(info.value)


def test_a_page_failing_after_the_retries_fails_the_whole_read(sleeps):
    with running_hr_api(PERSONS, style="page", faults={3: "500"}) as api:
        with pytest.raises(SourceError) as info:
            read(api, "page", retries=2, backoff=0.5, sleep=sleeps)
    assert str(info.value) == "%s page 3: HTTP 500 Internal Server Error (gave up after 3 attempts)" % api.url
    assert sleeps == [0.5, 1.0]
    assert [path for dummy, path in api.requests].count(PATH + "?page=3&per_page=2") == 3


@pytest.mark.parametrize("fault, slept", [("500-once", [0.25]), ("429-once", [1.0])])
def test_a_passing_failure_is_retried_with_backoff_or_retry_after(sleeps, fault, slept):
    with running_hr_api(PERSONS, style="offset", faults={2: fault}) as api:
        rows = read(api, "offset", backoff=0.25, sleep=sleeps)
    assert [record for dummy, record, dummy2 in rows.rows] == PERSONS
    assert sleeps == slept
    assert len(api.requests) == 4


def test_a_page_slower_than_the_timeout_times_out(sleeps):
    with running_hr_api(PERSONS, faults={2: "slow:1.5"}) as api:
        started = time.monotonic()
        with pytest.raises(SourceError) as info:
            read(api, timeout=0.3, retries=1, backoff=0.1, sleep=sleeps)
    assert str(info.value) == "%s page 2: timed out after 0.3 s (gave up after 2 attempts)" % api.url
    assert sleeps == [0.1]
    assert time.monotonic() - started < 1.4


def test_malformed_json_names_the_page_and_not_the_body():
    with running_hr_api(PERSONS, style="cursor", faults={2: "malformed"}) as api:
        with pytest.raises(SourceError) as info:
            read(api, "cursor")
    message = str(info.value)
    assert message.startswith("%s page 2: malformed JSON: " % api.url)
    assert "line 1 column" in message and '"id"' not in message


@pytest.mark.parametrize("style, page", [("next_link", 3), ("link_header", 3), ("cursor", 3), ("page", 2), ("offset", 2)])
def test_a_looping_api_is_stopped(style, page):
    with running_hr_api(PERSONS, style=style, faults={page: "loop"}) as api:
        with pytest.raises(SourceError) as info:
            read(api, style)
    assert str(info.value).startswith("%s page %d: " % (api.url, page))
    assert "loop" in str(info.value) or "same records as page 1" in str(info.value)


def test_max_pages_stops_a_read_that_goes_on_and_on():
    with running_hr_api(PERSONS, style="page") as api:
        with pytest.raises(SourceError, match=r"page 3: more than 2 pages"):
            read(api, "page", max_pages=2)


@pytest.mark.parametrize("style", ["next_link", "cursor", "link_header"])
def test_a_page_that_repeats_the_previous_pages_records_under_a_new_link_is_stopped(style):
    with running_hr_api(PERSONS, style=style, faults={3: "repeat"}) as api:
        with pytest.raises(SourceError, match=r"page 3: the same records as page 2"):
            read(api, style)


def test_a_source_slower_than_its_time_budget_is_stopped():
    with running_hr_api(PERSONS, style="page", faults={2: "slow:0.6"}) as api:
        started = time.monotonic()
        with pytest.raises(SourceError, match=r"page 3: the source took more than its time_budget of 0.5 s"):
            read(api, "page", time_budget=0.5)
        assert time.monotonic() - started < 5


def test_a_same_server_redirect_keeps_the_credentials():
    with running_hr_api(PERSONS, auth={"type": "bearer", "token": TOKEN}) as api:
        url = api.url.replace(PATH, LEGACY_PATH)
        rows = read_http(url, records="data", pagination={"style": "next_link"}, auth={"type": "bearer", "token": TOKEN})
    assert len(rows.rows) == 5
    assert [path for dummy, path in api.requests][:2] == [LEGACY_PATH, PATH]


def test_a_next_link_to_another_server_gets_no_credentials():
    # The Link header names 127.0.0.1; read through "localhost", that is another server.
    with running_hr_api(PERSONS, style="link_header") as api:
        url = api.url.replace("127.0.0.1", "localhost")
        with pytest.raises(SourceError) as info:
            read_http(url, records="data", pagination={"style": "next_link"}, headers={"X-Api-Key": TOKEN})
        assert len(read_http(url, records="data", pagination={"style": "next_link"}).rows) == 5
    assert str(info.value) == ("%s page 1: the Link header's next leads to another server (%s); not sending the source's "
                               "credentials there" % (url, api.url.split("/")[2]))


def test_unknown_pagination_styles_and_options_are_refused():
    with pytest.raises(ValueError, match="pagination style 'pages'"):
        read_http("http://127.0.0.1:9/x", pagination={"style": "pages"})
    with pytest.raises(ValueError, match="unknown pagination option 'page_size'"):
        read_http("http://127.0.0.1:9/x", pagination={"style": "page", "page_size": 10})
    with pytest.raises(ValueError, match="'cursor_path' does not apply to style page"):
        read_http("http://127.0.0.1:9/x", pagination={"style": "page", "cursor_path": "next"})


@pytest.fixture(scope="module")
def tls_api():
    with running_hr_api(PERSONS, style="page", tls=True) as api:
        yield api


def test_tls_validates_with_the_generated_ca(tls_api):
    assert tls_api.url.startswith("https://127.0.0.1:")
    assert len(read(tls_api, "page", ca_file=tls_api.ca_file).rows) == 5


def test_tls_without_the_ca_fails_with_a_certificate_error(tls_api, sleeps):
    with pytest.raises(SourceError) as info:
        read(tls_api, "page", sleep=sleeps)
    assert str(info.value).startswith("%s page 1: certificate verification failed: " % tls_api.url)
    assert "ca_file" in str(info.value)
    assert sleeps == []  # not a passing failure: no retry


def test_tls_without_validation(tls_api):
    assert len(read(tls_api, "page", validate_certs=False).rows) == 5


def test_nan_and_infinity_in_a_page_are_read_as_empty():
    # Not JSON numbers (RFC 8259), but Python's json writes them and reads them back.
    persons = [dict(PERSONS[0], fte=float("nan"), custom={"hours": [float("inf"), -float("inf"), 1.5]})]
    with running_hr_api(persons, style="cursor") as api:
        rows = read(api, "cursor")
    assert rows.rows[0][1]["fte"] is None
    assert rows.rows[0][1]["custom"] == {"hours": [None, None, 1.5]}
