"""The review console at scale: the filtered queue over 100 000 flags, and duplicate suggestions for a new flag.

`measure_flags(database_url, settings)` migrates a fresh database and fills it in bulk (not timed as a figure):
`people` residents, one organiser, `flags` flags over the past two years (each naming 1–3 of `providers` providers,
its text built from Finnish phrases, a status, priority and assignee, two to four timeline rows). Then, in this
process through the app's test client with an organiser's session (the whole Flask request: session, user, role
check, queries, template):

- `flags_queue_p95_ms`: the queue page, alternating between filter combinations (the default open flags, a
  category, a provider's name fragment, a municipality, past the target, escalated, unassigned high priority, the
  oldest first on page 20);
- `flags_similar_p95_ms`: `similar_flags` for new flags (not stored) naming one or two providers with a text of the
  same phrases, against all of them.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

TARGETS = {"flags_queue_p95_ms": 100.0, "flags_similar_p95_ms": 200.0}
CATEGORIES = (
    "information_not_moved", "referral_lost", "voucher_refused", "fee_charged", "no_appointment",
    "conflicting_instructions", "other",
)  # fmt: skip
STATUSES = (("new", 20), ("in_review", 15), ("waiting_provider", 10), ("resolved", 35), ("closed_unresolved", 10),
            ("forwarded", 8), ("disputed", 2))  # fmt: skip
MUNICIPALITIES = ("186", "106", "858", "638", "092", "245", "543", "753", "611", "505")
OPENINGS = (
    "Kävin terveysasemalla ja", "Äitini kotihoito kertoi, että", "Soitin useaan kertaan, mutta",
    "Hammashoitolassa sanottiin, että", "Sairaalasta kotiutuksen jälkeen", "Fysioterapeutti ihmetteli, miksi",
    "Palveluseteliä käyttäessäni", "Lääkäri sanoi vastaanotolla, että",
)  # fmt: skip
MIDDLES = (
    "tiedot eivät olleet siirtyneet", "lähete oli kadonnut", "he eivät hyväksyneet palveluseteliä",
    "minulta laskutettiin maksu, jota ei pitänyt periä", "aikaa ei saanut kuukausiin", "ohjeet olivat ristiriitaiset",
    "kukaan ei soittanut takaisin", "kontrollikäynti jäi varaamatta", "reseptiä ei ollut uusittu",
)  # fmt: skip
ENDINGS = (
    "eikä kukaan osannut sanoa, kenen vastuulla asia on.", "ja jouduin selittämään kaiken uudelleen.",
    "Toivon, että asia selvitetään.", "Tämä on toistunut jo kolme kertaa.", "Olen huolissani isäni voinnista.",
    "Kukaan ei ole vastannut viestiini.",
)  # fmt: skip
PROVIDER_KINDS = ("Terveysasema", "Hammashoitola", "Kotihoito", "Fysioterapia", "Lääkärikeskus", "Palvelutalo")
TOWNS = ("Järvenpää", "Hyvinkää", "Tuusula", "Kerava", "Porvoo", "Mäntsälä", "Nurmijärvi", "Sipoo", "Vantaa")
QUEUE_FILTERS = (
    "",
    "category=referral_lost",
    "provider=fysioterapia+kerava",
    "municipality=106",
    "age=target",
    "age=escalated",
    "assignee=unassigned&priority=1",
    "status=all&order=oldest&page=20",
)
WARMUP = 16


@dataclass
class FlagBenchSettings:
    flags: int = 100_000
    providers: int = 2_000
    people: int = 30_000
    queue_requests: int = 240
    similar_flags: int = 120
    seed: int = 12


@dataclass
class FlagBenchResult:
    figures: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def _print(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def provider_name(number: int) -> str:
    return f"{PROVIDER_KINDS[number % len(PROVIDER_KINDS)]} {TOWNS[number // 7 % len(TOWNS)]} {number}"


def flag_text(rng: random.Random) -> str:
    return f"{rng.choice(OPENINGS)} {rng.choice(MIDDLES)} {rng.choice(ENDINGS)} {rng.choice(ENDINGS)}"


def fill(app: Any, settings: FlagBenchSettings, batch: int = 5_000) -> dict[str, int]:
    """Write the people, an organiser and the flags with their providers and timelines, in bulk."""
    from sqlalchemy import insert, select

    from portal.extensions import db
    from portal.models import Flag, FlagEvent, FlagProvider, Person, StaffUser
    from portal.models._types import new_public_id, utcnow

    rng = random.Random(settings.seed)
    now = utcnow()
    weights = [weight for _, weight in STATUSES]
    with app.app_context():
        db.session.execute(
            insert(Person),
            [
                {
                    "public_id": new_public_id(),
                    "oidc_issuer": "bench",
                    "oidc_subject": f"flagger-{n}",
                    "hetu_hash": f"bench-flags-{n}",
                    "hetu_masked": "010101-****",
                    "birth_date": now.date() - timedelta(days=7000 + n % 20000),
                    "given_name": "Penkki",
                    "family_name": f"Asukas {n}",
                    "home_municipality_code": MUNICIPALITIES[n % len(MUNICIPALITIES)],
                    "created_at": now,
                }  # fmt: skip
                for n in range(settings.people)
            ],
        )
        staff = StaffUser(oidc_issuer="bench", oidc_subject="organiser", name="Olli Penkki")
        other = StaffUser(oidc_issuer="bench", oidc_subject="organiser-2", name="Outi Penkki")
        db.session.add_all([staff, other])
        db.session.commit()
        person_ids = list(db.session.scalars(select(Person.id).order_by(Person.id)))
        municipality_of = dict(db.session.execute(select(Person.id, Person.home_municipality_code)).all())
        flag_id = provider_row = event_row = 0
        for start in range(0, settings.flags, batch):
            flags, providers, events = [], [], []
            for _ in range(min(batch, settings.flags - start)):
                flag_id += 1
                person = rng.choice(person_ids)
                created = now - timedelta(days=rng.random() ** 2 * 730, minutes=rng.randrange(1440))
                status = rng.choices([s for s, _ in STATUSES], weights)[0]
                is_open = status in ("new", "in_review", "waiting_provider", "disputed")
                flags.append(
                    {
                        "id": flag_id,
                        "reference": f"B{flag_id:07d}",
                        "request_key": f"bench-{flag_id}",
                        "person_id": person,
                        "flagger_id": person,
                        "basis": None,
                        "category": rng.choice(CATEGORIES),
                        "happened_on": created.date() - timedelta(days=3),
                        "description": flag_text(rng),
                        "contact_method": "portal",
                        "consent_share": True,
                        "language": "fi",
                        "municipality_code": municipality_of[person],
                        "status": status,
                        "priority": rng.choice((1, 2, 2, 2, 3)),
                        "assignee_id": rng.choice((None, staff.id, other.id)),
                        "forwarded_to": None,
                        "created_at": created,
                        "updated_at": created,
                        "closed_at": None if is_open else created + timedelta(days=rng.randrange(1, 60)),
                    }  # fmt: skip
                )
                for number in rng.sample(range(settings.providers), rng.choice((1, 1, 2, 2, 3))):
                    provider_row += 1
                    providers.append(
                        {
                            "id": provider_row,
                            "flag_id": flag_id,
                            "provider_id": f"ptv-{number:05d}",
                            "provider_name": provider_name(number),
                        }  # fmt: skip
                    )
                event_row += 1
                events.append(
                    {
                        "id": event_row,
                        "flag_id": flag_id,
                        "at": created,
                        "kind": "created",
                        "actor_kind": "resident",
                        "actor_id": person,
                        "visible_to_flagger": True,
                        "status_to": "new",
                    }  # fmt: skip
                )
                for _ in range(rng.randrange(1, 4)):
                    event_row += 1
                    visible = rng.random() < 0.6
                    events.append(
                        {
                            "id": event_row,
                            "flag_id": flag_id,
                            "at": created + timedelta(days=rng.random() * (now - created).days),
                            "kind": "reply" if visible else "note",
                            "actor_kind": "staff",
                            "actor_id": staff.id,
                            "visible_to_flagger": visible,
                            "text": "Selvitämme asiaa.",
                        }  # fmt: skip
                    )
            db.session.execute(insert(Flag), flags)
            db.session.execute(insert(FlagProvider), providers)
            db.session.execute(insert(FlagEvent), events)
            db.session.commit()
        staff_id = staff.id
    return {"flags": flag_id, "flag_providers": provider_row, "flag_events": event_row, "staff_id": staff_id}


def _fix_sequences(app: Any) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them on, as a later insert would need."""
    from sqlalchemy import text

    from portal.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        for table in ("flag", "flag_provider", "flag_event"):
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608  # nosec B608: fixed names
            db.session.execute(text(sql))
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def measure_flags(
    database_url: str, settings: FlagBenchSettings | None = None, log: Callable[[str], None] = _print
) -> FlagBenchResult:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from portal import create_app
    from portal.extensions import db
    from portal.flags.suggest import similar_flags
    from portal.models import Flag, FlagProvider

    settings = settings or FlagBenchSettings()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SERVER_NAME": None, "TESTING": False})
    backend = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
    with app.app_context():
        upgrade()
    log(f"flags: filling {backend} with {settings.flags:,} flags over {settings.providers:,} providers")
    started = time.perf_counter()
    counts = fill(app, settings)
    _fix_sequences(app)
    fill_seconds = time.perf_counter() - started

    client = app.test_client()
    with client.session_transaction() as session:
        session["user_key"] = f"staff:{counts['staff_id']}"
        session["roles"] = ["organiser"]
    samples: list[float] = []
    for number in range(WARMUP + settings.queue_requests):
        query = QUEUE_FILTERS[number % len(QUEUE_FILTERS)]
        path = "/organiser/flags/?" + query + ("&" if query else "") + "lang=fi"
        begun = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - begun) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        if number >= WARMUP:
            samples.append(elapsed)

    rng = random.Random(settings.seed + 1)
    similar: list[float] = []
    found = 0
    with app.app_context():
        person_ids = list(db.session.scalars(select(Flag.person_id).limit(5000)))
        for number in range(WARMUP + settings.similar_flags):
            names = rng.sample(range(settings.providers), rng.choice((1, 2)))
            flag = Flag(
                person_id=rng.choice(person_ids), description=flag_text(rng),
                providers=[FlagProvider(provider_id=f"ptv-{n:05d}", provider_name=provider_name(n)) for n in names],
            )  # fmt: skip
            begun = time.perf_counter()
            result = similar_flags(flag)
            elapsed = (time.perf_counter() - begun) * 1000
            if number >= WARMUP:
                similar.append(elapsed)
                found += bool(result)
        db.session.rollback()
        db.engine.dispose()
    figures = {
        "flags_count": counts["flags"],
        "flags_fill_seconds": round(fill_seconds, 1),
        "flags_queue_p50_ms": round(percentile(samples, 0.5), 1),
        "flags_queue_p95_ms": round(percentile(samples, 0.95), 1),
        "flags_similar_p50_ms": round(percentile(similar, 0.5), 1),
        "flags_similar_p95_ms": round(percentile(similar, 0.95), 1),
    }
    notes = {
        "flags": f"on {backend}; {counts['flag_providers']:,} flag providers, {counts['flag_events']:,} timeline rows; "
        f"{found} of {len(similar)} new flags had a similar one suggested",
    }
    return FlagBenchResult(figures, notes)


def doc_section(settings: FlagBenchSettings) -> str:
    return f"""\
7. **Review console.** `bench/flags.py` fills a fresh database in bulk with {settings.flags:,} flags over two years
   (each naming 1–3 of {settings.providers:,} providers, Finnish texts built from phrases, a status, priority,
   assignee and two to four timeline rows) for {settings.people:,} residents, then times through the app's test
   client with an organiser's session the queue page over eight filter combinations (`flags_queue_p95_ms`: the
   default open flags, a category, a provider's name fragment, a municipality, past the target, escalated,
   unassigned high priority, the oldest first on page 20), and `similar_flags` for {settings.similar_flags} new
   flags against all of them (`flags_similar_p95_ms`). On PostgreSQL when the bench has one, else on SQLite: the
   notes say which.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flags", description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--flags", type=int, default=FlagBenchSettings.flags)
    parser.add_argument("--providers", type=int, default=FlagBenchSettings.providers)
    parser.add_argument("--people", type=int, default=FlagBenchSettings.people)
    args = parser.parse_args(argv)
    result = measure_flags(
        args.database_url, FlagBenchSettings(flags=args.flags, providers=args.providers, people=args.people)
    )
    print(json.dumps({**result.figures, **result.notes}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
