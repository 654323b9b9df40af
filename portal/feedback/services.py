"""Feedback about a unit: saving a person's answer (one per unit and half-year), the offers on the listing overview,
and the scores, counted in SQL.

A net promoter score is the share of promoters (9–10) minus the share of detractors (0–6), in whole percentage
points, from -100 to +100. Residents see a unit's score only from the organiser's minimum number of answers in the
period, so a score is never shown from a handful; the organiser sees every unit's figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from portal.choice.services import Listing
from portal.compare.index import current_index
from portal.extensions import db
from portal.flags.settings import load_flag_settings
from portal.models import Feedback

SOURCES = ("listing", "flag", "chat")
SCORES = tuple(range(11))
PROMOTER_FROM = 9  # 9 and 10
DETRACTOR_TO = 6  # 0 to 6; 7 and 8 are passives
TEXT_MAX = 2000


# --- periods -----------------------------------------------------------------------------------------------------


def period_of(day: date) -> str:
    """The half-year `day` counts for: "2026-H1" (January–June) or "2026-H2" (July–December)."""
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def parse_period(value: str) -> tuple[int, int] | None:
    """(year, half) of a period such as "2026-H2", or None when it is not one."""
    year, separator, half = value.partition("-H")
    if not separator or len(year) != 4 or not year.isascii() or not year.isdigit() or half not in ("1", "2"):
        return None
    return int(year), int(half)


def period_words(period: str) -> str:
    """The period as a reader says it: "July–December 2026"."""
    parsed = parse_period(period)
    if parsed is None:
        return period
    year, half = parsed
    if half == 1:
        return _("January–June %(year)s", year=year)
    return _("July–December %(year)s", year=year)


def period_ends(period: str) -> date | None:
    parsed = parse_period(period)
    if parsed is None:
        return None
    year, half = parsed
    return date(year, 6, 30) if half == 1 else date(year, 12, 31)


# --- one person's answer -----------------------------------------------------------------------------------------


def answer_of(person_id: int, location_id: str, period: str) -> Feedback | None:
    return db.session.scalar(select(Feedback).filter_by(person_id=person_id, location_id=location_id, period=period))


def save_answer(person_id: int, location_id: str, period: str, score: int, text: str, source: str) -> Feedback:
    """The person's answer about the unit for the period: a second answer changes the first, never adds a row.
    The text is stored exactly as typed; the source stays the one the first answer came from."""
    if score not in SCORES or source not in SOURCES or len(text) > TEXT_MAX:
        raise ValueError("the form let through a value it must refuse")
    found = answer_of(person_id, location_id, period)
    if found is None:
        found = Feedback(person_id=person_id, location_id=location_id, period=period, score=score, text=text)
        found.source = source
        db.session.add(found)
        try:
            db.session.commit()
            return found
        except IntegrityError:  # the same person answered in another tab at the same moment: change that answer
            db.session.rollback()
            found = answer_of(person_id, location_id, period)
            if found is None:
                raise
    found.score = score
    found.text = text
    db.session.commit()
    return found


def feedback_offers(person_id: int, listings: Mapping[str, Listing], today: date) -> dict[str, str]:
    """{kind: location id} of the person's current listings in force for at least the organiser's
    `feedback_after_days`, about whose unit the person has not answered in the current period."""
    after = timedelta(days=load_flag_settings().feedback_after_days)
    due: dict[str, str] = {}
    for kind, state in listings.items():
        current = state.current
        if current is None or current.effective_on + after > today:
            continue
        if current.location_id not in current_index().position:
            continue  # the unit has left the catalogue: there is no page to give feedback on
        due[kind] = current.location_id
    if not due:
        return {}
    answered = set(
        db.session.scalars(
            select(Feedback.location_id).where(
                Feedback.person_id == person_id,
                Feedback.period == period_of(today),
                Feedback.location_id.in_(set(due.values())),
            )
        )
    )
    return {kind: location_id for kind, location_id in due.items() if location_id not in answered}


# --- scores ------------------------------------------------------------------------------------------------------


def signed(nps: int | None) -> str:
    """A score as it is written: "+42", "0", "−40" (a minus sign, not a hyphen)."""
    if nps is None:
        return ""
    return f"+{nps}" if nps > 0 else f"\u2212{-nps}" if nps < 0 else "0"


def net_promoter_score(promoters: int, detractors: int, answers: int) -> int | None:
    """% promoters − % detractors, rounded half away from zero to whole points (None without answers)."""
    if answers <= 0:
        return None
    points = 100 * (promoters - detractors) / answers
    return int(points + 0.5) if points >= 0 else -int(-points + 0.5)


@dataclass(frozen=True)
class UnitScore:
    location_id: str
    answers: int
    promoters: int
    passives: int
    detractors: int

    @property
    def nps(self) -> int | None:
        return net_promoter_score(self.promoters, self.detractors, self.answers)


def _counted():
    promoter = case((Feedback.score >= PROMOTER_FROM, 1), else_=0)
    detractor = case((Feedback.score <= DETRACTOR_TO, 1), else_=0)
    return (
        func.count(Feedback.id).label("answers"),
        func.coalesce(func.sum(promoter), 0).label("promoters"),
        func.coalesce(func.sum(detractor), 0).label("detractors"),
    )


def unit_scores(period: str, location_ids: list[str] | None = None) -> dict[str, UnitScore]:
    """Each unit's answers in the period, counted in one grouped query."""
    query = select(Feedback.location_id, *_counted()).where(Feedback.period == period).group_by(Feedback.location_id)
    if location_ids is not None:
        if not location_ids:
            return {}
        query = query.where(Feedback.location_id.in_(location_ids))
    scores = {}
    for location_id, answers, promoters, detractors in db.session.execute(query):
        answers, promoters, detractors = int(answers), int(promoters), int(detractors)
        scores[location_id] = UnitScore(location_id, answers, promoters, answers - promoters - detractors, detractors)
    return scores


