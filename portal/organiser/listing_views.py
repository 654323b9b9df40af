"""The organiser's listing pages: capitation figures as of any day, the rules, unit capacities and interval
overrides. Everything the organiser decides is stored as configuration (portal.choice.rules), each change recorded
with who and when."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, g, redirect, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from portal.auth.access import role_required
from portal.choice.rules import KINDS, Rules, load_rules, save_settings, set_capacities
from portal.compare.units import today_in_helsinki
from portal.formatting import format_day
from portal.htmx import render_page
from portal.i18n import current_language, keeps_query
from portal.organiser import bp
from portal.organiser.forms import (
    EFFECTIVE_LABELS,
    KIND_LABELS,
    ListingsForm,
    OverrideForm,
    RulesForm,
    parse_capacity,
)
from portal.organiser.listing_services import (
    capacity_rows,
    change_history,
    find_person,
    grant_override,
    listing_csv,
    listing_report,
    municipality_options,
    people,
    recent_overrides,
)

ROLES = ("organiser", "admin")
LEVELS = ("unit", "provider")
CAPACITY_ERROR = _l("Enter a whole number of residents, 0 or more, or leave the box empty for no limit.")


def _listings_form() -> ListingsForm:
    # Missing parameters take today's figures for sote centres; a parameter given empty is an error to show.
    formdata = MultiDict({"as_of": today_in_helsinki().isoformat(), "kind": KINDS[0]})
    for name in ("as_of", "kind"):
        if name in request.args:
            formdata.setlist(name, request.args.getlist(name)[:1])
    return ListingsForm(formdata=formdata)


@bp.route("/listings")
@role_required(*ROLES)
@keeps_query("as_of", "kind")
def listings():
    form = _listings_form()
    valid = form.validate()  # a valid form has a date (validate_as_of)
    as_of = form.as_of.data
    report = listing_report(as_of, form.kind.data, current_language()) if valid and as_of is not None else None
    return render_page(
        "views/organiser/listings.html",
        status=200 if valid else 400,
        form=form,
        report=report,
        kind_labels=KIND_LABELS,
    )


@bp.route("/listings.csv")
@role_required(*ROLES)
def listings_download():
    form = _listings_form()
    level = request.args.get("level", LEVELS[0])
    as_of = form.as_of.data if form.validate() else None  # a valid form has a date (validate_as_of)
    if as_of is None or level not in LEVELS:
        abort(400)
    report = listing_report(as_of, form.kind.data, current_language())
    ages = [_("Age %(band)s", band=label) for label in report.band_labels]
    if level == "provider":
        header = [_("Date"), _("Listing"), _("Organisation id"), _("Provider"), *ages, _("Total")]
    else:
        header = [_("Date"), _("Listing"), _("PTV id"), _("Unit"), _("Municipality")]
        header += [_("Organisation id"), _("Provider"), *ages, _("Total")]
    response = Response(stream_with_context(listing_csv(report, header, level)), mimetype="text/csv")
    filename = f"listings-{report.kind}-{report.as_of.isoformat()}-{level}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _rules_data(rules: Rules) -> dict[str, Any]:
    return {
        "municipalities": sorted(rules.municipalities),
        "interval_months": rules.interval_months,
        "effective": rules.effective,
        "override_valid_days": rules.override_valid_days,
        "age_bands": ", ".join(str(age) for age in rules.age_bands),
        "organiser_name": rules.organiser_name,
        "helpline_phone": rules.helpline_phone,
    }


@bp.route("/rules", methods=["GET", "POST"])
@role_required(*ROLES)
def rules():
    current = load_rules()
    language = current_language()
    form = RulesForm(data=_rules_data(current))
    options = municipality_options(current.municipalities, language)
    form.municipalities.choices = [SelectChoice(code, label) for code, label in options]
    if form.validate_on_submit():
        changed = save_settings(form.settings(), g.user.id)
        if changed:
            names = ", ".join(str(form[key].label.text) for key in changed)
            flash(_("Saved. Changed: %(settings)s.", settings=names))
        else:
            flash(_("Nothing was changed."))
        return redirect(url_for("organiser.rules"))
    setting_labels = {name: field.label.text for name, field in form._fields.items() if name != "csrf_token"}
    return render_page(
        "views/organiser/rules.html",
        status=400 if form.errors else 200,
        form=form,
        history=change_history(language),
        setting_labels=setting_labels,
        effective_labels=EFFECTIVE_LABELS,
        kind_labels=KIND_LABELS,
    )


@bp.route("/capacity", methods=["GET", "POST"])
@role_required(*ROLES)
@keeps_query("kind")
def capacity():
    kind = request.args.get("kind", KINDS[0])
    if kind not in KINDS:
        abort(404)
    rows = capacity_rows(kind, today_in_helsinki(), current_language())
    entered: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":  # CSRFProtect has checked the token already
        values: dict[str, int | None] = {}
        for row in rows:
            name = f"capacity-{row.location_id}"
            # A unit approved after the page was shown has no box: leave its capacity alone.
            if name not in request.form:
                continue
            entered[row.location_id] = request.form[name]
            try:
                values[row.location_id] = parse_capacity(request.form[name])
            except ValueError:
                errors[row.location_id] = str(CAPACITY_ERROR)
        if not errors:
            changed = set_capacities(kind, values, g.user.id)
            flash(
                ngettext(
                    "Saved. %(num)s unit's capacity changed.", "Saved. %(num)s units' capacities changed.", len(changed)
                )
            )
            return redirect(url_for("organiser.capacity", kind=kind))
    return render_page(
        "views/organiser/capacity.html",
        status=400 if errors else 200,
        kind=kind,
        kinds=KINDS,
        kind_labels=KIND_LABELS,
        rows=rows,
        entered=entered,
        errors=errors,
    )


@bp.route("/overrides", methods=["GET", "POST"])
@role_required(*ROLES)
def overrides():
    # Filled from the POST body only: an identity code must never travel in a URL.
    form = OverrideForm()
    if form.validate_on_submit():
        person = find_person(form.identity_code.data)
        if person is None:
            form.identity_code.errors.append(
                _("No resident with this identity code was found. A resident appears here after logging in once.")
            )
        else:
            override = grant_override(person, form.kind.data, form.reason.data.strip(), g.user, today_in_helsinki())
            flash(
                _(
                    "%(name)s (%(code)s) may switch %(kind)s once before the interval has passed, until %(date)s.",
                    name=person.display_name,
                    code=person.hetu_masked,
                    kind=KIND_LABELS[override.kind],
                    date=format_day(override.valid_until, "day"),
                )
            )
            return redirect(url_for("organiser.overrides"))
    granted = recent_overrides()
    return render_page(
        "views/organiser/overrides.html",
        status=400 if form.errors else 200,
        form=form,
        overrides=granted,
        people=people({row.person_id for row in granted}, g.user),
        kind_labels=KIND_LABELS,
        valid_days=load_rules().override_valid_days,
    )
