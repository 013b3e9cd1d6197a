"""Benchmark entries of victim assistance: ten years of callouts (about 5,000 callouts, 20,000
persons, 10,000 referrals per unit of scale), then the callout list (default and full text), a
callout with 5 persons and 5 referrals, and the person search."""

import contextlib
import importlib
import uuid
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from bench import filler, page

CALLOUTS = 5_000
PERSONS = 20_000
REFERRALS = 10_000
ASSISTANTS = 6

FIRST = [
    "Marie",
    "Jean",
    "Fatima",
    "Mohamed",
    "Sofia",
    "Pieter",
    "Nadia",
    "Luc",
    "Inès",
    "Youssef",
    "Anne",
    "Thomas",
    "Élodie",
    "Karim",
    "Lies",
    "Jan",
    "Camille",
    "Mehdi",
    "Sarah",
    "Hélène",
    "Noah",
    "Lina",
]
LAST = [
    "Dubois",
    "Peeters",
    "El Amrani",
    "Janssens",
    "Lambert",
    "Benali",
    "Dumont",
    "Maes",
    "Vandenberghe",
    "Lefèvre",
    "Ouali",
    "Claes",
    "Martin",
    "Wouters",
    "Mertens",
    "Jacobs",
    "Dupont",
    "Willems",
    "Goossens",
    "Bouzid",
    "Van den Bossche",
    "Renard",
    "Simon",
    "Laurent",
    "De Smet",
    "Aydin",
    "Yilmaz",
    "Nowak",
]
WORDS = [
    "famille",
    "soutien",
    "enfants",
    "hôpital",
    "voisins",
    "commissariat",
    "épouse",
    "père",
    "mère",
    "choc",
    "audition",
    "logement",
    "mise à l'abri",
    "interprète",
    "fratrie",
    "collègues",
    "débriefing",
    "annonce",
    "décès",
    "plainte",
    "slachtoffer",
    "familie",
    "ziekenhuis",
    "buren",
    "opvang",
]
PLACES = [
    "Avenue Louis Bertrand",
    "Rue Stroobants",
    "Chaussée de Haecht",
    "Place Colignon",
    "Rue de Brabant",
    "Boulevard Lambermont",
    "Rue Royale Sainte-Marie",
    "Avenue Rogier",
    "Chaussée de Louvain",
]


# About 400 words, so that a two-word search is as selective as on real summaries (a few dozen hits
# in 5,000 callouts), not a match on every other row.
SYLLABLES = [
    "ba",
    "cor",
    "lin",
    "mer",
    "tra",
    "vo",
    "sel",
    "dur",
    "pa",
    "gi",
    "no",
    "ric",
    "fal",
    "zen",
    "mo",
    "ter",
    "sul",
    "ka",
    "den",
    "lu",
]
VOCABULARY = WORDS + [a + b for a in SYLLABLES for b in SYLLABLES]


# Family names: the common ones above and some 400 more, so a name search finds dozens, not a
# twentieth of the population.
SURNAMES = LAST + [(a + b + "s").capitalize() for a in SYLLABLES for b in SYLLABLES]


def _summary(rng) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(8, 25))).capitalize() + "."


TABLES = ("callout", "person", "involvement", "assistanceaction", "referral", "followup")


@contextlib.contextmanager
def history_triggers_off():
    """Bulk load without the change-history triggers: each row's trigger opens a subtransaction
    (pghistory's EXCEPTION block), and a single COPY of 100,000 rows with 100,000 subtransactions
    slows down quadratically. A live database writes a few rows per transaction; it never sees this."""
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ALTER TABLE victims_{table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"ALTER TABLE victims_{table} ENABLE TRIGGER USER")


@filler
def fill_victims(ctx):
    with history_triggers_off():
        _fill(ctx)
    # The steady state of a live database, where autovacuum has run: statistics, visibility map,
    # and GIN pending lists merged (a fresh GIN index after COPY is costed too high to be used).
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE victims_{table}")


