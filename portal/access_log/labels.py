"""What each access-log action means to the person it is about, in words."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "wallet_viewed": _l("Looked at your service vouchers or personal budget"),
    "listing_viewed": _l("Looked at your listings"),
    "listing_acted": _l("Chose, switched or cancelled a listing for you"),
    "listing_chosen": _l("Made a choice of unit for you"),
    "listing_cancelled": _l("Cancelled a choice of unit for you"),
    "acting_started": _l("Started acting for you"),
    "acting_stopped": _l("Stopped acting for you"),
    "access_denied": _l("Tried something your mandate does not allow, and was refused"),
    "mandate_registered": _l("Registered a mandate for you"),
    "mandate_revoked": _l("Revoked a mandate"),
    "interval_override_granted": _l("Allowed you to switch before the minimum time"),
    "override_list_viewed": _l("Saw your name on the list of permissions to switch early"),
    "voucher_refused": _l("Refused a service voucher for you"),
    "budget_refused": _l("Refused a personal budget for you"),
    "flags_viewed": _l("Looked at your reports of problems with care"),
    "flag_sent": _l("Sent a report of a problem with your care for you"),
    "flag_info_added": _l("Added information to your report"),
    "flag_disputed": _l("Disagreed with the decision on your report for you"),
    "flag_viewed": _l("Read your report of a problem with care"),
    "flag_status_changed": _l("Changed the status of your report"),
    "flag_replied": _l("Replied to your report"),
    "flag_noted": _l("Wrote a note about your report"),
    "flag_assigned": _l("Gave your report to a worker to handle"),
    "flag_prioritised": _l("Set how urgent your report is"),
    "flag_response_recorded": _l("Recorded a provider's response to your report"),
    "helpline_chat_view": _l(
        "Looked at your listings, vouchers, budget and reports during your chat, with your permission"
    ),
    "helpline_caller_search": _l(
        "Searched for a phone caller at the help line and saw your name, year of birth and home municipality"
    ),
    "helpline_call_start": _l("Started helping you on the phone, with your consent"),
    "helpline_call_view": _l("Looked at your listings, vouchers, budget and reports during your phone call"),
    "helpline_call_end": _l("Ended your phone call"),
}
OTHER_ACTION = _l("Handled your information")
