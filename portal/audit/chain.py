"""Tamper evidence for the access log (`audit_event`): every row is sealed with a keyed hash over its own stored
fields and the hash of the row before it (the row with the next lower id), so an edited, deleted, inserted or
moved row breaks the chain at that point, and `flask --app portal audit verify` names it.

The seal (`chain_hash`, 64 hex characters) is two HMAC-SHA256 values, each cut to 128 bits:

- the row part, over the row's canonical serialisation (`canonical`): it changes when the row's content does;
- the link part, over the row part and the previous row's whole `chain_hash`: it changes when the row before it
  is no longer the one it was written after (a row deleted or inserted in between, or this row moved).

One HMAC over both would detect the same things; the two halves let `verify` say which of the two happened.
The key is derived from SECRET_KEY (or AUDIT_CHAIN_KEY when set) with HKDF and its own label, so whoever can only
write to the database cannot compute a seal that fits.

Rows written before the chain existed have no seal (NULL): they are legacy rows, counted and not checked, and
may only come before the first sealed row. The first sealed row links to the empty string ("the start").

Appending never forks the chain (`append`): on PostgreSQL every append takes one transaction-level advisory
lock first, held until the appending transaction commits or rolls back; on SQLite the row is inserted first,
which takes the database's single write lock for the rest of the transaction. In both cases the previous row is
read, and the new row's id assigned, while no other append can run.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from hashlib import sha256
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text, select, text, type_coerce
from sqlalchemy.orm import Session, scoped_session

from portal.models import AuditEvent
from portal.models._types import utcnow

VERSION = "audit-chain-v1"  # the first element of every serialisation: a new format gets a new label
START = ""  # what the first sealed row links to
# pg_advisory_xact_lock's key for appends to the access log: b"VALAUDIT" read as a big-endian bigint.
LOCK_KEY = int.from_bytes(b"VALAUDIT", "big")
_HALF = 16  # bytes kept of each HMAC-SHA256: 128 bits, half of its output (RFC 2104's advice on truncation)

AnySession = Session | scoped_session[Any]  # a session, or Flask-SQLAlchemy's db.session

# The sealed fields, in the order they are serialised; `chain_hash` itself is not among them.
SEALED_COLUMNS = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.action,
    AuditEvent.actor_kind,
    AuditEvent.actor_id,
    AuditEvent.subject_person_id,
    AuditEvent.request_id,
    AuditEvent.detail,
    AuditEvent.basis,
    AuditEvent.reason,
)

# One encoder for every row: json.dumps with options builds a new encoder on each call. ASCII only, so any text,
# even a lone surrogate, serialises; a JSON array of strings, integers and nulls reads back one way only.
_encode = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode


def chain_key(config: Mapping[str, Any]) -> bytes:
    """The chain's HMAC key: AUDIT_CHAIN_KEY when set, else SECRET_KEY, through HKDF with the chain's own label."""
    return _derive(config.get("AUDIT_CHAIN_KEY") or config["SECRET_KEY"])


@lru_cache(maxsize=4)
def _derive(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"valinta-audit-chain", info=b"audit_event chain_hash")
    return hkdf.derive(sha256(secret.encode()).digest())


def canonical(fields: Sequence[Any]) -> bytes:
    """The row's sealed fields (in SEALED_COLUMNS order) as bytes: a JSON array, the time in ISO 8601 with
    microseconds. `None` and "" differ, and no value can run into the next."""
    row_id, occurred_at, *rest = fields
    if isinstance(occurred_at, str):  # SQLite's stored text, as `verify` reads it there
        occurred_at = datetime.fromisoformat(occurred_at)
    return _encode([VERSION, row_id, occurred_at.isoformat(timespec="microseconds"), *rest]).encode()


def _row_part(key: bytes, fields: Sequence[Any]) -> bytes:
    return hmac.digest(key, b"row\x00" + canonical(fields), "sha256")[:_HALF]


def _link_part(key: bytes, row_part: bytes, previous: str | None) -> bytes:
    return hmac.digest(key, b"link\x00" + row_part + (previous or START).encode(), "sha256")[:_HALF]


def seal(key: bytes, fields: Sequence[Any], previous: str | None) -> str:
    """The `chain_hash` of a row with these sealed fields written after a row sealed `previous` (None: the start)."""
    row_part = _row_part(key, fields)
    return (row_part + _link_part(key, row_part, previous)).hex()


def sealed_fields(event: AuditEvent) -> tuple[Any, ...]:
    return tuple(getattr(event, column.key) for column in SEALED_COLUMNS)


def append(session: AnySession, event: AuditEvent, key: bytes) -> None:
    """Add `event` to the session as the newest row of the chain, sealed. The caller commits (or rolls back).

    PostgreSQL: the advisory lock is taken first and held to the end of the caller's transaction. Under it, one
    statement draws the new row's id from the sequence and reads the seal of the row before that id (READ
    COMMITTED: it sees every append committed before the lock was granted), and one INSERT writes the row sealed.
    The next append waits for this transaction to end, so it sees this row, and draws a higher id.
    SQLite: the insert comes first and takes the database's write lock, held to the end of the transaction;
    the row before it is read under that lock and the seal set (an UPDATE when the caller commits). The other
    appends wait for the lock (busy_timeout) and then see this row, sealed, as their previous one."""
    session.flush()  # the caller's own pending changes, before the lock: they may wait for row locks of their own
    if event.occurred_at is None:
        event.occurred_at = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_LOCK, {"key": LOCK_KEY})
        event.id, previous = session.execute(_PG_NEXT).one()
        event.chain_hash = seal(key, sealed_fields(event), previous)
        session.add(event)
        session.flush()
        return
    session.add(event)
    session.flush()  # the INSERT: the write lock, and the id
    previous = session.scalar(
        select(AuditEvent.chain_hash).where(AuditEvent.id < event.id).order_by(AuditEvent.id.desc()).limit(1)
    )
    event.chain_hash = seal(key, sealed_fields(event), previous)


_PG_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_PG_NEXT = text(
    "WITH new AS (SELECT nextval(pg_get_serial_sequence('audit_event', 'id')) AS id)"
    " SELECT new.id, (SELECT chain_hash FROM audit_event WHERE id < new.id ORDER BY id DESC LIMIT 1) FROM new"
)


# -- verifying --------------------------------------------------------------------------------------------------

# What is wrong with the first row that does not fit.
CONTENT = "content"  # its fields are not the ones it was sealed with (edited, or never written by the portal)
LINK = "link"  # it was sealed after another row than the one now before it (a row deleted, inserted or moved)
UNSEALED = "unsealed"  # no seal, though sealed rows come before it


@dataclass(frozen=True)
class Mismatch:
    id: int
    occurred_at: datetime | str  # as stored: text on SQLite when it is not a time
    action: str
    problem: str  # CONTENT, LINK or UNSEALED
    previous_id: int | None  # the row now before it, None when it is the first


@dataclass
class Report:
    verified: int = 0  # sealed rows that fit
    legacy: int = 0  # unsealed rows before the first sealed one
    first: Mismatch | None = None
    mismatches: int = 0  # rows that do not fit, the first included
    last_id: int | None = None  # the newest row, to keep elsewhere: rows cut off the end leave no trace in the chain
    last_hash: str | None = None

    @property
    def ok(self) -> bool:
        return self.first is None


def verify(session: AnySession, key: bytes, *, batch: int = 10_000) -> Report:
    """Stream the whole table in id order, `batch` rows per fetch (a server-side cursor on PostgreSQL: constant
    memory), and check every row's seal against its fields and the stored seal of the row before it."""
    report = Report()
    columns: list[Any] = list(SEALED_COLUMNS)
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps whatever is written into a column: read the time as stored text, so that a row whose time
        # is not one (written by hand) is a row that does not fit, not a failure to parse the whole table.
        columns[1] = type_coerce(AuditEvent.occurred_at, Text)
    statement = select(AuditEvent.chain_hash, *columns).order_by(AuditEvent.id)
    rows = session.execute(statement, execution_options={"yield_per": batch})
    previous: str | None = None
    previous_id: int | None = None
    chained = False
    digest = hmac.digest
    for row in rows:
        stored, fields = row[0], row[1:]
        if stored is None and not chained:
            report.legacy += 1
            previous_id = fields[0]
            continue
        problem = None
        if stored is None:
            problem = UNSEALED
        else:
            chained = True
            try:
                row_part = digest(key, b"row\x00" + canonical(fields), "sha256")[:_HALF]
            except (TypeError, ValueError):  # a value no row the portal wrote holds (SQLite: a blob, a time)
                row_part = b""
            if not isinstance(stored, str) or stored[: 2 * _HALF] != row_part.hex():
                problem = CONTENT
            elif stored[2 * _HALF :] != _link_part(key, row_part, previous).hex():
                problem = LINK
        if problem is None:
            report.verified += 1
        else:
            report.mismatches += 1
            if report.first is None:
                report.first = Mismatch(fields[0], fields[1], fields[2], problem, previous_id)
        previous, previous_id = stored, fields[0]
    report.last_id, report.last_hash = previous_id, previous
    return report
