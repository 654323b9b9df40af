"""The chat delivery benchmark (bench/chat_delivery.py) at a tiny scale: two gunicorn processes on PostgreSQL, every
message sent on one side shown on the other, both ways, and the figures it reports.

No duration is asserted beyond "shown at all": on a shared machine that would only make the suite flaky.
"""

from __future__ import annotations

from pathlib import Path

from bench.chat_delivery import DeliverySettings, live_tag, measure_delivery, send_action
from bench.run import scratch_database

TINY = DeliverySettings(conversations=4, chats_per_worker=2, messages_per_conversation=2, seconds=2, warmup_seconds=1)


def test_a_tiny_run_delivers_every_message_both_ways(tmp_path: Path, postgres_url: str) -> None:
    notes: dict[str, str] = {}
    with scratch_database(postgres_url) as url:
        figures = measure_delivery(url, TINY, log=lambda _: None, work_dir=tmp_path, notes=notes)

    assert figures["chat_delivery_conversations"] == 4
    assert figures["chat_delivery_messages"] == 8 and figures["chat_delivery_lost"] == 0
    assert 0 < figures["chat_delivery_p50_ms"] <= figures["chat_delivery_p95_ms"] <= figures["chat_delivery_max_ms"]
    assert figures["chat_poll_p95_ms"] > 0 and figures["chat_polls_per_second"] > 0
    assert "to worker: 4 messages" in notes["chat_delivery_directions"]
    assert "to resident: 4 messages" in notes["chat_delivery_directions"]
    assert "polls every 1.5 s" in notes["chat_delivery_setup"]  # read from the pages' hx-trigger


def test_the_tag_is_read_from_the_live_panel_and_the_message_form_is_the_first() -> None:
    page = (
        '<div hx-get="/helpline/updates?tag=a-1"></div><div id="chat-live" hx-get="/chat/updates?tag=3-active&amp;x">'
    )
    assert live_tag(page, "/chat/updates") == "3-active"
    assert live_tag(page, "/helpline/updates") == "a-1"
    assert live_tag(page, "/helpline/chats/x/updates") is None
    worker_page = (
        '<form method="get" action="/helpline/chats/x" class="filters"></form>'
        '<form method="post" action="/helpline/chats/x/reply" class="chat__form" novalidate></form>'
        '<form method="post" action="/helpline/chats/x/note" class="chat__form" novalidate></form>'
    )
    assert send_action(worker_page) == "/helpline/chats/x/reply"
    assert send_action(page) is None
