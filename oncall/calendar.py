"""What the rota's calendar pages show: days with the shifts cut at local midnight, colours, changes."""

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape

from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.templatetags.ui import brussels
from oncall import timeline
from oncall.models import Absence, Layer, Shift, SwapRequest

# An accessible palette (each with dark text ≥ 4.5:1); always shown with the person's name.
PALETTE_SIZE = 8


def colour(assistant_id: int) -> int:
    """A person's colour: fixed by their account number, so it never changes when the team does and
    costs no query. Two people may share a colour; the name is always written next to it."""
    return assistant_id % PALETTE_SIZE


# Why the calendars are built the way they are (measured with oncall/bench.py, a month of 12-hour
# shifts = 128 shifts cut into 210 day segments): the page's own work must stay under the framework's
# cost of a bare signed-in page. Three things each cost a millisecond or more and are avoided here:
# - model instances and Django's timestamptz loader (written in Python, ~2.5 µs per value): the
#   shifts are read as plain rows with their times as epoch seconds (``shifts_between``);
# - aware-datetime arithmetic and strftime per segment: a day is an interval of epoch seconds and a
#   label on an ordinary 24-hour day is plain arithmetic; only the two days a year with a clock
#   change go through the time zone;
# - the template engine per segment or per day: the grid is HTML built here, every value escaped.


@dataclass(slots=True)
class ShiftRow:
    """What a calendar needs of a live shift; times in seconds since the epoch (UTC)."""

    pk: int
    assistant_id: int
    starts: float
    ends: float
    role: str
    source: str
    name: str


@dataclass(slots=True)
class Segment:
    """The part of one shift that falls in one local day, with its HTML ready for the page."""

    shift: ShiftRow
    starts: float  # clipped to the day, epoch seconds
    ends: float
    day_starts: int  # the day's local midnight, epoch seconds
    day_length: int  # 23, 24 or 25 hours, in seconds
    colour: int
    markup: str  # the segment as HTML, every value escaped

    @property
    def html(self) -> str:
        return mark_safe(self.markup)  # noqa: S308 - built from escaped values in build_days

    @property
    def is_primary(self) -> bool:
        return self.shift.role == Layer.PRIMARY

    @property
    def name(self) -> str:
        return self.shift.name

    @property
    def left(self) -> float:
        """Percent of the day before the segment (the day timeline's SVG)."""
        return round(100 * (self.starts - self.day_starts) / self.day_length, 3)

    @property
    def width(self) -> float:
        return round(100 * (self.ends - self.starts) / self.day_length, 3)


@dataclass
class Day:
    date: date
    segments: list[Segment] = field(default_factory=list)
    in_month: bool = True
    is_today: bool = False
    is_holiday: bool = False
    short_label: str = ""  # "lun 30"
    long_label: str = ""  # "lundi 30 novembre"
    iso: str = ""

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5

    @property
    def css(self) -> str:
        return (
            ("" if self.in_month else " oc-out")
            + (" oc-today" if self.is_today else "")
            + (" oc-weekend" if self.is_weekend or self.is_holiday else "")
        )

    @property
    def segments_html(self) -> str:
        if not self.segments:
            return format_html('<p class="oc-empty">{}</p>', _("Nobody on call"))
        return mark_safe("".join(segment.markup for segment in self.segments))  # noqa: S308 - every value is escaped


DAY = 86400  # seconds in a day without a clock change


def _clock(moment: float, day_starts: int, day_length: int) -> str:
    """The wall-clock time "HH:MM" of ``moment`` in the day starting at ``day_starts``."""
    if day_length == DAY:
        seconds = int(moment - day_starts) % DAY  # the next midnight reads 00:00
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
    return f"{datetime.fromtimestamp(moment, timeline.BRUSSELS):%H:%M}"  # a clock-change day


def _label(before, after, start, end, day_starts, length, all_day, until, since) -> str:
    """A segment's time label: "07:00–19:00", "until 07:00", "from 19:00" or "all day", for a shift
    that started ``before`` the day and/or ends ``after`` it."""
    if before and after:
        return all_day
    if before:
        return until % {"time": _clock(end, day_starts, length)}
    if after:
        return since % {"time": _clock(start, day_starts, length)}
    return f"{_clock(start, day_starts, length)}–{_clock(end, day_starts, length)}"


