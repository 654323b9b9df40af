"""`flask --app portal wallet import FILE...` and `flask --app portal wallet sync URL`: the voucher system's data in,
all or nothing (portal/wallet/importer.py, docs/wallet-format.md). A refused or failed run exits with status 1 and
prints why, record by record."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.wallet.importer import WalletImportResult, import_files, last_since_token, sync_wallet

wallet_cli = AppGroup("wallet", help="Vouchers and personal budgets from the organiser's voucher system.")

COUNTED = ("vouchers", "budgets", "transactions")


def _summary(result: WalletImportResult) -> list[str]:
    counts = result.counts
    lines = []
    for kind in COUNTED:
        read = counts.get(f"{kind}_read")
        parts = [f"{read} read"] if read is not None else []
        parts += [f"{counts.get(f'{kind}_{what}', 0)} {what}" for what in ("added", "changed", "unchanged")]
        lines.append(f"{kind:>13}: " + ", ".join(parts))
    return lines


def _report(result: WalletImportResult) -> None:
    if result.imported:
        for line in _summary(result):
            click.echo(line)
        if result.warnings:
            click.echo(f"{len(result.warnings)} warnings (imported anyway):")
            for problem in result.warnings:
                click.echo(f"  - {problem}")
        if result.since_token:
            click.echo(f"Next sync continues from {result.since_token}.")
        return
    what = "refused" if result.outcome == "refused" else "failed"
    refused = result.counts.get("records_refused", 0)
    head = f"Import {what}; nothing was changed."
    if refused:
        head += f" {refused} records refused, {result.counts.get('errors', 0)} problems"
        if result.counts.get("errors", 0) > len(result.problems):
            head += f" (the first {len(result.problems)} below)"
        head += "."
    lines = [head] + [f"  - {problem}" for problem in result.problems]
    raise click.ClickException("\n".join(lines))


@wallet_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def import_command(files: tuple[str, ...]) -> None:
    """Import FILES: one JSON export, or the CSV files of one export (told apart by their headers)."""
    _report(import_files(files))


@wallet_cli.command("sync")
@click.argument("url")
@click.option("--since", help="The API's token to read changes after (default: the token of the last sync).")
@click.option("--full", is_flag=True, help="Read everything, not only the changes since the last sync.")
def sync_command(url: str, since: str | None, full: bool) -> None:
    """Import what the voucher system's API at URL has changed, all or nothing."""
    if since is not None and full:
        raise click.UsageError("--since and --full cannot go together")
    if since is None and not full:
        since = last_since_token(url)
    click.echo(f"Reading changes since {since}." if since else "Reading everything.")
    _report(sync_wallet(url, since=since))
