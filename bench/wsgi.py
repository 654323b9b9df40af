"""The two apps the load test serves with gunicorn, built from BENCH_DATABASE_URL.

`gunicorn 'bench.wsgi:compare_app()'` is the real portal (the test config with the bench database);
`gunicorn 'bench.wsgi:baseline_app()'` is the bare Flask app of `bench.baseline_app`. Both are wrapped in the
same one-line middleware that names the worker process in a response header, so the warm-up can tell when
every worker has answered (and so built its search index).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

WORKER_HEADER = "X-Bench-Worker"


def with_worker_header(app: Callable) -> Callable:
    pid = str(os.getpid())

    def wrapped(environ: dict, start_response: Callable) -> Iterable[bytes]:
        def start(status: str, headers: list, exc_info=None):
            return start_response(status, [*headers, (WORKER_HEADER, pid)], exc_info)

        return app(environ, start)

    return wrapped


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        raise RuntimeError("BENCH_DATABASE_URL is not set")
    return url


def portal_app(url: str, page_cache: bool = True):
    """The portal on `url` with the test config, except what a deployment sets differently and a page cares about."""
    from portal import create_app

    config: dict = {"SQLALCHEMY_DATABASE_URI": url, "RESIDENT_OIDC_ISSUER": "", "STAFF_OIDC_ISSUER": ""}
    # As deployed: the version check and the page cache of the production defaults (the test config turns both off).
    config["CATALOGUE_VERSION_TTL_SECONDS"] = 2
    config["FULL_UNITS_TTL_SECONDS"] = 2
    if not page_cache:
        config["COMPARE_PAGE_CACHE_SIZE"] = 0
    return create_app(config)


def compare_app(page_cache: bool = True) -> Callable:
    return with_worker_header(portal_app(database_url(), page_cache=page_cache))


def baseline_app() -> Callable:
    from bench.baseline_app import create_baseline_app

    return with_worker_header(create_baseline_app(database_url()))
