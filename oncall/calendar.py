"""What the rota's calendar pages show: days with the shifts cut at local midnight, colours, changes."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from pghistory.models import Events

from accounts import roles
from accounts.models import User
from oncall import timeline
from oncall.models import Absence, Layer, Shift, SwapRequest

# An accessible palette (each with dark text ≥ 4.5:1); always shown with the person's name.
PALETTE_SIZE = 8


def colours() -> dict[int, int]:
    """Assistant id → palette index, stable while the team does not change. One query."""
    ids = User.objects.with_role(roles.ASSISTANT).order_by("pk").values_list("pk", flat=True)
    return {pk: index % PALETTE_SIZE for index, pk in enumerate(ids)}


@dataclass
class Segment:
    shift: Shift
    day: date
    starts_at: datetime  # clipped to the day
    ends_at: datetime
    colour: int
    continues_before: bool
    continues_after: bool

    @property
    def is_primary(self) -> bool:
        return self.shift.role == Layer.PRIMARY

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


@dataclass
class Day:
    date: date
    segments: list[Segment] = field(default_factory=list)
    in_month: bool = True
    is_today: bool = False
    is_holiday: bool = False

    @property
    def is_weekend(self) -> bool:
        return self.date.weekday() >= 5


def build_days(first: date, last: date, shifts: list[Shift], *, month: int | None = None) -> list[Day]:
    """Each local day from ``first`` to ``last`` with the shifts' parts falling in it."""
    palette = colours()
    today = timezone.localdate()
    days = []
    day = first
    while day <= last:
        window = (timeline.local_midnight(day), timeline.local_midnight(day + timedelta(days=1)))
        entry = Day(
            date=day,
            in_month=month is None or day.month == month,
            is_today=day == today,
            is_holiday=timeline.is_public_holiday(day),
        )
        for shift in shifts:
            piece = timeline.intersect((shift.starts_at, shift.ends_at), window)
            if piece:
                entry.segments.append(
                    Segment(
                        shift=shift,
                        day=day,
                        starts_at=piece[0],
                        ends_at=piece[1],
                        colour=palette.get(shift.assistant_id, 0),
                        continues_before=shift.starts_at < window[0],
                        continues_after=shift.ends_at > window[1],
                    )
                )
        entry.segments.sort(key=lambda s: (s.shift.role != Layer.PRIMARY, s.starts_at))
        days.append(entry)
        day += timedelta(days=1)
    return days


def shifts_between(first: date, last: date, *, user=None) -> list[Shift]:
    start = timeline.local_midnight(first)
    end = timeline.local_midnight(last + timedelta(days=1))
    shifts = Shift.objects.overlapping(start, end).select_related("assistant").order_by("starts_at")
    if user is not None:
        shifts = shifts.of(user)
    return list(shifts)


# --- latest changes ---------------------------------------------------------------------------------------


@dataclass
class Change:
    at: datetime
    who: str
    what: str
    action: str
    text: str


def _event_models() -> dict[str, type]:
    found = {}
    for model in apps.get_app_config("oncall").get_models():
        tracked = getattr(model, "pgh_tracked_model", None)
        if tracked is not None:
            found[model._meta.label] = tracked
    return found


def recent_changes(limit: int = 12, *, show_absence_kind: bool = False) -> list[Change]:
    """The latest changes to the rota from the history triggers, newest first. Two queries."""
    event_models = _event_models()
    events = list(
        Events.objects.across(*[apps.get_model(label) for label in event_models]).order_by(
            "-pgh_created_at", "-pgh_id"
        )[:limit]
    )
    user_ids = set()
    for event in events:
        data = event.pgh_data or {}
        user_ids.update(v for k, v in data.items() if k in ("assistant_id", "requester_id", "taken_by_id") and v)
        if (event.pgh_context or {}).get("user"):
            user_ids.add(event.pgh_context["user"])
    names = {u.pk: u.full_name for u in User.objects.filter(pk__in=user_ids)}
    labels = {"insert": _("created"), "update": _("changed"), "delete": _("deleted")}
    changes = []
    for event in events:
        tracked = event_models.get(event.pgh_model)
        data = event.pgh_data or {}
        context = event.pgh_context or {}
        changes.append(
            Change(
                at=event.pgh_created_at,
                who=names.get(context.get("user"), _("system")),
                what=str(tracked._meta.verbose_name) if tracked else event.pgh_model,
                action=str(labels.get(event.pgh_label, event.pgh_label)),
                text=_describe(tracked, data, names, event.pgh_diff or {}, show_absence_kind),
            )
        )
    return changes


def _when(value) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return timezone.localtime(moment).strftime("%d/%m %H:%M")


def _describe(model, data: dict, names: dict, diff: dict, show_absence_kind: bool) -> str:
    if model is None:
        return ""
    name = model.__name__
    person = names.get(data.get("assistant_id") or data.get("requester_id"), "")
    span = f"{_when(data.get('starts_at'))} → {_when(data.get('ends_at'))}" if data.get("starts_at") else ""
    if name == "Shift":
        state = _("superseded") if data.get("superseded_at") and "superseded_at" in diff else ""
        layer = dict(Layer.choices).get(data.get("role"), "")
        return " · ".join(part for part in (person, str(layer), span, str(state)) if part)
    if name == "Rotation":
        return data.get("name", "")
    if name == "RotationMember":
        return f"{names.get(data.get('assistant_id'), '')} #{(data.get('position') or 0) + 1}"
    if name == "SwapRequest":
        status = dict(SwapRequest.Status.choices).get(data.get("status"), "")
        return " · ".join(str(part) for part in (person, span, status) if part)
    if name == "Absence":
        # The kind (sick leave…) is for the admins only; colleagues see that someone is away.
        kind = dict(Absence.Kind.choices).get(data.get("kind"), "") if show_absence_kind else ""
        return " · ".join(str(part) for part in (person, kind, span) if part)
    return ""
