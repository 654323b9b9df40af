from datetime import date

from sqlalchemy import func, select

from portal.demo.load import load_demo_data
from portal.extensions import db
from portal.models import CatalogueLocation, Choice, Person


def test_demo_load_is_idempotent_and_fills_the_catalogue(app):
    with app.app_context():
        first = list(load_demo_data(date(2026, 11, 22)))
        people = db.session.scalar(select(func.count()).select_from(Person))
        locations = db.session.scalar(select(func.count()).select_from(CatalogueLocation))
        second = list(load_demo_data(date(2026, 11, 22)))
        assert people == 5 and locations >= 40
        assert db.session.scalar(select(func.count()).select_from(Person)) == people
        assert "0 added, 0 changed" in second[1] and "0 added" not in first[1]
        assert all(p.last_login_at is None for p in db.session.scalars(select(Person)))
        assert db.session.scalar(select(func.count()).select_from(Choice)) == 4  # the demo listings, once
        assert "Demo listings: 4 added" in first[-1] and "Demo listings: 0 added" in second[-1]
