"""`flask --app portal ...` commands: translations, demo data and server, housekeeping."""

from __future__ import annotations

import os
import subprocess  # nosec B404  # pybabel runs as a child process; see _pybabel
import sys
import threading

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.config import REPO_ROOT

translations = AppGroup("translations", help="Extract, update, compile and check the four catalogues.")
demo = AppGroup("demo", help="Demo data and the demo identification service.")
sessions_cli = AppGroup("sessions", help="Server-side session housekeeping.")
catalogue = AppGroup("catalogue", help="The provider catalogue from PTV feeds.")
outbox_cli = AppGroup("outbox", help="Deliver the outbox to the providers and the choice register.")
choices_cli = AppGroup("choices", help="Residents' choices of sote centre and dental unit.")
flags_cli = AppGroup("flags", help="Flags of integration problems: the e-mails to their flaggers.")

POT = REPO_ROOT / "translations" / "messages.pot"


def _pybabel(*args: str) -> None:
    command = [sys.executable, "-m", "babel.messages.frontend", *args]
    # Fixed interpreter and module; the arguments are the fixed ones of the translations commands, no user input.
    subprocess.run(command, check=True, cwd=REPO_ROOT)  # noqa: S603  argv fixed in this file  # nosec B603


def _extract() -> None:
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "--sort-output", "-o", str(POT), ".")


@translations.command("extract")
def extract() -> None:
    """Collect every wrapped string from the code and templates into messages.pot."""
    _extract()


@translations.command("update")
def update() -> None:
    """Merge messages.pot into the four catalogues (new strings appear untranslated)."""
    from portal.translations import update_catalogues

    _extract()
    update_catalogues(POT)


@translations.command("compile")
def compile_() -> None:
    """Compile the catalogues to .mo files the app reads."""
    from portal.translations import compile_catalogues

    compile_catalogues()


@translations.command("check")
def check() -> None:
    """Fail on any untranslated, fuzzy or placeholder-mismatched message."""
    from portal.translations import catalogue_problems

    problems = catalogue_problems(POT)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("All four catalogues are complete.")


@demo.command("load")
def load_demo() -> None:
    """Load the demo data (idempotent: running it again keeps what is there)."""
    from portal.demo.load import load_demo_data

    for line in load_demo_data():
        click.echo(line)


@demo.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "5000")))
def serve(host: str, port: int) -> None:
    """Serve the portal together with the demo identification services."""
    from werkzeug.serving import run_simple

    from portal.demo.idp import run_demo_providers
    from portal.demo.valtuudet import run_demo_valtuudet

    # The app itself, not the proxy, for the dispatcher thread; Flask types current_app as the Flask it stands for.
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # LocalProxy's documented method
    if not app.config["DEMO_IDP"]:
        raise click.ClickException("DEMO_IDP is off: the demo identification service is not allowed here.")
    with (
        run_demo_providers(app.config["DEMO_RESIDENT_IDP_PORT"], app.config["DEMO_STAFF_IDP_PORT"]) as providers,
        run_demo_valtuudet(app) as valtuudet,  # the fake Suomi.fi-valtuudet, when VALTUUDET_URL is set
    ):
        click.echo(f"Demo identification: residents {providers.resident_issuer}, staff {providers.staff_issuer}")
        if valtuudet is not None:
            click.echo(f"Demo mandate service (a fake Suomi.fi-valtuudet): {valtuudet.url}")
        click.echo(f"Valinta: http://{host}:{port}/")
        stop = _demo_dispatcher(app)
        stop_mail = _demo_mailer(app)
        try:
            # Flask ignores app.run() inside a CLI command, so serve with werkzeug directly.
            run_simple(host, port, app, threaded=True, use_reloader=False)
        finally:
            stop.set()
            stop_mail.set()


def _demo_dispatcher(app: Flask, interval: float = 5.0) -> threading.Event:
    """In the demo the outbox is delivered (to the file sink) by a thread, so `make run` needs no second process."""
    from portal.outbox.dispatch import run

    stop = threading.Event()

    def work() -> None:
        with app.app_context():
            run(forever=True, interval=interval, stop=stop)

    threading.Thread(target=work, name="demo-outbox", daemon=True).start()
    click.echo(f"Outbox: delivered every {interval:g} s to {app.config['OUTBOX_ENDPOINTS']}")
    return stop


def _demo_mailer(app: Flask, interval: float = 5.0) -> threading.Event:
    """In the demo the flaggers' e-mails are sent (to MAIL_URL, a folder of .eml files) by a thread, as the outbox."""
    from portal.flags.notify import run

    stop = threading.Event()
    if not app.config.get("MAIL_URL"):
        click.echo("E-mail: off (MAIL_URL is empty)")
        return stop

    def work() -> None:
        with app.app_context():
            run(forever=True, interval=interval, stop=stop)

    threading.Thread(target=work, name="demo-mail", daemon=True).start()
    click.echo(f"E-mail: sent every {interval:g} s to {app.config['MAIL_URL']}")
    return stop


@sessions_cli.command("purge")
def purge() -> None:
    """Delete sessions past their idle or absolute limit, and rate-limit windows that have ended."""
    from portal.ratelimit import purge_ended
    from portal.sessions import purge_expired

    click.echo(f"{purge_expired(current_app)} expired sessions deleted.")
    click.echo(f"{purge_ended()} ended rate-limit windows deleted.")


