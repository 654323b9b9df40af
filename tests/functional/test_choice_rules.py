"""The listing rules as the domain service applies them: eligibility, approval, the interval, capacity, pending
choices, cancellation, taking effect and the outbox rows written with each change."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.auth.services import CurrentUser
from portal.choice import services
from portal.choice.rules import add_months, first_of_next_month, load_rules, save_settings, set_capacities
from portal.demo.ptv_feed import channel_id
from portal.extensions import db
from portal.models import Choice, IntervalOverride, OutboxMessage, Person, StaffUser

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")
S_HAARAJOKI = channel_id(2019, "s-haarajoki")
S_SYDANMAA = channel_id(2019, "s-sydanmaa-jarvenpaa")
S_KUUTAMO_FULL = channel_id(2019, "s-kuutamo-jarvenpaa")  # approved, not accepting new clients
S_NOT_APPROVED = channel_id(2019, "s-kanerva-mantsala")
D_JARVENPAA = channel_id(2019, "d-jarvenpaa")
NOV = date(2026, 11, 22)


def make_person(municipality: str | None = "186", number: int = 1, birth: date = date(1985, 3, 15)) -> Person:
    person = Person(
        oidc_issuer="test",
        oidc_subject=f"sub-{number}",
        hetu_hash=f"hash-{number}",
        hetu_masked="150385-****",
        birth_date=birth,
        given_name="Testi",
        family_name=f"Asukas{number}",
        home_municipality_code=municipality,
    )
    db.session.add(person)
    db.session.commit()
    return person


def resident(person: Person) -> CurrentUser:
    return CurrentUser("resident", person.id, person.display_name, home_municipality_code=person.home_municipality_code)


def choose(person: Person, location_id: str, kind: str = "sote_centre", today: date = NOV, actor=None) -> Choice:
    state = services.listing(person.id, kind, today)
    return services.confirm_choice(
        person_id=person.id,
        kind=kind,
        location_id=location_id,
        request_key=services.new_request_key(),
        expected_version=state.version,
        actor=actor or resident(person),
        today=today,
    )


def messages(choice: Choice) -> list[tuple[str, str, str]]:
    rows = db.session.scalars(select(OutboxMessage).filter_by(choice_id=choice.id).order_by(OutboxMessage.id))
    return [(m.event, m.role, m.recipient) for m in rows]


@pytest.fixture
def ctx(catalogue):
    with catalogue.app_context():
        yield catalogue


def test_dates_follow_the_rules():
    assert first_of_next_month(date(2026, 12, 31)) == date(2027, 1, 1)
    assert first_of_next_month(date(2026, 11, 1)) == date(2026, 12, 1)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 1), 6) == date(2027, 6, 1)


def test_first_listing_takes_effect_next_month_and_tells_everyone(ctx):
    person = make_person()
    choice = choose(person, S_JARVENPAA)
    assert choice.effective_on == date(2026, 12, 1)
    assert choice.took_effect_at is None
    state = services.listing(person.id, "sote_centre", NOV)
    assert state.current is None and state.pending.id == choice.id
    assert messages(choice) == [
        ("listing.chosen", "new_provider", choice.organisation_id),
        ("listing.chosen", "register", "register"),
    ]
    body = json.loads(db.session.scalar(select(OutboxMessage.body).filter_by(choice_id=choice.id).limit(1)))
    assert body["choice"]["reference"] == choice.reference
    assert body["resident"]["ref"] == person.public_id
    assert "150385" not in json.dumps(body)  # no identity code, not even masked


def test_switching_too_early_is_refused_with_the_date_it_becomes_possible(ctx):
    person = make_person()
    first = choose(person, S_JARVENPAA)
    services.take_effect_due(date(2026, 12, 1))
    with pytest.raises(services.ChoiceRefused) as refused:
        choose(person, S_HAARAJOKI, today=date(2027, 3, 1))
    assert refused.value.problem == "too_early"
    assert refused.value.plan.switch_allowed_from == date(2027, 6, 1)
    switched = choose(person, S_HAARAJOKI, today=date(2027, 6, 1))
    assert switched.previous_choice_id == first.id
    db.session.refresh(first)
    assert first.ended_on == date(2027, 7, 1)
    assert ("listing.chosen", "old_provider", first.organisation_id) in messages(switched)


def test_the_interval_is_the_organisers_setting(ctx):
    person = make_person()
    choose(person, S_JARVENPAA)
    save_settings({"interval_months": 2, "effective": "immediate"}, None)
    assert load_rules().interval_months == 2
    choice = choose(person, S_HAARAJOKI, today=date(2027, 2, 1))
    assert choice.effective_on == date(2027, 2, 1)
    assert choice.took_effect_at is not None  # immediate: the take-effect messages are written at once
    assert {event for event, _, _ in messages(choice)} == {"listing.chosen", "listing.took_effect"}


def test_an_organiser_override_allows_one_early_switch(ctx):
    person = make_person()
    choose(person, S_JARVENPAA)
    staff = StaffUser(oidc_issuer="t", oidc_subject="o", name="Olli")
    db.session.add(staff)
    db.session.flush()
    db.session.add(
        IntervalOverride(
            person_id=person.id, kind="sote_centre", reason="Moved house", granted_by_id=staff.id,
            valid_until=date(2027, 3, 1),
        )
    )  # fmt: skip
    db.session.commit()
    early = choose(person, S_HAARAJOKI, today=date(2027, 1, 10))
    assert early.override_id is not None
    with pytest.raises(services.ChoiceRefused) as refused:
        choose(person, S_SYDANMAA, today=date(2027, 3, 10))
    assert refused.value.problem == "too_early"  # the override was used up


@pytest.mark.parametrize(
    ("location", "kind", "problem"),
    [
        (S_NOT_APPROVED, "sote_centre", "not_approved"),
        (D_JARVENPAA, "sote_centre", "not_approved"),  # a dental unit is not a sote centre
        (S_KUUTAMO_FULL, "sote_centre", "not_accepting"),
        ("00000000-0000-0000-0000-000000000000", "sote_centre", "unknown_unit"),
    ],
)
def test_units_that_cannot_be_chosen(ctx, location, kind, problem):
    person = make_person()
    with pytest.raises(services.ChoiceRefused) as refused:
        choose(person, location, kind)
    assert refused.value.problem == problem
    assert db.session.scalar(select(func.count()).select_from(Choice)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_residents_outside_the_area_cannot_choose(ctx):
    person = make_person(municipality="091")
    with pytest.raises(services.ChoiceRefused) as refused:
        choose(person, S_JARVENPAA)
    assert refused.value.problem == "not_eligible"
    save_settings({"municipalities": ["091", "186"]}, None)
    assert choose(person, S_JARVENPAA).kind == "sote_centre"


def test_a_full_unit_is_refused_with_the_nearest_alternatives(ctx):
    set_capacities("sote_centre", {S_JARVENPAA: 1}, None)
    choose(make_person(number=1), S_JARVENPAA)
    with pytest.raises(services.ChoiceRefused) as refused:
        choose(make_person(number=2), S_JARVENPAA)
    assert refused.value.problem == "full"
    alternatives = refused.value.plan.alternatives
    assert len(alternatives) == 3
    assert S_JARVENPAA not in [a.location_id for a in alternatives]
    assert S_KUUTAMO_FULL not in [a.location_id for a in alternatives]
    assert [a.distance_km for a in alternatives] == sorted(a.distance_km for a in alternatives)


def test_a_new_choice_replaces_a_pending_one(ctx):
    person = make_person()
    first = choose(person, S_JARVENPAA)
    second = choose(person, S_HAARAJOKI)
    db.session.refresh(first)
    assert first.cancel_reason == "replaced"
    assert services.listing(person.id, "sote_centre", NOV).pending.id == second.id
    assert ("listing.cancelled", "register", "register") in messages(first)


def test_cancelling_a_pending_switch_keeps_the_current_listing(ctx):
    person = make_person()
    first = choose(person, S_JARVENPAA)
    services.take_effect_due(date(2026, 12, 1))
    switch = choose(person, S_HAARAJOKI, today=date(2027, 6, 2))
    db.session.refresh(first)
    assert first.ended_on == date(2027, 7, 1)
    services.cancel_choice(
        person_id=person.id, reference=switch.reference, actor=resident(person), today=date(2027, 6, 3)
    )
    db.session.refresh(first)
    assert first.ended_on is None
    state = services.listing(person.id, "sote_centre", date(2027, 8, 1))
    assert state.current.id == first.id and state.pending is None
    assert ("listing.cancelled", "old_provider", first.organisation_id) in messages(switch)
    with pytest.raises(services.NotCancellable):
        services.cancel_choice(
            person_id=person.id, reference=first.reference, actor=resident(person), today=date(2027, 6, 3)
        )  # it took effect in December


def test_taking_effect_writes_messages_once(ctx):
    person = make_person()
    choice = choose(person, S_JARVENPAA)
    assert services.take_effect_due(date(2026, 11, 30)) == 0
    assert services.take_effect_due(date(2026, 12, 1)) == 1
    assert services.take_effect_due(date(2026, 12, 2)) == 0
    assert [e for e, _, _ in messages(choice)].count("listing.took_effect") == 2


def test_the_same_request_twice_gives_the_same_choice(ctx):
    person = make_person()
    key = services.new_request_key()
    args = {"person_id": person.id, "kind": "sote_centre", "location_id": S_JARVENPAA, "request_key": key}
    args["today"] = NOV
    first = services.confirm_choice(expected_version=0, actor=resident(person), **args)
    again = services.confirm_choice(expected_version=0, actor=resident(person), **args)
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Choice)) == 1


def test_a_stale_page_is_refused(ctx):
    person = make_person()
    choose(person, S_JARVENPAA)
    with pytest.raises(services.ChoiceRefused) as refused:
        services.confirm_choice(
            person_id=person.id, kind="sote_centre", location_id=S_HAARAJOKI,
            request_key=services.new_request_key(), expected_version=0, actor=resident(person), today=NOV,
        )  # fmt: skip
    assert refused.value.problem == "changed"


def test_sote_centre_and_dental_unit_are_separate(ctx):
    person = make_person()
    choose(person, S_JARVENPAA)
    choose(person, D_JARVENPAA, kind="dental_unit")
    both = services.listings(person.id, NOV)
    assert both["sote_centre"].pending.location_id == S_JARVENPAA
    assert both["dental_unit"].pending.location_id == D_JARVENPAA


def test_listing_figures_by_age_band_as_of_any_day(ctx):
    from portal.choice.report import age_bands, listing_figures

    assert age_bands((7, 18, 65)) == [(0, 6), (7, 17), (18, 64), (65, None)]
    child = make_person(number=1, birth=date(2020, 12, 1))  # turns 7 on 1 Dec 2027
    adult = make_person(number=2, birth=date(1950, 1, 1))
    choose(child, S_JARVENPAA)
    choose(adult, S_JARVENPAA)
    assert listing_figures(NOV, "sote_centre", (7, 18, 65)).units == []  # not in effect yet
    figures = listing_figures(date(2027, 11, 30), "sote_centre", (7, 18, 65))
    assert [(row.key, row.counts) for row in figures.units] == [(S_JARVENPAA, [1, 0, 0, 1])]
    assert figures.providers[0].total == 2
    later = listing_figures(date(2027, 12, 1), "sote_centre", (7, 18, 65))
    assert later.units[0].counts == [0, 1, 0, 1]
