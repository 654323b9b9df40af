"""Demo data for `make run`: idempotent, so a second run keeps existing data."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from flask import current_app

from portal.auth.services import resident_from_claims
from portal.catalogue.importer import import_catalogue
from portal.catalogue.overlay import load_overlay
from portal.demo.overlay import write_demo_overlay
from portal.demo.personas import RESIDENTS
from portal.demo.ptv_feed import write_demo_feed
from portal.extensions import db


def load_demo_data(today: date | None = None) -> Iterator[str]:
    issuer = current_app.config["RESIDENT_OIDC_ISSUER"]
    # Residents exist before their first login so help-line staff can find them as callers.
    for persona in RESIDENTS:
        resident_from_claims({"sub": persona.sub, **persona.claims}, issuer, logging_in=False)
    db.session.commit()
    yield f"{len(RESIDENTS)} demo residents ready."

    feed_dir = Path(current_app.instance_path) / "demo-feed"
    shutil.rmtree(feed_dir, ignore_errors=True)
    today = today or date.today()
    write_demo_feed(feed_dir, today)
    result = import_catalogue(feed_dir)
    counts = result.counts
    yield (
        f"Demo catalogue: {counts['location_read']} service locations "
        f"({counts['location_added']} added, {counts['location_changed']} changed), "
        f"{counts['service_read']} services, {counts['organisation_read']} organisations."
    )

    overlay_path = Path(current_app.instance_path) / "demo-overlay.csv"
    write_demo_overlay(overlay_path, today)
    loaded = load_overlay(overlay_path)
    yield (
        f"Demo overlay: {loaded.counts['entries']} approved locations "
        f"({loaded.counts['added']} added, {loaded.counts['changed']} changed)."
    )

    from portal.demo.listings import load_demo_listings

    added = load_demo_listings(today)
    yield f"Demo listings: {added} added for the demo residents."

    from portal.demo.mandates import load_demo_mandates

    added = load_demo_mandates(today)
    yield f"Demo mandates: {added} added (Sari Nieminen for Helmi Nieminen: balances and flags)."

    from portal.demo.wallet import load_demo_wallet

    wallet = load_demo_wallet(today, Path(current_app.instance_path) / "demo-wallet.json").counts
    yield (
        f"Demo wallet, synced from the fake voucher API: {wallet.get('vouchers_read', 0)} vouchers "
        f"({wallet.get('vouchers_added', 0)} added, {wallet.get('vouchers_changed', 0)} changed), "
        f"{wallet.get('budgets_read', 0)} budget with {wallet.get('transactions_added', 0)} transactions added."
    )

    from portal.demo.feedback import load_demo_feedback

    added = load_demo_feedback(today)
    yield f"Demo feedback: {added} answers added (a score for Järvenpää's sote centre, too few for its dental unit)."

    from portal.demo.flags import load_demo_flags

    added = load_demo_flags(today)
    yield f"Demo flags: {added} added (Aino's in review, Helmi's sent by Sari, Erik's closed, and older ones)."

    from portal.demo.chat import load_demo_chat

    load_demo_chat(today)
    yield "Demo help line: open every day 7–22 (closed on Christmas Eve); log in as a help-line worker to go on duty."
