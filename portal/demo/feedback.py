"""Demo feedback for `make run`: answers for the current half-year about two units, so the unit pages show both
cases. Järvenpää's sote centre has more answers than the organiser's default minimum (10), so its page shows a
score (+40 from 15 answers); Järvenpää's dental unit has four, so its page says there are not enough answers yet.

The answers come from demo respondents: people made only to have answered (one answer per person, unit and
period), with temporary identity codes stored as keyed hashes like anyone's. They have no login at the demo
identity provider and are named as what they are. Idempotent: a second run adds nothing.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from portal.auth import identity
from portal.demo.personas import temporary_hetu
from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from portal.extensions import db
from portal.feedback.services import period_of
from portal.models import CatalogueLocation, Feedback, Person

ISSUER = "demo-respondents"  # no identity provider has this issuer: nobody logs in as a respondent
BIRTH = "150365"  # 15 March 1965; individual numbers 960-979 (temporary range, used by no persona or test)

# (unit key, (score, free text) per respondent)
DEMO_FEEDBACK: tuple[tuple[str, tuple[tuple[int, str], ...]], ...] = (
    (
        "s-jarvenpaa",
        (
            (10, "Sain ajan samalle viikolle, ja lääkäri kuunteli."),
            (10, ""),
            (9, "Hoitaja soitti perään ja kysyi, miten voin."),
            (9, ""),
            (9, "Det gick smidigt, och jag fick service på svenska."),
            (10, ""),
            (9, ""),
            (8, "Hyvä palvelu, mutta jonotin puhelimessa pitkään."),
            (8, ""),
            (7, ""),
            (6, "Lähete erikoissairaanhoitoon unohtui, ja jouduin soittamaan itse."),
            (5, ""),
            (9, "Quick appointment and clear instructions."),
            (10, ""),
            (3, "Laboratorion tulokset eivät näkyneet hammashoitolassa."),
        ),
    ),
    (
        "d-jarvenpaa",
        (
            (9, "Ystävällinen hammaslääkäri."),
            (7, ""),
            (10, ""),
            (4, "Aikaa sai odottaa kaksi kuukautta."),
        ),
    ),
)


def _respondent(number: int) -> Person:
    subject = f"demo.respondent.{number:02d}"
    person = db.session.scalar(select(Person).filter_by(oidc_issuer=ISSUER, oidc_subject=subject))
    if person is not None:
        return person
    code = temporary_hetu(BIRTH, "-", 960 + number)
    person = Person(
        oidc_issuer=ISSUER,
        oidc_subject=subject,
        hetu_hash=identity.lookup_hash(code, current_app.config["HETU_HASH_KEY"]),
        hetu_masked=identity.masked(code),
        birth_date=identity.birth_date(code),
        given_name="Demo",
        family_name=f"Respondent {number:02d}",
    )
    db.session.add(person)
    db.session.flush()
    return person


def load_demo_feedback(today: date, seed: int = DEFAULT_SEED) -> int:
    """Add the demo answers for the period `today` is in; returns how many were added."""
    period = period_of(today)
    added = 0
    for unit_key, answers in DEMO_FEEDBACK:
        location_id = channel_id(seed, unit_key)
        if db.session.get(CatalogueLocation, location_id) is None:
            continue
        for number, (score, text) in enumerate(answers):
            person = _respondent(number)
            found = db.session.scalar(
                select(Feedback.id).filter_by(person_id=person.id, location_id=location_id, period=period)
            )
            if found is not None:
                continue
            answer = Feedback(person_id=person.id, location_id=location_id, period=period, score=score, text=text)
            answer.source = "listing"
            db.session.add(answer)
            added += 1
    db.session.commit()
    return added