def build_days(
    first: date, last: date, shifts: list[ShiftRow], *, month: int | None = None, link: bool = True
) -> list[Day]:
    """Each local day from ``first`` to ``last`` with the shifts' parts falling in it (one pass over
    the shifts, which come ordered by start: the work grows with what is shown, not with days ×
    shifts). ``link``: whether the segments link to the shift's page (chefs and dispatch read the
    rota but do not open shifts)."""
    today = timezone.localdate()
    detail = reverse("oncall:shift_detail", kwargs={"pk": 0}).replace("/0/", "/{}/") if link else ""
    primary, backup, override = _("primary"), _("backup"), _("override")
    layer_labels = {
        (Layer.PRIMARY, False): escape(primary),
        (Layer.BACKUP, False): escape(backup),
        (Layer.PRIMARY, True): escape(f"{primary} · {override}"),
        (Layer.BACKUP, True): escape(f"{backup} · {override}"),
    }
    all_day, until, since = escape(_("all day")), escape(_("until %(time)s")), escape(_("from %(time)s"))
    weekdays = [str(WEEKDAYS[n]) for n in range(7)]
    weekdays_abbr = [str(WEEKDAYS_ABBR[n]) for n in range(7)]
    count = (last - first).days + 1
    dates = [first + timedelta(days=n) for n in range(count)]
    months = {m: str(MONTHS[m]) for m in {d.month for d in dates}}
    # Local midnights in epoch seconds; a day is 23, 24 or 25 hours long.
    bounds = [int(timeline.local_midnight(d).timestamp()) for d in dates]
    bounds.append(int(timeline.local_midnight(last + timedelta(days=1)).timestamp()))
    days = [
        Day(
            date=d,
            in_month=month is None or d.month == month,
            is_today=d == today,
            is_holiday=timeline.is_public_holiday(d),
            short_label=f"{weekdays_abbr[d.weekday()]} {d.day}",
            long_label=f"{weekdays[d.weekday()]} {d.day} {months[d.month]}",
            iso=d.isoformat(),
        )
        for d in dates
    ]
    # Per day, primary then backup, each already in order of start (the shifts come ordered by start,
    # and a layer's shifts never overlap, so the clipped starts keep that order).
    layers = [([], []) for _day in dates]
    names, labels = {}, {}
    for shift in shifts:
        starts, ends = shift.starts, shift.ends
        index = max(0, bisect_right(bounds, starts) - 1)
        is_primary = shift.role == Layer.PRIMARY
        tag, href = ("a", f' href="{detail.format(shift.pk)}"') if link else ("div", "")
        if (name := names.get(shift.assistant_id)) is None:
            name = names[shift.assistant_id] = escape(shift.name)
        shift_colour = colour(shift.assistant_id)
        head = f'<{tag} class="oc-seg oc-c{shift_colour}{"" if is_primary else " oc-backup"}"{href}><span class="oc-seg-time">'
        tail = (
            f'</span><span class="oc-seg-name">{name}</span><span class="oc-seg-layer">'
            f"{layer_labels[(shift.role, shift.source == Shift.Source.OVERRIDE)]}</span></{tag}>"
        )
        while index < count and bounds[index] < ends:
            day_starts, day_ends = bounds[index], bounds[index + 1]
            start, end = max(starts, day_starts), min(ends, day_ends)
            before, after, length = starts < day_starts, ends > day_ends, day_ends - day_starts
            # The label depends only on where the segment lies in its day, and most repeat
            # ("07:00–19:00"). Keyed by the day's length too: a calendar spans six weeks at most, so
            # it holds at most one day with a clock change.
            key = (before, after, start - day_starts, end - day_starts, length)
            if (label := labels.get(key)) is None:
                label = labels[key] = _label(before, after, start, end, day_starts, length, all_day, until, since)
            layers[index][0 if is_primary else 1].append(
                Segment(shift, start, end, day_starts, day_ends - day_starts, shift_colour, head + label + tail)
            )
            index += 1
    for entry, (primaries, backups) in zip(days, layers, strict=True):
        entry.segments = primaries + backups
    return days


