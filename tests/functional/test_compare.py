"""Residents find and compare units: search, filters, sorting, the unit page and the side-by-side comparison."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.compare.text import sort_key
from portal.demo.overlay import FULL, NOT_APPROVED
from portal.demo.ptv_feed import channel_id, demo_units
from portal.extensions import db
from portal.models import CatalogueApproval, CatalogueLocation

JARVENPAA, NURMIJARVI, PORVOO = "186", "543", "638"


def result_ids(page) -> list[str]:
    return [a["href"].rsplit("/", 1)[1] for a in page.select(".result__name a")]


def locations(app, ids=None) -> dict[str, CatalogueLocation]:
    with app.app_context():
        query = select(CatalogueLocation)
        if ids is not None:
            query = query.where(CatalogueLocation.id.in_(ids))
        rows = {row.id: row for row in db.session.scalars(query)}
        db.session.expunge_all()
        return rows


def approvals(app) -> dict[str, CatalogueApproval]:
    with app.app_context():
        rows = {row.location_id: row for row in db.session.scalars(select(CatalogueApproval))}
        db.session.expunge_all()
        return rows


def all_result_ids(client_request, **args) -> list[str]:
    """Every result over every page."""
    ids, number = [], 1
    while True:
        page = client_request.get("compare.search", page=number, **args)
        ids += result_ids(page)
        if not page.select_one("a[rel=next]"):
            return ids
        number += 1


def test_browsing_needs_no_login_and_lists_the_catalogue(catalogue, client_request):
    page = client_request.get("compare.search")
    assert len(result_ids(page)) == 20
    assert "59" in page.select_one(".result-count").text
    assert len(all_result_ids(client_request)) == 59


@pytest.mark.parametrize("text", ["jarvenpa", "Träskända", "järvenpää", "jarvempaa"])
def test_typo_tolerant_search_finds_the_jarvenpaa_units(catalogue, client_request, text):
    found = set(all_result_ids(client_request, q=text))
    in_jarvenpaa = {i for i, row in locations(catalogue).items() if row.municipality_code == JARVENPAA}
    assert in_jarvenpaa and in_jarvenpaa <= found
    rows = locations(catalogue, found)
    assert all(r.municipality_code == JARVENPAA or "Järvenpää" in (r.name_fi or "") for r in rows.values())


def test_an_inflected_word_finds_the_names_its_stem_begins(catalogue, client_request):
    # "keskukseen" is too far from "keskus" for a typing error; its Finnish stem "kesku" begins it
    found = locations(catalogue, set(all_result_ids(client_request, q="sote-keskukseen")))
    sote_centres = {i for i, row in locations(catalogue).items() if "sote-keskus" in (row.name_fi or "")}
    assert len(sote_centres) > 20 and sote_centres <= set(found)


def test_search_over_street_and_unit_names_in_both_languages(catalogue, client_request):
    some = next(r for r in locations(catalogue).values() if r.street_sv and r.name_sv and r.name_sv != r.name_fi)
    street = some.street_sv.rsplit(" ", 1)[0]
    assert some.id in all_result_ids(client_request, q=street)
    assert some.id in all_result_ids(client_request, q=some.name_sv)


def test_text_that_matches_nothing_says_so(catalogue, client_request):
    page = client_request.get("compare.search", q="qqxxzz")
    assert result_ids(page) == []
    assert "qqxxzz" in page.select_one("#results .notice").text


def test_filters_combine(catalogue, client_request):
    rows, approved = locations(catalogue), approvals(catalogue)
    ids = all_result_ids(client_request, kind="sote_centre", accepts_new="1", service_language="sv", provider="public")
    assert ids
    for i in ids:
        assert "sote_centre" in approved[i].kinds.split() and approved[i].accepts_new_clients
        assert "sv" in rows[i].languages.split()
    full = {channel_id(2019, key) for key in FULL}
    assert not full & set(ids)
    expected = {
        i
        for i, a in approved.items()
        if "sote_centre" in a.kinds.split() and a.accepts_new_clients and "sv" in rows[i].languages.split()
    }
    assert set(ids) <= expected and len(expected - set(ids)) < len(expected)  # only the private ones are left out


@pytest.mark.parametrize("flag,column", [("evenings", "open_evenings"), ("weekends", "open_weekends"),
                                         ("accessible", "accessible_entrance")])  # fmt: skip
def test_each_derived_filter_matches_the_catalogue(catalogue, client_request, flag, column):
    expected = {i for i, r in locations(catalogue).items() if getattr(r, column)}
    assert 0 < len(expected) < 59
    assert set(all_result_ids(client_request, **{flag: "1"})) == expected


def test_municipality_and_voucher_filters(catalogue, client_request):
    rows = locations(catalogue)
    ids = all_result_ids(client_request, municipality=PORVOO)
    assert set(ids) == {i for i, r in rows.items() if r.municipality_code == PORVOO}
    home_care = {channel_id(2019, u.key) for u in demo_units() if "home_care" in u.voucher_services}
    home_care -= {channel_id(2019, key) for key in NOT_APPROVED}
    assert set(all_result_ids(client_request, kind="voucher:home_care")) == home_care


def test_sort_by_name_uses_finnish_alphabetical_order(catalogue, client_request):
    ids = all_result_ids(client_request, sort="name")
    rows = locations(catalogue)
    names = [rows[i].name_fi for i in ids]
    assert names == sorted(names, key=sort_key)


def test_sort_by_waiting_time_and_satisfaction(catalogue, client_request):
    approved = approvals(catalogue)
    waits = [approved[i].t3_days for i in all_result_ids(client_request, kind="dental_unit", sort="waiting")]
    known = [w for w in waits if w is not None]
    assert known == sorted(known) and waits[: len(known)] == known  # units without a figure come last
    scores = [approved[i].satisfaction for i in all_result_ids(client_request, kind="sote_centre", sort="satisfaction")]
    known = [s for s in scores if s is not None]
    assert known == sorted(known, reverse=True) and scores[: len(known)] == known


def test_distance_from_a_postcode_with_a_radius(catalogue, client_request):
    page = client_request.get("compare.search", near="04400", within="10", kind="dental_unit")
    assert "04400" in page.select_one(".result-count").text
    distances = [float(p.text.rsplit("·", 1)[1].split()[0].replace(",", ".")) for p in page.select(".result__place")]
    assert distances and distances == sorted(distances) and max(distances) <= 10
    everywhere = all_result_ids(client_request, kind="dental_unit")
    assert len(result_ids(page)) < len(everywhere)


def test_an_unknown_place_is_refused_and_kept_as_typed(catalogue, client_request):
    page = client_request.get("compare.search", near="Atlantis 5", kind="dental_unit")
    field = page.select_one("#near")
    assert field["value"] == "Atlantis 5" and field["aria-invalid"] == "true"
    assert "Atlantis 5" in page.select_one("#near-error").text
    assert page.select_one("#kind option[selected]")["value"] == "dental_unit"
    assert result_ids(page)  # the rest of the search still works


def test_invalid_choices_in_the_address_are_named_and_left_out(catalogue, client_request):
    page = client_request.get("compare.search", kind="spaceship", municipality=PORVOO)
    assert page.select_one("#results .notice--warning")
    assert set(result_ids(page)) == {i for i, r in locations(catalogue).items() if r.municipality_code == PORVOO}


def test_a_logged_in_resident_sees_distances_from_home(catalogue, client, client_request, login_as):
    login_as("aino.virtanen")  # lives in Järvenpää
    page = client_request.get("compare.search", kind="sote_centre")
    assert "Järvenpää" in page.select_one(".result-count").text
    first = locations(catalogue, result_ids(page)[:1])
    assert next(iter(first.values())).municipality_code == JARVENPAA


def test_htmx_gets_only_the_results_and_a_clean_address(catalogue, client):
    response = client.get("/units?q=porvoo&kind=&municipality=&evenings=1", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert '<h2 id="results-heading">' in body and "<html" not in body and 'id="search-form"' not in body
    assert response.headers["HX-Push-Url"] == "/units?q=porvoo&evenings=1"
    full = client.get("/units?q=porvoo&evenings=1")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]


def test_unit_page_shows_what_a_resident_needs(catalogue, client, client_request):
    client.get("/?lang=en")
    approved = approvals(catalogue)
    unit_id = next(i for i, a in approved.items() if "dental_unit" in a.kinds and a.t3_days is not None)
    page = client_request.get("compare.unit", location_id=unit_id)
    text = page.text
    assert page.select_one("a[href^='https://www.openstreetmap.org/']")
    assert len(page.select("#hours-heading ~ table tr")) == 7
    assert ("Open now" in text) or ("Closed now" in text)
    assert str(approved[unit_id].t3_days) in page.select_one("#quality-heading").find_next("dl").text
    assert "measured" in text
    for heading in ("address", "contact", "languages", "services", "access", "provider"):
        assert page.select_one(f"#{heading}-heading")


def test_unit_page_in_swedish_and_english_with_a_fallback_note(catalogue, client, client_request):
    rows = locations(catalogue)
    unit = next(r for r in rows.values() if r.name_sv and r.name_sv != r.name_fi and not r.name_en)
    client.get("/?lang=sv")
    page = client_request.get("compare.unit", location_id=unit.id)
    assert page.h1.text.strip() == unit.name_sv
    client.get("/?lang=en")
    page = client_request.get("compare.unit", location_id=unit.id)
    assert page.h1.select_one("span[lang=fi]").text == unit.name_fi
    assert "in Finnish" in page.h1.text


def test_unknown_unit_is_not_found(catalogue, client_request):
    client_request.get("compare.unit", _expected_status=404, location_id="00000000-0000-0000-0000-000000000000")


def test_compare_up_to_four_side_by_side(catalogue, client, client_request):
    client.get("/?lang=en")
    ids = result_ids(client_request.get("compare.search"))[:5]
    for i in ids[:4]:
        client_request.post("compare.compare_add", {"location_id": i, "next": "/units"})
        assert client_request.last_response.headers["Location"] == "/units"
    client_request.post("compare.compare_add", {"location_id": ids[4], "next": "/units"})
    page = client_request.get("compare.search")
    assert "at most 4" in page.select_one(".notice--success").text
    page = client_request.get("compare.compare")
    assert len(page.select("thead th[scope=col]")) == 4
    client_request.post("compare.compare_remove", {"location_id": ids[0], "next": "/compare"})
    page = client_request.get("compare.compare")
    headings = [a["href"].rsplit("/", 1)[1] for a in page.select("thead th a")]
    assert headings == ids[1:4]


def test_compare_with_htmx_swaps_the_button_and_the_tray(catalogue, client, client_request):
    unit_id = result_ids(client_request.get("compare.search"))[0]
    response = client.post(
        "/compare/add",
        data={"location_id": unit_id, "next": "/units?q=x"},
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="compare-{unit_id}"' in body and "/compare/remove" in body
    assert 'id="compare-tray"' in body and 'hx-swap-oob="true"' in body


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}],
)
def test_compare_refuses_requests_from_other_sites(catalogue, client, client_request, headers):
    unit_id = result_ids(client_request.get("compare.search"))[0]
    assert client.post("/compare/add", data={"location_id": unit_id}, headers=headers).status_code == 400
    assert client.post("/compare/clear", headers=headers).status_code == 400
    page = client_request.get("compare.compare")
    assert not page.select("thead th a")


def test_browsing_creates_no_session(catalogue, app, client):
    from portal.models import WebSession

    for url in ("/units", "/units?q=porvoo", "/compare"):
        assert client.get(url).status_code == 200
    unit_id = client.get("/units").get_data(as_text=True).split("/units/", 1)[1][:36]
    assert client.get(f"/units/{unit_id}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(WebSession)) == 0
    client.post("/compare/add", data={"location_id": unit_id}, headers={"Origin": "http://localhost"})
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(WebSession)) == 1


def test_a_redirect_after_compare_stays_on_this_site(catalogue, client, client_request):
    unit_id = result_ids(client_request.get("compare.search"))[0]
    client_request.post("compare.compare_add", {"location_id": unit_id, "next": "https://evil.example/"})
    assert client_request.last_response.headers["Location"] == "/compare"


def named_by(page, button) -> str:
    """A button's accessible name from aria-labelledby: the referenced elements' texts, in order."""
    return " ".join(" ".join(page.find(id=ref).text.split()) for ref in button["aria-labelledby"].split())


def test_every_compare_button_says_which_unit(catalogue, client, client_request):
    client.get("/?lang=en")
    page = client_request.get("compare.search")
    buttons = page.select(".compare-control button")
    names = [named_by(page, button) for button in buttons]
    assert len(buttons) > 1 and len(set(names)) == len(names)
    for button, name, link in zip(buttons, names, page.select(".result__name a"), strict=True):
        assert name.startswith(button.text.strip() + " ")  # the visible text first (WCAG 2.5.3), then the unit
        assert name.endswith(" ".join(link.text.split()))
    unit_id = result_ids(page)[0]
    unit_page = client_request.get("compare.unit", location_id=unit_id)
    assert named_by(unit_page, unit_page.select_one(".compare-control button")).startswith("Add to comparison ")
    swapped = client.post(
        "/compare/add", data={"location_id": unit_id, "next": "/units"}, headers={"HX-Request": "true"}
    )
    assert f'aria-labelledby="compare-button-{unit_id} unit-name-{unit_id}"' in swapped.get_data(as_text=True)


def test_a_skip_link_leads_past_the_filters_to_the_results(catalogue, client_request):
    page = client_request.get("compare.search")
    link = page.select_one("#search-form .filters__skip a")
    assert link["href"] == "#results" and page.select_one("#results")


def test_the_step_free_summary_follows_the_entrance_sentences(catalogue, client, client_request):
    """'Step-free entrance: not described' above 'four steps and no ramp' was a contradiction: the summary is read
    from the same sentences the page lists."""
    from portal.catalogue.derive import EntranceAccess
    from portal.compare.units import load_units

    with catalogue.app_context():
        units = load_units(list(locations(catalogue)))
        by_answer = {}
        for unit in units:
            by_answer.setdefault(unit.entrance_access, unit.id)
    answers = {
        EntranceAccess.STEP_FREE: "Step-free entrance: yes",
        EntranceAccess.STEPS: "Step-free entrance: no: there are steps and no ramp",
    }
    assert set(answers) <= set(by_answer)
    client.get("/?lang=en")
    for answer, text in answers.items():
        page = client_request.get("compare.unit", location_id=by_answer[answer])
        section = " ".join(page.select_one("#access-heading").parent.text.split())
        assert text in section
        if answer is EntranceAccess.STEPS:
            assert "eikä luiskaa" in section  # the sentence it follows from is on the page (in Finnish)
        client_request.post("compare.compare_add", {"location_id": by_answer[answer], "next": "/compare"})
    table = " ".join(client_request.get("compare.compare").select_one("table").text.split())
    assert "Step-free entrance" in table and "no: there are steps and no ramp" in table
