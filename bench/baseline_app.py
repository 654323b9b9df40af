"""The yardsticks: a bare Flask app that reads 20 catalogue rows and renders them, and one that writes a row.

`GET /list?municipality=CODE` reads the first 20 locations of one municipality by name with SQLAlchemy Core
(one indexed query, no ORM, no sessions, no i18n) and renders them with a minimal Jinja template. Whatever the
portal does beyond this per request (its session, language and user handling, the search, a much richer page)
is what `compare_to_baseline` measures.

`POST /write` (form field `counter`) is the switch's yardstick: in one transaction it locks a row of
`bench_counter` (`SELECT ... FOR UPDATE`), updates it and inserts two rows into `bench_event`, then answers 303
as the portal's confirmation does. It needs the tables `WRITE_TABLES_SQL` makes (PostgreSQL). Whatever a
confirmed switch does beyond this (the session, the rules, the listing, the capacity lock and count, the outbox
messages, the sealed access log, the ORM) is what `choice_to_write_baseline` measures.
"""

from __future__ import annotations

from flask import Flask, abort, redirect, render_template, request
from sqlalchemy import column, create_engine, insert, select, table, update
from werkzeug import Response

ROWS = 20
LOCATIONS = table(
    "catalogue_location",
    column("id"),
    column("name_fi"),
    column("street_fi"),
    column("postal_code"),
    column("municipality_code"),
)
COUNTERS = table("bench_counter", column("id"), column("value"))
EVENTS = table("bench_event", column("counter_id"), column("value"), column("kind"))

# `:rows` counters numbered from 0, each at 0; events with a key of their own, as the portal's tables have.
WRITE_TABLES_SQL = (
    "DROP TABLE IF EXISTS bench_event, bench_counter",
    "CREATE TABLE bench_counter (id integer PRIMARY KEY, value bigint NOT NULL)",
    "CREATE TABLE bench_event (id bigserial PRIMARY KEY, counter_id integer NOT NULL, value bigint NOT NULL,"
    " kind text NOT NULL, at timestamp NOT NULL DEFAULT now())",
    "INSERT INTO bench_counter (id, value) SELECT i, 0 FROM generate_series(0, :rows - 1) AS i",
)


def create_baseline_app(database_url: str) -> Flask:
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    app = Flask(__name__)  # templates from bench/templates
    engine = create_engine(database_url)

    @app.get("/list")
    def listing() -> str:
        code = request.args.get("municipality", "")
        query = (
            select(LOCATIONS.c.id, LOCATIONS.c.name_fi, LOCATIONS.c.street_fi, LOCATIONS.c.postal_code)
            .where(LOCATIONS.c.municipality_code == code)
            .order_by(LOCATIONS.c.name_fi)
            .limit(ROWS)
        )
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        return render_template("baseline.html", rows=rows, municipality=code)

    @app.post("/write")
    def write() -> Response:
        counter = request.form.get("counter", type=int)
        if counter is None:
            abort(400)
        with engine.begin() as connection:
            value = connection.execute(
                select(COUNTERS.c.value).where(COUNTERS.c.id == counter).with_for_update()
            ).scalar_one_or_none()
            if value is None:
                abort(404)
            connection.execute(update(COUNTERS).where(COUNTERS.c.id == counter).values(value=value + 1))
            connection.execute(
                insert(EVENTS),
                [
                    {"counter_id": counter, "value": value + 1, "kind": "written"},
                    {"counter_id": counter, "value": value, "kind": "replaced"},
                ],
            )
        return redirect(f"/written/{counter}/{value + 1}", code=303)

    return app
