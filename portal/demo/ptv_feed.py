"""A deterministic demo catalogue in the exact shape of the PTV Open API v11, for the nine pilot municipalities.

PTV publishes organisations, services and service locations ("service channels") as JSON pages. This module writes
the same pages for an invented catalogue of the Uusimaa freedom-of-choice pilot: public sote centres and dental
units of the organiser, private companies and associations, and voucher providers for home care, home nursing,
24-hour service housing and dental prosthetics. Municipality codes, names and postal codes are real; every
provider, phone number and address number is invented, e-mail and web addresses use the reserved `.example`
domain, and every organisation description says "(demo)".

The output is a flat directory of page files, as the API's `list` endpoints return them
(`{"pageNumber", "pageSize": 100, "pageCount", "itemList"}`)::

    channels-0001.json        ServiceLocation channels (+ one Phone channel, as real pages mix channel types)
    organizations-0001.json   organisations (the organisation model is V10 inside v11)
    services-0001.json        services

Flat, because a reader takes a directory's *.json files in name order and nothing else: keep other JSON (such as
the organiser overlay) out of the feed directory.

Conventions a reader can rely on (all taken from the real v11 samples and the v11 key inventories):

* Coordinates are EPSG:3067 (ETRS-TM35FIN) metres as strings: `latitude` is the northing, `longitude` the easting.
  Two units deliberately lack coordinates: one as "0"/"0" with coordinateState "NotReceived" (as in real data),
  one as null/null with "Failed".
* Weekly hours are `DaysOfTheWeek` with one openingHour row per day and `dayTo` "" (a lunch break is two rows);
  `isAlwaysOpen` and `isReservation` entries have no rows; night home nursing is `OverMidnight` with dayFrom/from
  and dayTo/to spanning midnight. Holiday closures are `Exceptional` with `isClosed` true, dates as local
  "YYYY-MM-DDT00:00:00", `validTo` the last day included (the same day for a one-day closure), and the holiday's
  name in `additionalInformation`; New Year's Eve is a shortened day (`isClosed` false, one row).
* Vouchers are marked on Services only (`serviceVouchersInUse`, `serviceVouchers`); their producers appear in
  `organizations[]` with roleType "Producer" and provisionType "Other".

Nothing depends on the wall clock: `today` is an argument (holiday closures and `modified` stamps follow it) and all
randomness comes from `random.Random` seeded with the seed and a stable key per record, so ids stay the same when
`today` changes and one record's data does not shift when another is added.

The record builders (`service_location_channel`, `service_record`, `organization_record`, `weekly_hours` ...) are
public so that `bench.national_feed` builds its national-scale feed from the same code.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

PAGE_SIZE = 100  # the full-data list endpoints are hard-coded to 100 items a page
DEFAULT_SEED = 2019  # the year the pilot started
TEXT_LANGUAGES = ("fi", "sv", "en")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOLIDAY_WINDOW_DAYS = 150  # exceptional hours are published for holidays this far ahead (covers the longest gap)

CHANNEL_PAGES = "channels"
SERVICE_PAGES = "services"
ORGANIZATION_PAGES = "organizations"

# Kinds and voucher services use the organiser overlay's vocabulary (adapters.overlay).
SOTE_CENTRE = "sote_centre"
DENTAL_UNIT = "dental_unit"
VOUCHER_PROVIDER = "voucher_provider"

_ID_NAMESPACE = uuid.UUID("6f1d3c2e-8a4b-4f55-9b1e-2c7d0e5a9f31")
_CLASS_URI = "http://uri.suomi.fi/codelist/ptv/ptvserclass2/code/"
_TARGET_URI = "http://uri.suomi.fi/codelist/ptv/ptvkohderyhmat/code/"

Texts = Mapping[str, str]  # language code -> text
Json = dict[str, Any]


# ---------------------------------------------------------------------------------------------------------------
# Code lists: the few service classes (ptvserclass2) and target groups (ptvkohderyhmat) the catalogue uses,
# labels verbatim from the code list files.

SERVICE_CLASSES: dict[str, Texts] = {
    "P4": {"fi": "Sosiaalipalvelut", "sv": "Socialtjänster", "en": "Social services"},
    "P4.1": {"fi": "Asumispalvelut", "sv": "Boendetjänster", "en": "Housing services"},
    "P4.2": {"fi": "Vanhusten palvelut", "sv": "Äldretjänster", "en": "Services for older people"},
    "P4.3": {"fi": "Kotihoito ja kotipalvelut", "sv": "Hemvård och hemservice", "en": "Home care and home services"},
    "P4.13": {
        "fi": "Sosiaalipalvelujen neuvonta- ja ohjauspalvelut",
        "sv": "Socialtjänsternas rådgivnings- och handledningstjänster",
        "en": "Social service advisory and guidance services",
    },
    "P5": {
        "fi": "Terveydenhuolto, sairaanhoito ja ravitsemus",
        "sv": "Hälso- och sjukvård, näring",
        "en": "Health and medical care, nutrition",
    },
    "P5.1": {"fi": "Perusterveydenhuolto", "sv": "Primärvård", "en": "Primary health care"},
    "P5.10": {
        "fi": "Suun ja hampaiden terveydenhuolto",
        "sv": "Mun- och tandhälsovård",
        "en": "Oral and dental health care",
    },
    "P5.14": {
        "fi": "Kotisairaanhoito ja omaishoito",
        "sv": "Hemsjukvård och närståendevård",
        "en": "Home nursing and informal care",
    },
}

TARGET_GROUPS: dict[str, Texts] = {
    "KR1": {"fi": "Kansalaiset", "sv": "Medborgare", "en": "Citizens"},
    "KR1.1": {"fi": "Ikäihmiset", "sv": "De äldre", "en": "Seniors"},
    "KR1.6": {"fi": "Vammaiset", "sv": "Handikappade", "en": "Disabled people"},
}


# ---------------------------------------------------------------------------------------------------------------
# Small helpers


def stable_id(*parts: object) -> str:
    """A GUID that depends only on `parts` (uuid5), so ids survive changes elsewhere in the catalogue."""
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(str(p) for p in parts)))


def random_id(rng: random.Random) -> str:
    """A version-4-shaped GUID drawn from `rng` (faster than `stable_id` for bulk feeds)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def business_code(rng: random.Random) -> str:
    """A Finnish business ID (Y-tunnus) with a valid check digit: seven digits, '-', check digit."""
    weights = (7, 9, 10, 5, 8, 4, 2)
    while True:
        digits = [rng.randrange(10) for _ in range(7)]
        if digits[0] == 0:
            continue
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder == 1:  # no valid check digit exists for these seven digits
            continue
        check = 0 if remainder == 0 else 11 - remainder
        return "".join(map(str, digits)) + f"-{check}"


def timestamp(moment: datetime) -> str:
    """PTV's `modified` format: UTC, microseconds, no zone suffix ("2020-03-04T14:07:04.840483")."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def modified_before(today: date, rng: random.Random, max_days: int = 400) -> str:
    day = today - timedelta(days=rng.randint(2, max_days))
    moment = datetime(day.year, day.month, day.day, rng.randint(6, 17), rng.randrange(60), rng.randrange(60))
    return timestamp(moment.replace(microsecond=rng.randrange(1_000_000)))


def local_midnight(day: date) -> str:
    """A local date as PTV writes service-hour validity ("2025-12-24T00:00:00")."""
    return f"{day.isoformat()}T00:00:00"


def hms(clock: str) -> str:
    """'8:00' or '08:00' -> '08:00:00', the form openingHour times take in v11 output."""
    hours, minutes = clock.split(":")
    return f"{int(hours):02d}:{int(minutes):02d}:00"


def coordinate(value: float) -> str:
    """EPSG:3067 metres as PTV writes them: a string with three decimals."""
    return f"{value:.3f}"


def ascii_slug(text: str) -> str:
    table = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "a", "Ö": "o", "Å": "a", " ": "-", ",": ""})
    return text.translate(table).lower()


@cache
def _to_tm35fin() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)


def wgs84_to_tm35fin(lat: float, lon: float) -> tuple[float, float]:
    """(easting, northing) in EPSG:3067 for a WGS84 point."""
    easting, northing = _to_tm35fin().transform(lon, lat)
    return easting, northing


def jitter(rng: random.Random, easting: float, northing: float, radius_m: float) -> tuple[float, float]:
    """A point uniformly inside a circle of `radius_m` around (easting, northing)."""
    angle = rng.uniform(0, 2 * math.pi)
    distance = radius_m * math.sqrt(rng.random())
    return easting + distance * math.cos(angle), northing + distance * math.sin(angle)


def _ordered(texts: Texts) -> list[tuple[str, str]]:
    order = {lang: i for i, lang in enumerate(TEXT_LANGUAGES)}
    return sorted(((k, v) for k, v in texts.items() if v is not None), key=lambda kv: (order.get(kv[0], 99), kv[0]))


# ---------------------------------------------------------------------------------------------------------------
# Record builders (v11 key order, as the API serialises it)


def localized(texts: Texts | None) -> list[Json]:
    """`[{"value", "language"}]`, the shape of streets, post offices, additional information ..."""
    return [{"value": value, "language": lang} for lang, value in _ordered(texts or {})]


def typed_texts(texts: Texts | None, type_: str) -> list[Json]:
    """`[{"language", "value", "type"}]`, the shape of names and descriptions."""
    return [{"language": lang, "value": value, "type": type_} for lang, value in _ordered(texts or {})]


def descriptions(summary: Texts, description: Texts) -> list[Json]:
    """Summary and Description per language, fi first."""
    out: list[Json] = []
    for lang, _ in _ordered({**summary, **description}):
        if lang in summary:
            out.append({"language": lang, "value": summary[lang], "type": "Summary"})
        if lang in description:
            out.append({"language": lang, "value": description[lang], "type": "Description"})
    return out


def municipality_ref(code: str, names: Texts) -> Json:
    return {"code": code, "name": localized(names)}


def municipality_areas(municipalities: Sequence[Json]) -> list[Json]:
    """`areas` for areaType LimitedType: one Municipality area listing the municipality references."""
    return [{"type": "Municipality", "code": None, "name": None, "municipalities": list(municipalities)}]


def street_address(
    *,
    street: Texts,
    street_number: str,
    postal_code: str,
    post_office: Texts,
    municipality: Json | None,
    latitude: str | None,
    longitude: str | None,
    coordinate_state: str = "Ok",
    additional_information: Texts | None = None,
) -> Json:
    return {
        "street": localized(street),
        "streetNumber": street_number,
        "postalCode": postal_code,
        "postOffice": localized(post_office),
        "municipality": municipality,
        "additionalInformation": localized(additional_information),
        "latitude": latitude,
        "longitude": longitude,
        "coordinateState": coordinate_state,
    }


def location_address(street: Json, entrances: Sequence[Json] = ()) -> Json:
    """A channel's visiting address: type Location, subType Single."""
    return {
        "type": "Location",
        "subType": "Single",
        "postOfficeBoxAddress": None,
        "streetAddress": street,
        "otherAddress": None,
        "locationAbroad": None,
        "entrances": list(entrances),
        "country": "FI",
    }


def post_office_box_address(*, box: Texts, postal_code: str, post_office: Texts, municipality: Json | None) -> Json:
    """A channel's postal address: type Postal, subType PostOfficeBox."""
    return {
        "type": "Postal",
        "subType": "PostOfficeBox",
        "postOfficeBoxAddress": {
            "postOfficeBox": localized(box),
            "postalCode": postal_code,
            "postOffice": localized(post_office),
            "municipality": municipality,
            "additionalInformation": [],
        },
        "streetAddress": None,
        "otherAddress": None,
        "locationAbroad": None,
        "entrances": [],
        "country": "FI",
    }


def visiting_address(street: Json) -> Json:
    """An organisation's visiting address (the V10 organisation address shape)."""
    return {
        "type": "Visiting",
        "subType": "Street",
        "postOfficeBoxAddress": None,
        "streetAddress": street,
        "otherAddress": None,
        "foreignAddress": None,
        "country": "FI",
    }


