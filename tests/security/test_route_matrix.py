"""Every route asked as every kind of user, against the table in tests/security/route_matrix.py.

The table must name every rule of `app.url_map` (and nothing else). Then, on SQLite and on PostgreSQL, each
persona logs in once through the demo OpenID Connect provider, with a test client of their own, and the test
asks every row: GET rows also as htmx, POST rows with a valid CSRF token (and the browser's same-origin headers),
so that a refusal is the access decision and not the token check. Refusals are asked first, while the objects they
aim at are still there; then what is allowed; logging out last. A refusal must leave the database as it was.
Every mismatch is listed at once.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask, session, url_for
from flask.testing import FlaskClient
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal.auth.services import HETU_CLAIM, CurrentUser, resident_from_claims
from portal.choice import services
from portal.choice.rules import load_rules
from portal.demo.personas import PERSONAS
from portal.extensions import db
from portal.models import AuditEvent, OutboxMessage, Person, StaffRoleGrant, StaffUser, WebSession
from portal.organiser.listing_views import _rules_data
from tests.conftest import load_demo_catalogue, make_app
from tests.functional.conftest import login
from tests.security.route_matrix import (
    NOT_OWNER,
    PENDING,
    ROLE_NAMES,
    ROLES,
    ROUTES,
    S_JARVENPAA,
    VARIANTS,
    Outcome,
    Ref,
    Role,
    Route,
)

NOT_ALLOWED = Outcome("not_allowed", 405)  # a method the rule does not offer: for everyone, no row needed
REFUSALS = {"refused", "login", "denied", "hidden", "not_allowed"}  # each must leave the database as it was
AUTOMATIC = {"HEAD", "OPTIONS"}  # Flask answers these for every GET rule from the same view
SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
# Tables every request may touch: the audit log is checked on its own, sessions by who holds one (below).
UNWATCHED = {"audit_event", "web_session", "rate_limit_counter"}


def app_rules(app: Flask) -> dict[tuple[str, str], list[str]]:
    rules: dict[tuple[str, str], list[str]] = {}
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - AUTOMATIC):
            rules.setdefault((rule.endpoint, method), []).append(rule.rule)
    return rules


# --- the table against the app, and against itself ---------------------------------------------------------------


def test_every_rule_has_a_row_and_every_row_a_rule():
    rules = app_rules(make_app("sqlite://", None))
    problems = [
        f"{endpoint} {method} ({', '.join(rules[endpoint, method])}) has no row: "
        "add it to tests/security/route_matrix.py"
        for endpoint, method in sorted(set(rules) - set(ROUTES))
    ]
    problems += [
        f"{endpoint} {method} has a row in tests/security/route_matrix.py but no rule in the app: remove the row"
        for endpoint, method in sorted(set(ROUTES) - set(rules))
    ]
    problems += [
        f"{endpoint} {method} has several rules ({', '.join(paths)}): the matrix asks by endpoint, so give each "
        "rule an endpoint of its own"
        for (endpoint, method), paths in sorted(rules.items())
        if len(paths) > 1
    ]
    problems += [
        f"variant {endpoint} {method} {what!r} is of a rule without a row"
        for endpoint, method, what in VARIANTS
        if (endpoint, method) not in ROUTES
    ]
    assert not problems, "\n".join(problems)


def test_every_row_fills_every_column():
    problems = []
    rows = {f"{endpoint} {method}": route for (endpoint, method), route in ROUTES.items()}
    rows.update({f"{endpoint} {method} {what}": route for (endpoint, method, what), route in VARIANTS.items()})
    for row, route in rows.items():
        if set(route.outcomes) != set(ROLE_NAMES):
            problems.append(f"{row}: columns {sorted(set(ROLE_NAMES) ^ set(route.outcomes))} differ")
        for role in ROLES:
            outcome = route.outcomes.get(role.name)
            if role.ready and outcome == PENDING:
                problems.append(f"{row}: {role.name} is PENDING; say what this role gets")
            if not role.ready and outcome not in (None, PENDING):
                problems.append(f"{row}: {role.name} is not asked yet (ready=False), so must be PENDING")
    assert not problems, "\n".join(problems)


# --- asking the app ----------------------------------------------------------------------------------------------


@dataclass
class Asker:
    """One persona's own test client, logged in once."""

    role: Role
    client: FlaskClient
    user_key: str | None  # "resident:3", "staff:1"; None when anonymous
    csrf_token: str

    @classmethod
    def log_in(cls, app: Flask, role: Role) -> Asker:
        client = app.test_client()
        if role.persona is None:
            return cls(role, client, None, anonymous_csrf_token(app, client))
        login(client, role.persona, PERSONAS[role.persona].kind)
        page = BeautifulSoup(client.get("/").data, "html.parser")
        field = page.select_one("input[name=csrf_token]")
        assert field is not None, f"{role.persona}: no CSRF token on the home page after logging in"
        with client.session_transaction() as stored:
            user_key = stored.get("user_key")
        assert user_key, f"{role.persona} did not get logged in"
        return cls(role, client, user_key, str(field["value"]))


