"""Phone callers: the help-line worker finds the caller, records the reason and the caller's spoken consent, and then
acts for them through the same services the resident uses.

The identity code the worker types is validated and hashed (`portal.mandates.services.person_by_code`), never stored,
logged or put in a URL. A name is matched typo-tolerantly over every resident's given and family name. Whatever the
worker sees of someone is in the access log with that person as its subject: the people a search shows (name, year
of birth, home municipality), the call's start with its reason, each look during the call, and its end. Inside a
call every row has the call as its basis (`call:<public id>`), so the resident reads that they agreed to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select

from portal.auth.services import CurrentUser, record_event
from portal.choice.presenting import municipality_name
from portal.compare.index import current_index
from portal.compare.names import content_language_of
from portal.compare.places import home_place
from portal.compare.search import SearchQuery, search
from portal.compare.services import ResultRow, SearchPage, closed_by_capacity, result_rows
from portal.compare.text import fold
from portal.extensions import db
from portal.mandates.services import person_by_code
from portal.models import HelplineCall, Person
from portal.models._types import utcnow

NAME_RESULTS = 10  # candidates shown for a name
NAME_SCORE_CUTOFF = 80  # token-set similarity (0-100): "Aino Virtanan" meets "Aino Virtanen" at 92
UNIT_RESULTS = 20
REASON_MAX = 200  # the column's length (HelplineCall.reason)
OPEN_CALLS_SHOWN = 20


@dataclass(frozen=True)
class Candidate:
    """A person a search found, as the worker sees them before the call starts: never more than this."""

    public_id: str
    name: str
    hetu_masked: str
    birth_year: int
    municipality: str | None


def basis(call: HelplineCall) -> str:
    """The access log's basis of everything done during the call: the caller's consent on it."""
    return f"call:{call.public_id}"


# --- finding the caller ------------------------------------------------------------------------------------------


def find_by_code(code: str, worker: CurrentUser, language: str) -> list[Candidate]:
    """The resident with this identity code (one, or none). The look is logged with the person as its subject; the
    code itself goes nowhere."""
    person = person_by_code(code)
    record_event(
        "helpline_caller_search",
        actor=worker,
        subject_person_id=person.id if person is not None else None,
        commit=False,
        method="code",
        found=int(person is not None),
    )
    db.session.commit()
    return [candidate(person, language)] if person is not None else []


def find_by_name(text: str, worker: CurrentUser, language: str) -> list[Candidate]:
    """Up to NAME_RESULTS residents whose given and family names are like `text` (typos, word order, case and
    diacritics do not matter), best first. Each person shown is one row in the access log, as their subject."""
    wanted = fold(" ".join(text.split()))
    rows = db.session.execute(select(Person.id, Person.given_name, Person.family_name)).all()
    names = {row.id: fold(f"{row.given_name} {row.family_name}") for row in rows}
    found = process.extract(
        wanted, names, scorer=fuzz.token_set_ratio, processor=None, limit=NAME_RESULTS, score_cutoff=NAME_SCORE_CUTOFF
    )
    order = {person_id: score for _, score, person_id in found}
    people = db.session.scalars(select(Person).where(Person.id.in_(list(order) or [0]))).all()
    people = sorted(people, key=lambda p: (-order[p.id], fold(p.family_name), fold(p.given_name), p.id))
    for person in people:
        record_event("helpline_caller_search", actor=worker, subject_person_id=person.id, commit=False, method="name")
    if not people:
        record_event("helpline_caller_search", actor=worker, commit=False, method="name", found=0)
    db.session.commit()
    return [candidate(person, language) for person in people]


def candidate(person: Person, language: str) -> Candidate:
    return Candidate(
        public_id=person.public_id,
        name=person.display_name,
        hetu_masked=person.hetu_masked,
        birth_year=person.birth_date.year,
        municipality=municipality_name(person.home_municipality_code, language),
    )


def person_by_public_id(public_id: str) -> Person | None:
    return db.session.scalar(select(Person).filter_by(public_id=public_id))


# --- the call ----------------------------------------------------------------------------------------------------


def start_call(person: Person, reason: str, worker: CurrentUser) -> HelplineCall:
    """The caller agreed on the phone: the call, and its start in the access log with the reason, in one commit."""
    call = HelplineCall(staff_id=int(worker.id), person_id=person.id, reason=reason.strip(), consent=True)
    db.session.add(call)
    db.session.flush()
    record_event(
        "helpline_call_start",
        actor=worker,
        subject_person_id=person.id,
        basis=basis(call),
        reason=call.reason,
        commit=False,
        call=call.public_id,
    )
    db.session.commit()
    return call


def find_call(public_id: str) -> HelplineCall | None:
    return db.session.scalar(select(HelplineCall).filter_by(public_id=public_id))


def open_calls(worker: CurrentUser, limit: int = OPEN_CALLS_SHOWN) -> list[HelplineCall]:
    """The worker's own calls not yet ended, newest first."""
    query = (
        select(HelplineCall)
        .filter_by(staff_id=int(worker.id), ended_at=None)
        .order_by(HelplineCall.started_at.desc(), HelplineCall.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def log_look(call: HelplineCall, worker: CurrentUser, page: str, action: str = "helpline_call_view") -> None:
    """One look at the caller's data during the call (the call page, a check page, the flag form)."""
    record_event(
        action, actor=worker, subject_person_id=call.person_id, basis=basis(call), call=call.public_id, page=page
    )


def end_call(call: HelplineCall, worker: CurrentUser) -> None:
    """Ended once: a second end (a double click) changes and logs nothing."""
    if call.ended_at is not None:
        return
    call.ended_at = utcnow()
    record_event(
        "helpline_call_end",
        actor=worker,
        subject_person_id=call.person_id,
        basis=basis(call),
        commit=False,
        call=call.public_id,
    )
    db.session.commit()


# --- what the caller sees, and the units the worker can choose from ----------------------------------------------


def find_units(
    kind: str, text: str, language: str, home_municipality_code: str | None, full: dict[str, set[str]]
) -> list[ResultRow]:
    """Units of `kind` by name (the catalogue search, typo-tolerant); with no text, the units taking new clients
    nearest the caller's home municipality."""
    index = current_index()
    content = content_language_of(language)
    text = text.strip()
    query = SearchQuery(q=text, kind=kind, accepts_new=not text)
    origin = None if text else home_place(index, home_municipality_code, content)
    result = search(index, query, content, origin, per_page=UNIT_RESULTS, closed=closed_by_capacity(index, full, kind))
    return result_rows(SearchPage(index, query, result, False, origin is not None, full))
