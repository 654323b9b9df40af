"""Languages: Finnish (default), Swedish, plain-language Finnish and English.

Plain-language Finnish (selkosuomi) is not a CLDR locale, so it is modelled as a UI language
whose Babel locale is `fi` (dates, numbers, euros as in Finnish; `<html lang="fi">`) and whose
texts come from the `selko` translation domain, layered over the Finnish catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import support
from flask import Flask, g, request, session
from flask_babel import Domain

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


class SelkoDomain(Domain):
    """The `selko` catalogue for locale fi, falling back to the Finnish `messages` catalogue."""

    def __init__(self) -> None:
        super().__init__(domain="selko")

    def get_translations(self) -> support.Translations:
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
    """?lang= → session → the logged-in person's stored choice → Accept-Language → Finnish."""
    explicit = normalise(request.args.get("lang"))
    if explicit:
        return explicit
    stored = normalise(session.get("lang"))
    if stored:
        return stored
    preferred = normalise(getattr(g, "user_language", None))
    if preferred:
        return preferred
    best = request.accept_languages.best_match(["fi", "sv", "en"])
    return best or DEFAULT_LANGUAGE


def current_language() -> str:
    if "ui_language" not in g:
        g.ui_language = select_language()
    return g.ui_language


def _locale_selector() -> str:
    return UI_LANGUAGES[current_language()].locale


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=_locale_selector)

    @app.before_request
    def _apply_language() -> None:
        language = current_language()
        if request.args.get("lang") and normalise(request.args["lang"]):
            session["lang"] = language
            user = g.get("user")
            if user is not None and g.get("user_language") != language:
                from portal.auth.services import remember_language

                remember_language(user, language)  # a preference, stored for the next login too
        if language == "selko":
            selko_domain.as_default()

    @app.context_processor
    def _language_context() -> dict:
        language = current_language()
        return {
            "ui_language": language,
            "ui_languages": UI_LANGUAGES.values(),
            "html_lang": UI_LANGUAGES[language].locale,
        }
