"""The Suomi.fi-valtuudet client: its checksum header, and the whole HPA flow against the local fake over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from bs4 import BeautifulSoup
from pytest_httpserver import HTTPServer

from adapters.valtuudet import (
    HEADER,
    Principal,
    Session,
    ValtuudetClient,
    ValtuudetError,
    checksum_header,
    format_timestamp,
)
from adapters.valtuudet_fake import RunningFake, run_fake_in_thread
from portal.demo.personas import temporary_hetu

# DVV's published test values (palveluhallinta.suomi.fi, article 5a781dc75cb4f10dde9735e4), as public client
# test suites quote them.
DVV_CLIENT = "ed4b7ae7"
DVV_KEY = "3ba56df8-88b8-4805-9b04-2f8e7a61"
DVV_PATH = "/service/hpa/user/register/ed4b7ae7/080297-915A?requestId=02fd35dc-99e6-477b-b6e2-03f02cbf3666"

CLIENT_ID, API_KEY, OAUTH_SECRET = "valinta-test", "test-api-key-0123456789", "test-oauth-secret"
AGENT, MOTHER = temporary_hetu("110868", "-", 956), temporary_hetu("030442", "-", 948)
FATHER, NEIGHBOUR = temporary_hetu("250139", "-", 921), temporary_hetu("151251", "-", 933)
SOCIAL, HEALTH = "urn:valinta:theme:social-welfare", "urn:valinta:theme:health-care"
DELEGATIONS = {
    AGENT: [
        {"principal_code": MOTHER, "name": "Helmi Nieminen", "themes": [SOCIAL]},
        {"principal_code": FATHER, "name": "Veikko Nieminen", "themes": [SOCIAL, HEALTH]},
        {"principal_code": NEIGHBOUR, "name": "Naapuri Nieminen", "themes": []},
    ]
}
REDIRECT = "http://portal.test/acting/valtuudet/return"


def independent(api_key: str, path_with_query: str, timestamp: str) -> str:
    """The formula from the spec, written out here apart from the module's helper."""
    mac = hmac.new(api_key.encode("utf-8"), (path_with_query + " " + timestamp).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


# --- the checksum header ------------------------------------------------------------------------------------------


def test_checksum_header_known_answer_from_a_python_client_suite():
    # City-of-Helsinki's client writes the timestamp as Python's isoformat() does; its suite asserts this value.
    header = checksum_header(DVV_CLIENT, DVV_KEY, DVV_PATH, "2017-02-09T10:29:42.090000+00:00")
    assert header == "ed4b7ae7 2017-02-09T10:29:42.090000+00:00 GeRKoGmGd0RFk33s2vNHutJf/TrEdwSM2Vb7qWXLESY="


def test_checksum_header_known_answer_for_the_organisation_flow():
    # The YPA register path with DVV's own timestamp form; a Java client suite asserts this value.
    path = DVV_PATH.replace("/hpa/", "/ypa/")
    header = checksum_header(DVV_CLIENT, DVV_KEY, path, "2017-02-09T10:29:42.09Z")
    assert header == "ed4b7ae7 2017-02-09T10:29:42.09Z z1xDqaSjDwnVniJvis0SqMXeQEBtgBgzozhQqftmY9U="


def test_checksum_header_known_answer_dvvs_vector():
    # DVV's own form of the timestamp; two Java client suites (OPH) assert this value for it.
    header = checksum_header(DVV_CLIENT, DVV_KEY, DVV_PATH, "2017-02-09T10:29:42.09Z")
    assert header == "ed4b7ae7 2017-02-09T10:29:42.09Z z7X+xWtrvth1L7Ql6B/4xZ0iQ1VjToWX4TnHVLo8RGo="


def test_checksum_header_for_dvvs_vector_matches_the_formula():
    timestamp = "2017-02-09T10:29:42.09Z"
    header = checksum_header(DVV_CLIENT, DVV_KEY, DVV_PATH, timestamp)
    client, stamp, digest = header.split(" ")
    assert (client, stamp) == (DVV_CLIENT, timestamp)
    assert digest == independent(DVV_KEY, DVV_PATH, timestamp)
    assert len(base64.b64decode(digest)) == 32  # a SHA-256 MAC


def test_checksum_header_takes_an_aware_datetime_as_utc_with_milliseconds_and_z():
    moment = datetime(2017, 2, 9, 10, 29, 42, 90000, tzinfo=UTC)
    helsinki = moment.astimezone(ZoneInfo("Europe/Helsinki"))  # 12:29:42.09 local time
    assert format_timestamp(helsinki) == "2017-02-09T10:29:42.090Z"
    header = checksum_header(DVV_CLIENT, DVV_KEY, DVV_PATH, helsinki)
    assert header == checksum_header(DVV_CLIENT, DVV_KEY, DVV_PATH, "2017-02-09T10:29:42.090Z")
    with pytest.raises(ValueError, match="timezone"):
        format_timestamp(datetime(2017, 2, 9, 10, 29, 42))


@pytest.mark.parametrize(
    "change",
    [
        {"api_key": DVV_KEY + "x"},
        {"path_with_query": DVV_PATH.replace("915A", "915B")},
        {"timestamp": "2017-02-09T10:29:42.10Z"},
    ],
)
def test_checksum_changes_with_the_key_the_path_and_the_time(change: dict[str, str]):
    base = {
        "client_id": DVV_CLIENT,
        "api_key": DVV_KEY,
        "path_with_query": DVV_PATH,
        "timestamp": "2017-02-09T10:29:42.09Z",
    }
    original = checksum_header(**base).split(" ")[2]
    assert checksum_header(**{**base, **change}).split(" ")[2] != original


# --- the client against the fake ------------------------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[RunningFake]:
    with run_fake_in_thread(DELEGATIONS, client_id=CLIENT_ID, api_key=API_KEY, oauth_secret=OAUTH_SECRET) as running:
        yield running


@pytest.fixture
def client(fake: RunningFake) -> Iterator[ValtuudetClient]:
    with ValtuudetClient(fake.url, CLIENT_ID, API_KEY, OAUTH_SECRET, timeout=5) as valtuudet:
        yield valtuudet


def pick(authorize_url: str, name: str | None) -> dict[str, list[str]]:
    """What the agent does on the service's page: press the button with `name` (None: cancel). Returns the query
    the browser brings back to the portal."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text[:300]
    form = BeautifulSoup(page.text, "html.parser").select_one("form")
    assert form is not None
    data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    if name is None:
        data["action"] = "cancel"
    else:
        button = next(b for b in form.select("button[name=principal]") if b.text.strip() == name)
        data["principal"] = button["value"]
    parts = urlsplit(authorize_url)
    answer = requests.post(
        f"{parts.scheme}://{parts.netloc}{form['action']}", data=data, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302, answer.text[:300]
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT)
    return parse_qs(urlsplit(location).query)


def test_the_whole_flow(client: ValtuudetClient, fake: RunningFake):
    session = client.register(AGENT, request_id="f6f1b5c2-0000-4000-8000-000000000001")
    assert isinstance(session, Session) and session.session_id and session.user_id

    url = client.authorize_url(session.user_id, REDIRECT, "sv", "state-123")
    query = parse_qs(urlsplit(url).query)
    assert query == {
        "client_id": [CLIENT_ID],
        "response_type": ["code"],
        "redirect_uri": [REDIRECT],
        "user": [session.user_id],
        "lang": ["sv"],
        "state": ["state-123"],
    }
    page = requests.get(url, timeout=5).text
    assert "Helmi Nieminen" in page and "Veikko Nieminen" in page and 'lang="sv"' in page
    assert MOTHER not in page  # the page names people, it does not print identity codes

    back = pick(url, "Veikko Nieminen")
    assert back["state"] == ["state-123"]
    token = client.exchange_code(back["code"][0], REDIRECT)
    assert token

    assert client.delegates(session.session_id, token) == [Principal("Veikko Nieminen", FATHER)]
    assert client.authorized(session.session_id, token, FATHER, SOCIAL) is True
    assert client.authorized(session.session_id, token, FATHER, HEALTH) is True
    assert client.authorized(session.session_id, token, FATHER, "urn:valinta:theme:other") is False
    # Someone the agent did not pick in this session, even with a mandate, is DISALLOWED.
    assert client.authorized(session.session_id, token, MOTHER, SOCIAL) is False

    client.unregister(session.session_id)
    assert fake.fake.unregistered == [session.session_id]
    assert fake.fake.open_sessions == 0


def test_a_principal_with_one_theme_is_allowed_only_that_one(client: ValtuudetClient):
    session = client.register(AGENT)
    back = pick(client.authorize_url(session.user_id, REDIRECT, "fi", "s"), "Helmi Nieminen")
    token = client.exchange_code(back["code"][0], REDIRECT)
    assert client.authorized(session.session_id, token, MOTHER, SOCIAL) is True
    assert client.authorized(session.session_id, token, MOTHER, HEALTH) is False


def test_a_principal_with_no_theme_is_disallowed(client: ValtuudetClient):
    session = client.register(AGENT)
    back = pick(client.authorize_url(session.user_id, REDIRECT, "fi", "s"), "Naapuri Nieminen")
    token = client.exchange_code(back["code"][0], REDIRECT)
    assert [p.name for p in client.delegates(session.session_id, token)] == ["Naapuri Nieminen"]
    assert client.authorized(session.session_id, token, NEIGHBOUR, SOCIAL) is False
    assert client.authorized(session.session_id, token, NEIGHBOUR, HEALTH) is False


def test_cancelling_brings_back_an_error_and_the_state(client: ValtuudetClient):
    session = client.register(AGENT)
    back = pick(client.authorize_url(session.user_id, REDIRECT, "en", "s-9"), None)
    assert back == {"error": ["access_denied"], "state": ["s-9"]}


def test_a_code_is_good_once_and_only_with_its_redirect_uri(client: ValtuudetClient):
    session = client.register(AGENT)
    code = pick(client.authorize_url(session.user_id, REDIRECT, "fi", "s"), "Helmi Nieminen")["code"][0]
    with pytest.raises(ValtuudetError, match="token: the mandate service answered HTTP 400"):
        client.exchange_code(code, REDIRECT + "?other")
    code = pick(client.authorize_url(session.user_id, REDIRECT, "fi", "s"), "Helmi Nieminen")["code"][0]
    client.exchange_code(code, REDIRECT)
    with pytest.raises(ValtuudetError, match="HTTP 400"):
        client.exchange_code(code, REDIRECT)


def test_a_wrong_api_key_is_refused_with_a_clear_error(fake: RunningFake):
    with (
        ValtuudetClient(fake.url, CLIENT_ID, "not-the-key", OAUTH_SECRET, timeout=5) as wrong,
        pytest.raises(ValtuudetError) as caught,
    ):
        wrong.register(AGENT)
    assert caught.value.status == 401
    assert str(caught.value) == "register: the mandate service refused the portal's credentials (HTTP 401)"
    assert fake.fake.refused == 1 and fake.fake.open_sessions == 0


def test_the_fake_refuses_a_missing_a_tampered_and_a_stale_checksum(fake: RunningFake):
    path = f"/service/hpa/user/register/{CLIENT_ID}/{AGENT}?requestId=r1"
    now = datetime.now(UTC)
    good = checksum_header(CLIENT_ID, API_KEY, path, now)
    assert requests.get(fake.url + path, headers={HEADER: good}, timeout=5).status_code == 200
    client_id, stamp, _ = good.split(" ")
    for header in (
        None,
        f"{client_id} {stamp} {independent(API_KEY, path + '&x=1', stamp)}",  # another request's MAC
        checksum_header(CLIENT_ID, API_KEY, path.replace("r1", "r2"), now),  # signed for another query
        checksum_header("someone-else", API_KEY, path, now),
        checksum_header(CLIENT_ID, API_KEY, path, now - timedelta(minutes=10)),  # an old captured header
    ):
        headers = {HEADER: header} if header else {}
        assert requests.get(fake.url + path, headers=headers, timeout=5).status_code == 401


def test_a_wrong_oauth_secret_or_token_is_refused(client: ValtuudetClient, fake: RunningFake):
    session = client.register(AGENT)
    code = pick(client.authorize_url(session.user_id, REDIRECT, "fi", "s"), "Helmi Nieminen")["code"][0]
    with (
        ValtuudetClient(fake.url, CLIENT_ID, API_KEY, "wrong-secret", timeout=5) as wrong,
        pytest.raises(ValtuudetError, match=r"token: .*credentials \(HTTP 401\)"),
    ):
        wrong.exchange_code(code, REDIRECT)
    with pytest.raises(ValtuudetError, match=r"delegate: .*HTTP 401"):
        client.delegates(session.session_id, "not-the-token")


def test_a_service_that_never_answers_times_out_with_a_clear_error():
    with socket.socket() as listener:  # accepts the connection, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with (
            ValtuudetClient(url, CLIENT_ID, API_KEY, OAUTH_SECRET, timeout=0.3) as slow,
            pytest.raises(ValtuudetError) as caught,
        ):
            slow.register(AGENT)
    message = str(caught.value)
    assert message == "register: the mandate service did not answer within 0.3 s"
    assert caught.value.__context__ is None and caught.value.__cause__ is None  # no URL rides along


def test_a_service_that_is_down_is_a_clear_error():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        ValtuudetClient(f"http://127.0.0.1:{port}", CLIENT_ID, API_KEY, OAUTH_SECRET, timeout=1) as down,
        pytest.raises(ValtuudetError, match="register: the mandate service could not be reached"),
    ):
        down.register(AGENT)


@pytest.mark.parametrize("body", ['{"result": "allowed"}', '{"result": ["ALLOWED"]}', "ALLOWED", "[]", ""])
def test_an_authorization_answer_that_is_not_exactly_allowed_is_disallowed(httpserver: HTTPServer, body: str):
    httpserver.expect_request("/service/hpa/api/authorization/s1/" + MOTHER).respond_with_data(body)
    with ValtuudetClient(httpserver.url_for("/"), CLIENT_ID, API_KEY, OAUTH_SECRET, timeout=5) as odd:
        assert odd.authorized("s1", "t", MOTHER, SOCIAL) is False


@pytest.mark.parametrize("body", ['{"result": "ALLOWED"}', '[{"name": "X"}]', "[1]", "not json"])
def test_a_delegate_answer_without_persons_is_an_error(httpserver: HTTPServer, body: str):
    httpserver.expect_request("/service/hpa/api/delegate/s1").respond_with_data(body)
    with (
        ValtuudetClient(httpserver.url_for("/"), CLIENT_ID, API_KEY, OAUTH_SECRET, timeout=5) as odd,
        pytest.raises(ValtuudetError, match="^delegate: "),
    ):
        odd.delegates("s1", "t")


@pytest.mark.parametrize(("status", "words"), [(500, "answered HTTP 500"), (302, "answered HTTP 302")])
def test_other_statuses_are_errors_naming_the_operation(httpserver: HTTPServer, status: int, words: str):
    httpserver.expect_request("/service/hpa/api/authorization/s1/" + MOTHER).respond_with_data("", status=status)
    with (
        ValtuudetClient(httpserver.url_for("/"), CLIENT_ID, API_KEY, OAUTH_SECRET, timeout=5) as odd,
        pytest.raises(ValtuudetError, match=f"^authorization: the mandate service {words}$"),
    ):
        odd.authorized("s1", "t", MOTHER, SOCIAL)


def test_no_identity_code_token_or_key_reaches_errors_or_logs(fake: RunningFake, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    with ValtuudetClient(fake.url, CLIENT_ID, API_KEY, OAUTH_SECRET, timeout=5) as valtuudet:
        session = valtuudet.register(AGENT)
        code = pick(valtuudet.authorize_url(session.user_id, REDIRECT, "fi", "s"), "Helmi Nieminen")["code"][0]
        token = valtuudet.exchange_code(code, REDIRECT)
        principals = valtuudet.delegates(session.session_id, token)
        valtuudet.authorized(session.session_id, token, MOTHER, SOCIAL)
        valtuudet.unregister(session.session_id)
        with pytest.raises(ValtuudetError) as caught:
            valtuudet.delegates(session.session_id, token)  # the session is gone
    text = caplog.text + str(caught.value) + repr(principals) + repr(valtuudet)
    assert "/service/hpa/" in caplog.text  # urllib3 did log the requests, with their paths cut off
    for secret in (AGENT, MOTHER, token, API_KEY, OAUTH_SECRET):
        assert secret not in text


def test_the_client_refuses_a_bad_configuration():
    with pytest.raises(ValueError, match="http"):
        ValtuudetClient("ftp://x", CLIENT_ID, API_KEY, OAUTH_SECRET)
    with pytest.raises(ValueError, match="client id"):
        ValtuudetClient("https://x.test", CLIENT_ID, "", OAUTH_SECRET)
    with pytest.raises(ValueError, match="timeout"):
        ValtuudetClient("https://x.test", CLIENT_ID, API_KEY, OAUTH_SECRET, timeout=0)
