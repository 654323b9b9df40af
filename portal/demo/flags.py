"""Demo flags for `make run`: the three the demo's people follow, and older ones so the organiser's queue and figures
have content.

- Aino's flag about information that did not move between her sote centre and her dental unit (her two listings):
  in review, with a reply. She asked to be told by e-mail, so `flask demo serve` writes that e-mail to instance/mail.
- Helmi's flag, sent by her daughter Sari under the demo mandate: the home-care provider of Helmi's client voucher
  charged a fee on top of it. Waiting for the provider.
- Erik's flag in Swedish, closed as not resolved: he can dispute it.
- Twelve older flags by the demo residents across the categories and the past months, some resolved, some with a
  provider's response recorded.

Everything goes through portal.flags.services, as the organiser worker Olli Järjestäjä: his staff row is created
here as his first login would create it (portal.auth.services.staff_from_claims: the staff provider's issuer and
his subject), so when he logs in it is the same row, and the flags assigned to him are his. Afterwards the dates
are moved into the past (the services stamp the present), and the older flags' news is marked read and their
e-mails as already sent, so starting the demo does not send a year's worth of e-mail. The access log keeps the
real time of loading, as it must. Idempotent: each flag has a fixed request key, and one already there is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from portal.auth.services import CurrentUser
from portal.demo.personas import PERSONAS
from portal.demo.ptv_feed import DEFAULT_SEED, channel_id
from portal.extensions import db
from portal.flags import services
from portal.models import CatalogueLocation, Flag, FlagNotification, Mandate, Person, StaffUser

ORGANISER_SUBJECT = "olli.jarjestaja"


@dataclass(frozen=True)
class DemoFlag:
    key: str  # the request key's tail: fixed, so a second load finds it
    person: str  # whose care
    category: str
    units: tuple[str, ...]  # demo catalogue unit keys
    days_ago: int  # sent
    description: str
    language: str = "fi"
    flagger: str | None = None  # a relative under the mandate; None: the person
    contact: str = "portal"
    # What the organiser did, in order: ("status", status, reply), ("reply", text), ("note", text),
    # ("response", unit index, text), ("assign",)
    steps: tuple[tuple, ...] = ()
    read: bool = True  # the flagger has seen the news


FEATURED = (
    DemoFlag(
        "aino-information",
        "aino.virtanen",
        "information_not_moved",
        ("s-jarvenpaa", "d-jarvenpaa"),
        9,
        "Kävin hammashoitolassa 3 viikkoa sitten. Olin kertonut terveysasemalla, että minulle aloitettiin "
        "verenohennuslääke, ja lääkäri sanoi että tieto näkyy myös hammashoitolassa. Hammaslääkäri ei kuitenkaan "
        "nähnyt lääkitystä, ja poistoa jouduttiin siirtämään. Nyt en tiedä, kenen pitäisi korjata tiedot.",
        contact="email",
        steps=(
            ("assign",),
            ("note", "Tarkistetaan Kanta-kirjaukset molemmista yksiköistä ennen vastausta."),
            (
                "status",
                "in_review",
                "Kiitos ilmoituksesta. Selvitämme sote-keskuksen ja hammashoitolan kanssa, miksi lääkitystieto ei "
                "näkynyt. Vastaamme teille kahden viikon kuluessa.",
            ),
        ),
        read=False,
    ),
    DemoFlag(
        "helmi-fee",
        "helmi.nieminen",
        "fee_charged",
        ("v-kotikaari-hyvinkaa",),
        16,
        "Äitini Helmi Nieminen saa kotihoitoa palvelusetelillä. Lokakuun laskussa oli setelin lisäksi 45 euron "
        '"käsittelymaksu", vaikka setelin arvo kattaa tunnit ja sopimuksessa ei mainita muita maksuja. '
        "Palveluntuottajan asiakaspalvelu sanoi, että maksu kuuluu kaikille.",
        flagger="sari.nieminen",
        steps=(
            ("assign",),
            (
                "status",
                "waiting_provider",
                "Olemme pyytäneet palveluntuottajalta selvityksen maksusta. Palvelusetelin sääntökirjan mukaan "
                "setelillä tuotetusta palvelusta ei saa periä muita kuin sääntökirjassa mainittuja maksuja.",
            ),
        ),
        read=False,
    ),
    DemoFlag(
        "erik-referral",
        "erik.lindqvist",
        "referral_lost",
        ("s-porvoo", "v-kvarnbacken-porvoo"),
        40,
        "Läkaren på hälsostationen skrev en remiss till hemsjukvården i augusti för såromläggning. Hemvården "
        "säger att de aldrig fått remissen, och jag har skött såret själv i sex veckor.",
        language="sv",
        steps=(
            ("status", "in_review", "Tack för anmälan. Vi utreder saken med hälsostationen och hemvården."),
            ("response", 0, "Remissen skickades 14.8 via den regionala remisstjänsten. Vi har kvittot."),
            (
                "status",
                "closed_unresolved",
                "Vi kunde inte reda ut var remissen blev kvar. Hälsostationen har skickat en ny remiss. Om du inte "
                "är nöjd med utredningen kan du bestrida avslutningen.",
            ),
        ),
        read=False,
    ),
)

_RESOLVED = ("status", "resolved", "Asia on korjattu palveluntuottajan kanssa. Kiitos, että ilmoititte.")
OLDER = (
    DemoFlag(
        "old-01",
        "aino.virtanen",
        "no_appointment",
        ("s-jarvenpaa",),
        320,
        "Yritin kolme päivää saada aikaa puhelimessa, mutta takaisinsoittoa ei tullut.",
        steps=(_RESOLVED,),
    ),
    DemoFlag(
        "old-02",
        "helmi.nieminen",
        "conflicting_instructions",
        ("s-kuutamo-hyvinkaa", "v-kotikaari-hyvinkaa"),
        290,
        "Lääkäri käski lopettaa nesteenpoistolääkkeen, mutta kotihoito antoi sitä edelleen dosetista.",
        flagger="sari.nieminen",
        steps=(
            ("status", "in_review", "Selvitämme asian lääkärin ja kotihoidon kanssa."),
            ("response", 1, "Lääkelista päivitetty, dosetti korjattu samana päivänä."),
            _RESOLVED,
        ),
    ),
    DemoFlag(
        "old-03",
        "erik.lindqvist",
        "information_not_moved",
        ("s-porvoo", "d-porvoo"),
        260,
        "Tandkliniken såg inte att jag har en klaffprotes och behöver antibiotika före behandling.",
        language="sv",
        steps=(("response", 0, "Riskuppgiften är nu synlig i den gemensamma journalen."), _RESOLVED),
    ),
    DemoFlag(
        "old-04",
        "aino.virtanen",
        "voucher_refused",
        ("d-hammasrivi-jarvenpaa",),
        230,
        "Hammasklinikka ei ottanut vastaan palveluseteliä, vaikka se on listalla setelituottajana.",
        steps=(
            ("status", "waiting_provider", "Olemme kysyneet klinikalta, miksi seteli ei kelvannut."),
            ("response", 0, "Vastaanottovirkailija ei tuntenut seteliä. Ohjeistus on korjattu."),
            _RESOLVED,
        ),
    ),
    DemoFlag(
        "old-05",
        "sari.nieminen",
        "no_appointment",
        ("s-hyryla",),
        200,
        "Kiireetöntä aikaa ei saanut, vaan neuvottiin soittamaan seuraavalla viikolla uudestaan.",
        steps=(("status", "forwarded", "Asia kuuluu potilasasiavastaavalle, jolle välitimme sen."),),
    ),
    DemoFlag(
        "old-06",
        "helmi.nieminen",
        "referral_lost",
        ("s-hyvinkaa",),
        170,
        "Lähete kuulontutkimukseen katosi, kun vaihdoin sote-keskusta.",
        flagger="sari.nieminen",
        steps=(("response", 0, "Lähete löytyi vanhasta järjestelmästä ja on lähetetty uudelleen."), _RESOLVED),
    ),
    DemoFlag(
        "old-07",
        "aino.virtanen",
        "fee_charged",
        ("s-kuutamo-jarvenpaa",),
        140,
        "Minulta perittiin käyntimaksu rokotuksesta, joka kuuluu rokotusohjelmaan.",
        steps=(("status", "closed_unresolved", "Palveluntuottaja ei ole vastannut. Asia suljettu."),),
    ),
    DemoFlag(
        "old-08",
        "erik.lindqvist",
        "other",
        ("s-saaristo-porvoo",),
        110,
        "Jag fick ingen service på svenska vid hälsostationen, trots att jag bad om det.",
        language="sv",
        steps=(("status", "in_review", "Vi tar upp saken med serviceproducenten."), _RESOLVED),
    ),
    DemoFlag(
        "old-09",
        "sari.nieminen",
        "information_not_moved",
        ("s-hyryla", "d-hyryla"),
        80,
        "Laboratoriotulokset eivät näkyneet hammashoitolassa, ja verikokeet otettiin uudestaan.",
        steps=(("status", "waiting_provider", "Olemme pyytäneet hammashoitolalta selvityksen."),),
    ),
    DemoFlag(
        "old-10",
        "aino.virtanen",
        "conflicting_instructions",
        ("s-jarvenpaa", "s-kuutamo-jarvenpaa"),
        55,
        "Kaksi lääkäriä antoi eri ohjeet verenpainelääkkeen annoksesta samalla viikolla.",
        steps=(("status", "in_review", "Selvitämme asian."),),
    ),
    DemoFlag(
        "old-11",
        "helmi.nieminen",
        "voucher_refused",
        ("v-lahimmaisapu-hyryla",),
        30,
        "Kotihoidon yritys sanoi, ettei se ota enää uusia setelillä palvelua ostavia asiakkaita.",
        flagger="sari.nieminen",
    ),
    DemoFlag(
        "old-12",
        "erik.lindqvist",
        "no_appointment",
        ("s-porvoo",),
        12,
        "Jag försökte boka tid i två veckor men fick alltid höra att tiderna är slut.",
        language="sv",
    ),
)
DEMO_FLAGS = FEATURED + OLDER


def load_demo_flags(today: date, seed: int = DEFAULT_SEED) -> int:
    """Add the demo flags not yet there; returns how many were added."""
    staff = _organiser()
    added = 0
    for demo in DEMO_FLAGS:
        request_key = f"demo-flag-{demo.key}"
        if db.session.scalar(select(Flag.id).filter_by(request_key=request_key)) is not None:
            continue
        if _add(demo, request_key, staff, today, seed):
            added += 1
    return added


def _organiser() -> CurrentUser:
    """Olli's staff row as his first login would make it (the same issuer and subject), or the one his login made."""
    issuer = current_app.config["STAFF_OIDC_ISSUER"]
    staff = db.session.scalar(select(StaffUser).filter_by(oidc_issuer=issuer, oidc_subject=ORGANISER_SUBJECT))
    if staff is None:
        claims = PERSONAS[ORGANISER_SUBJECT].claims
        staff = StaffUser(
            oidc_issuer=issuer, oidc_subject=ORGANISER_SUBJECT, name=claims["name"], email=claims["email"]
        )
        db.session.add(staff)
        db.session.commit()
    return CurrentUser("staff", staff.id, staff.name, roles=frozenset({"organiser"}))


