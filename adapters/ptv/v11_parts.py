"""Readers for the parts v11 records share: contacts, addresses, connections, areas (hours: `v11_hours`).

A part that cannot be interpreted (an unknown address type, a phone without a number) is left out with a warning
rather than failing the whole record; see `adapters.ptv.errors` for the reasoning.
"""

from __future__ import annotations

from typing import Any

from adapters.ptv import geo
from adapters.ptv._fields import Fields
from adapters.ptv.model import AccessibilitySentence, Address, Connection, Email, Entrance, Municipality, Phone, WebPage
from adapters.ptv.v11_hours import opening_hours

_VISITING = {"Location", "Visiting"}  # channels say Location, organisations say Visiting
_PHONE_TYPES = {"Phone", "Sms", "Fax"}


def phones(f: Fields, value: Any, path: str) -> tuple[Phone, ...]:
    found = []
    for p, item in f.objects(value, path):
        number = f.string(item.get("number"), f"{p}.number")
        if not number:
            f.warn(f"{p}.number", "phone without a number left out")
            continue
        prefix = f.string(item.get("prefixNumber"), f"{p}.prefixNumber") or ""
        kind = f.string(item.get("type"), f"{p}.type") or "Phone"  # organisation phones have no type
        if kind not in _PHONE_TYPES:
            f.warn(f"{p}.type", f"unknown phone type {kind!r}; read as Phone")
            kind = "Phone"
        found.append(
            Phone(
                number=(prefix + number).replace(" ", ""),
                kind=kind,
                info=f.string(item.get("additionalInformation"), f"{p}.additionalInformation"),
                charge_type=f.string(item.get("serviceChargeType"), f"{p}.serviceChargeType"),
                charge_description=f.string(item.get("chargeDescription"), f"{p}.chargeDescription"),
                is_service_number=f.boolean(item.get("isFinnishServiceNumber"), f"{p}.isFinnishServiceNumber"),
                language=f.string(item.get("language"), f"{p}.language"),
            )
        )
    return tuple(found)


def emails(f: Fields, value: Any, path: str) -> tuple[Email, ...]:
    found = []
    for p, item in f.objects(value, path):
        address = f.string(item.get("value"), f"{p}.value")
        if address and "@" not in address:
            f.warn(f"{p}.value", f"not an e-mail address: {address!r}; left out")
        elif address:
            found.append(Email(address, f.string(item.get("language"), f"{p}.language")))
    return tuple(found)


def web_pages(f: Fields, value: Any, path: str) -> tuple[WebPage, ...]:
    found = []
    for p, item in f.objects(value, path):
        url = f.string(item.get("url"), f"{p}.url")
        if not url:
            f.warn(f"{p}.url", "web page without a URL left out")
            continue
        title = f.string(item.get("value"), f"{p}.value")
        found.append(WebPage(url, title, f.string(item.get("language"), f"{p}.language")))
    return tuple(found)


def municipality(f: Fields, value: Any, path: str) -> Municipality | None:
    obj = f.obj(value, path)
    if obj is None:
        return None
    code = f.string(obj.get("code"), f"{path}.code")
    if not code or not (code.isascii() and code.isdigit() and len(code) <= 3):  # isdigit() alone takes "²" and "١"
        f.warn(f"{path}.code", f"not a municipality code: {code!r}")
        return None
    return Municipality(code, f.localized(obj.get("name"), f"{path}.name"))


def area_municipalities(f: Fields, value: Any, path: str) -> tuple[Municipality, ...]:
    """Municipalities listed in `areas` (only areas of type Municipality name municipalities)."""
    found: list[Municipality] = []
    for p, area in f.objects(value, path):
        if area.get("type") != "Municipality":
            continue
        for mp, item in f.objects(area.get("municipalities"), f"{p}.municipalities"):
            m = municipality(f, item, mp)
            if m and all(m.code != other.code for other in found):
                found.append(m)
    return tuple(found)


def point(f: Fields, obj: dict[str, Any], path: str) -> tuple[float, float] | None:
    lat, lon = obj.get("latitude"), obj.get("longitude")
    result = geo.tm35fin_to_wgs84(lat, lon)
    # "0", "" and missing are PTV's way of saying "not geocoded": normal, not worth a warning. Anything else that
    # gives no point (degrees in the wrong field, text, a place abroad) is.
    if result is None and not (_blank(lat) and _blank(lon)):
        f.warn(f"{path}.latitude", f"coordinates ({lat!r}, {lon!r}) are not TM35FIN metres in Finland; no point")
    return result


def _blank(value: Any) -> bool:
    text = "" if value is None else str(value).strip()
    try:
        return not text or float(text) == 0
    except ValueError:
        return False


def addresses(
    f: Fields, value: Any, path: str, fallback: Municipality | None
) -> tuple[tuple[Address, ...], tuple[Address, ...]]:
    """(visiting, postal) addresses in PTV's order. `fallback` fills a missing street-address municipality."""
    visiting: list[Address] = []
    postal: list[Address] = []
    for p, item in f.objects(value, path):
        kind = f.code(item.get("type"), f"{p}.type")
        if kind not in _VISITING and kind != "Postal":
            f.warn(f"{p}.type", f"unknown address type {kind!r}; address left out")
            continue
        parsed = _address(f, item, p, fallback)
        if parsed is not None:
            (visiting if kind in _VISITING else postal).append(parsed)
    return tuple(visiting), tuple(postal)


