"""Words for the console's codes: categories, statuses, priorities, timeline kinds and the queue's age filters."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "information_not_moved": _l("Information did not move between providers"),
    "referral_lost": _l("A referral or follow-up was lost"),
    "voucher_refused": _l("A provider refused a voucher or budget"),
    "fee_charged": _l("A provider charged a fee it may not charge"),
    "no_appointment": _l("Could not get an appointment"),
    "conflicting_instructions": _l("Conflicting instructions"),
    "other": _l("Something else"),
}
STATUS_LABELS = {
    "new": _l("New"),
    "in_review": _l("In review"),
    "waiting_provider": _l("Waiting for a provider"),
    "resolved": _l("Resolved"),
    "closed_unresolved": _l("Closed – not resolved"),
    "forwarded": _l("Not ours – forwarded"),
    "disputed": _l("Disputed"),
}
PRIORITY_LABELS = {1: _l("High"), 2: _l("Normal"), 3: _l("Low")}
EVENT_LABELS = {
    "created": _l("Sent"),
    "status": _l("Status changed"),
    "reply": _l("Reply to the flagger"),
    "note": _l("Internal note"),
    "info": _l("The flagger added information"),
    "provider_response": _l("Provider's response"),
    "assigned": _l("Assigned"),
    "priority": _l("Priority changed"),
    "dispute": _l("The flagger disputed the outcome"),
}
CONTACT_LABELS = {"portal": _l("In the portal"), "email": _l("By e-mail"), "phone": _l("By phone")}
# The flagger's language -> the locale whose catalogue says a status in it ("selko" reads the Finnish words).
LOCALES = {"fi": "fi", "sv": "sv", "selko": "fi", "en": "en"}


def status_in(status: str, language: str) -> str:
    """The status in words in `language` (the flagger's), for a reply template's {status}."""
    with force_locale(LOCALES.get(language, "fi")):
        return str(STATUS_LABELS[status])
