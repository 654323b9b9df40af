"""The demo mandate service: the local fake of Suomi.fi-valtuudet (adapters/valtuudet_fake.py) for `make run`.

Its one delegation: Sari Nieminen may act for her mother Helmi Nieminen in social welfare matters only, so the
portal's check gives the scopes configured for that theme (balances and flags by default) and not the choice of
units, which needs the health-care theme.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from adapters.valtuudet_fake import RunningFake, run_fake_in_thread
from portal.demo.personas import PERSONAS

HETU_CLAIM = "urn:oid:1.2.246.21"
SOCIAL_WELFARE_THEME = "urn:valinta:theme:social-welfare"  # the placeholder URI of portal/config.py


def _code(sub: str) -> str:
    return str(PERSONAS[sub].claims[HETU_CLAIM])


def demo_delegations() -> dict[str, list[dict[str, Any]]]:
    return {
        _code("sari.nieminen"): [
            {"principal_code": _code("helmi.nieminen"), "name": "Helmi Nieminen", "themes": [SOCIAL_WELFARE_THEME]}
        ]
    }


@contextmanager
def run_demo_valtuudet(app: Flask) -> Iterator[RunningFake | None]:
    """The fake on DEMO_VALTUUDET_PORT with the app's own client id and keys, when VALTUUDET_URL points there;
    None otherwise (the feature is off, or a real service is configured)."""
    config = app.config
    url = urlsplit(config.get("VALTUUDET_URL") or "")
    port = config.get("DEMO_VALTUUDET_PORT")
    if url.hostname not in ("localhost", "127.0.0.1") or port is None or url.port != port:
        yield None
        return
    with run_fake_in_thread(
        demo_delegations(),
        client_id=config["VALTUUDET_CLIENT_ID"],
        api_key=config["VALTUUDET_API_KEY"],
        oauth_secret=config["VALTUUDET_OAUTH_SECRET"],
        port=config["DEMO_VALTUUDET_PORT"],
    ) as running:
        yield running
