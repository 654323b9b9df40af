"""Import vouchers and personal budgets from the organiser's voucher system: completely or not at all.

Three ways in (docs/wallet-format.md), one importer: `import_files` for a JSON export or the CSV files of one,
`sync_wallet` for the system's HTTP API, both through `import_records`. Every record is validated
(adapters/wallet_format.py); its holder must be a person the portal knows by the keyed hash of the identity code,
and is never guessed. Any refused record refuses the whole import: nothing is written, and the report names every
refused record by its own id and the field. A provider the catalogue does not have is a warning only: the record
is stored and the wallet shows that provider without a link.

The source system deletes nothing, so neither does an import: a record absent from an export is left as it is.
A record is compared with the stored one by a hash of its validated, canonical form: an unchanged one is skipped
without a write, so importing the same export twice changes nothing. A changed voucher is updated in place with its
providers replaced; a changed budget is updated with its allocations replaced and its transactions updated in place
by their ids (a cancelled payment stays one row, now cancelled), new ones added, absent ones left alone.

At scale the records are streamed (a JSON export is never in memory whole), and written in chunks with bulk
statements inside one database transaction; the stored hashes are read in one query first.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import Table, delete, insert, select, update

from adapters.wallet_format import (
    BudgetRecord,
    HolderSettings,
    Problem,
    RawRecord,
    VoucherRecord,
    WalletFormatError,
    content_hash,
    parse_record,
    read_export,
)
from adapters.wallet_http import WalletApiClient, WalletApiError
from portal.extensions import db
from portal.models import (
    Budget,
    BudgetAllocation,
    BudgetTransaction,
    CatalogueLocation,
    CatalogueOrganisation,
    Person,
    Voucher,
    VoucherProvider,
    WalletImport,
)
from portal.models._types import new_public_id, utcnow

# Hashed into every content_hash: a change in how records are stored rewrites records whose source is unchanged.
STORAGE_VERSION = "wallet-1:"
CHUNK_RECORDS = 500  # records validated, looked up and written together
CHUNK_TRANSACTIONS = 20_000  # or fewer records, when their budgets carry this many transactions
REPORT_LIMIT = 200  # problems kept in the report; `counts` has the number of all of them
TRANSACTION_COLUMNS = ("day", "provider_id", "provider_name", "service_code", "amount_cents", "status")

log = logging.getLogger(__name__)
# The tables, for Core's bulk statements (executemany; the ORM's unit of work would be several times slower).
VOUCHERS = cast(Table, Voucher.__table__)
VOUCHER_PROVIDERS = cast(Table, VoucherProvider.__table__)
BUDGETS = cast(Table, Budget.__table__)
ALLOCATIONS = cast(Table, BudgetAllocation.__table__)
TRANSACTIONS = cast(Table, BudgetTransaction.__table__)


@dataclass
class WalletImportResult:
    run_id: int
    outcome: str  # imported, refused (a record was refused: nothing written) or failed (the source was unreadable)
    source: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # why it was refused or failed; at most REPORT_LIMIT
    warnings: list[Problem] = field(default_factory=list)  # imported anyway (unknown providers)
    since_token: str | None = None  # after a sync: the API's token for the next one

    @property
    def imported(self) -> bool:
        return self.outcome == "imported"

    @property
    def changed_anything(self) -> bool:
        return any(v for k, v in self.counts.items() if k.endswith(("_added", "_changed")))

    def report_lines(self) -> list[str]:
        return [str(problem) for problem in self.problems + self.warnings]


def holder_settings() -> HolderSettings:
    return HolderSettings(current_app.config["HETU_HASH_KEY"], bool(current_app.config["HETU_ALLOW_TEMPORARY"]))


def import_files(paths: Sequence[str | Path]) -> WalletImportResult:
    """Import one JSON export, or the CSV files of one export, all or nothing."""
    source = ", ".join(str(path) for path in paths)
    try:
        records = read_export(paths)
    except WalletFormatError as error:
        return _failed(source, error.problems)
    return import_records(records, source)


def sync_wallet(
    base_url: str,
    *,
    since: str | None = None,
    token: str | None = None,
    client: WalletApiClient | None = None,
) -> WalletImportResult:
    """Import what the voucher system's API has changed since `since` (everything when None), all or nothing; the
    run keeps the API's token for the next sync (`last_since_token`)."""
    source = api_source(base_url)
    config = current_app.config
    own = client is None
    api = client or WalletApiClient(
        base_url,
        token if token is not None else config.get("WALLET_API_TOKEN", ""),
        timeout=float(config.get("WALLET_API_TIMEOUT_SECONDS", 10)),
        max_retries=int(config.get("WALLET_API_MAX_RETRIES", 3)),
        page_size=int(config.get("WALLET_API_PAGE_SIZE", 500)),
    )
    try:
        return import_records(api.records(since), source, since_token=lambda: api.since_token)
    finally:
        if own:
            api.close()


