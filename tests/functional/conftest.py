"""A client that requests pages by endpoint and returns parsed HTML, and a real login helper."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from flask import Flask, url_for
from flask.testing import FlaskClient


class ClientRequest:
    """Fetch pages by endpoint name; assert the status; return the parsed page (Notify's client_request)."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client
        self.last_response = None

    def url(self, endpoint: str, **values: object) -> str:
        with self.app.test_request_context():
            return url_for(endpoint, **values)

    def get(self, endpoint: str, _expected_status: int = 200, _headers: dict | None = None, **values: object):
        response = self.client.get(self.url(endpoint, **values), headers=_headers or {})
        return self._check(response, _expected_status)

    def post(self, endpoint: str, _data: dict | None = None, _expected_status: int = 302, **values: object):
        data = dict(_data or {})
        data.setdefault("csrf_token", self.csrf_token())
        response = self.client.post(self.url(endpoint, **values), data=data)
        return self._check(response, _expected_status)

    def csrf_token(self) -> str:
        page = self.get("main.home")
        field = page.select_one("input[name=csrf_token]")
        return field["value"] if field else ""

    def _check(self, response, expected: int):
        self.last_response = response
        assert response.status_code == expected, f"{response.status_code} != {expected}: {response.data[:400]!r}"
        if response.mimetype == "text/html" and expected // 100 != 3:
            page = BeautifulSoup(response.data, "html.parser")
            if page.html is not None:
                assert page.html.get("lang") in {"fi", "sv", "en"}
                assert page.title and page.title.text.strip().endswith("Valinta")
            return page
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def client_request(app: Flask, client: FlaskClient) -> ClientRequest:
    return ClientRequest(app, client)


def provider_redirect(client: FlaskClient, kind: str, **query: str) -> str:
    response = client.get(f"/login/{kind}", query_string=query)
    assert response.status_code == 302, response.data[:300]
    return response.headers["Location"]


def authenticate_at_provider(authorize_url: str, sub: str, action: str | None = None) -> str:
    """Do what a person does on the provider's page: pick a persona (or deny). Returns the callback URL."""
    data = {"action": action} if action else {"sub": sub}
    response = requests.post(authorize_url, data=data, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:300]
    return response.headers["Location"]


def follow_callback(client: FlaskClient, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def login(client: FlaskClient, sub: str, kind: str = "resident"):
    callback = authenticate_at_provider(provider_redirect(client, kind), sub)
    response = follow_callback(client, callback)
    assert response.status_code == 302, response.data[:400]
    return response


@pytest.fixture
def login_as(client: FlaskClient):
    def _login(sub: str, kind: str | None = None):
        from portal.demo.personas import PERSONAS

        return login(client, sub, kind or PERSONAS[sub].kind)

    return _login


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    return tmp_path_factory.mktemp("demo-catalogue")


@pytest.fixture
def catalogue(app: Flask, demo_files):
    """The app with the demo PTV feed imported and the demo overlay loaded."""
    from tests.conftest import load_demo_catalogue

    load_demo_catalogue(app, demo_files)
    return app