AccessibilityGroup = tuple[Texts, Sequence[Texts]]  # (group heading, sentences)


def entrance(
    *,
    name: Texts,
    latitude: str | None,
    longitude: str | None,
    groups: Sequence[AccessibilityGroup],
    is_main: bool = True,
) -> Json:
    """An entrance with accessibility-register sentences, grouped as the register groups them."""
    return {
        "name": localized(name),
        "isMainEntrance": is_main,
        "coordinates": {"latitude": latitude, "longitude": longitude},
        "contactInfo": None,
        "accessibilitySentences": [
            {"sentenceGroup": localized(heading), "sentences": [{"sentence": localized(s)} for s in sentences]}
            for heading, sentences in groups
        ],
    }


def phone_number(
    number: str,
    *,
    language: str,
    info: str | None = None,
    charge_type: str = "Chargeable",
    charge_description: str | None = None,
    prefix: str = "+358",
    service_number: bool = False,
    type_: str = "Phone",
) -> Json:
    """A channel phone. `number` without the leading 0 (prefix "+358" + "9 1234 567")."""
    return {
        "type": type_,
        "additionalInformation": info,
        "serviceChargeType": charge_type,
        "chargeDescription": charge_description,
        "prefixNumber": prefix,
        "isFinnishServiceNumber": service_number,
        "number": number,
        "language": language,
    }


def organization_phone_number(number: str, *, language: str, info: str | None = None) -> Json:
    """An organisation phone: as a channel phone, but the V10 organisation model has no `type`."""
    phone = phone_number(number, language=language, info=info)
    del phone["type"]
    return phone


def email(value: str, language: str) -> Json:
    return {"value": value, "language": language}


def organization_email(value: str, language: str, description: str | None = None) -> Json:
    return {"description": description, "value": value, "language": language}


def web_page(url: str, text: str | None, language: str) -> Json:
    return {"url": url, "value": text, "language": language}


def opening_row(day_from: str, start: str, end: str, day_to: str = "") -> Json:
    return {"dayFrom": day_from, "dayTo": day_to, "from": hms(start), "to": hms(end)}


def service_hour(
    type_: str,
    *,
    info: Texts | None = None,
    rows: Sequence[Json] = (),
    valid_from: str | None = None,
    valid_to: str | None = None,
    closed: bool = False,
    always_open: bool = False,
    reservation: bool = False,
) -> Json:
    return {
        "serviceHourType": type_,
        "validFrom": valid_from,
        "validTo": valid_to,
        "isClosed": closed,
        "validForNow": valid_to is None,
        "isAlwaysOpen": always_open,
        "isReservation": reservation,
        "additionalInformation": localized(info),
        "openingHour": list(rows),
    }


WeeklySchedule = Mapping[str, Sequence[tuple[str, str]]]  # weekday name -> [(from, to), ...]


def weekly_hours(schedule: WeeklySchedule, info: Texts | None = None) -> Json:
    """Normal weekly hours: one row per day and range, dayTo "" (the server blanks it for DaysOfTheWeek)."""
    rows = [opening_row(day, start, end) for day in WEEKDAYS for start, end in schedule.get(day, ())]
    return service_hour("DaysOfTheWeek", info=info, rows=rows)


def always_open_hours(info: Texts | None = None) -> Json:
    return service_hour("DaysOfTheWeek", info=info, always_open=True)


def reservation_hours(info: Texts | None = None) -> Json:
    return service_hour("DaysOfTheWeek", info=info, reservation=True)


def over_midnight_hours(nights: Sequence[str], start: str, end: str, info: Texts | None = None) -> Json:
    """Spans across midnight: each row runs from `start` on dayFrom to `end` on the next day."""
    rows = [opening_row(day, start, end, day_to=WEEKDAYS[(WEEKDAYS.index(day) + 1) % 7]) for day in nights]
    return service_hour("OverMidnight", info=info, rows=rows)


def exceptional_hours(
    first: date, last: date | None = None, *, info: Texts, hours: tuple[str, str] | None = None
) -> Json:
    """Closed from `first` to `last` (inclusive dates), or open only `hours` on a single day."""
    last = last or first
    rows = [opening_row(WEEKDAYS[first.weekday()], *hours)] if hours else []
    return service_hour(
        "Exceptional",
        info=info,
        rows=rows,
        valid_from=local_midnight(first),
        valid_to=local_midnight(last),
        closed=hours is None,
    )


def service_connection(service_id: str, service_name: str, modified: str) -> Json:
    """A channel's link to a service (`services[]` on a channel)."""
    return {
        "service": {"id": service_id, "name": service_name},
        "serviceChargeType": None,
        "description": [],
        "extraTypes": [],
        "serviceHours": [],
        "contactDetails": None,
        "digitalAuthorizations": [],
        "modified": modified,
    }


def channel_connection(channel_id: str, channel_name: str, modified: str) -> Json:
    """A service's link to a channel (`serviceChannels[]` on a service)."""
    connection = service_connection(channel_id, channel_name, modified)
    connection.pop("service")
    return {"serviceChannel": {"id": channel_id, "name": channel_name}, **connection}


def service_location_channel(
    *,
    channel_id: str,
    organization_id: str,
    names: Texts,
    summary: Texts,
    description: Texts,
    areas: list[Json],
    phones: list[Json],
    emails: list[Json],
    languages: Sequence[str],
    web_pages: list[Json],
    addresses: list[Json],
    service_hours: list[Json],
    services: list[Json],
    modified: str,
) -> Json:
    """A ServiceLocation channel with every key of V11VmOpenApiServiceLocationChannel, in output order."""
    return {
        "id": channel_id,
        "sourceId": None,  # only visible to logged-in API users
        "oid": None,
        "serviceChannelType": "ServiceLocation",
        "organizationId": organization_id,
        "serviceChannelNames": typed_texts(names, "Name"),
        "displayNameType": [{"type": "Name", "language": lang} for lang, _ in _ordered(names)],
        "serviceChannelDescriptions": descriptions(summary, description),
        "areaType": "LimitedType",
        "areas": areas,
        "phoneNumbers": phones,
        "emails": emails,
        "languages": list(languages),
        "webPages": web_pages,
        "addresses": addresses,
        "serviceHours": service_hours,
        "services": services,
        "serviceCollections": [],
        "publishingStatus": "Published",
        "modified": modified,
        "responsibleSoteOrganization": None,  # "at the moment always empty - placeholder"
        "ontologyTerms": [],
    }


def phone_channel(
    *,
    channel_id: str,
    organization_id: str,
    names: Texts,
    summary: Texts,
    description: Texts,
    areas: list[Json],
    phones: list[Json],
    languages: Sequence[str],
    service_hours: list[Json],
    services: list[Json],
    modified: str,
) -> Json:
    """A Phone channel, in the key set of the real v11 page (supportEmails, no addresses)."""
    return {
        "id": channel_id,
        "sourceId": None,
        "serviceChannelType": "Phone",
        "organizationId": organization_id,
        "serviceChannelNames": typed_texts(names, "Name"),
        "serviceChannelDescriptions": descriptions(summary, description),
        "areaType": "LimitedType",
        "areas": areas,
        "phoneNumbers": phones,
        "supportEmails": [],
        "languages": list(languages),
        "webPages": [],
        "serviceHours": service_hours,
        "services": services,
        "publishingStatus": "Published",
        "modified": modified,
        "responsibleSoteOrganization": None,
    }


def service_class(code: str) -> Json:
    """A ptvserclass2 item as services carry it (uri in the uri.suomi.fi form; description left empty)."""
    parent = code.rsplit(".", 1)[0] if "." in code else None
    return {
        "name": localized(SERVICE_CLASSES[code]),
        "description": [],
        "code": code,
        "ontologyType": "PTVL",
        "uri": _CLASS_URI + code,
        "parentId": stable_id("finto", _CLASS_URI + parent) if parent else None,
        "parentUri": _CLASS_URI + parent if parent else None,
    }


def target_group(code: str) -> Json:
    parent = code.rsplit(".", 1)[0] if "." in code else None
    return {
        "name": localized(TARGET_GROUPS[code]),
        "code": code,
        "ontologyType": "TARGETGROUP",
        "uri": _TARGET_URI + code,
        "parentId": stable_id("finto", _TARGET_URI + parent) if parent else None,
        "parentUri": _TARGET_URI + parent if parent else None,
    }


def service_organization(
    organization_id: str | None, name: str | None, role: str, provision: str | None = None, info: Texts | None = None
) -> Json:
    """An entry of `Service.organizations[]`: Responsible / OtherResponsible / Producer (+ provisionType)."""
    return {
        "organization": {"id": organization_id, "name": name} if organization_id else None,
        "roleType": role,
        "provisionType": provision,
        "additionalInformation": localized(info),
    }


def service_voucher(name: str, language: str, url: str | None, info: str | None) -> Json:
    return {"value": name, "language": language, "url": url, "additionalInformation": info}


def legislation(names: Texts, urls: Texts) -> Json:
    return {
        "names": localized(names),
        "webPages": [web_page(url, names.get(lang), lang) for lang, url in _ordered(urls)],
    }


def service_record(
    *,
    service_id: str,
    general_description_id: str | None,
    names: Texts,
    funding_type: str,
    charge_type: str | None,
    areas: list[Json],
    summary: Texts,
    description: Texts,
    user_instruction: Texts | None,
    languages: Sequence[str],
    class_codes: Sequence[str],
    target_group_codes: Sequence[str],
    keywords: Mapping[str, Sequence[str]],
    laws: Sequence[Json],
    channels: list[Json],
    organizations: list[Json],
    vouchers: list[Json],
    modified: str,
) -> Json:
    """A Service with every key of V11VmOpenApiService, in output order."""
    texts = descriptions(summary, description) + typed_texts(user_instruction, "UserInstruction")
    return {
        "id": service_id,
        "sourceId": None,
        "generalDescriptionId": general_description_id,
        "subType": None,  # the SOTE sub-types were disabled (SFIPTV-1177)
        "type": "Service",
        "fundingType": funding_type,
        "serviceNames": typed_texts(names, "Name"),
        "serviceChargeType": charge_type,
        "areaType": "LimitedType",
        "areas": areas,
        "serviceDescriptions": texts,
        "languages": list(languages),
        "serviceClasses": [service_class(code) for code in class_codes],
        "ontologyTerms": [],
        "targetGroups": [target_group(code) for code in target_group_codes],
        "lifeEvents": [],
        "industrialClasses": [],
        "legislation": list(laws),
        "keywords": [{"value": word, "language": lang} for lang, words in keywords.items() for word in words],
        "requirements": [],
        "serviceChannels": channels,
        "organizations": organizations,
        "serviceVouchersInUse": bool(vouchers),
        "serviceVouchers": vouchers,
        "serviceCollections": [],
        "publishingStatus": "Published",
        "modified": modified,
        "responsibleSoteOrganization": None,
    }


def organization_service(service_id: str, name: str, role: str, provision: str | None = None) -> Json:
    """An entry of `Organization.services[]`."""
    return {
        "service": {"id": service_id, "name": name},
        "roleType": role,
        "provisionType": provision,
        "additionalInformation": [],
    }


def organization_record(
    *,
    organization_id: str,
    organization_type: str,
    business_code: str | None,
    names: Texts,
    municipality: Json | None,
    areas: list[Json] | None,
    summary: Texts,
    description: Texts,
    emails: list[Json],
    phones: list[Json],
    web_pages: list[Json],
    addresses: list[Json],
    services: list[Json],
    modified: str,
) -> Json:
    """An Organization with every key of V10VmOpenApiOrganization (the organisation model inside v11)."""
    return {
        "id": organization_id,
        "sourceId": None,
        "oid": None,
        "parentOrganizationId": None,
        "organizationRootId": organization_id,
        "municipality": municipality,
        "organizationType": organization_type,
        "businessCode": business_code,
        "businessName": names.get("fi"),
        "organizationNames": typed_texts(names, "Name"),
        "displayNameType": [{"type": "Name", "language": lang} for lang, _ in _ordered(names)],
        "areaType": "LimitedType" if areas else None,
        "areas": areas,
        "organizationDescriptions": descriptions(summary, description),
        "emails": emails,
        "phoneNumbers": phones,
        "webPages": web_pages,
        "addresses": addresses,
        "electronicInvoicings": [],
        "publishingStatus": "Published",
        "services": services,
        "modified": modified,
        "subOrganizations": [],
    }


