"""Handing part of a shift to a colleague: the shift is split, and an override of an override works."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from notifications.models import Notification
from oncall import services
from oncall.models import Layer, Shift
from oncall.services import on_call_at
from oncall.tests.factories import AbsenceFactory, AssistantFactory, ShiftFactory, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "english")]


@pytest.fixture
def frozen():
    with time_machine.travel(local(2026, 1, 1, 12), tick=False):
        yield


@pytest.fixture
def people():
    return {name: AssistantFactory(full_name=name) for name in ("Anne", "Bart", "Chloé")}


def week(assistant):
    return ShiftFactory(assistant=assistant, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))


def live_spans():
    return [(s.assistant.full_name, s.starts_at, s.ends_at, s.source) for s in Shift.objects.order_by("starts_at")]


def test_handing_over_the_middle_of_a_shift_splits_it_in_three(people):
    anne, bart = people["Anne"], people["Bart"]
    shift = week(anne)

    override = services.override_shift(
        shift, starts_at=local(2026, 1, 7, 18), ends_at=local(2026, 1, 8, 8), to=bart, by=anne, note="mariage"
    )

    assert live_spans() == [
        ("Anne", local(2026, 1, 5, 9), local(2026, 1, 7, 18), "manual"),
        ("Bart", local(2026, 1, 7, 18), local(2026, 1, 8, 8), "override"),
        ("Anne", local(2026, 1, 8, 8), local(2026, 1, 12, 9), "manual"),
    ]
    shift.refresh_from_db()
    assert not shift.is_live and override.replaces == shift and override.note == "mariage"
    assert on_call_at(local(2026, 1, 7, 23)).primary.assistant == bart


def test_an_override_of_an_override_works(people):
    anne, bart, chloe = people["Anne"], people["Bart"], people["Chloé"]
    first = services.override_shift(
        week(anne), starts_at=local(2026, 1, 7, 9), ends_at=local(2026, 1, 9, 9), to=bart, by=anne
    )

    second = services.override_shift(
        first, starts_at=local(2026, 1, 8, 9), ends_at=local(2026, 1, 8, 21), to=chloe, by=bart
    )

    assert [(name, start) for name, start, _end, _source in live_spans()] == [
        ("Anne", local(2026, 1, 5, 9)),
        ("Bart", local(2026, 1, 7, 9)),
        ("Chloé", local(2026, 1, 8, 9)),
        ("Bart", local(2026, 1, 8, 21)),
        ("Anne", local(2026, 1, 9, 9)),
    ]
    assert second.replaces == first and second.source == Shift.Source.OVERRIDE
    # Bart's remaining pieces are still overrides: regenerating the rotation will not take them back.
    assert {s.source for s in Shift.objects.filter(assistant=bart)} == {"override"}
    # Even in time: no gap, no overlap.
    spans = live_spans()
    assert all(a[2] == b[1] for a, b in zip(spans, spans[1:], strict=False))


def test_handing_over_the_whole_shift_leaves_a_single_override(people):
    anne, bart = people["Anne"], people["Bart"]
    services.override_shift(week(anne), starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9), to=bart, by=anne)

    assert live_spans() == [("Bart", local(2026, 1, 5, 9), local(2026, 1, 12, 9), "override")]


def test_a_colleague_already_on_duty_or_absent_cannot_take_over(people):
    anne, bart, chloe = people["Anne"], people["Bart"], people["Chloé"]
    shift = week(anne)
    ShiftFactory(assistant=bart, role=Layer.BACKUP, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 6, 9))
    AbsenceFactory(assistant=chloe, starts_at=local(2026, 1, 7), ends_at=local(2026, 1, 8))

    with pytest.raises(ValidationError, match="already on another shift"):
        services.override_shift(shift, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 6, 9), to=bart, by=anne)
    with pytest.raises(ValidationError, match="absent"):
        services.override_shift(shift, starts_at=local(2026, 1, 7, 9), ends_at=local(2026, 1, 8, 9), to=chloe, by=anne)
    assert Shift.objects.count() == 2  # nothing half-saved


def test_an_override_must_stay_within_the_shift_and_in_the_future(people):
    anne, bart = people["Anne"], people["Bart"]
    shift = week(anne)
    with pytest.raises(ValidationError, match="part of the shift"):
        services.override_shift(shift, starts_at=local(2026, 1, 4), ends_at=local(2026, 1, 6), to=bart, by=anne)
    with time_machine.travel(local(2026, 1, 20), tick=False), pytest.raises(ValidationError, match="over"):
        services.override_shift(shift, starts_at=local(2026, 1, 6), ends_at=local(2026, 1, 7), to=bart, by=anne)
    with time_machine.travel(local(2026, 1, 7), tick=False), pytest.raises(ValidationError, match="over"):
        # The holder cannot rewrite who was on duty yesterday…
        services.override_shift(shift, starts_at=local(2026, 1, 6), ends_at=local(2026, 1, 8), to=bart, by=anne)
    admin = AssistantFactory(roles=["admin"])
    with time_machine.travel(local(2026, 1, 7), tick=False):
        # …the admin can correct it (Bart really covered from yesterday).
        services.override_shift(shift, starts_at=local(2026, 1, 6), ends_at=local(2026, 1, 8), to=bart, by=admin)


def test_both_people_are_told_and_the_actor_is_not(people):
    anne, bart = people["Anne"], people["Bart"]
    admin = AssistantFactory(full_name="Admin", roles=["admin"])
    shift = week(anne)

    services.override_shift(shift, starts_at=local(2026, 1, 7, 9), ends_at=local(2026, 1, 8, 9), to=bart, by=admin)

    told = Notification.objects.filter(kind="shift_changed", channel="in_app")
    assert sorted(n.recipient.full_name for n in told) == ["Anne", "Bart"]
    anne_message = told.get(recipient=anne)
    assert anne_message.context["removed"] and not anne_message.context["added"]
    assert anne_message.context["removed"][0]["starts_at"].startswith("2026-01-07T08:00")
    assert told.get(recipient=bart).context["added"][0]["ends_at"].startswith("2026-01-08T08:00")


def test_pending_reminders_of_a_shift_that_no_longer_starts_then_are_cancelled(people):
    anne, bart = people["Anne"], people["Bart"]
    shift = week(anne)
    with time_machine.travel(local(2026, 1, 4, 9), tick=False):
        services.schedule_reminders(ahead=timedelta(days=2))
    pending = Notification.objects.filter(kind="shift_reminder", status="pending")
    assert pending.count() == 2  # e-mail + in-app, for the latest due reminder

    services.override_shift(shift, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 6, 9), to=bart, by=anne)

    assert pending.count() == 0
    assert Notification.objects.filter(kind="shift_reminder", status="cancelled").count() == 2


def test_a_manual_shift_overlapping_the_layer_is_refused_with_a_clear_message(people):
    week(people["Anne"])
    with pytest.raises(ValidationError, match="Another shift of this layer"):
        services.add_shift(
            assistant=people["Bart"],
            role=Layer.PRIMARY,
            starts_at=local(2026, 1, 6),
            ends_at=local(2026, 1, 7),
            note="",
            by=people["Anne"],
        )


def test_removing_a_shift_keeps_its_row_as_history_and_leaves_a_gap(people):
    shift = week(people["Anne"])
    services.remove_shift(shift, by=people["Bart"])
    assert on_call_at(local(2026, 1, 6)).primary is None
    assert Shift.all_objects.filter(pk=shift.pk, superseded_at__isnull=False).exists()
