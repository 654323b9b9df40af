"""Who may reach every route: one row per (endpoint, method) of `app.url_map`, one column per kind of user.

tests/security/test_route_matrix.py reads the app's rules and fails when a rule has no row here, or a row has no
rule; then it logs every persona in (through the demo OpenID Connect provider, as a person would) and asks each
route as each of them, GET routes a second time as htmx (`HX-Request: true`), and compares with this table.

Adding a route? Add its row to ROUTES: who gets in (OK with the status they get; REFUSED when they get in but
the service says no, e.g. outside the area), who is sent to log in (LOGIN), who is refused (DENIED: 403, and an
`access_denied` row in the audit log), and for whom someone else's object does not exist (HIDDEN: 404). Anything
but OK must change nothing in the database, and nobody but aino may see her choice's reference unless they typed
it. HEAD and OPTIONS are left out: Flask answers them for every GET rule from the same view. Methods a rule does
not offer are checked apart (405 for everyone), so they need no row. VARIANTS asks a rule again with other values
(someone else's request key, say).

Values in a row are literal, or a Ref: something the test's fixture creates in the database (aino's choice, a
dead outbox message, a role grant) and names by `World.<name>()` in test_route_matrix.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.demo.ptv_feed import channel_id

S_JARVENPAA = channel_id(2019, "s-jarvenpaa")
D_JARVENPAA = channel_id(2019, "d-jarvenpaa")


# --- who asks ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    name: str
    persona: str | None  # the demo persona (portal/demo/personas.py) that logs in; None: nobody logs in
    description: str
    # A World method that prepares what this role needs beyond logging in (a mandate, say). A role whose feature
    # is not built yet says so with `ready=False`: its column must be PENDING in every row, and nothing is asked.
    setup: str | None = None
    ready: bool = True


ROLES: tuple[Role, ...] = (
    Role("anonymous", None, "not logged in"),
    Role("owner", "aino.virtanen", "resident of Järvenpää acting on her own data (the choice in the URLs is hers)"),
    Role("other_resident", "erik.lindqvist", "resident of Porvoo, in the area, asking for aino's choice"),
    Role("outside_resident", "matti.korhonen", "resident of Helsinki, outside the area"),
    Role("relative", "sari.nieminen", "Helmi's daughter, acting for herself (her mandates unused)"),
    # sari.nieminen again, each on a client of her own, acting for helmi.nieminen under a mandate that covers
    # every scope (so whatever a route needs), or only flags (which covers none of the routes built so far). Objects
    # named in a URL are aino's: for a relative acting for Helmi they do not exist (404), unless the scope check
    # refuses first (403).
    Role(
        "relative_mandate_right_scope",
        "sari.nieminen",
        "relative acting under a mandate of every scope",
        setup="act_for_helmi_with_every_scope",
    ),
    Role(
        "relative_mandate_wrong_scope",
        "sari.nieminen",
        "relative acting under a mandate for flags only",
        setup="act_for_helmi_with_flags_only",
    ),
    Role("helpline", "liisa.neuvoja", "staff with the helpline role"),
    Role("organiser", "olli.jarjestaja", "staff with the organiser role"),
    Role("admin", "anna.yllapitaja", "staff with the admin role"),
)
ROLE_NAMES = tuple(role.name for role in ROLES)
RESIDENTS = ("owner", "other_resident", "outside_resident", "relative")
ACTING = ("relative_mandate_right_scope", "relative_mandate_wrong_scope")
STAFF = ("helpline", "organiser", "admin")
NOT_OWNER = ("other_resident", "outside_resident", "relative")


# --- what they get -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str  # ok, refused, login, denied, hidden, pending
    status: int

    def __str__(self) -> str:
        return {"pending": "PENDING"}.get(self.kind, f"{self.kind.upper()} {self.status}")


def OK(status: int = 200) -> Outcome:
    """Let in: the view ran and answered `status`."""
    return Outcome("ok", status)


def REFUSED(status: int) -> Outcome:
    """Let in, but the service says no (outside the area, a failed login): `status`, and nothing changed."""
    return Outcome("refused", status)


LOGIN = Outcome("login", 302)  # redirected to the login page, with `next` pointing back here; nothing changed
DENIED = Outcome("denied", 403)  # wrong kind of user or role: 403, an access_denied audit row, nothing changed
HIDDEN = Outcome("hidden", 404)  # someone else's object, as if it did not exist; nothing changed
PENDING = Outcome("pending", 0)  # the column's feature is not built yet: not asked


@dataclass(frozen=True)
class Ref:
    """A value the test's World creates: `World.<name>()`, called afresh for each request."""

    name: str


