"""Recognising the records a catalogue already holds by their source text, so a re-read skips them unparsed.

A record's source text is its JSON exactly as it stands in the feed (the characters between the array's commas, or
the whole file for a one-record file); a record from the API is re-encoded, since the client decodes whole pages.
An importer stores `source_digest(text, version)` and `len(text)` with each row. On the next read, a record that
begins with `{"id": "<an id the catalogue holds>"` (as PTV writes them) is tried as the stored length's worth of
characters: when those hash to the stored digest it is the same record, complete and valid (the stored text was
decoded whole when it was stored, and a JSON object ends at its closing brace), and is neither decoded nor parsed.
Any other record is decoded, and recognised by the hash of its text all the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass


def source_digest(text: str, version: str = "") -> str:
    # surrogatepass: a record from the API may hold a lone surrogate ("\ud800"), which UTF-8 cannot otherwise encode.
    return hashlib.sha256((version + text).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Unchanged:
    """Yielded by a Feed in place of an item whose source text is the one the catalogue stored."""

    kind: str  # service_location | service | organisation
    id: str


@dataclass(frozen=True, slots=True)
class StoredRecord:
    kind: str
    id: str
    digest: str  # source_digest(text, version) of the text it was stored from
    length: int | None  # len(text); None when not known (a row stored before lengths were kept)


class StoredRecords:
    """The records a catalogue holds, as a Feed recognises them. `version` goes into every digest, so an importer
    whose own rules changed (not the feed) can have every record read again by changing it."""

    def __init__(self, records: Iterable[StoredRecord], version: str = "") -> None:
        self.version = version
        self._by_digest: dict[str, Unchanged] = {}
        self._lengths: dict[str, int] = {}
        for record in records:
            self._by_digest[record.digest] = Unchanged(record.kind, record.id)
            if record.length:
                self._lengths[record.id] = record.length

    def digest(self, text: str) -> str:
        return source_digest(text, self.version)

    def recognise(self, text: str) -> Unchanged | None:
        """The stored record whose source text this is, if any."""
        return self._by_digest.get(self.digest(text))

    def length(self, record_id: str) -> int | None:
        """How long the stored source text of `record_id` is: where the record ends if it is unchanged."""
        return self._lengths.get(record_id)
