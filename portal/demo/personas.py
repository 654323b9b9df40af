"""The demo personas, as the demo identification service presents them.

Identity codes use the "temporary" individual numbers 900-999, like the Suomi.fi test identities,
so they can never be a real person's code. Claims follow the Suomi.fi attribute names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOA_SUBSTANTIAL = "http://ftn.ficora.fi/2017/loa2"
LOA_HIGH = "http://ftn.ficora.fi/2017/loa3"
CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def temporary_hetu(ddmmyy: str, century_sign: str, individual: int) -> str:
    """A valid identity code in the temporary range (900-999)."""
    if not 900 <= individual <= 999:
        raise ValueError(f"temporary individual numbers are 900-999, not {individual}")
    number = f"{ddmmyy}{individual:03d}"
    return f"{ddmmyy}{century_sign}{individual:03d}{CHECK_CHARS[int(number) % 31]}"


@dataclass(frozen=True)
class Persona:
    sub: str  # what the demo provider shows on its button
    kind: str  # resident or staff
    description: str
    claims: dict = field(default_factory=dict)


RESIDENTS = [
    Persona(
        "aino.virtanen",
        "resident",
        "Resident of Järvenpää",
        {
            "given_name": "Aino",
            "family_name": "Virtanen",
            "urn:oid:1.2.246.21": temporary_hetu("150385", "-", 912),
            "urn:oid:1.2.246.517.2002.2.18": "186",
            "acr": LOA_SUBSTANTIAL,
        },
    ),
    Persona(
        "erik.lindqvist",
        "resident",
        "Swedish-speaking resident of Porvoo",
        {
            "given_name": "Erik",
            "family_name": "Lindqvist",
            "urn:oid:1.2.246.21": temporary_hetu("020771", "-", 935),
            "urn:oid:1.2.246.517.2002.2.18": "638",
            "acr": LOA_HIGH,
            "locale": "sv",
        },
    ),
    Persona(
        "helmi.nieminen",
        "resident",
        "84-year-old resident of Hyvinkää with a personal budget",
        {
            "given_name": "Helmi",
            "family_name": "Nieminen",
            "urn:oid:1.2.246.21": temporary_hetu("030442", "-", 948),
            "urn:oid:1.2.246.517.2002.2.18": "106",
            "acr": LOA_SUBSTANTIAL,
        },
    ),
    Persona(
        "sari.nieminen",
        "resident",
        "Helmi Nieminen's daughter, who helps her (a relative), living in Tuusula",
        {
            "given_name": "Sari",
            "family_name": "Nieminen",
            "urn:oid:1.2.246.21": temporary_hetu("110868", "-", 956),
            "urn:oid:1.2.246.517.2002.2.18": "858",
            "acr": LOA_SUBSTANTIAL,
        },
    ),
    Persona(
        "matti.korhonen",
        "resident",
        "Resident of Helsinki (outside the area, not eligible to list)",
        {
            "given_name": "Matti",
            "family_name": "Korhonen",
            "urn:oid:1.2.246.21": temporary_hetu("240990", "-", 967),
            "urn:oid:1.2.246.517.2002.2.18": "091",
            "acr": LOA_SUBSTANTIAL,
        },
    ),
]

STAFF = [
    Persona(
        "liisa.neuvoja",
        "staff",
        "Help-line worker",
        {"name": "Liisa Neuvoja", "email": "liisa.neuvoja@example.invalid", "roles": ["helpline"]},
    ),
    Persona(
        "pekka.neuvoja",
        "staff",
        "Help-line worker (a colleague to pass chats to)",
        {"name": "Pekka Neuvoja", "email": "pekka.neuvoja@example.invalid", "roles": ["helpline"]},
    ),
    Persona(
        "olli.jarjestaja",
        "staff",
        "Organiser worker",
        {"name": "Olli Järjestäjä", "email": "olli.jarjestaja@example.invalid", "roles": ["organiser"]},
    ),
    Persona(
        "anna.yllapitaja",
        "staff",
        "Administrator (manages staff roles)",
        {"name": "Anna Ylläpitäjä", "email": "anna.yllapitaja@example.invalid", "roles": ["admin"]},
    ),
]

PERSONAS = {persona.sub: persona for persona in RESIDENTS + STAFF}
