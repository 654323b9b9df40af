"""`flask --app portal assistant ...`: the organiser tests the knowledge base from a shell."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.assistant import answer
from portal.assistant.knowledge import LANGUAGES, KnowledgeError, configured_path, load_knowledge

assistant_cli = AppGroup("assistant", help="The chat assistant: check its knowledge base and ask it questions.")


@assistant_cli.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def check(path: Path | None) -> None:
    """Validate PATH (default: ASSISTANT_KNOWLEDGE_BASE) and print every problem, or how many entries it has."""
    path = path or configured_path()
    try:
        base = load_knowledge(path)
    except KnowledgeError as error:
        click.echo(f"{path}: {len(error.problems)} problems", err=True)
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1) from None
    click.echo(f"{len(base.entries)} entries, OK")


@assistant_cli.command("ask")
@click.option("--language", type=click.Choice(LANGUAGES), default="fi", show_default=True)
@click.option("--knowledge", type=click.Path(dir_okay=False, path_type=Path), help="A file to ask instead.")
@click.argument("question")
def ask(language: str, knowledge: Path | None, question: str) -> None:
    """Print the answer the assistant would choose for QUESTION, as JSON: its id, title, confidence and runner-up.
    No one is logged in, so answers with a resident's own facts say their general text."""
    try:
        base = load_knowledge(knowledge) if knowledge else None
        reply = answer(question, language, base=base)
    except KnowledgeError as error:
        raise click.ClickException(str(error)) from None
    runner_up = {"id": reply.runner_up[0], "confidence": reply.runner_up[1]} if reply.runner_up else None
    shown = {
        "id": reply.entry_id,
        "title": reply.title,
        "confidence": round(reply.confidence, 3),
        "confident": reply.confident,
        "handover": reply.handover,
        "runner_up": runner_up,
        "action": reply.action,
        "text": reply.text,
    }
    click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