def _person(sub: str) -> Person | None:
    return db.session.scalar(select(Person).filter_by(oidc_subject=sub))


def _add(demo: DemoFlag, request_key: str, staff: CurrentUser, today: date, seed: int) -> bool:
    person, flagger = _person(demo.person), _person(demo.flagger or demo.person)
    if person is None or flagger is None:
        return False
    providers = []
    for unit in demo.units:
        location = db.session.get(CatalogueLocation, channel_id(seed, unit))
        if location is None:
            return False
        name = (location.name_sv if demo.language == "sv" else None) or location.name_fi or ""
        providers.append((location.id, name))
    basis = None
    if demo.flagger is not None:
        mandate = db.session.scalar(
            select(Mandate).filter_by(agent_id=flagger.id, principal_id=person.id, revoked_at=None)
        )
        if mandate is None:
            return False
        basis = f"mandate:{mandate.public_id}"
    contact_email = f"{demo.flagger or demo.person}@example.invalid" if demo.contact == "email" else None
    draft = services.FlagDraft(
        category=demo.category,
        providers=providers,
        happened_on=today - timedelta(days=demo.days_ago + 5),
        description=demo.description,
        contact_method=demo.contact,
        contact_email=contact_email,
        consent_share=True,
    )
    flagger_user = CurrentUser("resident", flagger.id, flagger.display_name)
    flag = services.submit_flag(
        draft, person_id=person.id, flagger=flagger_user, basis=basis, language=demo.language, request_key=request_key
    )
    for step in demo.steps:
        if step[0] == "status":
            services.change_status(flag, step[1], staff, reply=step[2], forwarded_to=_forwarded(step[1]))
        elif step[0] == "reply":
            services.reply(flag, step[1], staff)
        elif step[0] == "note":
            services.add_note(flag, step[1], staff)
        elif step[0] == "response":
            services.record_response(flag, flag.providers[step[1]].id, step[2], staff)
        elif step[0] == "assign":
            services.assign(flag, int(staff.id), staff)
    _backdate(flag, today, demo)
    db.session.commit()
    return True


