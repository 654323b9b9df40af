"""E-mail to a flagger who asked for it: "there is news about your report <reference>", and the link to read it.

A change the flagger sees (a status, a reply, a provider's response) writes a `FlagNotification`; when the flagger
chose e-mail it starts `pending` (portal/flags/services.py). `send_pending_emails` sends those, each in its own
committed step, so a crash loses nothing: a row sent but not yet marked is sent again (the flagger may get the same
short notice twice; never a different one).

What the e-mail says is deliberately almost nothing: the reference, that something changed, and the link. Never
the description, the category, a provider's name, a reply or a response: an e-mail crosses servers we do not control
and lands in inboxes others may read. The flagger logs in to read the news.

The link is `PUBLIC_BASE_URL` with the flag page's path from `url_for` (in a request context made for the base URL):
a background run has no request to take the host from, and the configured address is the one residents know.

On PostgreSQL each row is claimed with `FOR UPDATE SKIP LOCKED` and kept locked while it is sent, so two senders
never send the same one. A temporary failure (server down, 4xx) leaves the row pending with its attempt counted;
it is tried again on a later run once `MAIL_RETRY_SECONDS × (2^attempts − 1)` have passed since the notification
was written (an exponential backoff with no column of its own), and marked failed after `MAIL_MAX_ATTEMPTS`. A
permanent failure (5xx: the server refuses this recipient) marks it failed at once. The news stays in the portal.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import and_, or_, select
from werkzeug.routing import BuildError

from adapters.smtp import MailError, MailSettings, send_mail
from portal.extensions import db
from portal.i18n import selko_domain
from portal.models import Flag, FlagNotification
from portal.models._types import utcnow

log = logging.getLogger(__name__)
ERROR_LENGTH = 300  # FlagNotification.email_error
# The flagger's language -> the locale of the catalogue the e-mail is written from ("selko": the Finnish locale,
# with the plain-language catalogue over it).
LOCALES = {"fi": "fi", "sv": "sv", "selko": "fi", "en": "en"}


@dataclass
class EmailCounts:
    sent: int = 0
    retrying: int = 0  # failed for now, pending again on a later run
    failed: int = 0  # given up; the news is still in the portal

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed

    def __add__(self, other: EmailCounts) -> EmailCounts:
        return EmailCounts(self.sent + other.sent, self.retrying + other.retrying, self.failed + other.failed)


def flag_link(reference: str) -> str:
    """The flag's page for its flagger, as an absolute URL under PUBLIC_BASE_URL."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    with current_app.test_request_context("/", base_url=base + "/"):
        try:
            return url_for("flags.show", reference=reference, _external=True)
        except BuildError:  # the flagger's pages are not registered (a trimmed app): the blueprint's own path
            return f"{base}/flags/{reference}"


def compose(reference: str, language: str, link: str) -> tuple[str, str]:
    """The subject and body in the flagger's language: the reference and the link, and nothing about the flag."""
    with force_locale(LOCALES.get(language, "fi")):
        # Named `_` so that extraction finds the texts (a differently named alias would hide them from the catalogues).
        _ = selko_domain.gettext if language == "selko" else gettext
        subject = _("News about your report %(reference)s", reference=reference)
        lines = [
            _("There is news about your report %(reference)s in Valinta.", reference=reference),
            _("Log in to read it: %(link)s", link=link),
            "",
            _("For your privacy this e-mail does not say what the news is."),
            _("You get this e-mail because you asked to be told about your report by e-mail."),
            _("This message was sent automatically. Replies to it are not read."),
        ]
    return str(subject), "\n".join(str(line) for line in lines) + "\n"


