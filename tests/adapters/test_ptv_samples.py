"""Every real PTV sample in shared/ptv goes through the reader; concrete values are checked against the files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pyproj import Transformer

from adapters.ptv import FeedError, Organisation, Service, ServiceLocation, read_feed
from adapters.ptv.model import HELSINKI

TERVEYSASEMA = "0001a1c4-6273-424f-8d17-2ac62be89741"
VELKUA = "32833c27-7d41-4267-800a-a9a888b513b7"
LUKIO = "abac25e1-bd15-4c1a-b22e-9d9a705d9220"
PAIVAKOTI = "1bd39cda-3006-482e-acff-93ab8ddc9f1b"
KRIISI = "9f242076-de0b-4c58-810e-aac4979d71fa"
TYP = "5fe23177-860c-4257-ac03-b4cdeab87d19"
VAASA = "7fdd7f84-e52a-4c17-a59a-d7c2a3095ed5"


def by_id(items: list) -> dict:
    return {item.id: item for item in items}


def assert_is_point_of(lat: float, lon: float, northing: float, easting: float) -> None:
    """Project the WGS84 result back to TM35FIN with a separately built transformer: it must land on the input."""
    back = Transformer.from_crs("EPSG:4326", "EPSG:3067")  # authority axis order: (lat, lon) -> (easting, northing)
    east, north = back.transform(lat, lon)
    assert north == pytest.approx(northing, abs=1.0)
    assert east == pytest.approx(easting, abs=1.0)


# The real response samples (v11 pages and v9 single records), as paths relative to shared/ptv.
REAL_SAMPLES = sorted(
    f"{folder}/{p.name}"
    for folder in ("smbackend", "kunta-api-server")
    for p in (Path(__file__).resolve().parents[2].parent / "shared" / "ptv" / folder).glob("*.json")
)


def test_all_real_samples_are_found() -> None:
    assert len(REAL_SAMPLES) == 10


@pytest.mark.parametrize("relative", REAL_SAMPLES)
def test_every_real_sample_file_imports_without_rejections(ptv_samples: Path, relative: str) -> None:
    feed = read_feed(ptv_samples / relative)
    items = list(feed)
    assert items
    assert feed.report.rejected == []
    assert sum(feed.report.counts.values()) == len(items)


def test_smbackend_channel_page(ptv_samples: Path) -> None:
    feed = read_feed(ptv_samples / "smbackend" / "municipality_channels.json")
    items = by_id(list(feed))
    assert feed.report.counts == {"service_location": 2}
    assert feed.report.skipped_channels == {"Phone": 1}
    assert feed.report.warnings == []

    place = items[TERVEYSASEMA]
    assert isinstance(place, ServiceLocation)
    assert place.organisation_id == "00022b78-dd97-4a66-8846-68b179d983e0"
    assert place.names.resolve("fi") == ("Terveysasema", "fi")
    assert place.names.resolve("sv") == ("Hälsostationen", "sv")
    assert place.names.resolve("en") == ("Terveysasema", "fi")  # no English name: Finnish is next
    assert place.summary.fi == "Terveysasema palvelee sairaustapauksissa."
    address = place.visiting_address
    assert address is not None
    assert (address.street.fi, address.street_number, address.postal_code) == ("Testitie", "13", "12345")
    assert address.post_office.fi == "TESTIKUNTA"
    assert address.post_office.sv is None  # the sample has "sms" (Skolt Sami) and en, not sv: sms is dropped
    assert address.municipality is not None
    assert (address.municipality.code, address.municipality.names.fi) == ("1", "Testikunta")
    assert place.latitude == pytest.approx(60.6324, abs=0.001)
    assert place.longitude == pytest.approx(22.5744, abs=0.001)
    assert_is_point_of(place.latitude, place.longitude, 6730000.0, 258000.0)
    assert [(p.number, p.info, p.charge_type) for p in place.phones] == [
        ("+358101010100", "Asiakaspalvelu", "Chargeable")
    ]
    assert [e.address for e in place.emails] == ["test-email@test.fi"]
    assert [(w.url, w.title) for w in place.web_pages] == [("https://www.testpage.fi", "Web page of the service")]
    assert place.languages == ("fi",)
    assert place.service_ids == ("0008afc0-182c-4580-ba73-7472287f4d63", "00096585-c0c8-41a7-8345-07e35afde1b6")
    assert [c.name for c in place.connections] == ["Hammaslääkäri", "Neuvolapalvelut"]
    assert place.publishing_status == "Published"
    assert place.modified is not None and place.modified.isoformat() == "2020-03-04T14:07:04.840483+00:00"

    # Hours: Wednesday 08-16 and Friday 08-14 only. 2024-05-15 is a Wednesday.
    assert place.hours.is_open(datetime(2024, 5, 15, 9, 0, tzinfo=HELSINKI))
    assert not place.hours.is_open(datetime(2024, 5, 15, 16, 0, tzinfo=HELSINKI))
    assert not place.hours.is_open(datetime(2024, 5, 16, 9, 0, tzinfo=HELSINKI))  # Thursday
    assert place.hours.is_open(datetime(2024, 5, 17, 13, 59, tzinfo=HELSINKI))
    assert not place.hours.is_open(datetime(2024, 5, 17, 14, 30, tzinfo=HELSINKI))
    friday = place.hours.hours_on(datetime(2024, 5, 17).date())
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in friday.intervals] == [("08:00", "14:00")]
    assert friday.info.fi == "Normaalit palveluajat"


def test_smbackend_directory_reports_the_duplicate_and_keeps_the_first_copy(ptv_samples: Path) -> None:
    feed = read_feed(ptv_samples / "smbackend")
    items = by_id(list(feed))
    report = feed.report
    assert report.counts == {"service_location": 3, "service": 2}
    assert report.skipped_channels == {"Phone": 1}
    assert [(d.kind, d.id) for d in report.duplicates] == [("service_location", TERVEYSASEMA)]
    assert "municipality_channels_2.json" in report.duplicates[0].status
    # municipality_channels.json sorts first, so its Wednesday/Friday hours are the ones kept.
    assert not items[TERVEYSASEMA].hours.is_open(datetime(2024, 5, 13, 9, 0, tzinfo=HELSINKI))
    assert items["0009b6a3-ff15-47cd-a461-48f5c452d9be"].names.fi == "Terveyskeskus"


def test_smbackend_second_page_has_weekday_hours(ptv_samples: Path) -> None:
    (place,) = read_feed(ptv_samples / "smbackend" / "municipality_channels_2.json")
    assert isinstance(place, ServiceLocation)
    monday = place.hours.hours_on(datetime(2024, 5, 13).date())
    assert [(s.hour, e.hour) for s, e in monday.intervals] == [(8, 16)]
    assert place.hours.hours_on(datetime(2024, 5, 18).date()).intervals == ()  # Saturday


def test_smbackend_services_page(ptv_samples: Path) -> None:
    items = by_id(list(read_feed(ptv_samples / "smbackend" / "municipality_services.json")))
    dentist = items["0008afc0-182c-4580-ba73-7472287f4d63"]
    assert isinstance(dentist, Service)
    assert dentist.names.fi == "Hammaslääkäri"
    assert dentist.summary.fi == "Suun ja hampaiden terveydenhuolto."
    assert [c.names.fi for c in dentist.service_classes] == ["Suun ja hampaiden terveydenhuolto"]
    assert dentist.class_codes == ()  # the anonymised sample has no code or uri on its classes
    assert dentist.funding_type == "PubliclyFunded"
    assert dentist.vouchers_in_use is False
    assert [(c.channel_id, c.name) for c in dentist.connections] == [(TERVEYSASEMA, "Terveysasema")]
    assert dentist.area_municipalities == ("1",)


def test_kunta_api_server_v9_records(ptv_samples: Path) -> None:
    feed = read_feed(ptv_samples / "kunta-api-server")
    items = by_id(list(feed))
    report = feed.report
    assert report.counts == {"service_location": 3, "service": 2, "organisation": 1}
    assert report.rejected == [] and report.removed == [] and report.duplicates == []

    velkua = items[VELKUA]
    assert isinstance(velkua, ServiceLocation)
    assert velkua.names.fi == "Velkuan kouluterveydenhoitajan vastaanotto"
    assert velkua.names.resolve("sv") == ("Velkuan kouluterveydenhoitajan vastaanotto", "fi")
    address = velkua.visiting_address
    assert address is not None
    assert (address.street.fi, address.street_number, address.postal_code) == ("Palvan koulutie", "9", "21195")
    # streetAddress.municipality is null in the file: it is taken from the channel's only area, Naantali.
    assert address.municipality is not None
    assert (address.municipality.code, address.municipality.names.fi, address.municipality.names.sv) == (
        "529",
        "Naantali",
        "Nådendal",
    )
    assert velkua.latitude == pytest.approx(60.4653, abs=0.001)
    assert velkua.longitude == pytest.approx(21.6657, abs=0.001)
    assert_is_point_of(velkua.latitude, velkua.longitude, 6715111.963, 206871.995)
    assert [p.number for p in velkua.phones] == ["+358409000864"]
    assert [c.name for c in velkua.connections] == [
        "Kouluterveydenhuollon palvelut",
        "Rokotuspalvelut",
        "Perusopetuksen oppilashuolto",
    ]
    assert not velkua.hours

    lukio = items[LUKIO]
    assert isinstance(lukio, ServiceLocation)
    assert lukio.coordinates is None  # "0"/"0", coordinateState NotReceived
    assert lukio.visiting_address is not None and lukio.visiting_address.street.fi == "Vadstenanpolku"
    assert [(a.po_box.fi, a.postal_code, a.post_office.fi) for a in lukio.postal_addresses] == [
        ("PL 43", "21101", "NAANTALI")
    ]
    assert [p.info for p in lukio.phones] == ["Rehtori", "Apulaisrehtori", "Koulusihteeri"]
    assert len(lukio.web_pages) == 4

    paivakoti = items[PAIVAKOTI]
    assert isinstance(paivakoti, ServiceLocation)
    assert [(a.street.fi, a.street_number) for a in paivakoti.addresses] == [
        ("Mannerheiminkatu", "14"),
        ("Kaivokatu", "9"),
    ]
    assert paivakoti.addresses[0].info.fi == "Käynti Alikadun puolelta."
    assert_is_point_of(paivakoti.addresses[1].latitude, paivakoti.addresses[1].longitude, 6713925.933, 226321.604)

    kriisi = items[KRIISI]
    assert isinstance(kriisi, Service)
    assert kriisi.names.fi == "Päivystävän kriisiryhmän palvelut"
    assert kriisi.names.sv == "Krisgruppens jour"
    assert kriisi.alternative_names.fi == "Kriisiryhmän päivystys"
    assert kriisi.class_codes == ("P5.7",)
    assert kriisi.class_uris == ("http://urn.fi/URN:NBN:fi:au:ptvl:v1045",)
    assert kriisi.target_group_codes == ("KR1",)
    assert kriisi.charge_type == "FreeOfCharge"
    assert kriisi.responsible_organisation_ids == (VAASA,)
    assert [(p.organisation_id, p.provision_type) for p in kriisi.producers] == [(VAASA, "SelfProducedServices")]
    assert kriisi.vouchers_in_use is False

    typ = items[TYP]
    assert isinstance(typ, Service)
    assert [(p.organisation_id, p.provision_type) for p in typ.producers] == [(None, "Other")]
    assert "P4.13" in typ.class_codes

    vaasa = items[VAASA]
    assert isinstance(vaasa, Organisation)
    assert (vaasa.names.fi, vaasa.names.sv, vaasa.names.en) == ("Vaasan kaupunki", "Vasa stad", "City of Vaasa")
    assert (vaasa.business_code, vaasa.organisation_type) == ("0209602-6", "Municipality")
    assert vaasa.municipality is not None and vaasa.municipality.code == "905"
    assert vaasa.addresses[0].street.sv == "Vasaesplanaden"
    assert vaasa.addresses[0].latitude == pytest.approx(63.0941, abs=0.001)
    assert {p.number for p in vaasa.phones} == {"+35863251111"}

    # What the v9 files hold that cannot be read is reported, record by record.
    reasons = {(w.record_id, w.field): w.reason for w in report.warnings}
    assert "taken from the record's area (529)" in reasons[(VELKUA, "addresses[0].streetAddress.municipality")]
    assert "ignored on a 'Single' address" in reasons[(VELKUA, "addresses[0].otherAddress")]
    assert "unknown display name type 'type'" in reasons[(LUKIO, "displayNameType[0].type")]
    assert "unknown serviceHourType 'serviceHourType'" in reasons[(KRIISI, "serviceChannels[0].serviceHours[0]")]
    assert "not an e-mail address" in reasons[(TYP, "serviceChannels[1].contactDetails.emails[0].value")]


def test_schema_skeletons(ptv_samples: Path) -> None:
    folder = ptv_samples / "ptv-releases-schema-skeletons"
    # The skeletons' placeholder publishingStatus "string" is not Published: reported as removed. The location
    # skeleton's serviceChannelType is "string" too, so it is reported as a removed channel of unknown type.
    feed = read_feed(folder / "V11VmOpenApiServiceLocationChannel.json")
    assert list(feed) == []
    assert [(r.kind, r.id, r.status) for r in feed.report.removed] == [
        ("channel", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "string")
    ]
    feed = read_feed(folder / "V11VmOpenApiService.json")
    assert list(feed) == []
    assert [(r.kind, r.status) for r in feed.report.removed] == [("service", "string")]
    # The organisation skeleton carries // comments (SOTE lines commented out in DVV's source): not JSON.
    with pytest.raises(FeedError, match=r"V10VmOpenApiOrganization\.json: invalid JSON at line 218 column 3"):
        list(read_feed(folder))
