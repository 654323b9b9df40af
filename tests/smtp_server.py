"""A real SMTP server for the tests (aiosmtpd on a free loopback port) that keeps what it receives.

`reply` makes it answer DATA with that reply instead ("550 ...", "451 ..."); `delay` makes it wait that long first
(for the client's timeout); `password` turns on AUTH over plain text with user "valinta".
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())


@dataclass
class Recorder:
    received: list[Received] = field(default_factory=list)
    reply: str | None = None
    delay: float = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.reply:
            return self.reply
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    url: str
    port: int
    recorder: Recorder

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(*, password: str | None = None) -> Iterator[SmtpServer]:
    recorder = Recorder()
    port = free_port()
    options: dict[str, Any] = {}
    if password is not None:

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and data.login == b"valinta" and data.password == password.encode()
            return AuthResult(success=ok, handled=False)  # handled=True would leave the client waiting

        options = {"authenticator": authenticate, "auth_require_tls": False}
    controller = Controller(recorder, hostname=HOST, port=port, **options)
    controller.start()
    try:
        yield SmtpServer(f"smtp://{HOST}:{port}", port, recorder)
    finally:
        controller.stop()
