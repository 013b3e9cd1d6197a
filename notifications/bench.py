"""Benchmark entries of the notifications app: ten years of outbox (about 1 million rows per unit of
scale), the inbox of a busy assistant, the admin's delivery list, and the sweeper sending 1,000 due
messages through e-mail and SMS backends that take 20 ms each (a slow SMTP relay / SMS gateway).
"""

import time
import uuid
from datetime import timedelta

from django.core.mail.backends.base import BaseEmailBackend
from django.test.utils import override_settings
from django.utils import timezone

from bench import filler, page, task

SEND_DELAY = 0.020  # seconds per message, like a remote relay or gateway
INBOX_USER = "bench-assistant@bench.invalid"
KINDS = ["shift_reminder", "shift_reminder", "shift_changed", "handover", "page", "test_message"]


class SlowEmailBackend(BaseEmailBackend):
    """Bench only: accepts every message after 20 ms, sends nothing."""

    def send_messages(self, email_messages):
        for _message in email_messages:
            time.sleep(SEND_DELAY)
        return len(email_messages)


class SlowSmsBackend:
    """Bench only: answers after 20 ms like an SMS gateway."""

    def send(self, to: str, text: str, *, reference: str) -> str:
        time.sleep(SEND_DELAY)
        return "bench"


def _bench_user(email: str, role: str):
    from accounts.models import User
    from accounts.tests.factories import UserFactory

    return User.objects.filter(email=email).first() or UserFactory(email=email, roles=[role])


@filler
def fill_outbox(ctx):
    """~1M finished rows over ten years for 20 people (a few failed), 5,000 in-app messages for the
    bench assistant (200 unread), and a few hundred reminders pending in the coming weeks."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from accounts.models import User

    assistant = _bench_user(INBOX_USER, "assistant")
    _bench_user("bench-admin@bench.invalid", "admin")
    people = [assistant, *User.objects.exclude(pk=assistant.pk).order_by("pk")[:19]]
    user_type = ContentType.objects.get_for_model(User).pk
    rng = ctx.rng
    total = 1_000_000 * ctx.scale
    start = ctx.now - timedelta(days=3650)
    span = timedelta(days=3650).total_seconds()
    inbox_every = max(1, total // 5000)
    channels = ["email", "sms", "in_app"]

    def rows():
        for n in range(total):
            at = start + timedelta(seconds=span * n / total)
            failed = rng.random() < 0.002
            if n % inbox_every == 0:
                user, channel, failed = assistant, "in_app", False
            else:  # the others' messages (the assistant's own e-mails and SMS too)
                user = people[rng.randrange(len(people))]
                channel = channels[rng.randrange(2)] if user is assistant else channels[rng.randrange(3)]
            read_at = None
            if channel == "in_app" and not failed and n < total - 200 * inbox_every:
                read_at = at + timedelta(minutes=rng.randrange(1, 600))
            kind = KINDS[rng.randrange(len(KINDS))]
            yield (
                user.pk,
                "",
                channel,
                kind,
                "test_message",
                "{}",
                "fr",
                f"bench:{n}:{channel}",
                False,
                user_type,
                str(user.pk),
                at,
                at,
                at,
                "failed" if failed else "sent",
                6 if failed else 1,
                "SMS gateway answered HTTP 503" if failed else "",
                None,
                None if failed else at + timedelta(seconds=2),
                f"Rappel : permanence {n}" if not failed else "Appel : intervention",
                "",
                read_at,
            )
        for n in range(400):  # reminders waiting for their time
            at = ctx.now + timedelta(hours=1 + n)
            yield (
                people[n % len(people)].pk,
                "",
                "email",
                "shift_reminder",
                "test_message",
                "{}",
                "fr",
                f"bench:future:{n}:email",
                True,
                None,
                "",
                ctx.now,
                at,
                at,
                "pending",
                0,
                "",
                None,
                None,
                "",
                "",
                None,
            )

    ctx.copy(
        "notifications_notification",
        [
            "recipient_id",
            "address",
            "channel",
            "kind",
            "template",
            "context",
            "language",
            "dedupe_key",
            "follows_preferences",
            "about_type_id",
            "about_id",
            "created_at",
            "due_at",
            "next_attempt_at",
            "status",
            "attempts",
            "last_error",
            "claimed_until",
            "sent_at",
            "subject",
            "link",
            "read_at",
        ],
        rows(),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")


@page("Notification inbox (5,000 messages, 200 unread)", role="assistant")
def inbox(ctx):
    return "/notifications/"


@page("Notification bell (htmx poll)", role="assistant")
def bell(ctx):
    return "/notifications/bell/"


@page("Message deliveries, first page (1M rows)", role="admin")
def deliveries(ctx):
    return "/notifications/deliveries/"


@page("Message deliveries, failed SMS", role="admin")
def deliveries_failed(ctx):
    return "/notifications/deliveries/?status=failed&channel=sms"


@task("Sweeper: claim and send 1,000 due notifications (e-mail and SMS answering in 20 ms)", minimum_per_second=100)
def sweep_thousand(ctx):
    from accounts.models import User
    from notifications import services
    from notifications.models import Notification

    people = list(User.objects.exclude(phone="").order_by("pk")[:20]) or [_bench_user(INBOX_USER, "assistant")]
    run = uuid.uuid4().hex[:8]
    now = timezone.now()
    due = now - timedelta(seconds=1)
    rows = []
    for n in range(1000):
        channel = "sms" if n % 2 else "email"
        user = people[n % len(people)] if channel == "email" or people[n % len(people)].phone else None
        rows.append(
            Notification(
                recipient=user,
                address="" if user else "+32470000000",
                channel=channel,
                kind="test_message",
                template="test_message",
                context={"requested_at": now.isoformat(), "url": "http://testserver/notifications/"},
                language="fr",
                dedupe_key=f"bench-sweep:{run}:{n}:{channel}",
                due_at=due,
                next_attempt_at=due,
            )
        )
    Notification.objects.bulk_create(rows)
    with override_settings(
        EMAIL_BACKEND="notifications.bench.SlowEmailBackend", SMS_BACKEND="notifications.bench.SlowSmsBackend"
    ):
        counts = services.sweep(max_seconds=600)
    from django.conf import settings

    threads = settings.NOTIFICATIONS_SEND_THREADS
    return counts["sent"], f"{threads} send threads in one sweep, batches of {settings.NOTIFICATIONS_BATCH_SIZE}"
