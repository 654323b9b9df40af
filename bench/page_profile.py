"""Where a logged-in page's time goes: `python -m bench.page_profile [DATABASE_URL]`.

Builds a database with the demo catalogue (or uses a given one that has a catalogue), writes a few residents with
listings and a logged-in session each (`bench.logged_in`), then requests each logged-in page of the bench's step 3
through the Flask test client: it counts the SQL statements of one request (a `before_cursor_execute` listener) and
profiles a few hundred with cProfile, printing the milliseconds per request and the share of each part (session,
user, acting, i18n, CSRF, templates, ...). Development aid only: `make bench` measures throughput over HTTP.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import event

# Functions whose cumulative time is a "part" of a request: (label, filename fragment, function name).
PARTS = (
    ("session open", "portal/sessions.py", "open_session"),
    ("session save", "portal/sessions.py", "save_session"),
    ("user load", "portal/auth/context.py", "_load_user"),
    ("acting load", "portal/mandates/acting.py", "_load_acting"),
    ("rate limits", "portal/ratelimit.py", "_count_account_posts"),
    ("language", "portal/i18n.py", "_apply_language"),
    ("csrf", "flask_wtf/csrf.py", "protect"),
    ("view", "flask/app.py", "dispatch_request"),
    ("template render", "flask/templating.py", "_render"),
    ("context processors", "flask/templating.py", "update_template_context"),
    ("gettext", "flask_babel/__init__.py", "gettext"),
    ("url_for", "flask/helpers.py", "url_for"),
    ("SQL execute", "sqlalchemy/engine/base.py", "_execute_context"),
    ("teardown", "flask/app.py", "do_teardown_request"),
    ("after request", "flask/app.py", "process_response"),
)


class Parts:
    """CPU time (this thread's) spent in each part of a request, measured by wrapping the app's own hooks: unlike a
    profiler, it adds a microsecond a call, not a multiple of every small function's time."""

    def __init__(self, app) -> None:
        import flask.templating

        self.totals: dict[str, float] = {}
        interface = app.session_interface
        interface.open_session = self.timed("session open", interface.open_session)
        interface.save_session = self.timed("session save", interface.save_session)
        for functions in app.before_request_funcs.values():
            functions[:] = [self.timed(f"before: {f.__name__.strip('_')}", f) for f in functions]
        for functions in app.after_request_funcs.values():
            functions[:] = [self.timed("after request", f) for f in functions]
        for functions in app.template_context_processors.values():
            functions[:] = [self.timed("context processors", f) for f in functions]
        app.view_functions.update({k: self.timed("view (all of it)", v) for k, v in app.view_functions.items()})
        flask.templating._render = self.timed("template render", flask.templating._render)  # type: ignore[attr-defined]
        self._sql_started = 0.0
        from portal.extensions import db

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._sql_before)
            event.listen(db.engine, "after_cursor_execute", self._sql_after)

    def _sql_before(self, *_args) -> None:
        self._sql_started = time.thread_time()

    def _sql_after(self, *_args) -> None:
        self.totals["SQL (cursor)"] = self.totals.get("SQL (cursor)", 0.0) + time.thread_time() - self._sql_started

    def timed(self, label: str, function):
        totals = self.totals

        def wrapped(*args, **kwargs):
            started = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + time.thread_time() - started

        wrapped.__name__ = getattr(function, "__name__", label)
        for attribute in ("forgets_language", "kept_query"):
            if hasattr(function, attribute):
                setattr(wrapped, attribute, getattr(function, attribute))
        return wrapped


def count_statements(app, client, path: str) -> tuple[int, list[str]]:
    from portal.extensions import db

    statements: list[str] = []

    def listen(_conn, _cursor, statement, *_args) -> None:
        statements.append(" ".join(statement.split())[:160])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    if response.status_code != 200:
        raise SystemExit(f"GET {path}: {response.status_code}: {response.data[:300]!r}")
    return len(statements), statements


def cpu_ms(client, path: str, requests: int) -> float:
    """CPU time of this process per request, unprofiled: steadier than wall time on a shared machine."""
    for _ in range(20):
        client.get(path)
    started = time.process_time()
    for _ in range(requests):
        client.get(path)
    return (time.process_time() - started) / requests * 1000


def profile_page(client, path: str, requests: int) -> tuple[float, dict[str, float]]:
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    elapsed = (time.perf_counter() - started) / requests * 1000
    stats = pstats.Stats(profiler)
    total = max(v[3] for v in stats.stats.values())  # type: ignore[attr-defined]
    parts = {}
    for label, filename, function in PARTS:
        cumulative = sum(
            value[3]
            for (file, _line, name), value in stats.stats.items()  # type: ignore[attr-defined]
            if name == function and file.endswith(filename)
        )
        parts[label] = cumulative / total if total else 0.0
    return elapsed, parts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_profile", description=__doc__.splitlines()[0])
    parser.add_argument("database_url", nargs="?", help="default: a fresh SQLite file with the demo catalogue")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=0, help="also print the N costliest functions of each page")
    parser.add_argument("--statements", action="store_true", help="print each page's SQL statements")
    args = parser.parse_args(argv)

    from bench.logged_in import demo_database, logged_in_pages, prepare_residents
    from bench.wsgi import portal_app

    url = args.database_url
    if url is None:
        folder = Path(tempfile.mkdtemp(prefix="valinta-profile-"))
        url = f"sqlite:///{folder / 'profile.sqlite3'}"
        demo_database(url, folder)
    app = portal_app(url, page_cache=False)
    residents = prepare_residents(app, 4)
    parts = Parts(app)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    for name, path in logged_in_pages(residents[0]).items():
        client = app.test_client()
        client.set_cookie(cookie_name, residents[0].token)
        count, statements = count_statements(app, client, path)
        parts.totals.clear()
        cpu = cpu_ms(client, path, args.requests)
        per_request = {label: total * 1000 / (args.requests + 20) for label, total in parts.totals.items()}
        shares = ", ".join(f"{label} {ms:.2f} ms ({ms / cpu:.0%})" for label, ms in per_request.items() if ms >= 0.02)
        print(f"{name:10} {path}\n  {count} statements, {cpu:.2f} ms CPU a request: {shares}")
        if args.statements:
            for statement in statements:
                print(f"    {statement}")
        if args.top:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
