"""A national-scale synthetic PTV v11 feed, for load-testing the import, search and comparison.

`python -m bench.national_feed OUT_DIR --locations 50000 --municipalities 300` writes page files of the same shape
as `portal.demo.ptv_feed` (and the real API): `channels-*.json`, `services-*.json`, `organizations-*.json`, 100
records a page, compact JSON. Records are built with the demo generator's builders, so they have exactly its
v11 shape; the content is synthetic: municipality codes are real-format 3-digit codes drawn at random, names are
compounds of Finnish word parts with their Swedish counterparts ("Koivulahti" / "Björkvik"), organisations are
called "synthetic".

Memory stays flat: records are generated one municipality at a time and written a page at a time; what is kept
across municipalities is only the ids and names of the services each organisation takes part in (organisation
records list them, and they are written last). Output is deterministic for a given seed and `today`.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from portal.demo.ptv_feed import (
    CHANNEL_PAGES,
    DENTAL_UNIT,
    ENTRANCE_NAME,
    KIND_TEXTS,
    ORGANIZATION_PAGES,
    SERVICE_PAGES,
    SOTE_CENTRE,
    VOUCHER_PROVIDER,
    VOUCHER_SERVICES,
    Json,
    PageWriter,
    accessibility_groups,
    ascii_slug,
    business_code,
    channel_connection,
    clear_pages,
    coordinate,
    email,
    entrance,
    jitter,
    location_address,
    modified_before,
    municipality_areas,
    municipality_ref,
    organization_email,
    organization_phone_number,
    organization_record,
    organization_service,
    phone_number,
    profile_hours,
    random_id,
    service_connection,
    service_location_channel,
    service_organization,
    service_record,
    street_address,
    upcoming_holidays,
    visiting_address,
    voucher_texts,
    web_page,
)

DEFAULT_SEED = 308  # Finland's number of municipalities in 2025
DEFAULT_TODAY = date(2025, 1, 15)  # fixed, so a benchmark feed is reproducible without flags
REGIONS = 21  # wellbeing services counties
COMPANIES = 40
ASSOCIATIONS = 10
LOCATION_RADIUS_M = 6000
DOMAIN = "synthetic.example"

# (Finnish, Swedish) word parts; compounds give 30 x 20 = 600 distinct municipality names.
NAME_FIRST = (
    ("Koivu", "Björk"), ("Mänty", "Tall"), ("Kuusi", "Gran"), ("Leppä", "Al"), ("Haapa", "Asp"), ("Tammi", "Ek"),
    ("Pihlaja", "Rönn"), ("Paju", "Vide"), ("Kivi", "Sten"), ("Kallio", "Häll"), ("Hiekka", "Sand"), ("Savi", "Ler"),
    ("Suo", "Myr"), ("Niitty", "Äng"), ("Pelto", "Åker"), ("Metsä", "Skog"), ("Järvi", "Sjö"), ("Lampi", "Tjärn"),
    ("Joki", "Å"), ("Puro", "Bäck"), ("Meri", "Hav"), ("Kylä", "By"), ("Mylly", "Kvarn"), ("Kirkko", "Kyrk"),
    ("Kotka", "Örn"), ("Karhu", "Björn"), ("Susi", "Varg"), ("Hirvi", "Älg"), ("Joutsen", "Svan"), ("Lohi", "Lax"),
)  # fmt: skip
NAME_SECOND = (
    ("lahti", "vik"), ("järvi", "sjö"), ("joki", "å"), ("koski", "fors"), ("niemi", "näs"), ("saari", "ö"),
    ("mäki", "backa"), ("vaara", "berg"), ("harju", "ås"), ("salo", "skog"), ("ranta", "strand"), ("kylä", "by"),
    ("suo", "mosse"), ("lampi", "träsk"), ("virta", "ström"), ("linna", "borg"), ("laakso", "dal"),
    ("kangas", "hed"), ("lähde", "källa"), ("selkä", "fjärd"),
)  # fmt: skip
STREETS = (
    ("Koulutie", "Skolvägen"), ("Kirkkotie", "Kyrkvägen"), ("Asematie", "Stationsvägen"), ("Myllytie", "Kvarnvägen"),
    ("Rantatie", "Strandvägen"), ("Puistotie", "Parkvägen"), ("Kauppatie", "Handelsvägen"),
    ("Teollisuustie", "Industrivägen"), ("Sairaalatie", "Sjukhusvägen"), ("Koivutie", "Björkvägen"),
    ("Pappilantie", "Prästgårdsvägen"), ("Urheilutie", "Idrottsvägen"), ("Torikatu", "Torggatan"),
    ("Rautatienkatu", "Järnvägsgatan"), ("Kirkkokatu", "Kyrkogatan"), ("Koulukatu", "Skolgatan"),
    ("Kauppakatu", "Handelsgatan"), ("Puistokatu", "Parkgatan"), ("Satamatie", "Hamnvägen"),
    ("Kalliotie", "Bergsvägen"),
)  # fmt: skip
DISTRICTS = (
    ("Keskusta", "Centrum"), ("Asemanseutu", "Stationsområdet"), ("Kirkonkylä", "Kyrkbyn"), ("Pohjoinen", "Norra"),
    ("Eteläinen", "Södra"), ("Itäinen", "Östra"), ("Läntinen", "Västra"), ("Rantala", "Strandby"),
)  # fmt: skip
BRANDS = (
    "Kuura", "Lumo", "Aalto", "Virta", "Tuuli", "Kaste", "Sointu", "Utu", "Hehku", "Lähde", "Kajo", "Usva", "Pouta",
    "Kide", "Ruska", "Halla", "Kelo", "Tyyni", "Ilta", "Aamu",
)  # fmt: skip
# (kind of organisation, Finnish suffix, Swedish suffix, what it runs)
COMPANY_TYPES = (
    ("health", "Terveys Oy", "Hälsa Ab"),
    ("dental", "Hammasklinikat Oy", "Tandkliniker Ab"),
    ("care", "Hoiva Oy", "Omsorg Ab"),
    ("dentech", "Hammastekniikka Oy", "Tandteknik Ab"),
)
# Finland, roughly, in EPSG:3067: northing bands with their easting spans and their share of municipalities.
BANDS = (
    (6_650_000, 6_800_000, 90_000, 680_000, 0.35),
    (6_800_000, 7_050_000, 200_000, 700_000, 0.35),
    (7_050_000, 7_300_000, 280_000, 640_000, 0.15),
    (7_300_000, 7_550_000, 340_000, 600_000, 0.10),
    (7_550_000, 7_760_000, 380_000, 520_000, 0.05),
)
SERVICE_KINDS = ("sote", "dental", *VOUCHER_SERVICES)  # six services per municipality


@dataclass(frozen=True)
class SyntheticMunicipality:
    code: str
    fi: str
    sv: str
    bilingual: bool
    region: int
    easting: float
    northing: float
    locations: int

    @property
    def names(self) -> dict[str, str]:
        return {"fi": self.fi, "sv": self.sv, "en": self.fi}


@dataclass(frozen=True)
class Org:
    key: str
    id: str
    type_: str
    names: dict[str, str]
    runs: str  # public | health | dental | care | dentech | association


@dataclass(frozen=True)
class NationalFeedSummary:
    out_dir: Path
    seed: int
    today: date
    locations: int
    municipalities: int
    services: int
    organizations: int
    channel_pages: int
    service_pages: int
    organization_pages: int
    bytes_written: int
    seconds: float


def synthetic_municipalities(count: int, locations: int, rng: random.Random) -> list[SyntheticMunicipality]:
    """`count` municipalities with distinct codes and names; `locations` shared out by a skewed population."""
    if not 1 <= count <= min(len(NAME_FIRST) * len(NAME_SECOND), 999):
        raise ValueError(f"municipalities must be 1..{len(NAME_FIRST) * len(NAME_SECOND)}")
    if locations < count:
        raise ValueError("need at least one location per municipality")
    codes = sorted(rng.sample(range(1, 1000), count))
    names = rng.sample([(a, b) for a in NAME_FIRST for b in NAME_SECOND if a[0].lower() != b[0]], count)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(count)]
    rng.shuffle(weights)
    share = locations - count  # everyone gets one, the rest by weight
    total = sum(weights)
    counts = [1 + math.floor(share * w / total) for w in weights]
    for i in sorted(range(count), key=lambda i: -weights[i])[: locations - sum(counts)]:
        counts[i] += 1
    band_weights = [band[4] for band in BANDS]
    result = []
    for i, (code, ((fi1, sv1), (fi2, sv2))) in enumerate(zip(codes, names, strict=True)):
        n_low, n_high, e_low, e_high, _ = rng.choices(BANDS, band_weights)[0]
        bilingual = rng.random() < 0.15
        result.append(
            SyntheticMunicipality(
                code=f"{code:03d}",
                fi=fi1 + fi2,
                sv=(sv1 + sv2).capitalize() if bilingual else fi1 + fi2,
                bilingual=bilingual,
                region=i % REGIONS,
                easting=rng.uniform(e_low, e_high),
                northing=rng.uniform(n_low, n_high),
                locations=counts[i],
            )
        )
    return result


def _organisations(seed: int, rng: random.Random, regions: int) -> list[Org]:
    orgs = [
        Org(
            f"region-{n:02d}",
            random_id(rng),
            "RegionalOrganization",
            {"fi": f"Synteettinen hyvinvointialue {n:02d}", "sv": f"Syntetiskt välfärdsområde {n:02d}"},
            "public",
        )
        for n in range(1, regions + 1)
    ]
    for n in range(COMPANIES):
        runs, fi, sv = COMPANY_TYPES[n % len(COMPANY_TYPES)]
        brand = BRANDS[n % len(BRANDS)] + ("" if n < len(BRANDS) else f" {n // len(BRANDS) + 1}")
        orgs.append(
            Org(f"company-{n}", random_id(rng), "Company", {"fi": f"{brand} {fi}", "sv": f"{brand} {sv}"}, runs)
        )
    for n in range(ASSOCIATIONS):
        brand = BRANDS[-1 - n]
        names = {"fi": f"{brand}-yhdistys ry (synteettinen)", "sv": f"Föreningen {brand} rf (syntetisk)"}
        orgs.append(Org(f"association-{n}", random_id(rng), "Organization", names, "association"))
    return orgs


class _NationalWriter:
    def __init__(self, out_dir: Path, seed: int, today: date, municipalities: list[SyntheticMunicipality]) -> None:
        self.seed = seed
        self.today = today
        self.municipalities = municipalities
        rng = random.Random(f"{seed}/national/organisations")
        regions = min(REGIONS, len(municipalities))
        self.orgs = _organisations(seed, rng, regions)
        self.regions = self.orgs[:regions]
        self.by_runs: dict[str, list[Org]] = defaultdict(list)
        for org in self.orgs:
            self.by_runs[org.runs].append(org)
        self.org_services: dict[str, list[tuple[str, str, str, str | None]]] = defaultdict(list)
        holidays = upcoming_holidays(today)
        self.hours = {}  # profile -> serviceHours, shared by every channel with that profile (never mutated)
        profiles = ("public_sote", "public_sote_evening", "private_sote", "third_sector", "public_dental")
        profiles += ("private_dental", "home_care", "home_nursing_night", "always_open", "by_appointment")
        for profile in profiles:
            self.hours[profile] = profile_hours(profile, holidays)
        total = sum(m.locations for m in municipalities)
        self.channels = PageWriter(out_dir, CHANNEL_PAGES, total)
        self.services = PageWriter(out_dir, SERVICE_PAGES, len(municipalities) * len(SERVICE_KINDS))
        self.organizations = PageWriter(out_dir, ORGANIZATION_PAGES, len(self.orgs))

    # -- one location ----------------------------------------------------------------------------------------
    def _choose(self, rng: random.Random, region: Org) -> tuple[str, Org, tuple[str, ...], str]:
        """(kind, owner, voucher services, hours profile) of one location."""
        roll = rng.random()
        if roll < 0.30:
            owner_roll = rng.random()
            if owner_roll < 0.6:
                return SOTE_CENTRE, region, (), rng.choice(("public_sote", "public_sote_evening"))
            if owner_roll < 0.9:
                return SOTE_CENTRE, rng.choice(self.by_runs["health"]), (), "private_sote"
            return SOTE_CENTRE, rng.choice(self.by_runs["association"]), (), "third_sector"
        if roll < 0.55:
            if rng.random() < 0.5:
                return DENTAL_UNIT, region, (), "public_dental"
            return DENTAL_UNIT, rng.choice(self.by_runs["dental"]), (), "private_dental"
        service = rng.choices(tuple(VOUCHER_SERVICES), (0.35, 0.25, 0.3, 0.1))[0]
        if service == "dental_prosthetics":
            return VOUCHER_PROVIDER, rng.choice(self.by_runs["dentech"]), (service,), "by_appointment"
        owner = rng.choice(self.by_runs["care"] if rng.random() < 0.85 else self.by_runs["association"])
        if service == "housing_services":
            return VOUCHER_PROVIDER, owner, (service,), "always_open"
        both = ("home_care", "home_nursing") if rng.random() < 0.3 else (service,)
        return VOUCHER_PROVIDER, owner, both, "home_nursing_night" if "home_nursing" in both else "home_care"

    def _location(
        self,
        rng: random.Random,
        m: SyntheticMunicipality,
        m_ref: Json,
        areas: list[Json],
        region: Org,
        service_ids: dict[str, str],
        service_names: dict[str, str],
    ) -> tuple[Json, str, list[str]]:
        kind, owner, vouchers, profile = self._choose(rng, region)
        district_fi, district_sv = rng.choice(DISTRICTS)
        if owner is region:
            base = {
                SOTE_CENTRE: ("Sote-keskus", "Social- och hälsocentralen"),
                DENTAL_UNIT: ("Hammashoitola", "Tandkliniken"),
            }
            fi, sv = base[kind]
            names = {"fi": f"{fi} {m.fi} {district_fi}", "sv": f"{sv} {m.sv} {district_sv}"}
        else:
            names = {"fi": f"{owner.names['fi'].rsplit(' ', 1)[0]} {m.fi} {district_fi}"}
            names["sv"] = f"{owner.names['sv'].rsplit(' ', 1)[0]} {m.sv} {district_sv}"
        if kind in KIND_TEXTS:
            texts = KIND_TEXTS[kind]
            summary = {lang: texts["summary"][lang].format(name=names[lang]) for lang in ("fi", "sv")}
            description = {lang: texts["description"][lang] for lang in ("fi", "sv")}
        else:
            summary, description = voucher_texts(names, vouchers)
        street_fi, street_sv = rng.choice(STREETS)
        easting, northing = jitter(rng, m.easting, m.northing, LOCATION_RADIUS_M)
        lat, lon = coordinate(northing), coordinate(easting)
        street = street_address(
            street={"fi": street_fi, "sv": street_sv if m.bilingual else street_fi},
            street_number=str(rng.randint(1, 60)),
            postal_code=f"{m.code}{rng.choice(('00', '10', '20', '30', '40'))}",
            post_office={"fi": m.fi.upper(), "sv": m.sv.upper()},
            municipality=m_ref,
            latitude=lat,
            longitude=lon,
        )
        door = entrance(name=ENTRANCE_NAME, latitude=lat, longitude=lon, groups=accessibility_groups(rng))
        digits = f"{rng.randint(2, 9)}{rng.randint(1_000_000, 9_999_999)}"
        slug = f"{ascii_slug(m.fi)}-{ascii_slug(district_fi)}"
        channel_key_list = ["sote"] if kind == SOTE_CENTRE else ["dental"] if kind == DENTAL_UNIT else list(vouchers)
        modified = modified_before(self.today, rng)
        channel = service_location_channel(
            channel_id=random_id(rng),
            organization_id=owner.id,
            names=names,
            summary=summary,
            description=description,
            areas=areas,
            phones=[phone_number(digits, language="fi"), phone_number(digits, language="sv")],
            emails=[email(f"{slug}@{DOMAIN}", "fi")],
            languages=("fi", "sv") if m.bilingual else ("fi",),
            web_pages=[web_page(f"https://{DOMAIN}/{slug}", names["fi"], "fi")],
            addresses=[location_address(street, [door])],
            service_hours=self.hours[profile],
            services=[service_connection(service_ids[k], service_names[k], modified) for k in channel_key_list],
            modified=modified,
        )
        if owner is not region:
            provision = "Other" if kind == VOUCHER_PROVIDER else "ProcuredServices"
            for key in channel_key_list:
                self.org_services[owner.key].append((service_ids[key], service_names[key], "Producer", provision))
        return channel, owner.key, channel_key_list

    # -- one municipality ------------------------------------------------------------------------------------
    def municipality(self, m: SyntheticMunicipality) -> None:
        rng = random.Random(f"{self.seed}/national/municipality/{m.code}")
        region = self.regions[m.region]
        m_ref = municipality_ref(m.code, m.names)
        areas = municipality_areas([m_ref])
        service_ids = {key: random_id(rng) for key in SERVICE_KINDS}
        service_names = {
            "sote": f"Sote-keskuksen vastaanottopalvelut, {m.fi}",
            "dental": f"Suun terveydenhuolto, {m.fi}",
            **{key: f"{VOUCHER_SERVICES[key]['names']['fi']}, {m.fi}" for key in VOUCHER_SERVICES},
        }
        connections: dict[str, list[Json]] = {key: [] for key in SERVICE_KINDS}
        producers: dict[str, dict[str, None]] = {key: {} for key in SERVICE_KINDS}
        for _ in range(m.locations):
            channel, owner_key, keys = self._location(rng, m, m_ref, areas, region, service_ids, service_names)
            self.channels.add(channel)
            name = channel["serviceChannelNames"][0]["value"]
            for key in keys:
                connections[key].append(channel_connection(channel["id"], name, channel["modified"]))
                producers[key][owner_key] = None
        orgs = {org.key: org for org in self.orgs}
        for key in SERVICE_KINDS:
            producer_orgs = [orgs[k] for k in producers[key]]
            sid, name = service_ids[key], service_names[key]
            self.services.add(self._service(rng, m, region, key, sid, name, areas, connections[key], producer_orgs))
            self.org_services[region.key].append((service_ids[key], service_names[key], "Responsible", None))

    def _service(
        self,
        rng: random.Random,
        m: SyntheticMunicipality,
        region: Org,
        key: str,
        sid: str,
        name: str,
        areas: list[Json],
        connections: list[Json],
        producers: Sequence[Org],
    ) -> Json:
        organizations = [service_organization(region.id, region.names["fi"], "Responsible")]
        voucher = VOUCHER_SERVICES.get(key)
        for producer in producers:
            if producer is region:
                provision = "SelfProducedServices"
            else:
                provision = "Other" if voucher else "ProcuredServices"
            organizations.append(service_organization(producer.id, producer.names["fi"], "Producer", provision))
        if voucher:
            classes, targets = voucher["classes"], voucher["targets"]
            summary = voucher["summary"]
            url = f"https://{DOMAIN}/{ascii_slug(m.fi)}/palveluseteli/{key.replace('_', '-')}"
            vouchers = [{"value": voucher["names"]["fi"], "language": "fi", "url": url, "additionalInformation": None}]
        else:
            kind = SOTE_CENTRE if key == "sote" else DENTAL_UNIT
            classes = ("P5.1", "P4.13") if key == "sote" else ("P5.10",)
            targets = ("KR1",)
            summary = {lang: KIND_TEXTS[kind]["summary"][lang].format(name=region.names[lang]) for lang in ("fi", "sv")}
            vouchers = []
        return service_record(
            service_id=sid,
            general_description_id=None,
            names={"fi": name, "sv": name},
            funding_type="PubliclyFunded",
            charge_type="Chargeable",
            areas=areas,
            summary=summary,
            description=summary,
            user_instruction=None,
            languages=("fi", "sv") if m.bilingual else ("fi",),
            class_codes=classes,
            target_group_codes=targets,
            keywords={},
            laws=[],
            channels=connections,
            organizations=organizations,
            vouchers=vouchers,
            modified=modified_before(self.today, rng),
        )

    # -- organisations, last ---------------------------------------------------------------------------------
    def organisations(self) -> None:
        rng = random.Random(f"{self.seed}/national/organisation-records")
        home = self.municipalities[0]
        for org in self.orgs:
            m = self.municipalities[rng.randrange(len(self.municipalities))] if org.runs != "public" else home
            m_ref = municipality_ref(m.code, m.names)
            digits = f"{rng.randint(2, 9)}{rng.randint(1_000_000, 9_999_999)}"
            easting, northing = jitter(rng, m.easting, m.northing, 2000)
            note = {
                "fi": "Synteettinen organisaatio kuormitustestejä varten.",
                "sv": "Syntetisk organisation för lasttester.",
            }
            services = [organization_service(*entry) for entry in dict.fromkeys(self.org_services[org.key])]
            self.organizations.add(
                organization_record(
                    organization_id=org.id,
                    organization_type=org.type_,
                    business_code=business_code(rng),
                    names=org.names,
                    municipality=m_ref if org.runs != "public" else None,
                    areas=None,
                    summary=note,
                    description=note,
                    emails=[organization_email(f"{org.key}@{DOMAIN}", "fi")],
                    phones=[organization_phone_number(digits, language="fi")],
                    web_pages=[web_page(f"https://{DOMAIN}/{org.key}", org.names["fi"], "fi")],
                    addresses=[
                        visiting_address(
                            street_address(
                                street={"fi": "Kauppakatu", "sv": "Handelsgatan" if m.bilingual else "Kauppakatu"},
                                street_number=str(rng.randint(1, 40)),
                                postal_code=f"{m.code}00",
                                post_office={"fi": m.fi.upper(), "sv": m.sv.upper()},
                                municipality=m_ref,
                                latitude=coordinate(northing),
                                longitude=coordinate(easting),
                            )
                        )
                    ],
                    services=services,
                    modified=modified_before(self.today, rng),
                )
            )


def write_national_feed(
    out_dir: Path,
    *,
    locations: int = 50_000,
    municipalities: int = 300,
    seed: int = DEFAULT_SEED,
    today: date = DEFAULT_TODAY,
) -> NationalFeedSummary:
    """Write a synthetic national feed into `out_dir` (created if missing; earlier pages there are replaced)."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_pages(out_dir, (CHANNEL_PAGES, SERVICE_PAGES, ORGANIZATION_PAGES))
    rng = random.Random(f"{seed}/national/municipalities")
    towns = synthetic_municipalities(municipalities, locations, rng)
    writer = _NationalWriter(out_dir, seed, today, towns)
    for town in towns:
        writer.municipality(town)
    writer.organisations()
    pages = [w.close() for w in (writer.channels, writer.services, writer.organizations)]
    return NationalFeedSummary(
        out_dir=out_dir,
        seed=seed,
        today=today,
        locations=locations,
        municipalities=municipalities,
        services=writer.services.total,
        organizations=writer.organizations.total,
        channel_pages=pages[0],
        service_pages=pages[1],
        organization_pages=pages[2],
        bytes_written=sum(w.bytes_written for w in (writer.channels, writer.services, writer.organizations)),
        seconds=time.perf_counter() - started,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.national_feed",
        description="Write a synthetic national-scale PTV v11 feed (page files) into OUT_DIR.",
    )
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("--locations", type=int, default=50_000)
    parser.add_argument("--municipalities", type=int, default=300)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY, help="YYYY-MM-DD")
    args = parser.parse_args(argv)
    try:
        summary = write_national_feed(
            args.out_dir, locations=args.locations, municipalities=args.municipalities, seed=args.seed, today=args.today
        )
    except ValueError as exc:
        parser.error(str(exc))
    print(
        f"{summary.out_dir}: {summary.locations} service locations in {summary.municipalities} municipalities, "
        f"{summary.services} services, {summary.organizations} organisations; "
        f"{summary.channel_pages + summary.service_pages + summary.organization_pages} page files, "
        f"{summary.bytes_written / 1e6:.1f} MB in {summary.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
