"""Interface names for the catalogue's codes, in the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "sote_centre": _l("Health and social care centre"),
    "dental_unit": _l("Dental care unit"),
    "voucher_provider": _l("Service voucher provider"),
}
VOUCHER_LABELS = {
    "home_care": _l("Home care"),
    "home_nursing": _l("Home nursing"),
    "housing_services": _l("Housing services"),
    "social_rehabilitation": _l("Social rehabilitation"),
    "disability_work_activity": _l("Work activity for people with disabilities"),
    "dental_prosthetics": _l("Dental prosthetics"),
}
PROVIDER_LABELS = {
    "public": _l("Public"),
    "private": _l("Private company"),
    "third_sector": _l("Non-profit organisation"),
}
SORT_LABELS = {
    "relevance": _l("Best match"),
    "distance": _l("Distance"),
    "name": _l("Name"),
    "waiting": _l("Waiting time"),
    "satisfaction": _l("Client satisfaction"),
}
LANGUAGE_LABELS = {"fi": _l("Finnish"), "sv": _l("Swedish"), "en": _l("English")}
# The same languages as the name of the language a text is in ("in Finnish"), for fallback notes.
IN_LANGUAGE = {"fi": _l("in Finnish"), "sv": _l("in Swedish"), "en": _l("in English")}


def kind_options() -> list[tuple[str, object]]:
    options: list[tuple[str, object]] = [(k, KIND_LABELS[k]) for k in ("sote_centre", "dental_unit")]
    options += [(f"voucher:{service}", label) for service, label in VOUCHER_LABELS.items()]
    return options