@catalogue.command("import")
@click.argument("source")
@click.option("--municipality", "municipalities", multiple=True, help="For an API URL: a municipality code to read.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]), help="For an API URL: changes since."
)
def import_command(source: str, municipalities: tuple[str, ...], since) -> None:
    """Import SOURCE (a JSON file, a directory of them, or the PTV API's base URL), all or nothing."""
    from datetime import UTC

    from portal.catalogue.importer import ImportFailed, import_catalogue

    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)

    def progress(count: int) -> None:
        click.echo(f"\r  {count} records read", nl=False, err=True)

    try:
        result = import_catalogue(source, municipalities=municipalities, since=since, progress=progress)
    except ImportFailed as error:
        click.echo("", err=True)
        raise click.ClickException(f"Import failed, the catalogue was not changed: {error}") from None
    click.echo("", err=True)
    counts = result.counts
    for kind in ("location", "service", "organisation"):
        click.echo(
            f"{kind + 's':>14}: {counts[kind + '_read']} read, {counts[kind + '_added']} added, "
            f"{counts[kind + '_changed']} changed, {counts[kind + '_removed']} removed"
        )
    click.echo(f"{'other channels':>14}: {counts['skipped_channels']} skipped (not service locations)")
    click.echo(f"{'rejected':>14}: {len(result.rejected)}")
    for rejected in result.rejected:
        click.echo(f"  - {rejected['id']} {rejected['field']}: {rejected['reason']}")


@catalogue.command("overlay")
@click.argument("path", type=click.Path(dir_okay=False))
def overlay_command(path: str) -> None:
    """Load the organiser's overlay PATH (.csv or .json, see docs/catalogue-overlay.md), all or nothing."""
    from adapters.overlay import OverlayError
    from portal.catalogue.overlay import load_overlay

    try:
        result = load_overlay(path)
    except OverlayError as error:
        raise click.ClickException(f"The overlay was not loaded; the previous one stays in force.\n{error}") from None
    counts = result.counts
    click.echo(
        f"Overlay loaded: {counts['entries']} approved locations "
        f"({counts['added']} added, {counts['changed']} changed, {counts['removed']} removed)."
    )
    if result.unknown_ids:
        click.echo(f"{len(result.unknown_ids)} approved locations are not in the imported catalogue:")
        for channel_id in result.unknown_ids:
            click.echo(f"  - {channel_id}")


@catalogue.command("status")
def status_command() -> None:
    """The catalogue's size and its last import."""
    from portal.catalogue.importer import catalogue_status

    status = catalogue_status()
    for kind, total in status["totals"].items():
        click.echo(f"{kind + 's':>14}: {total}")
    last = status["last_import"]
    if last is None:
        click.echo("No import has run yet.")
    else:
        click.echo(
            f"Last import: {last.finished_at:%Y-%m-%d %H:%M} UTC, {last.status}, {last.mode}, from {last.source}"
        )
        click.echo(f"  {last.message}")


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="Run one cycle (until nothing due is left) and exit.")
@click.option(
    "--interval", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="Seconds between cycles."
)
def outbox_run(once: bool, interval: float) -> None:
    """Write the take-effect messages due today and deliver the due messages, once or continuously."""
    import signal
    import threading

    from portal.outbox.dispatch import DispatchResult, OutboxConfigError, run

    stop = threading.Event()
    # SIGTERM ends the loop after the message in hand; a harder stop loses nothing either (the rows are the queue).
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def report(cycle: DispatchResult) -> None:
        if once or cycle.attempted or cycle.took_effect:
            click.echo(
                f"took effect: {cycle.took_effect}, delivered: {cycle.delivered}, "
                f"retrying: {cycle.retrying}, dead: {cycle.dead}"
            )

    try:
        run(forever=not once, interval=interval, stop=stop, report=report)
    except OutboxConfigError as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        click.echo("Stopped.")


@choices_cli.command("take-effect")
def take_effect() -> None:
    """Write the messages of the choices that take effect today (the outbox run does this too)."""
    from portal.choice.services import take_effect_due

    click.echo(f"{take_effect_due()} choices took effect.")


@flags_cli.command("send-email")
@click.option("--forever", is_flag=True, help="Keep sending every --interval seconds until stopped.")
@click.option(
    "--interval", type=click.FloatRange(min=0.1), default=60.0, show_default=True, help="Seconds between runs."
)
def flags_send_email(forever: bool, interval: float) -> None:
    """Send the flaggers' pending e-mails ("there is news about your report"), once or continuously."""
    import signal

    from adapters.smtp import MailConfigError
    from portal.flags.notify import EmailCounts, run

    if not current_app.config.get("MAIL_URL"):
        click.echo("E-mail is off (MAIL_URL is empty): nothing sent.")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # ends after the e-mail in hand; the rows are the queue

    def report(counts: EmailCounts) -> None:
        if not forever or counts.attempted:
            click.echo(f"sent: {counts.sent}, retrying: {counts.retrying}, failed: {counts.failed}")

    try:
        run(forever=forever, interval=interval, stop=stop, report=report)
    except MailConfigError as error:
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        click.echo("Stopped.")


def init_commands(app: Flask) -> None:
    for group in (translations, demo, sessions_cli, catalogue, outbox_cli, choices_cli, flags_cli):
        app.cli.add_command(group)
    from portal.wallet.cli import wallet_cli

    app.cli.add_command(wallet_cli)
    from portal.audit.cli import audit_cli

    app.cli.add_command(audit_cli)
    from portal.assistant.cli import assistant_cli

    app.cli.add_command(assistant_cli)
