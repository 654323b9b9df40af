"""The portal's own picture of PTV data, independent of the API version.

The v11 reader (`adapters.ptv.v11`) fills these classes; a v12 reader can fill the same ones later, so nothing here
names a v11 JSON key. All classes are frozen: a parsed feed is a value the importer stores or throws away whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from adapters.ptv.hours import HELSINKI, DayHours, HoursKind, HoursPeriod, OpeningHours, TimeRange
from adapters.ptv.text import LANGUAGES, LocalizedText

__all__ = [
    "HELSINKI",
    "LANGUAGES",
    "AccessibilitySentence",
    "Address",
    "Connection",
    "DayHours",
    "Email",
    "Entrance",
    "HoursKind",
    "HoursPeriod",
    "LocalizedText",
    "Municipality",
    "OpeningHours",
    "Organisation",
    "Phone",
    "Producer",
    "Service",
    "ServiceClass",
    "ServiceLocation",
    "TimeRange",
    "Voucher",
    "WebPage",
    "link_producers",
]


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str  # Statistics Finland code, three digits ("091"), as PTV gives it
    names: LocalizedText = field(default_factory=LocalizedText)


@dataclass(frozen=True, slots=True)
class Phone:
    number: str  # prefix and number joined, e.g. "+358409000864"; service numbers may have no prefix
    kind: str = "Phone"  # Phone | Sms | Fax
    info: str | None = None
    charge_type: str | None = None  # Chargeable | FreeOfCharge | Other
    charge_description: str | None = None
    is_service_number: bool = False
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Email:
    address: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class WebPage:
    url: str
    title: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class AccessibilitySentence:
    group: LocalizedText  # e.g. "Sisäänkäynti"
    text: LocalizedText


@dataclass(frozen=True, slots=True)
class Entrance:
    names: LocalizedText = field(default_factory=LocalizedText)
    is_main: bool = False
    latitude: float | None = None
    longitude: float | None = None
    accessibility: tuple[AccessibilitySentence, ...] = ()


@dataclass(frozen=True, slots=True)
class Address:
    """A visiting or postal address. Coordinates are WGS84 degrees, or None when PTV has no usable point."""

    street: LocalizedText = field(default_factory=LocalizedText)
    street_number: str | None = None
    postal_code: str | None = None
    post_office: LocalizedText = field(default_factory=LocalizedText)
    po_box: LocalizedText = field(default_factory=LocalizedText)
    municipality: Municipality | None = None
    latitude: float | None = None
    longitude: float | None = None
    info: LocalizedText = field(default_factory=LocalizedText)
    entrances: tuple[Entrance, ...] = ()


@dataclass(frozen=True, slots=True)
class Connection:
    """A service offered at a channel, with what is specific to that pair (its own hours and contacts).

    PTV embeds connections on both sides (a location's `services[]`, a service's `serviceChannels[]`); this
    class holds either.
    """

    service_id: str
    channel_id: str
    name: str | None = None  # the other side's name as the connection carries it (Finnish, untranslated)
    charge_type: str | None = None
    description: LocalizedText = field(default_factory=LocalizedText)
    hours: OpeningHours = field(default_factory=OpeningHours)
    phones: tuple[Phone, ...] = ()
    emails: tuple[Email, ...] = ()
    web_pages: tuple[WebPage, ...] = ()
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class Producer:
    """Who produces a service. `organisation_id` is None for a producer that is not a PTV organisation."""

    organisation_id: str | None
    provision_type: str | None  # SelfProducedServices | ProcuredServices | Other
    organisation_name: str | None = None
    info: LocalizedText = field(default_factory=LocalizedText)


@dataclass(frozen=True, slots=True)
class ServiceClass:
    code: str | None  # "P5.10"; match on this, the URIs changed form over the years
    uri: str | None
    names: LocalizedText = field(default_factory=LocalizedText)


@dataclass(frozen=True, slots=True)
class Voucher:
    name: str | None
    url: str | None = None
    info: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    names: LocalizedText
    alternative_names: LocalizedText = field(default_factory=LocalizedText)
    business_code: str | None = None  # Y-tunnus
    organisation_type: str | None = None  # State | Municipality | RegionalOrganization | Organization | Company
    oid: str | None = None
    parent_id: str | None = None
    municipality: Municipality | None = None
    descriptions: LocalizedText = field(default_factory=LocalizedText)
    addresses: tuple[Address, ...] = ()
    phones: tuple[Phone, ...] = ()
    emails: tuple[Email, ...] = ()
    web_pages: tuple[WebPage, ...] = ()
    publishing_status: str = "Published"
    modified: datetime | None = None


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    names: LocalizedText
    alternative_names: LocalizedText = field(default_factory=LocalizedText)
    summary: LocalizedText = field(default_factory=LocalizedText)
    description: LocalizedText = field(default_factory=LocalizedText)
    service_type: str | None = None  # Service | PermitOrObligation | ProfessionalQualification
    funding_type: str | None = None  # PubliclyFunded | MarketFunded
    charge_type: str | None = None
    general_description_id: str | None = None
    service_classes: tuple[ServiceClass, ...] = ()
    target_group_codes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    area_municipalities: tuple[str, ...] = ()
    responsible_organisation_ids: tuple[str, ...] = ()
    producers: tuple[Producer, ...] = ()
    vouchers_in_use: bool = False  # PTV's serviceVouchersInUse: the service can be bought with a palveluseteli
    vouchers: tuple[Voucher, ...] = ()
    connections: tuple[Connection, ...] = ()
    publishing_status: str = "Published"
    modified: datetime | None = None

    @property
    def class_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.service_classes if c.code)

    @property
    def class_uris(self) -> tuple[str, ...]:
        return tuple(c.uri for c in self.service_classes if c.uri)


@dataclass(frozen=True, slots=True)
class ServiceLocation:
    """A palvelupaikka: a place a resident can visit."""

    id: str
    organisation_id: str
    names: LocalizedText
    alternative_names: LocalizedText = field(default_factory=LocalizedText)
    # Languages in which PTV says to display the alternative name instead of the name.
    alternative_name_shown_in: frozenset[str] = frozenset()
    summary: LocalizedText = field(default_factory=LocalizedText)
    description: LocalizedText = field(default_factory=LocalizedText)
    addresses: tuple[Address, ...] = ()  # visiting addresses, in PTV's order (the order is significant)
    postal_addresses: tuple[Address, ...] = ()
    phones: tuple[Phone, ...] = ()
    emails: tuple[Email, ...] = ()
    web_pages: tuple[WebPage, ...] = ()
    languages: tuple[str, ...] = ()  # service languages, e.g. ("fi", "sv")
    area_municipalities: tuple[str, ...] = ()
    hours: OpeningHours = field(default_factory=OpeningHours)
    connections: tuple[Connection, ...] = ()
    # Filled by `link_producers`: PTV records producers on services, not on locations.
    producers: tuple[Producer, ...] = ()
    publishing_status: str = "Published"
    modified: datetime | None = None

    @property
    def service_ids(self) -> tuple[str, ...]:
        return tuple(c.service_id for c in self.connections)

    @property
    def visiting_address(self) -> Address | None:
        return self.addresses[0] if self.addresses else None

    @property
    def coordinates(self) -> tuple[float, float] | None:
        """(latitude, longitude) of the first visiting address that has a usable point."""
        for address in self.addresses:
            if address.latitude is not None and address.longitude is not None:
                return address.latitude, address.longitude
        return None

    @property
    def latitude(self) -> float | None:
        point = self.coordinates
        return point[0] if point else None

    @property
    def longitude(self) -> float | None:
        point = self.coordinates
        return point[1] if point else None

    def display_name(self, language: str) -> str:
        names = self.alternative_names if language in self.alternative_name_shown_in else self.names
        return names.text(language) or self.names.text(language)

    def hours_for(self, service_id: str) -> OpeningHours:
        """Hours of one service here: the connection's own hours when it has them, otherwise the location's."""
        for connection in self.connections:
            if connection.service_id == service_id and connection.hours:
                return connection.hours
        return self.hours


def link_producers(location: ServiceLocation, services: Mapping[str, Service]) -> ServiceLocation:
    """A copy of `location` whose `producers` are those of its connected services (deduplicated, in order)."""
    producers: list[Producer] = []
    for service_id in location.service_ids:
        service = services.get(service_id)
        for producer in service.producers if service else ():
            if producer not in producers:
                producers.append(producer)
    return replace(location, producers=tuple(producers))
