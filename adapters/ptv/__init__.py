"""PTV (Suomi.fi Palvelutietovaranto) reader: files, directories or the live Open API into the portal's model.

Typical use by an importer that stores all or nothing:

    feed = read_feed("https://api.palvelutietovaranto.suomi.fi/api/v11", municipalities=["091"])
    items = list(feed)          # ServiceLocation, Service and Organisation objects; raises FeedError on failure
    feed.report.rejected        # RecordError per unusable record, to show to an administrator
    feed.report.removed_ids()   # ids whose publishing status says they are gone

Given what a catalogue stored (`StoredRecords`), a Feed yields `Unchanged(kind, id)` for each record whose source
text is the stored one, without parsing it (or, from files, decoding it): see `adapters.ptv.unchanged`.

Nothing here writes anywhere.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from adapters.ptv import v11
from adapters.ptv.client import PtvClient
from adapters.ptv.errors import FeedError, RecordError, RecordWarning
from adapters.ptv.model import Organisation, Service, ServiceLocation, link_producers
from adapters.ptv.sources import RawRecord, iter_records
from adapters.ptv.unchanged import StoredRecord, StoredRecords, Unchanged, source_digest

__all__ = [
    "Feed",
    "FeedError",
    "FeedReport",
    "Organisation",
    "PtvClient",
    "RecordError",
    "RecordWarning",
    "RemovedRecord",
    "Service",
    "ServiceLocation",
    "StoredRecord",
    "StoredRecords",
    "Unchanged",
    "link_producers",
    "parse_stored",
    "read_feed",
    "source_digest",
]

Item = ServiceLocation | Service | Organisation
KINDS = (v11.LOCATION, v11.SERVICE, v11.ORGANISATION)


def parse_stored(raw: dict) -> Item | None:
    """Rebuild the model object from a raw record a Feed gave out earlier (`Feed.last_raw`); None if the record
    no longer parses (it did when it was stored, so only a changed reader can make this happen)."""
    try:
        return v11.parse_record(raw).item
    except RecordError:
        return None


@dataclass(frozen=True, slots=True)
class RemovedRecord:
    kind: str  # service_location | service | organisation | channel (a removed channel of another or unknown type)
    id: str
    status: str  # the publishing status that says so: Deleted, Archived, Withdrawn, Modified, Draft ...


@dataclass
class FeedReport:
    """What reading one feed found, beyond the items themselves."""

    source: str
    counts: Counter[str] = field(default_factory=Counter)  # items yielded, per kind (the unchanged ones included)
    unchanged: Counter[str] = field(default_factory=Counter)  # records recognised as stored, per kind: not parsed
    skipped_channels: Counter[str] = field(default_factory=Counter)  # non-location channels, per channel type
    rejected: list[RecordError] = field(default_factory=list)
    removed: list[RemovedRecord] = field(default_factory=list)
    warnings: list[RecordWarning] = field(default_factory=list)
    duplicates: list[RemovedRecord] = field(default_factory=list)  # later copies of an id already yielded

    def removed_ids(self, kind: str | None = None) -> set[str]:
        return {r.id for r in self.removed if kind is None or r.kind == kind}

    def summary(self) -> str:
        counts = ", ".join(f"{self.counts[k]} {k}" for k in KINDS)
        skipped = sum(self.skipped_channels.values())
        # An unchanged record is not parsed again, so its warnings are counted only by the run that stored it.
        unchanged = f"{sum(self.unchanged.values())} unchanged (not read again); " if self.unchanged else ""
        return (
            f"{self.source}: {counts}; {unchanged}{skipped} other channels skipped; {len(self.rejected)} rejected; "
            f"{len(self.removed)} removed; {len(self.warnings)} warnings; {len(self.duplicates)} duplicates"
        )


ClientFactory = Callable[[str], PtvClient]


class Feed:
    """One reading of a feed. Iterate it once for the items; `report` fills in as the iteration goes.

    `source` is a file, a directory, or the http(s) root of the Open API. For the API, give `municipalities`
    (full records of their channels and services, the bulk route) and/or `since` (records changed since then,
    plus channels archived or withdrawn since then, for an incremental sync). The organisations that the read
    locations and services refer to are then fetched too.

    With `stored`, a record whose source text a catalogue stored is yielded as `Unchanged(kind, id)` instead of
    being parsed; `last_text` and `last_digest` then give the source text and digest of each item yielded.
    """

    def __init__(
        self,
        source: str | Path,
        *,
        municipalities: Sequence[str] = (),
        since: datetime | None = None,
        client_factory: ClientFactory = PtvClient,
        stored: StoredRecords | None = None,
    ) -> None:
        self.source = source
        self.is_remote = isinstance(source, str) and source.lower().startswith(("http://", "https://"))
        if self.is_remote and not municipalities and since is None:
            raise ValueError("reading the PTV API needs municipalities=[...] and/or since=...")
        if not self.is_remote and (municipalities or since is not None):
            raise ValueError("municipalities and since apply only to an http(s) source")
        if isinstance(municipalities, str):
            raise ValueError("municipalities must be a list of codes, not one string")
        if since is not None and since.tzinfo is None:
            raise ValueError("since must be timezone-aware (PTV's date filter is in UTC)")
        self.municipalities = tuple(municipalities)
        self.since = since
        self.client_factory = client_factory
        self.stored = stored
        self.report = FeedReport(str(source))
        self._seen: dict[str, set[str]] = {kind: set() for kind in KINDS}
        self._referenced_organisations: set[str] = set()
        self._started = False
        # The source record of the item last yielded: the importer keeps it so a page can be re-read later.
        self.last_raw: dict | None = None
        self.last_text: str | None = None  # its JSON text as read, or re-encoded when it came decoded (the API)
        self.last_digest: str | None = None  # `stored.digest(last_text)`; None without `stored`

    def __iter__(self) -> Iterator[Item | Unchanged]:
        if self._started:
            raise RuntimeError("a Feed can be iterated only once; create a new one to read again")
        self._started = True
        if not self.is_remote:
            yield from self._consume(iter_records(self.source, self.stored))
            return
        client = self.client_factory(str(self.source))
        try:
            yield from self._consume(self._remote_records(client))
            missing = sorted(self._referenced_organisations - self._seen[v11.ORGANISATION])
            yield from self._consume(
                RawRecord(r, f"{client.base_url} organisations") for r in client.organisations(missing)
            )
            if self.since is not None:
                for status in ("Archived", "Withdrawn"):
                    for channel_id in client.removed_channel_ids(self.since, status):
                        self.report.removed.append(RemovedRecord(v11.CHANNEL, channel_id, status))
        finally:
            client.close()

    def _remote_records(self, client: PtvClient) -> Iterator[RawRecord]:
        base = client.base_url
        for code in self.municipalities:
            yield from (
                RawRecord(r, f"{base} municipality {code} channels")
                for r in client.service_locations_in_municipality(code)
            )
            yield from (
                RawRecord(r, f"{base} municipality {code} services") for r in client.services_in_municipality(code)
            )
        if self.since is not None:
            changed = client.channels(client.changed_service_location_ids(self.since))
            yield from (RawRecord(r, f"{base} changed channels") for r in changed)
            yield from (
                RawRecord(r, f"{base} changed services")
                for r in client.services(client.changed_service_ids(self.since))
            )
            changed_orgs = client.organisations(client.changed_organisation_ids(self.since))
            yield from (RawRecord(r, f"{base} changed organisations") for r in changed_orgs)

    def _consume(self, records: Iterable[RawRecord]) -> Iterator[Item | Unchanged]:
        report = self.report
        stored = self.stored
        for raw in records:
            known, text, digest = raw.known, raw.text, None
            if known is None and stored is not None:
                if text is None:
                    text = json.dumps(raw.data, ensure_ascii=False)
                digest = stored.digest(text)
                known = stored.recognise(text)
            if known is not None:
                if known.id in self._seen[known.kind]:
                    report.duplicates.append(RemovedRecord(known.kind, known.id, raw.origin))
                    continue
                self._seen[known.kind].add(known.id)
                if self.is_remote:  # the organisations it refers to are fetched as before
                    self._referenced_organisations.update(v11.organisation_references(raw.data))
                report.counts[known.kind] += 1
                report.unchanged[known.kind] += 1
                yield known
                continue
            try:
                parsed = v11.parse_record(raw.data)
            except RecordError as error:
                error.origin = raw.origin
                report.rejected.append(error)
                continue
            report.warnings.extend(parsed.warnings)
            if parsed.removed:
                report.removed.append(RemovedRecord(parsed.kind, parsed.record_id, parsed.status or ""))
            elif parsed.item is None:
                report.skipped_channels[parsed.channel_type or "?"] += 1
            elif parsed.record_id in self._seen[parsed.kind]:
                # Live paging can repeat a record (one that serves several municipalities, or pages shifting while
                # read): the first copy wins so the result does not depend on how often a record was seen.
                report.duplicates.append(RemovedRecord(parsed.kind, parsed.record_id, raw.origin))
            else:
                self._seen[parsed.kind].add(parsed.record_id)
                self._note_references(parsed.item)
                report.counts[parsed.kind] += 1
                self.last_raw, self.last_text, self.last_digest = raw.data, text, digest
                yield parsed.item

    def _note_references(self, item: Item) -> None:
        if isinstance(item, ServiceLocation):
            self._referenced_organisations.add(item.organisation_id)
        elif isinstance(item, Service):
            self._referenced_organisations.update(item.responsible_organisation_ids)
            self._referenced_organisations.update(p.organisation_id for p in item.producers if p.organisation_id)


def read_feed(
    source: str | Path,
    *,
    municipalities: Sequence[str] = (),
    since: datetime | None = None,
    client_factory: ClientFactory = PtvClient,
    stored: StoredRecords | None = None,
) -> Feed:
    """A `Feed` over `source`; iterate it for the items, then read `.report`. See `Feed`."""
    return Feed(source, municipalities=municipalities, since=since, client_factory=client_factory, stored=stored)
