"""Delivering one outbox message: signed JSON over HTTP(S), or a file in a folder for the demo.

The signature is HMAC-SHA256 with the shared secret over `<timestamp>.<body>`, sent as
`X-Valinta-Signature: sha256=<hex>` with the Unix time in `X-Valinta-Timestamp`. Signing the timestamp too lets a
receiver refuse old captured requests; signing the exact body bytes means the receiver must verify before parsing.

A failure is either temporary (timeouts, connection errors, 429, 5xx: try again later) or permanent (any other
4xx: the receiver refuses this message, so retrying cannot help). 409 means the receiver already has the message,
which is what delivery was meant to achieve, so it counts as delivered.

Error messages name the host and the status only, never the body: the body holds a resident's name.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

SIGNATURE_HEADER = "X-Valinta-Signature"
TIMESTAMP_HEADER = "X-Valinta-Timestamp"
KEY_HEADER = "Idempotency-Key"
Timeout = float | tuple[float, float]
DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 10.0)  # (connect, read) seconds
_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")  # keys become file names in the file sink


class DeliveryFailure(Exception):
    """The message was not delivered; `str(error)` is safe to store and log (no message content)."""


class TemporaryFailure(DeliveryFailure):
    """Worth retrying later: the receiver was unreachable, slow, overloaded or failing."""


class PermanentFailure(DeliveryFailure):
    """The receiver refused this message; retrying the same bytes will not help."""


def sign(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The `X-Valinta-Signature` value for `body` sent at `timestamp` (Unix seconds as a string)."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str | bytes, timestamp: str, body: bytes, signature: str, *, tolerance: float = 300) -> bool:
    """True when `signature` is ours for this body and the timestamp is within `tolerance` seconds of now."""
    try:
        age = abs(time.time() - int(timestamp))
    except (TypeError, ValueError):
        return False
    if age > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def deliver(
    url: str,
    body: bytes,
    key: str,
    secret: str | bytes,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
) -> None:
    """Deliver `body` under the idempotency `key` to an http(s):// or file:// URL, or raise a DeliveryFailure."""
    scheme = urlsplit(url).scheme
    if scheme == "file":
        write_file(url, body, key)
    elif scheme in ("http", "https"):
        post(url, body, key, secret, timeout=timeout, session=session)
    else:
        raise PermanentFailure(f"unsupported destination scheme {scheme!r}")


def post(
    url: str,
    body: bytes,
    key: str,
    secret: str | bytes,
    *,
    timeout: Timeout = DEFAULT_TIMEOUT,
    session: requests.Session | None = None,
) -> None:
    if not secret:
        raise PermanentFailure("no signing secret configured")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        KEY_HEADER: key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    host = urlsplit(url).netloc
    sender = session or requests
    try:
        response = sender.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        raise TemporaryFailure(f"timed out waiting for {host}") from None
    except requests.ConnectionError:
        raise TemporaryFailure(f"could not connect to {host}") from None
    except requests.RequestException as error:
        raise TemporaryFailure(f"{type(error).__name__} talking to {host}") from None
    status = response.status_code
    response.close()
    if 200 <= status < 300 or status == 409:
        return
    if status == 429 or status >= 500:
        raise TemporaryFailure(f"HTTP {status} from {host}")
    # 3xx lands here too: following a redirect with a signed body to somewhere unconfigured is not safe.
    raise PermanentFailure(f"HTTP {status} from {host}")


def write_file(url: str, body: bytes, key: str) -> None:
    """The demo sink: `<folder>/<key>.json`, written whole or not at all. An existing file means delivered."""
    if not _SAFE_KEY.match(key):
        raise PermanentFailure("idempotency key is not a safe file name")
    folder = Path(unquote(urlsplit(url).path))
    target = folder / f"{key}.json"
    if target.exists():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a reader (or a crash) never sees half a message.
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(body)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise TemporaryFailure(f"could not write to the outbox folder: {error.strerror}") from None
