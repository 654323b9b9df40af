"""The home page, the language switch and the accessibility statement."""

from __future__ import annotations

from flask import g, redirect, request, session, url_for

from portal.auth.services import remember_language
from portal.htmx import render_page
from portal.i18n import normalise
from portal.main import bp
from portal.security import is_safe_redirect


@bp.route("/")
def home():
    return render_page("views/main/home.html")


@bp.route("/language", methods=["POST"])
def set_language():
    language = normalise(request.form.get("lang"))
    next_url = request.form.get("next")
    if language:
        session["lang"] = language
        if g.get("user") is not None:
            remember_language(g.user, language)
    return redirect(next_url if is_safe_redirect(next_url) else url_for("main.home"))


@bp.route("/accessibility")
def accessibility():
    return render_page("views/main/accessibility.html")
