"""Time arithmetic of the rota, without the database: wall-clock slots, intervals, coverage, hours.

Every function takes aware datetimes and returns them in UTC. Wall-clock arithmetic (a week later,
the same hour) is done on *naive local* datetimes and only then made aware, so a handover at 09:00
stays at 09:00 across the daylight-saving changes; durations (hours on call) are differences of UTC
datetimes, so the night of the spring change really counts one hour less. (Python subtracts and
compares two datetimes sharing one tzinfo by their wall-clock values, which is why everything is
converted to UTC first.)
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BRUSSELS = ZoneInfo("Europe/Brussels")
Interval = tuple[datetime, datetime]


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def aware(naive: datetime, tz: ZoneInfo = BRUSSELS) -> datetime:
    """A wall-clock time made aware (in UTC). A time skipped by the spring change (02:30 on the last
    Sunday of March) is read with the winter offset, i.e. 03:30 summer time; an ambiguous autumn
    time is read as its first occurrence. Both ends of two adjacent slots go through this same
    function, so they meet exactly."""
    return naive.replace(tzinfo=tz).astimezone(UTC)


def wall(moment: datetime, tz: ZoneInfo = BRUSSELS) -> datetime:
    """The naive wall-clock time of an aware moment."""
    return moment.astimezone(tz).replace(tzinfo=None)


def at_local(day: date, clock: time, tz: ZoneInfo = BRUSSELS) -> datetime:
    return aware(datetime.combine(day, clock), tz)


def local_midnight(day: date, tz: ZoneInfo = BRUSSELS) -> datetime:
    return at_local(day, time(0), tz)


# --- rotation slots ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    index: int
    starts_at: datetime
    ends_at: datetime


def first_handover(start_date: date, clock: time, weekday: int | None) -> datetime:
    """The naive wall-clock start of slot 0: the start date at the handover time, moved forward to
    the handover weekday when there is one."""
    day = start_date
    if weekday is not None:
        day += timedelta(days=(weekday - day.weekday()) % 7)
    return datetime.combine(day, clock)


def slots(
    *,
    start_date: date,
    clock: time,
    weekday: int | None,
    length: timedelta,
    from_at: datetime,
    until: datetime,
    tz: ZoneInfo = BRUSSELS,
) -> Iterator[Slot]:
    """The rotation's slots that overlap [from_at, until), in order, each [start, end)."""
    from_at, until = utc(from_at), utc(until)
    anchor = first_handover(start_date, clock, weekday)
    begin = max(wall(from_at, tz), anchor)
    index = max(0, int((begin - anchor) / length) - 1)
    while True:
        starts_at = aware(anchor + index * length, tz)
        ends_at = aware(anchor + (index + 1) * length, tz)
        if starts_at >= until:
            return
        if ends_at > from_at:
            yield Slot(index, starts_at, ends_at)
        index += 1


def restriction_windows(kind: str, starts: time, ends: time, span: Interval, tz: ZoneInfo = BRUSSELS) -> list[Interval]:
    """The windows a restricted rotation covers inside ``span``: every night from ``starts`` to the
    next morning's ``ends``, or every weekend from Friday ``starts`` to Monday ``ends``."""
    span = (utc(span[0]), utc(span[1]))
    if not kind:
        return [span]
    first = wall(span[0], tz).date() - timedelta(days=7)
    last = wall(span[1], tz).date() + timedelta(days=1)
    windows = []
    day = first
    while day <= last:
        if kind == "nights":
            end_day = day + timedelta(days=1) if ends <= starts else day
            windows.append((at_local(day, starts, tz), at_local(end_day, ends, tz)))
        elif kind == "weekends" and day.weekday() == 4:
            windows.append((at_local(day, starts, tz), at_local(day + timedelta(days=3), ends, tz)))
        day += timedelta(days=1)
    return [piece for window in windows if (piece := intersect(window, span))]


# --- interval arithmetic ---------------------------------------------------------------------------


def intersect(a: Interval, b: Interval) -> Interval | None:
    start, end = max(utc(a[0]), utc(b[0])), min(utc(a[1]), utc(b[1]))
    return (start, end) if start < end else None


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with touching or overlapping intervals joined."""
    merged: list[list[datetime]] = []
    for start, end in sorted((utc(a), utc(b)) for a, b in intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def subtract(span: Interval, blockers: Iterable[Interval]) -> list[Interval]:
    """The parts of ``span`` that none of ``blockers`` covers."""
    span = (utc(span[0]), utc(span[1]))
    pieces = []
    cursor = span[0]
    for start, end in merge(b for b in blockers if intersect(b, span)):
        if start > cursor:
            pieces.append((cursor, min(start, span[1])))
        cursor = max(cursor, end)
        if cursor >= span[1]:
            break
    if cursor < span[1]:
        pieces.append((cursor, span[1]))
    return pieces


def difference(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """Everything in ``a`` that is not in ``b`` (both lists of intervals)."""
    b = merge(b)
    return [piece for span in merge(a) for piece in subtract(span, b)]


def total(intervals: Iterable[Interval]) -> timedelta:
    return sum((utc(end) - utc(start) for start, end in intervals), timedelta())


# --- fairness: hours by kind ---------------------------------------------------------------------

NIGHT_STARTS = time(22, 0)
NIGHT_ENDS = time(7, 0)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """Belgian federal public holidays plus the Brussels-Capital Region's own (8 May, Iris
    festival). The ``holidays`` package knows the federal days and the three communities, not the
    Brussels region, so 8 May is added here."""
    days = dict(holidays.country_holidays("BE", years=year))
    days.setdefault(date(year, 5, 8), "Iris Day (Brussels-Capital Region)")
    return days


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)


@dataclass
class Hours:
    total: timedelta = timedelta()
    night: timedelta = timedelta()
    weekend: timedelta = timedelta()
    holiday: timedelta = timedelta()

    def add(self, other: "Hours") -> None:
        self.total += other.total
        self.night += other.night
        self.weekend += other.weekend
        self.holiday += other.holiday


def hours_of(span: Interval, tz: ZoneInfo = BRUSSELS) -> Hours:
    """Split a span into its total, night (22:00–07:00), weekend (Saturday–Sunday) and public-holiday
    hours, day by day in wall-clock terms and measured in real elapsed time."""
    span = (utc(span[0]), utc(span[1]))
    result = Hours(total=span[1] - span[0])
    day = wall(span[0], tz).date() - timedelta(days=1)
    last = wall(span[1], tz).date()
    while day <= last:
        whole_day = (local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz))
        if (piece := intersect(whole_day, span)) is not None:
            if day.weekday() >= 5:
                result.weekend += piece[1] - piece[0]
            if is_public_holiday(day):
                result.holiday += piece[1] - piece[0]
        night = (at_local(day, NIGHT_STARTS, tz), at_local(day + timedelta(days=1), NIGHT_ENDS, tz))
        if (piece := intersect(night, span)) is not None:
            result.night += piece[1] - piece[0]
        day += timedelta(days=1)
    return result