def page(items: Sequence[Json], page_number: int, page_count: int) -> Json:
    """The paging envelope of the full-data list endpoints."""
    return {"pageNumber": page_number, "pageSize": PAGE_SIZE, "pageCount": page_count, "itemList": list(items)}


class PageWriter:
    """Streams records into page files `<prefix>-0001.json` ...: at most one page is held in memory.

    `total` must be known up front because every page states `pageCount`; `close()` checks it was met.
    """

    def __init__(self, directory: Path, prefix: str, total: int, *, indent: int | None = None) -> None:
        self.directory = directory
        self.prefix = prefix
        self.total = total
        self.page_count = math.ceil(total / PAGE_SIZE)
        self.width = max(4, len(str(self.page_count)))
        self.indent = indent
        self.separators = (",", ": ") if indent is not None else (",", ":")
        self.written_items = 0
        self.written_pages = 0
        self.bytes_written = 0
        self._buffer: list[Json] = []

    def path_of(self, page_number: int) -> Path:
        return self.directory / f"{self.prefix}-{page_number:0{self.width}d}.json"

    def add(self, item: Json) -> None:
        if self.written_items + len(self._buffer) >= self.total:
            raise ValueError(f"{self.prefix}: more than the announced {self.total} items")
        self._buffer.append(item)
        if len(self._buffer) == PAGE_SIZE:
            self._flush()

    def add_all(self, items: Iterable[Json]) -> None:
        for item in items:
            self.add(item)

    def _flush(self) -> None:
        self.written_pages += 1
        text = json.dumps(
            page(self._buffer, self.written_pages, self.page_count),
            ensure_ascii=False,
            indent=self.indent,
            separators=self.separators,
        )
        data = (text + "\n").encode("utf-8")
        self.path_of(self.written_pages).write_bytes(data)
        self.bytes_written += len(data)
        self.written_items += len(self._buffer)
        self._buffer = []

    def close(self) -> int:
        """Write the last, partial page; returns the number of pages written."""
        if self._buffer:
            self._flush()
        if self.written_items != self.total:
            raise ValueError(f"{self.prefix}: {self.written_items} items written, {self.total} announced")
        return self.written_pages


def clear_pages(directory: Path, prefixes: Iterable[str]) -> None:
    """Remove page files a previous run left, so a smaller catalogue does not keep stale pages."""
    for prefix in prefixes:
        for old in directory.glob(f"{prefix}-*.json"):
            old.unlink()


# ---------------------------------------------------------------------------------------------------------------
# Holidays: exceptional hours are published for the public holidays ahead of `today`.


@dataclass(frozen=True)
class Holiday:
    day: date
    fi: str
    sv: str
    shortened: bool = False  # an eve with short opening hours instead of a closure

    @property
    def names(self) -> Texts:
        return {"fi": self.fi, "sv": self.sv}


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _weekday_between(year: int, month: int, first_day: int, weekday: int) -> date:
    """The `weekday` (0 = Monday) within the seven days from `first_day` of `month`."""
    start = date(year, month, first_day)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def finnish_holidays(year: int) -> list[Holiday]:
    easter = easter_sunday(year)
    holidays = [
        Holiday(date(year, 1, 1), "Uudenvuodenpäivä", "Nyårsdagen"),
        Holiday(date(year, 1, 6), "Loppiainen", "Trettondagen"),
        Holiday(easter - timedelta(days=2), "Pitkäperjantai", "Långfredagen"),
        Holiday(easter + timedelta(days=1), "Toinen pääsiäispäivä", "Annandag påsk"),
        Holiday(date(year, 5, 1), "Vappu", "Första maj"),
        Holiday(easter + timedelta(days=39), "Helatorstai", "Kristi himmelsfärdsdag"),
        Holiday(_weekday_between(year, 6, 19, 4), "Juhannusaatto", "Midsommarafton"),
        Holiday(_weekday_between(year, 6, 20, 5), "Juhannuspäivä", "Midsommardagen"),
        Holiday(_weekday_between(year, 10, 31, 5), "Pyhäinpäivä", "Alla helgons dag"),
        Holiday(date(year, 12, 6), "Itsenäisyyspäivä", "Självständighetsdagen"),
        Holiday(date(year, 12, 24), "Jouluaatto", "Julafton"),
        Holiday(date(year, 12, 25), "Joulupäivä", "Juldagen"),
        Holiday(date(year, 12, 26), "Tapaninpäivä", "Annandag jul"),
        Holiday(date(year, 12, 31), "Uudenvuodenaatto", "Nyårsafton", shortened=True),
    ]
    return sorted(holidays, key=lambda h: h.day)


def upcoming_holidays(today: date, days: int = HOLIDAY_WINDOW_DAYS) -> list[Holiday]:
    """Holidays from `today` on, within `days`."""
    end = today + timedelta(days=days)
    found = [h for year in (today.year, today.year + 1) for h in finnish_holidays(year)]
    return [h for h in found if today <= h.day <= end]


def holiday_exceptions(schedule: WeeklySchedule, holidays: Sequence[Holiday], short_hours: bool) -> list[Json]:
    """Exceptional entries for the holidays that fall on a day the unit is normally open."""
    out = []
    for holiday in holidays:
        if not schedule.get(WEEKDAYS[holiday.day.weekday()]):
            continue
        if holiday.shortened:
            if short_hours:
                out.append(exceptional_hours(holiday.day, info=holiday.names, hours=("8:00", "12:00")))
        else:
            out.append(exceptional_hours(holiday.day, info=holiday.names))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Opening-hour profiles


def _days(days: Sequence[str], *ranges: tuple[str, str]) -> dict[str, list[tuple[str, str]]]:
    return {day: list(ranges) for day in days}


MON_FRI = WEEKDAYS[:5]
MON_THU = WEEKDAYS[:4]
EVERY_DAY = WEEKDAYS

NORMAL_HOURS = {"fi": "Normaalit aukioloajat", "sv": "Normala öppettider", "en": "Normal opening hours"}

SCHEDULES: dict[str, dict[str, list[tuple[str, str]]]] = {
    "public_sote": _days(MON_FRI, ("8:00", "16:00")),
    "public_sote_evening": {**_days(MON_THU, ("8:00", "20:00")), "Friday": [("8:00", "16:00")]},
    "private_sote": {**_days(MON_FRI, ("7:30", "20:00")), "Saturday": [("9:00", "15:00")]},
    "private_sote_weekend": {**_days(MON_FRI, ("7:30", "20:00")), **_days(WEEKDAYS[5:], ("10:00", "16:00"))},
    "third_sector": _days(MON_FRI, ("8:00", "11:45"), ("12:30", "16:00")),  # closed over lunch: two rows a day
    "public_dental": _days(MON_FRI, ("7:30", "15:30")),
    "public_dental_evening": {**_days(MON_FRI, ("7:30", "15:30")), "Tuesday": [("7:30", "19:00")]},
    "private_dental": {**_days(MON_THU, ("8:00", "18:00")), "Friday": [("8:00", "15:00")]},
    "office": _days(MON_FRI, ("8:00", "16:00")),
    "home_visits": _days(EVERY_DAY, ("7:00", "21:00")),
}

HOURS_PROFILES = (
    "public_sote",
    "public_sote_evening",
    "private_sote",
    "private_sote_weekend",
    "third_sector",
    "public_dental",
    "public_dental_evening",
    "private_dental",
    "home_care",
    "home_nursing_night",
    "always_open",
    "by_appointment",
)


def profile_hours(profile: str, holidays: Sequence[Holiday]) -> list[Json]:
    """The serviceHours of one opening-hour profile, with holiday exceptions where the unit would be open."""
    if profile == "always_open":
        return [always_open_hours({"fi": "Avoinna ympäri vuorokauden", "sv": "Öppet dygnet runt"})]
    if profile == "by_appointment":
        return [reservation_hours({"fi": "Vain ajanvarauksella", "sv": "Endast med tidsbokning"})]
    if profile == "home_care":
        office = SCHEDULES["office"]
        return [
            weekly_hours(office, {"fi": "Toimisto", "sv": "Kontoret"}),
            weekly_hours(SCHEDULES["home_visits"], {"fi": "Kotikäynnit", "sv": "Hembesök"}),
            *holiday_exceptions(office, holidays, short_hours=False),
        ]
    if profile == "home_nursing_night":
        return [
            weekly_hours(SCHEDULES["home_visits"], {"fi": "Kotikäynnit", "sv": "Hembesök"}),
            over_midnight_hours(EVERY_DAY, "21:00", "7:00", {"fi": "Yöhoito", "sv": "Nattvård"}),
        ]
    schedule = SCHEDULES[profile]
    return [
        weekly_hours(schedule, NORMAL_HOURS),
        *holiday_exceptions(schedule, holidays, short_hours=profile.startswith("public_sote")),
    ]


# ---------------------------------------------------------------------------------------------------------------
# Accessibility sentences (fi, sv), in the register's groups


def _s(fi: str, sv: str) -> Texts:
    return {"fi": fi, "sv": sv}


ENTRANCE_NAME = _s("Pääsisäänkäynti", "Huvudingång")
ROUTE_GROUP = _s("Reitti pääsisäänkäynnille", "Rutten till huvudingången")
ENTRANCE_GROUP = _s("Pääsisäänkäynti", "Huvudingången")
PARKING_GROUP = _s("Pysäköinti", "Parkering")
INDOOR_GROUP = _s("Sisätilat", "Inomhus")

ROUTE_SENTENCES = (
    _s("Reitti on tasainen ja kulkuväylä on kestopäällystetty.", "Rutten är jämn och gångvägen har fast beläggning."),
    _s("Reitti on valaistu.", "Rutten är upplyst."),
    _s("Reitillä on luiska, jonka kaltevuus on alle 5 %.", "På rutten finns en ramp med en lutning under 5 %."),
    _s("Reitillä on kapea kohta, leveys alle 90 cm.", "På rutten finns ett smalt ställe, under 90 cm brett."),
)
ENTRANCE_SENTENCES = (
    _s("Sisäänkäynnin ovi avautuu automaattisesti.", "Ingångsdörren öppnas automatiskt."),
    _s("Sisäänkäynti on maan tasossa, ei portaita.", "Ingången är i marknivå, inga trappor."),
    _s("Sisäänkäynnissä on kaksi porrasta ja luiska.", "Vid ingången finns två trappsteg och en ramp."),
    _s("Sisäänkäynnissä on neljä porrasta eikä luiskaa.", "Vid ingången finns fyra trappsteg och ingen ramp."),
    _s("Oven kynnys on alle 2 cm korkea.", "Dörrtröskeln är under 2 cm hög."),
)
PARKING_SENTENCES = (
    _s(
        "Liikkumisesteisille on kaksi pysäköintipaikkaa alle 10 metrin päässä sisäänkäynnistä.",
        "Det finns två parkeringsplatser för rörelsehindrade under 10 meter från ingången.",
    ),
    _s(
        "Liikkumisesteisten pysäköintipaikka on noin 30 metrin päässä sisäänkäynnistä.",
        "Parkeringsplatsen för rörelsehindrade finns cirka 30 meter från ingången.",
    ),
)
INDOOR_SENTENCES = (
    _s("Rakennuksessa on hissi, johon mahtuu pyörätuoli.", "Byggnaden har en hiss som rymmer en rullstol."),
    _s("Asiakkaiden käytössä on esteetön wc.", "Det finns en tillgänglig toalett för kunderna."),
    _s("Odotustilassa on induktiosilmukka.", "I väntrummet finns en hörslinga."),
    _s("Palvelutiski on matala ja siinä on tilaa pyörätuolille.", "Servicedisken är låg och har plats för rullstol."),
)


