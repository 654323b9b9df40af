"""Personal identity codes (henkilötunnus): validate, hash for lookup, mask for display.

The code itself is never stored, logged or put in a URL; only its keyed hash and a masked form.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from stdnum.exceptions import ValidationError
from stdnum.fi import hetu as stdnum_hetu


class InvalidHetu(ValueError):
    pass


def validate(code: str, *, allow_temporary: bool) -> str:
    try:
        return stdnum_hetu.validate(code, allow_temporary=allow_temporary)
    except ValidationError as error:
        raise InvalidHetu(str(error)) from None  # stdnum raises without arguments: str() is the class's message


def lookup_hash(code: str, key: str) -> str:
    if not key:
        raise RuntimeError("HETU_HASH_KEY is not configured")
    return hmac.new(key.encode(), stdnum_hetu.compact(code).encode(), hashlib.sha256).hexdigest()


def masked(code: str) -> str:
    """Birth date and century sign stay readable for the caller's confirmation; the rest is hidden."""
    compact = stdnum_hetu.compact(code)
    return compact[:7] + "****"


def birth_date(code: str) -> date:
    compact = stdnum_hetu.compact(code)
    century = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900}.get(compact[6], 2000)
    return date(century + int(compact[4:6]), int(compact[2:4]), int(compact[0:2]))
