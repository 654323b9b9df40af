"""Which providers the flag form offers: the person's own (listings, voucher providers, budget providers), and units
found in the service catalogue. Reads only."""

from __future__ import annotations

from sqlalchemy import select

from portal.choice.services import listings
from portal.compare.index import current_index
from portal.compare.names import content_language_of, unit_names
from portal.compare.search import SearchQuery, search
from portal.extensions import db
from portal.models import Budget, BudgetTransaction
from portal.wallet.services import vouchers

SEARCH_RESULTS = 10


def own_providers(person_id: int, language: str) -> dict[str, str]:
    """Provider id → name as the reader sees it: listed units first, then voucher and budget providers."""
    stored: dict[str, tuple[str | None, str | None]] = {}
    for state in listings(person_id).values():
        for choice in (state.current, state.pending):
            if choice is not None:
                stored.setdefault(choice.location_id, (choice.unit_name_fi, choice.unit_name_sv))
    source_names: dict[str, str] = {}
    for voucher in vouchers(person_id):
        for provider in voucher.providers:
            source_names.setdefault(provider.provider_id, provider.provider_name)
    rows = db.session.execute(
        select(BudgetTransaction.provider_id, BudgetTransaction.provider_name)
        .join(Budget, Budget.id == BudgetTransaction.budget_id)
        .where(Budget.holder_id == person_id)
        .distinct()
    )
    for provider_id, name in rows:
        source_names.setdefault(provider_id, name)
    ids = [*stored, *(pid for pid in source_names if pid not in stored)]
    names = unit_names(ids, language, stored)
    return {pid: names[pid].text or source_names.get(pid) or pid for pid in ids}


def catalogue_names(ids: list[str], language: str) -> dict[str, str]:
    """The ids that are catalogue units, with their names."""
    index = current_index()
    known = [pid for pid in ids if pid in index.position]
    return {pid: name.text for pid, name in unit_names(known, language).items() if name.text}


def search_catalogue(text: str, language: str) -> dict[str, str]:
    """Units whose name or place matches `text` (the compare page's typo-tolerant search), best first."""
    if not text.strip():
        return {}
    index = current_index()
    result = search(index, SearchQuery(q=text.strip()), content_language_of(language), None, per_page=SEARCH_RESULTS)
    return catalogue_names([summary.id for summary in result.summaries], language)
