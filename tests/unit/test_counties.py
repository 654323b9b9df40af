"""The shipped data on who arranges each municipality's health and social care (portal/data/wellbeing_counties.json)."""

from __future__ import annotations

import json
from collections import Counter

from portal.choice import counties
from portal.choice.rules import PILOT_MUNICIPALITIES


def data() -> dict:
    return json.loads(counties.DATA_FILE.read_text(encoding="utf-8"))


def test_every_municipality_has_a_county_that_exists():
    raw = data()
    assert len(raw["municipalities"]) == 309  # 293 on the mainland and 16 on Åland, unchanged since 2021
    assert all(len(code) == 3 and code.isdigit() for code in raw["municipalities"])
    assert {m["county"] for m in raw["municipalities"].values()} == set(raw["counties"])
    assert all(m["fi"] and m["sv"] for m in raw["municipalities"].values())


def test_the_21_counties_helsinki_and_aland_each_with_three_names_and_a_secure_address():
    raw = data()
    assert len(raw["counties"]) == 23
    wellbeing = [c for key, c in raw["counties"].items() if key not in ("HKI", "AX")]
    assert len(wellbeing) == 21 and all(c["name"]["fi"].endswith("hyvinvointialue") for c in wellbeing)
    assert all(c["name"]["sv"].endswith("välfärdsområde") for c in wellbeing)
    assert all(c["name"]["en"].endswith("wellbeing services county") for c in wellbeing)
    assert all(c["url"].startswith("https://") and " " not in c["url"] for c in raw["counties"].values())


def test_known_municipalities_and_their_counties():
    helsinki = counties.municipality("091")
    assert helsinki is not None and helsinki.county.id == "HKI" and helsinki.name("sv") == "Helsingfors"
    assert counties.municipality("186").name("sv") == "Träskända"
    assert counties.municipality("186").name("selko") == "Järvenpää"  # plain-language Finnish reads Finnish
    assert counties.municipality("186").county.name("en") == "Central Uusimaa wellbeing services county"
    assert counties.municipality("740").county.id == "ES"  # Savonlinna is in South Savo (Act 616/2021)
    assert counties.municipality("090").county.id == "PK"  # Heinävesi moved to North Karelia in 2021
    assert counties.municipality("478").county.id == "AX"  # Mariehamn: Åland arranges its own care
    assert counties.municipality("999") is None and counties.municipality(None) is None
    assert all(counties.municipality(code) for code in PILOT_MUNICIPALITIES)


def test_the_uusimaa_split():
    by_county = Counter(m.county.id for m in map(counties.municipality, data()["municipalities"]) if m)
    assert by_county["HKI"] == 1 and by_county["VK"] == 2 and by_county["KU"] == 6
    assert by_county["IU"] == 7 and by_county["LU"] == 10
