"""The "distance from" field finds the places people type, says which part it measured from, and refuses (never
fails on) what is not a place: on the demo catalogue, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.functional.test_compare import locations, result_ids

TUUSULA = "858"


def distances(page) -> list[float]:
    return [float(p.text.rsplit("·", 1)[1].split()[0].replace(",", ".")) for p in page.select(".result__place")]


def status(page) -> str:
    return " ".join(page.select_one(".result-count").text.split())


def at(catalogue, street: str, postcode: str) -> str:
    found = [i for i, row in locations(catalogue).items() if row.street_fi == street and row.postal_code == postcode]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("near", "lang", "said"),
    [
        ("Sibeliuksenkatu 36 A, 04440 Järvenpää", "en", "Distances are from Sibeliuksenkatu 36 A, Järvenpää."),
        ("SIBELIUKSENKATU 36 A  04440   JÄRVENPÄÄ", "en", "Distances are from Sibeliuksenkatu 36 A, Järvenpää."),
        ("sibeliuksenkatu 36a, järvenpää", "en", "Distances are from Sibeliuksenkatu 36 A, Järvenpää."),
        ("Sibeliuksenkatu 36 A, 04440 Järvenpää", "sv", "Sibeliuksenkatu 36 A, Träskända"),
        # The catalogue has the street in Finnish only: the postcode places it, and the page says so.
        ("Sibeliusgatan 36 A, 04440 Träskända", "sv", "04440"),
        ("Sibeliusgatan 36 A, 04440 Träskända", "en", "Distances are from postcode 04440."),
    ],
)
def test_an_address_measures_from_the_unit_there(catalogue, client_request, near, lang, said):
    own = at(catalogue, "Sibeliuksenkatu 36 A", "04440")
    page = client_request.get("compare.search", near=near, sort="distance", lang=lang)
    assert said in status(page)
    assert result_ids(page)[0] == own and distances(page)[0] == 0  # not 12 km from its own door
    assert not page.select_one("#near-error") and not page.select_one("#near").get("aria-invalid")
    assert page.select_one("#near")["value"] == " ".join(near.split()) or page.select_one("#near")["value"] == near


@pytest.mark.parametrize("near", ["Kauppakaari 1 Järvenpää", "Kauppakaari 1, Järvenpää", "Järvenpää Kauppakaari 1",
                                  "kauppakaari järvenpää", "Kauppakaari 1"])  # fmt: skip
def test_a_street_without_a_unit_at_that_number_measures_from_the_street(catalogue, client_request, near):
    page = client_request.get("compare.search", near=near, sort="distance", lang="en")
    assert "Distances are from Kauppakaari, Järvenpää." in status(page)
    on_street = {i for i, row in locations(catalogue).items() if (row.street_fi or "").startswith("Kauppakaari ")}
    found = distances(page)
    assert found == sorted(found) and result_ids(page)[0] in on_street and found[0] < 2


def test_a_postcode_without_units_measures_from_its_municipality(catalogue, client_request):
    assert not any(row.postal_code == "04330" for row in locations(catalogue).values())
    page = client_request.get("compare.search", near="04330", within="5", lang="en")
    assert "Postcode 04330 is in Tuusula. Distances are from the centre of Tuusula." in status(page)
    in_tuusula = {i for i, row in locations(catalogue).items() if row.municipality_code == TUUSULA}
    assert result_ids(page) and set(result_ids(page)) <= in_tuusula
    swedish = client_request.get("compare.search", near="04330", lang="sv")
    assert "Tusby" in status(swedish)


def test_a_postcode_in_a_municipality_without_units_is_named_not_refused_as_a_typo(catalogue, client_request):
    page = client_request.get("compare.search", near="00100", kind="dental_unit", lang="en")
    assert "Postcode 00100 is in Helsinki, where this service has no units." in page.select_one("#near-error").text
    notice = page.select_one("#results .notice--error").text
    assert "Helsinki" in notice and "Distances are not shown." in notice and "could not find" not in notice
    assert result_ids(page) and not page.select_one(".result__place").text.count("km")
    swedish = client_request.get("compare.search", near="00100", lang="sv")
    assert "Helsingfors" in swedish.select_one("#near-error").text


def test_towns_and_post_towns(catalogue, client_request):
    for near, said in [
        ("Klaukkala", "Distances are from the centre of Klaukkala."),  # a post town, not a municipality
        ("Träskända", "Distances are from the centre of Järvenpää."),
        ("jarvempaa", "Distances are from the centre of Järvenpää."),
        ("Lahela", "Lahela is in Tuusula. Distances are from the centre of Tuusula."),  # a post town without units
        ("Kirkkotie 12, Tuusula", "Distances are from Kirkkotie 12, Tuusula."),
        ("Tuusula Kirkkotie 12", "Distances are from Kirkkotie 12, Tuusula."),
        ("04400", "Distances are from postcode 04400."),
    ]:
        assert said in status(client_request.get("compare.search", near=near, lang="en")), near


UNPLACED = [
    ("Kirkkotie 12", "There is a street called Kirkkotie in more than one municipality."),
    ("Helsinki", "This service has no units in Helsinki."),
    ("12345", "We do not know postcode 12345."),
    ("Atlantis 5", "We could not find “Atlantis 5”."),
    ("Järvenpää\x1b[2J", "Remove the special characters"),
    ("Järvenpää\x7f", "Remove the special characters"),
    ("Järvenpää\u202e", "Remove the invisible formatting characters"),
    ("Järvenpää " * 100, "We could not find"),
    ("1, " * 60, "We could not find"),
    ("Sibeliuksenkatu 36 A, 04440 Järvenpää, " * 4, "We could not find"),
]


def test_what_cannot_be_placed_is_said_and_the_search_still_works(catalogue, client_request):
    for near, message in UNPLACED:
        page = client_request.get("compare.search", near=near, kind="sote_centre", lang="en")
        assert message in page.select_one("#near-error").text, near
        assert page.select_one("#near")["aria-invalid"] == "true", near
        assert "Distances are" not in status(page) and page.select_one("#results .notice--error"), near
        assert result_ids(page), near


def test_every_language_renders_every_outcome(catalogue, client):
    places = ["Sibeliuksenkatu 36 A, 04440 Järvenpää", "04330", "Lahela", *(near for near, _ in UNPLACED)]
    for lang in ("fi", "sv", "selko", "en"):
        for near in places:
            response = client.get("/units", query_string={"near": near, "lang": lang})
            assert response.status_code == 200, (lang, near)
            partial = client.get("/units", query_string={"near": near, "lang": lang}, headers={"HX-Request": "true"})
            assert partial.status_code == 200 and "<html" not in partial.get_data(as_text=True), (lang, near)


def test_a_nul_byte_is_refused_at_the_door(catalogue, client):
    assert client.get("/units", query_string={"near": "04400\x00"}).status_code == 400
