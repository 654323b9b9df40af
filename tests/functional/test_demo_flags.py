"""The demo flags: the three the demo's people follow, older ones for the queue, once however often it loads."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from portal.demo.flags import DEMO_FLAGS
from portal.demo.load import load_demo_data
from portal.extensions import db
from portal.flags.notify import EmailCounts, send_pending_emails
from portal.models import Flag, FlagNotification, StaffUser

TODAY = date(2026, 11, 22)


def by_key(key: str) -> Flag:
    return db.session.scalars(select(Flag).filter_by(request_key=f"demo-flag-{key}")).one()


def test_the_demo_flags_load_once_with_their_stories(app, tmp_path):
    with app.app_context():
        first = list(load_demo_data(TODAY))
        second = list(load_demo_data(TODAY))
        flags_first = next(line for line in first if line.startswith("Demo flags:"))
        flags_second = next(line for line in second if line.startswith("Demo flags:"))
        assert f"Demo flags: {len(DEMO_FLAGS)} added" in flags_first and "Demo flags: 0 added" in flags_second
        assert db.session.scalar(select(func.count()).select_from(Flag)) == len(DEMO_FLAGS) >= 15
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 1  # Olli, as his login makes him

        aino = by_key("aino-information")
        assert aino.status == "in_review" and len(aino.providers) == 2 and aino.assignee_id is not None
        assert aino.person.oidc_subject == "aino.virtanen" and aino.contact_method == "email"
        assert any(e.kind == "note" and not e.visible_to_flagger for e in aino.events)

        helmi = by_key("helmi-fee")
        assert helmi.status == "waiting_provider" and helmi.category == "fee_charged"
        assert helmi.person.oidc_subject == "helmi.nieminen" and helmi.flagger.oidc_subject == "sari.nieminen"
        assert (helmi.basis or "").startswith("mandate:")

        erik = by_key("erik-referral")
        assert erik.status == "closed_unresolved" and erik.language == "sv" and erik.disputed_at is None

        statuses = {flag.status for flag in db.session.scalars(select(Flag))}
        assert {"resolved", "in_review", "waiting_provider", "closed_unresolved", "forwarded", "new"} <= statuses
        months = {flag.created_at.strftime("%Y-%m") for flag in db.session.scalars(select(Flag))}
        assert len(months) >= 8
        assert all(flag.created_at < datetime(2026, 11, 22) for flag in db.session.scalars(select(Flag)))

        # Only Aino's news waits to be e-mailed: the older flags' e-mails count as sent long ago.
        pending = db.session.scalars(select(FlagNotification).filter_by(email_status="pending")).all()
        assert {n.flag_id for n in pending} == {aino.id}
        app.config.update(MAIL_URL=(tmp_path / "mail").as_uri(), MAIL_FROM="valinta@demo.invalid")
        assert send_pending_emails() == EmailCounts(sent=1)
        [eml] = (tmp_path / "mail").glob("*.eml")
        assert aino.reference.encode() in eml.read_bytes() and b"verenohennus" not in eml.read_bytes()
