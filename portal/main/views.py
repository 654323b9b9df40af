"""The home page, the language switch and the accessibility statement."""

from __future__ import annotations

from flask import g, redirect, request, session, url_for

from portal.auth.services import remember_language
from portal.choice.presenting import home_area
from portal.choice.rules import load_rules
from portal.choice.services import listings
from portal.compare.labels import KIND_LABELS
from portal.htmx import render_page
from portal.i18n import current_language, normalise
from portal.main import bp
from portal.security import is_safe_redirect


@bp.route("/")
def home():
    user = g.get("user")
    acting = g.get("acting")
    if acting is not None:
        # Acting for someone: their front page, with only what the mandate covers.
        return render_page(
            "views/main/home.html",
            listings=listings(acting.principal_id) if "choice" in acting.scopes else {},
            kind_labels=KIND_LABELS,
        )
    if user is not None and user.kind == "resident":
        # The resident's home is their dashboard: where they are listed now, and what is waiting to take effect; a
        # resident outside the organiser's area learns it here, with where to go instead.
        rules = load_rules()
        return render_page(
            "views/main/home.html",
            listings=listings(user.id),
            kind_labels=KIND_LABELS,
            rules=rules,
            eligible=rules.eligible(user.home_municipality_code),
            home=home_area(user.home_municipality_code, current_language()),
        )
    return render_page("views/main/home.html")


@bp.route("/language", methods=["POST"])
def set_language():
    """Save a language as the logged-in person's own (it then opens every login), or `forget` the saved one."""
    language = normalise(request.form.get("lang"))
    next_url = request.form.get("next")
    if request.form.get("forget") and g.get("user") is not None:
        remember_language(g.user, None)
    elif language:
        session["lang"] = language
        if g.get("user") is not None:
            remember_language(g.user, language)
    return redirect(next_url if is_safe_redirect(next_url) else url_for("main.home"))


@bp.route("/accessibility")
def accessibility():
    return render_page("views/main/accessibility.html")