def accessibility_groups(rng: random.Random) -> list[AccessibilityGroup]:
    return [
        (ROUTE_GROUP, rng.sample(ROUTE_SENTENCES, 2)),
        (ENTRANCE_GROUP, rng.sample(ENTRANCE_SENTENCES, 2)),
        (PARKING_GROUP, [rng.choice(PARKING_SENTENCES)]),
        (INDOOR_GROUP, rng.sample(INDOOR_SENTENCES, rng.randint(1, 3))),
    ]


# ---------------------------------------------------------------------------------------------------------------
# Descriptions per kind of unit


KIND_TEXTS: dict[str, dict[str, Texts]] = {
    SOTE_CENTRE: {
        "summary": {
            "fi": "{name} tarjoaa lääkärin ja hoitajan vastaanotot sekä sosiaalihuollon neuvonnan.",
            "sv": "{name} erbjuder läkar- och skötarmottagningar samt rådgivning inom socialvården.",
            "en": "{name} offers doctor and nurse appointments and social welfare guidance.",
        },
        "description": {
            "fi": "Sote-keskuksessa saat perusterveydenhuollon palvelut: lääkärin ja sairaanhoitajan vastaanotot, "
            "pitkäaikaissairauksien seurannan, rokotukset sekä sosiaaliohjauksen. Voit listautua sote-keskukseen "
            "valinnanvapauskokeilussa. Ajanvaraus puhelimitse tai verkossa.",
            "sv": "På social- och hälsocentralen får du primärvårdens tjänster: läkar- och sjukskötarmottagningar, "
            "uppföljning av långtidssjukdomar, vaccinationer och social handledning. Du kan lista dig vid "
            "social- och hälsocentralen i valfrihetsförsöket. Tidsbokning per telefon eller på nätet.",
            "en": "The centre provides primary health care: doctor and nurse appointments, follow-up of long-term "
            "illnesses, vaccinations and social guidance. You can list with the centre in the freedom-of-choice "
            "pilot. Book by phone or online.",
        },
    },
    DENTAL_UNIT: {
        "summary": {
            "fi": "{name} hoitaa kaikenikäisten suun ja hampaiden terveyttä.",
            "sv": "{name} vårdar mun- och tandhälsan hos personer i alla åldrar.",
            "en": "{name} looks after the oral and dental health of people of all ages.",
        },
        "description": {
            "fi": "Suun terveydenhuollon yksikössä tehdään hammastarkastukset, hammaslääkärin ja suuhygienistin "
            "hoidot sekä kiireellinen hammashoito. Voit valita suun terveydenhuollon yksikön "
            "valinnanvapauskokeilussa.",
            "sv": "Vid enheten för munhälsovård görs tandundersökningar, tandläkar- och munhygienistbehandlingar "
            "samt brådskande tandvård. Du kan välja enhet för munhälsovård i valfrihetsförsöket.",
            "en": "The dental unit offers check-ups, treatment by dentists and dental hygienists, and urgent dental "
            "care. You can choose your dental unit in the freedom-of-choice pilot.",
        },
    },
}

VOUCHER_SERVICES: dict[str, dict[str, Any]] = {
    "home_care": {
        "names": {"fi": "Kotihoidon palveluseteli", "sv": "Servicesedel för hemvård", "en": "Home care voucher"},
        "what": {"fi": "kotihoito", "sv": "hemvård", "en": "home care"},
        "classes": ("P4.3",),
        "targets": ("KR1.1", "KR1.6"),
        "summary": {
            "fi": "Kotihoidon palvelusetelillä saat apua päivittäisiin toimiin kotona hyväksytyltä tuottajalta.",
            "sv": "Med servicesedeln för hemvård får du hjälp med vardagliga sysslor hemma av en godkänd producent.",
        },
    },
    "home_nursing": {
        "names": {
            "fi": "Kotisairaanhoidon palveluseteli",
            "sv": "Servicesedel för hemsjukvård",
            "en": "Home nursing voucher",
        },
        "what": {"fi": "kotisairaanhoito", "sv": "hemsjukvård", "en": "home nursing"},
        "classes": ("P5.14",),
        "targets": ("KR1",),
        "summary": {
            "fi": "Kotisairaanhoidon palvelusetelillä sairaanhoitaja hoitaa sinua kotona lääkärin ohjeiden mukaan.",
            "sv": "Med servicesedeln för hemsjukvård vårdas du hemma av en sjukskötare enligt läkarens anvisningar.",
        },
    },
    "housing_services": {
        "names": {
            "fi": "Ympärivuorokautisen palveluasumisen palveluseteli",
            "sv": "Servicesedel för serviceboende dygnet runt",
            "en": "Voucher for 24-hour service housing",
        },
        "what": {"fi": "ympärivuorokautinen palveluasuminen", "sv": "serviceboende dygnet runt"},
        "classes": ("P4.1", "P4.2"),
        "targets": ("KR1.1", "KR1.6"),
        "summary": {
            "fi": "Palvelusetelillä voit valita ympärivuorokautisen palveluasumisen kodin hyväksytyistä tuottajista.",
            "sv": "Med servicesedeln kan du välja ett serviceboende dygnet runt bland godkända producenter.",
        },
    },
    "dental_prosthetics": {
        "names": {
            "fi": "Hammasproteettisen hoidon palveluseteli",
            "sv": "Servicesedel för tandprotetisk vård",
            "en": "Dental prosthetics voucher",
        },
        "what": {"fi": "hammasproteettinen hoito", "sv": "tandprotetisk vård"},
        "classes": ("P5.10",),
        "targets": ("KR1",),
        "summary": {
            "fi": "Palvelusetelillä saat hammasproteesin hyväksytyltä hammasteknikolta tai hammaslääkäriltä.",
            "sv": "Med servicesedeln får du en tandprotes av en godkänd tandtekniker eller tandläkare.",
        },
    },
}


def voucher_texts(name: Texts, services: Sequence[str]) -> tuple[Texts, Texts]:
    """(summary, description) of a voucher provider's location."""
    what_fi = ", ".join(VOUCHER_SERVICES[s]["what"]["fi"] for s in services)
    what_sv = ", ".join(VOUCHER_SERVICES[s]["what"]["sv"] for s in services)
    summary = {
        "fi": f"{name['fi']}: palvelusetelillä {what_fi}.",
        "sv": f"{name.get('sv') or name['fi']}: {what_sv} med servicesedel.",
    }
    description = {
        "fi": f"Hyväksytty palvelusetelituottaja ({what_fi}). Palvelusetelin myöntää hyvinvointialue "
        "palvelutarpeen arvioinnin perusteella; maksat vain lakisääteisen asiakasmaksun.",
        "sv": f"Godkänd serviceproducent med servicesedel ({what_sv}). Välfärdsområdet beviljar servicesedeln "
        "efter en bedömning av servicebehovet; du betalar bara den lagstadgade klientavgiften.",
    }
    return summary, description


# ---------------------------------------------------------------------------------------------------------------
# The pilot area: nine municipalities (Statistics Finland codes), their localities, postal codes and streets


@dataclass(frozen=True)
class Locality:
    key: str
    fi: str
    sv: str
    lat: float  # WGS84 centre
    lon: float
    radius_m: int
    postal_codes: tuple[str, ...]
    post_office: tuple[str, str]  # (fi, sv), upper case as PTV has them
    streets: tuple[tuple[str, str], ...]  # (fi, sv); unilingual towns repeat the Finnish name


@dataclass(frozen=True)
class Municipality:
    code: str
    fi: str
    sv: str
    phone_area: str  # the area code without its leading 0: "9" (09) or "19" (019)
    po_box_postal_code: str
    localities: tuple[Locality, ...]

    @property
    def names(self) -> Texts:
        return {"fi": self.fi, "sv": self.sv, "en": self.fi}

    def locality(self, key: str) -> Locality:
        return next(loc for loc in self.localities if loc.key == key)


def _fi_streets(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((name, name) for name in names)


# fmt: off
MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality("106", "Hyvinkää", "Hyvinge", "19", "05801", (
        Locality("hyvinkaa", "Hyvinkää", "Hyvinge", 60.6310, 24.8590, 2500,
                 ("05800", "05820", "05830", "05840", "05880"), ("HYVINKÄÄ", "HYVINGE"),
                 _fi_streets("Hämeenkatu", "Uudenmaankatu", "Siltakatu", "Kauppakatu", "Torikatu", "Sibeliuksenkatu",
                             "Jussilankatu", "Vanhakatu", "Kalevankatu", "Helsingintie")),
    )),
    Municipality("186", "Järvenpää", "Träskända", "9", "04401", (
        Locality("jarvenpaa", "Järvenpää", "Träskända", 60.4730, 25.0900, 2000,
                 ("04400", "04410", "04420", "04430", "04440"), ("JÄRVENPÄÄ", "TRÄSKÄNDA"),
                 _fi_streets("Sibeliuksenkatu", "Mannilantie", "Kauppakaari", "Helsingintie", "Seutulantie",
                             "Wärtsilänkatu", "Asemankatu", "Vanha Valtatie", "Sipoontie")),
        Locality("haarajoki", "Haarajoki", "Haarajoki", 60.4930, 25.1300, 1000, ("04480",), ("HAARAJOKI", "HAARAJOKI"),
                 _fi_streets("Haarajoentie", "Myllytie", "Rinnetie")),
    )),
    Municipality("543", "Nurmijärvi", "Nurmijärvi", "9", "01901", (
        Locality("nurmijarvi", "Nurmijärvi", "Nurmijärvi", 60.4640, 24.8080, 1500, ("01900",),
                 ("NURMIJÄRVI", "NURMIJÄRVI"),
                 _fi_streets("Keskustie", "Kirkkotie", "Kiljavantie", "Punnantie", "Alhonkuja")),
        Locality("klaukkala", "Klaukkala", "Klaukkala", 60.3830, 24.7530, 1500, ("01800", "01820"),
                 ("KLAUKKALA", "KLAUKKALA"),
                 _fi_streets("Klaukkalantie", "Lepsämäntie", "Harjutie", "Ratatie", "Seppäläntie")),
        Locality("rajamaki", "Rajamäki", "Rajamäki", 60.5230, 24.7520, 1200, ("05200",), ("RAJAMÄKI", "RAJAMÄKI"),
                 _fi_streets("Tehtaantie", "Rajamäentie", "Palokunnantie", "Alkotie")),
    )),
    Municipality("858", "Tuusula", "Tusby", "9", "04301", (
        Locality("hyryla", "Hyrylä", "Hyrylä", 60.4030, 25.0230, 1800, ("04300", "04310"), ("TUUSULA", "TUSBY"),
                 _fi_streets("Hyryläntie", "Kauppatie", "Rykmentintie", "Lahelantie", "Kirkkotie", "Linjatie")),
        Locality("jokela", "Jokela", "Jokela", 60.5480, 24.9660, 1200, ("05400",), ("JOKELA", "JOKELA"),
                 _fi_streets("Jokelantie", "Kolsantie", "Keskustie", "Peltokaari")),
        Locality("kellokoski", "Kellokoski", "Kellokoski", 60.5280, 25.1010, 1000, ("04500",),
                 ("KELLOKOSKI", "KELLOKOSKI"),
                 _fi_streets("Kellokoskentie", "Koskentie", "Ruukinkuja", "Linnaistentie")),
    )),
    Municipality("505", "Mäntsälä", "Mäntsälä", "19", "04601", (
        Locality("mantsala", "Mäntsälä", "Mäntsälä", 60.6360, 25.3180, 2000, ("04600",), ("MÄNTSÄLÄ", "MÄNTSÄLÄ"),
                 _fi_streets("Mäntsäläntie", "Asemantie", "Heikinkuja", "Kartanontie", "Sepäntie", "Hyvinkääntie")),
    )),
    Municipality("611", "Pornainen", "Borgnäs", "9", "07171", (
        Locality("pornainen", "Pornainen", "Borgnäs", 60.4760, 25.3740, 1200, ("07170",), ("PORNAINEN", "BORGNÄS"),
                 _fi_streets("Kirkkotie", "Mäntsäläntie", "Pornaistentie", "Laukkoskentie")),
    )),
    Municipality("444", "Lohja", "Lojo", "19", "08101", (
        Locality("lohja", "Lohja", "Lojo", 60.2490, 24.0650, 2500, ("08100", "08150", "08200"), ("LOHJA", "LOJO"),
                 _fi_streets("Laurinkatu", "Karstuntie", "Kauppakatu", "Sairaalatie", "Suurlohjankatu", "Nummentie",
                             "Ojamonkatu")),
        Locality("sammatti", "Sammatti", "Sammatti", 60.3200, 23.8170, 1000, ("09220",), ("SAMMATTI", "SAMMATTI"),
                 _fi_streets("Sammatintie", "Myllylammentie", "Kirkonkyläntie")),
    )),
    Municipality("638", "Porvoo", "Borgå", "19", "06101", (
        Locality("porvoo", "Porvoo", "Borgå", 60.3930, 25.6640, 2500, ("06100", "06150", "06400", "06450"),
                 ("PORVOO", "BORGÅ"),
                 (("Mannerheiminkatu", "Mannerheimgatan"), ("Rauhankatu", "Fredsgatan"),
                  ("Runeberginkatu", "Runebergsgatan"), ("Aleksanterinkatu", "Alexandersgatan"),
                  ("Piispankatu", "Biskopsgatan"), ("Jokikatu", "Ågatan"), ("Lundinkatu", "Lundagatan"),
                  ("Kevätkummuntie", "Vårbergsvägen"))),
    )),
    Municipality("753", "Sipoo", "Sibbo", "9", "04131", (
        Locality("nikkila", "Nikkilä", "Nickby", 60.3770, 25.2680, 1500, ("04130",), ("SIPOO", "SIBBO"),
                 (("Iso Kylätie", "Stora Byvägen"), ("Jussaksentie", "Jussasvägen"), ("Kartanontie", "Gårdsvägen"),
                  ("Pohjoinen Koulupolku", "Norra Skolstigen"))),
        Locality("soderkulla", "Söderkulla", "Söderkulla", 60.3000, 25.2500, 1200, ("01150",),
                 ("SÖDERKULLA", "SÖDERKULLA"),
                 (("Amiraalintie", "Amiralsvägen"), ("Kyläraitti", "Bygatan"), ("Söderkullantie", "Söderkullavägen"),
                  ("Kappelintie", "Kapellvägen"))),
    )),
)
# fmt: on

