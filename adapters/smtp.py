"""Sending one plain-text e-mail: over real SMTP, or to a folder of .eml files for the demo.

`MAIL_URL` says where:

- `smtp://host:port` plain SMTP (port 25 by default), for a relay on the same trusted network;
- `smtp+starttls://host:port` SMTP upgraded with STARTTLS before anything else is said (port 587 by default);
- `smtps://host:port` SMTP inside TLS from the first byte (port 465 by default);
- `file:///path/to/folder` the demo sink: one `<time>-<random>.eml` file per message, written whole or not at all;
- empty: e-mail is off (the flagger's news stays in the portal).

The user name and password come from `MAIL_USERNAME` and `MAIL_PASSWORD`, never from the URL, so a URL can be
logged. A failure is a `MailError`, `temporary` when trying again later may help (a 4xx reply, a connection that
failed or timed out, a refused login, which is a setting to fix rather than something wrong with the message) and
permanent otherwise (a 5xx reply: the server refuses this message or recipient). Its text names the server and the
reply code, never the password and never the message.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from secrets import token_hex
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SCHEMES = (*DEFAULT_PORTS, "file")
REPLY_TEXT_MAX = 120  # of the server's reply kept in the error: enough to tell what went wrong


class MailError(Exception):
    """The message was not sent; `str(error)` is safe to store and log (no password, no message)."""

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


class MailConfigError(ValueError):
    """The mail settings cannot work; the message says which to fix."""


@dataclass(frozen=True)
class MailSettings:
    url: str
    sender: str
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    def __repr__(self) -> str:  # a settings object may end up in a log or a traceback: never the password
        return f"MailSettings(url={self.url!r}, sender={self.sender!r}, username={self.username!r})"

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @classmethod
    def from_config(cls, config: Mapping) -> MailSettings:
        settings = cls(
            url=(config.get("MAIL_URL") or "").strip(),
            sender=(config.get("MAIL_FROM") or "").strip(),
            username=config.get("MAIL_USERNAME") or "",
            password=config.get("MAIL_PASSWORD") or "",
            timeout=float(config.get("MAIL_TIMEOUT_SECONDS") or 10.0),
        )
        if settings.enabled:
            settings.check()
        return settings

    def check(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in SCHEMES:
            raise MailConfigError(f"MAIL_URL must start with one of {', '.join(s + '://' for s in SCHEMES)}.")
        if parts.username or parts.password:
            raise MailConfigError("MAIL_URL must not hold a user name or password: set MAIL_USERNAME, MAIL_PASSWORD.")
        if parts.scheme != "file" and not parts.hostname:
            raise MailConfigError("MAIL_URL names no host.")
        if parts.scheme == "file" and not parts.path:
            raise MailConfigError("MAIL_URL names no folder.")
        if not self.sender or "@" not in self.sender:
            raise MailConfigError("MAIL_FROM must be the sender's e-mail address.")
        if self.timeout <= 0:
            raise MailConfigError("MAIL_TIMEOUT_SECONDS must be more than 0.")


def compose(settings: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message with its own Message-ID and Date."""
    message = EmailMessage()
    try:
        message["From"] = settings.sender
        message["To"] = to
        message["Subject"] = subject
    except ValueError:  # a line break in a header: never sent, whatever it was meant to do
        raise MailError("the recipient or subject is not a valid header", temporary=False) from None
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def send_mail(settings: MailSettings, to: str, subject: str, body: str) -> str:
    """Send one message; returns its Message-ID, or raises a MailError."""
    if not settings.enabled:
        raise MailError("e-mail is off (MAIL_URL is empty)", temporary=False)
    message = compose(settings, to, subject, body)
    parts = urlsplit(settings.url)
    if parts.scheme == "file":
        write_eml(Path(unquote(parts.path)), message)
    else:
        _send_smtp(settings, parts.scheme, parts.hostname or "", parts.port, message)
    return str(message["Message-ID"])


def _send_smtp(settings: MailSettings, scheme: str, host: str, port: int | None, message: EmailMessage) -> None:
    port = port or DEFAULT_PORTS[scheme]
    where = f"{host}:{port}"
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port, timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=settings.timeout)
        with client:
            if scheme == "smtp+starttls":
                client.starttls(context=context)
                client.ehlo()
            if settings.username:
                try:
                    client.login(settings.username, settings.password)
                except smtplib.SMTPAuthenticationError as error:
                    # Not the message's fault: the login settings need fixing, then the message can go.
                    raise MailError(f"SMTP {error.smtp_code} from {where}: login refused", temporary=True) from None
            client.send_message(message)
    except MailError:
        raise
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        code = max(codes) if codes else 550
        raise MailError(f"SMTP {code} from {where}: recipient refused", temporary=code < 500) from None
    except smtplib.SMTPResponseException as error:  # sender refused, data refused, any other reply
        raise MailError(
            f"SMTP {error.smtp_code} from {where}: {_reply_text(error.smtp_error)}", temporary=error.smtp_code < 500
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(f"{where} does not offer STARTTLS", temporary=True) from None
    except smtplib.SMTPServerDisconnected as error:  # smtplib says so for a reply that timed out, too
        reason = "timed out waiting for" if "timed out" in str(error) else "connection closed by"
        raise MailError(f"{reason} {where}", temporary=True) from None
    except UnicodeError:  # smtplib sends the user name and password as ASCII only
        raise MailError("MAIL_USERNAME or MAIL_PASSWORD is not ASCII", temporary=True) from None
    except (TimeoutError, ssl.SSLError, OSError, smtplib.SMTPException) as error:
        if isinstance(error, TimeoutError):
            reason = "timed out"
        elif isinstance(error, ssl.SSLError):
            reason = "TLS failed"
        elif isinstance(error, ConnectionError):
            reason = "could not connect"
        else:
            reason = type(error).__name__
        raise MailError(f"{reason} talking to {where}", temporary=True) from None


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())[:REPLY_TEXT_MAX] or "no reason given"


def write_eml(folder: Path, message: EmailMessage) -> Path:
    """The demo sink: `<folder>/<UTC time>-<random>.eml`, written beside and renamed, so never seen half-written."""
    name = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{token_hex(6)}.eml"
    target = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(message.as_bytes())
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise MailError(f"could not write to the mail folder: {error.strerror}", temporary=True) from None
    return target