@dataclass(frozen=True)
class Route:
    outcomes: dict[str, Outcome]
    values: dict[str, object] = field(default_factory=dict)  # path (and query) values for url_for
    form: dict[str, object] | Ref | None = None  # what a POST sends (the CSRF token is added for everyone)
    ends_session: bool = False  # asked last: it logs the asker out


def _columns(**outcomes: Outcome) -> dict[str, Outcome]:
    columns = {role.name: (outcomes[role.name] if role.ready else PENDING) for role in ROLES if role.name in outcomes}
    columns.update({role.name: PENDING for role in ROLES if not role.ready})
    return columns


def public(status: int = 200) -> dict[str, Outcome]:
    """Anyone, logged in or not."""
    return _columns(**{name: OK(status) for name in ROLE_NAMES})


def acting(scope: str | None, allowed: Outcome) -> dict[str, Outcome]:
    """The relative acting for Helmi: `allowed` when the route needs no scope or one her mandate has; refused (403)
    when it needs a scope the flags-only mandate lacks, or is the person's own (`own`: never while acting)."""
    if scope == "own":
        return dict.fromkeys(ACTING, DENIED)
    return {
        "relative_mandate_right_scope": allowed,
        "relative_mandate_wrong_scope": allowed if scope in (None, "flags") else DENIED,
    }


def residents(status: int = 200, scope: str | None = None, **different: Outcome) -> dict[str, Outcome]:
    """Logged-in residents, each on their own data (or, acting, on Helmi's, within the mandate's `scope`); staff
    are refused."""
    columns = {"anonymous": LOGIN, **{name: OK(status) for name in RESIDENTS}, **dict.fromkeys(STAFF, DENIED)}
    return _columns(**{**columns, **acting(scope, OK(status)), **different})


def owner_only(status: int = 200, scope: str | None = None) -> dict[str, Outcome]:
    """Aino's own object, named in the URL: any other resident gets 404 (acting for Helmi too, once the scope is
    checked), staff 403."""
    columns = {"anonymous": LOGIN, "owner": OK(status), **dict.fromkeys(NOT_OWNER, HIDDEN), **acting(scope, HIDDEN)}
    return _columns(**columns, **dict.fromkeys(STAFF, DENIED))


def staff_with(*roles: str, status: int = 200) -> dict[str, Outcome]:
    """Staff holding one of `roles`; residents and other staff are refused."""
    columns = {"anonymous": LOGIN, **dict.fromkeys(RESIDENTS + ACTING, DENIED)}
    columns.update({name: OK(status) if name in roles else DENIED for name in STAFF})
    return _columns(**columns)


ORGANISING = ("organiser", "admin")
CHOICE = {"reference": Ref("aino_reference")}
FLAG = {"reference": Ref("flag_reference")}  # a flag of a fresh person, made for each ask
CALL = {"call_id": Ref("helpline_call")}  # an open call of liisa's with a fresh resident, made for each ask
CHAT = {"public_id": Ref("liisa_chat")}  # a chat liisa has taken, with a fresh resident's consent, made for each ask


# --- the table ---------------------------------------------------------------------------------------------------

