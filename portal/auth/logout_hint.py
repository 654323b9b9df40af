"""What RP-initiated logout needs from a login, kept without a readable identity code.

A plain ID token (JWS, as the demo provider issues) is only signed: anyone holding it reads its claims, the
identity code among them. So it is never kept and never sent in a URL; logout names our `client_id` instead,
which OpenID Connect RP-Initiated Logout accepts. An encrypted ID token (JWE, as Suomi.fi issues) reveals nothing
to whoever holds it, so it may go back as `id_token_hint`; even so it is kept only sealed with a key derived from
the configuration, so a session row read from the database gives nothing away. The provider's session id `sid`
is kept as it is: it names a login, not a person.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def is_encrypted(id_token: str) -> bool:
    """A JWE in compact form has five parts; a signed JWS has three."""
    return id_token.count(".") == 4


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"valinta-logout-hint", info=b"id_token_hint").derive(
        hashlib.sha256(secret.encode()).digest()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(id_token: str, secret: str) -> str | None:
    """The ID token sealed for the session, or None when it must not be kept at all (a readable JWS)."""
    if not is_encrypted(id_token):
        return None
    return _fernet(secret).encrypt(id_token.encode()).decode()


def unseal(sealed: str | None, secret: str) -> str | None:
    if not sealed:
        return None
    try:
        return _fernet(secret).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None  # the secret changed since login: log out without the hint
