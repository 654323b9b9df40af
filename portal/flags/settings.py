"""The organiser's decisions about flags and feedback, kept in `organiser_setting` like the listing rules: targets,
keyword lists that suggest a category, and reply templates, each in the four languages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.models import OrganiserSetting

KEYS = ("flag_target_days", "flag_escalate_days", "flag_keywords", "flag_templates", "feedback_after_days",
        "feedback_min_answers")  # fmt: skip

# Words that suggest a category, per language; lower case, matched on word starts so inflections still match
# ("lähete" finds "lähetteen" by its stem "lähet").
DEFAULT_KEYWORDS: dict[str, dict[str, list[str]]] = {
    "information_not_moved": {
        "fi": ["tiedot ei", "tieto ei", "tietoja ei", "potilastie", "kirjaus", "ei nähnyt", "ei siirtynyt"],
        "sv": ["uppgifter", "journal", "överfördes inte", "informationen"],
        "en": ["information", "records", "record", "not passed", "did not move"],
    },
    "referral_lost": {
        "fi": ["lähet", "jatkohoi", "kontrolli", "kutsu ei"],
        "sv": ["remiss", "uppföljning", "kallelse"],
        "en": ["referral", "follow-up", "follow up"],
    },
    "voucher_refused": {
        "fi": ["seteli", "palvelusetel", "budjet", "ei hyväksy", "ei ottanut vastaan"],
        "sv": ["sedel", "servicesedel", "budget", "vägrade"],
        "en": ["voucher", "budget", "refused", "would not accept"],
    },
    "fee_charged": {
        "fi": ["maksu", "laskut", "veloit", "lasku", "maksoin"],
        "sv": ["avgift", "faktur", "debiter", "betala"],
        "en": ["fee", "charge", "invoice", "bill", "paid"],
    },
    "no_appointment": {
        "fi": ["aika", "ajan", "aikaa", "jono", "vastaanott"],
        "sv": ["tid", "kö", "mottagning"],
        "en": ["appointment", "queue", "waiting list", "could not book"],
    },
    "conflicting_instructions": {
        "fi": ["ristiriit", "eri ohje", "ohjeet"],
        "sv": ["motstridig", "olika instruktioner", "anvisning"],
        "en": ["conflicting", "contradict", "different instructions"],
    },
}

# Reply templates per status and language; placeholders {name}, {reference} and {status} are filled in.
DEFAULT_TEMPLATES: dict[str, dict[str, str]] = {
    "in_review": {
        "fi": "Hei {name}, olemme ottaneet ilmoituksesi {reference} käsittelyyn.",
        "sv": "Hej {name}, vi har börjat behandla din anmälan {reference}.",
        "selko": "Hei {name}. Olemme alkaneet käsitellä ilmoitustasi {reference}.",
        "en": "Hello {name}, we have started to review your report {reference}.",
    },
    "waiting_provider": {
        "fi": "Hei {name}, olemme pyytäneet palveluntuottajilta selvitystä ilmoitukseesi {reference}.",
        "sv": "Hej {name}, vi har bett serviceproducenterna om en utredning av din anmälan {reference}.",
        "selko": "Hei {name}. Olemme kysyneet asiasta palvelun tuottajilta. Ilmoituksesi on {reference}.",
        "en": "Hello {name}, we have asked the providers to explain what happened in your report {reference}.",
    },
    "resolved": {
        "fi": "Hei {name}, ilmoituksesi {reference} asia on nyt korjattu. Kiitos, että kerroit siitä.",
        "sv": "Hej {name}, ärendet i din anmälan {reference} har nu lösts. Tack för att du berättade om det.",
        "selko": "Hei {name}. Asia ilmoituksessasi {reference} on nyt korjattu. Kiitos, että kerroit siitä.",
        "en": "Hello {name}, the matter in your report {reference} has now been put right. Thank you for telling us.",
    },
    "closed_unresolved": {
        "fi": "Hei {name}, emme valitettavasti pystyneet ratkaisemaan ilmoituksesi {reference} asiaa.",
        "sv": "Hej {name}, vi kunde tyvärr inte lösa ärendet i din anmälan {reference}.",
        "selko": "Hei {name}. Emme valitettavasti voineet korjata asiaa ilmoituksessasi {reference}.",
        "en": "Hello {name}, we are sorry that we could not resolve the matter in your report {reference}.",
    },
    "forwarded": {
        "fi": "Hei {name}, ilmoituksesi {reference} asia ei kuulu meille, joten välitimme sen eteenpäin.",
        "sv": "Hej {name}, ärendet i din anmälan {reference} hör inte till oss, så vi har skickat det vidare.",
        "selko": "Hei {name}. Asia ilmoituksessasi {reference} ei kuulu meille. Lähetimme sen oikeaan paikkaan.",
        "en": "Hello {name}, the matter in your report {reference} is not ours, so we have forwarded it.",
    },
}

DEFAULTS: dict[str, Any] = {
    "flag_target_days": 14,  # a flag open longer is highlighted in the queue
    "flag_escalate_days": 7,  # a flag with no reply or provider response this long escalates
    "flag_keywords": DEFAULT_KEYWORDS,
    "flag_templates": DEFAULT_TEMPLATES,
    "feedback_after_days": 90,  # feedback about a unit is offered once a listing has been in force this long
    "feedback_min_answers": 10,  # a unit's score is shown only from this many answers in the period
}


@dataclass(frozen=True)
class FlagSettings:
    target_days: int
    escalate_days: int
    keywords: dict[str, dict[str, list[str]]]
    templates: dict[str, dict[str, str]]
    feedback_after_days: int
    feedback_min_answers: int


def load_flag_settings() -> FlagSettings:
    stored = {
        row.key: json.loads(row.value)
        for row in db.session.scalars(select(OrganiserSetting).where(OrganiserSetting.key.in_(KEYS)))
    }
    values = {**DEFAULTS, **stored}
    return FlagSettings(
        target_days=int(values["flag_target_days"]),
        escalate_days=int(values["flag_escalate_days"]),
        keywords=values["flag_keywords"],
        templates=values["flag_templates"],
        feedback_after_days=int(values["feedback_after_days"]),
        feedback_min_answers=int(values["feedback_min_answers"]),
    )