def anonymous_csrf_token(app: Flask, client: FlaskClient) -> str:
    """A token for a visitor who is not logged in: made as the app makes it, its secret kept in their session."""
    with app.test_request_context():
        token = generate_csrf()
        secret = session["csrf_token"]
    with client.session_transaction() as stored:
        stored["csrf_token"] = secret
    return token


class World:
    """What the rows' Refs name: aino's choice and, afresh for each request, objects a request may use up."""

    def __init__(self, app: Flask, aino_key: str) -> None:
        self.app = app
        self.made = 0
        self.aino_key = aino_key
        person_id = int(aino_key.partition(":")[2])
        with app.app_context():
            person = db.session.get(Person, person_id)
            assert person is not None
            actor = CurrentUser("resident", person.id, person.display_name, person.home_municipality_code)
            choice = services.confirm_choice(
                person_id=person.id,
                kind="sote_centre",
                location_id=S_JARVENPAA,
                request_key=services.new_request_key(),
                expected_version=services.listing(person.id, "sote_centre").version,
                actor=actor,
            )
            self.reference = choice.reference
            self.choice_id = choice.id
            self.request_key_of_aino = choice.request_key

    def resolve(self, value: object) -> object:
        """`value` with its Refs made; `made` counts them, so the test knows when "before" must be read again."""
        if isinstance(value, Ref):
            self.made += 1
            with self.app.app_context():
                return getattr(self, value.name)()
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        return value

    def aino_reference(self) -> str:
        return self.reference

    def request_key(self) -> str:
        return services.new_request_key()

    def aino_request_key(self) -> str:
        return self.request_key_of_aino

    def dead_message_id(self) -> int:
        message = OutboxMessage(
            idempotency_key=f"matrix-{secrets.token_hex(8)}",
            event="listing.chosen",
            role="register",
            recipient="register",
            choice_id=self.choice_id,
            body="{}",
            status="dead",
            attempts=8,
            last_error="route matrix",
        )
        db.session.add(message)
        db.session.commit()
        return message.id

    def role_grant_id(self) -> int:
        grant = StaffRoleGrant(subject=f"matrix.revokee.{secrets.token_hex(4)}", role="helpline")
        db.session.add(grant)
        db.session.commit()
        return grant.id

    def staff_with_session(self) -> int:
        """A staff member (not one of the personas asking) logged in somewhere, so ending their sessions shows."""
        staff = StaffUser(oidc_issuer="matrix", oidc_subject=f"matrix.staff.{secrets.token_hex(4)}", name="Matrix")
        db.session.add(staff)
        db.session.flush()
        db.session.add(WebSession(id=secrets.token_hex(32), user_key=f"staff:{staff.id}", data="{}"))
        db.session.commit()
        return staff.id

    def unchanged_rules_form(self) -> dict[str, object]:
        return {
            name: value if isinstance(value, list) else str(value) for name, value in _rules_data(load_rules()).items()
        }

    def override_form(self) -> dict[str, object]:
        code = PERSONAS["aino.virtanen"].claims[HETU_CLAIM]
        return {"identity_code": code, "kind": "sote_centre", "reason": "Route matrix: moved house"}

    def act_for_helmi_with_every_scope(self, asker: Asker) -> None:
        self._act_for_helmi(asker, "balances flags choice")

    def act_for_helmi_with_flags_only(self, asker: Asker) -> None:
        self._act_for_helmi(asker, "flags")

    def _act_for_helmi(self, asker: Asker, scopes: str) -> None:
        """A mandate from Helmi to the asker (sari), and the asker's session acting under it, as the page does."""
        from datetime import date

        from portal.models import Mandate

        with self.app.app_context():
            helmi = db.session.scalar(select(Person).filter_by(oidc_subject="helmi.nieminen"))
            if helmi is None:  # the demo residents exist before they log in (portal/demo/load.py)
                persona = PERSONAS["helmi.nieminen"]
                helmi = resident_from_claims({"sub": "helmi.nieminen", **persona.claims}, "matrix", logging_in=False)
            agent_id = int((asker.user_key or ":").partition(":")[2])
            mandate = Mandate(
                agent_id=agent_id, principal_id=helmi.id, scopes=scopes, valid_from=date(2026, 1, 1), document="x"
            )
            db.session.add(mandate)
            db.session.commit()
            public_id = mandate.public_id
        response = asker.client.post(f"/acting/{public_id}", data={"csrf_token": asker.csrf_token}, headers=SAME_ORIGIN)
        assert response.status_code == 302, f"{asker.role.name} could not start acting for Helmi"

    def flag_answers(self) -> dict[str, object]:
        """The flag form's answers, valid for anyone: a catalogue unit, so no one's own providers are needed."""
        return {
            "category": "other",
            "providers": [S_JARVENPAA],
            "description": "Route matrix: a referral was lost",
            "contact_method": "portal",
            "action": "check",
        }

    def flag_send_form(self) -> dict[str, object]:
        return {**self.flag_answers(), "request_key": services.new_request_key()}

    def aino_flag(self) -> str:
        """A report of aino's, sent by her (afresh for each ask: adding to it changes it)."""
        from portal.flags.services import FlagDraft, new_request_key, submit_flag

        person = db.session.get_one(Person, int(self.aino_key.partition(":")[2]))
        draft = FlagDraft(category="referral_lost", providers=[(S_JARVENPAA, "Järvenpää")], description="Matrix")
        flag = submit_flag(
            draft,
            person_id=person.id,
            flagger=CurrentUser("resident", person.id, person.display_name),
            basis=None,
            language="fi",
            request_key=new_request_key(),
        )
        return flag.reference

    def aino_disputable_flag(self) -> str:
        """A report of aino's that the organiser closed as not resolved: she may dispute it once."""
        from portal.flags.services import change_status, flag_by_reference

        reference = self.aino_flag()
        staff = StaffUser(oidc_issuer="matrix", oidc_subject=f"matrix.flags.{secrets.token_hex(4)}", name="Matrix")
        db.session.add(staff)
        db.session.commit()
        flag = flag_by_reference(reference)
        assert flag is not None
        worker = CurrentUser("staff", staff.id, "Matrix", roles=frozenset({"organiser"}))
        change_status(flag, "closed_unresolved", worker)
        return reference

    def aino_voucher(self) -> str:
        return self._aino_wallet()["dental"]

    def aino_budget(self) -> str:
        return self._aino_wallet()["budget"]

    def _aino_wallet(self) -> dict[str, str]:
        """A service voucher and a budget of aino's, made afresh (refusing one uses it up)."""
        from datetime import date

        from portal.models import Budget, Voucher

        self.wallets_made = getattr(self, "wallets_made", 0) + 1
        n, holder = self.wallets_made, int(self.aino_key.partition(":")[2])
        voucher = Voucher(
            source_id=f"matrix-v-{n}", holder_id=holder, service_code="dental", service_name_fi="Hammasproteesit",
            kind="service", unit="treatment", value_per_unit_cents=90000, units_granted=1, units_used=0,
            valid_from=date(2026, 1, 1), valid_to=date(2099, 1, 1), decision_ref="M-1", content_hash="x",
        )  # fmt: skip
        budget = Budget(
            source_id=f"matrix-b-{n}", holder_id=holder, period_start=date(2026, 1, 1), period_end=date(2099, 1, 1),
            total_cents=100000, content_hash="x",
        )  # fmt: skip
        db.session.add_all([voucher, budget])
        db.session.commit()
        return {"dental": voucher.public_id, "budget": budget.public_id}

    people_made = 0

    def fresh_person(self) -> tuple[Person, str]:
        """A resident none of the personas is, with the identity code staff would type: mandates between these
        two leave the personas' own mandates (the relative's columns) as they are."""
        from portal.auth import identity
        from portal.demo.personas import temporary_hetu

        self.people_made += 1
        n = self.people_made - 1
        code = temporary_hetu(f"{1 + n % 28:02d}{1 + n // 28 % 12:02d}50", "-", 900 + n // 336 % 100)
        person = Person(
            oidc_issuer="matrix",
            oidc_subject=f"matrix.person.{secrets.token_hex(4)}",
            hetu_hash=identity.lookup_hash(code, self.app.config["HETU_HASH_KEY"]),
            hetu_masked=identity.masked(code),
            birth_date=identity.birth_date(code),
            given_name="Matrix",
            family_name=f"Person{self.people_made}",
        )
        db.session.add(person)
        db.session.commit()
        return person, code

    def mandate_form(self) -> dict[str, object]:
        (_, agent_code), (_, principal_code) = self.fresh_person(), self.fresh_person()
        return {
            "agent_code": agent_code,
            "principal_code": principal_code,
            "scopes": ["balances", "flags"],
            "valid_from": "2026-01-01",
            "valid_to": "",
            "document": "Route matrix: signed form",
        }

    def flag_reference(self) -> str:
        """A flag of a fresh person naming two providers; `flag_provider_row_id` names its first provider."""
        from portal.flags.services import FlagDraft, new_request_key, submit_flag

        person, _ = self.fresh_person()
        draft = FlagDraft(category="other", providers=[("ptv-a", "A Oy"), ("ptv-b", "B Oy")], description="Matrix")
        flag = submit_flag(
            draft,
            person_id=person.id,
            flagger=CurrentUser("resident", person.id, person.display_name),
            basis=None,
            language="fi",
            request_key=new_request_key(),
        )
        self.flag_provider_ids = [provider.id for provider in flag.providers]
        return flag.reference

    def flag_provider_row_id(self) -> int:
        return self.flag_provider_ids[0]

    def flag_response_form(self) -> dict[str, str]:
        return {f"provider-{self.flag_provider_ids[0]}-response": "Route matrix: the provider answered"}

    def flag_settings_form(self) -> dict[str, object]:
        """The flag settings as they are: saving them changes nothing."""
        from portal.flags.settings import load_flag_settings
        from portal.review.forms import settings_data

        return settings_data(load_flag_settings())

    def caller_code_form(self) -> dict[str, str]:
        """The help line finds a caller by identity code (a fresh resident's): the code in the POST body."""
        _, code = self.fresh_person()
        return {"identity_code": code, "name": ""}

    def caller_public_id(self) -> str:
        person, _ = self.fresh_person()
        self.caller_prefix = f"c{person.public_id}"
        return person.public_id

    def call_start_form(self) -> dict[str, str]:
        """The start form of the caller `caller_public_id` made (values are resolved before the form)."""
        return {f"{self.caller_prefix}-reason": "Route matrix: wants to switch", f"{self.caller_prefix}-consent": "y"}

    def helpline_call(self) -> str:
        """An open call of liisa's (the help-line persona) with a fresh resident of Järvenpää, who has no listing."""
        from portal.models import HelplineCall

        person, _ = self.fresh_person()
        person.home_municipality_code = "186"
        liisa = db.session.scalar(select(StaffUser.id).filter_by(oidc_subject="liisa.neuvoja"))
        assert liisa is not None, "liisa.neuvoja has not logged in"
        call = HelplineCall(staff_id=liisa, person_id=person.id, reason="Route matrix", consent=True)
        db.session.add(call)
        db.session.commit()
        return call.public_id

    def call_flag_form(self) -> dict[str, str]:
        return {
            "category": "other",
            "description": "Route matrix: a referral was lost",
            "contact_method": "portal",
            "language": "fi",
            "request_key": services.new_request_key(),
        }

    def _chat(self, status: str, assignee: int | None) -> str:
        """A fresh resident's chat handed to the help line, `status`, taken by `assignee` (None: waiting)."""
        from portal.models import Conversation
        from portal.models._types import utcnow

        person, _ = self.fresh_person()
        now = utcnow()
        conversation = Conversation(
            language="fi", person_id=person.id, owner_hash="matrix", status=status, assignee_id=assignee,
            queued_at=now, accepted_at=now if assignee else None, consent_at=now if assignee else None,
        )  # fmt: skip
        db.session.add(conversation)
        db.session.commit()
        return conversation.public_id

    def _staff(self, roles: str) -> int:
        staff = StaffUser(
            oidc_issuer="matrix",
            oidc_subject=f"matrix.helpline.{secrets.token_hex(4)}",
            name="Matrix",
            claim_roles=roles,
        )
        db.session.add(staff)
        db.session.commit()
        return staff.id

    def liisa_chat(self) -> str:
        """A chat liisa (the help-line persona) has taken, whose resident let her see their information."""
        liisa = db.session.scalar(select(StaffUser.id).filter_by(oidc_subject="liisa.neuvoja"))
        assert liisa is not None, "liisa.neuvoja has not logged in"
        return self._chat("active", liisa)

    def waiting_chat(self) -> str:
        return self._chat("queued", None)

    def colleagues_chat(self) -> str:
        """A chat another help-line worker has taken."""
        return self._chat("active", self._staff("helpline"))

    def colleague_on_duty(self) -> str:
        """Another help-line worker, on duty now: someone to pass a chat to."""
        from portal.models import HelplinePresence
        from portal.models._types import utcnow

        staff_id = self._staff("helpline")
        # No language of their own: a chat the matrix asks for a person for never queues for them (chat.person).
        db.session.add(HelplinePresence(staff_id=staff_id, on_duty=True, languages="", seen_at=utcnow()))
        db.session.commit()
        return db.session.get_one(StaffUser, staff_id).public_id

    def helpline_hours_form(self) -> dict[str, object]:
        """The help-line hours as they are: saving them changes nothing."""
        from portal.chat.settings import load_chat_settings
        from portal.helpline.forms import hours_data

        return {name: str(value) for name, value in hours_data(load_chat_settings()).items()}

    def mandate_public_id(self) -> str:
        from datetime import date

        from portal.models import Mandate

        (agent, _), (principal, _) = self.fresh_person(), self.fresh_person()
        mandate = Mandate(
            agent_id=agent.id, principal_id=principal.id, scopes="balances", valid_from=date(2026, 1, 1), document="x"
        )
        db.session.add(mandate)
        db.session.commit()
        return mandate.public_id


@dataclass(frozen=True)
class Check:
    endpoint: str
    method: str
    role: str
    expected: Outcome
    route: Route
    htmx: bool = False
    what: str = ""  # a variant's label

    @property
    def phase(self) -> int:
        """Refusals first (the objects they aim at are untouched), then GETs, POSTs, and logging out last."""
        if self.expected.kind in REFUSALS:
            return 0
        if self.route.ends_session:
            return 3
        return 1 if self.method == "GET" else 2

    def __str__(self) -> str:
        what = f" {self.what}" if self.what else ""
        return f"{self.endpoint} {self.method}{what}{' (htmx)' if self.htmx else ''} as {self.role}"


def planned_checks(app: Flask) -> list[Check]:
    ready = [role.name for role in ROLES if role.ready]
    checks = []
    rows = [(endpoint, method, "", route) for (endpoint, method), route in ROUTES.items()]
    rows += [(endpoint, method, what, route) for (endpoint, method, what), route in VARIANTS.items()]
    for endpoint, method, what, route in rows:
        for name in ready:
            checks.append(Check(endpoint, method, name, route.outcomes[name], route, what=what))
            if method == "GET":
                checks.append(Check(endpoint, method, name, route.outcomes[name], route, htmx=True, what=what))
    offered = app_rules(app)
    for endpoint, method in sorted({(endpoint, method) for endpoint, method in ROUTES}):
        for other in ("GET", "POST"):
            if (endpoint, other) not in offered:
                checks += [Check(endpoint, other, name, NOT_ALLOWED, ROUTES[endpoint, method]) for name in ready]
    return sorted(checks, key=lambda check: check.phase)


def watched_state(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table a request could change, and who holds a session."""
    with app.app_context(), db.engine.connect() as connection:
        state = {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
            for table in db.metadata.sorted_tables
            if table.name not in UNWATCHED
        }
        sessions = select(WebSession.id, WebSession.user_key).order_by(WebSession.id)
        state["web_session"] = [tuple(row) for row in connection.execute(sessions)]
    return state


def last_audit_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.max(AuditEvent.id))) or 0


def audit_since(app: Flask, after: int) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return list(rows)


def prepare(app: Flask, world: World, check: Check) -> tuple[str, dict[str, object]]:
    """The URL and form of this check, with the objects they name created."""
    with app.test_request_context():
        url = url_for(check.endpoint, **world.resolve(check.route.values))
    form = world.resolve(check.route.form) if check.method in offered_methods(check.endpoint) else {}
    return url, dict(form or {})


def offered_methods(endpoint: str) -> set[str]:
    return {method for name, method in ROUTES if name == endpoint}


def ask(asker: Asker, check: Check, url: str, form: dict[str, object]) -> TestResponse:
    headers = {"HX-Request": "true"} if check.htmx else {}
    if check.method == "GET":
        return asker.client.get(url, headers=headers)
    data = {**form, "csrf_token": asker.csrf_token}
    return asker.client.open(url, method=check.method, data=data, headers={**SAME_ORIGIN, **headers})


def described(response: TestResponse) -> str:
    location = response.headers.get("Location")
    return f"{response.status_code}" + (f" → {location}" if location else "")


def verdict(
    check: Check,
    asker: Asker,
    url: str,
    response: TestResponse,
    world: World,
    changed: list[str],
    audit: list[AuditEvent],
    login_path: str,
) -> str | None:
    """What is wrong with this answer, or None."""
    expected = check.expected
    problems = []
    if response.status_code != expected.status:
        problems.append(f"got {described(response)}")
    elif expected.kind == "login":
        location = urlsplit(response.headers.get("Location", ""))
        next_url = parse_qs(location.query).get("next", [""])[0]
        if location.path != login_path or not next_url.startswith(urlsplit(url).path):
            problems.append(f"redirected to {described(response)}, not to log in and back")
    if expected.kind == "denied":
        denied = [event for event in audit if event.action == "access_denied"]
        kind, _, actor_id = (asker.user_key or "anonymous:").partition(":")
        if not any(
            event.actor_kind == kind
            and str(event.actor_id) == actor_id
            and f'"path": "{urlsplit(url).path}"' in event.detail
            for event in denied
        ):
            problems.append("no access_denied row in the audit log")
    if expected.kind in REFUSALS and changed:
        problems.append(f"refused, yet changed {', '.join(changed)}")
    # Nobody but aino may learn her choice's reference, unless they put it in the URL themselves.
    if check.role in ("anonymous", *NOT_OWNER) and world.reference not in url:
        answer = response.data + response.headers.get("Location", "").encode()
        if world.reference.encode() in answer:
            problems.append(f"shows aino's choice {world.reference}")
    if not problems:
        return None
    return f"{check}: expected {expected}, {'; '.join(problems)}"


@pytest.fixture(scope="session")
def matrix_catalogue_files(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("matrix-catalogue")


@pytest.fixture
def askers(app: Flask, matrix_catalogue_files) -> Iterator[dict[str, Asker]]:
    load_demo_catalogue(app, matrix_catalogue_files)
    yield {role.name: Asker.log_in(app, role) for role in ROLES if role.ready}


def test_route_matrix(app: Flask, askers: dict[str, Asker]):
    started, cpu = time.monotonic(), time.process_time()
    world = World(app, askers["owner"].user_key or "")
    for role in ROLES:
        if role.ready and role.setup:  # e.g. grant the relative a mandate: a World method the feature adds
            getattr(world, role.setup)(askers[role.name])
    with app.test_request_context():
        login_path = url_for("auth.login")
    checks = planned_checks(app)
    mismatches = []
    last_state, last_made = None, -1  # the state after the previous refusal, while nothing else has happened
    for check in checks:
        asker = askers[check.role]
        refusal = check.expected.kind in REFUSALS
        url, form = prepare(app, world, check)  # first: the objects it names are part of "before"
        before = None
        if refusal:
            unchanged = last_state is not None and last_made == world.made
            before = last_state if unchanged else watched_state(app)
        audit_from = last_audit_id(app)
        response = ask(asker, check, url, form)
        response.get_data()  # read to the end and close: a streamed CSV holds its request context until then
        response.close()
        changed = []
        last_state = None
        if before is not None:
            last_state, last_made = watched_state(app), world.made
            changed = [name for name in last_state if last_state[name] != before.get(name)]
        problem = verdict(check, asker, url, response, world, changed, audit_since(app, audit_from), login_path)
        if problem:
            mismatches.append(problem)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    print(f"route matrix: {len(checks)} checks in {elapsed:.1f} s ({cpu:.1f} s of CPU in this process)")
    assert not mismatches, (
        f"{len(mismatches)} of {len(checks)} checks differ from tests/security/route_matrix.py:\n"
        + "\n".join(mismatches)
    )
