"""The help line's phone callers: a worker finds the caller by identity code (in a POST body only) or by a misspelt
name, starts a call with a reason and the caller's spoken consent, sees what the caller sees, switches their sote
centre and reports a problem for them, and ends the call. The resident reads all of it on "who has seen my data".
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal.auth.services import HETU_CLAIM, CurrentUser
from portal.compare.units import today_in_helsinki
from portal.demo.listings import load_demo_listings
from portal.demo.personas import PERSONAS
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.flags.services import FlagDraft, new_request_key, submit_flag
from portal.models import AuditEvent, Choice, Flag, HelplineCall, Person, StaffRoleGrant, StaffUser
from tests.functional.conftest import login
from tests.wallet_data import make_wallet, person

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")
S_HAARAJOKI = channel_id(2019, "s-haarajoki")
AINO_CODE = PERSONAS["aino.virtanen"].claims[HETU_CLAIM]
HELMI_CODE = PERSONAS["helmi.nieminen"].claims[HETU_CLAIM]


def text(page) -> str:
    return " ".join(page.select_one("main").text.replace("\xa0", " ").split())


class Seen:
    """Every URL the worker's browser asked for or was sent to, to prove no identity code was ever in one."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def add(self, response, url: str) -> None:
        self.urls.append(url)
        if response.headers.get("Location"):
            self.urls.append(response.headers["Location"])


@pytest.fixture
def residents(catalogue):
    """Aino (sote centre for 14 months: she can switch; a dental voucher), Helmi (a budget) and Erik."""
    with catalogue.app_context():
        make_wallet(catalogue, today_in_helsinki())
        load_demo_listings(today_in_helsinki(), subjects=["aino.virtanen"])
        db.session.commit()
    return catalogue


@pytest.fixture
def worker(residents, client_request, login_as):
    """Liisa of the help line, logged in, English pages."""
    login_as("liisa.neuvoja")
    client_request.get("main.home", lang="en")
    client_request.seen = Seen()
    return client_request


def post(worker, url: str, data: dict):
    data = {"csrf_token": worker.csrf_token(), **data}
    response = worker.client.post(url, data=data)
    worker.seen.add(response, url)
    return response


def get(worker, url: str, status: int = 200):
    response = worker.client.get(url)
    worker.seen.add(response, url)
    assert response.status_code == status, response.data[:400]
    return BeautifulSoup(response.data, "html.parser")


def find(worker, **fields: str):
    return post(worker, worker.url("helpline.callers"), {"identity_code": "", "name": "", **fields})


def person_id(app, subject: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Person.id).filter_by(oidc_subject=subject))


def public_id(app, subject: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Person.public_id).filter_by(oidc_subject=subject))


def start(worker, subject: str = "aino.virtanen", reason: str = "Wants to switch her health centre", consent=True):
    prefix = f"c{public_id(worker.app, subject)}-"
    data = {f"{prefix}reason": reason}
    if consent:
        data[f"{prefix}consent"] = "y"
    return post(worker, worker.url("helpline.call_start", person_id=public_id(worker.app, subject)), data)


def started_call(worker, subject: str = "aino.virtanen") -> str:
    response = start(worker, subject)
    assert response.status_code == 303, response.data[:400]
    worker.seen.urls.append(response.headers["Location"])
    return urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]