ROUTES: dict[tuple[str, str], Route] = {
    # Operations and assets
    ("ops.healthz", "GET"): Route(public()),
    ("ops.readyz", "GET"): Route(public()),
    # The test client asks from 127.0.0.1, inside METRICS_ALLOWED_NETWORKS; from anywhere else it is a 404
    # (tests/functional/test_ops_metrics.py).
    ("ops.metrics", "GET"): Route(public()),
    ("static", "GET"): Route(public(), values={"filename": "css/portal.css"}),
    # Public pages
    ("main.home", "GET"): Route(public()),
    ("main.accessibility", "GET"): Route(public()),
    ("main.set_language", "POST"): Route(public(302), form={"lang": "fi", "next": "/"}),
    # Logging in and out
    ("auth.login", "GET"): Route(public()),
    ("auth.start_login", "GET"): Route(public(302), values={"kind": "resident"}),
    # A callback without the provider's answer is a failed login for anyone; it logs nobody out.
    ("auth.callback", "GET"): Route(_columns(**dict.fromkeys(ROLE_NAMES, REFUSED(400))), values={"kind": "resident"}),
    ("auth.logged_out", "GET"): Route(public()),
    # Ends acting for someone (nobody else's state): asked with the session's last checks, before logging out.
    ("mandates.stop", "POST"): Route(residents(302), form={}, ends_session=True),
    ("auth.logout", "POST"): Route(public(302), form={}, ends_session=True),
    # Browsing and comparing units: anyone's, no login
    ("compare.search", "GET"): Route(public(), values={"kind": "sote_centre"}),
    ("compare.unit", "GET"): Route(public(), values={"location_id": S_JARVENPAA}),
    ("compare.compare", "GET"): Route(public()),
    ("compare.compare_add", "POST"): Route(public(302), form={"location_id": S_JARVENPAA}),
    ("compare.compare_remove", "POST"): Route(public(302), form={"location_id": S_JARVENPAA}),
    ("compare.compare_clear", "POST"): Route(public(302), form={}),
    # The resident's own listings
    ("choice.overview", "GET"): Route(residents(scope="choice")),
    ("choice.past_choices", "GET"): Route(residents(scope="choice")),
    ("choice.check", "GET"): Route(residents(scope="choice"), values={"kind": "dental_unit", "unit": D_JARVENPAA}),
    # Every resident confirms into their own listing (g.user's), never someone else's: the area decides the rest.
    ("choice.confirm", "POST"): Route(
        residents(303, scope="choice", outside_resident=REFUSED(409)),
        values={"kind": "dental_unit"},
        form={"unit": D_JARVENPAA, "version": "0", "request_key": Ref("request_key")},
    ),
    ("choice.receipt", "GET"): Route(owner_only(scope="choice"), values=CHOICE),
    ("choice.cancel", "GET"): Route(owner_only(scope="choice"), values=CHOICE),
    ("choice.cancel", "POST"): Route(owner_only(303, scope="choice"), values=CHOICE, form={}),
    # The wallet: each resident's own vouchers and budget (aino's named in the URL: others get 404)
    ("wallet.overview", "GET"): Route(residents(scope="balances")),
    ("wallet.voucher", "GET"): Route(owner_only(scope="balances"), values={"public_id": Ref("aino_voucher")}),
    ("wallet.budget", "GET"): Route(owner_only(scope="balances"), values={"public_id": Ref("aino_budget")}),
    ("wallet.budget_transactions", "GET"): Route(
        owner_only(scope="balances"), values={"public_id": Ref("aino_budget")}
    ),
    ("wallet.budget_transactions_csv", "GET"): Route(
        owner_only(scope="balances"), values={"public_id": Ref("aino_budget")}
    ),
    ("wallet.refuse_item", "GET"): Route(
        owner_only(scope="own"), values={"kind": "vouchers", "public_id": Ref("aino_voucher")}
    ),
    ("wallet.refuse_item", "POST"): Route(
        owner_only(302, scope="own"), values={"kind": "vouchers", "public_id": Ref("aino_voucher")}, form={}
    ),
    ("wallet.rights", "GET"): Route(public()),
    # Acting for someone: whom one may act for is one's own page; someone else's mandate does not exist for them
    ("mandates.choose", "GET"): Route(residents()),
    ("mandates.start", "POST"): Route(
        _columns(anonymous=LOGIN, **dict.fromkeys(RESIDENTS + ACTING, HIDDEN), **dict.fromkeys(STAFF, DENIED)),
        values={"public_id": Ref("mandate_public_id")},
        form={},
    ),
    # Who has looked at one's own information
    ("access_log.mine", "GET"): Route(residents(scope="own")),
    # Checking Suomi.fi mandates: the test app runs with VALTUUDET_URL empty, so the feature is off and both pages
    # are 404 for every resident; the flow itself is tests/functional/test_valtuudet_flow.py.
    ("mandates.valtuudet_start", "GET"): Route(residents(**dict.fromkeys(RESIDENTS + ACTING, HIDDEN))),
    ("mandates.valtuudet_return", "GET"): Route(
        residents(**dict.fromkeys(RESIDENTS + ACTING, HIDDEN)), values={"code": "c", "state": "s"}
    ),
    # Flags: each resident reports and follows their own (acting, Helmi's, within the mandate's flags scope); the
    # reports named in URLs are aino's, made afresh for each ask (a disputable one for the dispute)
    ("flags.index", "GET"): Route(residents(scope="flags")),
    ("flags.new", "GET"): Route(residents(scope="flags")),
    ("flags.new", "POST"): Route(residents(scope="flags"), form=Ref("flag_answers")),
    ("flags.send", "POST"): Route(residents(303, scope="flags"), form=Ref("flag_send_form")),
    ("flags.sent", "GET"): Route(owner_only(scope="flags"), values={"reference": Ref("aino_flag")}),
    ("flags.show", "GET"): Route(owner_only(scope="flags"), values={"reference": Ref("aino_flag")}),
    ("flags.more_info", "POST"): Route(
        owner_only(303, scope="flags"), values={"reference": Ref("aino_flag")}, form={"text": "Route matrix"}
    ),
    ("flags.disagree", "POST"): Route(
        owner_only(303, scope="flags"),
        values={"reference": Ref("aino_disputable_flag")},
        form={"reason": "Route matrix: I disagree"},
    ),
    # The organiser's pages
    ("organiser.catalogue", "GET"): Route(staff_with(*ORGANISING)),
    ("organiser.quality_download", "GET"): Route(staff_with(*ORGANISING)),
    ("organiser.listings", "GET"): Route(staff_with(*ORGANISING)),
    ("organiser.listings_download", "GET"): Route(staff_with(*ORGANISING)),
    ("organiser.rules", "GET"): Route(staff_with(*ORGANISING)),
    ("organiser.rules", "POST"): Route(staff_with(*ORGANISING, status=302), form=Ref("unchanged_rules_form")),
    ("organiser.capacity", "GET"): Route(staff_with(*ORGANISING)),
    ("organiser.capacity", "POST"): Route(staff_with(*ORGANISING, status=302), form={}),
    ("organiser.overrides", "GET"): Route(staff_with(*ORGANISING)),
    ("organiser.overrides", "POST"): Route(staff_with(*ORGANISING, status=302), form=Ref("override_form")),
    ("organiser.outbox", "GET"): Route(staff_with(*ORGANISING)),
    ("organiser.retry_outbox_message", "POST"): Route(
        staff_with(*ORGANISING, status=302), values={"message_id": Ref("dead_message_id")}, form={}
    ),
    # The review console of flags (each ask on a flag of its own, for a fresh person; a look is in the access log)
    ("review.queue", "GET"): Route(staff_with(*ORGANISING)),
    ("review.settings", "GET"): Route(staff_with(*ORGANISING)),
    ("review.settings", "POST"): Route(staff_with(*ORGANISING, status=303), form=Ref("flag_settings_form")),
    ("review.detail", "GET"): Route(staff_with(*ORGANISING), values=FLAG),
    ("review.change_status", "POST"): Route(
        staff_with(*ORGANISING, status=303), values=FLAG, form={"status": "in_review", "message": "Route matrix"}
    ),
    ("review.reply", "POST"): Route(staff_with(*ORGANISING, status=303), values=FLAG, form={"reply": "Route matrix"}),
    ("review.note", "POST"): Route(staff_with(*ORGANISING, status=303), values=FLAG, form={"note": "Route matrix"}),
    ("review.assign", "POST"): Route(staff_with(*ORGANISING, status=303), values=FLAG, form={"assignee": ""}),
    ("review.priority", "POST"): Route(staff_with(*ORGANISING, status=303), values=FLAG, form={"priority": "1"}),
    ("review.response", "POST"): Route(
        staff_with(*ORGANISING, status=303),
        values={**FLAG, "provider_row_id": Ref("flag_provider_row_id")},
        form=Ref("flag_response_form"),
    ),
    # The staff's register of mandates (the two people are made afresh for each ask, apart from the personas)
    ("mandates.staff_register", "GET"): Route(staff_with(*ORGANISING)),
    ("mandates.staff_register", "POST"): Route(staff_with(*ORGANISING, status=302), form=Ref("mandate_form")),
    ("mandates.staff_revoke", "GET"): Route(staff_with(*ORGANISING), values={"public_id": Ref("mandate_public_id")}),
    ("mandates.staff_revoke", "POST"): Route(
        staff_with(*ORGANISING, status=302),
        values={"public_id": Ref("mandate_public_id")},
        form={"reason": "Route matrix: withdrawn in writing"},
    ),
    # Feedback about a unit: the person's own opinion, never given while acting for someone else
    ("feedback.give", "GET"): Route(residents(scope="own"), values={"location_id": S_JARVENPAA, "source": "listing"}),
    ("feedback.give", "POST"): Route(
        residents(303, scope="own"),
        values={"location_id": S_JARVENPAA},
        form={"score": "8", "text": "Route matrix", "source": "listing"},
    ),
    # The organiser's figures of flags and feedback
    ("review.figures", "GET"): Route(staff_with(*ORGANISING)),
    ("review.figures_download", "GET"): Route(staff_with(*ORGANISING), values={"table": "category"}),
    ("review.feedback", "GET"): Route(staff_with(*ORGANISING)),
    ("review.feedback_download", "GET"): Route(staff_with(*ORGANISING)),
    # The chat: anyone's, found through the asker's own session (nobody has one yet when the matrix asks, so what
    # needs a chat finds none); asking for a person with nobody on duty asks a visitor without a person to log in,
    # and leaves a logged-in resident's question as a message.
    ("chat.page", "GET"): Route(public()),
    ("chat.send", "POST"): Route(public(303), form={"text": "Route matrix"}),
    ("chat.person", "POST"): Route(
        _columns(anonymous=OK(), **{name: OK(303) for name in RESIDENTS + ACTING}, **dict.fromkeys(STAFF, OK())),
        form={},
    ),
    ("chat.updates", "GET"): Route(public(204), values={"tag": "0"}),
    ("chat.consent", "POST"): Route(_columns(**dict.fromkeys(ROLE_NAMES, HIDDEN)), form={}),
    ("chat.close", "POST"): Route(_columns(**dict.fromkeys(ROLE_NAMES, HIDDEN)), form={}),
    ("chat.rate", "POST"): Route(_columns(**dict.fromkeys(ROLE_NAMES, HIDDEN)), form={"rating": "5"}),
    ("chat.new", "POST"): Route(public(303), form={}),
    ("chat.transcript", "GET"): Route(_columns(**dict.fromkeys(ROLE_NAMES, HIDDEN))),
    ("chat.transcript_download", "GET"): Route(_columns(**dict.fromkeys(ROLE_NAMES, HIDDEN))),
    # The help line's phone calls: finding the caller (the identity code in the POST body), the call started with
    # their consent, and what the worker does for them on it. Each call is liisa's, for a fresh resident of
    # Järvenpää with no listing, made afresh for each ask (ending it uses it up).
    ("helpline.callers", "GET"): Route(staff_with("helpline")),
    ("helpline.callers", "POST"): Route(staff_with("helpline"), form=Ref("caller_code_form")),
    ("helpline.call_start", "POST"): Route(
        staff_with("helpline", status=303),
        values={"person_id": Ref("caller_public_id")},
        form=Ref("call_start_form"),
    ),
    ("helpline.call", "GET"): Route(staff_with("helpline"), values=CALL),
    ("helpline.call_choose", "GET"): Route(staff_with("helpline"), values={**CALL, "kind": "dental_unit"}),
    ("helpline.call_check", "GET"): Route(
        staff_with("helpline"), values={**CALL, "kind": "dental_unit", "unit": D_JARVENPAA}
    ),
    ("helpline.call_confirm", "POST"): Route(
        staff_with("helpline", status=303),
        values=CALL,
        form={"kind": "dental_unit", "unit": D_JARVENPAA, "version": "0", "request_key": Ref("request_key")},
    ),
    ("helpline.call_flag", "GET"): Route(staff_with("helpline"), values=CALL),
    ("helpline.call_flag", "POST"): Route(staff_with("helpline", status=303), values=CALL, form=Ref("call_flag_form")),
    ("helpline.call_end", "POST"): Route(staff_with("helpline", status=303), values=CALL, form={}),
    # The help line's chat console: presence and the queues, then one chat, liisa's own (taken by her, the
    # resident's consent given), made afresh for each ask; the organiser's help-line hours
    ("helpline.console", "GET"): Route(staff_with("helpline")),
    ("helpline.console_updates", "GET"): Route(staff_with("helpline"), values={"tag": ""}),
    ("helpline.presence", "POST"): Route(
        staff_with("helpline", status=303), form={"status": "away", "languages": ["fi", "sv"]}
    ),
    ("helpline.accept", "POST"): Route(
        staff_with("helpline", status=303), values={"public_id": Ref("waiting_chat")}, form={}
    ),
    ("helpline.chat", "GET"): Route(staff_with("helpline"), values=CHAT),
    ("helpline.chat_updates", "GET"): Route(staff_with("helpline"), values={**CHAT, "tag": ""}),
    ("helpline.reply", "POST"): Route(staff_with("helpline", status=303), values=CHAT, form={"text": "Route matrix"}),
    ("helpline.note", "POST"): Route(staff_with("helpline", status=303), values=CHAT, form={"text": "Route matrix"}),
    ("helpline.transfer", "POST"): Route(
        staff_with("helpline", status=303), values=CHAT, form={"to": Ref("colleague_on_duty")}
    ),
    ("helpline.close", "POST"): Route(staff_with("helpline", status=303), values=CHAT, form={}),
    ("helpline.hours", "GET"): Route(staff_with(*ORGANISING)),
    ("helpline.hours", "POST"): Route(staff_with(*ORGANISING, status=303), form=Ref("helpline_hours_form")),
    # The admin's pages
    ("admin.roles", "GET"): Route(staff_with("admin")),
    ("admin.roles", "POST"): Route(
        staff_with("admin", status=302), form={"subject": "matrix.grantee", "role": "helpline"}
    ),
    ("admin.revoke_role", "POST"): Route(
        staff_with("admin", status=302), values={"grant_id": Ref("role_grant_id")}, form={}
    ),
    ("admin.end_sessions", "POST"): Route(
        staff_with("admin", status=302), values={"staff_id": Ref("staff_with_session")}, form={}
    ),
}