def render_days(days: list[Day], *, day_url: str, mine: bool, month: bool) -> str:
    """The calendar grid's day sections as HTML (see the note above ``ShiftRow``). Every value is
    escaped."""
    suffix = "&amp;mine=1" if mine else ""
    day_url = escape(day_url)
    today, holiday = escape(_("today")), escape(_("public holiday"))
    prefix = "mday" if month else "day"
    role = ' role="listitem"' if month else ""
    parts = []
    for d in days:
        label = (
            f'<span class="oc-wide">{escape(d.short_label)}</span><span class="oc-narrow">{escape(d.long_label)}</span>'
            if month
            else escape(d.long_label)
        )
        badges = (f' <span class="badge text-bg-primary">{today}</span>' if d.is_today and not month else "") + (
            f' <span class="badge oc-holiday">{holiday}</span>' if d.is_holiday else ""
        )
        parts.append(
            f'<section{role} class="oc-day{d.css}" '
            f'aria-labelledby="{prefix}-{d.iso}"><h2 class="oc-day-title" id="{prefix}-{d.iso}">'
            f'<a href="{day_url}?date={d.iso}{suffix}">{label}</a>{badges}</h2>'
            f"{d.segments_html}</section>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def shifts_between(first: date, last: date, *, user=None) -> list[ShiftRow]:
    """The live shifts sharing time with the local days ``first`` to ``last``, ordered by start.

    One parameterised query read as plain rows, times as epoch seconds (see the note above
    ``ShiftRow``). The range condition is the expression of the exclusion constraints' GiST index."""
    table, users = Shift._meta.db_table, Shift._meta.get_field("assistant").related_model._meta.db_table
    params = [timeline.local_midnight(first), timeline.local_midnight(last + timedelta(days=1))]
    mine = ""
    if user is not None:
        mine = "AND s.assistant_id = %s "
        params.append(user.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.assistant_id, EXTRACT(EPOCH FROM s.starts_at)::float8, "  # noqa: S608 - names from our models
            "EXTRACT(EPOCH FROM s.ends_at)::float8, s.role, s.source, u.full_name "
            f"FROM {table} s JOIN {users} u ON u.id = s.assistant_id "
            "WHERE s.superseded_at IS NULL AND tstzrange(s.starts_at, s.ends_at, '[)') && tstzrange(%s, %s, '[)') "
            f"{mine}ORDER BY s.starts_at",
            params,
        )
        return [ShiftRow(*row) for row in cursor.fetchall()]


# --- latest changes ---------------------------------------------------------------------------------------


@dataclass
class Change:
    at: datetime
    who: str
    what: str
    action: str
    text: str

    @property
    def iso(self) -> str:
        return self.at.isoformat()

    @property
    def when(self) -> str:
        return brussels(self.at)


def _event_models() -> dict[str, type]:
    """Event model → tracked model, for oncall's models under django-pghistory."""
    found = {}
    for model in apps.get_app_config("oncall").get_models():
        tracked = getattr(model, "pgh_tracked_model", None)
        if tracked is not None:
            found[model] = tracked
    return found


def recent_changes(limit: int = 8, *, show_absence_kind: bool = False) -> list[Change]:
    """The latest changes to the rota from the history triggers, newest first. One query: the
    newest ``limit`` rows of each event table (each read through its time index), with the names
    of the person concerned and of who made the change."""
    event_models = _event_models()
    parts, params = [], []
    for event_model in event_models:
        table = connection.ops.quote_name(event_model._meta.db_table)
        # Table names come from our models' metadata (quoted); every value is a parameter.
        parts.append(
            f"(SELECT %s AS model, e.pgh_created_at, e.pgh_label, to_jsonb(e) AS data, c.metadata AS context "  # noqa: S608
            f"FROM {table} e LEFT JOIN pghistory_context c ON c.id = e.pgh_context_id "
            f"ORDER BY e.pgh_created_at DESC, e.pgh_id DESC LIMIT %s)"
        )
        params += [event_model._meta.label, limit]
    sql = (
        "SELECT ev.model, ev.pgh_created_at, ev.pgh_label, ev.data, person.full_name, actor.full_name "  # noqa: S608
        f"FROM ({' UNION ALL '.join(parts)}) ev "
        "LEFT JOIN accounts_user person ON person.id = "
        "  COALESCE(ev.data->>'assistant_id', ev.data->>'requester_id')::bigint "
        "LEFT JOIN accounts_user actor ON actor.id = (ev.context->>'user')::bigint "
        "ORDER BY ev.pgh_created_at DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    by_label = {event_model._meta.label: tracked for event_model, tracked in event_models.items()}
    labels = {"insert": _("created"), "update": _("changed"), "delete": _("deleted")}
    system = _("system")
    changes = []
    for label_model, at, label, data, person, actor in rows:
        tracked = by_label.get(label_model)
        changes.append(
            Change(
                at=at,
                who=actor or system,
                what=str(tracked._meta.verbose_name) if tracked else label_model,
                action=str(labels.get(label, label)),
                # Django has psycopg hand json back as text (JSONField parses it itself).
                text=_describe(tracked, _json(data), person or "", label, show_absence_kind),
            )
        )
    return changes


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _when(value) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return timezone.localtime(moment).strftime("%d/%m %H:%M")


def _describe(model, data: dict, person: str, label: str, show_absence_kind: bool) -> str:
    if model is None:
        return ""
    name = model.__name__
    span = f"{_when(data.get('starts_at'))} → {_when(data.get('ends_at'))}" if data.get("starts_at") else ""
    if name == "Shift":
        # A live shift is only ever updated to be cut short, extended or superseded.
        state = _("superseded") if data.get("superseded_at") and label == "update" else ""
        layer = dict(Layer.choices).get(data.get("role"), "")
        return " · ".join(str(part) for part in (person, layer, span, state) if part)
    if name == "Rotation":
        return data.get("name", "")
    if name == "RotationMember":
        return f"{person} #{(data.get('position') or 0) + 1}"
    if name == "SwapRequest":
        status = dict(SwapRequest.Status.choices).get(data.get("status"), "")
        return " · ".join(str(part) for part in (person, span, status) if part)
    if name == "Absence":
        # The kind (sick leave…) is for the admins only; colleagues see that someone is away.
        kind = dict(Absence.Kind.choices).get(data.get("kind"), "") if show_absence_kind else ""
        return " · ".join(str(part) for part in (person, kind, span) if part)
    return ""
