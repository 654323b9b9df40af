"""Edge cases of the v11 reader, built by varying the real "Terveysasema" record."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.ptv import RecordError, link_producers, read_feed
from adapters.ptv.model import LocalizedText, Producer, Service, ServiceLocation
from adapters.ptv.v11 import parse_record


def street(location: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = location["addresses"][0]["streetAddress"]
    return result


def parse_location(record: dict[str, Any]) -> tuple[ServiceLocation, dict[str, str]]:
    parsed = parse_record(record)
    assert isinstance(parsed.item, ServiceLocation)
    return parsed.item, {w.field: w.reason for w in parsed.warnings}


@pytest.mark.parametrize(
    ("latitude", "longitude", "warned"),
    [
        ("0", "0", False),  # PTV's "not geocoded"
        ("", "", False),
        (None, None, False),
        ("0.0", "0", False),
        ("abc", "def", True),
        ("61.6887", "27.2721", True),  # WGS84 degrees in the TM35FIN fields
        ("258000.000", "6730000.000", True),  # northing and easting swapped
        ("6730000.000", "0", True),  # half a point
        ("9999999", "258000", True),  # north of Finland
        ("6730000", "-258000", True),
        ("NaN", "inf", True),
    ],
)
def test_unusable_coordinates_mean_no_point(
    location: dict[str, Any], latitude: Any, longitude: Any, warned: bool
) -> None:
    street(location)["latitude"] = latitude
    street(location)["longitude"] = longitude
    place, warnings = parse_location(location)
    assert place.coordinates is None
    assert place.latitude is None and place.longitude is None
    assert ("addresses[0].streetAddress.latitude" in warnings) is warned


def test_missing_coordinate_keys_mean_no_point(location: dict[str, Any]) -> None:
    del street(location)["latitude"], street(location)["longitude"]
    place, warnings = parse_location(location)
    assert place.coordinates is None and warnings == {}


def test_coordinates_come_from_the_first_address_that_has_them(location: dict[str, Any]) -> None:
    second = json.loads(json.dumps(location["addresses"][0]))
    second["streetAddress"].update(latitude="6715111.963", longitude="206871.995", streetNumber="15")
    street(location)["latitude"] = "0"
    location["addresses"].append(second)
    place, _ = parse_location(location)
    assert [a.street_number for a in place.addresses] == ["13", "15"]
    assert place.visiting_address is not None and place.visiting_address.latitude is None
    assert place.latitude == pytest.approx(60.4653, abs=0.001)


def test_localized_text_fallback_order() -> None:
    assert LocalizedText(sv="Hälsostationen").resolve("fi") == ("Hälsostationen", "sv")
    assert LocalizedText(en="Health station").resolve("sv") == ("Health station", "en")
    assert LocalizedText(fi="Terveysasema", sv="Hälsostationen").resolve("en") == ("Terveysasema", "fi")
    assert LocalizedText(sv="Hälsostationen", en="Health station").resolve("fi") == ("Hälsostationen", "sv")
    assert LocalizedText(fi="Terveysasema", en="Health station").resolve("en") == ("Health station", "en")
    assert LocalizedText(fi="Terveysasema").resolve("se") == ("Terveysasema", "fi")  # Sami: not published
    assert LocalizedText().resolve("fi") is None
    assert LocalizedText().text("fi", "-") == "-"
    assert not LocalizedText() and LocalizedText(en="x")


def test_swedish_only_and_english_only_names(location: dict[str, Any]) -> None:
    location["serviceChannelNames"] = [
        {"language": "sv", "value": "Hälsostationen", "type": "Name"},
        {"language": "se", "value": "Dearvvašvuođaguovddáš", "type": "Name"},
    ]
    place, _ = parse_location(location)
    assert place.names == LocalizedText(sv="Hälsostationen")
    assert place.display_name("fi") == "Hälsostationen"
    location["serviceChannelNames"] = [{"language": "en", "value": "Health station", "type": "Name"}]
    place, _ = parse_location(location)
    assert place.names.resolve("fi") == ("Health station", "en")


def test_alternative_names_and_display_name_type(location: dict[str, Any]) -> None:
    location["serviceChannelNames"].append({"language": "sv", "value": "Vårdcentralen", "type": "AlternativeName"})
    location["displayNameType"] = [{"type": "Name", "language": "fi"}, {"type": "AlternativeName", "language": "sv"}]
    place, _ = parse_location(location)
    assert place.alternative_names == LocalizedText(sv="Vårdcentralen")
    assert place.display_name("sv") == "Vårdcentralen"
    assert place.display_name("fi") == "Terveysasema"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (lambda r: r.pop("id"), "id", "missing"),
        (lambda r: r.update(id="not-a-guid"), "id", "not a GUID: 'not-a-guid'"),
        (lambda r: r.update(id=42), "id", "not a GUID: '42'"),
        (lambda r: r.update(serviceChannelNames=[]), "serviceChannelNames", "no name in Finnish, Swedish or English"),
        (lambda r: r.pop("serviceChannelNames"), "serviceChannelNames", "no name"),
        (lambda r: r.pop("organizationId"), "organizationId", "missing"),
        (lambda r: r.update(addresses={"type": "Location"}), "addresses", "expected a list, got an object"),
        (
            lambda r: r["addresses"][0]["streetAddress"].update(municipality="Helsinki"),
            "addresses[0].streetAddress.municipality",
            "expected an object, got a string",
        ),
        (
            lambda r: r["addresses"][0]["streetAddress"].update(postalCode=["00100"]),
            "addresses[0].streetAddress.postalCode",
            "expected a string, got a list",
        ),
        (lambda r: r["serviceHours"][0].update(isClosed="no"), "serviceHours[0].isClosed", "expected true or false"),
        (lambda r: r["services"][1].update(service="x"), "services[1].service", "expected an object"),
    ],
)
def test_invalid_records_raise_record_error_with_the_field_path(
    location: dict[str, Any], change: Callable[[dict[str, Any]], Any], field: str, reason: str
) -> None:
    change(location)
    with pytest.raises(RecordError) as caught:
        parse_record(location)
    assert caught.value.field == field
    assert reason in caught.value.reason
    expected_id = location.get("id") if isinstance(location.get("id"), str) else None
    assert caught.value.record_id == expected_id


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("just a string", "must be a JSON object"),
        ({"id": "0001a1c4-6273-424f-8d17-2ac62be89741", "name": "Terveysasema"}, "GUID-list item"),
        ({"id": "0001a1c4-6273-424f-8d17-2ac62be89741", "title": "?"}, "not a channel, service or organisation"),
    ],
)
def test_records_that_are_not_ptv_objects(record: Any, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        parse_record(record)


def test_feed_rejects_bad_records_one_by_one_and_keeps_the_rest(
    load_sample: Callable[[str], Any], write_json: Callable[[str, Any], Path]
) -> None:
    page = load_sample("smbackend/municipality_channels.json")
    page["itemList"][0]["serviceChannelNames"] = []
    page["itemList"].insert(1, {"id": "bad"})
    feed = read_feed(write_json("page.json", page))
    items = list(feed)
    assert [i.id for i in items] == ["00006fe3-7df2-409e-9cd6-cce4bf4338b1"]
    assert [(e.record_id, e.field, e.origin) for e in feed.report.rejected] == [
        ("0001a1c4-6273-424f-8d17-2ac62be89741", "serviceChannelNames", f"{feed.source} itemList[0]"),
        ("bad", "id", f"{feed.source} itemList[1]"),
    ]
    assert "page.json itemList[1]" in str(feed.report.rejected[1])


def test_other_channel_types_are_skipped_and_counted(
    location: dict[str, Any], write_json: Callable[[str, Any], Path]
) -> None:
    records = []
    for i, kind in enumerate(["EChannel", "WebPage", "PrintableForm", "Phone", "Phone", "Hologram", "ServiceLocation"]):
        record = json.loads(json.dumps(location))
        record["id"] = f"00000000-0000-0000-0000-{i:012d}"
        record["serviceChannelType"] = kind
        records.append(record)
    feed = read_feed(write_json("mixed.json", records))
    assert [i.id for i in feed] == ["00000000-0000-0000-0000-000000000006"]
    assert feed.report.skipped_channels == {"EChannel": 1, "WebPage": 1, "PrintableForm": 1, "Phone": 2, "Hologram": 1}
    assert feed.report.rejected == []


@pytest.mark.parametrize("status", ["Deleted", "Archived", "Withdrawn", "Modified", "Draft"])
def test_unpublished_records_are_reported_as_removed(
    location: dict[str, Any], write_json: Callable[[str, Any], Path], status: str
) -> None:
    location["publishingStatus"] = status
    location["serviceChannelNames"] = []  # a removed record need not be complete
    feed = read_feed(write_json("removed.json", [location]))
    assert list(feed) == []
    assert feed.report.removed_ids() == {location["id"]}
    assert [(r.kind, r.status) for r in feed.report.removed] == [("service_location", status)]


def test_entrances_with_accessibility_sentences_and_map_point_addresses(location: dict[str, Any]) -> None:
    sentence = {"sentence": [{"value": "Sisäänkäynnillä on luiska.", "language": "fi"}]}
    location["addresses"][0]["entrances"] = [
        {
            "name": [{"value": "Pääovi", "language": "fi"}],
            "isMainEntrance": True,
            "coordinates": {"latitude": "6730010", "longitude": "258010"},
            "contactInfo": None,
            "accessibilitySentences": [
                {"sentenceGroup": [{"value": "Sisäänkäynti", "language": "fi"}], "sentences": [sentence]}
            ],
        }
    ]
    location["addresses"].append(
        {
            "type": "Location",
            "subType": "Other",
            "streetAddress": None,
            "otherAddress": {"latitude": "6715111.963", "longitude": "206871.995", "postalCode": "21195"},
        }
    )
    place, warnings = parse_location(location)
    assert warnings == {}
    (entrance,) = place.addresses[0].entrances
    assert entrance.is_main and entrance.names.fi == "Pääovi"
    assert entrance.latitude == pytest.approx(60.6325, abs=0.001)
    assert [(s.group.fi, s.text.fi) for s in entrance.accessibility] == [("Sisäänkäynti", "Sisäänkäynnillä on luiska.")]
    map_point = place.addresses[1]
    assert map_point.street.fi is None and map_point.postal_code == "21195"
    assert map_point.longitude == pytest.approx(21.6657, abs=0.001)


def test_service_vouchers_and_producers(load_sample: Callable[[str], Any], location: dict[str, Any]) -> None:
    raw = load_sample("kunta-api-server/9f242076-de0b-4c58-810e-aac4979d71fa.json")
    raw["id"] = location["services"][0]["service"]["id"]
    raw["serviceVouchersInUse"] = True
    raw["serviceVouchers"] = [
        {
            "value": "Palveluseteli",
            "language": "fi",
            "url": "https://example.fi/tuottajat",
            "additionalInformation": None,
        }
    ]
    raw["organizations"].append(
        {
            "organization": {"id": "00022b78-dd97-4a66-8846-68b179d983e0", "name": "Yritys Oy"},
            "roleType": "Producer",
            "provisionType": "ProcuredServices",
            "additionalInformation": [],
        }
    )
    raw["organizations"].append(
        {
            "organization": None,
            "roleType": "Producer",
            "provisionType": "PurchaseServices",
            "additionalInformation": [{"value": "Hammaslääkäri X", "language": "fi"}],
        }
    )
    parsed = parse_record(raw)
    service = parsed.item
    assert isinstance(service, Service)
    assert service.vouchers_in_use
    assert [(v.name, v.url) for v in service.vouchers] == [("Palveluseteli", "https://example.fi/tuottajat")]
    assert [p.provision_type for p in service.producers] == [
        "SelfProducedServices",
        "ProcuredServices",
        "PurchaseServices",
    ]
    assert service.producers[2] == Producer(None, "PurchaseServices", None, LocalizedText(fi="Hammaslääkäri X"))
    assert any(w.field == "organizations[3].provisionType" for w in parsed.warnings)  # the internal enum name

    place, _ = parse_location(location)
    linked = link_producers(place, {service.id: service})
    assert linked.producers == service.producers
    assert place.producers == ()  # frozen: the original is unchanged
