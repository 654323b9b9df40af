"""Reader for PTV Open API v11 records: ServiceLocation channels, Services and Organisations into the model.

The older v9 records (kunta-api-server samples) have the same shape minus a few keys (`isAlwaysOpen`,
`isReservation`, phone `type` on organisations), so this one reader serves both: missing keys default, and
whatever cannot be interpreted is reported as a warning or a `RecordError`.

`parse_record` tells the record's kind from its keys, because files and list endpoints mix kinds and PTV has no
envelope naming them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.ptv import v11_parts as parts
from adapters.ptv._fields import Fields
from adapters.ptv.errors import RecordError, RecordWarning
from adapters.ptv.model import LocalizedText, Organisation, Producer, Service, ServiceClass, ServiceLocation, Voucher
from adapters.ptv.v11_hours import opening_hours

LOCATION = "service_location"
SERVICE = "service"
ORGANISATION = "organisation"
CHANNEL = "channel"  # a channel of another type than ServiceLocation: skipped, only counted

_PRODUCER_PROVISION = {"SelfProducedServices", "ProcuredServices", "Other"}
_RESPONSIBLE_ROLES = {"Responsible", "OtherResponsible"}
_NAME_TYPES = {"Name", "AlternativeName", "AlternateName"}  # "AlternateName" is the v7 spelling

Item = ServiceLocation | Service | Organisation


@dataclass(frozen=True, slots=True)
class Parsed:
    """The outcome for one record that is not an error.

    Exactly one of: `item` is set (a record to store); `removed` is true (the publishing status says the record
    is gone, `status` says how); `kind == CHANNEL` (a non-location channel, `channel_type` says which).
    """

    kind: str
    record_id: str
    item: Item | None = None
    removed: bool = False
    status: str | None = None
    channel_type: str | None = None
    warnings: tuple[RecordWarning, ...] = ()


def parse_record(raw: Any) -> Parsed:
    """Parse one raw v11 (or v9) record. Raises `RecordError` for a record that cannot be used."""
    if not isinstance(raw, dict):
        raise RecordError(None, "", "a record must be a JSON object")
    # The raw id names the record in errors even when it turns out not to be a valid GUID; escaped as repr() does,
    # since it may hold anything (a NUL, a lone surrogate that no UTF-8 message or database column can carry).
    f = Fields(repr(raw["id"])[1:-1] if isinstance(raw.get("id"), str) else None)
    record_id = _required_guid(f, raw.get("id"), "id")
    f.record_id = record_id
    kind = _kind(f, raw)
    status = f.string(raw.get("publishingStatus"), "publishingStatus")
    channel_type = f.string(raw.get("serviceChannelType"), "serviceChannelType") if kind == CHANNEL else None
    if channel_type == "ServiceLocation":
        kind = LOCATION
    if status is not None and status != "Published":
        # Only published versions are public; anything else means "no longer to be shown" for an incremental sync.
        return Parsed(kind, record_id, removed=True, status=status, channel_type=channel_type)
    if kind == CHANNEL:
        return Parsed(kind, record_id, channel_type=channel_type)
    readers: dict[str, Callable[[Fields, dict[str, Any], str], ServiceLocation | Service | Organisation]] = {
        LOCATION: _location,
        SERVICE: _service,
        ORGANISATION: _organisation,
    }
    reader = readers[kind]
    item = reader(f, raw, record_id)
    return Parsed(kind, record_id, item=item, status=status or "Published", warnings=tuple(f.warnings))


def _kind(f: Fields, raw: dict[str, Any]) -> str:
    if "serviceChannelType" in raw:
        return CHANNEL
    if "serviceNames" in raw:
        return SERVICE
    if "organizationNames" in raw:
        return ORGANISATION
    if set(raw) <= {"id", "name"}:
        raise f.error("", "a GUID-list item (id and name only), not a full record: fetch it with /list?guids=")
    raise f.error("", "not a channel, service or organisation (no serviceChannelType/serviceNames/organizationNames)")


def _guid(f: Fields, value: Any, path: str) -> str | None:
    """A GUID in its canonical lower-case form, None when missing; anything else is an error."""
    text = f.string(value, path)
    if text is None:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise f.error(path, f"not a GUID: {text!r}") from None


def _required_guid(f: Fields, value: Any, path: str) -> str:
    found = _guid(f, value, path)
    if found is None:
        raise f.error(path, "missing")
    return found


def _names(f: Fields, raw: dict[str, Any], key: str) -> tuple[LocalizedText, LocalizedText]:
    """(names, alternative names) of a `[{language, value, type}]` list; a record must have a name."""
    for p, item in f.objects(raw.get(key), key):
        if f.code(item.get("type"), f"{p}.type") not in _NAME_TYPES:
            f.warn(f"{p}.type", f"unknown name type {item.get('type')!r}; name left out")
    names = f.localized(raw.get(key), key, type_="Name")
    if not names:
        raise f.error(key, "no name in Finnish, Swedish or English")
    alternative = f.localized(raw.get(key), key, type_="AlternativeName")
    return names, alternative or f.localized(raw.get(key), key, type_="AlternateName")


def _location(f: Fields, raw: dict[str, Any], record_id: str) -> ServiceLocation:
    names, alternative = _names(f, raw, "serviceChannelNames")
    shown = set()
    for p, item in f.objects(raw.get("displayNameType"), "displayNameType"):
        if item.get("type") == "AlternativeName":
            shown.add(f.code(item.get("language"), f"{p}.language"))
        elif item.get("type") != "Name":
            f.warn(f"{p}.type", f"unknown display name type {item.get('type')!r} ignored")
    areas = parts.area_municipalities(f, raw.get("areas"), "areas")
    # A street address without a municipality (seen in real data) belongs to the area's municipality when the
    # channel serves exactly one.
    visiting, postal = parts.addresses(f, raw.get("addresses"), "addresses", areas[0] if len(areas) == 1 else None)
    emails_key = "emails" if "emails" in raw else "supportEmails"
    return ServiceLocation(
        id=record_id,
        organisation_id=_required_guid(f, raw.get("organizationId"), "organizationId"),
        names=names,
        alternative_names=alternative,
        alternative_name_shown_in=frozenset(lang for lang in shown if isinstance(lang, str)),
        summary=f.localized(raw.get("serviceChannelDescriptions"), "serviceChannelDescriptions", type_="Summary"),
        description=f.localized(
            raw.get("serviceChannelDescriptions"), "serviceChannelDescriptions", type_="Description"
        ),
        addresses=visiting,
        postal_addresses=postal,
        phones=parts.phones(f, raw.get("phoneNumbers"), "phoneNumbers"),
        emails=parts.emails(f, raw.get(emails_key), emails_key),
        web_pages=parts.web_pages(f, raw.get("webPages"), "webPages"),
        languages=f.strings(raw.get("languages"), "languages"),
        area_municipalities=tuple(m.code for m in areas),
        hours=opening_hours(f, raw.get("serviceHours"), "serviceHours"),
        connections=parts.connections(f, raw.get("services"), "services", owner_id=record_id, owner_is_service=False),
        modified=f.timestamp(raw.get("modified"), "modified"),
    )


def _service(f: Fields, raw: dict[str, Any], record_id: str) -> Service:
    names, alternative = _names(f, raw, "serviceNames")
    classes = tuple(
        ServiceClass(
            code=f.string(item.get("code"), f"{p}.code"),
            uri=f.string(item.get("uri"), f"{p}.uri"),
            names=f.localized(item.get("name"), f"{p}.name"),
        )
        for p, item in f.objects(raw.get("serviceClasses"), "serviceClasses")
    )
    responsible: list[str] = []
    producers: list[Producer] = []
    for p, item in f.objects(raw.get("organizations"), "organizations"):
        organisation = f.obj(item.get("organization"), f"{p}.organization") or {}
        org_id = _guid(f, organisation.get("id"), f"{p}.organization.id")
        role = f.code(item.get("roleType"), f"{p}.roleType")
        if role in _RESPONSIBLE_ROLES and org_id:
            responsible.append(org_id)
        elif role == "Producer":
            provision = f.string(item.get("provisionType"), f"{p}.provisionType")
            if provision not in _PRODUCER_PROVISION:
                f.warn(f"{p}.provisionType", f"unknown provision type {provision!r} kept as is")
            info = f.localized(item.get("additionalInformation"), f"{p}.additionalInformation")
            producers.append(Producer(org_id, provision, f.string(organisation.get("name"), f"{p}.name"), info))
        else:
            f.warn(f"{p}.roleType", f"unknown organisation role {role!r} ignored")
    vouchers = tuple(
        Voucher(
            name=f.string(item.get("value"), f"{p}.value"),
            url=f.string(item.get("url"), f"{p}.url"),
            info=f.string(item.get("additionalInformation"), f"{p}.additionalInformation"),
            language=f.string(item.get("language"), f"{p}.language"),
        )
        for p, item in f.objects(raw.get("serviceVouchers"), "serviceVouchers")
    )
    descriptions = raw.get("serviceDescriptions")
    return Service(
        id=record_id,
        names=names,
        alternative_names=alternative,
        summary=f.localized(descriptions, "serviceDescriptions", type_="Summary"),
        description=f.localized(descriptions, "serviceDescriptions", type_="Description"),
        service_type=f.string(raw.get("type"), "type"),
        funding_type=f.string(raw.get("fundingType"), "fundingType"),
        charge_type=f.string(raw.get("serviceChargeType"), "serviceChargeType"),
        general_description_id=_guid(f, raw.get("generalDescriptionId"), "generalDescriptionId"),
        service_classes=classes,
        target_group_codes=tuple(
            code
            for p, item in f.objects(raw.get("targetGroups"), "targetGroups")
            if (code := f.string(item.get("code"), f"{p}.code"))
        ),
        languages=f.strings(raw.get("languages"), "languages"),
        area_municipalities=tuple(m.code for m in parts.area_municipalities(f, raw.get("areas"), "areas")),
        responsible_organisation_ids=tuple(dict.fromkeys(responsible)),
        producers=tuple(producers),
        vouchers_in_use=f.boolean(raw.get("serviceVouchersInUse"), "serviceVouchersInUse"),
        vouchers=vouchers,
        connections=parts.connections(
            f, raw.get("serviceChannels"), "serviceChannels", owner_id=record_id, owner_is_service=True
        ),
        modified=f.timestamp(raw.get("modified"), "modified"),
    )


def _organisation(f: Fields, raw: dict[str, Any], record_id: str) -> Organisation:
    names, alternative = _names(f, raw, "organizationNames")
    home = parts.municipality(f, raw.get("municipality"), "municipality")
    visiting, _postal = parts.addresses(f, raw.get("addresses"), "addresses", home)
    descriptions = raw.get("organizationDescriptions")
    return Organisation(
        id=record_id,
        names=names,
        alternative_names=alternative,
        business_code=f.string(raw.get("businessCode"), "businessCode"),
        organisation_type=f.string(raw.get("organizationType"), "organizationType"),
        oid=f.string(raw.get("oid"), "oid"),
        parent_id=_guid(f, raw.get("parentOrganizationId"), "parentOrganizationId"),
        municipality=home,
        descriptions=f.localized(descriptions, "organizationDescriptions", type_="Description")
        or f.localized(descriptions, "organizationDescriptions", type_="Summary"),
        addresses=visiting,
        phones=parts.phones(f, raw.get("phoneNumbers"), "phoneNumbers"),
        emails=parts.emails(f, raw.get("emails"), "emails"),
        web_pages=parts.web_pages(f, raw.get("webPages"), "webPages"),
        modified=f.timestamp(raw.get("modified"), "modified"),
    )


def organisation_references(raw: dict[str, Any]) -> set[str]:
    """The organisations a record that parses refers to, read without parsing it: a location's organisation, a
    service's responsible and producing ones (an organisation has none). As the parsed item would give them."""
    if "serviceChannelType" in raw:
        return {str(uuid.UUID(raw["organizationId"].strip()))}
    if "serviceNames" not in raw:
        return set()
    found = set()
    for entry in raw.get("organizations") or ():
        if not isinstance(entry, dict) or entry.get("roleType") not in _RESPONSIBLE_ROLES | {"Producer"}:
            continue
        organisation_id = (entry.get("organization") or {}).get("id")
        if isinstance(organisation_id, str) and organisation_id.strip():
            found.add(str(uuid.UUID(organisation_id.strip())))
    return found
