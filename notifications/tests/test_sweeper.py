"""The sweeper: exactly-once under concurrency, the lease after a crash, retries with backoff."""

import multiprocessing
import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections

from notifications import services
from notifications.delivery import Outcome
from notifications.models import Notification
from notifications.tasks import send_due_notifications

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _to_addresses(count: int, *, channel_email=True):
    for number in range(count):
        services.notify_address(
            email=f"person{number}@example.org" if channel_email else "",
            language="fr",
            kind="test_message",
            template="test_message",
            context={"requested_at": NOW},
            dedupe_key=f"bulk:{number}",
        )


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_200_due_messages_exactly_once(settings):
    settings.NOTIFICATIONS_BATCH_SIZE = 10  # many small claims, so the two sweepers interleave
    _to_addresses(200)
    start = threading.Barrier(2)
    results = []

    def sweeper():
        try:
            start.wait()
            results.append(services.sweep(threads=4))
        finally:
            connection.close()  # this thread's own connection

    workers = [threading.Thread(target=sweeper) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    sent_to = sorted(message.to[0] for message in mail.outbox)
    assert sent_to == sorted(f"person{number}@example.org" for number in range(200))
    assert sum(result["sent"] for result in results) == 200
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


def _claim_and_die(limit):  # runs in a forked child: claims, then dies before sending
    connections.close_all()  # never reuse the parent's sockets
    services.claim_due(limit=limit)
    os._exit(9)


@pytest.mark.django_db(transaction=True)
def test_a_message_left_sending_by_a_killed_worker_is_sent_once_after_its_lease(settings):
    _to_addresses(3)
    connections.close_all()  # the child must open its own connection
    child = multiprocessing.get_context("fork").Process(target=_claim_and_die, args=(10,))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 9
    assert Notification.objects.filter(status="sending").count() == 3

    assert services.sweep() == {}  # the lease still holds: nobody takes them yet
    assert mail.outbox == []

    later = Notification.objects.first().claimed_until + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert services.sweep() == {"sent": 3}
        assert services.sweep() == {}
    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 2)}


@pytest.mark.django_db
def test_an_outcome_is_not_recorded_by_a_sweeper_that_lost_its_lease():
    _to_addresses(1)
    claimed = services.claim_due(limit=1)[0]
    Notification.objects.filter(pk=claimed.pk).update(claimed_until=claimed.claimed_until + timedelta(minutes=1))

    services.record(claimed, Outcome("sent", subject="x"))

    assert Notification.objects.get(pk=claimed.pk).status == "sending"


@pytest.mark.django_db
def test_a_sweeper_whose_lease_ran_out_mid_batch_does_not_send():
    _to_addresses(1)
    claimed = services.claim_due(limit=1)[0]

    with time_machine.travel(claimed.claimed_until + timedelta(seconds=1)):
        from notifications.delivery import deliver

        outcome = deliver(claimed)

    assert outcome.status == "skipped"
    assert mail.outbox == []


@pytest.mark.django_db
def test_transient_failures_are_retried_with_backoff_then_fail_visibly(settings, sms_gateway, make_user):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    user = make_user("assistant", phone="+32470123456")
    sms_gateway.answer((503, 0), (503, 0), (502, 0))
    with time_machine.travel(NOW, tick=False):
        services.notify(
            user, kind="test_message", template="test_message", context={}, dedupe_key="t", channels=["sms"]
        )
        assert services.sweep() == {"retry": 1}
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, NOW + timedelta(minutes=1))
    assert "HTTP 503" in row.last_error

    with time_machine.travel(NOW + timedelta(seconds=59), tick=False):
        assert services.sweep() == {}  # not before its backoff
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert services.sweep() == {"retry": 1}
    row.refresh_from_db()
    assert row.next_attempt_at == NOW + timedelta(minutes=3)  # 1 min, then 2 min
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        assert services.sweep() == {"failed": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert "HTTP 502" in row.last_error
    assert len(sms_gateway.received) == 3


@pytest.mark.django_db
def test_a_failed_message_retried_by_the_admin_goes_out(settings, sms_gateway, make_user):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    user = make_user("assistant", phone="+32470123456")
    sms_gateway.answer((500, 0))
    services.notify(user, kind="test_message", template="test_message", context={}, dedupe_key="t", channels=["sms"])
    assert services.sweep() == {"failed": 1}

    services.retry(Notification.objects.get())
    assert services.sweep() == {"sent": 1}

    row = Notification.objects.get()
    assert (row.status, row.last_error) == ("sent", "")
    assert len(sms_gateway.received) == 2


@pytest.mark.django_db
def test_sms_to_a_user_without_a_phone_fails_at_once_with_a_clear_error(make_user):
    user = make_user("assistant", phone="")
    services.notify(user, kind="test_message", template="test_message", context={}, dedupe_key="t", channels=["sms"])

    assert services.sweep() == {"failed": 1}
    assert Notification.objects.get().last_error == "no mobile phone number in the profile"


@pytest.mark.django_db
def test_a_missing_template_fails_without_retrying(make_user):
    user = make_user("assistant")
    services.notify(user, kind="test_message", template="no_such", context={}, dedupe_key="t", channels=["email"])

    assert services.sweep() == {"failed": 1}
    assert "template missing" in Notification.objects.get().last_error


@pytest.mark.django_db
def test_a_channel_switched_off_after_scheduling_stays_quiet(make_user):
    from notifications import kinds
    from notifications.models import NotificationPreference

    kinds.register("test_digest", "Digest (test)", ("email", "in_app"))
    try:
        user = make_user("assistant")
        services.notify(user, kind="test_digest", template="test_message", context={}, dedupe_key="d")
        NotificationPreference.objects.create(user=user, channels={"test_digest": ["in_app"]})

        assert services.sweep() == {"sent": 1, "cancelled": 1}
    finally:
        kinds.KINDS.pop("test_digest")
    assert mail.outbox == []
    assert Notification.objects.get(channel="email").status == "cancelled"


@pytest.mark.django_db
def test_an_in_app_message_keeps_its_line_and_link_when_sent(make_user):
    user = make_user("assistant")
    services.notify(
        user,
        kind="test_message",
        template="test_message",
        context={"requested_at": NOW, "url": "http://testserver/notifications/"},
        dedupe_key="t",
        channels=["in_app"],
    )

    services.sweep()

    row = Notification.objects.get()
    assert row.status == "sent"
    assert row.subject == "Message de test demandé le mar 10 mars, 13:00"
    assert row.link == "http://testserver/notifications/"


@pytest.mark.django_db
def test_the_sweep_task_is_thin_and_says_what_it_did(make_user):
    services.notify(
        make_user("assistant"),
        kind="test_message",
        template="test_message",
        context={},
        dedupe_key="t",
        channels=["email", "in_app"],
    )

    assert send_due_notifications() == "sent=2"
    assert send_due_notifications() == "nothing due"


@pytest.mark.django_db
def test_old_finished_messages_are_purged_and_pending_ones_kept(make_user):
    user = make_user("assistant")
    with time_machine.travel(NOW - timedelta(days=400)):
        services.notify(
            user, kind="test_message", template="test_message", context={}, dedupe_key="old", channels=["email"]
        )
        services.notify(
            user,
            kind="test_message",
            template="test_message",
            context={},
            dedupe_key="far",
            channels=["email"],
            due_at=NOW + timedelta(days=1),
        )
        services.sweep()
    with time_machine.travel(NOW):
        assert services.purge_finished() == 1
    assert list(Notification.objects.values_list("dedupe_key", flat=True)) == ["far:email"]


def test_backoff_doubles_up_to_an_hour():
    assert [services.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
