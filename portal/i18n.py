"""Languages: Finnish (default), Swedish, plain-language Finnish and English.

Plain-language Finnish (selkosuomi) is not a CLDR locale, so it is modelled as a UI language
whose Babel locale is `fi` (dates, numbers, euros as in Finnish; `<html lang="fi">`) and whose
texts come from the `selko` translation domain, layered over the Finnish catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from babel import support
from flask import Flask, Response, current_app, g, request, session, url_for
from flask_babel import Domain, get_translations

from portal.extensions import babel


@dataclass(frozen=True)
class UiLanguage:
    code: str  # what the switcher, session and user preference store
    locale: str  # the Babel locale for formatting and for <html lang>
    native_name: str  # how the language names itself in the switcher (not translated)


UI_LANGUAGES = {
    "fi": UiLanguage("fi", "fi", "Suomi"),
    "sv": UiLanguage("sv", "sv", "Svenska"),
    "selko": UiLanguage("selko", "fi", "Selkosuomi"),
    "en": UiLanguage("en", "en", "English"),
}
DEFAULT_LANGUAGE = "fi"
# The language picked on this visit: holds only one of the four codes above, and lasts until the browser is closed
# (a visit's pick, never a standing preference: see docs/translations.md, "Language selection").
LANGUAGE_COOKIE = "valinta_lang"


class RequestDomain(Domain):
    """A translation domain that finds its catalogue once per request and locale.

    Flask-Babel finds its context, the locale (formatting its name) and the catalogue again for every string, and a
    page has one or two hundred, from templates and from lazy labels alike. The catalogue changes only with the
    locale (`force_locale` renders an e-mail in its reader's language) or the domain (`as_default` for
    plain-language Finnish), so the memo is kept on the request's `g` under both."""

    def get_translations(self) -> support.NullTranslations:
        if not g:
            return self._load()
        locale = getattr(g.get("_flask_babel"), "babel_locale", None)
        memo = g.get("_request_translations")
        if memo is not None and locale is not None and memo[0] is locale and memo[1] is self:
            return memo[2]
        translations = self._load()
        g._request_translations = (getattr(g.get("_flask_babel"), "babel_locale", None), self, translations)
        return translations

    def _load(self) -> support.NullTranslations:
        return super().get_translations()


class SelkoDomain(RequestDomain):
    """The `selko` catalogue for locale fi, falling back to the Finnish `messages` catalogue."""

    def __init__(self) -> None:
        super().__init__(domain="selko")

    def _load(self) -> support.Translations:
        key = ("selko", "fi")
        if key not in self.cache:
            directories = self.translation_directories
            finnish = support.Translations.load(directories[0], ["fi"], "messages")
            selko = support.Translations.load(directories[0], ["fi"], "selko")
            if isinstance(selko, support.Translations):
                selko.add_fallback(finnish)
                self.cache[key] = selko
            else:
                self.cache[key] = finnish
        return self.cache[key]


selko_domain = SelkoDomain()
View = TypeVar("View", bound=Callable[..., Any])
MAX_KEPT_VALUE = 200


