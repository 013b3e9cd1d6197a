"""Benchmark entries of the accounts app: the home page, and the access journal at 1 million events
per unit of scale."""

from datetime import timedelta

from bench import filler, page

ACTIONS = ["view", "view", "view", "list", "search", "update", "sign-in", "create", "export"]
TYPES = ["victims.callout", "victims.person", "victims.referral", "accounts.user"]


@filler
def fill_journal(ctx):
    from accounts.models import User
    from accounts.tests.factories import UserFactory

    users = [UserFactory(email=f"journal-{n}@bench.invalid", roles=["assistant"]) for n in range(12)]
    users += list(User.objects.all())
    total = 1_000_000 * ctx.scale
    span = timedelta(days=3650).total_seconds()
    start = ctx.now - timedelta(days=3650)
    rng = ctx.rng

    def rows():
        for n in range(total):
            user = users[rng.randrange(len(users))]
            at = start + timedelta(seconds=span * n / total)
            action = ACTIONS[rng.randrange(len(ACTIONS))]
            kind = TYPES[rng.randrange(len(TYPES))]
            yield (
                at,
                user.pk,
                user.email,
                action,
                kind,
                str(rng.randrange(50_000)),
                f"{kind} {n}",
                "",
                "10.0.0.1",
                "Mozilla/5.0",
            )

    ctx.copy(
        "accounts_accessevent",
        [
            "at",
            "actor_id",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "description",
            "motif",
            "ip",
            "user_agent",
        ],
        rows(),
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_accessevent")


@page("Home page", role="assistant")
def home(ctx):
    return "/"


@page("Access journal, first page", role="dpo")
def journal(ctx):
    return "/journal/"


@page("Access journal, one user over a month", role="dpo")
def journal_filtered(ctx):
    from accounts.models import User

    user = User.objects.filter(email="journal-3@bench.invalid").first()
    until = ctx.now.date()
    since = until - timedelta(days=30)
    return f"/journal/?actor={user.pk}&since={since}&until={until}"


@page("Access journal, who saw one object", role="dpo")
def journal_object(ctx):
    return "/journal/?object_type=victims.callout&object_id=4242"
