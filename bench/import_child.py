"""One catalogue import, measured in a process of its own: `python -m bench.import_child DATABASE_URL FEED_DIR`.

Prints one JSON line on stdout: the import's wall time, the process's peak RSS (which includes the app and
everything else this process holds, so it is an upper bound for the import itself), and the number of locations
in the catalogue afterwards. `--migrate` brings the schema to head first (not part of the timed figure).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Sequence


def peak_rss_mb() -> float:
    """This process's peak resident set size; Linux reports ru_maxrss in KiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_import(database_url: str, feed_dir: str, *, migrate: bool) -> dict[str, float]:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from portal import create_app
    from portal.catalogue.importer import import_catalogue
    from portal.extensions import db
    from portal.models import CatalogueLocation

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RESIDENT_OIDC_ISSUER": "", "STAFF_OIDC_ISSUER": ""})
    with app.app_context():
        if migrate:
            upgrade()
        started = time.perf_counter()
        result = import_catalogue(feed_dir)
        seconds = time.perf_counter() - started
        locations = db.session.scalar(select(func.count()).select_from(CatalogueLocation))
        db.engine.dispose()
    return {
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "locations": locations,
        "locations_read": result.counts["location_read"],
        "locations_written": result.counts["location_added"] + result.counts["location_changed"],
        "locations_unchanged": result.counts["location_unchanged"],
        "rejected": len(result.rejected),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_child", description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("feed_dir")
    parser.add_argument("--migrate", action="store_true", help="upgrade the schema to head before importing")
    args = parser.parse_args(argv)
    figures = measure_import(args.database_url, args.feed_dir, migrate=args.migrate)
    sys.stdout.write(json.dumps(figures) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
