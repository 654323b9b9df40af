"""The demo PTV feed: v11 shape, the pilot's nine municipalities, determinism, languages, places, hours, gaps."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyproj import Transformer
from stdnum.fi import ytunnus

from portal.demo import ptv_feed
from portal.demo.ptv_feed import FeedSummary, write_demo_feed
from tests.demo.feed_helpers import (
    PAGE_NAME,
    TODAY,
    classify,
    load_skeleton,
    locations,
    read_pages,
    shape_violations,
    text_lists,
)

Records = dict[str, list[dict[str, Any]]]

# Statistics Finland codes and the official Finnish and Swedish names of the pilot municipalities.
PILOT = {
    "106": ("Hyvinkää", "Hyvinge"),
    "186": ("Järvenpää", "Träskända"),
    "543": ("Nurmijärvi", "Nurmijärvi"),
    "858": ("Tuusula", "Tusby"),
    "505": ("Mäntsälä", "Mäntsälä"),
    "611": ("Pornainen", "Borgnäs"),
    "444": ("Lohja", "Lojo"),
    "638": ("Porvoo", "Borgå"),
    "753": ("Sipoo", "Sibbo"),
}
# Built-up areas of each municipality (WGS84): the centre, and villages such as Klaukkala, Jokela or Söderkulla.
TOWN_POINTS = {
    "106": [(60.631, 24.859)],
    "186": [(60.473, 25.090)],
    "543": [(60.464, 24.808), (60.383, 24.753), (60.523, 24.752)],
    "858": [(60.403, 25.023), (60.548, 24.966), (60.528, 25.101)],
    "505": [(60.636, 25.318)],
    "611": [(60.476, 25.374)],
    "444": [(60.249, 24.065), (60.320, 23.817)],
    "638": [(60.393, 25.664)],
    "753": [(60.377, 25.268), (60.300, 25.250)],
}
POSTAL_CODES = {
    "106": r"058\d\d",
    "186": r"044\d\d",
    "543": r"01800|01820|01900|05200",
    "858": r"04300|04310|04500|05400",
    "505": r"04600",
    "611": r"07170",
    "444": r"081\d\d|082\d\d|09220",
    "638": r"06[1-4]\d\d",
    "753": r"04130|01150",
}
REAL_BRANDS = ("terveystalo", "mehiläinen", "pihlajalinna", "attendo", "esperi", "coronaria", "aava", "diacor", "oral ")
TIME = re.compile(r"^([01]\d|2[0-3]):(00|15|30|45):00$")


def municipality_of(channel: dict[str, Any]) -> str:
    return channel["addresses"][0]["streetAddress"]["municipality"]["code"]


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


def test_pages_have_the_v11_paging_envelope_in_one_flat_directory(demo_feed: FeedSummary) -> None:
    paths = sorted(demo_feed.out_dir.iterdir())
    assert [p.name for p in paths] == list(demo_feed.files)
    assert {p.name.split("-")[0] for p in paths} == {"channels", "organizations", "services"}
    for path in paths:
        assert path.is_file() and PAGE_NAME.match(path.name), path
        page = json.loads(path.read_text(encoding="utf-8"))
        assert list(page) == ["pageNumber", "pageSize", "pageCount", "itemList"]
        assert page["pageSize"] == 100 and 1 <= len(page["itemList"]) <= 100
        assert 1 <= page["pageNumber"] <= page["pageCount"]
        assert int(path.stem.rsplit("-", 1)[1]) == page["pageNumber"]


def test_counts_as_a_reader_finds_them_through_the_services(demo_feed: FeedSummary, demo_records: Records) -> None:
    found = classify(demo_records)
    kinds = Counter(kind for f in found.values() for kind in f["kinds"])
    vouchers = Counter(v for f in found.values() for v in f["vouchers"])
    assert kinds["sote_centre"] >= 25
    assert kinds["dental_unit"] >= 15
    for service in ("home_care", "home_nursing", "housing_services", "dental_prosthetics"):
        assert vouchers[service] >= 2, service
    assert (kinds["sote_centre"], kinds["dental_unit"]) == (demo_feed.sote_centres, demo_feed.dental_units)
    assert dict(vouchers) == dict(demo_feed.voucher_providers)
    assert len(found) == demo_feed.service_locations == len(demo_feed.units)
    assert {u.channel_id: set(u.kinds) for u in demo_feed.units} == {k: f["kinds"] for k, f in found.items()}


def test_public_private_and_third_sector_providers(demo_records: Records) -> None:
    types = {o["id"]: o["organizationType"] for o in demo_records["organizations"]}
    sote = [c for c in locations(demo_records) if "sote_centre" in classify(demo_records)[c["id"]]["kinds"]]
    assert Counter(types[c["organizationId"]] for c in sote).keys() == {
        "RegionalOrganization",
        "Company",
        "Organization",
    }


def test_all_nine_pilot_municipalities_with_real_codes_and_names(demo_feed: FeedSummary, demo_records: Records) -> None:
    seen = {}
    for channel in locations(demo_records):
        street = channel["addresses"][0]["streetAddress"]
        names = {t["language"]: t["value"] for t in street["municipality"]["name"]}
        seen[street["municipality"]["code"]] = (names["fi"], names["sv"])
        area = channel["areas"][0]["municipalities"][0]
        assert area["code"] == street["municipality"]["code"]
        assert re.fullmatch(POSTAL_CODES[street["municipality"]["code"]], street["postalCode"]), street
    assert seen == PILOT
    assert set(demo_feed.municipalities) == set(PILOT)
    found = classify(demo_records)
    for code in PILOT:
        here = [found[c["id"]]["kinds"] for c in locations(demo_records) if municipality_of(c) == code]
        assert any("sote_centre" in k for k in here) and any("dental_unit" in k for k in here), code


def test_same_seed_and_day_give_the_same_bytes(tmp_path: Path, demo_feed: FeedSummary) -> None:
    again = write_demo_feed(tmp_path / "again", TODAY)
    assert again.files == demo_feed.files
    for name in demo_feed.files:
        assert (tmp_path / "again" / name).read_bytes() == (demo_feed.out_dir / name).read_bytes(), name


def test_another_seed_changes_content_and_another_day_keeps_ids(tmp_path: Path, demo_records: Records) -> None:
    ids = {c["id"] for c in demo_records["channels"]}
    other_seed = read_pages(write_demo_feed(tmp_path / "seed", TODAY, seed=7).out_dir)
    assert not ids & {c["id"] for c in other_seed["channels"]}
    later = read_pages(write_demo_feed(tmp_path / "later", TODAY + timedelta(days=40)).out_dir)
    assert {c["id"] for c in later["channels"]} == ids
    assert later["channels"] != demo_records["channels"]  # the holiday closures moved on


def test_every_text_is_in_finnish_and_swedish_except_the_deliberate_gaps(
    demo_feed: FeedSummary, demo_records: Records
) -> None:
    missing = set()
    for kind, records in demo_records.items():
        for record in records:
            for path, texts in text_lists(record):
                by_type: dict[str, set[str]] = {}
                for text in texts:
                    assert text["value"], (record["id"], path)
                    by_type.setdefault(text.get("type", ""), set()).add(text["language"])
                for type_, languages in by_type.items():
                    if not {"fi", "sv"} <= languages:
                        missing.add((kind, record["id"], path, type_))
    # A unit without a Swedish name has no Swedish language version: no Swedish name, and so no Swedish web page.
    no_swedish = [g.channel_id for g in demo_feed.quality_gaps if g.field == "name_sv"]
    expected = {("channels", cid, "$.serviceChannelNames", "Name") for cid in no_swedish}
    expected |= {("channels", cid, "$.webPages", "") for cid in no_swedish}
    assert len(no_swedish) >= 2
    assert missing == expected


def test_deliberate_gaps_for_the_data_quality_report(demo_feed: FeedSummary, demo_records: Records) -> None:
    gaps = {(g.channel_id, g.field) for g in demo_feed.quality_gaps}
    assert Counter(field for _, field in gaps) == {"name_sv": 2, "phone": 2, "coordinates": 2}
    for channel in locations(demo_records):
        street = channel["addresses"][0]["streetAddress"]
        has_sv_name = any(n["language"] == "sv" for n in channel["serviceChannelNames"])
        assert has_sv_name == ((channel["id"], "name_sv") not in gaps)
        assert bool(channel["phoneNumbers"]) == ((channel["id"], "phone") not in gaps)
        located = street["coordinateState"] == "Ok" and street["latitude"] not in (None, "0")
        assert located == ((channel["id"], "coordinates") not in gaps)
        if not located:
            assert (street["latitude"], street["longitude"]) in (("0", "0"), (None, None))


def test_coordinates_are_tm35fin_strings_inside_the_right_town(demo_records: Records) -> None:
    to_wgs84 = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)
    checked = 0
    for channel in locations(demo_records):
        street = channel["addresses"][0]["streetAddress"]
        if street["coordinateState"] != "Ok":
            continue
        assert re.fullmatch(r"\d+\.?\d*", street["latitude"]) and re.fullmatch(r"\d+\.?\d*", street["longitude"])
        northing, easting = float(street["latitude"]), float(street["longitude"])
        assert 6_600_000 < northing < 6_800_000 and 250_000 < easting < 450_000, street  # southern Finland
        lon, lat = to_wgs84.transform(easting, northing)
        nearest = min(distance_km((lat, lon), point) for point in TOWN_POINTS[municipality_of(channel)])
        assert nearest < 4.0, (channel["serviceChannelNames"][0]["value"], lat, lon)
        for door in channel["addresses"][0]["entrances"]:
            east, north = float(door["coordinates"]["longitude"]), float(door["coordinates"]["latitude"])
            assert math.dist((east, north), (easting, northing)) < 50
        checked += 1
    assert checked == len(locations(demo_records)) - 2


@pytest.mark.parametrize(
    ("kind", "skeleton"),
    [
        ("channels", "V11VmOpenApiServiceLocationChannel.json"),
        ("services", "V11VmOpenApiService.json"),
        ("organizations", "V10VmOpenApiOrganization.json"),
    ],
)
def test_records_have_exactly_the_v11_keys(demo_records: Records, shared_ptv: Path, kind: str, skeleton: str) -> None:
    shape = load_skeleton(skeleton)
    records = locations(demo_records) if kind == "channels" else demo_records[kind]
    assert records
    for record in records:
        assert list(record) == list(shape), record["id"]  # every key, in the API's output order
        assert list(shape_violations(record, shape)) == [], record["id"]


def test_the_phone_channel_has_the_keys_of_the_real_phone_channel(demo_records: Records, shared_ptv: Path) -> None:
    sample = json.loads((shared_ptv / "smbackend" / "municipality_channels.json").read_text(encoding="utf-8"))
    real = next(c for c in sample["itemList"] if c["serviceChannelType"] == "Phone")
    phones = [c for c in demo_records["channels"] if c["serviceChannelType"] == "Phone"]
    assert len(phones) == 1 and list(phones[0]) == list(real)


def test_opening_hours_follow_the_v11_conventions(demo_records: Records) -> None:
    hours = [h for c in locations(demo_records) for h in c["serviceHours"]]
    assert {h["serviceHourType"] for h in hours} == {"DaysOfTheWeek", "Exceptional", "OverMidnight"}
    for h in hours:
        assert h["validForNow"] == (h["validTo"] is None)
        if h["isAlwaysOpen"] or h["isReservation"]:
            assert h["openingHour"] == []
        for row in h["openingHour"]:
            assert TIME.match(row["from"]) and TIME.match(row["to"]), row
            assert row["dayFrom"] in ptv_feed.WEEKDAYS
        if h["serviceHourType"] == "DaysOfTheWeek":
            assert all(row["dayTo"] == "" and row["from"] < row["to"] for row in h["openingHour"])
        elif h["serviceHourType"] == "OverMidnight":
            for row in h["openingHour"]:
                following = ptv_feed.WEEKDAYS[(ptv_feed.WEEKDAYS.index(row["dayFrom"]) + 1) % 7]
                assert row["dayTo"] == following and row["to"] < row["from"]
        else:
            first = datetime.fromisoformat(h["validFrom"]).date()
            assert TODAY <= first <= datetime.fromisoformat(h["validTo"]).date()
            assert h["isClosed"] == (h["openingHour"] == [])
            assert {t["language"] for t in h["additionalInformation"]} == {"fi", "sv"}
    assert any(h["isAlwaysOpen"] for h in hours) and any(h["isReservation"] for h in hours)
    rows = [r for h in hours if h["serviceHourType"] == "DaysOfTheWeek" for r in h["openingHour"]]
    assert any(r["to"] >= "20:00:00" for r in rows)
    assert {r["dayFrom"] for r in rows} >= {"Saturday", "Sunday"}
    lunch_breaks = [h for h in hours if Counter(r["dayFrom"] for r in h["openingHour"]).get("Monday", 0) == 2]
    assert lunch_breaks  # two ranges on one day are two rows with the same dayFrom


def test_holiday_closures_around_today(demo_records: Records) -> None:
    closed = Counter(h["validFrom"][:10] for c in locations(demo_records) for h in c["serviceHours"] if h["isClosed"])
    assert closed["2025-12-24"] > 20 and closed["2025-12-25"] > 20 and closed["2026-01-06"] > 20
    assert 0 < closed["2025-12-06"] < closed["2025-12-24"]  # a Saturday: only units open on Saturdays close
    assert "2025-11-01" not in closed  # All Saints' Day is already past
    shortened = [
        h for c in locations(demo_records) for h in c["serviceHours"] if h["validFrom"] == "2025-12-31T00:00:00"
    ]
    assert shortened and all(not h["isClosed"] and h["openingHour"][0]["to"] == "12:00:00" for h in shortened)


@pytest.mark.parametrize(
    ("year", "easter", "midsummer_eve", "all_saints"),
    [(2024, date(2024, 3, 31), date(2024, 6, 21), date(2024, 11, 2)), (2025, date(2025, 4, 20), date(2025, 6, 20),
     date(2025, 11, 1)), (2026, date(2026, 4, 5), date(2026, 6, 19), date(2026, 10, 31))],
)  # fmt: skip
def test_finnish_holiday_dates(year: int, easter: date, midsummer_eve: date, all_saints: date) -> None:
    assert ptv_feed.easter_sunday(year) == easter
    days = {h.fi: h.day for h in ptv_feed.finnish_holidays(year)}
    assert days["Pitkäperjantai"] == easter - timedelta(days=2)
    assert days["Helatorstai"] == easter + timedelta(days=39)
    assert days["Juhannusaatto"] == midsummer_eve
    assert days["Pyhäinpäivä"] == all_saints


def test_units_serve_in_swedish_where_swedish_is_spoken(demo_records: Records) -> None:
    here = [c for c in locations(demo_records) if municipality_of(c) in ("638", "753", "611")]
    assert sum("sv" in c["languages"] for c in here) >= 0.8 * len(here)
    assert any(c["languages"][0] == "sv" for c in here)


def test_most_units_have_entrance_accessibility_sentences(demo_records: Records) -> None:
    entrances = [c["addresses"][0]["entrances"] for c in locations(demo_records)]
    assert sum(bool(e) for e in entrances) >= 0.75 * len(entrances)
    sentences = [s for e in entrances for door in e for g in door["accessibilitySentences"] for s in g["sentences"]]
    assert len({s["sentence"][0]["value"] for s in sentences}) >= 10


def test_service_classes_and_target_groups_come_from_the_code_lists(demo_records: Records, shared_ptv: Path) -> None:
    codelists = shared_ptv / "codelists"
    classes = {
        c["Notation"]: c for c in json.loads((codelists / "ServiceClasses_ptvserclass2.json").read_text("utf-8"))
    }
    groups = {c["Notation"]: c for c in json.loads((codelists / "TargetGroups_ptvkohderyhmat.json").read_text("utf-8"))}
    for service in demo_records["services"]:
        assert service["serviceClasses"] and service["targetGroups"]
        for item, table in [(c, classes) for c in service["serviceClasses"]] + [
            (g, groups) for g in service["targetGroups"]
        ]:
            entry = table[item["code"]]
            names = {n["language"]: n["value"] for n in item["name"]}
            assert (names["fi"], names["sv"], names["en"]) == (
                entry["Label"]["Fi"],
                entry["Label"]["Sv"],
                entry["Label"]["En"],
            )
            assert item["uri"] == entry["Id"]
            broader = entry["BroaderUris"] or [None]
            assert item["parentUri"] == broader[0]


def test_records_refer_to_each_other(demo_records: Records) -> None:
    channels = {c["id"]: c for c in demo_records["channels"]}
    services = {s["id"]: s for s in demo_records["services"]}
    organisations = {o["id"]: o for o in demo_records["organizations"]}
    assert len(channels) + len(services) + len(organisations) == sum(len(v) for v in demo_records.values())
    links = set()
    for channel in channels.values():
        assert channel["organizationId"] in organisations
        for link in channel["services"]:
            assert services[link["service"]["id"]]["serviceNames"][0]["value"] == link["service"]["name"]
            links.add((channel["id"], link["service"]["id"]))
    assert links == {(c["serviceChannel"]["id"], s["id"]) for s in services.values() for c in s["serviceChannels"]}
    for service in services.values():
        roles = Counter(o["roleType"] for o in service["organizations"])
        assert roles["Responsible"] == 1 and roles["Producer"] >= 1
        for entry in service["organizations"]:
            assert entry["organization"]["id"] in organisations
            if entry["roleType"] == "Producer":
                expected = "Other" if service["serviceVouchersInUse"] else "SelfProducedServices"
                assert entry["provisionType"] == expected
        assert service["serviceVouchersInUse"] == bool(service["serviceVouchers"])
        listed = {(s["service"]["id"], s["roleType"]) for o in organisations.values() for s in o["services"]}
        assert {(service["id"], o["roleType"]) for o in service["organizations"]} <= listed


def test_providers_are_fictional_and_say_demo(demo_records: Records) -> None:
    for org in demo_records["organizations"]:
        names = " ".join(n["value"] for n in org["organizationNames"]).lower()
        assert not any(brand in names + " " for brand in REAL_BRANDS), names
        descriptions = [d for d in org["organizationDescriptions"] if d["type"] == "Description"]
        assert {d["language"] for d in descriptions if "(demo)" in d["value"]} == {"fi", "sv", "en"}
        assert ytunnus.is_valid(org["businessCode"]), org["businessCode"]
    for kind in ("channels", "organizations"):
        for record in demo_records[kind]:
            for mail in record.get("emails", []):
                assert mail["value"].endswith(".example"), mail
            for page in record.get("webPages", []):
                assert re.match(r"https://[a-z0-9.-]+\.example/", page["url"]), page


def test_the_v11_reader_reads_the_demo_feed_unchanged(demo_feed: FeedSummary) -> None:
    from adapters.ptv import read_feed

    feed = read_feed(demo_feed.out_dir)
    items = list(feed)
    report = feed.report
    assert report.rejected == [] and report.warnings == []
    assert report.counts == {
        "service_location": demo_feed.service_locations,
        "service": demo_feed.services,
        "organisation": demo_feed.organizations,
    }
    assert sum(report.skipped_channels.values()) == demo_feed.service_channels - demo_feed.service_locations
    assert len(items) == demo_feed.service_locations + demo_feed.services + demo_feed.organizations


def test_command_line_writes_feed_and_overlay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ptv_feed.main([str(tmp_path / "feed"), "--today", "2025-11-20", "--overlay", str(tmp_path / "o.csv")]) == 0
    assert sorted(p.name for p in (tmp_path / "feed").iterdir()) == [
        "channels-0001.json",
        "organizations-0001.json",
        "services-0001.json",
    ]
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").startswith("channel_id,")
    assert "59 service locations" in capsys.readouterr().out
