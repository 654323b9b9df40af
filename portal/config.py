"""Configuration classes by environment, read from environment variables.

The organiser's own decisions (areas, rules, capacity...) live in the database or in
configuration files the organiser edits, never in code; this module only wires the
deployment: database, secrets, identity providers.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-only-secret-change-me"  # noqa: S105  placeholder check_production refuses  # nosec B105


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_json(name: str, default: dict) -> dict:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return json.loads(value)
    except ValueError as error:
        raise ValueError(f"{name} is not valid JSON: {error}") from None


def default_web_workers() -> int:
    """Gunicorn's usual 2 × CPUs + 1 sync workers, at most 8: past that the database (on the same machine in
    `make run-prod`) and the pool's connections, not the workers, are what a request waits for."""
    return min(2 * len(os.sched_getaffinity(0)) + 1, 8)


def _default_sqlite_url() -> str:
    return f"sqlite:///{REPO_ROOT / 'instance' / 'valinta.sqlite3'}"


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    # Keyed hash for looking people up by personal identity code without storing it.
    HETU_HASH_KEY = os.environ.get("HETU_HASH_KEY", "")
    # Key for the access log's hash chain (portal/audit/chain.py); empty: derived from SECRET_KEY with its own HKDF
    # label. Changing either makes `flask audit verify` fail on every row sealed before: keep them for good.
    AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_sqlite_url()
    # PostgreSQL: a database that takes the connection and never answers fails the request (503) after this long,
    # instead of holding it, and /readyz, for minutes (libpq's connect_timeout: whole seconds, at least 2).
    DATABASE_CONNECT_TIMEOUT_SECONDS = int(os.environ.get("DATABASE_CONNECT_TIMEOUT_SECONDS", "5"))
    # PostgreSQL, per process: connections kept open, extra ones opened at a peak, and how long a request waits for
    # a free one before it gets the 503 page. Mind the server's max_connections: workers × (size + overflow).
    DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "5"))
    DATABASE_MAX_OVERFLOW = int(os.environ.get("DATABASE_MAX_OVERFLOW", "5"))
    DATABASE_POOL_TIMEOUT_SECONDS = float(os.environ.get("DATABASE_POOL_TIMEOUT_SECONDS", "10"))
    # PostgreSQL: the server cancels a statement that runs longer (the request gets the 503 page), so one runaway
    # query cannot hold a connection and a worker for good. 0: no limit. Migrations run without it.
    DATABASE_STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "15000"))
    # hide_parameters: a database error must not write bound values (an override reason, a name) to the log.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}

    # Behind the production recipe's TLS-terminating load balancer: how many proxies' forwarded headers to trust
    # (0: none, the app faces clients itself), and the host names the portal answers to (ASVS 13.x, 4.1.x).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # The web server (portal/ops/gunicorn_conf.py, `make run-prod`): sync worker processes and threads in each, the
    # seconds a request may take before its worker is restarted, the seconds a stop waits for requests in hand, and a
    # restart of each worker after this many requests (0: never; a restart empties the worker's page caches).
    WEB_WORKERS = int(os.environ.get("WEB_WORKERS") or default_web_workers())
    WEB_THREADS = int(os.environ.get("WEB_THREADS", "1"))
    WEB_TIMEOUT_SECONDS = int(os.environ.get("WEB_TIMEOUT_SECONDS", "30"))
    WEB_GRACEFUL_TIMEOUT_SECONDS = int(os.environ.get("WEB_GRACEFUL_TIMEOUT_SECONDS", "10"))
    WEB_MAX_REQUESTS = int(os.environ.get("WEB_MAX_REQUESTS", "0"))
    WEB_MAX_REQUESTS_JITTER = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", "0"))
    TRUSTED_HOSTS = os.environ.get("TRUSTED_HOSTS", "").replace(",", " ").split() or None
    SERVER_NAME = os.environ.get("SERVER_NAME") or None
    # Request bodies: the largest form is a few kilobytes; nothing here uploads files.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(256 * 1024)))
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    MAX_FORM_PARTS = 200

    # Rate limits per client address and per account, counted in the database so every process sees them
    # ("count per seconds"; docs/security.md). RATE_LIMITS_ENABLED=0 turns them off, e.g. for a load test.
    RATE_LIMITS_ENABLED = _env_bool("RATE_LIMITS_ENABLED", True)
    RATE_LIMITS: dict = _env_json(
        "RATE_LIMITS",
        {
            "login": "20/60",  # starting or completing a login, per client address
            "search": "120/60",  # searches that are not served from the page cache, per client address
            "post": "60/60",  # any form sent, per client address
            "post_account": "60/60",  # any form sent, per logged-in person
            "chat": "30/60",  # chat messages, per client address
            "chat_conversation": "12/60",  # chat messages, per conversation: nobody types faster than this
        },
    )
    MAX_PENDING_LOGINS = 3  # login attempts started and not finished kept in one session

    LANGUAGES = ("fi", "sv", "selko", "en")
    BABEL_DEFAULT_LOCALE = "fi"
    BABEL_DEFAULT_TIMEZONE = "Europe/Helsinki"
    BABEL_TRANSLATION_DIRECTORIES = str(REPO_ROOT / "translations")

    # Sessions are stored server-side (see portal/sessions.py); the cookie holds only a random id.
    SESSION_COOKIE_NAME = "__Host-valinta"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"  # Lax, not Strict: the identity provider redirects back to us.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "20")))
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "8")))

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session does
    WTF_CSRF_SSL_STRICT = True

    # Resident identification (Suomi.fi e-Identification over OpenID Connect in production).
    RESIDENT_OIDC_ISSUER = os.environ.get("RESIDENT_OIDC_ISSUER", "")
    RESIDENT_OIDC_CLIENT_ID = os.environ.get("RESIDENT_OIDC_CLIENT_ID", "")
    RESIDENT_OIDC_CLIENT_SECRET = os.environ.get("RESIDENT_OIDC_CLIENT_SECRET", "")
    RESIDENT_OIDC_SCOPE = os.environ.get("RESIDENT_OIDC_SCOPE", "openid profile")
    # Levels of assurance accepted from the resident provider (ASVS 6.8.4: substantial or high).
    RESIDENT_ACCEPTED_ACR = tuple(
        os.environ.get(
            "RESIDENT_ACCEPTED_ACR",
            "http://ftn.ficora.fi/2017/loa2 http://ftn.ficora.fi/2017/loa3 "
            "http://eidas.europa.eu/LoA/substantial http://eidas.europa.eu/LoA/high",
        ).split()
    )
    # Staff identification: the organisation's own provider, configured separately.
    STAFF_OIDC_ISSUER = os.environ.get("STAFF_OIDC_ISSUER", "")
    STAFF_OIDC_CLIENT_ID = os.environ.get("STAFF_OIDC_CLIENT_ID", "")
    STAFF_OIDC_CLIENT_SECRET = os.environ.get("STAFF_OIDC_CLIENT_SECRET", "")
    STAFF_OIDC_SCOPE = os.environ.get("STAFF_OIDC_SCOPE", "openid profile email")
    STAFF_ROLES_CLAIM = os.environ.get("STAFF_ROLES_CLAIM", "roles")
    OIDC_TIMEOUT_SECONDS = float(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))

    # The demo identification service (oidc-provider-mock). Never in production.
    DEMO_IDP = _env_bool("DEMO_IDP", False)
    # Test identities use the "temporary" individual numbers 900-999.
    HETU_ALLOW_TEMPORARY = _env_bool("HETU_ALLOW_TEMPORARY", False)
    # Compare pages: how often a worker checks for a new import, and how many anonymous pages it keeps rendered.
    CATALOGUE_VERSION_TTL_SECONDS = float(os.environ.get("CATALOGUE_VERSION_TTL_SECONDS", "2"))
    # The search pages read which units are full at most this often per process (confirming always re-checks).
    FULL_UNITS_TTL_SECONDS = float(os.environ.get("FULL_UNITS_TTL_SECONDS", "2"))
    COMPARE_PAGE_CACHE_SIZE = int(os.environ.get("COMPARE_PAGE_CACHE_SIZE", "512"))
    COMPARE_PAGE_CACHE_BYTES = int(os.environ.get("COMPARE_PAGE_CACHE_BYTES", str(32 * 1024 * 1024)))
    # The help line's canned chat responses, the organiser's file in four languages (portal/chat/canned.py).
    HELPLINE_CANNED = os.environ.get("HELPLINE_CANNED", str(REPO_ROOT / "portal" / "data" / "helpline" / "canned.yaml"))
    PREFERRED_URL_SCHEME = "https"

    # Operations (docs/operations.md): one JSON line per request on the logger `valinta.request`, and the addresses
    # (after PROXY_COUNT's proxies) /metrics answers; to anyone else it does not exist (404).
    REQUEST_LOG = _env_bool("REQUEST_LOG", True)
    METRICS_ALLOWED_NETWORKS = os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32 ::1/128")  # space or comma

    # The outbox dispatcher (docs/outbox.md). Endpoints: {"register": url, "provider": url with {organisation_id},
    # "<PTV organisation id>": url for a provider with its own}; http(s):// URLs are signed with the secret.
    OUTBOX_SECRET = os.environ.get("OUTBOX_SECRET", "")
    OUTBOX_ENDPOINTS: dict = _env_json("OUTBOX_ENDPOINTS", {})
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "8"))  # then dead-lettered for the organiser
    OUTBOX_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_SECONDS", "30"))  # doubled after each failure
    OUTBOX_BACKOFF_MAX_SECONDS = float(os.environ.get("OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
    OUTBOX_TIMEOUT_SECONDS = float(os.environ.get("OUTBOX_TIMEOUT_SECONDS", "10"))

    # The voucher system's HTTP API, read by `flask wallet sync URL` (docs/wallet-format.md): its bearer token, the
    # timeout of each request, the retries after a 5xx or a lost connection, and the records asked for per page.
    WALLET_API_TOKEN = os.environ.get("WALLET_API_TOKEN", "")
    WALLET_API_TIMEOUT_SECONDS = float(os.environ.get("WALLET_API_TIMEOUT_SECONDS", "10"))
    WALLET_API_MAX_RETRIES = int(os.environ.get("WALLET_API_MAX_RETRIES", "3"))
    WALLET_API_PAGE_SIZE = int(os.environ.get("WALLET_API_PAGE_SIZE", "500"))

    # E-mail to a flagger who asked for it: only that their flag has news, with its link (adapters/smtp.py,
    # portal/flags/notify.py). MAIL_URL: smtp://, smtp+starttls:// or smtps://host:port, or file:///folder (one .eml
    # per message); empty turns e-mail off and the news stays in the portal. The login comes from MAIL_USERNAME and
    # MAIL_PASSWORD, never the URL. A failed e-mail is tried again on later runs, after MAIL_RETRY_SECONDS, then 2×,
    # 4×... that, and given up after MAIL_MAX_ATTEMPTS. PUBLIC_BASE_URL is the portal's address the link starts with
    # (no request is there to tell it when a background run writes the e-mail).
    MAIL_URL = os.environ.get("MAIL_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_TIMEOUT_SECONDS = float(os.environ.get("MAIL_TIMEOUT_SECONDS", "10"))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))
    MAIL_RETRY_SECONDS = float(os.environ.get("MAIL_RETRY_SECONDS", "60"))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

    # The chat assistant's knowledge base, a YAML file the organiser edits (docs/assistant.md), reloaded on change.
    ASSISTANT_KNOWLEDGE_BASE = os.environ.get(
        "ASSISTANT_KNOWLEDGE_BASE", str(REPO_ROOT / "portal" / "data" / "assistant" / "knowledge.yaml")
    )
    # The assistant answers only at this confidence (0..1) or above, and this far ahead of the next-best answer.
    ASSISTANT_CONFIDENCE = float(os.environ.get("ASSISTANT_CONFIDENCE", "0.5"))
    ASSISTANT_MARGIN = float(os.environ.get("ASSISTANT_MARGIN", "0.04"))

    # The Suomi.fi-valtuudet-style mandate service (docs/mandates.md). An empty URL turns the feature off: no
    # button, the flow's pages answer 404, and no login keeps the sealed agent identity code the flow needs.
    VALTUUDET_URL = os.environ.get("VALTUUDET_URL", "")
    VALTUUDET_CLIENT_ID = os.environ.get("VALTUUDET_CLIENT_ID", "")
    VALTUUDET_API_KEY = os.environ.get("VALTUUDET_API_KEY", "")  # signs the checksum header of every API call
    VALTUUDET_OAUTH_SECRET = os.environ.get("VALTUUDET_OAUTH_SECRET", "")  # the token call's Basic password
    VALTUUDET_TIMEOUT_SECONDS = float(os.environ.get("VALTUUDET_TIMEOUT_SECONDS", "10"))
    # Our mandate scopes -> the mandate theme URI the organiser has chosen for each (asked one by one; a scope
    # whose theme is ALLOWED is granted). The real theme URIs are not known here: these are placeholders, named
    # for the Suomi.fi themes "Managing matters related to social welfare services" and "... to healthcare".
    # Set the real ones from the mandate-themes list (suomi.fi/e-authorizations/mandate-themes).
    VALTUUDET_THEMES: dict = _env_json(
        "VALTUUDET_THEMES",
        {
            "balances": "urn:valinta:theme:social-welfare",
            "flags": "urn:valinta:theme:social-welfare",
            "choice": "urn:valinta:theme:health-care",
        },
    )


class ProductionConfig(Config):
    ENV_NAME = "production"


def _demo_folder(*parts: str) -> Path:
    return REPO_ROOT / "instance" / "production-demo" / Path(*parts)


class ProductionDemoConfig(ProductionConfig):
    """`make run-prod` (portal/ops/stack.py): production settings on one machine, except the demo identification.

    Secure `__Host-` cookies over plain http work because browsers count http://127.0.0.1 and http://localhost as
    secure. The secrets come from the environment; the stack generates them once per install (instance/)."""

    ENV_NAME = "production-demo"
    TRUSTED_HOSTS = os.environ.get("TRUSTED_HOSTS", "127.0.0.1 localhost").replace(",", " ").split()
    DEMO_IDP = True
    HETU_ALLOW_TEMPORARY = True  # the demo personas' identity codes are in the temporary range 900-999
    PORT = int(os.environ.get("PORT", "8000"))
    DEMO_RESIDENT_IDP_PORT = int(os.environ.get("DEMO_RESIDENT_IDP_PORT", str(PORT + 1)))
    DEMO_STAFF_IDP_PORT = int(os.environ.get("DEMO_STAFF_IDP_PORT", str(PORT + 2)))
    DEMO_VALTUUDET_PORT = int(os.environ.get("DEMO_VALTUUDET_PORT", str(PORT + 3)))
    RESIDENT_OIDC_ISSUER = os.environ.get("RESIDENT_OIDC_ISSUER", f"http://localhost:{DEMO_RESIDENT_IDP_PORT}")
    RESIDENT_OIDC_CLIENT_ID = os.environ.get("RESIDENT_OIDC_CLIENT_ID", "valinta-demo")
    RESIDENT_OIDC_CLIENT_SECRET = os.environ.get("RESIDENT_OIDC_CLIENT_SECRET", "demo-secret")
    STAFF_OIDC_ISSUER = os.environ.get("STAFF_OIDC_ISSUER", f"http://localhost:{DEMO_STAFF_IDP_PORT}")
    STAFF_OIDC_CLIENT_ID = os.environ.get("STAFF_OIDC_CLIENT_ID", "valinta-staff-demo")
    STAFF_OIDC_CLIENT_SECRET = os.environ.get("STAFF_OIDC_CLIENT_SECRET", "demo-secret")
    VALTUUDET_URL = os.environ.get("VALTUUDET_URL", f"http://localhost:{DEMO_VALTUUDET_PORT}")
    VALTUUDET_CLIENT_ID = os.environ.get("VALTUUDET_CLIENT_ID", "valinta-demo")
    OUTBOX_ENDPOINTS = _env_json(
        "OUTBOX_ENDPOINTS",
        {
            "register": _demo_folder("outbox", "register").as_uri(),
            "provider": _demo_folder("outbox", "providers").as_uri() + "/{organisation_id}",
            "organiser": _demo_folder("outbox", "organiser").as_uri(),
        },
    )
    MAIL_URL = os.environ.get("MAIL_URL", _demo_folder("mail").as_uri())
    MAIL_FROM = os.environ.get("MAIL_FROM", "valinta@demo.invalid")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{PORT}")


class DevelopmentConfig(Config):
    """`make run`: embedded SQLite, the demo identification service, plain http on localhost."""

    ENV_NAME = "development"
    SESSION_COOKIE_NAME = "valinta_session"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_SSL_STRICT = False
    DEMO_IDP = _env_bool("DEMO_IDP", True)
    DEMO_RESIDENT_IDP_PORT = int(os.environ.get("DEMO_RESIDENT_IDP_PORT", "5001"))
    DEMO_STAFF_IDP_PORT = int(os.environ.get("DEMO_STAFF_IDP_PORT", "5002"))
    # The local fake mandate service (adapters/valtuudet_fake.py) that `flask demo serve` starts on this port.
    DEMO_VALTUUDET_PORT = int(os.environ.get("DEMO_VALTUUDET_PORT", "5003"))
    VALTUUDET_URL = os.environ.get("VALTUUDET_URL", f"http://localhost:{DEMO_VALTUUDET_PORT}")
    VALTUUDET_CLIENT_ID = os.environ.get("VALTUUDET_CLIENT_ID", "valinta-demo")
    VALTUUDET_API_KEY = os.environ.get("VALTUUDET_API_KEY", "dev-only-valtuudet-api-key")
    VALTUUDET_OAUTH_SECRET = os.environ.get("VALTUUDET_OAUTH_SECRET", "dev-only-valtuudet-oauth-secret")
    RESIDENT_OIDC_ISSUER = os.environ.get("RESIDENT_OIDC_ISSUER", f"http://localhost:{DEMO_RESIDENT_IDP_PORT}")
    RESIDENT_OIDC_CLIENT_ID = os.environ.get("RESIDENT_OIDC_CLIENT_ID", "valinta-demo")
    RESIDENT_OIDC_CLIENT_SECRET = os.environ.get("RESIDENT_OIDC_CLIENT_SECRET", "demo-secret")
    STAFF_OIDC_ISSUER = os.environ.get("STAFF_OIDC_ISSUER", f"http://localhost:{DEMO_STAFF_IDP_PORT}")
    STAFF_OIDC_CLIENT_ID = os.environ.get("STAFF_OIDC_CLIENT_ID", "valinta-staff-demo")
    STAFF_OIDC_CLIENT_SECRET = os.environ.get("STAFF_OIDC_CLIENT_SECRET", "demo-secret")
    HETU_ALLOW_TEMPORARY = True
    HETU_HASH_KEY = os.environ.get("HETU_HASH_KEY", "dev-only-hetu-key")
    PREFERRED_URL_SCHEME = "http"
    REQUEST_LOG = _env_bool("REQUEST_LOG", False)  # a line per request would bury `make run`'s own output
    # The demo delivers to files (one per message) that can be read after choosing.
    OUTBOX_SECRET = os.environ.get("OUTBOX_SECRET", "dev-only-outbox-secret")
    OUTBOX_ENDPOINTS = _env_json(
        "OUTBOX_ENDPOINTS",
        {
            "register": (REPO_ROOT / "instance" / "outbox" / "register").as_uri(),
            "provider": (REPO_ROOT / "instance" / "outbox" / "providers").as_uri() + "/{organisation_id}",
            "organiser": (REPO_ROOT / "instance" / "outbox" / "organiser").as_uri(),
        },
    )
    # The demo's e-mails are files in instance/mail, sent by a thread of `flask demo serve`.
    MAIL_URL = os.environ.get("MAIL_URL", (REPO_ROOT / "instance" / "mail").as_uri())
    MAIL_FROM = os.environ.get("MAIL_FROM", "valinta@demo.invalid")
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}")


class TestConfig(DevelopmentConfig):
    ENV_NAME = "test"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # every test app names its own database
    HETU_HASH_KEY = "test-hetu-key"
    SECRET_KEY = "test-secret-key"  # noqa: S105  test configuration only  # nosec B105
    CATALOGUE_VERSION_TTL_SECONDS = 0  # tests import and search within the same second
    FULL_UNITS_TTL_SECONDS = 0  # and fill a unit and look at it within the same second
    OUTBOX_SECRET = "test-outbox-secret"  # noqa: S105  test configuration only  # nosec B105
    OUTBOX_ENDPOINTS: dict = {}  # each test names its receiver or folder; none set fails loudly
    OUTBOX_BACKOFF_SECONDS = 1.0
    RATE_LIMITS_ENABLED = False  # every test logs in from 127.0.0.1; tests/functional/test_hardening.py turns it on
    VALTUUDET_URL = ""  # off; the tests of the flow start the fake and name its URL
    MAIL_URL = ""  # off; the tests of the e-mails start an SMTP server and name its URL
    PUBLIC_BASE_URL = "http://localhost"
    REQUEST_LOG = False  # quiet test output; tests/functional/test_ops_requestlog.py turns it on
    # The bench builds its apps from this config and fills its databases with single long statements (COPY,
    # INSERT ... SELECT over millions of rows); tests of the timeout set it.
    DATABASE_STATEMENT_TIMEOUT_MS = 0


configs = {
    "production": ProductionConfig,
    "production-demo": ProductionDemoConfig,
    "development": DevelopmentConfig,
    "test": TestConfig,
}


class ConfigurationError(RuntimeError):
    """The app must not start with this configuration; the message says why."""


PRODUCTION_ENVS = ("production", "production-demo")
DEMO_NOTICE = "DEMO IDENTIFICATION IS ON: anyone can log in as anyone. Never expose this to a network."
LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _is_loopback_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in LOOPBACK


def check_production(config: dict) -> list[str]:
    """Refuse unsafe production settings loudly, before serving a single request; return the warnings to show.

    `production-demo` (make run-prod) is checked as production, except that the demo identification is a warning:
    the demo providers, the temporary identity codes of their personas, the fake mandate service on loopback, and
    e-mail written to files."""
    demo = config.get("ENV_NAME") == "production-demo"
    problems, warnings = [], []
    if config.get("DEMO_IDP"):
        if demo:
            warnings.append(DEMO_NOTICE)
        else:
            problems.append("DEMO_IDP is on: the demo identification service lets anyone log in as anyone.")
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEFAULT_SECRET or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY is missing, the default, or shorter than 32 characters.")
    if not config.get("HETU_HASH_KEY") or len(config["HETU_HASH_KEY"]) < 32:
        problems.append("HETU_HASH_KEY is missing or shorter than 32 characters.")
    if len(config.get("OUTBOX_SECRET") or "") < 32:
        problems.append("OUTBOX_SECRET is missing or shorter than 32 characters.")
    if config.get("HETU_ALLOW_TEMPORARY") and not (demo and config.get("DEMO_IDP")):
        problems.append("HETU_ALLOW_TEMPORARY is on: test identity codes must not be accepted in production.")
    for who in ("RESIDENT", "STAFF"):
        issuer = config.get(f"{who}_OIDC_ISSUER", "")
        if not issuer.startswith("https://") and not (demo and _is_loopback_http(issuer)):
            problems.append(f"{who}_OIDC_ISSUER must be an https:// issuer URL.")
        if not config.get(f"{who}_OIDC_CLIENT_ID"):
            problems.append(f"{who}_OIDC_CLIENT_ID is missing.")
    if not config.get("TRUSTED_HOSTS") and not config.get("SERVER_NAME"):
        problems.append("TRUSTED_HOSTS (or SERVER_NAME) must name the host names the portal answers to.")
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append("SESSION_COOKIE_SECURE must be on in production.")
    if config.get("VALTUUDET_URL"):
        if not config["VALTUUDET_URL"].startswith("https://") and not (
            demo and _is_loopback_http(config["VALTUUDET_URL"])
        ):
            problems.append("VALTUUDET_URL must be an https:// URL (or empty: the feature is off).")
        for name in ("VALTUUDET_CLIENT_ID", "VALTUUDET_API_KEY", "VALTUUDET_OAUTH_SECRET"):
            if not config.get(name):
                problems.append(f"{name} is missing, and VALTUUDET_URL is set.")
    mail_to_files = demo and str(config.get("MAIL_URL")).startswith("file://")
    if config.get("MAIL_URL") and not mail_to_files:
        if not str(config["MAIL_URL"]).startswith(("smtp://", "smtp+starttls://", "smtps://")):
            problems.append("MAIL_URL must be an smtp://, smtp+starttls:// or smtps:// URL (or empty: e-mail is off).")
        if config.get("MAIL_USERNAME") and str(config["MAIL_URL"]).startswith("smtp://"):
            problems.append("MAIL_USERNAME is set with a plain smtp:// MAIL_URL: the password would cross unencrypted.")
        if not config.get("MAIL_FROM"):
            problems.append("MAIL_FROM is missing, and MAIL_URL is set.")
        if not str(config.get("PUBLIC_BASE_URL") or "").startswith("https://"):
            problems.append("PUBLIC_BASE_URL must be the portal's https:// address: the e-mails link to it.")
    if problems:
        raise ConfigurationError(f"Refusing to start in {config.get('ENV_NAME')} mode:\n  - " + "\n  - ".join(problems))
    return warnings


def framed(message: str) -> str:
    """`message` in a frame of its own, to stand out in a terminal full of log lines."""
    line = "!" * (len(message) + 8)
    return f"{line}\n!!! {message} !!!\n{line}"


def show_warnings(warnings: list[str]) -> None:
    """Print each warning framed on stderr, unless a supervisor (portal/ops/stack.py) has shown them for its
    children already (VALINTA_NOTICE_SHOWN)."""
    if os.environ.get("VALINTA_NOTICE_SHOWN"):
        return
    for warning in warnings:
        print(framed(warning), file=sys.stderr, flush=True)
