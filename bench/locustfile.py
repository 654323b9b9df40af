"""The load test of bench step 9: simulated browsers on the production shape, run by `bench/mix.py` as

    locust -f bench/locustfile.py MixUser --headless -u 100 -r 20 -t 300s --host http://127.0.0.1:PORT

never imported by the bench or by pytest (locust patches the standard library with gevent when it loads).

`MixUser` is one resident's browser. Each task is one thing a person comes to do, drawn with the issue's weights:
comparing units anonymously (60), logging in through the identity provider (5), the dashboard and the wallet (15),
switching a listing (5), flagging a problem (5) and the chat (10). Between tasks a user waits 0.5-2 s (MIX_WAIT_MIN,
MIX_WAIT_MAX): far shorter than a person reads a page, so that 100 users make the load of many more real ones, and
still a closed loop (a slower server gets fewer requests) rather than a fixed rate. `BaselineUser` asks the bare
baseline app for its list with no wait at all: the most this load generator gets from the machine, for the ratio.

Most users start logged in: `bench/mix.py` writes their sessions into the database (`bench.choices.log_in`) and
puts the cookie tokens in the plan (MIX_PLAN, JSON). The portal's cookie is `Secure` (`__Host-` prefixed), which a
client's cookie jar does not send over plain http on loopback, so each user carries its session cookie itself.
Redirects are never followed by the client: each one is a request of its own, as the browser makes it.

Every request is written to MIX_REQUESTS (tab-separated: start time, name, milliseconds, status, ok) and every
record the server acknowledged (a confirmed choice's reference, a sent flag's reference, a chat message's marker)
to MIX_ACKS (JSON lines, written as they come), so that the bench can count from the database what was lost.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, between, constant, events, task

from bench.choices import FORM_FIELD, RECEIPT, problem_shown

PLAN: dict[str, Any] = json.loads(Path(os.environ["MIX_PLAN"]).read_text(encoding="utf-8"))
COOKIE = PLAN["cookie_name"]
SESSIONS = itertools.cycle(PLAN["sessions"])  # each user its own resident, as long as there are enough
LOGINS = itertools.cycle(PLAN["login_subjects"])
HEADERS = {"Accept-Language": "en"}  # refusals are read from the English page

INPUT = re.compile(r"<input\b([^>]*)>")
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
UNIT_LINK = re.compile(r'href="(/units/[^"?#/]+)"')
WALLET_LINK = re.compile(r'href="(/wallet/(?:vouchers|budgets)/[^"?#/]+)"')
UPDATES = re.compile(r'hx-get="([^"]*/chat/updates\?tag=[^"]*)"')
SEND_FORM = re.compile(r'<form\b[^>]*action="[^"]*/flags/send"[^>]*>(.*?)</form>', re.S)
FLAG_SENT = re.compile(r"/flags/([A-Z0-9-]+)/sent$")
QUESTIONS = (
    "Milloin voin vaihtaa hammaslääkäriä?",
    "Miten vaihdan sote-keskusta?",
    "Mikä on palveluseteli?",
    "Kuinka paljon henkilökohtaista budjettia on jäljellä?",
    "Hur byter jag hälsocentral?",
    "Voinko valita terveysaseman toisesta kunnasta?",
)


def _log_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


REQUESTS = _log_path("MIX_REQUESTS")
ACKS = _log_path("MIX_ACKS")
_request_lines: list[str] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs) -> None:
    status = getattr(response, "status_code", 0) or 0
    started = kwargs.get("start_time") or time.time() - response_time / 1000
    _request_lines.append(f"{started:.3f}\t{name}\t{response_time:.1f}\t{status}\t{0 if exception else 1}\n")
    if len(_request_lines) >= 500:
        _flush()


def _flush() -> None:
    if REQUESTS is None or not _request_lines:
        return
    with REQUESTS.open("a", encoding="utf-8") as out:
        out.writelines(_request_lines)
    _request_lines.clear()


@events.test_stop.add_listener
def _stopped(**_: Any) -> None:
    _flush()


@events.quitting.add_listener
def _quitting(**_: Any) -> None:
    _flush()


def acknowledged(kind: str, **fields: Any) -> None:
    """What the server said it stored, at once and on its own line: the bench looks for each in the database."""
    if ACKS is None:
        return
    with ACKS.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"t": round(time.time(), 3), "kind": kind, **fields}) + "\n")


def inputs(fragment: str) -> list[dict[str, str]]:
    return [{k: html.unescape(v) for k, v in ATTRIBUTE.findall(attrs)} for attrs in INPUT.findall(fragment)]


class MixUser(FastHttpUser):
    wait_time = between(float(os.environ.get("MIX_WAIT_MIN", "0.5")), float(os.environ.get("MIX_WAIT_MAX", "2")))

    def on_start(self) -> None:
        self.token = next(SESSIONS)

    # -- requests ---------------------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        name: str,
        *,
        expect: tuple[int, ...] = (200,),
        data: dict | list | None = None,
        anonymous: bool = False,
        cookie: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        """One request with this browser's cookie (none when anonymous); a status not in `expect` is a failure."""
        sent = {**HEADERS, **(headers or {})}
        token = cookie if cookie is not None else (None if anonymous else self.token)
        if token:
            sent["Cookie"] = f"{COOKIE}={token}"
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        with self.client.request(
            method, path, name=name, data=body, headers=sent, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code in expect:
                response.success()
            else:
                response.failure(f"{response.status_code}")
            return response

    def text(self, response) -> str:
        return response.text or ""

    # -- the tasks ----------------------------------------------------------------------------------------------

    @task(60)
    def compare(self) -> None:
        """A list of units as anyone sees it: mostly a popular list (the page cache's), sometimes a search of one's
        own (rendered); then, now and then, one of the units."""
        municipality = random.choice(PLAN["municipalities"])
        query: dict[str, str] = {"municipality": municipality}
        if random.random() < 0.2:
            query["q"] = random.choice(PLAN["search_words"])
            query["page"] = str(random.randint(1, 2))
            name = "compare: search"
        else:
            if random.random() < 0.3:
                query["kind"] = random.choice(("sote_centre", "dental_unit"))
            name = "compare: list"
        response = self.call("GET", f"/units?{urlencode(query)}", name, anonymous=True)
        units = UNIT_LINK.findall(self.text(response))
        if units and random.random() < 0.3:
            self.call("GET", random.choice(units), "compare: unit", anonymous=True)

    @task(5)
    def login(self) -> None:
        """A real login at the demo identification service as one of several thousand residents; the user goes on
        with the new session."""
        started = self.call("GET", "/login/resident", "login: start", expect=(302,), cookie="")
        authorize = started.headers.get("Location", "")
        login_cookie = _cookie(started, COOKIE)
        if not authorize or not login_cookie:
            return
        provider = self.call(
            "POST", authorize, "login: identity provider", expect=(302,), data={"sub": next(LOGINS)}, cookie=""
        )
        callback = urlsplit(provider.headers.get("Location", ""))
        if not callback.path:
            return
        done = self.call(
            "GET", f"{callback.path}?{callback.query}", "login: callback", expect=(302, 303), cookie=login_cookie
        )
        token = _cookie(done, COOKIE)
        if token:
            self.token = token
            self.call("GET", "/", "dashboard: home")

    @task(15)
    def dashboard(self) -> None:
        """The front page (listings), the wallet, and one voucher or budget when there is one."""
        self.call("GET", "/", "dashboard: home")
        wallet = self.call("GET", "/wallet/", "wallet: overview")
        items = WALLET_LINK.findall(self.text(wallet))
        if items:
            self.call("GET", random.choice(items), "wallet: item")

    @task(5)
    def switch(self) -> None:
        """The check-your-answers page for another unit, then its form: 303 to the receipt (a confirmed choice) or a
        409 refusal (too early, changed, full...: an answer, not an error)."""
        kind = random.choice(("sote_centre", "dental_unit"))
        unit = random.choice(PLAN["units"][kind])
        check = self.call("GET", f"/choices/{kind}/check?{urlencode({'unit': unit})}", "switch: check")
        fields = dict(FORM_FIELD.findall(self.text(check)))
        if len(fields) < 4:
            return  # the page offers no form (already listed there, or a refusal shown at once)
        confirm = self.call("POST", f"/choices/{kind}/confirm", "switch: confirm", expect=(303, 409), data=fields)
        receipt = RECEIPT.search(confirm.headers.get("Location", "") or "")
        if confirm.status_code == 303 and receipt:
            acknowledged("choice", ref=receipt.group(1))
        elif confirm.status_code == 409:
            acknowledged("refused", problem=problem_shown(self.text(confirm)))

    @task(5)
    def flag(self) -> None:
        """The flag form, its check page, and send: 303 to the receipt, whose reference is the flag's."""
        form = self.call("GET", "/flags/new", "flag: form")
        page = self.text(form)
        providers = [i["value"] for i in inputs(page) if i.get("name") == "providers" and i.get("value")]
        token = CSRF.search(page)
        if not providers or token is None:
            return
        marker = _marker()
        answers = {
            "csrf_token": html.unescape(token.group(1)),
            "category": random.choice(("referral_lost", "information_not_moved", "no_appointment")),
            "providers": providers[:1],
            "happened_on": "",
            "description": f"Lähete ei mennyt perille terveysasemalta sairaalaan. Kuormatesti {marker}.",
            "contact_method": "portal",
            "contact_email": "",
            "contact_phone": "",
            "consent_share": "y",
            "action": "check",
        }
        check = self.call("POST", "/flags/new", "flag: check", data=answers)
        found = SEND_FORM.search(self.text(check))
        if found is None:
            return
        hidden = [(i["name"], i.get("value", "")) for i in inputs(found.group(1)) if i.get("name")]
        sent = self.call("POST", "/flags/send", "flag: send", expect=(303,), data=hidden)
        reference = FLAG_SENT.search(urlsplit(sent.headers.get("Location", "")).path)
        if sent.status_code == 303 and reference:
            acknowledged("flag", ref=reference.group(1), marker=marker)

    @task(10)
    def chat(self) -> None:
        """The chat page, a question to the assistant, the page again, and the live panel's polls every 1.5 s."""
        page = self.call("GET", "/chat/", "chat: page")
        token = CSRF.search(self.text(page))
        if token is None:
            return
        marker = _marker()
        text = f"{random.choice(QUESTIONS)} ({marker})"
        sent = self.call(
            "POST",
            "/chat/messages",
            "chat: send",
            expect=(303,),
            data={"csrf_token": html.unescape(token.group(1)), "text": text},
        )
        if sent.status_code != 303:
            return
        acknowledged("chat", marker=marker)
        again = self.call("GET", "/chat/", "chat: page")
        updates = UPDATES.search(self.text(again))
        for _ in range(3):
            if updates is None:
                break
            gevent.sleep(1.5)
            self.call(
                "GET", html.unescape(updates.group(1)), "chat: poll", expect=(200, 204), headers={"HX-Request": "true"}
            )


class BaselineUser(FastHttpUser):
    """The bare baseline app's list as fast as the load generator asks for it: the machine's yardstick."""

    wait_time = constant(0)

    @task
    def listing(self) -> None:
        municipality = random.choice(PLAN["municipalities"])
        with self.client.get(
            f"/list?{urlencode({'municipality': municipality})}", name="baseline: list", catch_response=True
        ) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"{response.status_code}")


def _cookie(response, name: str) -> str:
    """The value the response sets for cookie `name`, read from Set-Cookie itself (the cookie is Secure)."""
    headers = response.headers
    values = headers.get_all("Set-Cookie") if hasattr(headers, "get_all") else [headers.get("Set-Cookie") or ""]
    for value in values or ():
        first = (value or "").split(";", 1)[0]
        key, _, token = first.partition("=")
        if key.strip() == name and token:
            return token.strip()
    return ""


def _marker() -> str:
    return "kt-" + uuid.uuid4().hex[:12]
