"""A local fake of the Suomi.fi-valtuudet-style mandate service's HPA endpoints, for tests and `make run`.

It speaks what `adapters.valtuudet` sends: every /service/ call must carry a correct checksum header for the
configured client and API key (401 otherwise, and for a timestamp more than `tolerance` seconds off), the token
endpoint wants Basic client:secret, and the API calls the session's bearer token. Its client-selection page at
/oauth/authorize lists the agent's principals as buttons (the real service's page does more: it lets the agent
pick several, and explains mandates) and sends the browser back with a one-time code and the `state`.

Delegations are a dict (or a JSON file of one): {agent identity code: [{"principal_code", "name", "themes"}]}.
`authorized` answers ALLOWED only for a principal the agent picked in this session and a theme listed for them;
anything else, and a query without a theme, is DISALLOWED, as the real service's default is.

Run it for the demo with `run_fake_in_thread(...)` (portal/demo/valtuudet.py does, on DEMO_VALTUUDET_PORT) or
`python -m adapters.valtuudet_fake --delegations file.json --port 5003 ...`.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hmac
import json
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Flask, Response, abort, jsonify, redirect, render_template_string, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from adapters.valtuudet import HEADER, checksum

Delegations = Mapping[str, list[dict[str, Any]]]

# The page's few words, in the languages the real page offers.
_WORDS = {
    "fi": {
        "title": "Valitse, kenen puolesta asioit",
        "lead": "Nämä henkilöt ovat antaneet sinulle valtuuksia.",
        "none": "Kukaan ei ole antanut sinulle valtuuksia.",
        "cancel": "Peruuta",
    },
    "sv": {
        "title": "Välj för vem du uträttar ärenden",
        "lead": "Dessa personer har gett dig fullmakter.",
        "none": "Ingen har gett dig fullmakter.",
        "cancel": "Avbryt",
    },
    "en": {
        "title": "Choose on whose behalf you act",
        "lead": "These people have given you mandates.",
        "none": "No one has given you a mandate.",
        "cancel": "Cancel",
    },
}

_PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><title>{{ words.title }} – Suomi.fi-valtuudet (demo)</title></head>
<body>
<main>
<h1>{{ words.title }}</h1>
<p>{{ words.lead if principals else words.none }}</p>
<form method="post" action="{{ action }}">
  <input type="hidden" name="user" value="{{ user }}">
  <input type="hidden" name="redirect_uri" value="{{ redirect_uri }}">
  <input type="hidden" name="state" value="{{ state }}">
  {% for principal in principals %}
  <p><button type="submit" name="principal" value="{{ loop.index0 }}">{{ principal.name }}</button></p>
  {% endfor %}
  <p><button type="submit" name="action" value="cancel">{{ words.cancel }}</button></p>
</form>
</main>
</body>
</html>
"""


@dataclass
class _Session:
    agent_code: str
    user_id: str
    chosen: list[dict[str, Any]] = field(default_factory=list)
    redirect_uri: str | None = None
    token: str | None = None


