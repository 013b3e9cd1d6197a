"""Generating shifts from a rotation: wall-clock handovers across DST, no gap, no overlap, and
regeneration that leaves the past, overrides and identical shifts alone."""

from datetime import date, time, timedelta

import pytest
import time_machine

from notifications.models import Notification
from oncall import services, timeline
from oncall.models import Layer, Rotation, Shift
from oncall.tests.factories import AssistantFactory, RotationFactory, ShiftFactory, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def four():
    return [AssistantFactory(full_name=name) for name in ("Anne", "Bart", "Chloé", "Driss")]


def weekly(members, **fields):
    values = {
        "name": "Permanence",
        "shift_hours": Rotation.Length.WEEK,
        "handover_weekday": 0,
        "handover_time": time(9, 0),
        "start_date": date(2026, 3, 2),
        **fields,
    }
    return RotationFactory(assistants=members, **values)


def assert_contiguous(shifts):
    for before, after in zip(shifts, shifts[1:], strict=False):
        assert before.ends_at == after.starts_at, f"gap or overlap between {before} and {after}"


@time_machine.travel(local(2026, 3, 1, 12), tick=False)
def test_weekly_rotation_across_both_dst_changes_keeps_the_handover_at_nine_without_gap_or_overlap(four):
    rotation = weekly(four)

    result = services.generate_shifts(rotation, from_at=local(2026, 3, 2), until=local(2026, 11, 9, 9))

    shifts = list(Shift.objects.order_by("starts_at"))
    assert result.created == len(shifts) == 36
    assert_contiguous(shifts)
    assert {timeline.wall(s.starts_at).strftime("%a %H:%M") for s in shifts} == {"Mon 09:00"}
    by_start = {timeline.wall(s.starts_at).date(): s for s in shifts}
    assert by_start[date(2026, 3, 23)].duration == timedelta(hours=167)
    assert by_start[date(2026, 10, 19)].duration == timedelta(hours=169)
    assert [s.assistant.full_name for s in shifts[:5]] == ["Anne", "Bart", "Chloé", "Driss", "Anne"]
    # Coverage over the change nights is exact: nothing uncovered, and the hours add up.
    assert services.coverage_gaps(local(2026, 3, 28, 12), local(2026, 3, 29, 12)) == []
    assert services.coverage_gaps(local(2026, 10, 24, 12), local(2026, 10, 25, 12)) == []
    assert timeline.total(services.coverage_gaps(local(2026, 3, 2, 9), local(2026, 11, 9, 9))) == timedelta(0)


@time_machine.travel(local(2026, 3, 1, 12), tick=False)
def test_coverage_gaps_across_the_change_nights_are_exact(four):
    anne = four[0]
    ShiftFactory(assistant=anne, starts_at=local(2026, 3, 28, 19), ends_at=local(2026, 3, 29, 1))
    ShiftFactory(starts_at=local(2026, 3, 29, 4), ends_at=local(2026, 3, 29, 7))
    ShiftFactory(assistant=anne, starts_at=local(2026, 10, 24, 19), ends_at=local(2026, 10, 25, 1))

    spring = services.coverage_gaps(local(2026, 3, 28, 19), local(2026, 3, 29, 7))
    autumn = services.coverage_gaps(local(2026, 10, 24, 19), local(2026, 10, 25, 7))

    assert spring == [(local(2026, 3, 29, 1), local(2026, 3, 29, 4))]
    assert timeline.total(spring) == timedelta(hours=2)  # 01:00 → 04:00 with 02:00–03:00 skipped
    assert timeline.total(autumn) == timedelta(hours=7)  # 01:00 → 07:00 with 02:00–03:00 twice


