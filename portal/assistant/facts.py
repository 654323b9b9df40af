"""Facts an answer may fill in: the organiser's settings for anyone, the resident's own only when logged in.

An answer names its facts (`fact:` in the knowledge base); each fact gives the placeholders listed in `FACTS`. A
fact that cannot be given (nobody is logged in, the resident has no listing, the database cannot be read) makes the
assistant say the entry's general `answer_anonymous` instead, so a sentence never has a hole in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import SQLAlchemyError

if TYPE_CHECKING:  # imported when used: the knowledge base is checked without the listing service's imports
    from portal.choice.rules import Rules

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FactSpec:
    placeholders: tuple[str, ...]
    personal: bool  # the resident's own: only ever computed for a logged-in person


FACTS: dict[str, FactSpec] = {
    "next_switch_sote": FactSpec(("date",), personal=True),  # the first day a switch is allowed, today at the earliest
    "next_switch_dental": FactSpec(("date",), personal=True),
    "current_sote_unit": FactSpec(("unit",), personal=True),
    "current_dental_unit": FactSpec(("unit",), personal=True),
    "helpline_phone": FactSpec(("phone",), personal=False),
    "switch_interval": FactSpec(("months",), personal=False),
}
KIND_OF_FACT = {
    "next_switch_sote": "sote_centre",
    "next_switch_dental": "dental_unit",
    "current_sote_unit": "sote_centre",
    "current_dental_unit": "dental_unit",
}


class Facts(Protocol):
    def values(self, fact: str, language: str) -> dict[str, str] | None:
        """The placeholders of `fact` in `language`, or None when it cannot be told."""


@dataclass
class PublicFacts:
    """The organiser's settings, which anyone may be told (read from the database on first use)."""

    _rules: Rules | None = field(default=None, repr=False)
    _failed: bool = False

    def values(self, fact: str, language: str) -> dict[str, str] | None:
        spec = FACTS.get(fact)
        if spec is None or spec.personal:
            return None
        rules = self._load()
        if rules is None:
            return None
        if fact == "helpline_phone":
            from portal.formatting import phone_number

            number = phone_number(rules.helpline_phone)
            return {"phone": number.text if number else rules.helpline_phone}
        return {"months": str(rules.interval_months)}

    def _load(self) -> Rules | None:
        if self._rules is None and not self._failed:
            from portal.choice.rules import load_rules
            from portal.extensions import db

            try:
                self._rules = load_rules()
            except SQLAlchemyError as error:  # the general answer instead: a chat must not fail on a setting
                db.session.rollback()
                log.warning("assistant: the organiser's settings could not be read (%s)", type(error).__name__)
                self._failed = True
        return self._rules


@dataclass
class PersonFacts(PublicFacts):
    """A logged-in resident's own facts, worked out by the listing service on first use."""

    person_id: int = 0
    today: date | None = None
    _cache: dict[tuple[str, str], dict[str, str] | None] = field(default_factory=dict, repr=False)

    def values(self, fact: str, language: str) -> dict[str, str] | None:
        spec = FACTS.get(fact)
        if spec is None or not spec.personal:
            return super().values(fact, language)
        key = (fact, language)
        if key not in self._cache:
            try:
                self._cache[key] = self._personal(fact, language)
            except SQLAlchemyError as error:
                from portal.extensions import db

                db.session.rollback()
                log.warning("assistant: a resident's facts could not be read (%s)", type(error).__name__)
                self._cache[key] = None
        return self._cache[key]

    def _personal(self, fact: str, language: str) -> dict[str, str] | None:
        from portal.choice.services import listing
        from portal.compare.units import today_in_helsinki
        from portal.formatting import format_day

        today = self.today or today_in_helsinki()
        state = listing(self.person_id, KIND_OF_FACT[fact], today)
        if fact.startswith("current_"):
            choice = state.current
            if choice is None:
                return None
            name = (choice.unit_name_sv if language == "sv" else choice.unit_name_fi) or choice.unit_name_fi
            return {"unit": name} if name else None
        # The interval runs from the listing that will be in force last: a pending choice's, else the current one's.
        basis = state.pending or state.current
        rules = self._load()
        if basis is None or rules is None:
            return None  # never listed: a first choice has no interval, which the general answer says
        allowed = max(rules.next_switch_on(basis.effective_on), today)
        return {"date": format_day(allowed, "day", "fi" if language == "selko" else language)}


def public_facts() -> Facts:
    return PublicFacts()


def facts_for(person_id: int, today: date | None = None) -> Facts:
    """The facts of a logged-in resident (the person whose data the page shows: for a relative acting under a
    mandate, the caller decides whose id this is)."""
    return PersonFacts(person_id=person_id, today=today)
