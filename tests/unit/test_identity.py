from datetime import date

import pytest

from portal.auth import identity
from portal.demo.personas import PERSONAS, temporary_hetu


def test_demo_identity_codes_are_valid_temporary_codes():
    for persona in PERSONAS.values():
        code = persona.claims.get("urn:oid:1.2.246.21")
        if code:
            assert identity.validate(code, allow_temporary=True) == code
            with pytest.raises(identity.InvalidHetu):
                identity.validate(code, allow_temporary=False)


def test_lookup_hash_is_keyed_and_stable():
    code = temporary_hetu("030442", "-", 948)
    assert identity.lookup_hash(code, "key-a") == identity.lookup_hash(code.lower(), "key-a")
    assert identity.lookup_hash(code, "key-a") != identity.lookup_hash(code, "key-b")
    assert code not in identity.lookup_hash(code, "key-a")


def test_mask_and_birth_date():
    code = temporary_hetu("030442", "-", 948)
    assert identity.masked(code) == "030442-****"
    assert identity.birth_date(code) == date(1942, 4, 3)
    assert identity.birth_date(temporary_hetu("010203", "A", 950)) == date(2003, 2, 1)


def test_invalid_codes_are_refused():
    with pytest.raises(identity.InvalidHetu):
        identity.validate("030442-948X", allow_temporary=True)
