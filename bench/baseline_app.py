"""The yardstick for the compare page: a bare Flask app that reads 20 catalogue rows and renders them.

`GET /list?municipality=CODE` reads the first 20 locations of one municipality by name with SQLAlchemy Core
(one indexed query, no ORM, no sessions, no i18n) and renders them with a minimal Jinja template. Whatever the
portal does beyond this per request (its session, language and user handling, the search, a much richer page)
is what `compare_to_baseline` measures.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from sqlalchemy import column, create_engine, select, table

ROWS = 20
LOCATIONS = table(
    "catalogue_location",
    column("id"),
    column("name_fi"),
    column("street_fi"),
    column("postal_code"),
    column("municipality_code"),
)


def create_baseline_app(database_url: str) -> Flask:
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    app = Flask(__name__)  # templates from bench/templates
    engine = create_engine(database_url)

    @app.get("/list")
    def listing():
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

    return app
