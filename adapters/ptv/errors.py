"""Errors and notes the PTV reader reports.

Two levels on purpose: a `FeedError` means the feed as a whole cannot be trusted (unreadable file, API
unreachable), so the caller must not store anything from it; a `RecordError` means one record is unusable and the
caller skips just that record. A `RecordWarning` is softer still: the record was read, but one part of it (an
hours entry, an unknown enum value) was left out, and the report says which.
"""

from __future__ import annotations

from dataclasses import dataclass


class FeedError(Exception):
    """The whole feed (file, directory or remote API) could not be read.

    `status` is the HTTP status when the failure came from the API, otherwise None.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RecordError(Exception):
    """One record cannot be used. `field` is a JSON path inside the record, e.g. `addresses[0].streetAddress`.

    `origin` says where the record came from (file and position, or URL); the feed fills it in.
    """

    def __init__(self, record_id: str | None, field: str, reason: str, *, origin: str | None = None) -> None:
        super().__init__(record_id, field, reason)
        self.record_id = record_id
        self.field = field
        self.reason = reason
        self.origin = origin

    def __str__(self) -> str:
        where = f" (in {self.origin})" if self.origin else ""
        return f"record {self.record_id or '<no id>'}: {self.field or '<record>'}: {self.reason}{where}"


@dataclass(frozen=True, slots=True)
class RecordWarning:
    """A part of a record that was read around: the record itself was kept."""

    record_id: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"record {self.record_id}: {self.field}: {self.reason}"