MUNICIPALITY_BY_CODE = {m.code: m for m in MUNICIPALITIES}


# ---------------------------------------------------------------------------------------------------------------
# The demo catalogue: organisations and units


@dataclass(frozen=True)
class OrgSpec:
    key: str
    organization_type: str  # RegionalOrganization | Company | Organization (associations)
    names: Texts
    home: str  # municipality code of the head office
    domain: str
    summary: Texts


@dataclass(frozen=True)
class UnitSpec:
    key: str
    kinds: tuple[str, ...]
    org: str
    municipality: str
    locality: str
    fi: str
    sv: str | None  # None: a deliberate gap for the data-quality report
    hours: str
    languages: tuple[str, ...] = ("fi",)
    voucher_services: tuple[str, ...] = ()
    en: str | None = None
    phone: bool = True  # False: a deliberate gap
    coordinates: str = "ok"  # "ok" | "zero" ("0"/"0", NotReceived) | "failed" (null, Failed): gaps


def _org(key: str, type_: str, fi: str, sv: str, en: str, home: str, domain: str, summary: Texts) -> OrgSpec:
    return OrgSpec(key, type_, {"fi": fi, "sv": sv, "en": en}, home, domain, summary)


ORGANISER = "county"

ORGANISATIONS: tuple[OrgSpec, ...] = (
    _org(
        ORGANISER,
        "RegionalOrganization",
        "Keski-Uudenmaan hyvinvointialue",
        "Mellersta Nylands välfärdsområde",
        "Central Uusimaa Wellbeing Services County",
        "106",
        "hyvinvointialue.example",
        {
            "fi": "Valinnanvapauskokeilun järjestäjä: hyväksyy sote-keskukset, suun terveydenhuollon yksiköt ja "
            "palvelusetelituottajat yhdeksässä kunnassa.",
            "sv": "Organisatör för valfrihetsförsöket: godkänner social- och hälsocentraler, enheter för "
            "munhälsovård och serviceproducenter med servicesedel i nio kommuner.",
            "en": "Organiser of the freedom-of-choice pilot: approves health and social services centres, dental "
            "units and voucher providers in nine municipalities.",
        },
    ),
    _org(
        "kuutamo",
        "Company",
        "Kuutamo Terveys Oy",
        "Kuutamo Hälsa Ab",
        "Kuutamo Health Ltd",
        "186",
        "kuutamoterveys.example",
        _s("Yksityinen sote-keskusten ketju Uudellamaalla.", "Privat kedja av social- och hälsocentraler i Nyland."),
    ),
    _org(
        "kanerva",
        "Company",
        "Kanervan Lääkäritalo Oy",
        "Ljungens Läkarhus Ab",
        "Kanerva Medical House Ltd",
        "543",
        "kanervanlaakaritalo.example",
        _s("Lääkäritalo ja sote-keskus perheille.", "Läkarhus och social- och hälsocentral för familjer."),
    ),
    _org(
        "saaristo",
        "Company",
        "Saariston Terveys Oy",
        "Skärgårdens Hälsa Ab",
        "Archipelago Health Ltd",
        "638",
        "skargardenshalsa.example",
        _s(
            "Kaksikielinen sote-keskus Porvoossa ja Sipoossa.",
            "Tvåspråkig social- och hälsocentral i Borgå och Sibbo.",
        ),
    ),
    _org(
        "lahimmaisapu",
        "Organization",
        "Lähimmäisapu ry",
        "Närhjälpen rf",
        "Neighbourly Help Association",
        "858",
        "lahimmaisapu.example",
        _s("Yleishyödyllinen yhdistys: sote-keskus ja kotihoito.", "Allmännyttig förening: social- och hälsocentral."),
    ),
    _org(
        "sydanmaa",
        "Organization",
        "Sydänmaan Hyvinvointi ry",
        "Hjärtlandets Välfärd rf",
        "Heartland Wellbeing Association",
        "186",
        "sydanmaa.example",
        _s("Yhdistyksen ylläpitämä sote-keskus.", "Social- och hälsocentral som drivs av en förening."),
    ),
    _org(
        "kylaterveys",
        "Organization",
        "Kyläterveys ry",
        "Byhälsan rf",
        "Village Health Association",
        "611",
        "kylaterveys.example",
        _s("Kyläläisten perustama sote-keskus.", "Social- och hälsocentral grundad av byborna."),
    ),
    _org(
        "hammasrivi",
        "Company",
        "Hammasrivi Oy",
        "Tandraden Ab",
        "Hammasrivi Dental Ltd",
        "106",
        "hammasrivi.example",
        _s("Yksityiset hammasklinikat.", "Privata tandkliniker."),
    ),
    _org(
        "purenta",
        "Company",
        "Purenta Hammasklinikat Oy",
        "Purenta Tandkliniker Ab",
        "Purenta Dental Clinics Ltd",
        "858",
        "purenta.example",
        _s("Hammasklinikat ja hammasproteesit.", "Tandkliniker och tandproteser."),
    ),
    _org(
        "strandvik",
        "Company",
        "Strandvikin Hammaslääkärit Oy",
        "Tandläkarna Strandvik Ab",
        "Strandvik Dentists Ltd",
        "638",
        "tandlakarnastrandvik.example",
        _s("Hammaslääkäripalvelut ruotsiksi ja suomeksi.", "Tandläkartjänster på svenska och finska."),
    ),
    _org(
        "kaarna",
        "Company",
        "Hammasteknikko Kaarna Oy",
        "Tandtekniker Kaarna Ab",
        "Kaarna Dental Technicians Ltd",
        "186",
        "hammasteknikkokaarna.example",
        _s("Erikoishammasteknikon palvelut ja proteesit.", "Specialtandteknikertjänster och proteser."),
    ),
    _org(
        "kotikaari",
        "Company",
        "Kotikaari Hoiva Oy",
        "Hemvalvet Omsorg Ab",
        "Kotikaari Care Ltd",
        "106",
        "kotikaari.example",
        _s("Kotihoitoa ja kotisairaanhoitoa.", "Hemvård och hemsjukvård."),
    ),
    _org(
        "kvarnbacken",
        "Company",
        "Kotihoito Myllymäki Oy",
        "Hemvården Kvarnbacken Ab",
        "Kvarnbacken Home Care Ltd",
        "638",
        "hemvardenkvarnbacken.example",
        _s("Kaksikielistä kotihoitoa Itä-Uudellamaalla.", "Tvåspråkig hemvård i Östra Nyland."),
    ),
    _org(
        "hoivakeha",
        "Company",
        "Hoivakehä Oy",
        "Omsorgsringen Ab",
        "Hoivakehä Care Homes Ltd",
        "505",
        "hoivakeha.example",
        _s("Ympärivuorokautista palveluasumista.", "Serviceboende dygnet runt."),
    ),
    _org(
        "omenapuu",
        "Company",
        "Omenapuun Palvelukodit Oy",
        "Äppelträdets Servicehem Ab",
        "Omenapuu Service Homes Ltd",
        "444",
        "omenapuu.example",
        _s("Palvelukoteja ikäihmisille.", "Servicehem för äldre."),
    ),
    _org(
        "lindgarden",
        "Organization",
        "Lindgårdenin Palvelutaloyhdistys ry",
        "Servicehusföreningen Lindgården rf",
        "Lindgården Service House Association",
        "638",
        "lindgarden.example",
        _s("Kaksikielinen palvelutalo ikäihmisille.", "Tvåspråkigt servicehus för äldre."),
    ),
)

ORG_BY_KEY = {org.key: org for org in ORGANISATIONS}

_S, _D, _V = (SOTE_CENTRE,), (DENTAL_UNIT,), (VOUCHER_PROVIDER,)
FI_SV, SV_FI = ("fi", "sv"), ("sv", "fi")