def api_source(url: str) -> str:
    """The URL as a run's source: without credentials or a query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))[:300]


def last_since_token(base_url: str) -> str | None:
    """The token of the last successful sync from this API, for a sync without --since."""
    query = (
        select(WalletImport.since_token)
        .where(
            WalletImport.source == api_source(base_url),
            WalletImport.outcome == "imported",
            WalletImport.since_token.is_not(None),
        )
        .order_by(WalletImport.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def import_records(
    records: Iterable[RawRecord],
    source: str,
    *,
    since_token: Callable[[], str | None] | None = None,
) -> WalletImportResult:
    """The importer behind the three ways in: `records` are read, validated and written in one transaction that is
    committed only when every record was accepted. A WalletFormatError or WalletApiError while reading makes a
    failed run; any other error rolls back and is raised."""
    run = _Run(holder_settings())
    try:
        for raw in records:
            run.add(raw)
        run.flush()
    except (WalletFormatError, WalletApiError) as error:
        db.session.rollback()
        problems = error.problems if isinstance(error, WalletFormatError) else [Problem("api_error", str(error))]
        return _failed(source, problems, run.counts)
    except BaseException:
        db.session.rollback()
        raise
    warnings = run.warnings()
    run.counts["warnings"] = len(warnings)
    if run.refused:
        db.session.rollback()
        return _record(source, "refused", run.counts, run.problems, warnings, None)
    token = since_token() if since_token else None
    return _record(source, "imported", run.counts, [], warnings, token)


def _failed(source: str, problems: list[Problem], counts: Counter | None = None) -> WalletImportResult:
    counts = counts if counts is not None else Counter()
    counts["errors"] = len(problems)
    return _record(source, "failed", counts, problems, [], None)


def _record(
    source: str,
    outcome: str,
    counts: Counter,
    problems: list[Problem],
    warnings: list[Problem],
    token: str | None,
) -> WalletImportResult:
    """Write the run (in the import's transaction, or alone after a rollback) and commit."""
    shown = problems[:REPORT_LIMIT] + warnings[:REPORT_LIMIT]
    row = WalletImport(
        source=source[:300],
        outcome=outcome,
        counts=json.dumps(dict(counts), sort_keys=True),
        report=json.dumps([p.as_dict() for p in shown], ensure_ascii=False),
        since_token=token,
    )
    db.session.add(row)
    db.session.commit()
    log.info("wallet import %s from %s: %s", outcome, source, json.dumps(dict(counts), sort_keys=True))
    return WalletImportResult(
        row.id, outcome, source, dict(counts), problems[:REPORT_LIMIT], warnings[:REPORT_LIMIT], token
    )


@dataclass
class _Pending:
    record: VoucherRecord | BudgetRecord
    raw: RawRecord
    digest: str
    row_id: int | None  # the stored row's id when the record changed
    holder_id: int | None = None


class _Run:
    """One import's state: what is stored, what was seen, what is waiting to be written, what was refused."""

    def __init__(self, holders: HolderSettings) -> None:
        self.holders = holders
        self.counts: Counter = Counter()
        self.problems: list[Problem] = []
        self.refused = False
        self.stored = {
            "voucher": {sid: (rid, digest) for rid, sid, digest in db.session.execute(
                select(Voucher.id, Voucher.source_id, Voucher.content_hash))},
            "budget": {sid: (rid, digest) for rid, sid, digest in db.session.execute(
                select(Budget.id, Budget.source_id, Budget.content_hash))},
        }  # fmt: skip
        self.catalogue = set(db.session.scalars(select(CatalogueLocation.id))) | set(
            db.session.scalars(select(CatalogueOrganisation.id))
        )
        self.seen: dict[str, set[str]] = {"voucher": set(), "budget": set()}
        self.unknown_providers: dict[str, tuple[int, str, str, str]] = {}  # id -> (records, kind, first id, field)
        self.pending: list[_Pending] = []
        self.pending_transactions = 0

    # reading

    def refuse(self, problems: Iterable[Problem]) -> None:
        self.refused = True
        self.counts["records_refused"] += 1
        for problem in problems:
            self.counts["errors"] += 1
            if len(self.problems) < REPORT_LIMIT:
                self.problems.append(problem)

    def add(self, raw: RawRecord) -> None:
        kind = raw.kind
        self.counts[f"{kind}s_read"] += 1
        parsed = parse_record(raw, self.holders)
        if isinstance(parsed, list):
            self.refuse(parsed)
            return
        if parsed.id in self.seen[kind]:
            self.refuse([Problem("duplicate_id", f"a second {kind} with this id", "id", kind, parsed.id, raw.where)])
            return
        self.seen[kind].add(parsed.id)
        self._check_providers(parsed)
        digest = content_hash(parsed, STORAGE_VERSION)
        stored = self.stored[kind].get(parsed.id)
        if stored is not None and stored[1] == digest:
            self.counts[f"{kind}s_unchanged"] += 1
            if isinstance(parsed, BudgetRecord):
                self.counts["transactions_unchanged"] += len(parsed.transactions)
            return
        self.pending.append(_Pending(parsed, raw, digest, stored[0] if stored else None))
        if isinstance(parsed, BudgetRecord):
            self.pending_transactions += len(parsed.transactions)
        if len(self.pending) >= CHUNK_RECORDS or self.pending_transactions >= CHUNK_TRANSACTIONS:
            self.flush()

    def _check_providers(self, record: VoucherRecord | BudgetRecord) -> None:
        if isinstance(record, VoucherRecord):
            kind, found = "voucher", ((f"providers[{n}].id", p.id) for n, p in enumerate(record.providers))
        else:
            kind, found = "budget", ((f"transactions[{n}].provider.id", t.provider.id) for n, t in enumerate(
                record.transactions))  # fmt: skip
        unknown = {
            provider_id: path for path, provider_id in reversed(list(found)) if provider_id not in self.catalogue
        }
        for provider_id, path in unknown.items():
            entry = self.unknown_providers.get(provider_id)
            if entry is None:
                self.unknown_providers[provider_id] = (1, kind, record.id, path)
            else:
                self.unknown_providers[provider_id] = (entry[0] + 1, *entry[1:])

    def warnings(self) -> list[Problem]:
        found = []
        for provider_id, (records, kind, first, path) in sorted(self.unknown_providers.items()):
            more = f" (and {records - 1} more records)" if records > 1 else ""
            reason = f"provider {provider_id} is not in the catalogue: shown without a link{more}"
            found.append(Problem("unknown_provider", reason, path, kind, first, severity="warning"))
        return found

    # writing

    def flush(self) -> None:
        pending, self.pending, self.pending_transactions = self.pending, [], 0
        if not pending:
            return
        hashes = {item.record.holder_hash for item in pending}
        people = dict(db.session.execute(select(Person.hetu_hash, Person.id).where(Person.hetu_hash.in_(hashes))).all())
        for item in pending:
            item.holder_id = people.get(item.record.holder_hash)
            if item.holder_id is None:
                reason = "the portal knows no person with this identity code; the record is not matched to anyone"
                where = item.raw.where_of("holder")
                self.refuse([Problem("unknown_holder", reason, "holder", item.raw.kind, item.record.id, where)])
        if self.refused:
            return  # nothing more is written; the rest is read only to report every refused record
        vouchers = [item for item in pending if isinstance(item.record, VoucherRecord)]
        budgets = [item for item in pending if isinstance(item.record, BudgetRecord)]
        if vouchers:
            self._write_vouchers(vouchers)
        if budgets:
            self._write_budgets(budgets)

    def _write_vouchers(self, items: list[_Pending]) -> None:
        new = [item for item in items if item.row_id is None]
        changed = [item for item in items if item.row_id is not None]
        ids: dict[str, int] = {}
        if new:
            table = VOUCHERS
            rows = [{**_voucher_row(item), "source_id": item.record.id, "public_id": new_public_id()} for item in new]
            statement = insert(table).returning(table.c.id, table.c.source_id, sort_by_parameter_order=True)
            ids.update((sid, rid) for rid, sid in db.session.execute(statement, rows))
            self.counts["vouchers_added"] += len(new)
        if changed:
            db.session.execute(update(Voucher), [{"id": item.row_id, **_voucher_row(item)} for item in changed])
            changed_ids = [item.row_id for item in changed]
            db.session.execute(delete(VoucherProvider).where(VoucherProvider.voucher_id.in_(changed_ids)))
            ids.update((item.record.id, item.row_id) for item in changed if item.row_id is not None)
            self.counts["vouchers_changed"] += len(changed)
        providers = [
            {
                "voucher_id": ids[item.record.id],
                "provider_id": provider.id,
                "provider_name": provider.name,
                "price_cents": provider.price,
            }
            for item in items
            if isinstance(item.record, VoucherRecord)
            for provider in item.record.providers
        ]
        if providers:
            db.session.execute(insert(VOUCHER_PROVIDERS), providers)

    def _write_budgets(self, items: list[_Pending]) -> None:
        new = [item for item in items if item.row_id is None]
        changed = [item for item in items if item.row_id is not None]
        ids: dict[str, int] = {}
        if new:
            table = BUDGETS
            rows = [{**_budget_row(item), "source_id": item.record.id, "public_id": new_public_id()} for item in new]
            statement = insert(table).returning(table.c.id, table.c.source_id, sort_by_parameter_order=True)
            ids.update((sid, rid) for rid, sid in db.session.execute(statement, rows))
            self.counts["budgets_added"] += len(new)
        existing: dict[tuple[int, str], tuple[int, tuple]] = {}
        if changed:
            changed_ids = [item.row_id for item in changed]
            db.session.execute(update(Budget), [{"id": item.row_id, **_budget_row(item)} for item in changed])
            db.session.execute(delete(BudgetAllocation).where(BudgetAllocation.budget_id.in_(changed_ids)))
            columns = [getattr(BudgetTransaction, name) for name in TRANSACTION_COLUMNS]
            query = select(BudgetTransaction.id, BudgetTransaction.budget_id, BudgetTransaction.source_id, *columns)
            for row in db.session.execute(query.where(BudgetTransaction.budget_id.in_(changed_ids))):
                existing[(row[1], row[2])] = (row[0], tuple(row[3:]))
            ids.update((item.record.id, item.row_id) for item in changed if item.row_id is not None)
            self.counts["budgets_changed"] += len(changed)
        allocations, inserts, updates = [], [], []
        for item in items:
            record = cast(BudgetRecord, item.record)
            budget_id = ids[record.id]
            allocations += [
                {
                    "budget_id": budget_id,
                    "service_code": allocation.service.code,
                    "service_name_fi": allocation.service.name.fi,
                    "service_name_sv": allocation.service.name.sv,
                    "service_name_en": allocation.service.name.en,
                    "amount_cents": allocation.amount,
                }
                for allocation in record.allocations
            ]
            for transaction in record.transactions:
                values = (
                    transaction.day,
                    transaction.provider.id,
                    transaction.provider.name,
                    transaction.service_code,
                    transaction.amount,
                    transaction.status,
                )
                held = existing.get((budget_id, transaction.id))
                if held is None:
                    inserts.append({"budget_id": budget_id, "source_id": transaction.id, **_columns(values)})
                elif held[1] != values:
                    updates.append({"id": held[0], **_columns(values)})
                else:
                    self.counts["transactions_unchanged"] += 1
        if allocations:
            db.session.execute(insert(ALLOCATIONS), allocations)
        if inserts:
            db.session.execute(insert(TRANSACTIONS), inserts)
        if updates:
            db.session.execute(update(BudgetTransaction), updates)
        self.counts["transactions_added"] += len(inserts)
        self.counts["transactions_changed"] += len(updates)


def _columns(values: tuple) -> dict[str, Any]:
    return dict(zip(TRANSACTION_COLUMNS, values, strict=True))


def _voucher_row(item: _Pending) -> dict[str, Any]:
    record = cast(VoucherRecord, item.record)
    return {
        "holder_id": item.holder_id,
        "service_code": record.service.code,
        "service_name_fi": record.service.name.fi,
        "service_name_sv": record.service.name.sv,
        "service_name_en": record.service.name.en,
        "kind": record.kind,
        "unit": record.unit,
        "value_per_unit_cents": record.value_per_unit,
        "value_total_cents": record.value_total,
        "units_granted": record.units_granted,
        "units_used": record.units_used,
        "used_cents": record.used,
        "valid_from": record.valid_from,
        "valid_to": record.valid_to,
        "decision_ref": record.decision_ref,
        "refused_on": record.refused_on,
        "content_hash": item.digest,
        "updated_at": utcnow(),
    }


def _budget_row(item: _Pending) -> dict[str, Any]:
    record = cast(BudgetRecord, item.record)
    return {
        "holder_id": item.holder_id,
        "period_start": record.period.start,
        "period_end": record.period.end,
        "total_cents": record.total,
        "decision_ref": record.decision_ref,
        "refused_on": record.refused_on,
        "content_hash": item.digest,
        "updated_at": utcnow(),
    }