@time_machine.travel(local(2026, 3, 1, 12), tick=False)
def test_gaps_of_both_layers_come_from_one_query_and_ignore_superseded_shifts(four, django_assert_num_queries):
    anne, bart, chloe, _driss = four
    ShiftFactory(assistant=anne, starts_at=local(2026, 3, 28, 7), ends_at=local(2026, 3, 28, 19))
    ShiftFactory(assistant=bart, starts_at=local(2026, 3, 28, 19), ends_at=local(2026, 3, 29, 7))
    ShiftFactory(assistant=anne, starts_at=local(2026, 3, 29, 9), ends_at=local(2026, 3, 30, 9))
    ShiftFactory(  # handed over long ago: history, not coverage
        assistant=chloe, starts_at=local(2026, 3, 29, 7), ends_at=local(2026, 3, 29, 9), superseded_at=local(2026, 3, 1)
    )
    ShiftFactory(assistant=chloe, role=Layer.BACKUP, starts_at=local(2026, 3, 28), ends_at=local(2026, 3, 29, 12))

    with django_assert_num_queries(1):
        gaps = services.layer_gaps(local(2026, 3, 28, 0), local(2026, 3, 30, 0))

    assert gaps == {
        Layer.PRIMARY: [(local(2026, 3, 28, 0), local(2026, 3, 28, 7)), (local(2026, 3, 29, 7), local(2026, 3, 29, 9))],
        Layer.BACKUP: [(local(2026, 3, 29, 12), local(2026, 3, 30, 0))],
    }
    assert services.layer_gaps(local(2026, 3, 2), local(2026, 3, 3)) == {
        Layer.PRIMARY: [(local(2026, 3, 2), local(2026, 3, 3))],
        Layer.BACKUP: [(local(2026, 3, 2), local(2026, 3, 3))],
    }
    assert services.coverage_gaps(local(2026, 3, 28, 7), local(2026, 3, 29, 7)) == []


@time_machine.travel(local(2026, 3, 1, 12), tick=False)
def test_twelve_hour_night_rotation_covers_only_nights(four):
    rotation = RotationFactory(
        shift_hours=Rotation.Length.DAY,
        handover_time=time(19, 0),
        start_date=date(2026, 3, 27),
        restriction="nights",
        restriction_starts=time(19),
        restriction_ends=time(7),
        assistants=four[:2],
    )

    services.generate_shifts(rotation, from_at=local(2026, 3, 27), until=local(2026, 3, 30, 19))

    spans = [(timeline.wall(s.starts_at), timeline.wall(s.ends_at), s.assistant.full_name) for s in Shift.objects.all()]
    assert [(a.strftime("%d %H:%M"), b.strftime("%d %H:%M"), n) for a, b, n in spans] == [
        ("27 19:00", "28 07:00", "Anne"),
        ("28 19:00", "29 07:00", "Bart"),  # the spring-change night: 11 hours
        ("29 19:00", "30 07:00", "Anne"),
    ]
    assert Shift.objects.get(starts_at=local(2026, 3, 28, 19)).duration == timedelta(hours=11)


@time_machine.travel(local(2026, 3, 1, 12), tick=False)
def test_generation_makes_whole_shifts_and_a_later_extension_continues_them(four):
    rotation = weekly(four)

    services.generate_shifts(rotation, from_at=local(2026, 3, 2), until=local(2026, 3, 12))  # a Thursday
    services.generate_shifts(rotation, from_at=rotation.generated_until, until=local(2026, 3, 30, 9))

    shifts = list(Shift.objects.order_by("starts_at"))
    assert [(timeline.wall(s.starts_at).day, s.assistant.full_name) for s in shifts] == [
        (2, "Anne"),
        (9, "Bart"),
        (16, "Chloé"),
        (23, "Driss"),
    ]
    assert_contiguous(shifts)


def test_regeneration_never_touches_past_shifts_nor_overrides(four):
    anne, bart, chloe, driss = four
    rotation = weekly(four)
    with time_machine.travel(local(2026, 3, 1, 12), tick=False):
        services.generate_shifts(rotation, from_at=local(2026, 3, 2), until=local(2026, 5, 4))
    past = {
        s.pk: (s.assistant_id, s.starts_at, s.ends_at) for s in Shift.objects.filter(ends_at__lte=local(2026, 3, 20))
    }

    with time_machine.travel(local(2026, 3, 20, 12), tick=False):
        future = Shift.objects.get(starts_at=local(2026, 4, 6, 9))
        override = services.override_shift(
            future, starts_at=local(2026, 4, 8, 9), ends_at=local(2026, 4, 9, 9), to=driss, by=anne
        )
        # Reverse the order of the members and regenerate from today.
        rotation.memberships.all().delete()
        for position, user in enumerate([driss, chloe, bart, anne]):
            rotation.memberships.create(assistant=user, position=position)
        services.generate_shifts(rotation, from_at=local(2026, 3, 20), until=local(2026, 5, 4))

    for pk, values in past.items():
        shift = Shift.objects.get(pk=pk)
        assert (shift.assistant_id, shift.starts_at, shift.ends_at) == values
    override.refresh_from_db()
    assert override.is_live and override.assistant == driss
    running = Shift.objects.get(starts_at=local(2026, 3, 16, 9))
    assert running.assistant == chloe and running.ends_at == local(2026, 3, 20, 12)  # cut at "now"
    assert Shift.objects.get(starts_at=local(2026, 3, 20, 12)).assistant == bart  # the new order from then on
    shifts = list(Shift.objects.order_by("starts_at"))
    assert_contiguous(shifts)
    assert shifts[-1].ends_at == local(2026, 5, 4, 9)


