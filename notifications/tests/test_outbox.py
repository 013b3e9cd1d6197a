"""Scheduling and cancelling: notify, notify_address, cancel_pending, preferences."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role
from notifications import kinds, services
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def reminder_kind():
    kinds.register("test_reminder", "Reminder (test)", ("email", "in_app"))
    yield
    kinds.KINDS.pop("test_reminder", None)


def _notify(user, key="shift:1:reminder", **extra):
    arguments = {
        "kind": "test_reminder",
        "template": "test_message",
        "context": {"requested_at": NOW},
        "dedupe_key": key,
    }
    return services.notify(user, **{**arguments, **extra})


def test_notify_creates_one_pending_row_per_default_channel(make_user):
    user = make_user("assistant")

    rows = _notify(user, due_at=NOW + timedelta(days=1))

    assert sorted(row.channel for row in rows) == ["email", "in_app"]
    assert {row.status for row in rows} == {"pending"}
    assert {row.dedupe_key for row in rows} == {"shift:1:reminder:email", "shift:1:reminder:in_app"}
    assert all(row.due_at == NOW + timedelta(days=1) == row.next_attempt_at for row in rows)


def test_notify_twice_with_the_same_key_creates_nothing_new(make_user):
    user = make_user("assistant")

    first = _notify(user)
    second = _notify(user, context={"requested_at": NOW, "changed": True})

    assert Notification.objects.count() == 2
    assert [row.pk for row in first] == [row.pk for row in second]
    assert "changed" not in second[0].context


def test_notify_follows_the_users_channel_choice(make_user):
    user = make_user("assistant", phone="+32470123456")
    NotificationPreference.objects.create(user=user, channels={"test_reminder": ["sms"]})

    rows = _notify(user)

    assert [row.channel for row in rows] == ["sms"]
    assert rows[0].follows_preferences


def test_forced_channels_ignore_the_preferences(make_user):
    user = make_user("assistant")
    NotificationPreference.objects.create(user=user, channels={"test_reminder": ["in_app"]})

    rows = _notify(user, channels=["sms", "email", "in_app"])

    assert sorted(row.channel for row in rows) == ["email", "in_app", "sms"]
    assert not any(row.follows_preferences for row in rows)


def test_a_deactivated_user_is_not_notified(make_user):
    user = make_user("assistant", is_active=False)

    assert _notify(user) == []
    assert not Notification.objects.exists()


def test_an_unknown_kind_or_a_context_that_is_not_json_is_refused_at_once(make_user):
    user = make_user("assistant")

    with pytest.raises(ValueError, match="Unknown notification kind"):
        _notify(user, kind="typo")
    with pytest.raises(TypeError):
        _notify(user, context={"role": Role.objects.first()})
    assert not Notification.objects.exists()


def test_datetimes_in_the_context_are_stored_as_iso_strings(make_user):
    row = _notify(make_user("assistant"))[0]

    row.refresh_from_db()
    assert row.context == {"requested_at": "2026-06-10T09:00:00Z"}


def test_the_about_object_is_stored_as_a_generic_reference(make_user):
    user = make_user("assistant")
    shift_owner = make_user("assistant")

    _notify(user, about=shift_owner)

    assert Notification.objects.about(shift_owner).count() == 2
    assert Notification.objects.first().about == shift_owner


def test_cancel_pending_cancels_what_is_about_an_object_and_leaves_sent_messages_alone(make_user):
    user = make_user("assistant")
    subject = make_user("assistant")
    other = make_user("assistant")
    _notify(user, key="a", about=subject, due_at=NOW + timedelta(hours=1))
    _notify(user, key="b", about=other, due_at=NOW + timedelta(hours=1))
    Notification.objects.filter(dedupe_key="a:email").update(status="sent", sent_at=NOW)

    cancelled = services.cancel_pending(about=subject)

    assert cancelled == 1
    assert Notification.objects.get(dedupe_key="a:in_app").status == "cancelled"
    assert Notification.objects.get(dedupe_key="a:email").status == "sent"
    assert set(Notification.objects.filter(dedupe_key__startswith="b:").values_list("status", flat=True)) == {"pending"}


def test_cancel_pending_by_key_prefix_and_kind(make_user):
    user = make_user("assistant")
    _notify(user, key="shift:7:reminder:1440")
    _notify(user, key="shift:7:reminder:60")
    _notify(user, key="shift:70:reminder:60")
    _notify(user, key="shift:7:digest", kind="test_message", channels=["email"])

    cancelled = services.cancel_pending(dedupe_prefix="shift:7:", kind="test_reminder")

    assert cancelled == 4
    assert Notification.objects.filter(status="pending").count() == 3


def test_cancel_pending_treats_like_wildcards_literally(make_user):
    user = make_user("assistant")
    _notify(user, key="shift_1:x")
    _notify(user, key="shiftA1:x")

    assert services.cancel_pending(dedupe_prefix="shift_1") == 2
    assert Notification.objects.filter(dedupe_key__startswith="shiftA1", status="pending").count() == 2


def test_cancel_pending_refuses_to_cancel_everything():
    with pytest.raises(ValueError):
        services.cancel_pending(kind="test_reminder")


def test_a_cancelled_message_scheduled_again_comes_back_with_its_new_time(make_user):
    user = make_user("assistant")
    _notify(user, key="shift:9:reminder", due_at=NOW + timedelta(hours=2))
    services.cancel_pending(dedupe_prefix="shift:9:")

    rows = _notify(user, key="shift:9:reminder", due_at=NOW + timedelta(hours=5))

    assert {row.status for row in rows} == {"pending"}
    assert {row.due_at for row in rows} == {NOW + timedelta(hours=5)}
    assert Notification.objects.count() == 2


def test_notify_address_sends_email_and_sms_in_the_given_language():
    rows = services.notify_address(
        email="bav@schaerbeek.example",
        phone="02 249 22 11",
        language="nl",
        kind="test_reminder",
        template="test_message",
        context={},
        dedupe_key="referral:5:sent",
    )

    assert sorted((row.channel, row.address, row.language) for row in rows) == [
        ("email", "bav@schaerbeek.example", "nl"),
        ("sms", "+3222492211", "nl"),
    ]
    assert all(row.recipient is None for row in rows)


def test_notify_address_refuses_bad_addresses():
    base = {"language": "fr", "kind": "test_reminder", "template": "test_message", "context": {}}
    with pytest.raises(ValidationError):
        services.notify_address(email="not-an-address", dedupe_key="x", **base)
    with pytest.raises(ValueError):
        services.notify_address(phone="12", dedupe_key="y", **base)
    with pytest.raises(ValueError):
        services.notify_address(dedupe_key="z", **base)
    assert not Notification.objects.exists()


def test_the_database_refuses_an_in_app_message_without_a_user():
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            channel="in_app",
            address="someone@example.org",
            kind="k",
            template="t",
            dedupe_key="k",
            due_at=NOW,
            next_attempt_at=NOW,
        )


def test_the_database_refuses_a_message_to_nobody():
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            channel="email", kind="k", template="t", dedupe_key="k2", due_at=NOW, next_attempt_at=NOW
        )


def test_reminder_preferences_default_to_24_hours_1_hour_and_the_evening_before(make_user):
    preferences = services.reminder_preferences(make_user("assistant"))

    assert preferences.lead_times == [timedelta(hours=24), timedelta(hours=1)]
    assert preferences.evening_before_early_shift is True


def test_reminder_preferences_follow_the_users_choice(make_user):
    user = make_user("assistant")
    NotificationPreference.objects.create(user=user, lead_minutes=[30, 2880], evening_before_early_shift=False)

    preferences = services.reminder_preferences(user)

    assert preferences.lead_times == [timedelta(hours=48), timedelta(minutes=30)]
    assert preferences.evening_before_early_shift is False


def test_a_future_message_waits_for_its_time(make_user):
    user = make_user("assistant")
    with time_machine.travel(NOW, tick=False):
        _notify(user, channels=["email"], due_at=NOW + timedelta(hours=1))
        assert services.sweep() == {}
        assert mail.outbox == []
    with time_machine.travel(NOW + timedelta(hours=1, seconds=1), tick=False):
        assert services.sweep() == {"sent": 1}
    assert len(mail.outbox) == 1
