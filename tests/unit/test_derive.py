"""The filter facts derived at import (portal.catalogue.derive), on handcrafted service locations."""

from __future__ import annotations

from datetime import date, time

import pytest

from adapters.ptv.model import (
    AccessibilitySentence,
    Address,
    Connection,
    Entrance,
    HoursKind,
    HoursPeriod,
    LocalizedText,
    OpeningHours,
    ServiceLocation,
    TimeRange,
)
from portal.catalogue.derive import (
    EntranceAccess,
    accessible_entrance,
    entrance_access,
    open_evenings,
    open_weekends,
    provider_type,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def weekly(*ranges: TimeRange, kind: HoursKind = HoursKind.WEEKLY, **options: object) -> HoursPeriod:
    return HoursPeriod(kind, ranges=ranges, **options)


def office(closes: time = time(16), days: tuple[int, ...] = (MON, TUE, WED, THU, FRI)) -> HoursPeriod:
    return weekly(*(TimeRange(day, time(8), closes) for day in days))


def location(*periods: HoursPeriod, connections: tuple[Connection, ...] = (), entrances=()) -> ServiceLocation:
    return ServiceLocation(
        id="00000000-0000-4000-8000-000000000001",
        organisation_id="00000000-0000-4000-8000-000000000002",
        names=LocalizedText(fi="Testiyksikkö"),
        hours=OpeningHours(periods),
        connections=connections,
        addresses=(Address(street=LocalizedText(fi="Testikatu"), entrances=tuple(entrances)),),
    )


def with_hours(*periods: HoursPeriod) -> Connection:
    return Connection(service_id="s", channel_id="c", hours=OpeningHours(periods))


# --- open in the evening ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        pytest.param((), False, id="no hours"),
        pytest.param((office(),), False, id="office hours 8-16"),
        pytest.param((office(closes=time(18)),), False, id="closes at 18:00 exactly"),
        pytest.param((office(closes=time(18, 30)),), True, id="closes at 18:30"),
        pytest.param((weekly(TimeRange(TUE, time(7, 30), time(19))), office()), True, id="one late day a week"),
        pytest.param((weekly(TimeRange(MON, time(21), time(7), days_after=1), kind=HoursKind.OVER_MIDNIGHT),), True,
                     id="night shift over midnight"),
        pytest.param((weekly(TimeRange(MON, time(8), time(0), days_after=1)),), True, id="until midnight (24:00)"),
        pytest.param((weekly(always_open=True),), True, id="round the clock"),
        pytest.param((weekly(always_open=True, by_appointment=True),), False, id="round the clock by appointment"),
        pytest.param((weekly(TimeRange(MON, time(8), time(20)), by_appointment=True),), False,
                     id="evening appointments only"),
        pytest.param((weekly(TimeRange(MON, time(8), time(20)), is_closed=True),), False, id="a closed period"),
        pytest.param(
            (office(), HoursPeriod(HoursKind.EXCEPTIONAL, (TimeRange(None, time(8), time(21)),), date(2025, 12, 23))),
            False,
            id="one exceptional late day does not make an ordinary week",
        ),
    ],
)  # fmt: skip
def test_open_evenings(hours, expected):
    assert open_evenings(location(*hours)) is expected


def test_evening_hours_of_one_service_count():
    """A service with its own hours at the location (an evening lab, say) makes the location open in the evening."""
    assert open_evenings(location(office(), connections=(with_hours(office(closes=time(20))),)))
    assert not open_evenings(location(office(), connections=(with_hours(office()),)))


# --- open at the weekend ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        pytest.param((), False, id="no hours"),
        pytest.param((office(),), False, id="monday to friday"),
        pytest.param((office(days=(SAT,)),), True, id="saturday"),
        pytest.param((office(days=(SUN,)),), True, id="sunday"),
        pytest.param((weekly(always_open=True),), True, id="round the clock"),
        pytest.param((weekly(TimeRange(SAT, time(9), time(15)), by_appointment=True),), False,
                     id="saturday by appointment only"),
        pytest.param(
            (office(), HoursPeriod(HoursKind.EXCEPTIONAL, (TimeRange(None, time(10), time(14)),), date(2025, 11, 22))),
            False,
            id="one exceptional saturday does not make an ordinary week",
        ),
        pytest.param((weekly(TimeRange(FRI, time(21), time(7), days_after=1), kind=HoursKind.OVER_MIDNIGHT),), False,
                     id="friday night shift ending on saturday morning"),
        pytest.param((weekly(TimeRange(FRI, time(16), time(8), days_after=3), kind=HoursKind.OVER_MIDNIGHT),), True,
                     id="open from friday afternoon to monday morning"),
        pytest.param((weekly(TimeRange(MON, time(8), time(8), days_after=7), kind=HoursKind.OVER_MIDNIGHT),), True,
                     id="a whole week from monday morning"),
    ],
)  # fmt: skip
def test_open_weekends(hours, expected):
    assert open_weekends(location(*hours)) is expected


# --- step-free entrance ----------------------------------------------------------------------------------------

ENTRANCE = LocalizedText(fi="Pääsisäänkäynti", sv="Huvudingången")


def entrance(*sentences: tuple[str | None, str | None]) -> Entrance:
    return Entrance(
        is_main=True,
        accessibility=tuple(AccessibilitySentence(ENTRANCE, LocalizedText(fi=fi, sv=sv)) for fi, sv in sentences),
    )


