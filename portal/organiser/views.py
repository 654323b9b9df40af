"""The organiser's view of the catalogue: imports, rejected records, the overlay and the data-quality report."""

from flask import Response, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.auth.access import role_required
from portal.htmx import render_page
from portal.organiser import bp
from portal.organiser.services import (
    KINDS,
    approvals_missing_from_catalogue,
    last_overlay_load,
    last_successful_import,
    quality_csv,
    quality_report,
    recent_imports,
    rejected_records,
)

PROBLEM_LABELS = {
    "missing_name_sv": _l("No Swedish name"),
    "missing_coordinates": _l("No coordinates"),
    "missing_hours": _l("No opening hours"),
    "missing_phone": _l("No phone number"),
    "missing_address": _l("No visiting address"),
    "approved_without_t3": _l("Approved sote centre or dental unit without a T3 figure"),
}
KIND_LABELS = {"location": _l("Service locations"), "service": _l("Services"), "organisation": _l("Organisations")}
STATUS_LABELS = {"succeeded": _l("Succeeded"), "failed": _l("Failed")}
MODE_LABELS = {"full": _l("Full"), "incremental": _l("Changes only")}


@bp.route("/catalogue")
@role_required("organiser", "admin")
def catalogue():
    runs = recent_imports()
    succeeded = last_successful_import()
    return render_page(
        "views/organiser/catalogue.html",
        runs=runs,
        last_run=runs[0] if runs else None,
        succeeded=succeeded,
        rejected=rejected_records(succeeded),
        overlay=last_overlay_load(),
        unknown_ids=approvals_missing_from_catalogue(),
        quality=quality_report(),
        kinds=KINDS,
        kind_labels=KIND_LABELS,
        problem_labels=PROBLEM_LABELS,
        status_labels=STATUS_LABELS,
        mode_labels=MODE_LABELS,
    )


@bp.route("/catalogue/quality.csv")
@role_required("organiser", "admin")
def quality_download():
    header = [_("Problem"), _("PTV id"), _("Finnish name"), _("Swedish name"), _("Municipality code")]
    response = Response(stream_with_context(quality_csv(header)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="catalogue-quality.csv"'
    return response
