"""/metrics in the Prometheus text format: requests and their durations per route, and what is waiting in the database.

Request counts live in each process. Under gunicorn with several workers, set `PROMETHEUS_MULTIPROC_DIR` to an
empty folder before it starts: every worker then writes its counts to files there, and a scrape, whichever worker
answers it, sums them all (prometheus_client's multiprocess mode). Without it, a plain per-process registry.

The backlog figures are not counted anywhere: each scrape reads them from the database, so every worker says the same.
Only addresses in METRICS_ALLOWED_NETWORKS (the client's own, after PROXY_COUNT's proxies) are answered; anyone
else gets the ordinary 404 page, as for any address that does not exist.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, request
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from portal.database import is_unavailable, rollback_quietly
from portal.models._types import utcnow
from portal.ops import backlog

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
NETWORKS_KEY = "valinta.metrics_networks"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LABELS = ("method", "route", "status")
# Not in any registry until a scrape: each scrape builds its own (see exposition), as multiprocess mode requires.
REQUESTS = Counter("valinta_http_requests", "Requests answered, by route pattern", LABELS, registry=None)
DURATION = Histogram(
    "valinta_http_request_duration_seconds",
    "Time from the request's arrival to its answer, by route pattern",
    LABELS,
    registry=None,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method, route, f"{status // 100}xx")  # the status class: a handful of values, not every code
    REQUESTS.labels(*labels).inc()
    DURATION.labels(*labels).observe(seconds)


class BacklogCollector(Collector):
    """The outbox backlog and the chat queues, read at scrape time. A database that cannot answer gives
    valinta_database_up 0 and no backlog figures, not a failed scrape: the request figures still tell what happened."""

    def collect(self) -> Iterator[Metric]:
        try:
            outbox = backlog.outbox_backlog()
            chats = backlog.chats_waiting()
        except SQLAlchemyError as error:
            if not is_unavailable(error):
                raise
            rollback_quietly()
            yield GaugeMetricFamily("valinta_database_up", "Whether the scrape could read the database", value=0)
            return
        yield GaugeMetricFamily("valinta_database_up", "Whether the scrape could read the database", value=1)
        messages = GaugeMetricFamily(
            "valinta_outbox_messages", "Outbox messages not delivered: pending (to be tried) or dead", labels=["status"]
        )
        messages.add_metric(["pending"], outbox.pending)
        messages.add_metric(["dead"], outbox.dead)
        yield messages
        age = (utcnow() - outbox.oldest_pending_at).total_seconds() if outbox.oldest_pending_at else 0.0
        yield GaugeMetricFamily(
            "valinta_outbox_oldest_pending_seconds", "Age of the oldest pending outbox message (0: none)", value=age
        )
        queue = GaugeMetricFamily(
            "valinta_chat_queue_length", "Chats waiting for a help-line worker, by language", labels=["language"]
        )
        waiting = GaugeMetricFamily(
            "valinta_chat_messages_waiting", "Chats left as a message out of hours, by language", labels=["language"]
        )
        for (status, language), count in sorted(chats.items()):
            (queue if status == "queued" else waiting).add_metric([language], count)
        yield queue
        yield waiting


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def exposition() -> tuple[bytes, str]:
    """The scrape's body and content type, read in the request's app context."""
    registry = CollectorRegistry(auto_describe=False)
    folder = multiprocess_dir()
    if folder:
        multiprocess.MultiProcessCollector(registry, path=folder)
    else:
        registry.register(REQUESTS)
        registry.register(DURATION)
    registry.register(BacklogCollector())
    # Plain names (no UTF-8 escaping) make the body the classic 0.0.4 text format, which every Prometheus reads.
    return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn's `child_exit` hook (the gunicorn config imports it): forget a dead worker's live gauges. Its counts
    stay, summed into the totals, so a counter never goes backwards when a worker is replaced."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(worker.pid)


def parse_networks(values: list[str]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(value, strict=False) for value in values)
    except ValueError as error:
        raise ValueError(f"METRICS_ALLOWED_NETWORKS: {error}") from None


def scraper_allowed() -> bool:
    """Whether this request comes from an address allowed to read /metrics."""
    if not current_app.config.get("PROXY_COUNT") and "X-Forwarded-For" in request.headers:
        # A proxy nobody told us about relayed this: its own address (say 127.0.0.1) is not the client's.
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in current_app.extensions[NETWORKS_KEY])


def init_metrics(app: Flask) -> None:
    folder = multiprocess_dir()
    if folder and not os.path.isdir(folder):
        # Refused at start, not at the first request: every request's count would fail to find its file.
        raise ValueError(f"{MULTIPROC_ENV}={folder} is not a folder: create it, empty, before the app starts.")
    networks = app.config.get("METRICS_ALLOWED_NETWORKS") or ""
    listed = networks.replace(",", " ").split() if isinstance(networks, str) else list(networks)
    app.extensions[NETWORKS_KEY] = parse_networks(listed)
