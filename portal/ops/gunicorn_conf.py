"""Gunicorn's settings for the portal, from the WEB_* settings of portal/config.py (`gunicorn --config` this file).

The bind address comes from the command line (`--bind`), so one file serves `make run-prod` and a real host. The
access log is off: the app writes its own request log, one JSON line a request, without identity codes.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Any

from portal.config import Config

workers = Config.WEB_WORKERS
threads = Config.WEB_THREADS  # more than 1: gunicorn's gthread worker, otherwise the sync one
timeout = Config.WEB_TIMEOUT_SECONDS
graceful_timeout = Config.WEB_GRACEFUL_TIMEOUT_SECONDS
max_requests = Config.WEB_MAX_REQUESTS
max_requests_jitter = Config.WEB_MAX_REQUESTS_JITTER
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "valinta"
# Gunicorn's runtime control socket has one default path per user: two servers on a machine (the stack, the bench,
# a test) would take it from each other, and nothing here uses it.
control_socket_disable = True


def child_exit(server: Any, worker: Any) -> None:
    """A worker is gone (stopped, recycled or killed): Prometheus' multiprocess mode must forget its live gauges.
    portal/ops/metrics.py does that; until it exists there is nothing to forget."""
    try:
        metrics = importlib.import_module("portal.ops.metrics")
    except ModuleNotFoundError as error:
        if error.name != "portal.ops.metrics":
            raise
        return
    metrics.child_exit(server, worker)


def worker_exit(server: Any, worker: Any) -> None:
    """A worker leaving (a stop, a recycle, a crash) ends at once, with the exit code it was leaving with: Python's
    own teardown of a process holding the whole app takes seconds on a busy machine, and gunicorn's graceful stop (a
    Ctrl-C of `make run-prod`) waited for it, up to WEB_GRACEFUL_TIMEOUT_SECONDS. Nothing in that teardown is needed:
    the log lines are flushed here, and the database connections close with the process."""
    leaving = sys.exc_info()[1]  # gunicorn calls this from the `finally` its worker's SystemExit passes through
    code = leaving.code if isinstance(leaving, SystemExit) else (1 if leaving is not None else 0)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)