class FakeValtuudet:
    """The fake's state and its Flask app (`.app`). Thread-safe: the server answers on several threads."""

    def __init__(
        self,
        delegations: Delegations,
        *,
        client_id: str,
        api_key: str,
        oauth_secret: str,
        tolerance: float = 300,
    ) -> None:
        # A copy of its own: a test may change what the service answers without touching its caller's data.
        self.delegations = {str(agent): copy.deepcopy(list(principals)) for agent, principals in delegations.items()}
        self.client_id = client_id
        self._api_key = api_key
        self._oauth_secret = oauth_secret
        self.tolerance = tolerance
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}  # session id -> session
        self._users: dict[str, str] = {}  # user id -> session id
        self._codes: dict[str, str] = {}  # one-time code -> session id
        self.unregistered: list[str] = []  # session ids, in order: tests check the portal ends its sessions
        self.refused = 0  # requests refused for a wrong or missing checksum header
        self.app = self._build_app()

    @property
    def open_sessions(self) -> int:
        with self._lock:
            return len(self._sessions)

    # Checks.

    def _check_checksum(self) -> None:
        target = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or _target()
        parts = request.headers.get(HEADER, "").split(" ")
        valid = False
        if len(parts) == 3 and hmac.compare_digest(parts[0], self.client_id):
            try:
                moment = datetime.fromisoformat(parts[1])
                fresh = (
                    moment.tzinfo is not None and abs((datetime.now(UTC) - moment).total_seconds()) <= self.tolerance
                )
            except ValueError:
                fresh = False
            valid = fresh and hmac.compare_digest(parts[2], checksum(self._api_key, target, parts[1]))
        if not valid:
            with self._lock:
                self.refused += 1
            abort(Response(json.dumps({"error": "invalid checksum"}), 401, mimetype="application/json"))

    def _session_with_token(self, session_id: str) -> _Session:
        self._check_checksum()
        bearer = request.headers.get("Authorization", "")
        with self._lock:
            found = self._sessions.get(session_id)
        if found is None or not found.token or not hmac.compare_digest(bearer, f"Bearer {found.token}"):
            abort(Response(json.dumps({"error": "invalid token"}), 401, mimetype="application/json"))
        return found

    # The endpoints.

    def _build_app(self) -> Flask:
        app = Flask(__name__)

        @app.get("/service/hpa/user/register/<client_id>/<agent_code>")
        def register(client_id: str, agent_code: str):
            self._check_checksum()
            if client_id != self.client_id or not request.args.get("requestId"):
                abort(400)
            session_id, user_id = secrets.token_hex(16), secrets.token_hex(16)
            with self._lock:
                self._sessions[session_id] = _Session(agent_code, user_id)
                self._users[user_id] = session_id
            return jsonify(sessionId=session_id, userId=user_id)

        @app.route("/oauth/authorize", methods=["GET", "POST"])
        def authorize():
            values = request.values
            user, redirect_uri, state = values.get("user", ""), values.get("redirect_uri", ""), values.get("state", "")
            with self._lock:
                session_id = self._users.get(user)
                found = self._sessions.get(session_id) if session_id else None
            if found is None or not redirect_uri or urlsplit(redirect_uri).scheme not in ("http", "https"):
                abort(400)
            if request.method == "GET":
                if request.args.get("client_id") != self.client_id or request.args.get("response_type") != "code":
                    abort(400)
                lang = str(request.args.get("lang", "fi"))
                lang = lang if lang in _WORDS else "fi"
                return render_template_string(
                    _PAGE,
                    lang=lang,
                    words=_WORDS[lang],
                    principals=self.delegations.get(found.agent_code, []),
                    action=request.path,
                    user=user,
                    redirect_uri=redirect_uri,
                    state=state,
                )
            if values.get("action") == "cancel":
                return redirect(_with_query(redirect_uri, error="access_denied", state=state))
            principals = self.delegations.get(found.agent_code, [])
            try:
                picked = principals[int(values.get("principal", ""))]
            except (ValueError, IndexError):
                abort(400)
            code = secrets.token_urlsafe(24)
            with self._lock:
                found.chosen = [picked]
                found.redirect_uri = redirect_uri
                self._codes[code] = session_id or ""
            return redirect(_with_query(redirect_uri, code=code, state=state))

        @app.post("/oauth/token")
        def token():
            expected = base64.b64encode(f"{self.client_id}:{self._oauth_secret}".encode()).decode()
            if not hmac.compare_digest(request.headers.get("Authorization", ""), f"Basic {expected}"):
                return jsonify(error="invalid_client"), 401
            if request.args.get("grant_type") != "authorization_code":
                return jsonify(error="unsupported_grant_type"), 400
            with self._lock:
                session_id = self._codes.pop(request.args.get("code", ""), None)  # one use only
                found = self._sessions.get(session_id) if session_id else None
                if found is None or found.redirect_uri != request.args.get("redirect_uri"):
                    return jsonify(error="invalid_grant"), 400
                found.token = secrets.token_urlsafe(32)
                access_token = found.token
            return jsonify(access_token=access_token, token_type="bearer", expires_in=600)  # noqa: S106  # nosec B106

        @app.get("/service/hpa/api/delegate/<session_id>")
        def delegate(session_id: str):
            found = self._session_with_token(session_id)
            return jsonify([{"name": p.get("name", ""), "personId": p["principal_code"]} for p in found.chosen])

        @app.get("/service/hpa/api/authorization/<session_id>/<person_id>")
        def authorization(session_id: str, person_id: str):
            found = self._session_with_token(session_id)
            theme = request.args.get("issues")
            allowed = any(p["principal_code"] == person_id and theme in p.get("themes", ()) for p in found.chosen)
            return jsonify(result="ALLOWED" if theme and allowed else "DISALLOWED")

        @app.get("/service/hpa/user/unregister/<session_id>")
        def unregister(session_id: str):
            self._check_checksum()
            with self._lock:
                found = self._sessions.pop(session_id, None)
                if found is not None:
                    self._users.pop(found.user_id, None)
                    self.unregistered.append(session_id)
            return jsonify(result="OK")

        return app


def _target() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _with_query(url: str, **values: str) -> str:
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(values)) if part)
    return urlunsplit(parts._replace(query=query))


class _QuietHandler(WSGIRequestHandler):
    """No request lines in the log: the register and authorization paths hold identity codes."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class RunningFake:
    fake: FakeValtuudet
    server: BaseWSGIServer

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.server_port}"


@contextmanager
def run_fake_in_thread(
    delegations: Delegations,
    *,
    client_id: str,
    api_key: str,
    oauth_secret: str,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[RunningFake]:
    """Serve the fake on `host:port` (0: a free port) in a background thread for as long as the block runs."""
    fake = FakeValtuudet(delegations, client_id=client_id, api_key=api_key, oauth_secret=oauth_secret)
    server = make_server(host, port, fake.app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="valtuudet-fake", daemon=True)
    thread.start()
    try:
        yield RunningFake(fake, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def load_delegations(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(value, list) for value in data.values()):
        raise ValueError("delegations must be a JSON object: {agent identity code: [principal, ...]}")
    return data


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local fake of the Suomi.fi-valtuudet HPA endpoints.")
    parser.add_argument(
        "--delegations", required=True, help="JSON file: {agent code: [{principal_code, name, themes}]}"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5003)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--oauth-secret", required=True)
    args = parser.parse_args(argv)
    with run_fake_in_thread(
        load_delegations(args.delegations),
        client_id=args.client_id,
        api_key=args.api_key,
        oauth_secret=args.oauth_secret,
        host=args.host,
        port=args.port,
    ) as running:
        print(f"Fake mandate service on {running.url}/ (Ctrl-C stops it)")
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
