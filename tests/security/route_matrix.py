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
    Role("relative", "sari.nieminen", "Helmi's daughter: today a resident like any other, without a mandate"),
    # The mandates feature fills these two: sari.nieminen acting for helmi.nieminen with a mandate whose scope
    # covers the route (right scope) or does not (wrong scope). Give each a `setup` (a World method that grants
    # the mandate), set `ready=True` and replace PENDING with the outcome in every row; the objects such a
    # relative reaches are Helmi's, so the rows may want Refs to Helmi's choice. Each column logs in on a client
    # of its own; if the mandate is granted to sari herself, the plain `relative` column needs another persona.
    Role("relative_mandate_right_scope", "sari.nieminen", "relative with a mandate of the right scope", ready=False),
    Role("relative_mandate_wrong_scope", "sari.nieminen", "relative with a mandate of the wrong scope", ready=False),
    Role("helpline", "liisa.neuvoja", "staff with the helpline role"),
    Role("organiser", "olli.jarjestaja", "staff with the organiser role"),
    Role("admin", "anna.yllapitaja", "staff with the admin role"),
)
ROLE_NAMES = tuple(role.name for role in ROLES)
RESIDENTS = ("owner", "other_resident", "outside_resident", "relative")
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


def residents(status: int = 200, **different: Outcome) -> dict[str, Outcome]:
    """Logged-in residents, each on their own data; staff are refused."""
    columns = {"anonymous": LOGIN, **{name: OK(status) for name in RESIDENTS}, **dict.fromkeys(STAFF, DENIED)}
    return _columns(**{**columns, **different})


def owner_only(status: int = 200) -> dict[str, Outcome]:
    """Aino's own object, named in the URL: any other resident gets 404, staff 403."""
    columns = {"anonymous": LOGIN, "owner": OK(status), **dict.fromkeys(NOT_OWNER, HIDDEN)}
    return _columns(**columns, **dict.fromkeys(STAFF, DENIED))


def staff_with(*roles: str, status: int = 200) -> dict[str, Outcome]:
    """Staff holding one of `roles`; residents and other staff are refused."""
    columns = {"anonymous": LOGIN, **dict.fromkeys(RESIDENTS, DENIED)}
    columns.update({name: OK(status) if name in roles else DENIED for name in STAFF})
    return _columns(**columns)


ORGANISING = ("organiser", "admin")
CHOICE = {"reference": Ref("aino_reference")}


# --- the table ---------------------------------------------------------------------------------------------------

ROUTES: dict[tuple[str, str], Route] = {
    # Operations and assets
    ("ops.healthz", "GET"): Route(public()),
    ("ops.readyz", "GET"): Route(public()),
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
    ("auth.logout", "POST"): Route(public(302), form={}, ends_session=True),
    # Browsing and comparing units: anyone's, no login
    ("compare.search", "GET"): Route(public(), values={"kind": "sote_centre"}),
    ("compare.unit", "GET"): Route(public(), values={"location_id": S_JARVENPAA}),
    ("compare.compare", "GET"): Route(public()),
    ("compare.compare_add", "POST"): Route(public(302), form={"location_id": S_JARVENPAA}),
    ("compare.compare_remove", "POST"): Route(public(302), form={"location_id": S_JARVENPAA}),
    ("compare.compare_clear", "POST"): Route(public(302), form={}),
    # The resident's own listings
    ("choice.overview", "GET"): Route(residents()),
    ("choice.past_choices", "GET"): Route(residents()),
    ("choice.check", "GET"): Route(residents(), values={"kind": "dental_unit", "unit": D_JARVENPAA}),
    # Every resident confirms into their own listing (g.user's), never someone else's: the area decides the rest.
    ("choice.confirm", "POST"): Route(
        residents(303, outside_resident=REFUSED(409)),
        values={"kind": "dental_unit"},
        form={"unit": D_JARVENPAA, "version": "0", "request_key": Ref("request_key")},
    ),
    ("choice.receipt", "GET"): Route(owner_only(), values=CHOICE),
    ("choice.cancel", "GET"): Route(owner_only(), values=CHOICE),
    ("choice.cancel", "POST"): Route(owner_only(303), values=CHOICE, form={}),
    # Checking Suomi.fi mandates: the test app runs with VALTUUDET_URL empty, so the feature is off and both pages
    # are 404 for every resident; the flow itself is tests/functional/test_valtuudet_flow.py.
    ("mandates.valtuudet_start", "GET"): Route(residents(**dict.fromkeys(RESIDENTS, HIDDEN))),
    ("mandates.valtuudet_return", "GET"): Route(
        residents(**dict.fromkeys(RESIDENTS, HIDDEN)), values={"code": "c", "state": "s"}
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
    # The staff's register of mandates (the two people are made afresh for each ask, apart from the personas)
    ("mandates.staff_register", "GET"): Route(staff_with(*ORGANISING)),
    ("mandates.staff_register", "POST"): Route(staff_with(*ORGANISING, status=302), form=Ref("mandate_form")),
    ("mandates.staff_revoke", "GET"): Route(staff_with(*ORGANISING), values={"public_id": Ref("mandate_public_id")}),
    ("mandates.staff_revoke", "POST"): Route(
        staff_with(*ORGANISING, status=302),
        values={"public_id": Ref("mandate_public_id")},
        form={"reason": "Route matrix: withdrawn in writing"},
    ),
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
    # Replaying aino's request key (a double click's guard) must not hand anyone else her choice, or its reference.
    ("choice.confirm", "POST", "with aino's request key"): Route(
        residents(303, **dict.fromkeys(NOT_OWNER, REFUSED(409))),
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
