"""Reminders before each shift and the handover digest, through the notifications outbox."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications import services as outbox
from notifications.models import Notification, NotificationPreference
from oncall import extensions, services
from oncall.tests.factories import AssistantFactory, ShiftFactory, local


def reminders(**filters):
    return Notification.objects.filter(kind="shift_reminder", channel="in_app", **filters).order_by("due_at")


@pytest.mark.django_db
def test_default_reminders_go_a_day_and_an_hour_before_and_the_evening_before_an_early_shift():
    anne = AssistantFactory(full_name="Anne")
    ShiftFactory(assistant=anne, starts_at=local(2026, 1, 7, 7), ends_at=local(2026, 1, 8, 7))

    for moment in (local(2026, 1, 5, 23), local(2026, 1, 6, 7), local(2026, 1, 6, 20), local(2026, 1, 7, 6)):
        with time_machine.travel(moment, tick=False):
            services.schedule_reminders()
            services.schedule_reminders()  # every minute: idempotent

    assert [n.due_at for n in reminders()] == [local(2026, 1, 6, 7), local(2026, 1, 6, 20), local(2026, 1, 7, 6)]
    assert {n.dedupe_key.rsplit(":", 2)[-2] for n in reminders()} == {"1440m", "evening", "60m"}


@pytest.mark.django_db
def test_a_users_own_lead_times_apply_and_a_stale_reminder_is_not_sent_after_an_outage():
    bart = AssistantFactory(full_name="Bart")
    NotificationPreference.objects.create(user=bart, lead_minutes=[180, 30], evening_before_early_shift=False)
    ShiftFactory(assistant=bart, starts_at=local(2026, 1, 7, 7), ends_at=local(2026, 1, 8, 7))

    # The beat was down from 03:00: at 06:40 only the 30-minute reminder is worth sending.
    with time_machine.travel(local(2026, 1, 7, 6, 30), tick=False):
        services.schedule_reminders()

    assert [n.dedupe_key.rsplit(":", 2)[-2] for n in reminders()] == ["30m"]


@pytest.mark.django_db
def test_a_piece_that_continues_the_same_persons_shift_gets_no_reminder():
    anne = AssistantFactory()
    ShiftFactory(assistant=anne, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 6, 9))
    ShiftFactory(assistant=anne, starts_at=local(2026, 1, 6, 9), ends_at=local(2026, 1, 7, 9))
    with time_machine.travel(local(2026, 1, 6, 8, 59), tick=False):
        assert services.schedule_reminders() == 0


@pytest.mark.django_db
def test_the_handover_digest_names_who_hands_over_and_carries_every_registered_section(monkeypatch):
    anne, bart = AssistantFactory(full_name="Anne Dubois"), AssistantFactory(full_name="Bart Peeters", language="nl")
    ShiftFactory(assistant=anne, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    incoming = ShiftFactory(assistant=bart, starts_at=local(2026, 1, 12, 9), ends_at=local(2026, 1, 19, 9))
    monkeypatch.setattr(extensions, "HANDOVER_SECTIONS", [])

    @extensions.handover_section
    def open_callouts(shift):
        return {"title": "Open callouts", "items": [{"text": "INT-2026-0042", "url": "http://testserver/x"}]}

    with time_machine.travel(local(2026, 1, 12, 9, 0, 30), tick=False):
        assert services.send_handovers() == 1
        assert services.send_handovers() == 0  # stamped: once
        outbox.sweep()

    incoming.refresh_from_db()
    assert incoming.handover_sent_at is not None
    digest = Notification.objects.get(kind="handover", channel="email")
    assert digest.recipient == bart and digest.context["outgoing"] == "Anne Dubois"
    assert digest.context["sections"] == [
        {"title": "Open callouts", "items": [{"text": "INT-2026-0042", "url": "http://testserver/x"}]}
    ]
    message = mail.outbox[-1]
    assert message.to == [bart.email]
    assert "Anne Dubois" in message.body and "INT-2026-0042" in message.body
    assert "permanentie" in message.subject.lower()  # Bart reads Dutch


@pytest.mark.django_db
def test_reminder_email_is_rendered_in_french_at_send_time():
    anne = AssistantFactory(full_name="Anne Dubois", language="fr")
    ShiftFactory(assistant=anne, starts_at=local(2026, 3, 30, 9), ends_at=local(2026, 4, 6, 9))
    with time_machine.travel(local(2026, 3, 29, 9), tick=False):
        services.schedule_reminders()
        outbox.sweep()
    message = mail.outbox[-1]
    assert "permanence" in message.subject.lower()
    assert "lundi 30 mars 2026 à 09:00" in message.body  # Brussels summer time, wall clock


def _wait_for(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_shift_reminder_is_delivered_end_to_end_by_a_real_worker(celery_worker):
    from oncall.tasks import send_shift_reminders

    anne = AssistantFactory(full_name="Anne Dubois")
    start = (timezone.now() + timedelta(minutes=59)).replace(second=0, microsecond=0)
    with transaction.atomic():
        ShiftFactory(assistant=anne, starts_at=start, ends_at=start + timedelta(hours=12))

    send_shift_reminders.apply_async()

    assert _wait_for(lambda: Notification.objects.filter(kind="shift_reminder", status="sent").count() == 2)
    assert [m.to for m in mail.outbox] == [[anne.email]]
    assert "Anne Dubois" in mail.outbox[0].body
