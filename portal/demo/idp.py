"""The demo identification services: two real OpenID Connect providers on local ports.

oidc-provider-mock serves discovery, JWKS, authorize (with the personas as buttons), token,
userinfo and end_session over real HTTP, so the portal uses exactly its production code path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import oidc_provider_mock

from portal.demo.personas import RESIDENTS, STAFF


@dataclass(frozen=True)
class DemoProviders:
    resident_issuer: str
    staff_issuer: str


@contextmanager
def run_demo_providers(resident_port: int = 0, staff_port: int = 0) -> Iterator[DemoProviders]:
    # The provider refuses plain http unless told this is a local, insecure setup.
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    with ExitStack() as stack:
        resident = stack.enter_context(
            oidc_provider_mock.run_server_in_thread(
                port=resident_port,
                require_nonce=True,
                user_claims=[oidc_provider_mock.User(sub=p.sub, claims=p.claims) for p in RESIDENTS],
            )
        )
        staff = stack.enter_context(
            oidc_provider_mock.run_server_in_thread(
                port=staff_port,
                require_nonce=True,
                user_claims=[oidc_provider_mock.User(sub=p.sub, claims=p.claims) for p in STAFF],
            )
        )
        yield DemoProviders(
            resident_issuer=f"http://localhost:{resident.server_port}",
            staff_issuer=f"http://localhost:{staff.server_port}",
        )