def _address(f: Fields, item: dict[str, Any], path: str, fallback: Municipality | None) -> Address | None:
    sub_type = item.get("subType")
    entrances = _entrances(f, item.get("entrances"), f"{path}.entrances")
    other = f.obj(item.get("otherAddress"), f"{path}.otherAddress")
    if other is not None and sub_type != "Other":
        # PTV fills otherAddress only for map-point addresses; elsewhere it is filler (kunta-api-server samples).
        f.warn(f"{path}.otherAddress", f"ignored on a {sub_type!r} address")
    if sub_type == "Other" and other is not None:
        lat_lon = point(f, other, f"{path}.otherAddress")
        return Address(
            postal_code=f.string(other.get("postalCode"), f"{path}.otherAddress.postalCode"),
            post_office=f.localized(other.get("postOffice"), f"{path}.otherAddress.postOffice"),
            latitude=lat_lon[0] if lat_lon else None,
            longitude=lat_lon[1] if lat_lon else None,
            info=f.localized(other.get("additionalInformation"), f"{path}.otherAddress.additionalInformation"),
            entrances=entrances,
        )
    box = f.obj(item.get("postOfficeBoxAddress"), f"{path}.postOfficeBoxAddress")
    street = f.obj(item.get("streetAddress"), f"{path}.streetAddress")
    if box is not None and (sub_type == "PostOfficeBox" or street is None):
        p = f"{path}.postOfficeBoxAddress"
        return Address(
            po_box=f.localized(box.get("postOfficeBox"), f"{p}.postOfficeBox"),
            postal_code=f.string(box.get("postalCode"), f"{p}.postalCode"),
            post_office=f.localized(box.get("postOffice"), f"{p}.postOffice"),
            municipality=municipality(f, box.get("municipality"), f"{p}.municipality"),
            info=f.localized(box.get("additionalInformation"), f"{p}.additionalInformation"),
        )
    if street is None:
        abroad = f.localized(item.get("locationAbroad"), f"{path}.locationAbroad")
        if abroad:
            return Address(info=abroad, entrances=entrances)
        f.warn(path, f"address of subType {sub_type!r} has no street, box or map point; left out")
        return None
    p = f"{path}.streetAddress"
    place = municipality(f, street.get("municipality"), f"{p}.municipality")
    if place is None and fallback is not None:
        f.warn(f"{p}.municipality", f"missing; taken from the record's area ({fallback.code})")
        place = fallback
    lat_lon = point(f, street, p)
    return Address(
        street=f.localized(street.get("street"), f"{p}.street"),
        street_number=f.string(street.get("streetNumber"), f"{p}.streetNumber"),
        postal_code=f.string(street.get("postalCode"), f"{p}.postalCode"),
        post_office=f.localized(street.get("postOffice"), f"{p}.postOffice"),
        municipality=place,
        latitude=lat_lon[0] if lat_lon else None,
        longitude=lat_lon[1] if lat_lon else None,
        info=f.localized(street.get("additionalInformation"), f"{p}.additionalInformation"),
        entrances=entrances,
    )


def _entrances(f: Fields, value: Any, path: str) -> tuple[Entrance, ...]:
    found = []
    for p, item in f.objects(value, path):
        coordinates = f.obj(item.get("coordinates"), f"{p}.coordinates")
        lat_lon = point(f, coordinates, f"{p}.coordinates") if coordinates else None
        sentences = []
        for gp, group in f.objects(item.get("accessibilitySentences"), f"{p}.accessibilitySentences"):
            title = f.localized(group.get("sentenceGroup"), f"{gp}.sentenceGroup")
            for sp, sentence in f.objects(group.get("sentences"), f"{gp}.sentences"):
                text = f.localized(sentence.get("sentence"), f"{sp}.sentence")
                if text:
                    sentences.append(AccessibilitySentence(title, text))
        found.append(
            Entrance(
                names=f.localized(item.get("name"), f"{p}.name"),
                is_main=f.boolean(item.get("isMainEntrance"), f"{p}.isMainEntrance"),
                latitude=lat_lon[0] if lat_lon else None,
                longitude=lat_lon[1] if lat_lon else None,
                accessibility=tuple(sentences),
            )
        )
    return tuple(found)


def connections(f: Fields, value: Any, path: str, *, owner_id: str, owner_is_service: bool) -> tuple[Connection, ...]:
    """Connections of a channel (`services[]`, owner = channel) or of a service (`serviceChannels[]`)."""
    other_key = "serviceChannel" if owner_is_service else "service"
    found = []
    for p, item in f.objects(value, path):
        other = f.obj(item.get(other_key), f"{p}.{other_key}") or {}
        other_id = f.string(other.get("id"), f"{p}.{other_key}.id")
        if not other_id:
            f.warn(f"{p}.{other_key}.id", "connection without an id left out")
            continue
        contact = f.obj(item.get("contactDetails"), f"{p}.contactDetails") or {}
        cp = f"{p}.contactDetails"
        found.append(
            Connection(
                service_id=owner_id if owner_is_service else other_id,
                channel_id=other_id if owner_is_service else owner_id,
                name=f.string(other.get("name"), f"{p}.{other_key}.name"),
                charge_type=f.string(item.get("serviceChargeType"), f"{p}.serviceChargeType"),
                description=f.localized(item.get("description"), f"{p}.description"),
                hours=opening_hours(f, item.get("serviceHours"), f"{p}.serviceHours"),
                phones=phones(f, contact.get("phoneNumbers"), f"{cp}.phoneNumbers"),
                emails=emails(f, contact.get("emails"), f"{cp}.emails"),
                web_pages=web_pages(f, contact.get("webPages"), f"{cp}.webPages"),
                modified=f.timestamp(item.get("modified"), f"{p}.modified"),
            )
        )
    return tuple(found)