UNITS: tuple[UnitSpec, ...] = (
    # Sote centres of the organiser
    UnitSpec("s-hyvinkaa", _S, ORGANISER, "106", "hyvinkaa", "Hyvinkään sote-keskus",
             "Hyvinge social- och hälsocentral", "public_sote_evening", FI_SV),
    UnitSpec("s-paavola", _S, ORGANISER, "106", "hyvinkaa", "Paavolan sote-keskus",
             "Paavola social- och hälsocentral", "public_sote"),
    UnitSpec("s-jarvenpaa", _S, ORGANISER, "186", "jarvenpaa", "Järvenpään sote-keskus",
             "Träskända social- och hälsocentral", "public_sote_evening", ("fi", "sv", "en"),
             en="Järvenpää Health and Social Services Centre"),
    UnitSpec("s-haarajoki", _S, ORGANISER, "186", "haarajoki", "Haarajoen sote-keskus",
             "Haarajoki social- och hälsocentral", "public_sote"),
    UnitSpec("s-nurmijarvi", _S, ORGANISER, "543", "nurmijarvi", "Nurmijärven sote-keskus",
             "Nurmijärvi social- och hälsocentral", "public_sote"),
    UnitSpec("s-klaukkala", _S, ORGANISER, "543", "klaukkala", "Klaukkalan sote-keskus",
             "Klaukkala social- och hälsocentral", "public_sote_evening"),
    UnitSpec("s-rajamaki", _S, ORGANISER, "543", "rajamaki", "Rajamäen sote-keskus",
             "Rajamäki social- och hälsocentral", "public_sote"),
    UnitSpec("s-hyryla", _S, ORGANISER, "858", "hyryla", "Hyrylän sote-keskus",
             "Hyrylä social- och hälsocentral", "public_sote_evening", FI_SV),
    UnitSpec("s-jokela", _S, ORGANISER, "858", "jokela", "Jokelan sote-keskus",
             "Jokela social- och hälsocentral", "public_sote"),
    UnitSpec("s-mantsala", _S, ORGANISER, "505", "mantsala", "Mäntsälän sote-keskus",
             "Mäntsälä social- och hälsocentral", "public_sote"),
    UnitSpec("s-pornainen", _S, ORGANISER, "611", "pornainen", "Pornaisten sote-keskus",
             "Borgnäs social- och hälsocentral", "public_sote", FI_SV),
    UnitSpec("s-lohja", _S, ORGANISER, "444", "lohja", "Lohjan sote-keskus",
             "Lojo social- och hälsocentral", "public_sote_evening", FI_SV),
    UnitSpec("s-sammatti", _S, ORGANISER, "444", "sammatti", "Sammatin sote-keskus",
             "Sammatti social- och hälsocentral", "public_sote"),
    UnitSpec("s-porvoo", _S, ORGANISER, "638", "porvoo", "Porvoon sote-keskus",
             "Borgå social- och hälsocentral", "public_sote_evening", FI_SV),
    UnitSpec("s-kevatkumpu", _S, ORGANISER, "638", "porvoo", "Kevätkummun sote-keskus",
             "Vårbergets social- och hälsocentral", "public_sote", FI_SV),
    UnitSpec("s-nikkila", _S, ORGANISER, "753", "nikkila", "Nikkilän sote-keskus",
             "Nickby social- och hälsocentral", "public_sote", FI_SV),
    UnitSpec("s-soderkulla", _S, ORGANISER, "753", "soderkulla", "Söderkullan sote-keskus",
             "Söderkulla social- och hälsocentral", "public_sote", FI_SV),
    # Private sote centres
    UnitSpec("s-kuutamo-hyvinkaa", _S, "kuutamo", "106", "hyvinkaa", "Kuutamo Terveys, sote-keskus Hyvinkää",
             "Kuutamo Hälsa, social- och hälsocentral Hyvinge", "private_sote", ("fi", "en"),
             en="Kuutamo Health, Hyvinkää"),
    UnitSpec("s-kuutamo-jarvenpaa", _S, "kuutamo", "186", "jarvenpaa", "Kuutamo Terveys, sote-keskus Järvenpää",
             "Kuutamo Hälsa, social- och hälsocentral Träskända", "private_sote", ("fi", "sv", "en"),
             en="Kuutamo Health, Järvenpää"),
    UnitSpec("s-kuutamo-hyryla", _S, "kuutamo", "858", "hyryla", "Kuutamo Terveys, sote-keskus Hyrylä",
             "Kuutamo Hälsa, social- och hälsocentral Hyrylä", "private_sote_weekend", ("fi", "en"),
             en="Kuutamo Health, Hyrylä"),
    UnitSpec("s-kuutamo-lohja", _S, "kuutamo", "444", "lohja", "Kuutamo Terveys, sote-keskus Lohja",
             None, "private_sote"),
    UnitSpec("s-kanerva-klaukkala", _S, "kanerva", "543", "klaukkala", "Kanervan Lääkäritalo, sote-keskus Klaukkala",
             "Ljungens Läkarhus, social- och hälsocentral Klaukkala", "private_sote"),
    UnitSpec("s-kanerva-mantsala", _S, "kanerva", "505", "mantsala", "Kanervan Lääkäritalo, sote-keskus Mäntsälä",
             "Ljungens Läkarhus, social- och hälsocentral Mäntsälä", "private_sote", phone=False),
    UnitSpec("s-saaristo-porvoo", _S, "saaristo", "638", "porvoo", "Saariston Terveys, sote-keskus Porvoo",
             "Skärgårdens Hälsa, social- och hälsocentral Borgå", "private_sote", ("sv", "fi", "en"),
             en="Archipelago Health, Porvoo"),
    UnitSpec("s-saaristo-soderkulla", _S, "saaristo", "753", "soderkulla", "Saariston Terveys, sote-keskus Söderkulla",
             "Skärgårdens Hälsa, social- och hälsocentral Söderkulla", "private_sote", SV_FI),
    # Sote centres of associations
    UnitSpec("s-lahimmaisapu-kellokoski", _S, "lahimmaisapu", "858", "kellokoski",
             "Lähimmäisavun sote-keskus Kellokoski", "Närhjälpens social- och hälsocentral Kellokoski",
             "third_sector"),
    UnitSpec("s-sydanmaa-jarvenpaa", _S, "sydanmaa", "186", "jarvenpaa", "Sydänmaan sote-keskus",
             "Hjärtlandets social- och hälsocentral", "third_sector", FI_SV),
    UnitSpec("s-kylaterveys-pornainen", _S, "kylaterveys", "611", "pornainen", "Kyläterveyden sote-keskus Pornainen",
             "Byhälsans social- och hälsocentral Borgnäs", "third_sector", FI_SV),
    # Dental units of the organiser
    UnitSpec("d-hyvinkaa", _D, ORGANISER, "106", "hyvinkaa", "Hyvinkään hammashoitola", "Hyvinge tandklinik",
             "public_dental_evening"),
    UnitSpec("d-jarvenpaa", _D, ORGANISER, "186", "jarvenpaa", "Järvenpään hammashoitola", "Träskända tandklinik",
             "public_dental", FI_SV),
    UnitSpec("d-klaukkala", _D, ORGANISER, "543", "klaukkala", "Klaukkalan hammashoitola", "Klaukkala tandklinik",
             "public_dental"),
    UnitSpec("d-hyryla", _D, ORGANISER, "858", "hyryla", "Hyrylän hammashoitola", "Hyrylä tandklinik",
             "public_dental"),
    UnitSpec("d-mantsala", _D, ORGANISER, "505", "mantsala", "Mäntsälän hammashoitola", "Mäntsälä tandklinik",
             "public_dental"),
    UnitSpec("d-pornainen", _D, ORGANISER, "611", "pornainen", "Pornaisten hammashoitola", "Borgnäs tandklinik",
             "public_dental", FI_SV),
    UnitSpec("d-lohja", _D, ORGANISER, "444", "lohja", "Lohjan hammashoitola", "Lojo tandklinik",
             "public_dental_evening"),
    UnitSpec("d-porvoo", _D, ORGANISER, "638", "porvoo", "Porvoon hammashoitola", "Borgå tandklinik",
             "public_dental", FI_SV),
    UnitSpec("d-nikkila", _D, ORGANISER, "753", "nikkila", "Nikkilän hammashoitola", "Nickby tandklinik",
             "public_dental", FI_SV),
    # Private dental units
    UnitSpec("d-hammasrivi-hyvinkaa", _D, "hammasrivi", "106", "hyvinkaa", "Hammasrivi Hyvinkää", "Tandraden Hyvinge",
             "private_dental"),
    UnitSpec("d-hammasrivi-jarvenpaa", _D, "hammasrivi", "186", "jarvenpaa", "Hammasrivi Järvenpää", None,
             "private_dental", ("fi", "en"), en="Hammasrivi Dental, Järvenpää"),
    UnitSpec("d-hammasrivi-lohja", _D, "hammasrivi", "444", "lohja", "Hammasrivi Lohja", "Tandraden Lojo",
             "private_dental", coordinates="zero"),
    UnitSpec("d-purenta-jokela", _D, "purenta", "858", "jokela", "Purenta Hammasklinikka Jokela",
             "Purenta Tandklinik Jokela", "private_dental"),
    UnitSpec("d-purenta-nurmijarvi", _D, "purenta", "543", "nurmijarvi", "Purenta Hammasklinikka Nurmijärvi",
             "Purenta Tandklinik Nurmijärvi", "private_dental"),
    UnitSpec("d-purenta-porvoo", (DENTAL_UNIT, VOUCHER_PROVIDER), "purenta", "638", "porvoo",
             "Purenta Hammasklinikka Porvoo", "Purenta Tandklinik Borgå", "private_dental", FI_SV,
             voucher_services=("dental_prosthetics",)),
    UnitSpec("d-strandvik-porvoo", _D, "strandvik", "638", "porvoo", "Strandvikin Hammaslääkärit Porvoo",
             "Tandläkarna Strandvik Borgå", "private_dental", SV_FI),
    UnitSpec("d-strandvik-nikkila", _D, "strandvik", "753", "nikkila", "Strandvikin Hammaslääkärit Nikkilä",
             "Tandläkarna Strandvik Nickby", "private_dental", SV_FI),
    # Voucher providers
    UnitSpec("v-kotikaari-hyvinkaa", _V, "kotikaari", "106", "hyvinkaa", "Kotikaari Hoiva Hyvinkää",
             "Hemvalvet Omsorg Hyvinge", "home_nursing_night", voucher_services=("home_care", "home_nursing")),
    UnitSpec("v-kotikaari-jarvenpaa", _V, "kotikaari", "186", "jarvenpaa", "Kotikaari Hoiva Järvenpää",
             "Hemvalvet Omsorg Träskända", "home_care", FI_SV, voucher_services=("home_care", "home_nursing")),
    UnitSpec("v-kotikaari-klaukkala", _V, "kotikaari", "543", "klaukkala", "Kotikaari Hoiva Klaukkala",
             "Hemvalvet Omsorg Klaukkala", "home_care", voucher_services=("home_care",)),
    UnitSpec("v-kotikaari-lohja", _V, "kotikaari", "444", "lohja", "Kotikaari Hoiva Lohja", "Hemvalvet Omsorg Lojo",
             "home_care", voucher_services=("home_nursing",)),
    UnitSpec("v-lahimmaisapu-hyryla", _V, "lahimmaisapu", "858", "hyryla", "Lähimmäisavun kotihoito Hyrylä",
             "Närhjälpens hemvård Hyrylä", "home_care", voucher_services=("home_care",)),
    UnitSpec("v-kvarnbacken-porvoo", _V, "kvarnbacken", "638", "porvoo", "Kotihoito Myllymäki Porvoo",
             "Hemvården Kvarnbacken Borgå", "home_care", SV_FI, voucher_services=("home_care", "home_nursing")),
    UnitSpec("v-kvarnbacken-nikkila", _V, "kvarnbacken", "753", "nikkila", "Kotihoito Myllymäki Nikkilä",
             "Hemvården Kvarnbacken Nickby", "home_care", SV_FI, voucher_services=("home_care",)),
    UnitSpec("v-hoivakeha-hyvinkaa", _V, "hoivakeha", "106", "hyvinkaa", "Hoivakoti Hoivakehä Hyvinkää",
             "Vårdhemmet Omsorgsringen Hyvinge", "always_open", voucher_services=("housing_services",)),
    UnitSpec("v-hoivakeha-mantsala", _V, "hoivakeha", "505", "mantsala", "Hoivakoti Hoivakehä Mäntsälä",
             "Vårdhemmet Omsorgsringen Mäntsälä", "always_open", voucher_services=("housing_services",), phone=False),
    UnitSpec("v-omenapuu-kellokoski", _V, "omenapuu", "858", "kellokoski", "Palvelukoti Omenapuu Kellokoski",
             "Servicehemmet Äppelträdet Kellokoski", "always_open", voucher_services=("housing_services",),
             coordinates="failed"),
    UnitSpec("v-omenapuu-lohja", _V, "omenapuu", "444", "lohja", "Palvelukoti Omenapuu Lohja",
             "Servicehemmet Äppelträdet Lojo", "always_open", voucher_services=("housing_services",)),
    UnitSpec("v-lindgarden-porvoo", _V, "lindgarden", "638", "porvoo", "Palvelutalo Lindgården",
             "Servicehuset Lindgården", "always_open", SV_FI, voucher_services=("housing_services",)),
    UnitSpec("v-kaarna-hyvinkaa", _V, "kaarna", "106", "hyvinkaa", "Hammasteknikko Kaarna Hyvinkää",
             "Tandtekniker Kaarna Hyvinge", "by_appointment", voucher_services=("dental_prosthetics",)),
    UnitSpec("v-kaarna-jarvenpaa", _V, "kaarna", "186", "jarvenpaa", "Hammasteknikko Kaarna Järvenpää",
             "Tandtekniker Kaarna Träskända", "by_appointment", voucher_services=("dental_prosthetics",)),
)  # fmt: skip

HELP_LINE = "ch-sote-neuvonta"


# ---------------------------------------------------------------------------------------------------------------
# Building the demo catalogue