@time_machine.travel(local(2026, 3, 1, 12), tick=False)
def test_regenerating_with_nothing_changed_changes_nothing_and_tells_nobody(four):
    rotation = weekly(four)
    services.generate_shifts(rotation, from_at=local(2026, 3, 2), until=local(2026, 4, 6))
    before = list(Shift.objects.order_by("pk").values_list("pk", "assistant_id", "starts_at", "ends_at"))
    messages = Notification.objects.count()

    result = services.generate_shifts(rotation, from_at=local(2026, 3, 2), until=local(2026, 4, 6))

    assert result.created == 0 and result.removed == 0 and result.kept == len(before)
    assert list(Shift.objects.order_by("pk").values_list("pk", "assistant_id", "starts_at", "ends_at")) == before
    assert Notification.objects.count() == messages


@time_machine.travel(local(2026, 3, 1, 12), tick=False)
def test_first_generation_tells_each_member_their_new_shifts_once(four):
    rotation = weekly(four)

    services.generate_shifts(rotation, from_at=local(2026, 3, 2), until=local(2026, 4, 6), by=four[0])

    changed = Notification.objects.filter(kind="shift_changed", channel="in_app")
    assert sorted(n.recipient.full_name for n in changed) == ["Bart", "Chloé", "Driss"]  # not the admin who did it
    bart = changed.get(recipient=four[1])
    assert [item["starts_at"][:16] for item in bart.context["added"]] == ["2026-03-09T08:00"]


def test_editing_a_rotation_applies_from_the_chosen_date_only(four):
    anne, bart, chloe, driss = four
    rotation = weekly(four)
    with time_machine.travel(local(2026, 3, 1, 12), tick=False):
        services.generate_shifts(rotation, from_at=local(2026, 3, 2), until=local(2026, 5, 4))
        rotation.handover_time = time(8, 0)
        rotation.save()
        services.generate_shifts(rotation, from_at=timeline.local_midnight(date(2026, 4, 1)), until=local(2026, 5, 4))

    shifts = list(Shift.objects.order_by("starts_at"))
    assert_contiguous(shifts)
    before = [s for s in shifts if s.starts_at < local(2026, 4, 1)]
    after = [s for s in shifts if s.starts_at >= local(2026, 4, 1)]
    assert {timeline.wall(s.starts_at).time() for s in before} == {time(9)}
    assert {timeline.wall(s.starts_at).time() for s in after} == {time(8)}
    # The week running on 1 April stays Anne's (same person in the new pattern) and now ends at 08:00.
    running = Shift.objects.get(starts_at=local(2026, 3, 30, 9))
    assert running.assistant == anne and running.ends_at == local(2026, 4, 6, 8)


@time_machine.travel(local(2026, 3, 1, 12), tick=False)
def test_generation_leaves_free_the_time_an_assistant_already_holds_in_the_other_layer(four):
    anne = four[0]
    ShiftFactory(assistant=anne, role=Layer.BACKUP, starts_at=local(2026, 3, 3, 9), ends_at=local(2026, 3, 4, 9))
    rotation = weekly(four)

    result = services.generate_shifts(rotation, from_at=local(2026, 3, 2), until=local(2026, 3, 9, 9))

    assert [(a.full_name, s, e) for a, s, e in result.skipped] == [("Anne", local(2026, 3, 3, 9), local(2026, 3, 4, 9))]
    assert services.coverage_gaps(local(2026, 3, 2, 9), local(2026, 3, 9, 9)) == [
        (local(2026, 3, 3, 9), local(2026, 3, 4, 9))
    ]


@time_machine.travel(local(2026, 3, 1, 12), tick=False)
def test_generation_from_the_past_is_refused_unless_backfilling(four):
    rotation = weekly(four, start_date=date(2026, 2, 2))

    services.generate_shifts(rotation, from_at=local(2026, 2, 2), until=local(2026, 3, 16))
    assert Shift.objects.order_by("starts_at").first().starts_at == local(2026, 3, 1, 12)

    services.generate_shifts(rotation, from_at=local(2026, 2, 2), until=local(2026, 3, 16), backfill=True)
    assert Shift.objects.order_by("starts_at").first().starts_at == local(2026, 2, 2, 9)
    assert_contiguous(list(Shift.objects.order_by("starts_at")))
