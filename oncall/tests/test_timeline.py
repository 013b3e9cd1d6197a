"""Wall-clock and interval arithmetic, across the two daylight-saving changes of 2026
(29 March: 02:00 → 03:00; 25 October: 03:00 → 02:00)."""

from datetime import date, time, timedelta

from oncall import timeline
from oncall.tests.factories import local


def test_weekly_slots_keep_the_handover_wall_clock_time_across_both_dst_changes():
    slots = list(
        timeline.slots(
            start_date=date(2026, 3, 16),
            clock=time(9, 0),
            weekday=0,
            length=timedelta(days=7),
            from_at=local(2026, 3, 16, 9),
            until=local(2026, 11, 2, 9),
        )
    )

    assert all(timeline.wall(s.starts_at).time() == time(9, 0) for s in slots)
    assert all(s.starts_at.astimezone(timeline.BRUSSELS).weekday() == 0 for s in slots)
    assert all(a.ends_at == b.starts_at for a, b in zip(slots, slots[1:], strict=False))
    durations = {s.starts_at.date(): s.ends_at - s.starts_at for s in slots}
    assert durations[date(2026, 3, 23)] == timedelta(hours=167)  # the spring week is an hour short
    assert durations[date(2026, 10, 19)] == timedelta(hours=169)  # the autumn week an hour long
    assert durations[date(2026, 3, 30)] == timedelta(hours=168)


def test_twelve_hour_slots_around_the_spring_change_night():
    slots = list(
        timeline.slots(
            start_date=date(2026, 3, 27),
            clock=time(7, 0),
            weekday=None,
            length=timedelta(hours=12),
            from_at=local(2026, 3, 28, 7),
            until=local(2026, 3, 30, 7),
        )
    )

    assert [timeline.wall(s.starts_at).strftime("%d %H:%M") for s in slots] == [
        "28 07:00",
        "28 19:00",
        "29 07:00",
        "29 19:00",
    ]
    assert slots[1].ends_at - slots[1].starts_at == timedelta(hours=11)  # the night 28→29 March


def test_a_handover_time_the_spring_change_skips_still_gives_adjacent_slots_without_gap():
    slots = list(
        timeline.slots(
            start_date=date(2026, 3, 28),
            clock=time(2, 30),
            weekday=None,
            length=timedelta(days=1),
            from_at=local(2026, 3, 28),
            until=local(2026, 3, 31),
        )
    )

    assert all(a.ends_at == b.starts_at for a, b in zip(slots, slots[1:], strict=False))
    assert all(s.ends_at > s.starts_at for s in slots)


def test_slots_start_from_the_first_handover_weekday_on_or_after_the_start_date():
    first = next(
        timeline.slots(
            start_date=date(2026, 1, 7),  # a Wednesday
            clock=time(9, 0),
            weekday=0,
            length=timedelta(days=7),
            from_at=local(2026, 1, 1),
            until=local(2026, 2, 1),
        )
    )
    assert first.starts_at == local(2026, 1, 12, 9) and first.index == 0


def test_subtract_and_difference_of_intervals():
    day = (local(2026, 1, 5), local(2026, 1, 6))
    blockers = [(local(2026, 1, 5, 10), local(2026, 1, 5, 12)), (local(2026, 1, 5, 11), local(2026, 1, 5, 14))]

    assert timeline.subtract(day, blockers) == [
        (local(2026, 1, 5), local(2026, 1, 5, 10)),
        (local(2026, 1, 5, 14), day[1]),
    ]
    assert timeline.difference([day], [day]) == []
    assert timeline.merge(
        [(local(2026, 1, 5, 1), local(2026, 1, 5, 2)), (local(2026, 1, 5, 2), local(2026, 1, 5, 3))]
    ) == [(local(2026, 1, 5, 1), local(2026, 1, 5, 3))]


def test_night_restriction_windows_cover_seven_to_seven_each_night():
    windows = timeline.restriction_windows("nights", time(19), time(7), (local(2026, 1, 5, 9), local(2026, 1, 7, 9)))
    assert windows == [(local(2026, 1, 5, 19), local(2026, 1, 6, 7)), (local(2026, 1, 6, 19), local(2026, 1, 7, 7))]


def test_weekend_restriction_runs_from_friday_evening_to_monday_morning():
    windows = timeline.restriction_windows("weekends", time(19), time(7), (local(2026, 1, 5, 9), local(2026, 1, 19, 9)))
    assert windows == [(local(2026, 1, 9, 19), local(2026, 1, 12, 7)), (local(2026, 1, 16, 19), local(2026, 1, 19, 7))]


def test_night_hours_of_the_spring_and_autumn_change_nights_are_real_elapsed_hours():
    spring = timeline.hours_of((local(2026, 3, 28, 19), local(2026, 3, 29, 7)))
    autumn = timeline.hours_of((local(2026, 10, 24, 19), local(2026, 10, 25, 7)))

    assert spring.total == timedelta(hours=11) and spring.night == timedelta(hours=8)
    assert autumn.total == timedelta(hours=13) and autumn.night == timedelta(hours=10)
    assert spring.weekend == timedelta(hours=11)  # Saturday evening and Sunday morning


def test_public_holiday_hours_count_federal_days_and_the_brussels_iris_day():
    assert timeline.is_public_holiday(date(2026, 7, 21))  # national day
    assert timeline.is_public_holiday(date(2026, 5, 8))  # Iris, Brussels-Capital Region
    assert not timeline.is_public_holiday(date(2026, 7, 11))  # Flemish community only
    hours = timeline.hours_of((local(2026, 5, 7, 12), local(2026, 5, 8, 12)))
    assert hours.holiday == timedelta(hours=12)
    assert hours.night == timedelta(hours=9)