def _forwarded(status: str) -> str | None:
    return "Potilas- ja sosiaaliasiavastaava, Keski-Uudenmaan hyvinvointialue" if status == "forwarded" else None


def _backdate(flag: Flag, today: date, demo: DemoFlag) -> None:
    """Sent `days_ago` at ten in the morning (Helsinki); each later step some days after the one before (ending
    before today), so ages, ageing and figures per month read as a real history would."""
    sent = datetime.combine(today - timedelta(days=demo.days_ago), time(8, 0))  # UTC, naive as the columns
    span = max(demo.days_ago - 1, 1)
    gap = timedelta(days=max(span // max(len(flag.events), 1), 1))
    moments = {}
    for number, event in enumerate(flag.events):
        event.at = sent + gap * number + timedelta(minutes=17 * number)
        moments[event.id] = event.at
        for provider in flag.providers:
            if event.kind == "provider_response" and provider.provider_id == event.provider_id:
                provider.responded_at = event.at
    flag.created_at = sent
    flag.updated_at = max(moments.values(), default=sent)
    if flag.closed_at is not None:
        flag.closed_at = flag.updated_at
    news = db.session.scalars(select(FlagNotification).filter_by(flag_id=flag.id))
    for notification in news:
        notification.created_at = moments.get(notification.event_id, sent)
        if demo.read:
            notification.read_at = notification.created_at + timedelta(hours=3)
            if notification.email_status == "pending":
                notification.email_status, notification.email_attempts = "sent", 1
