"""Hostile input everywhere, by enumeration: every route of `app.url_map`, every form the pages render.

Nothing here names a route or a field: a page added tomorrow is attacked the day it lands. For every GET rule,
each path argument and every query parameter the page reads (its `keeps_query`, plus the names any page might
misuse: lang, next, endpoint, _external, page...) take each value of a hostile corpus. For every form found on those
pages (parsed from the HTML, as each kind of user sees them), each field takes each value, the rest as rendered; and
each form is sent with the wrong content type and with repeated fields. The answers must never be a 5xx, must
carry the security headers, and must never carry the marker tag unescaped; afterwards no text column anywhere holds
a control character.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import String, Text, select

from portal.extensions import db
from portal.models import (
    Choice,
    Conversation,
    Flag,
    FlagProvider,
    HelplineCall,
    OutboxMessage,
    StaffRoleGrant,
    StaffUser,
)
from tests.conftest import load_demo_catalogue
from tests.functional.conftest import login

MARK = "<x-hostile data-x=1>"  # a tag no page ever has: seen unescaped, markup went through
CORPUS = [
    MARK,
    "\"'><svg onload=alert(1)>",
    "{{ 7*7 }}{% raw %}${7*7}",
    "'; DROP TABLE person; --",
    "' OR '1'='1",
    "A" * 5000,
    "\x00",
    "a\x00b",
    "\r\nX-Injected: 1",
    "\x1b[31m\x07\x08\x7f",
    "\u202egnp.exe\u200f",
    "\ufeff",
    "²",
    "٣",
    "9" * 400,
    "-1",
    "-99999999999999999999",
    "2147483648",
    "1e309",
    "NaN",
    "../../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example/x",
    "/\\evil.example",
    "%00%ff",
    "",
    " ",
]
RAW_QUERIES = [b"q=%ff%fe%fd", b"q=%ED%A0%80", b"lang=en&lang=sv&page=1&page=2", b"=&&=x&%00=1"]
ALWAYS_TRIED = ("lang", "next", "endpoint", "_external", "_method", "page", "kind", "unit")
# Forms whose sending ends the very session the test goes on with; each is tested on its own elsewhere.
SESSION_ENDERS = {"/logout", "/end-sessions"}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")
PERSONAS = {
    "anonymous": None,
    "resident": "aino.virtanen",
    "organiser": "olli.jarjestaja",
    "admin": "anna.yllapitaja",
    "helpline": "liisa.neuvoja",
}


class Findings(list):
    def check(self, label: str, response) -> None:
        if response.status_code >= 500:
            self.append(f"{label}: {response.status_code}")
        missing = [name for name in HEADERS if name not in response.headers]
        if missing:
            self.append(f"{label}: {response.status_code} without {', '.join(missing)}")
        if MARK.encode() in response.get_data():
            self.append(f"{label}: the marker came back unescaped")


def path_values(app: Flask) -> dict[str, str]:
    """A real value for each path argument name, so a rule is reached as well as attacked."""
    with app.app_context():
        unit = db.session.scalar(select(Choice.location_id)) or ""
        reference = db.session.scalar(select(Choice.reference)) or "x"
        grant = db.session.scalar(select(StaffRoleGrant.id)) or 1
        message = db.session.scalar(select(OutboxMessage.id)) or 1
        staff = db.session.scalar(select(StaffUser.id)) or 1
        flag = db.session.scalar(select(Flag.reference)) or "x"
        flag_provider = db.session.scalar(select(FlagProvider.id)) or 1
        call = db.session.scalar(select(HelplineCall.public_id).order_by(HelplineCall.id)) or "x"
        chat = db.session.scalar(select(Conversation.public_id).order_by(Conversation.id)) or "x"
    return {
        "helpline.call_id": call,  # liisa's phone call with aino, so the call's pages and forms are reached
        "helpline.public_id": chat,  # a chat liisa has taken, so the chat's pages and forms are reached
        "review.reference": flag,  # a "<blueprint>.<argument>" value is that blueprint's own
        "flags.reference": flag,  # aino's, so her flag page and its forms are reached
        "provider_row_id": str(flag_provider),
        "location_id": unit,
        "reference": reference,
        "kind": "sote_centre",
        "grant_id": str(grant),
        "message_id": str(message),
        "staff_id": str(staff),
        "filename": "css/portal.css",
        "public_id": WALLET_ID,
    }


def build(rule, values: dict[str, str], override: tuple[str, str] | None = None) -> str:
    path = rule.rule
    for argument in rule.arguments:
        own = values.get(f"{rule.endpoint.partition('.')[0]}.{argument}", values.get(argument, "x"))
        value = override[1] if override and override[0] == argument else own
        path = re.sub(rf"<(?:[^:<>]+:)?{argument}>", _quote(value), path)
    return path


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


@pytest.fixture
def world(app: Flask, tmp_path) -> Iterator[dict[str, FlaskClient]]:
    load_demo_catalogue(app, tmp_path)
    clients = {}
    for name, sub in PERSONAS.items():
        client = app.test_client()
        if sub:
            from portal.demo.personas import PERSONAS as ALL

            login(client, sub, ALL[sub].kind)
        clients[name] = client
    # Objects for the path arguments: a choice of aino's, a role grant.
    resident = clients["resident"]
    page = resident.get("/units?kind=sote_centre&accepts_new=1").get_data(as_text=True)
    unit = re.search(r'href="/units/([0-9a-f-]{36})"', page).group(1)
    check = resident.get(f"/choices/sote_centre/check?unit={unit}").get_data(as_text=True)
    soup = BeautifulSoup(check, "html.parser")
    form = soup.select_one("form[action$='/confirm']")
    if form is not None:
        resident.post(form["action"], data={field["name"]: field.get("value", "") for field in form.select("input")})
    with app.app_context():
        db.session.add(StaffRoleGrant(subject="hostile.subject", role="helpline"))
        db.session.commit()
    add_wallet(app, "aino.virtanen")
    add_flag(app, "aino.virtanen")
    add_call(app, "liisa.neuvoja", "aino.virtanen")
    add_chat(app, "liisa.neuvoja", "aino.virtanen")
    yield clients


WALLET_ID = "0123456789abcdef0123456789abcdef"  # a voucher's and a budget's public id: one path value reaches both


def add_wallet(app: Flask, sub: str) -> None:
    """A voucher and a budget with a transaction for the resident, both named by WALLET_ID."""
    from datetime import date

    from portal.models import Budget, BudgetAllocation, BudgetTransaction, Person, Voucher, VoucherProvider

    with app.app_context():
        holder = db.session.scalar(select(Person.id).filter_by(oidc_subject=sub))
        voucher = Voucher(
            source_id="H-V", public_id=WALLET_ID, holder_id=holder, service_code="dental", service_name_fi="Hammas",
            kind="service", unit="treatment", value_per_unit_cents=90000, units_granted=1, units_used=0,
            valid_from=date(2026, 1, 1), valid_to=date(2099, 1, 1), decision_ref="H-1", content_hash="x",
            providers=[VoucherProvider(provider_id="not-in-catalogue", provider_name="Hammas Oy", price_cents=1)],
        )  # fmt: skip
        budget = Budget(
            source_id="H-B", public_id=WALLET_ID, holder_id=holder, period_start=date(2026, 1, 1),
            period_end=date(2099, 1, 1), total_cents=100000, content_hash="x",
            allocations=[BudgetAllocation(service_code="meals", service_name_fi="Ateria", amount_cents=100000)],
        )  # fmt: skip
        db.session.add_all([voucher, budget])
        db.session.flush()
        db.session.add(
            BudgetTransaction(
                budget_id=budget.id,
                source_id="H-T",
                day=date(2026, 2, 1),
                provider_id="P",
                provider_name="Ateria Ky",
                service_code="meals",
                amount_cents=1000,
                status="paid",
            )  # fmt: skip
        )
        db.session.commit()


def add_flag(app: Flask, sub: str) -> None:
    """A flag of the resident's naming one provider, for the review console's paths."""
    from portal.auth.services import CurrentUser
    from portal.flags.services import FlagDraft, new_request_key, submit_flag
    from portal.models import Person

    with app.test_request_context():
        person = db.session.scalar(select(Person).filter_by(oidc_subject=sub))
        draft = FlagDraft(category="other", providers=[("ptv-h", "Hostile Oy")], description="Hostile")
        actor = CurrentUser("resident", person.id, person.display_name)
        submit_flag(draft, person_id=person.id, flagger=actor, basis=None, language="fi", request_key=new_request_key())


def add_call(app: Flask, worker: str, caller: str) -> None:
    """A help-line worker's open phone call with the resident, for the call's paths."""
    from portal.models import Person

    with app.app_context():
        staff_id = db.session.scalar(select(StaffUser.id).filter_by(oidc_subject=worker))
        person_id = db.session.scalar(select(Person.id).filter_by(oidc_subject=caller))
        db.session.add(HelplineCall(staff_id=staff_id, person_id=person_id, reason="Hostile", consent=True))
        db.session.commit()


def add_chat(app: Flask, worker: str, resident: str) -> None:
    """A chat the help-line worker has taken, the resident's consent given, for the chat's paths and forms."""
    from portal.models import Person
    from portal.models._types import utcnow

    with app.app_context():
        staff_id = db.session.scalar(select(StaffUser.id).filter_by(oidc_subject=worker))
        person_id = db.session.scalar(select(Person.id).filter_by(oidc_subject=resident))
        now = utcnow()
        db.session.add(
            Conversation(language="fi", person_id=person_id, owner_hash="hostile", status="active",
                         assignee_id=staff_id, queued_at=now, accepted_at=now, consent_at=now)
        )  # fmt: skip
        db.session.commit()


def allowed_client(clients: dict[str, FlaskClient], url: str) -> tuple[str, FlaskClient]:
    """The first kind of user the page opens for, so the attack reaches the page and not only the login."""
    for name, client in clients.items():
        response = client.get(url)
        response.close()  # a streamed CSV holds its request context until closed
        if response.status_code == 200:
            return name, client
    return "anonymous", clients["anonymous"]


def test_hostile_values_in_every_path_and_query(app: Flask, world: dict[str, FlaskClient]):
    findings = Findings()
    values = path_values(app)
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        url = build(rule, values)
        who, client = allowed_client(world, url)
        view = app.view_functions[rule.endpoint]
        names = sorted(set(getattr(view, "kept_query", ())) | set(ALWAYS_TRIED))
        for value in CORPUS:
            query = urlencode([(name, value) for name in names])
            findings.check(f"{who} GET {rule.rule}?{{all}}={value[:20]!r}", client.get(f"{url}?{query}"))
            for argument in rule.arguments:
                hostile = build(rule, values, (argument, value))
                findings.check(f"{who} GET {rule.rule} {argument}={value[:20]!r}", client.get(hostile))
        for raw in RAW_QUERIES:
            findings.check(f"{who} GET {rule.rule}?{raw!r}", client.get(url, query_string=raw.decode("ascii")))
    assert not findings, "\n".join(findings)


def rendered_forms(app: Flask, world: dict[str, FlaskClient]) -> list[tuple[str, FlaskClient, str, dict]]:
    """Every POST form on every GET page, as each kind of user sees it: (who, client, action, fields)."""
    values = path_values(app)
    forms: dict[tuple[str, str, tuple], tuple[str, FlaskClient, str, dict]] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        for who, client in world.items():
            response = client.get(build(rule, values))
            response.close()
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for form in BeautifulSoup(response.data, "html.parser").select("form"):
                if (form.get("method") or "get").lower() != "post":
                    continue
                action = form.get("action") or build(rule, values)
                if any(part in action for part in SESSION_ENDERS):
                    continue
                fields: dict[str, list[str]] = {}
                for element in form.select("input[name], textarea[name], select[name]"):
                    if element.name == "input" and element.get("type") in ("checkbox", "radio"):
                        if element.has_attr("checked"):
                            fields.setdefault(element["name"], []).append(element.get("value", "on"))
                        else:
                            fields.setdefault(element["name"], [])
                    elif element.name == "select":
                        chosen = element.select_one("option[selected]") or element.select_one("option")
                        fields.setdefault(element["name"], []).append(chosen.get("value", "") if chosen else "")
                    else:
                        fields.setdefault(element["name"], []).append(element.get("value", element.text))
                key = (who, urlsplit(action).path, tuple(sorted(fields)))
                forms.setdefault(key, (who, client, action, fields))
    return list(forms.values())


def test_hostile_values_in_every_form_field(app: Flask, world: dict[str, FlaskClient]):
    findings = Findings()
    forms = rendered_forms(app, world)
    assert {urlsplit(action).path for _, _, action, _ in forms} >= {"/compare/add", "/organiser/rules", "/admin/roles"}
    same_origin = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    for who, client, action, fields in forms:
        # Fields with many copies (a capacity box per unit) are tried on their first few.
        names = [name for name in fields if name != "csrf_token"][:12]
        for name in names:
            for value in CORPUS:
                data = {key: list(values) for key, values in fields.items()}
                data[name] = [value]
                response = client.post(action, data=data, headers=same_origin)
                findings.check(f"{who} POST {action} {name}={value[:20]!r}", response)
        base = dict(fields)
        for body, content_type in (
            (json.dumps({key: values[:1] for key, values in base.items()}), "application/json"),
            ("csrf_token=x\n" + MARK, "text/plain"),
            (b"\xff\xfe" + urlencode(base, doseq=True).encode(), "application/x-www-form-urlencoded"),
            (urlencode([(key, value) for key, values in base.items() for value in [*values, *values, MARK]]), None),
        ):
            headers = {**same_origin, **({"Content-Type": content_type} if content_type else {})}
            response = client.post(action, data=body, headers=headers)
            findings.check(f"{who} POST {action} as {content_type or 'repeated fields'}", response)
    assert not findings, "\n".join(findings)
    assert not stored_control_characters(app)


def stored_control_characters(app: Flask) -> list[str]:
    """Every text column of every table: a control character stored is input that should have been refused."""
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [column for column in table.columns if isinstance(column.type, String | Text)]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, str) and CONTROL.search(value):
                        found.append(f"{table.name}.{column.name}: {value[:60]!r}")
    return found
