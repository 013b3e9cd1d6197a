"""Absences flag shifts and offer them in one click; coverage gaps are reported once each."""

from datetime import timedelta

import pytest
import time_machine

from notifications.models import Notification
from oncall import services
from oncall.models import CoverageGap, SwapRequest
from oncall.tests.factories import AssistantFactory, ShiftFactory, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(local(2026, 1, 1, 12), tick=False):
        yield


@pytest.fixture
def team():
    people = {name: AssistantFactory(full_name=name) for name in ("Anne", "Bart")}
    people["Admin"] = AssistantFactory(full_name="Admin", roles=["admin"])
    return people


def gap_alerts():
    return Notification.objects.filter(kind="coverage_gap", channel="in_app")


def test_recording_an_absence_flags_the_overlapping_shifts_and_tells_the_admins(team):
    anne = team["Anne"]
    shift = ShiftFactory(assistant=anne, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    ShiftFactory(assistant=anne, starts_at=local(2026, 2, 2, 9), ends_at=local(2026, 2, 9, 9))

    absence, conflicts = services.record_absence(
        assistant=anne, kind="sick", starts_at=local(2026, 1, 8), ends_at=local(2026, 1, 10), note="", by=anne
    )

    assert conflicts == [shift]
    assert services.flagged_shifts() == [(shift, absence)]
    alert = Notification.objects.get(kind="absence_conflict", channel="in_app")
    assert alert.recipient == team["Admin"] and alert.context["count"] == 1


def test_one_click_offers_the_part_of_the_shift_the_absence_covers(team):
    anne = team["Anne"]
    shift = ShiftFactory(assistant=anne, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    absence, _conflicts = services.record_absence(
        assistant=anne, kind="training", starts_at=local(2026, 1, 8), ends_at=local(2026, 1, 10), note="", by=anne
    )

    swap = services.swap_for_absence(absence, shift, by=anne)

    assert (swap.starts_at, swap.ends_at) == (local(2026, 1, 8), local(2026, 1, 10))
    assert swap.absence == absence and swap.status == SwapRequest.Status.OPEN
    assert Notification.objects.filter(kind="swap_offered", recipient=team["Bart"]).exists()


def test_coverage_gap_is_reported_once_then_again_only_when_a_change_creates_a_new_one(team):
    anne, bart = team["Anne"], team["Bart"]
    ShiftFactory(assistant=anne, starts_at=local(2026, 1, 1), ends_at=local(2026, 1, 5, 9))
    second = ShiftFactory(assistant=bart, starts_at=local(2026, 1, 6, 9), ends_at=local(2026, 1, 20))

    reported = services.check_coverage(days=14)
    assert [(g.starts_at, g.ends_at) for g in reported] == [(local(2026, 1, 5, 9), local(2026, 1, 6, 9))]
    assert [n.recipient for n in gap_alerts()] == [team["Admin"]]

    with time_machine.travel(local(2026, 1, 2, 12), tick=False):
        assert services.check_coverage(days=14) == []  # the next day: same gap, no new message
    assert gap_alerts().count() == 1

    # A change opens a second gap: that one is news.
    services.remove_shift(second, by=team["Admin"])
    with time_machine.travel(local(2026, 1, 2, 13), tick=False):
        new = services.check_coverage(days=14)
    assert [(g.starts_at, g.ends_at) for g in new] == [(local(2026, 1, 5, 9), local(2026, 1, 16, 13))]
    assert gap_alerts().count() == 2


def test_a_gap_that_is_filled_is_resolved_and_reported_again_if_it_reopens(team):
    anne = team["Anne"]
    ShiftFactory(assistant=anne, starts_at=local(2026, 1, 1), ends_at=local(2026, 1, 20))
    services.check_coverage(days=14)
    assert CoverageGap.objects.count() == 0
    filler = ShiftFactory(starts_at=local(2026, 1, 20), ends_at=local(2026, 2, 1))
    filler.supersede()
    services.check_coverage(days=30)  # the gap from 20 January
    assert CoverageGap.objects.filter(resolved_at__isnull=True).count() == 1

    ShiftFactory(starts_at=local(2026, 1, 20), ends_at=local(2026, 2, 10))
    services.check_coverage(days=30)
    assert CoverageGap.objects.filter(resolved_at__isnull=True).count() == 0


def test_the_coverage_check_runs_after_a_change_commits(team, django_capture_on_commit_callbacks):
    shift = ShiftFactory(assistant=team["Anne"], starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    with django_capture_on_commit_callbacks() as callbacks:
        services.override_shift(
            shift, starts_at=local(2026, 1, 6), ends_at=local(2026, 1, 7), to=team["Bart"], by=team["Admin"]
        )
    names = [getattr(c, "__name__", "") for c in callbacks]
    assert "_enqueue_coverage_check" in names


def test_fairness_counts_hours_nights_weekends_holidays_and_shifts(team):
    anne, bart = team["Anne"], team["Bart"]
    # Friday 19:00 → Saturday 07:00, then the Iris day (8 May, a Friday in 2026) 00:00 → 12:00.
    ShiftFactory(assistant=anne, starts_at=local(2026, 1, 9, 19), ends_at=local(2026, 1, 10, 7))
    ShiftFactory(assistant=anne, starts_at=local(2026, 5, 8), ends_at=local(2026, 5, 8, 12))
    ShiftFactory(assistant=bart, role="backup", starts_at=local(2026, 1, 9, 19), ends_at=local(2026, 1, 10, 7))

    rows = {row.assistant.full_name: row for row in services.fairness(local(2026, 1, 1), local(2027, 1, 1))}

    anne_row = rows["Anne"]
    assert anne_row.shifts == 2
    assert anne_row.hours.total == timedelta(hours=24)
    assert anne_row.hours.night == timedelta(hours=9 + 7)
    assert anne_row.hours.weekend == timedelta(hours=7)
    assert anne_row.hours.holiday == timedelta(hours=12)
    assert rows["Bart"].backup == timedelta(hours=12) and rows["Bart"].primary == timedelta(0)
    assert rows["Admin"].shifts == 0  # every assistant appears, even with nothing