def _fill(ctx):
    from accounts.tests.factories import UserFactory
    from directory.models import Commune, PartnerService, PartnerServiceKind
    from victims.models import IncidentCategory

    rng = ctx.rng
    scale = ctx.scale
    # The bench empties every table: the categories of the data migration come back here.
    migration = importlib.import_module("victims.migrations.0002_incident_categories")
    for order, (code, fr, nl) in enumerate(migration.CATEGORIES, start=1):
        IncidentCategory.objects.update_or_create(
            code=code, defaults={"name_fr": fr, "name_nl": nl, "sort_order": order}
        )
    categories = list(IncidentCategory.objects.values_list("pk", flat=True))
    communes = list(Commune.objects.values_list("pk", flat=True))
    kinds = {kind.code: kind for kind in PartnerServiceKind.objects.all()}
    services = []
    for n, (code, commune) in enumerate(
        [
            ("bav", communes[0]),
            ("bav", communes[1]),
            ("bav", communes[2]),
            ("caw", None),
            ("sav", None),
            ("cpvs", None),
            ("eva", communes[1]),
            ("justice-reception", None),
            ("cpas", communes[0]),
            ("mental-health", None),
        ]
    ):
        services.append(
            PartnerService.objects.create(
                name_fr=f"Service {code} {n}",
                name_nl=f"Dienst {code} {n}",
                kind=kinds[code],
                commune_id=commune,
                email=f"service{n}@bench.invalid",
            ).pk
        )
    team = [UserFactory(email=f"victims-{n}@bench.invalid", roles=["assistant"]).pk for n in range(ASSISTANTS)]
    now = ctx.now
    span = timedelta(days=3650).total_seconds()
    total_callouts = CALLOUTS * scale

    def callouts():
        counters = {}
        for n in range(total_callouts):
            received = now - timedelta(seconds=span * (total_callouts - n) / total_callouts) - timedelta(hours=3)
            year = timezone.localtime(received).year
            counters[year] = counters.get(year, 0) + 1
            recent = n >= total_callouts - 5
            status = "on_scene" if recent else ("cancelled" if n % 40 == 0 else "closed")
            accepted = received + timedelta(minutes=rng.randint(1, 8))
            departed = accepted + timedelta(minutes=rng.randint(2, 10))
            arrived = departed + timedelta(minutes=rng.randint(10, 40))
            ended = None if recent else arrived + timedelta(minutes=rng.randint(30, 180))
            cancelled = ended if status == "cancelled" else None
            yield (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                f"INT-{year}-{counters[year]:04d}",
                status,
                "page",
                received,
                rng.choice(categories),
                rng.choice(communes),
                f"{rng.choice(PLACES)} {rng.randint(1, 200)}",
                "",
                "",
                rng.choice(["on_site", "home", "phone", "hospital", "station"]),
                rng.choice(team),
                accepted,
                departed,
                arrived,
                None if status == "cancelled" else ended,
                cancelled,
                _summary(rng),
                False,
                3,
                1,
                received,
                received,
                "",
                "",
            )
        ctx.data["reference_counters"] = counters

    ctx.copy(
        "victims_callout",
        [
            "public_id",
            "reference",
            "status",
            "channel",
            "received_at",
            "category_id",
            "commune_id",
            "place",
            "context",
            "pv_number",
            "mode",
            "assistant_id",
            "accepted_at",
            "departed_at",
            "arrived_at",
            "ended_at",
            "cancelled_at",
            "summary",
            "debrief_needed",
            "escalation_step",
            "version",
            "created_at",
            "updated_at",
            "callback_phone",
            "requesting_officer_name",
        ],
        callouts(),
    )
    with connection.cursor() as cursor:
        for year, last in ctx.data["reference_counters"].items():
            cursor.execute(
                "INSERT INTO victims_referencecounter (prefix, year, last_value) VALUES ('INT', %s, %s) "
                "ON CONFLICT (prefix, year) DO UPDATE SET last_value = EXCLUDED.last_value",
                [year, last],
            )
        cursor.execute("SELECT id, received_at FROM victims_callout ORDER BY id")
        callout_rows = cursor.fetchall()
    total_persons = PERSONS * scale

    def persons():
        for _n in range(total_persons):
            yield (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                rng.choice(FIRST),
                rng.choice(SURNAMES),
                rng.randint(1935, 2020),
                "",
                False,
                rng.choice(["fr", "fr", "nl", "other"]),
                "",
                False,
                f"+3247{rng.randint(1000000, 9999999)}",
                "",
                "",
                rng.choice(communes),
                "{}",
                "",
                True,
                now,
                True,
                now,
                now,
            )

    ctx.copy(
        "victims_person",
        [
            "public_id",
            "first_name",
            "last_name",
            "birth_year",
            "age_band",
            "is_minor",
            "language",
            "language_other",
            "needs_interpreter",
            "phone",
            "email",
            "address",
            "commune_id",
            "vulnerabilities",
            "notes",
            "consent_contact",
            "consent_contact_at",
            "consent_referral",
            "consent_referral_at",
            "created_at",
        ],
        persons(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM victims_person")
        first_person = cursor.fetchone()[0]
    # Each person on one callout (about four per callout); the last callout gets exactly five
    # persons and five referrals: the detail page measured below.
    detail_index = len(callout_rows) - 1
    person_callout = [
        (first_person + n, callout_rows[min(n * len(callout_rows) // total_persons, detail_index - 1)])
        for n in range(total_persons - 5)
    ] + [(first_person + total_persons - 5 + k, callout_rows[detail_index]) for k in range(5)]
    ctx.copy(
        "victims_involvement",
        ["callout_id", "person_id", "role", "created_at"],
        (
            (callout[0], person, rng.choice(["victim", "relative", "bereaved", "witness"]), callout[1])
            for person, callout in person_callout
        ),
    )
    ctx.copy(
        "victims_assistanceaction",
        ["callout_id", "person_id", "kind", "at", "note"],
        (
            (
                callout[0],
                person,
                rng.choice(["information", "emotional", "practical", "shelter"]),
                callout[1],
                _summary(rng) if rng.random() < 0.3 else "",
            )
            for person, callout in person_callout
            if rng.random() < 0.5 or callout[0] == callout_rows[detail_index][0]
        ),
    )
    referred = rng.sample(person_callout[:-5], REFERRALS * scale - 5) + person_callout[-5:]

    def referrals():
        for person, callout in referred:
            sent = callout[1] + timedelta(hours=3)
            yield (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                callout[0],
                person,
                rng.choice(services),
                "email",
                rng.choice(["taken", "taken", "received", "declined", "closed", "sent"]),
                "",
                sent,
                "",
                "nonce",
                sent,
                sent + timedelta(hours=30),
                sent + timedelta(hours=30),
                "",
                sent,
            )

    ctx.copy(
        "victims_referral",
        [
            "public_id",
            "callout_id",
            "person_id",
            "service_id",
            "method",
            "status",
            "message",
            "consent_at",
            "legal_basis",
            "link_nonce",
            "sent_at",
            "acknowledged_at",
            "answered_at",
            "service_note",
            "created_at",
        ],
        referrals(),
    )
    ctx.copy(
        "victims_followup",
        ["callout_id", "due_on", "assignee_id", "note", "created_at"],
        (
            (callout_rows[-1 - n][0], (now + timedelta(days=n % 10)).date(), team[n % ASSISTANTS], _summary(rng), now)
            for n in range(200 * scale)
        ),
    )


def _detail_callout():
    from victims.models import Callout

    return Callout.objects.order_by("-id").values_list("public_id", flat=True).first()


# Issue 4: at most twice the framework floor at scale 1, three times at scale 20.
BUDGET = {1: 2.0, 20: 3.0}


@page("Victims: callout list, default (10 years)", role="assistant", budget=BUDGET)
def callout_list(ctx):
    return "/victims/"


@page("Victims: callout list, full-text search", role="assistant", budget=BUDGET)
def callout_search(ctx):
    return "/victims/?q=interprete+hopital"


@page("Victims: callout page with 5 persons and 5 referrals", role="assistant", budget=BUDGET)
def callout_detail(ctx):
    return f"/victims/c/{_detail_callout()}/"


@page("Victims: person search by name (with a reason)", role="assistant", budget=BUDGET)
def person_search(ctx):
    return "/victims/persons/?q=vandenberghe&motif=bench+run"
