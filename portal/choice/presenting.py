"""Addresses and municipality names for the listing pages, in the reader's language where PTV has them (Träskända
for Järvenpää in Swedish), written as people write them ("04400 Järvenpää", not PTV's "04400 JÄRVENPÄÄ")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select

from portal.choice.counties import County, municipality
from portal.compare.index import current_index
from portal.extensions import db
from portal.formatting import place_name
from portal.models import CatalogueLocation

if TYPE_CHECKING:
    from portal.choice.services import UnitOffer


@dataclass
class Address:
    street: str
    postal_code: str
    post_office: str


class _AddressColumns(Protocol):
    """A catalogue row, or a unit offer read with its address."""

    street_fi: str | None
    street_sv: str | None
    postal_code: str | None
    post_office_fi: str | None
    post_office_sv: str | None


@dataclass
class HomeArea:
    """A resident's home municipality as the pages name it, and who arranges the care of its residents."""

    code: str | None
    municipality: str | None  # the name in the reader's language, None when neither the data nor the catalogue has it
    county: County | None
    county_name: str | None


def home_area(code: str | None, language: str) -> HomeArea:
    found = municipality(code)
    county = found.county if found else None
    return HomeArea(code, municipality_name(code, language), county, county.name(language) if county else None)


def municipality_name(code: str | None, language: str) -> str | None:
    """From the shipped list of municipalities, else from the catalogue (a code the list does not know yet)."""
    if not code:
        return None
    found = municipality(code)
    if found is not None:
        return found.name(language)
    names = current_index().municipality_names.get(code)
    if not names:
        return None
    return names.get("sv") if language == "sv" and names.get("sv") else names.get("fi")


def unit_addresses(location_ids: Sequence[str], language: str) -> dict[str, Address]:
    if not location_ids:
        return {}
    swedish = language == "sv"
    rows = db.session.execute(
        select(
            CatalogueLocation.id,
            CatalogueLocation.street_fi,
            CatalogueLocation.street_sv,
            CatalogueLocation.postal_code,
            CatalogueLocation.post_office_fi,
            CatalogueLocation.post_office_sv,
        ).where(CatalogueLocation.id.in_(list(location_ids)))
    )
    return {row.id: _address(row, swedish) for row in rows}


def offer_addresses(offer: UnitOffer | None, language: str) -> dict[str, Address]:
    """As unit_addresses, from a unit offer that was read with its address: no query."""
    if offer is None:
        return {}
    return {offer.location_id: _address(offer, language == "sv")}


def _address(row: _AddressColumns, swedish: bool) -> Address:
    return Address(
        street=place_name((row.street_sv if swedish else None) or row.street_fi or row.street_sv),
        postal_code=row.postal_code or "",
        post_office=place_name((row.post_office_sv if swedish else None) or row.post_office_fi or row.post_office_sv),
    )
