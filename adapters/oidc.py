"""OpenID Connect relying party: authorization-code flow with PKCE (S256) and nonce, via authlib.

The same code path serves Suomi.fi-style resident identification, the staff provider, and the
local demo provider: only the configuration differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Response
from joserfc.errors import JoseError


class OidcError(Exception):
    """A login that must not go on. `kind` picks the message the user sees."""

    KINDS = ("denied", "state", "token", "unavailable", "claims")

    def __init__(self, kind: str, detail: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown OidcError kind {kind!r}")
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class OidcSettings:
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scope: str
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.issuer.startswith(("https://", "http://")):
            raise ValueError(f"{self.name}: the issuer must be an http(s) URL, got {self.issuer!r}")
        if not self.client_id:
            raise ValueError(f"{self.name}: a client id is required")
        if "openid" not in self.scope.split():
            raise ValueError(f"{self.name}: the scope must include 'openid'")


class OidcClient:
    def __init__(self, oauth: OAuth, settings: OidcSettings) -> None:
        self.settings = settings
        self._app = oauth.register(
            name=settings.name,
            client_id=settings.client_id,
            client_secret=settings.client_secret or None,
            server_metadata_url=settings.issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.scope,
                "code_challenge_method": "S256",
                "default_timeout": settings.timeout,
            },
            overwrite=True,
        )

    def login_redirect(self, redirect_uri: str, **params: str) -> Response:
        """Redirect to the provider; state, nonce and the PKCE verifier are kept in the session."""
        try:
            metadata = self._app.load_server_metadata()
        except requests.RequestException as error:
            raise OidcError("unavailable", f"metadata: {error.__class__.__name__}") from error
        # The metadata must name exactly the issuer we were configured with (ASVS 10.5.3, mix-up defence).
        if str(metadata.get("issuer", "")).rstrip("/") != self.settings.issuer.rstrip("/"):
            raise OidcError("unavailable", "metadata: issuer does not match the configured issuer")
        try:
            return self._app.authorize_redirect(redirect_uri, **params)
        except requests.RequestException as error:
            raise OidcError("unavailable", f"metadata: {error.__class__.__name__}") from error

    def complete_login(self) -> tuple[dict[str, Any], str]:
        """Check the callback and exchange the code; returns the ID token claims and the raw ID token."""
        try:
            token = self._app.authorize_access_token()
        except MismatchingStateError as error:
            raise OidcError("state", "state missing or not ours") from error
        except OAuthError as error:
            kind = "denied" if error.error in {"access_denied", "login_required", "consent_required"} else "token"
            raise OidcError(kind, f"{error.error}") from error
        except requests.RequestException as error:
            raise OidcError("unavailable", f"token endpoint: {error.__class__.__name__}") from error
        except (AuthlibBaseError, JoseError) as error:  # signature, issuer, audience, nonce or expiry of the ID token
            raise OidcError("token", f"id token rejected: {error.__class__.__name__}") from error
        claims = token.get("userinfo")
        if not claims or "id_token" not in token:
            raise OidcError("claims", "no ID token in the token response")
        return dict(claims), token["id_token"]

    def logout_url(self, id_token: str | None, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the provider, when it offers one."""
        try:
            metadata = self._app.load_server_metadata()
        except requests.RequestException:
            return None
        endpoint = metadata.get("end_session_endpoint")
        if not endpoint:
            return None
        request = requests.Request(
            "GET",
            endpoint,
            params={
                key: value
                for key, value in {
                    "id_token_hint": id_token,
                    "post_logout_redirect_uri": post_logout_redirect_uri,
                    "client_id": self.settings.client_id,
                }.items()
                if value
            },
        )
        return request.prepare().url