LEVEL = ("Sisäänkäynti on maan tasossa, ei portaita.", "Ingången är i marknivå, inga trappor.")
AUTOMATIC = ("Sisäänkäynnin ovi avautuu automaattisesti.", "Ingångsdörren öppnas automatiskt.")
STEPS_AND_RAMP = ("Sisäänkäynnissä on kaksi porrasta ja luiska.", "Vid ingången finns två trappsteg och en ramp.")
STEPS_NO_RAMP = ("Sisäänkäynnissä on neljä porrasta eikä luiskaa.", "Vid ingången finns fyra trappsteg och ingen ramp.")
THRESHOLD = ("Oven kynnys on alle 2 cm korkea.", "Dörrtröskeln är under 2 cm hög.")


@pytest.mark.parametrize(
    ("entrances", "expected"),
    [
        pytest.param((), False, id="no entrance data"),
        pytest.param((entrance(),), False, id="an entrance without sentences"),
        pytest.param((entrance(LEVEL),), True, id="level entrance"),
        pytest.param((entrance(AUTOMATIC, THRESHOLD),), True, id="automatic door"),
        pytest.param((entrance(STEPS_AND_RAMP),), True, id="steps with a ramp"),
        pytest.param((entrance(THRESHOLD),), False, id="only a threshold"),
        pytest.param((entrance(STEPS_NO_RAMP, THRESHOLD),), False, id="steps without a ramp"),
        pytest.param((entrance(STEPS_NO_RAMP, AUTOMATIC),), False, id="automatic door up four steps"),
        pytest.param((entrance((None, "Ingången är i marknivå.")),), True, id="Swedish only"),
        pytest.param((entrance(("SISÄÄNKÄYNTI ON MAAN TASOSSA", None)),), True, id="any letter case"),
        pytest.param((entrance(STEPS_NO_RAMP), entrance(LEVEL)), True, id="a second, level entrance"),
    ],
)
def test_accessible_entrance(entrances, expected):
    assert accessible_entrance(location(entrances=entrances)) is expected


ROUTE = LocalizedText(fi="Reitti pääsisäänkäynnille", sv="Rutten till huvudingången")
ROUTE_RAMP = AccessibilitySentence(ROUTE, LocalizedText(fi="Reitillä on luiska.", sv="På rutten finns en ramp."))


def test_a_ramp_on_the_route_does_not_make_the_entrance_step_free():
    steps = entrance(STEPS_NO_RAMP)
    only_route = Entrance(is_main=True, accessibility=(ROUTE_RAMP,))
    with_route = Entrance(is_main=True, accessibility=(ROUTE_RAMP, *entrance(THRESHOLD).accessibility))
    assert accessible_entrance(location(entrances=(only_route,))) is False
    assert accessible_entrance(location(entrances=(with_route,))) is False
    assert accessible_entrance(location(entrances=(steps,))) is False
    level = Entrance(is_main=True, accessibility=(ROUTE_RAMP, *entrance(LEVEL).accessibility))
    assert accessible_entrance(location(entrances=(level,))) is True


@pytest.mark.parametrize(
    ("entrances", "expected"),
    [
        pytest.param((), EntranceAccess.NOT_DESCRIBED, id="no entrance data"),
        pytest.param((entrance(),), EntranceAccess.NOT_DESCRIBED, id="an entrance without sentences"),
        pytest.param((Entrance(is_main=True, accessibility=(ROUTE_RAMP,)),), EntranceAccess.NOT_DESCRIBED, id="route"),
        pytest.param((entrance(LEVEL),), EntranceAccess.STEP_FREE, id="level entrance"),
        pytest.param((entrance(STEPS_NO_RAMP, THRESHOLD),), EntranceAccess.STEPS, id="four steps and no ramp"),
        pytest.param((entrance(STEPS_NO_RAMP, AUTOMATIC),), EntranceAccess.STEPS, id="automatic door up four steps"),
        pytest.param((entrance(THRESHOLD),), EntranceAccess.UNCLEAR, id="only a threshold"),
        pytest.param((entrance(STEPS_NO_RAMP), entrance(THRESHOLD)), EntranceAccess.UNCLEAR, id="one unclear of two"),
        pytest.param((entrance(STEPS_NO_RAMP), entrance(LEVEL)), EntranceAccess.STEP_FREE, id="a second, level one"),
    ],
)
def test_entrance_access_is_what_the_filter_and_the_summary_say(entrances, expected):
    """The unit page's summary ("step-free entrance: no, there are steps and no ramp") and the filter read the same
    answer, so neither contradicts the sentences listed under them."""
    place = location(entrances=entrances)
    assert entrance_access(place) is expected
    assert accessible_entrance(place) is (expected is EntranceAccess.STEP_FREE)


def test_inflected_threshold_free_wording_counts():
    sentence = ("Ovet ovat kynnyksettömät.", None)
    assert accessible_entrance(location(entrances=(entrance(sentence),))) is True


@pytest.mark.parametrize(
    ("organisation_type", "expected"),
    [
        ("Municipality", "public"),
        ("RegionalOrganization", "public"),
        ("Company", "private"),
        ("Organization", "third_sector"),
        (None, None),
    ],
)
def test_provider_type(organisation_type, expected):
    assert provider_type(organisation_type) == expected