def unit_score(location_id: str, period: str) -> tuple[int | None, int]:
    """(net promoter score, answers) of the unit in the period; the score is None without answers. Whether it may be
    shown is `public_score`'s business."""
    found = unit_scores(period, [location_id]).get(location_id)
    return (found.nps, found.answers) if found else (None, 0)


@dataclass(frozen=True)
class PublicScore:
    """What a resident may see of a unit's score: `nps` only from the minimum number of answers."""

    nps: int | None
    answers: int
    period: str
    minimum: int

    @property
    def shown(self) -> bool:
        return self.nps is not None and self.answers >= self.minimum

    @property
    def period_words(self) -> str:
        return period_words(self.period)

    @property
    def signed(self) -> str:
        return signed(self.nps)


def public_score(location_id: str, today: date) -> PublicScore:
    return public_scores([location_id], today)[location_id]


def public_scores(location_ids: list[str], today: date) -> dict[str, PublicScore]:
    """`public_score` for several units (the comparison), in one grouped query."""
    period = period_of(today)
    minimum = load_flag_settings().feedback_min_answers
    counted = unit_scores(period, location_ids)
    scores = {}
    for location_id in location_ids:
        found = counted.get(location_id)
        answers = found.answers if found else 0
        nps = found.nps if found and answers >= minimum else None
        scores[location_id] = PublicScore(nps, answers, period, minimum)
    return scores


def periods_with_answers() -> list[str]:
    """Every period someone has answered in, newest first."""
    return list(db.session.scalars(select(Feedback.period).distinct().order_by(Feedback.period.desc())))


def texts(location_id: str, period: str) -> list[Feedback]:
    """The answers with free text about the unit in the period, newest first (who wrote them is not shown)."""
    query = (
        select(Feedback)
        .where(Feedback.location_id == location_id, Feedback.period == period, Feedback.text != "")
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
    )
    return list(db.session.scalars(query))
