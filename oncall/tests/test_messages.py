"""Every message the rota sends renders and leaves, in French and in Dutch."""

import pytest
import time_machine
from django.core import mail

from notifications import services as outbox
from notifications.models import Notification
from oncall import services
from oncall.models import Shift
from oncall.tests.factories import AssistantFactory, ShiftFactory, local

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_rota_message_renders_and_is_sent(language):
    with time_machine.travel(local(2026, 1, 1, 12), tick=False):
        anne = AssistantFactory(full_name="Anne Dubois", language=language, phone="+32470000001")
        bart = AssistantFactory(full_name="Bart Peeters", language=language, phone="+32470000002")
        admin = AssistantFactory(full_name="Nadia Vermeulen", roles=["admin"], language=language, phone="+32470000003")
        shift = ShiftFactory(assistant=anne, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
        ShiftFactory(assistant=admin, starts_at=local(2026, 1, 12, 9), ends_at=local(2026, 1, 19, 9))
        swap = services.request_swap(
            shift, starts_at=local(2026, 1, 7, 9), ends_at=local(2026, 1, 8, 9), reason="Formation", by=anne
        )
        services.take_swap(swap, by=bart)
        first_days = Shift.objects.get(assistant=anne, starts_at=local(2026, 1, 5, 9))
        services.override_shift(
            first_days, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 5, 21), to=bart, by=admin
        )
        services.record_absence(
            assistant=admin, kind="sick", starts_at=local(2026, 1, 13), ends_at=local(2026, 1, 14), note="", by=anne
        )
        services.check_coverage(days=30)
        services.request_swap(
            Shift.objects.get(assistant=anne, starts_at=local(2026, 1, 8, 9)),
            starts_at=local(2026, 1, 10, 9),
            ends_at=local(2026, 1, 11, 9),
            reason="Famille",
            by=anne,
        )
    with time_machine.travel(local(2026, 1, 9, 9, 30), tick=False):
        services.sweep_swaps()
    with time_machine.travel(local(2026, 1, 10, 9, 30), tick=False):
        services.sweep_swaps()
    with time_machine.travel(local(2026, 1, 11, 9), tick=False):
        services.schedule_reminders()
    with time_machine.travel(local(2026, 1, 12, 9, 1), tick=False):
        services.send_handovers()
        outbox.sweep()

    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds >= {
        "shift_changed",
        "swap_offered",
        "swap_update",
        "absence_conflict",
        "coverage_gap",
        "shift_reminder",
        "handover",
    }
    failed = Notification.objects.exclude(status__in=["sent", "cancelled"])
    assert not failed.exists(), list(failed.values_list("template", "status", "last_error"))
    events = set(Notification.objects.filter(template="oncall/swap").values_list("context__event", flat=True))
    assert events >= {"offered", "done", "reminder", "expired"}
    english = [m.subject for m in mail.outbox if "Your" in m.subject or "Handover" in m.subject or "Swap" in m.subject]
    assert english == []  # nothing left untranslated
    assert all("{" not in m.subject and "%(" not in m.body for m in mail.outbox)