def send_pending_emails(
    limit: int = 100,
    *,
    settings: MailSettings | None = None,
    now: datetime | None = None,
    stop: threading.Event | None = None,
) -> EmailCounts:
    """Try each pending e-mail that is due once, at most `limit` of them. With MAIL_URL empty, e-mail is off and
    nothing is touched (the rows stay pending: turning e-mail on later sends them)."""
    settings = settings or MailSettings.from_config(current_app.config)
    counts = EmailCounts()
    if not settings.enabled:
        return counts
    max_attempts = max(int(current_app.config.get("MAIL_MAX_ATTEMPTS", 5)), 1)
    retry = float(current_app.config.get("MAIL_RETRY_SECONDS", 60))
    due_by = now or utcnow()
    after_id = 0
    while counts.attempted < limit and not (stop and stop.is_set()):
        row = _claim_next(after_id, due_by, max_attempts, retry)
        if row is None:
            break
        notification, flag = row
        after_id = notification.id
        outcome = _attempt(notification, flag, settings, max_attempts)
        db.session.commit()  # releases the row lock; from here the outcome survives a crash
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    db.session.rollback()  # end the last claim's transaction when nothing was claimed
    return counts


def _claim_next(after_id: int, now: datetime, max_attempts: int, retry: float) -> tuple[FlagNotification, Flag] | None:
    # Attempt n + 1 is due once retry × (2^n − 1) seconds have passed since the notification was written.
    due = or_(
        *(
            and_(
                FlagNotification.email_attempts == attempts,
                FlagNotification.created_at <= now - timedelta(seconds=retry * (2**attempts - 1)),
            )
            for attempts in range(max_attempts)
        )
    )
    query = (
        select(FlagNotification, Flag)
        .join(Flag, Flag.id == FlagNotification.flag_id)
        .where(FlagNotification.email_status == "pending", FlagNotification.id > after_id, due)
        .order_by(FlagNotification.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=FlagNotification)
    row = db.session.execute(query).first()
    return (row[0], row[1]) if row is not None else None


def _attempt(notification: FlagNotification, flag: Flag, settings: MailSettings, max_attempts: int) -> str:
    """Send one e-mail and record the outcome on the row (not committed). Returns the EmailCounts field."""
    error, permanent = None, False
    try:
        if flag.contact_method != "email" or not flag.contact_email:
            raise MailError("the flagger no longer asks for e-mail", temporary=False)
        subject, body = compose(flag.reference, flag.language, flag_link(flag.reference))
        send_mail(settings, flag.contact_email, subject, body)
    except MailError as failure:
        error, permanent = str(failure), not failure.temporary
    except Exception as failure:  # a bug must not stop the other e-mails; the row records it and retries
        log.exception("flag e-mail %s: unexpected error", notification.id)
        error = f"unexpected {type(failure).__name__}"
    notification.email_attempts += 1
    if error is None:
        notification.email_status, notification.email_error = "sent", None
        log.info("flag e-mail %s sent (attempt %s)", notification.id, notification.email_attempts)
        return "sent"
    notification.email_error = error[:ERROR_LENGTH]
    if permanent or notification.email_attempts >= max_attempts:
        notification.email_status = "failed"
        log.warning("flag e-mail %s failed after %s attempts: %s", notification.id, notification.email_attempts, error)
        return "failed"
    log.info("flag e-mail %s failed (attempt %s): %s", notification.id, notification.email_attempts, error)
    return "retrying"


def run(
    *,
    forever: bool,
    interval: float = 60.0,
    stop: threading.Event | None = None,
    report: Callable[[EmailCounts], None] | None = None,
) -> EmailCounts:
    """Send what is due until nothing due is left; with `forever`, again every `interval` seconds until `stop`."""
    settings = MailSettings.from_config(current_app.config)  # a configuration mistake fails now
    stop = stop or threading.Event()
    total = EmailCounts()
    while True:
        try:
            cycle = EmailCounts()
            while True:
                batch = send_pending_emails(settings=settings, stop=stop)
                cycle += batch
                if batch.attempted < 100 or stop.is_set():
                    break
        except Exception:
            if not forever:
                raise
            db.session.rollback()  # the database went away or similar: the rows are the queue, try next cycle
            log.exception("flag e-mail cycle failed; trying again in %s s", interval)
        else:
            total += cycle
            if report is not None:
                report(cycle)
        if not forever or stop.wait(interval):
            return total