@dataclass(frozen=True)
class DemoUnit:
    """What the organiser overlay and the tests need to know about one demo service location."""

    channel_id: str
    key: str
    kinds: tuple[str, ...]
    voucher_services: tuple[str, ...]
    municipality_code: str
    name_fi: str
    organization_key: str

    @property
    def is_public(self) -> bool:
        return self.organization_key == ORGANISER


@dataclass(frozen=True)
class QualityGap:
    """A deliberate hole in the demo data, for the catalogue's data-quality report to find."""

    channel_id: str
    unit_key: str
    field: str  # "name_sv" | "phone" | "coordinates"


@dataclass(frozen=True)
class FeedSummary:
    out_dir: Path
    today: date
    seed: int
    files: tuple[str, ...]  # page file names, in the order a reader takes them
    organizations: int
    services: int
    service_channels: int  # every channel, the Phone channel included
    service_locations: int
    sote_centres: int
    dental_units: int
    voucher_providers: Mapping[str, int]  # voucher service -> number of provider locations
    municipalities: tuple[str, ...]
    units: tuple[DemoUnit, ...]
    quality_gaps: tuple[QualityGap, ...]


def organization_id(seed: int, org_key: str) -> str:
    return stable_id(seed, "organization", org_key)


def channel_id(seed: int, unit_key: str) -> str:
    return stable_id(seed, "channel", unit_key)


def service_id(seed: int, service_key: str) -> str:
    return stable_id(seed, "service", service_key)


def demo_units(seed: int = DEFAULT_SEED) -> tuple[DemoUnit, ...]:
    """The demo service locations with their ids, kinds and voucher services (no dependence on `today`)."""
    return tuple(
        DemoUnit(
            channel_id=channel_id(seed, u.key),
            key=u.key,
            kinds=u.kinds,
            voucher_services=u.voucher_services,
            municipality_code=u.municipality,
            name_fi=u.fi,
            organization_key=u.org,
        )
        for u in UNITS
    )


def _services_of(unit: UnitSpec) -> list[str]:
    """Service keys a unit is connected to."""
    keys = []
    if SOTE_CENTRE in unit.kinds:
        keys.append(f"sote/{unit.org}")
    if DENTAL_UNIT in unit.kinds:
        keys.append(f"dental/{unit.org}")
    keys.extend(f"voucher/{service}" for service in unit.voucher_services)
    return keys


@dataclass(frozen=True)
class _ServiceSpec:
    key: str
    names: Texts
    responsible: str  # org key
    classes: tuple[str, ...]
    targets: tuple[str, ...]
    general_description: str
    summary: Texts
    description: Texts
    keywords: Mapping[str, Sequence[str]]
    law: Json
    voucher: str | None = None


_HEALTH_CARE_ACT = legislation(
    {"fi": "Terveydenhuoltolaki (1326/2010)", "sv": "Hälso- och sjukvårdslag (1326/2010)"},
    {
        "fi": "https://www.finlex.fi/fi/laki/ajantasa/2010/20101326",
        "sv": "https://www.finlex.fi/sv/laki/ajantasa/2010/20101326",
    },
)
_VOUCHER_ACT = legislation(
    {
        "fi": "Laki sosiaali- ja terveydenhuollon palvelusetelistä (569/2009)",
        "sv": "Lag om servicesedlar inom social- och hälsovården (569/2009)",
    },
    {
        "fi": "https://www.finlex.fi/fi/laki/ajantasa/2009/20090569",
        "sv": "https://www.finlex.fi/sv/laki/ajantasa/2009/20090569",
    },
)


def _service_specs() -> list[_ServiceSpec]:
    specs = []
    for org in ORGANISATIONS:
        units = [u for u in UNITS if u.org == org.key]
        brand_fi, brand_sv = org.names["fi"], org.names["sv"]
        if any(SOTE_CENTRE in u.kinds for u in units):
            public = org.key == ORGANISER
            specs.append(
                _ServiceSpec(
                    key=f"sote/{org.key}",
                    names={
                        "fi": "Sote-keskuksen vastaanottopalvelut" + ("" if public else f", {brand_fi}"),
                        "sv": "Social- och hälsocentralens mottagningstjänster" + ("" if public else f", {brand_sv}"),
                    },
                    responsible=org.key,
                    classes=("P5.1", "P4.13"),
                    targets=("KR1",),
                    general_description="gd/sote-centre",
                    summary={k: v.format(name=org.names[k]) for k, v in KIND_TEXTS[SOTE_CENTRE]["summary"].items()},
                    description=KIND_TEXTS[SOTE_CENTRE]["description"],
                    keywords={"fi": ["terveysasema", "sote-keskus"], "sv": ["hälsostation"]},
                    law=_HEALTH_CARE_ACT,
                )
            )
        if any(DENTAL_UNIT in u.kinds for u in units):
            specs.append(
                _ServiceSpec(
                    key=f"dental/{org.key}",
                    names={
                        "fi": "Suun terveydenhuolto" + ("" if org.key == ORGANISER else f", {brand_fi}"),
                        "sv": "Munhälsovård" + ("" if org.key == ORGANISER else f", {brand_sv}"),
                    },
                    responsible=org.key,
                    classes=("P5.10",),
                    targets=("KR1",),
                    general_description="gd/dental",
                    summary={k: v.format(name=org.names[k]) for k, v in KIND_TEXTS[DENTAL_UNIT]["summary"].items()},
                    description=KIND_TEXTS[DENTAL_UNIT]["description"],
                    keywords={"fi": ["hammashoitola", "hammaslääkäri"], "sv": ["tandklinik", "tandläkare"]},
                    law=_HEALTH_CARE_ACT,
                )
            )
    for voucher, info in VOUCHER_SERVICES.items():
        specs.append(
            _ServiceSpec(
                key=f"voucher/{voucher}",
                names=info["names"],
                responsible=ORGANISER,
                classes=info["classes"],
                targets=info["targets"],
                general_description=f"gd/voucher/{voucher}",
                summary=info["summary"],
                description={
                    "fi": "Hyvinvointialue myöntää palvelusetelin palvelutarpeen arvioinnin perusteella. Valitset "
                    "tuottajan hyväksyttyjen palveluntuottajien joukosta. Tuottaja ei saa periä palvelusetelillä "
                    "annetusta palvelusta muita maksuja kuin lakisääteisen asiakasmaksun.",
                    "sv": "Välfärdsområdet beviljar servicesedeln efter en bedömning av servicebehovet. Du väljer "
                    "producent bland de godkända serviceproducenterna. Producenten får inte ta ut andra avgifter "
                    "än den lagstadgade klientavgiften för tjänster som ges med servicesedel.",
                },
                keywords={"fi": ["palveluseteli"], "sv": ["servicesedel"]},
                law=_VOUCHER_ACT,
                voucher=voucher,
            )
        )
    return specs


@dataclass
class DemoCatalogue:
    organizations: list[Json]
    services: list[Json]
    channels: list[Json]  # ServiceLocations, then the Phone channel
    units: tuple[DemoUnit, ...]
    quality_gaps: tuple[QualityGap, ...]


def _phone_digits(rng: random.Random, area: str) -> str:
    """A landline number after "+358", without the trunk 0 and without spaces, as the real samples have it."""
    if area == "9":
        return f"9{rng.randint(2000, 8999)}{rng.randint(100, 999)}"
    return f"{area}{rng.randint(200, 899)}{rng.randint(1000, 9999)}"


def _unit_channel(
    unit: UnitSpec, seed: int, today: date, holidays: Sequence[Holiday], names_of_services: Mapping[str, str]
) -> tuple[Json, list[QualityGap]]:
    rng = random.Random(f"{seed}/unit/{unit.key}")  # noqa: S311  seeded, reproducible demo feed  # nosec B311
    municipality = MUNICIPALITY_BY_CODE[unit.municipality]
    locality = municipality.locality(unit.locality)
    org = ORG_BY_KEY[unit.org]
    cid = channel_id(seed, unit.key)
    gaps: list[QualityGap] = []

    names: dict[str, str] = {"fi": unit.fi}
    if unit.sv:
        names["sv"] = unit.sv
    else:
        gaps.append(QualityGap(cid, unit.key, "name_sv"))
    if unit.en:
        names["en"] = unit.en

    # Descriptions exist in fi and sv even where the Swedish name is the gap (and in en where the name is).
    primary = unit.kinds[0]
    summary: Texts
    description: Texts
    if primary in KIND_TEXTS:
        texts = KIND_TEXTS[primary]
        text_languages = ("fi", "sv", "en") if "en" in names else ("fi", "sv")
        summary = {lang: texts["summary"][lang].format(name=names.get(lang, unit.fi)) for lang in text_languages}
        description = {lang: texts["description"][lang] for lang in text_languages}
        if unit.voucher_services:  # e.g. a dental unit that also makes prostheses with a voucher
            extra, _ = voucher_texts(names, unit.voucher_services)
            description = {
                lang: f"{text} {extra[lang]}" if lang in extra else text for lang, text in description.items()
            }
    else:
        summary, description = voucher_texts(names, unit.voucher_services)

    street_fi, street_sv = rng.choice(locality.streets)
    number = str(rng.randint(1, 48)) + ("" if rng.random() < 0.8 else " " + rng.choice("ABC"))
    municipality_json = municipality_ref(municipality.code, municipality.names)
    latitude: str | None
    longitude: str | None
    if unit.coordinates == "ok":
        easting, northing = jitter(rng, *wgs84_to_tm35fin(locality.lat, locality.lon), locality.radius_m)
        latitude, longitude, state = coordinate(northing), coordinate(easting), "Ok"
    elif unit.coordinates == "zero":
        latitude, longitude, state = "0", "0", "NotReceived"
        gaps.append(QualityGap(cid, unit.key, "coordinates"))
    else:
        latitude, longitude, state = None, None, "Failed"
        gaps.append(QualityGap(cid, unit.key, "coordinates"))
    street = street_address(
        street={"fi": street_fi, "sv": street_sv},
        street_number=number,
        postal_code=rng.choice(locality.postal_codes),
        post_office={"fi": locality.post_office[0], "sv": locality.post_office[1]},
        municipality=municipality_json,
        latitude=latitude,
        longitude=longitude,
        coordinate_state=state,
    )
    entrances = []
    if rng.random() < 0.9:
        door: tuple[str | None, str | None]
        if state == "Ok" and latitude is not None and longitude is not None:  # "Ok" always comes with both
            door = (
                coordinate(float(latitude) + rng.uniform(-15, 15)),
                coordinate(float(longitude) + rng.uniform(-15, 15)),
            )
        else:
            door = (None, None)
        entrances.append(
            entrance(name=ENTRANCE_NAME, latitude=door[0], longitude=door[1], groups=accessibility_groups(rng))
        )
    addresses = [location_address(street, entrances)]
    if unit.org == ORGANISER:
        box = f"PL {rng.randint(10, 99)}"
        addresses.append(
            post_office_box_address(
                box={"fi": box, "sv": box.replace("PL", "PB")},
                postal_code=municipality.po_box_postal_code,
                post_office={"fi": locality.post_office[0], "sv": locality.post_office[1]},
                municipality=municipality_json,
            )
        )

    phones = []
    if unit.phone:
        digits = _phone_digits(rng, municipality.phone_area)
        info = {
            SOTE_CENTRE: ("Ajanvaraus ja neuvonta", "Tidsbokning och rådgivning"),
            DENTAL_UNIT: ("Ajanvaraus", "Tidsbokning"),
        }.get(primary, ("Asiakaspalvelu", "Kundtjänst"))
        phones = [
            phone_number(digits, language="fi", info=info[0], charge_description="Paikallisverkkomaksu"),
            phone_number(digits, language="sv", info=info[1], charge_description="Lokalnätsavgift"),
        ]
    else:
        gaps.append(QualityGap(cid, unit.key, "phone"))

    slug = ascii_slug(locality.fi)
    mailbox = {SOTE_CENTRE: "vastaanotto", DENTAL_UNIT: "hammashoito"}.get(primary, "asiakaspalvelu")
    address = f"{mailbox}.{slug}@{org.domain}"
    emails = [email(address, "fi"), email(address, "sv")]
    pages = [web_page(f"https://{org.domain}/{slug}", names["fi"], "fi")]
    if "sv" in names:
        pages.append(web_page(f"https://{org.domain}/sv/{ascii_slug(locality.sv)}", names["sv"], "sv"))

    modified = modified_before(today, rng)
    connections = [
        service_connection(service_id(seed, key), names_of_services[key], modified) for key in _services_of(unit)
    ]
    channel = service_location_channel(
        channel_id=cid,
        organization_id=organization_id(seed, unit.org),
        names=names,
        summary=summary,
        description=description,
        areas=municipality_areas([municipality_json]),
        phones=phones,
        emails=emails,
        languages=unit.languages,
        web_pages=pages,
        addresses=addresses,
        service_hours=profile_hours(unit.hours, holidays),
        services=connections,
        modified=modified,
    )
    return channel, gaps