def normalise(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    if code in UI_LANGUAGES:
        return code
    if code in {"fi-x-selko", "fi-selko", "selkosuomi"}:
        return "selko"
    return None


def select_language() -> str:
    """?lang= → the session's language (set at login, see login_language) or this visit's pick (the cookie) → the
    logged-in person's saved language → Accept-Language → Finnish. The rule is in docs/translations.md."""
    explicit = normalise(request.args.get("lang"))
    if explicit:
        return explicit
    stored = normalise(session.get("lang")) or normalise(request.cookies.get(language_cookie_name()))
    if stored:
        return stored
    preferred = normalise(getattr(g, "user_language", None))
    if preferred:
        return preferred
    best = request.accept_languages.best_match(["fi", "sv", "en"])
    return best or DEFAULT_LANGUAGE


def login_language(visit_pick: str | None, saved: str | None, claims: Mapping[str, Any]) -> str | None:
    """The language a new login session starts in: a language picked on this visit, else the one the person saved,
    else the identity provider's (its `locale` claim, read afresh at every login and never stored), else None (the
    browser's Accept-Language decides)."""
    return normalise(visit_pick) or normalise(saved) or provider_language(claims.get("locale"))


def provider_language(locale: object) -> str | None:
    """An identity provider's `locale` claim (BCP 47: "sv", "sv-FI", "en_GB") as an interface language, or None."""
    if not isinstance(locale, str):
        return None
    primary = locale.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in ("fi", "sv", "en") else None


def current_language() -> str:
    if "ui_language" not in g:
        g.ui_language = select_language()
    return g.ui_language


def _locale_selector() -> str:
    return UI_LANGUAGES[current_language()].locale


def language_cookie_name() -> str:
    # __Host-: only this host over https may set it, as with the session cookie (ASVS 3.3.1).
    return ("__Host-" if current_app.config["SESSION_COOKIE_SECURE"] else "") + LANGUAGE_COOKIE


def forgets_language(view: View) -> View:
    """A page shown in the `?lang=` its link names that remembers nothing of it: the page after logout, so the next
    person at a shared browser does not inherit the last one's language as their own pick."""
    view.forgets_language = True  # type: ignore[attr-defined]  # read back by _apply_language
    return view


def keeps_query(*names: str) -> Callable[[View], View]:
    """Declare the query parameters that are the page's own state (a search's filters, say): the language
    links carry these, and nothing else a URL may hold (an identity code someone typed, a 60 KB value)."""

    def decorator(view: View) -> View:
        view.kept_query = names  # type: ignore[attr-defined]  # read back by language_url
        return view

    return decorator


def language_url(code: str) -> str:
    """The current page in another language: its path, the query parameters the view keeps, and `lang`."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or request.url_rule is None or request.method != "GET":
        return url_for("main.home", lang=code)
    kept = getattr(view, "kept_query", ())
    query = [(name, value[:MAX_KEPT_VALUE]) for name in kept for value in request.args.getlist(name)[:1] if value]
    path = url_for(request.endpoint or "main.home", **(request.view_args or {}))
    return path + "?" + urlencode([*query, ("lang", code)])


def request_translations() -> support.NullTranslations:
    """The catalogue for the templates' strings: RequestDomain's memo, checked here first to skip finding the
    domain too."""
    state = g.get("_flask_babel")
    memo = g.get("_request_translations")
    if (
        memo is not None
        and memo[0] is not None
        and memo[0] is getattr(state, "babel_locale", None)
        and memo[1] is getattr(state, "babel_domain", None)
    ):
        return memo[2]
    return get_translations()


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=_locale_selector)
    babel.domain_instance = RequestDomain()  # Flask-Babel's default domain, memoised
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )

    @app.before_request
    def _apply_language() -> None:
        language = current_language()
        forgets = getattr(current_app.view_functions.get(request.endpoint or ""), "forgets_language", False)
        if request.args.get("lang") and normalise(request.args["lang"]) and not forgets:
            # A link (GET) changes only what this browser shows on this visit: a cookie, and the session if there is
            # one. It never creates a session and never writes the person's saved language: that is a POST
            # (/language), since a GET must not change stored data (ASVS 3.5.3).
            g.language_cookie = language
            if getattr(session, "token", None) is not None:
                session["lang"] = language
        if language == "selko":
            selko_domain.as_default()

    @app.after_request
    def _remember_in_browser(response: Response) -> Response:
        language = g.get("language_cookie")
        if language and request.cookies.get(language_cookie_name()) != language:
            response.set_cookie(  # no max_age: it lasts for the visit
                language_cookie_name(),
                language,
                secure=app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
            response.vary.add("Cookie")
        return response

    @app.context_processor
    def _language_context() -> dict:
        language = current_language()
        return {
            "ui_language": language,
            "ui_languages": UI_LANGUAGES.values(),
            "html_lang": UI_LANGUAGES[language].locale,
        }
