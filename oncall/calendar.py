"""What the rota's calendar pages show: days with the shifts cut at local midnight, colours, changes."""

import json
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

from oncall import timeline
from oncall.models import Absence, Layer, Shift, SwapRequest

# An accessible palette (each with dark text ≥ 4.5:1); always shown with the person's name.
PALETTE_SIZE = 8


def colour(assistant_id: int) -> int:
    """A person's colour: fixed by their account number, so it never changes when the team does and
    costs no query. Two people may share a colour; the name is always written next to it."""
    return assistant_id % PALETTE_SIZE


@dataclass
class Segment:
    """The part of one shift that falls in one local day, with its labels ready for the page."""

    shift: "Shift | ShiftRow"
    day: date
    starts_at: datetime  # clipped to the day, UTC
    ends_at: datetime
    colour: int
    continues_before: bool
    continues_after: bool
    url: str = ""
    layer_label: str = ""
    time_label: str = ""  # "09:00–21:00", "until 09:00", "from 19:00" or "all day"

    @property
    def is_primary(self) -> bool:
        return self.shift.role == Layer.PRIMARY

    @property
    def name(self) -> str:
        return self.shift.assistant.full_name

    def _day(self) -> tuple[datetime, timedelta]:
        start = timeline.local_midnight(self.day)
        return start, timeline.local_midnight(self.day + timedelta(days=1)) - start  # 23, 24 or 25 hours

    @property
    def left(self) -> float:
        """Percent of the day before the segment (the day timeline's SVG)."""
        start, length = self._day()
        return round(100 * (self.starts_at - start) / length, 3)

    @property
    def width(self) -> float:
        return round(100 * (self.ends_at - self.starts_at) / self._day()[1], 3)

    @property
    def html(self) -> str:
        # Escaped with the standard library's html.escape: Django's lazy-aware escape costs several
        # times more and a month page holds a couple of hundred segments (see oncall/bench.py).
        tag, href = ("a", f' href="{self.url}"') if self.url else ("div", "")
        return (
            f'<{tag} class="oc-seg oc-c{self.colour}{"" if self.is_primary else " oc-backup"}"{href}>'
            f'<span class="oc-seg-time">{escape(self.time_label)}</span>'
            f'<span class="oc-seg-name">{escape(self.name)}</span>'
            f'<span class="oc-seg-layer">{escape(self.layer_label)}</span></{tag}>'
        )


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
        """The day's segments as HTML, built in Python rather than with an include per segment: the
        template engine would spend most of a month page's time on them (see oncall/bench.py)."""
        if not self.segments:
            return format_html('<p class="oc-empty">{}</p>', _("Nobody on call"))
        return mark_safe("".join(segment.html for segment in self.segments))  # noqa: S308 - every value is escaped


@dataclass
class Person:
    full_name: str


@dataclass
class ShiftRow:
    """What a calendar needs of a shift, read with values_list (no model instances: ten years of
    12-hour shifts put a couple of hundred of them on a month page)."""

    pk: int
    assistant_id: int
    starts_at: datetime
    ends_at: datetime
    role: str
    source: str
    assistant: Person


def build_days(first: date, last: date, shifts, *, month: int | None = None, link: bool = True) -> list[Day]:
    """Each local day from ``first`` to ``last`` with the shifts' parts falling in it (one pass over
    the shifts: the work grows with what is shown, not with days × shifts). ``link``: whether the
    segments link to the shift's page (chefs and dispatch read the rota but do not open shifts)."""
    today = timezone.localdate()
    detail = reverse("oncall:shift_detail", kwargs={"pk": 0}).replace("/0/", "/{}/") if link else ""
    primary, backup, override = _("primary"), _("backup"), _("override")
    layer_labels = {
        (Layer.PRIMARY, False): primary,
        (Layer.BACKUP, False): backup,
        (Layer.PRIMARY, True): f"{primary} · {override}",
        (Layer.BACKUP, True): f"{backup} · {override}",
    }
    all_day, until, since = _("all day"), _("until %(time)s"), _("from %(time)s")
    weekdays = [str(WEEKDAYS[n]) for n in range(7)]
    weekdays_abbr = [str(WEEKDAYS_ABBR[n]) for n in range(7)]
    tz = timeline.BRUSSELS
    count = (last - first).days + 1
    dates = [first + timedelta(days=n) for n in range(count)]
    # Local midnights in UTC; a day is 23, 24 or 25 hours long.
    bounds = [timeline.local_midnight(d) for d in dates] + [timeline.local_midnight(last + timedelta(days=1))]
    days = [
        Day(
            date=d,
            in_month=month is None or d.month == month,
            is_today=d == today,
            is_holiday=timeline.is_public_holiday(d),
            short_label=f"{weekdays_abbr[d.weekday()]} {d.day}",
            long_label=f"{weekdays[d.weekday()]} {d.day} {MONTHS[d.month]}",
            iso=d.isoformat(),
        )
        for d in dates
    ]
    for shift in shifts:
        starts_at, ends_at = timeline.utc(shift.starts_at), timeline.utc(shift.ends_at)
        index = max(0, (timeline.wall(starts_at).date() - first).days)
        while index < count and bounds[index] < ends_at:
            start, end = max(starts_at, bounds[index]), min(ends_at, bounds[index + 1])
            if start < end:
                before, after = starts_at < bounds[index], ends_at > bounds[index + 1]
                if before and after:
                    label = all_day
                elif before:
                    label = until % {"time": f"{end.astimezone(tz):%H:%M}"}
                elif after:
                    label = since % {"time": f"{start.astimezone(tz):%H:%M}"}
                else:
                    label = f"{start.astimezone(tz):%H:%M}–{end.astimezone(tz):%H:%M}"
                days[index].segments.append(
                    Segment(
                        shift=shift,
                        day=dates[index],
                        starts_at=start,
                        ends_at=end,
                        colour=colour(shift.assistant_id),
                        continues_before=before,
                        continues_after=after,
                        url=detail.format(shift.pk) if link else "",
                        layer_label=layer_labels[(shift.role, shift.source == Shift.Source.OVERRIDE)],
                        time_label=label,
                    )
                )
            index += 1
    for entry in days:
        entry.segments.sort(key=lambda s: (s.shift.role != Layer.PRIMARY, s.starts_at))
    return days


def render_days(days: list[Day], *, day_url: str, mine: bool, month: bool) -> str:
    """The calendar grid's day sections as HTML. Built here rather than in the template: a month is
    42 sections of a dozen values each, and resolving them one by one in the template engine took
    more time than the rest of the page (see oncall/bench.py). Every value is escaped."""
    suffix = "&amp;mine=1" if mine else ""
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
            f'<a href="{escape(day_url)}?date={d.iso}{suffix}">{label}</a>{badges}</h2>'
            f"{d.segments_html}</section>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def shifts_between(first: date, last: date, *, user=None) -> list[ShiftRow]:
    start = timeline.local_midnight(first)
    end = timeline.local_midnight(last + timedelta(days=1))
    shifts = Shift.objects.overlapping(start, end)
    if user is not None:
        shifts = shifts.of(user)
    rows = shifts.order_by("starts_at").values_list(
        "pk", "assistant_id", "starts_at", "ends_at", "role", "source", "assistant__full_name"
    )
    return [ShiftRow(*row[:6], assistant=Person(row[6])) for row in rows]


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
        return timezone.localtime(self.at).strftime("%d/%m/%Y %H:%M")


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