def _help_line_channel(seed: int, today: date, holidays: Sequence[Holiday], service_names: Mapping[str, str]) -> Json:
    rng = random.Random(f"{seed}/channel/{HELP_LINE}")  # noqa: S311  seeded, reproducible demo feed  # nosec B311
    modified = modified_before(today, rng)
    schedule = SCHEDULES["office"]
    key = f"sote/{ORGANISER}"
    return phone_channel(
        channel_id=channel_id(seed, HELP_LINE),
        organization_id=organization_id(seed, ORGANISER),
        names={"fi": "Sote-neuvonta", "sv": "Social- och hälsorådgivning", "en": "Health and social services advice"},
        summary={
            "fi": "Neuvontapuhelin auttaa valitsemaan sote-keskuksen ja suun terveydenhuollon yksikön.",
            "sv": "Rådgivningstelefonen hjälper dig att välja social- och hälsocentral och enhet för munhälsovård.",
        },
        description={
            "fi": "Neuvontapuhelimesta saat apua listautumiseen, palveluseteleihin ja henkilökohtaiseen budjettiin.",
            "sv": "Rådgivningstelefonen hjälper med listning, servicesedlar och personlig budget.",
        },
        areas=municipality_areas([municipality_ref(m.code, m.names) for m in MUNICIPALITIES]),
        phones=[
            phone_number("945678000", language="fi", info="Sote-neuvonta", charge_description="Paikallisverkkomaksu"),
            phone_number("945678000", language="sv", info="Social- och hälsorådgivning"),
        ],
        languages=("fi", "sv", "en"),
        service_hours=[weekly_hours(schedule, NORMAL_HOURS), *holiday_exceptions(schedule, holidays, False)],
        services=[service_connection(service_id(seed, key), service_names[key], modified)],
        modified=modified,
    )


def build_demo_catalogue(today: date, seed: int = DEFAULT_SEED) -> DemoCatalogue:
    """The whole demo catalogue in memory (it is small): organisations, services and channels as v11 records."""
    holidays = upcoming_holidays(today)
    specs = _service_specs()
    service_names = {spec.key: spec.names["fi"] for spec in specs}
    org_names = {org.key: org.names["fi"] for org in ORGANISATIONS}

    channels: list[Json] = []
    gaps: list[QualityGap] = []
    for unit in UNITS:
        channel, unit_gaps = _unit_channel(unit, seed, today, holidays, service_names)
        channels.append(channel)
        gaps.extend(unit_gaps)
    channels.append(_help_line_channel(seed, today, holidays, service_names))

    connected: dict[str, list[Json]] = {spec.key: [] for spec in specs}
    producers: dict[str, list[str]] = {spec.key: [] for spec in specs}
    for unit, channel in zip(UNITS, channels[: len(UNITS)], strict=True):
        for key in _services_of(unit):
            name = channel["serviceChannelNames"][0]["value"]
            connected[key].append(channel_connection(channel["id"], name, channel["modified"]))
            if unit.org not in producers[key]:
                producers[key].append(unit.org)
    help_line = channels[-1]
    connected[f"sote/{ORGANISER}"].append(
        channel_connection(help_line["id"], help_line["serviceChannelNames"][0]["value"], help_line["modified"])
    )

    all_areas = municipality_areas([municipality_ref(m.code, m.names) for m in MUNICIPALITIES])
    services: list[Json] = []
    org_services: dict[str, list[Json]] = {org.key: [] for org in ORGANISATIONS}
    for spec in specs:
        rng = random.Random(f"{seed}/service/{spec.key}")  # noqa: S311  seeded, reproducible demo feed  # nosec B311
        sid = service_id(seed, spec.key)
        name = spec.names["fi"]
        organizations = [
            service_organization(organization_id(seed, spec.responsible), org_names[spec.responsible], "Responsible")
        ]
        org_services[spec.responsible].append(organization_service(sid, name, "Responsible"))
        vouchers: list[Json] = []
        if spec.voucher:
            info = {"fi": "Palvelusetelituottaja", "sv": "Serviceproducent med servicesedel"}
            for producer in producers[spec.key]:
                organizations.append(
                    service_organization(
                        organization_id(seed, producer), org_names[producer], "Producer", "Other", info
                    )
                )
                org_services[producer].append(organization_service(sid, name, "Producer", "Other"))
            url = f"https://{ORG_BY_KEY[ORGANISER].domain}/palveluseteli/{spec.voucher.replace('_', '-')}"
            vouchers = [
                service_voucher(spec.names["fi"], "fi", url, "Hyväksytyt palveluntuottajat"),
                service_voucher(spec.names["sv"], "sv", url.replace("/palveluseteli/", "/sv/servicesedel/"),
                                "Godkända serviceproducenter"),
            ]  # fmt: skip
        else:
            if spec.responsible != ORGANISER:
                organizations.append(
                    service_organization(organization_id(seed, ORGANISER), org_names[ORGANISER], "OtherResponsible")
                )
                org_services[ORGANISER].append(organization_service(sid, name, "OtherResponsible"))
            organizations.append(
                service_organization(
                    organization_id(seed, spec.responsible),
                    org_names[spec.responsible],
                    "Producer",
                    "SelfProducedServices",
                )
            )
            org_services[spec.responsible].append(organization_service(sid, name, "Producer", "SelfProducedServices"))
        services.append(
            service_record(
                service_id=sid,
                general_description_id=stable_id(seed, spec.general_description),
                names=spec.names,
                funding_type="PubliclyFunded",  # in the pilot every approved service is paid by the organiser
                charge_type="Chargeable",  # the statutory client fee, which the organiser collects
                areas=all_areas,
                summary=spec.summary,
                description=spec.description,
                user_instruction={
                    "fi": "Varaa aika puhelimitse tai verkossa. Ota Kela-kortti mukaan.",
                    "sv": "Boka tid per telefon eller på nätet. Ta med FPA-kortet.",
                },
                languages=("fi", "sv"),
                class_codes=spec.classes,
                target_group_codes=spec.targets,
                keywords=spec.keywords,
                laws=[spec.law],
                channels=connected[spec.key],
                organizations=organizations,
                vouchers=vouchers,
                modified=modified_before(today, rng),
            )
        )

    organizations_json = [_organization(org, seed, today, org_services[org.key]) for org in ORGANISATIONS]
    return DemoCatalogue(organizations_json, services, channels, demo_units(seed), tuple(gaps))


def _organization(org: OrgSpec, seed: int, today: date, services: list[Json]) -> Json:
    rng = random.Random(f"{seed}/organization/{org.key}")  # noqa: S311  seeded, reproducible demo feed  # nosec B311
    home = MUNICIPALITY_BY_CODE[org.home]
    locality = home.localities[0]
    street_fi, street_sv = rng.choice(locality.streets)
    easting, northing = jitter(rng, *wgs84_to_tm35fin(locality.lat, locality.lon), locality.radius_m)
    home_json = municipality_ref(home.code, home.names)
    operating = sorted({u.municipality for u in UNITS if u.org == org.key})
    demo_note = {
        "fi": "Tämä organisaatio on keksitty Valinta-portaalin demoaineistoa varten (demo).",
        "sv": "Organisationen är påhittad för Valinta-portalens demodata (demo).",
        "en": "This organisation is invented for the Valinta portal's demo data (demo).",
    }
    summary = {lang: f"(demo) {text}" for lang, text in org.summary.items()}
    description = {lang: f"{org.summary.get(lang, org.summary['fi'])} {note}" for lang, note in demo_note.items()}
    digits = _phone_digits(rng, home.phone_area)
    mailbox = f"kirjaamo@{org.domain}" if org.key == ORGANISER else f"info@{org.domain}"
    return organization_record(
        organization_id=organization_id(seed, org.key),
        organization_type=org.organization_type,
        business_code=business_code(rng),
        names=org.names,
        municipality=home_json if org.key != ORGANISER else None,
        areas=municipality_areas([municipality_ref(c, MUNICIPALITY_BY_CODE[c].names) for c in operating]),
        summary=summary,
        description=description,
        emails=[organization_email(mailbox, "fi"), organization_email(mailbox, "sv")],
        phones=[
            organization_phone_number(digits, language="fi", info="Vaihde"),
            organization_phone_number(digits, language="sv", info="Växel"),
        ],
        web_pages=[
            web_page(f"https://{org.domain}/", org.names["fi"], "fi"),
            web_page(f"https://{org.domain}/sv/", org.names["sv"], "sv"),
        ],
        addresses=[
            visiting_address(
                street_address(
                    street={"fi": street_fi, "sv": street_sv},
                    street_number=str(rng.randint(1, 40)),
                    postal_code=locality.postal_codes[0],
                    post_office={"fi": locality.post_office[0], "sv": locality.post_office[1]},
                    municipality=home_json,
                    latitude=coordinate(northing),
                    longitude=coordinate(easting),
                )
            )
        ],
        services=services,
        modified=modified_before(today, rng),
    )


def write_demo_feed(out_dir: Path, today: date, seed: int = DEFAULT_SEED) -> FeedSummary:
    """Write the demo catalogue as v11 page files into `out_dir` (created if missing; old pages replaced)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_pages(out_dir, (CHANNEL_PAGES, SERVICE_PAGES, ORGANIZATION_PAGES))
    catalogue = build_demo_catalogue(today, seed)
    files: list[str] = []
    for prefix, records in (
        (CHANNEL_PAGES, catalogue.channels),
        (ORGANIZATION_PAGES, catalogue.organizations),
        (SERVICE_PAGES, catalogue.services),
    ):
        writer = PageWriter(out_dir, prefix, len(records), indent=2)
        writer.add_all(records)
        files.extend(writer.path_of(n).name for n in range(1, writer.close() + 1))
    units = catalogue.units
    return FeedSummary(
        out_dir=out_dir,
        today=today,
        seed=seed,
        files=tuple(sorted(files)),
        organizations=len(catalogue.organizations),
        services=len(catalogue.services),
        service_channels=len(catalogue.channels),
        service_locations=sum(c["serviceChannelType"] == "ServiceLocation" for c in catalogue.channels),
        sote_centres=sum(SOTE_CENTRE in u.kinds for u in units),
        dental_units=sum(DENTAL_UNIT in u.kinds for u in units),
        voucher_providers={s: sum(s in u.voucher_services for u in units) for s in VOUCHER_SERVICES},
        municipalities=tuple(m.code for m in MUNICIPALITIES),
        units=units,
        quality_gaps=catalogue.quality_gaps,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m portal.demo.ptv_feed",
        description="Write the demo PTV v11 feed of the Uusimaa pilot (page files) into OUT_DIR.",
    )
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--overlay",
        type=Path,
        default=None,
        help="also write the organiser overlay to this .csv or .json file (keep it out of OUT_DIR)",
    )
    args = parser.parse_args(argv)
    today = args.today or date.today()
    summary = write_demo_feed(args.out_dir, today, args.seed)
    print(
        f"{summary.out_dir}: {summary.service_locations} service locations ({summary.sote_centres} sote centres, "
        f"{summary.dental_units} dental units), {summary.services} services, {summary.organizations} organisations "
        f"in {len(summary.files)} page files"
    )
    if args.overlay:
        from portal.demo.overlay import write_demo_overlay

        overlay = write_demo_overlay(args.overlay, today, args.seed)
        print(f"{args.overlay}: overlay for {len(overlay.entries)} service locations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
