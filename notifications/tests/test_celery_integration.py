"""End to end with a real Celery worker (in-process, real Redis broker) and PostgreSQL."""

import time

import pytest
from django.core import mail
from django.db import transaction

from notifications import services
from notifications.models import Notification


def _wait_for(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_due_now_message_is_delivered_by_the_worker_within_seconds_of_the_commit(celery_worker, make_user):
    user = make_user("assistant", full_name="Anne Dubois", language="nl")

    with transaction.atomic():
        services.notify(
            user,
            kind="test_message",
            template="test_message",
            context={"requested_at": "2026-03-31T06:00:00Z"},
            dedupe_key="e2e",
            channels=["email", "in_app"],
        )
        services.notify(  # a second call in the same transaction enqueues no second sweep
            user, kind="test_message", template="test_message", context={}, dedupe_key="e2e-2", channels=["in_app"]
        )
        assert len(transaction.get_connection().run_on_commit) == 1

    assert _wait_for(lambda: Notification.objects.filter(status="sent").count() == 3)
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert mail.outbox[0].subject == "[Concertation] Testbericht"
    assert "Beste Anne Dubois," in mail.outbox[0].body


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_beat_task_run_by_the_worker_sends_what_is_due(celery_worker, make_user):
    from notifications.tasks import send_due_notifications

    user = make_user("assistant")
    Notification.objects.create(  # as if scheduled earlier and Redis had lost the enqueued sweep
        recipient=user,
        channel="email",
        kind="test_message",
        template="test_message",
        dedupe_key="lost:email",
        due_at="2026-01-01T00:00:00Z",
        next_attempt_at="2026-01-01T00:00:00Z",
    )

    result = send_due_notifications.apply_async()

    assert _wait_for(lambda: len(mail.outbox) == 1)
    assert _wait_for(lambda: Notification.objects.get().status == "sent")
    assert result.id
