"""The two identity providers, built from configuration when the app starts."""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from adapters.oidc import OidcClient, OidcSettings

KINDS = ("resident", "staff")


def init_providers(app: Flask) -> None:
    # One registry per app: provider metadata and keys are cached per app, never shared between apps.
    oauth = OAuth(app)
    clients = {}
    for kind in KINDS:
        prefix = kind.upper() + "_OIDC_"
        if not app.config.get(prefix + "ISSUER"):
            continue  # not configured: the login page says so instead of failing
        clients[kind] = OidcClient(
            oauth,
            OidcSettings(
                name=kind,
                issuer=app.config[prefix + "ISSUER"],
                client_id=app.config[prefix + "CLIENT_ID"],
                client_secret=app.config[prefix + "CLIENT_SECRET"],
                scope=app.config[prefix + "SCOPE"],
                timeout=app.config["OIDC_TIMEOUT_SECONDS"],
            ),
        )
    app.extensions["oidc_clients"] = clients


def provider(kind: str) -> OidcClient | None:
    return current_app.extensions["oidc_clients"].get(kind)
