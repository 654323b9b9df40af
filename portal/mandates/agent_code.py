"""The relative's own identity code, kept sealed in her server-side session for the Suomi.fi-valtuudet flow.

The mandate service's register call names the agent by identity code, and the portal keeps only a keyed hash of
it. So, only when VALTUUDET_URL is set, the login callback seals the code the identity provider gave (Fernet, with
a key derived from SECRET_KEY under a label of its own) into the session; the flow unseals it when the relative
asks for her Suomi.fi mandates. A session row read from the database gives nothing away; the seal expires with the
session's absolute lifetime even if the row outlived it; logging out destroys the session and the seal with it.
docs/mandates.md says why this, and not another identification round, was chosen.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, session
from stdnum.fi import hetu

SESSION_KEY = "valtuudet_agent"


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"valinta-valtuudet", info=b"agent identity code").derive(
        hashlib.sha256(secret.encode()).digest()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(code: str, secret: str) -> str:
    return _fernet(secret).encrypt(code.encode()).decode()


def unseal(sealed: str | None, secret: str, max_age: timedelta) -> str | None:
    """The code, or None when there is none, the secret changed, or the seal is older than `max_age`."""
    if not sealed:
        return None
    try:
        return _fernet(secret).decrypt(sealed.encode(), ttl=int(max_age.total_seconds())).decode()
    except InvalidToken:
        return None


def keep_at_login(code: str | None) -> None:
    """Called by the login callback after the session is renewed: seal the code only when the feature is on."""
    if code and current_app.config.get("VALTUUDET_URL"):
        session[SESSION_KEY] = seal(hetu.compact(code), current_app.config["SECRET_KEY"])


def agent_code() -> str | None:
    config = current_app.config
    return unseal(session.get(SESSION_KEY), config["SECRET_KEY"], config["SESSION_ABSOLUTE_LIFETIME"])
