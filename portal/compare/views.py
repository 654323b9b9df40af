"""Search results, the unit page and the side-by-side comparison. Browsing needs no login."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import ratelimit
from portal.choice.services import full_units_now, unit_marks
from portal.compare import basket, bp, page_cache
from portal.compare.labels import (
    IN_LANGUAGE,
    KIND_LABELS,
    LANGUAGE_LABELS,
    PROVIDER_LABELS,
    SORT_LABELS,
    VOUCHER_LABELS,
    kind_options,
)
from portal.compare.search import DISTANCES_KM, SORTS
from portal.compare.search import PARAMETERS as SEARCH_PARAMETERS
from portal.compare.services import (
    compared_units,
    content_language,
    in_catalogue,
    result_rows,
    run_search,
    search_query,
)
from portal.compare.units import hours_view, load_unit, today_in_helsinki
from portal.extensions import csrf
from portal.feedback.services import public_score, public_scores
from portal.htmx import is_htmx, render_page
from portal.i18n import keeps_query
from portal.security import is_safe_redirect, same_origin_request

# Any, not object: spread into render_page, a dict[str, object] could as well be meant for its block or status.
LABELS: dict[str, Any] = {
    "kind_labels": KIND_LABELS,
    "voucher_labels": VOUCHER_LABELS,
    "provider_labels": PROVIDER_LABELS,
    "sort_labels": SORT_LABELS,
    "language_labels": LANGUAGE_LABELS,
    "in_language": IN_LANGUAGE,
}


@bp.route("/units")
@keeps_query(*SEARCH_PARAMETERS)
def search():
    query = search_query(request.args)
    full = full_units_now()  # which units have room is part of the page, so of its key (fresh within seconds)
    key = page_cache.page_key(("search", query.to_args(), query.problems, {k: sorted(v) for k, v in full.items()}))
    hit = page_cache.cached(key)
    if hit is not None:
        response = make_response(hit.body)
        response.headers.extend(hit.headers)
        response.vary.add("HX-Request")
        return response
    # Only a search that runs counts against the limit: a page from the cache costs next to nothing.
    ratelimit.hit("search", ratelimit.client_address())
    page = run_search(query, full)
    response = render_page(
        "views/compare/search.html",
        block="results",
        page=page,
        query=page.query,
        result=page.result,
        rows=result_rows(page),
        kind_options=kind_options(),
        sorts=SORTS,
        distances=DISTANCES_KM,
        municipalities=sorted(page.index.municipality_names.items(), key=lambda item: item[1]["fi"]),
        compared=basket.compared_ids(),
        max_compared=basket.MAX_COMPARED,
        content_language=content_language(),
        **LABELS,
    )
    if is_htmx():
        # The address bar shows the search without the form's empty fields, as the links on the page do.
        pushed: dict[str, Any] = page.query.to_args()  # search names, none of them url_for's own (_external...)
        response.headers["HX-Push-Url"] = url_for("compare.search", **pushed)
    if response.status_code == 200:
        kept = tuple((name, value) for name, value in response.headers.items() if name in ("HX-Push-Url",))
        page_cache.store(key, response.get_data(), kept)
    return response


@bp.route("/units/<location_id>")
def unit(location_id: str):
    found = load_unit(location_id.lower())
    if found is None:
        abort(404)
    return render_page(
        "views/compare/unit.html",
        unit=found,
        marks=unit_marks(_resident_id(), [found.id]),
        hours=hours_view(found),
        score=public_score(found.id, today_in_helsinki()),  # this page is never cached: the score is always fresh
        compared=basket.compared_ids(),
        max_compared=basket.MAX_COMPARED,
        content_language=content_language(),
        **LABELS,
    )


@bp.route("/compare")
def compare():
    units = compared_units()
    return render_page(
        "views/compare/compare.html",
        units=units,
        marks=unit_marks(_resident_id(), [unit.id for unit in units]),
        hours={unit.id: hours_view(unit) for unit in units},
        scores=public_scores([unit.id for unit in units], today_in_helsinki()),  # not cached: always fresh
        max_compared=basket.MAX_COMPARED,
        content_language=content_language(),
        **LABELS,
    )


def _resident_id() -> int | None:
    """The logged-in resident, whose own units the choose buttons name instead of offering them again."""
    user = g.get("user")
    return user.id if user is not None and user.kind == "resident" else None


def _refuse_cross_site() -> None:
    # The comparison list is anyone's, logged in or not: checked by origin instead of a token (see
    # portal.security.same_origin_request), so browsing never creates a session.
    if not same_origin_request():
        abort(400)


def _back(default: str):
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else default)


@bp.route("/compare/add", methods=["POST"])
@csrf.exempt
def compare_add():
    _refuse_cross_site()
    location_id = (request.form.get("location_id") or "").lower()
    if not in_catalogue(location_id):
        abort(404)
    refused = None
    if not basket.add(location_id):
        refused = _("You can compare at most %(count)s units. Remove one first.", count=basket.MAX_COMPARED)
    if is_htmx():
        return _compare_update(location_id, refused)
    if refused:
        flash(refused)
    return _back(url_for("compare.compare"))


@bp.route("/compare/remove", methods=["POST"])
@csrf.exempt
def compare_remove():
    _refuse_cross_site()
    location_id = (request.form.get("location_id") or "").lower()
    basket.remove(location_id)
    if is_htmx():
        return _compare_update(location_id, None)
    return _back(url_for("compare.compare"))


@bp.route("/compare/clear", methods=["POST"])
@csrf.exempt
def compare_clear():
    _refuse_cross_site()
    basket.clear()
    return _back(url_for("compare.compare"))


def _compare_update(location_id: str, refused: str | None):
    """For htmx: the unit's button in its new state, and the tray (out of band) with the new count."""
    next_url = request.form.get("next")
    response = make_response(
        render_template(
            "views/compare/_compare_update.html",
            location_id=location_id,
            compared=basket.compared_ids(),
            max_compared=basket.MAX_COMPARED,
            next_url=next_url if is_safe_redirect(next_url) else url_for("compare.search"),
            refused=refused,
        )
    )
    response.vary.add("HX-Request")
    return response