def audit(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.filter_by(action=action)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(rows)


def assert_no_code_anywhere(app, seen: Seen, *codes: str) -> None:
    """Not in a URL the worker's browser saw, nor in any access-log row."""
    compact = [code.replace("-", "") for code in codes]
    for url in seen.urls:
        assert not any(code in url or c in url for code, c in zip(codes, compact, strict=True)), url
    for row in audit(app):
        stored = " ".join(filter(None, [row.detail, row.reason, row.basis]))
        assert not any(code in stored or c in stored for code, c in zip(codes, compact, strict=True)), stored


# --- finding the caller ------------------------------------------------------------------------------------------


def test_the_worker_finds_the_caller_by_identity_code_in_the_post_body(worker, residents):
    page = get(worker, worker.url("helpline.callers"))
    form = page.select_one("form[action$='/helpline/callers']")
    assert form["method"] == "post" and form.select_one("input[name=identity_code]")
    response = find(worker, identity_code=AINO_CODE)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    found = BeautifulSoup(body, "html.parser")
    assert "Aino Virtanen" in text(found)
    assert "150385-****" in text(found) and "1985" in text(found) and "Järvenpää" in text(found)
    assert AINO_CODE not in body  # not echoed back in the box, nor anywhere else
    assert found.select_one("input[name=identity_code]").get("value", "") == ""
    # Found is not shown: nothing of her listings or wallet yet.
    assert "Listings" not in text(found)
    (search,) = audit(residents, "helpline_caller_search")
    assert search.subject_person_id == person_id(residents, "aino.virtanen")
    assert json.loads(search.detail) == {"found": 1, "method": "code"}
    assert search.actor_kind == "staff" and search.basis == "role:helpline"
    assert_no_code_anywhere(residents, worker.seen, AINO_CODE)


def test_an_invalid_identity_code_is_refused_and_kept_in_the_box(worker, residents):
    typed = AINO_CODE[:-1] + ("A" if AINO_CODE[-1] != "A" else "B")  # a wrong check character
    response = find(worker, identity_code=typed)
    assert response.status_code == 400
    page = BeautifulSoup(response.data, "html.parser")
    assert "Check the identity code: it is not a valid personal identity code." in text(page)
    assert page.select_one("input[name=identity_code]")["value"] == typed
    assert audit(residents, "helpline_caller_search") == []
    empty = find(worker)
    assert empty.status_code == 400
    assert "Enter the caller's personal identity code or name." in empty.get_data(as_text=True)


def test_a_code_nobody_has_finds_nobody(worker, residents):
    from portal.demo.personas import temporary_hetu

    response = find(worker, identity_code=temporary_hetu("010101", "-", 999))
    assert response.status_code == 200
    assert "No resident with this identity code was found." in text(BeautifulSoup(response.data, "html.parser"))
    (search,) = audit(residents, "helpline_caller_search")
    assert search.subject_person_id is None and json.loads(search.detail) == {"found": 0, "method": "code"}


def test_a_misspelt_name_finds_the_caller(worker, residents):
    response = find(worker, name="Aino Virtanan")
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    names = [h.text for h in page.select("h3.card__title")]
    assert names[0] == "Aino Virtanen"
    assert "Helmi Nieminen" not in names
    assert "150385-****" in text(page)
    # Each person shown is one look, with them as its subject.
    shown = {row.subject_person_id for row in audit(residents, "helpline_caller_search")}
    assert shown == {person_id(residents, "aino.virtanen")}
    # Word order, case and a surname alone find her too.
    for typed in ("virtanen aino", "VIRTANEN"):
        again = BeautifulSoup(find(worker, name=typed).data, "html.parser")
        assert "Aino Virtanen" in [h.text for h in again.select("h3.card__title")]


# --- starting the call -------------------------------------------------------------------------------------------


def test_a_call_cannot_start_without_the_callers_consent(worker, residents):
    response = start(worker, consent=False)
    assert response.status_code == 400
    page = BeautifulSoup(response.data, "html.parser")
    assert "Ask the caller for their consent." in text(page)
    assert "Aino Virtanen" in text(page)
    with residents.app_context():
        assert db.session.scalar(select(HelplineCall.id)) is None
    assert audit(residents, "helpline_call_start") == []
    no_reason = start(worker, reason="")
    assert no_reason.status_code == 400
    assert "Enter why the caller called." in no_reason.get_data(as_text=True)


def test_the_call_page_shows_what_the_caller_sees_and_logs_each_look(worker, residents):
    call_id = started_call(worker)
    (started,) = audit(residents, "helpline_call_start")
    assert started.subject_person_id == person_id(residents, "aino.virtanen")
    assert started.reason == "Wants to switch her health centre"
    assert started.basis == f"call:{call_id}"
    assert json.loads(started.detail) == {"call": call_id}
    page = get(worker, worker.url("helpline.call", call_id=call_id))
    main = text(page)
    assert "Phone call with Aino Virtanen" in main
    assert "Listed with" in main and "Can switch now." in main  # her sote centre for 14 months
    assert "Dental prosthetics" in main  # her dental voucher
    assert "The caller has not reported any problems." in main
    assert page.select_one(f"a[href*='/helpline/calls/{call_id}/choose?kind=sote_centre']")
    get(worker, worker.url("helpline.call", call_id=call_id))
    looks = audit(residents, "helpline_call_view")
    assert len(looks) == 2
    assert all(row.subject_person_id == person_id(residents, "aino.virtanen") for row in looks)
    assert all(row.basis == f"call:{call_id}" for row in looks)


# --- the done-when: a switch of the sote centre, and the resident reads it all -------------------------------------


def test_the_worker_switches_the_callers_sote_centre_and_she_sees_it_all(worker, residents, app, caplog):
    caplog.set_level(logging.DEBUG)
    find(worker, identity_code=AINO_CODE)
    call_id = started_call(worker)
    get(worker, worker.url("helpline.call", call_id=call_id))
    choose = get(worker, worker.url("helpline.call_choose", call_id=call_id, kind="sote_centre", q="Haarajoki"))
    link = choose.select_one(f"a[href*='unit={S_HAARAJOKI}']")
    assert link is not None, text(choose)
    check = get(worker, link["href"])
    assert "Check the choice with the caller before you confirm it" in text(check)
    form = check.select_one("form[action$='/confirm']")
    fields = {field["name"]: field.get("value", "") for field in form.select("input")}
    response = post(worker, form["action"], fields)
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == worker.url("helpline.call", call_id=call_id)
    back = get(worker, response.headers["Location"])
    with residents.app_context():
        choice = db.session.scalar(select(Choice).filter_by(location_id=S_HAARAJOKI))
        worker_id = db.session.scalar(select(StaffUser.id).filter_by(oidc_subject="liisa.neuvoja"))
        assert choice.person_id == person_id(residents, "aino.virtanen")
        assert (choice.actor_kind, choice.actor_id) == ("staff", worker_id)
        reference = choice.reference
    assert f"Reference {reference}" in text(back)
    (chosen,) = audit(residents, "listing_chosen")
    assert chosen.actor_kind == "staff" and chosen.basis == f"call:{call_id}"
    assert chosen.subject_person_id == person_id(residents, "aino.virtanen")
    assert audit(residents, "helpline_call_choice") == []  # the listing service's own row says it all

    # A second confirmation of the same form (a double click) is the same choice.
    again = post(worker, form["action"], fields)
    assert again.status_code == 303
    with residents.app_context():
        assert len(db.session.scalars(select(Choice).filter_by(location_id=S_HAARAJOKI)).all()) == 1

    assert_no_code_anywhere(residents, worker.seen, AINO_CODE)
    assert AINO_CODE not in caplog.text and AINO_CODE.replace("-", "") not in caplog.text

    # Aino logs in and reads who has seen her data.
    aino = app.test_client()
    login(aino, "aino.virtanen")
    page = BeautifulSoup(aino.get("/my-data/access?lang=en").data, "html.parser")
    rows = [" ".join(row.text.split()) for row in page.select("#looks tbody tr")]
    joined = "\n".join(rows)
    assert "Liisa Neuvoja" in joined
    assert "Started helping you on the phone, with your consent" in joined
    assert "Reason: Wants to switch her health centre" in joined
    assert "Looked at your listings, vouchers, budget and reports during your phone call" in joined
    assert "Looked at your listings" in joined  # the check page
    assert "Made a choice of unit for you" in joined
    assert "Searched for a phone caller at the help line" in joined
    assert "You agreed to it on a phone call to the help line" in joined


def test_a_refused_choice_says_why_as_the_residents_page_does(worker, residents):
    call_id = started_call(worker)
    page = get(worker, worker.url("helpline.call_check", call_id=call_id, kind="sote_centre", unit=S_JARVENPAA))
    assert "The caller is already listed with" in text(page)
    assert page.select_one("form[action$='/confirm']") is None


# --- whose call, and the end of it -------------------------------------------------------------------------------


def test_another_worker_cannot_open_the_call(worker, residents, app):
    call_id = started_call(worker)
    with residents.app_context():
        db.session.add(StaffRoleGrant(subject="olli.jarjestaja", role="helpline"))
        db.session.commit()
    other = app.test_client()
    login(other, "olli.jarjestaja", "staff")
    for url in (
        worker.url("helpline.call", call_id=call_id),
        worker.url("helpline.call_choose", call_id=call_id, kind="sote_centre"),
        worker.url("helpline.call_flag", call_id=call_id),
    ):
        response = other.get(url + ("&" if "?" in url else "?") + "lang=en")
        assert response.status_code == 403, url
        assert "This call is not yours" in response.get_data(as_text=True)
        assert b"Aino" not in response.data and b"switch her" not in response.data
    denied = audit(residents, "access_denied")
    assert denied and all(json.loads(row.detail)["needed"] == "own_call" for row in denied)
    assert audit(residents, "helpline_call_view") == []
    assert other.get(worker.url("helpline.call", call_id="x" * 32)).status_code == 404


def test_an_ended_call_shows_nothing_of_the_caller(worker, residents):
    call_id = started_call(worker)
    call_page = worker.url("helpline.call", call_id=call_id)
    ended = post(worker, worker.url("helpline.call_end", call_id=call_id), {})
    assert ended.status_code == 303
    page = get(worker, call_page)
    assert "The call has ended" in text(page)
    body = str(page.select_one("main"))
    assert "Aino" not in body and "Virtanen" not in body and "150385" not in body and "switch her" not in body
    assert audit(residents, "helpline_call_view") == []
    (end,) = audit(residents, "helpline_call_end")
    assert end.subject_person_id == person_id(residents, "aino.virtanen") and end.basis == f"call:{call_id}"
    for url in (
        worker.url("helpline.call_choose", call_id=call_id, kind="sote_centre"),
        worker.url("helpline.call_check", call_id=call_id, kind="sote_centre", unit=S_HAARAJOKI),
        worker.url("helpline.call_flag", call_id=call_id),
    ):
        response = worker.client.get(url)
        assert response.status_code == 303 and urlsplit(response.headers["Location"]).path == call_page
    assert post(worker, worker.url("helpline.call_end", call_id=call_id), {}).status_code == 303
    assert len(audit(residents, "helpline_call_end")) == 1  # ended once
    with residents.app_context():
        assert db.session.scalar(select(HelplineCall.ended_at)) is not None


# --- a report of a problem for the caller ------------------------------------------------------------------------


def test_the_worker_reports_a_problem_for_the_caller(worker, residents, app):
    call_id = started_call(worker)
    page = get(worker, worker.url("helpline.call_flag", call_id=call_id))
    form = page.select_one("form[action$='/flag']")
    fields = {field["name"]: field.get("value", "") for field in form.select("input[type=hidden]")}
    missing_phone = post(
        worker,
        form["action"],
        {**fields, "category": "referral_lost", "description": "The referral was lost", "contact_method": "phone"},
    )
    assert missing_phone.status_code == 400
    assert "Enter the caller's phone number" in missing_phone.get_data(as_text=True)
    answers = {
        **fields,
        "category": "referral_lost",
        "providers": [S_JARVENPAA],
        "description": "The referral to the eye clinic was lost between the two centres.",
        "contact_method": "phone",
        "contact_phone": "040 123 4567",
        "language": "fi",
    }
    response = post(worker, form["action"], answers)
    assert response.status_code == 303
    assert post(worker, form["action"], answers).status_code == 303  # sent twice: one report
    aino_id = person_id(residents, "aino.virtanen")
    with residents.app_context():
        (flag,) = db.session.scalars(select(Flag)).all()
        assert (flag.person_id, flag.flagger_id) == (aino_id, aino_id)
        assert flag.basis == f"call:{call_id}"
        assert flag.contact_phone == "040 123 4567" and flag.language == "fi"
        assert [p.provider_id for p in flag.providers] == [S_JARVENPAA]
        reference = flag.reference
    assert f"Reference {reference}" in text(get(worker, response.headers["Location"]))
    (sent,) = audit(residents, "flag_sent")
    assert sent.actor_kind == "staff" and sent.subject_person_id == aino_id and sent.basis == f"call:{call_id}"
    # Aino follows it, and reads who sent it for her.
    aino = app.test_client()
    login(aino, "aino.virtanen")
    assert reference in aino.get("/flags/?lang=en").get_data(as_text=True)
    looks = aino.get("/my-data/access?lang=en").get_data(as_text=True)
    assert "Sent a report of a problem with your care for you" in looks


def test_submit_flag_takes_a_staff_flagger(residents):
    """The service itself: a worker's flag is the person's (flagger and replies), logged as the worker's act."""
    with residents.app_context():
        helmi = person("helmi.nieminen")
        staff = StaffUser(oidc_issuer="t", oidc_subject="t.worker", name="Worker")
        db.session.add(staff)
        db.session.commit()
        # A worker whose id is the person's own must still be logged as acting for someone else.
        worker = CurrentUser("staff", helmi.id, "Worker", roles=frozenset({"helpline"}))
        key = new_request_key()
        draft = FlagDraft(category="other", description="On the phone")
        flag = submit_flag(draft, person_id=helmi.id, flagger=worker, basis="call:x", language="sv", request_key=key)
        again = submit_flag(draft, person_id=helmi.id, flagger=worker, basis="call:x", language="sv", request_key=key)
        assert again.id == flag.id
        assert flag.flagger_id == helmi.id and flag.events[0].actor_kind == "resident"
        (row,) = db.session.scalars(select(AuditEvent).filter_by(action="flag_sent")).all()
        assert (row.actor_kind, row.subject_person_id, row.basis) == ("staff", helmi.id, "call:x")
