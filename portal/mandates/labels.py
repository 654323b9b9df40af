"""What each scope of a mandate allows, in words: the one place the pages and forms take them from."""

from flask_babel import lazy_gettext as _l

SCOPE_LABELS = {
    "balances": _l("See service vouchers and personal budgets"),
    "flags": _l("Report problems with care"),
    "choice": _l("Choose and switch the health and social care centre and dental care unit"),
}
# For the refusal page: what the person tried to do that the mandate does not cover.
SCOPE_REFUSALS = {
    "balances": _l("Your mandate does not cover seeing this person's service vouchers and personal budgets."),
    "flags": _l("Your mandate does not cover reporting problems for this person."),
    "choice": _l("Your mandate does not cover choosing or switching units for this person."),
    "own": _l("Only the person themselves can do this, not someone acting for them."),
}