# Further asks of a rule that has its row above, each with what it tries: (endpoint, method, what) → Route.
VARIANTS: dict[tuple[str, str, str], Route] = {
    # Any help-line worker reads a chat waiting to be taken; once a colleague has it, nobody else reads or answers it.
    ("helpline.chat", "GET", "a chat waiting to be taken"): Route(
        staff_with("helpline"), values={"public_id": Ref("waiting_chat")}
    ),
    ("helpline.chat", "GET", "a colleague's chat"): Route(
        _columns(anonymous=LOGIN, **dict.fromkeys(RESIDENTS + ACTING + STAFF, DENIED)),
        values={"public_id": Ref("colleagues_chat")},
    ),
    ("helpline.reply", "POST", "in a colleague's chat"): Route(
        _columns(anonymous=LOGIN, **dict.fromkeys(RESIDENTS + ACTING + STAFF, DENIED)),
        values={"public_id": Ref("colleagues_chat")},
        form={"text": "Route matrix"},
    ),
    # Replaying aino's request key (a double click's guard) must not hand anyone else her choice, or its reference.
    ("choice.confirm", "POST", "with aino's request key"): Route(
        residents(303, scope="choice", **dict.fromkeys((*NOT_OWNER, "relative_mandate_right_scope"), REFUSED(409))),
        values={"kind": "sote_centre"},
        form={"unit": S_JARVENPAA, "version": "0", "request_key": Ref("aino_request_key")},
    ),
}


def render() -> str:
    """The table as text, one line per row: `python -m tests.security.route_matrix`."""
    width = max(len(f"{endpoint} {method}") for endpoint, method in ROUTES)
    lines = [" ".join([" " * width, *(f"{name[:12]:>12}" for name in ROLE_NAMES)])]
    rows = [(f"{endpoint} {method}", route) for (endpoint, method), route in ROUTES.items()]
    rows += [(f"{endpoint} {method} {what}", route) for (endpoint, method, what), route in VARIANTS.items()]
    for label, route in rows:
        cells = [f"{str(route.outcomes.get(name, '?')):>12}" for name in ROLE_NAMES]
        lines.append(" ".join([label[:width].ljust(width), *cells]))
    return "\n".join(lines)


if __name__ == "__main__":
    print(render())
