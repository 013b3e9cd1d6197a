"""Work on the rota that spans several rows or has side effects (notifications, coverage checks).

Every function that changes shifts runs inside ``RotaChange``: it snapshots who holds what before
and after, then tells each assistant what they gained or lost (one message per person per change,
nothing when nothing changed for them), cancels reminders of shifts that no longer start when they
did, and queues a coverage check once the transaction commits.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from oncall import timeline
from oncall.extensions import handover_sections
from oncall.models import Absence, CoverageGap, Layer, Rotation, Shift, SwapRequest

# --- who is on call ----------------------------------------------------------------------------------


@dataclass
class OnCall:
    primary: Shift | None
    backup: Shift | None


def on_call_at(at: datetime | None = None) -> OnCall:
    """Who holds the primary and the backup permanence at ``at`` (one query; assistants loaded)."""
    at = at or timezone.now()
    found = {shift.role: shift for shift in Shift.objects.covering(at).select_related("assistant")}
    return OnCall(primary=found.get(Layer.PRIMARY), backup=found.get(Layer.BACKUP))


@dataclass
class Duty:
    """Someone holding a layer over [starts_at, ends_at): what "who is on call now" shows of them."""

    name: str
    phone: str
    starts_at: datetime
    ends_at: datetime


@dataclass
class LayerNow:
    """A layer of the permanence at one moment: who holds it, and when and to whom it passes next.

    A shift of the same person that simply continues is not a handover. ``handover_at`` is the
    start of the next shift held by someone else (``incoming``) within 60 days; without one, the
    end of the current shift with nobody incoming; None when nobody holds the layer or is planned."""

    role: str
    current: Duty | None
    incoming: Duty | None
    handover_at: datetime | None


HANDOVER_HORIZON = timedelta(days=60)


def on_call_now(now: datetime | None = None) -> dict[str, LayerNow]:
    """Both layers at ``now``, for the dispatch's page and API, in one query that returns at most
    four short rows (the page is polled every minute by every dispatch screen)."""
    now = now or timezone.now()
    shifts = connection.ops.quote_name(Shift._meta.db_table)
    users = connection.ops.quote_name(User._meta.db_table)
    live = "s.superseded_at IS NULL"
    sql = (
        "WITH holder AS ("  # noqa: S608 - table names come from our models
        f"  SELECT s.role, s.assistant_id, s.starts_at, s.ends_at FROM {shifts} s "
        f"  WHERE {live} AND tstzrange(s.starts_at, s.ends_at, '[)') @> %(now)s::timestamptz"
        "), incoming AS ("
        "  SELECT DISTINCT ON (s.role) s.role, s.assistant_id, s.starts_at, s.ends_at "
        f"  FROM {shifts} s LEFT JOIN holder h ON h.role = s.role "
        f"  WHERE {live} AND s.starts_at >= %(now)s AND s.starts_at < %(horizon)s "
        "   AND s.assistant_id IS DISTINCT FROM h.assistant_id "
        "  ORDER BY s.role, s.starts_at"
        ") "
        "SELECT d.is_next, d.role, u.full_name, u.phone, d.starts_at, d.ends_at "
        "FROM (SELECT false AS is_next, * FROM holder UNION ALL SELECT true, * FROM incoming) d "
        f"JOIN {users} u ON u.id = d.assistant_id"
    )
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, {"now": now, "horizon": now + HANDOVER_HORIZON})
        for is_next, role, name, phone, starts_at, ends_at in cursor.fetchall():
            found[(role, is_next)] = Duty(name=name, phone=phone, starts_at=starts_at, ends_at=ends_at)
    layers = {}
    for role in (Layer.PRIMARY, Layer.BACKUP):
        current, incoming = found.get((role, False)), found.get((role, True))
        handover_at = incoming.starts_at if incoming else current.ends_at if current else None
        layers[role] = LayerNow(role=role, current=current, incoming=incoming, handover_at=handover_at)
    return layers


# --- change tracking and announcements -----------------------------------------------------------

Key = tuple[int, str, datetime]  # (assistant id, layer, start)


@dataclass
class RotaChange:
    """Snapshot live shifts in ``window`` before and after a change and announce the difference.

    with RotaChange((start, end), by=user) as change:
        ... create, supersede, delete shifts ...
    """

    window: tuple[datetime, datetime]
    by: User | None = None
    reason: str = ""
    quiet: tuple[int, ...] = ()  # people told by a message of their own (a swap's requester and taker)
    before: list[tuple[int, str, datetime, datetime]] = field(default_factory=list)

    def _snapshot(self):
        start, end = self.window
        return list(Shift.objects.overlapping(start, end).values_list("assistant_id", "role", "starts_at", "ends_at"))

    def __enter__(self):
        self.before = self._snapshot()
        return self

    def widen(self, start: datetime, end: datetime) -> None:
        """Grow the window before any change is made (a regeneration learns its range late)."""
        self.window = (min(self.window[0], start), max(self.window[1], end))
        self.before = self._snapshot()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            announce(self.before, self._snapshot(), by=self.by, reason=self.reason, quiet=self.quiet)
        return False


def announce(before, after, *, by=None, reason: str = "", quiet=(), now: datetime | None = None) -> None:
    now = now or timezone.now()
    from notifications.services import cancel_pending

    starts_after = {(a, role, start) for a, role, start, _end in after}
    for assistant_id, role, start, _end in before:
        if (assistant_id, role, start) not in starts_after:
            cancel_pending(dedupe_prefix=reminder_prefix(assistant_id, role, start))

    def spans(rows):
        grouped = defaultdict(list)
        for assistant_id, role, start, end in rows:
            if end > now:
                grouped[(assistant_id, role)].append((max(start, now), end))
        return grouped

    old, new = spans(before), spans(after)
    changes = defaultdict(lambda: {"added": [], "removed": []})
    for key in set(old) | set(new):
        for start, end in timeline.difference(new.get(key, []), old.get(key, [])):
            changes[key[0]]["added"].append({"starts_at": start, "ends_at": end, "role": key[1]})
        for start, end in timeline.difference(old.get(key, []), new.get(key, [])):
            changes[key[0]]["removed"].append({"starts_at": start, "ends_at": end, "role": key[1]})
    if not changes:
        return
    from notifications.services import notify

    silent = {by.pk if by is not None else None, *quiet}
    users = User.objects.in_bulk([a for a in changes if a not in silent])
    for assistant_id, user in users.items():
        items = changes[assistant_id]
        for listing in items.values():
            listing.sort(key=lambda item: item["starts_at"])
        notify(
            user,
            kind="shift_changed",
            template="oncall/shift_changed",
            context={
                "added": items["added"][:10],
                "removed": items["removed"][:10],
                "more": max(0, len(items["added"]) + len(items["removed"]) - 20),
                "by": str(by) if by else "",
                "reason": reason,
                "url": settings.SITE_URL + reverse("oncall:rota") + "?mine=1",
            },
            dedupe_key=f"oncall:changed:{assistant_id}:{uuid.uuid4().hex}",
        )
    transaction.on_commit(_enqueue_coverage_check)


def _enqueue_coverage_check() -> None:
    from oncall.tasks import check_coverage

    check_coverage.delay()


def reminder_prefix(assistant_id: int, role: str, start: datetime) -> str:
    return f"oncall:shift:{assistant_id}:{role}:{start.astimezone(timeline.BRUSSELS):%Y%m%dT%H%M%z}:"


def _integrity_to_validation(exc: IntegrityError) -> ValidationError:
    text = str(exc)
    if "shift_assistant_no_overlap" in text:
        return ValidationError(_("This assistant is already on another shift during this time."))
    if "shift_layer_no_overlap" in text:
        return ValidationError(_("Another shift of this layer already covers part of this time."))
    return ValidationError(_("The rota changed in the meantime. Reload the page and try again."))


# --- generation from a rotation -----------------------------------------------------------------------


@dataclass
class GenerationResult:
    created: int = 0
    removed: int = 0
    kept: int = 0
    skipped: list[tuple[User, datetime, datetime]] = field(default_factory=list)


def _slots(rotation: Rotation, from_at: datetime, until: datetime):
    return timeline.slots(
        start_date=rotation.start_date,
        clock=rotation.handover_time,
        weekday=rotation.handover_weekday if rotation.shift_hours % 168 == 0 else None,
        length=rotation.shift_length,
        from_at=from_at,
        until=until,
    )


def slot_end(rotation: Rotation, at: datetime) -> datetime:
    """``at``, moved to the end of the rotation's slot running then (generation makes whole shifts)."""
    for slot in _slots(rotation, at, at + rotation.shift_length + timedelta(hours=2)):
        return slot.ends_at if slot.starts_at < at else at
    return at


def planned_pieces(rotation: Rotation, from_at: datetime, until: datetime) -> list[tuple[User, datetime, datetime]]:
    """What the rotation asks for in [from_at, until): (assistant, start, end), in order."""
    members = rotation.ordered_members()
    if not members:
        return []
    tz = timeline.BRUSSELS
    pieces = []
    for slot in _slots(rotation, from_at, until):
        span = timeline.intersect((slot.starts_at, slot.ends_at), (from_at, until))
        if span is None:
            continue
        windows = timeline.restriction_windows(
            rotation.restriction, rotation.restriction_starts, rotation.restriction_ends, span, tz
        )
        assistant = members[slot.index % len(members)]
        pieces.extend((assistant, start, end) for start, end in windows)
    return pieces


@transaction.atomic
def generate_shifts(
    rotation: Rotation,
    *,
    until: datetime,
    from_at: datetime | None = None,
    by: User | None = None,
    now: datetime | None = None,
    backfill: bool = False,
) -> GenerationResult:
    """Make the rotation's shifts from ``from_at`` to ``until`` match its current settings.

    - Nothing before ``now`` is deleted, moved or added (the past is history) unless ``backfill``
      (a new rota loaded with its recent past: demo data, a migration from paper); a shift of the
      rotation running at the cut-over point is shortened to it, or goes on when the same person
      continues.
    - Overrides, manual shifts, other rotations' shifts and the assistant's other commitments are
      respected: the rotation fills only what they leave free (parts left free are reported).
    - An identical result changes nothing (no notifications, no history noise).
    """
    now = now or timezone.now()
    # Serialise regenerations of one rotation (two admins clicking at once).
    Rotation.objects.select_for_update().get(pk=rotation.pk)
    from_at = from_at or now
    cut = max(from_at, now)
    until = slot_end(rotation, max(until, cut))
    begin = from_at if backfill else cut
    result = GenerationResult()
    with RotaChange((begin, max(until, rotation.generated_until or until)), by=by, reason=rotation.name):
        mine = list(
            Shift.all_objects.select_for_update()
            .filter(rotation=rotation, source=Shift.Source.ROTATION, ends_at__gte=cut)
            .order_by("starts_at")
        )
        straddling = next((s for s in mine if s.starts_at < cut and s.is_live), None)
        future = [s for s in mine if s.starts_at >= cut]

        # What the rotation may not take: everything live except its own rows from the cut on.
        own = {s.pk for s in mine}
        others = [
            (s.assistant_id, s.role, s.starts_at, s.ends_at)
            for s in Shift.objects.overlapping(begin, until).exclude(pk__in=own)
        ]
        if straddling is not None:
            others.append((straddling.assistant_id, straddling.role, straddling.starts_at, cut))
        layer_taken = [(start, end) for _a, role, start, end in others if role == rotation.layer]
        busy = defaultdict(list)
        for assistant_id, _role, start, end in others:
            busy[assistant_id].append((start, end))

        desired = []
        for assistant, start, end in planned_pieces(rotation, begin, until):
            for piece in timeline.subtract((start, end), layer_taken):
                free = timeline.subtract(piece, busy[assistant.pk])
                desired.extend((assistant, a, b) for a, b in free)
                result.skipped.extend((assistant, a, b) for a, b in timeline.difference([piece], free))

        # The shift running at (or ending at) the cut goes on if its holder's piece starts right there.
        extend_to = None
        if straddling is not None:
            first = next((d for d in desired if d[1] == cut and d[0].pk == straddling.assistant_id), None)
            if first is not None:
                desired.remove(first)
                extend_to = first[2]
            else:
                extend_to = cut
            if extend_to < straddling.ends_at:
                straddling.ends_at = extend_to
                straddling.save(update_fields=["ends_at"])
                extend_to = None
            elif extend_to == straddling.ends_at:
                extend_to = None

        existing = {(s.assistant_id, s.starts_at, s.ends_at) for s in future if s.is_live}
        wanted = {(a.pk, start, end) for a, start, end in desired}
        doomed = [s for s in future if not s.is_live or (s.assistant_id, s.starts_at, s.ends_at) not in wanted]
        result.removed = sum(1 for s in doomed if s.is_live)
        result.kept = len(existing) - result.removed
        Shift.all_objects.filter(pk__in=[s.pk for s in doomed]).delete()
        if extend_to is not None:
            straddling.ends_at = extend_to
            straddling.save(update_fields=["ends_at"])
        new_rows = [
            Shift(
                assistant=assistant,
                starts_at=start,
                ends_at=end,
                role=rotation.layer,
                source=Shift.Source.ROTATION,
                rotation=rotation,
                created_by=by,
            )
            for assistant, start, end in desired
            if (assistant.pk, start, end) not in existing
        ]
        try:
            with transaction.atomic():
                Shift.objects.bulk_create(new_rows)
        except IntegrityError as exc:
            raise _integrity_to_validation(exc) from exc
        result.created = len(new_rows)
        rotation.generated_until = max(until, rotation.generated_until or until)
        rotation.save(update_fields=["generated_until"])
    return result


def extend_rotations(*, horizon: timedelta, now: datetime | None = None) -> int:
    """Keep every active rotation generated ``horizon`` ahead (a daily task): never runs dry."""
    now = now or timezone.now()
    count = 0
    for rotation in Rotation.objects.active().filter(generated_until__isnull=False):
        target = now + horizon
        if rotation.generated_until < target:
            generate_shifts(rotation, from_at=rotation.generated_until, until=target, now=now)
            count += 1
    return count


# --- overrides ---------------------------------------------------------------------------------------------


def can_override(user, shift: Shift) -> bool:
    return user.has_role(roles.ADMIN) or (user.pk == shift.assistant_id and user.has_role(roles.ASSISTANT))


def eligible_colleagues(starts_at: datetime, ends_at: datetime, *, exclude: list[int] = ()):
    """Active assistants free over the span: not absent and not on another shift then."""
    return (
        User.objects.active()
        .with_role(roles.ASSISTANT)
        .exclude(pk__in=list(exclude))
        .exclude(shifts__in=Shift.objects.overlapping(starts_at, ends_at))
        .exclude(absences__in=Absence.objects.overlapping(starts_at, ends_at))
        .distinct()
        .order_by("full_name")
    )


def check_free(user: User, starts_at: datetime, ends_at: datetime, *, ignore: Shift | None = None) -> None:
    """Raise a ValidationError naming why ``user`` cannot take [starts_at, ends_at)."""
    busy = Shift.objects.of(user).overlapping(starts_at, ends_at)
    if ignore is not None:
        busy = busy.exclude(pk=ignore.pk)
    if busy.exists():
        raise ValidationError(_("%(name)s is already on another shift during this time.") % {"name": user})
    absence = Absence.objects.of(user).overlapping(starts_at, ends_at).first()
    if absence is not None:
        raise ValidationError(
            _("%(name)s is absent (%(kind)s) during this time.") % {"name": user, "kind": absence.get_kind_display()}
        )


def _split(shift: Shift, starts_at: datetime, ends_at: datetime, to: User, *, by, note: str, now) -> Shift:
    """Supersede ``shift`` and put the before / override / after pieces in its place."""
    shift.supersede(at=now)
    keep = {
        "assistant_id": shift.assistant_id,
        "role": shift.role,
        "source": shift.source,
        "rotation_id": shift.rotation_id,
        "replaces": shift,
        "note": shift.note,
        "created_by": by,
    }
    pieces = []
    if starts_at > shift.starts_at:
        pieces.append(
            Shift(starts_at=shift.starts_at, ends_at=starts_at, handover_sent_at=shift.handover_sent_at, **keep)
        )
    override = Shift(
        assistant=to,
        role=shift.role,
        starts_at=starts_at,
        ends_at=ends_at,
        source=Shift.Source.OVERRIDE,
        replaces=shift,
        note=note,
        created_by=by,
    )
    pieces.append(override)
    if ends_at < shift.ends_at:
        pieces.append(Shift(starts_at=ends_at, ends_at=shift.ends_at, **keep))
    try:
        with transaction.atomic():
            Shift.objects.bulk_create(pieces)
    except IntegrityError as exc:
        raise _integrity_to_validation(exc) from exc
    return override


@transaction.atomic
def override_shift(
    shift: Shift,
    *,
    starts_at: datetime,
    ends_at: datetime,
    to: User,
    by: User,
    note: str = "",
    now: datetime | None = None,
    swap: SwapRequest | None = None,
) -> Shift:
    """Hand [starts_at, ends_at) of ``shift`` to ``to``: the shift is split into before / override /
    after. Works on an override too (an override of an override)."""
    now = now or timezone.now()
    shift = Shift.all_objects.select_for_update().get(pk=shift.pk)
    if not shift.is_live:
        raise ValidationError(_("This shift was changed in the meantime. Reload the page and try again."))
    if not (shift.starts_at <= starts_at < ends_at <= shift.ends_at):
        raise ValidationError(_("Choose a part of the shift: between its start and its end."))
    # Only an admin may correct who was on duty in the past (the fairness report counts it).
    if ends_at <= now or (starts_at < now - timedelta(minutes=5) and not by.has_role(roles.ADMIN)):
        raise ValidationError(_("That time is over: the past stays as it was."))
    if to.pk == shift.assistant_id:
        raise ValidationError(_("Choose a colleague: this shift is already theirs."))
    if not (to.is_active and to.has_role(roles.ASSISTANT)):
        raise ValidationError(_("Only an active assistant can take a shift."))
    check_free(to, starts_at, ends_at)
    quiet = (swap.requester_id, swap.taken_by_id) if swap is not None else ()
    with RotaChange((shift.starts_at, shift.ends_at), by=by, reason=note, quiet=quiet):
        override = _split(shift, starts_at, ends_at, to, by=by, note=note, now=now)
        # Open requests of the former holder for this time are moot now (except the one being applied).
        moot = SwapRequest.objects.pending().filter(
            requester_id=shift.assistant_id, role=shift.role, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        if swap is not None:
            moot = moot.exclude(pk=swap.pk)
        moot.update(status=SwapRequest.Status.CANCELLED, decided_by=by, decided_at=now)
    return override


@transaction.atomic
def add_shift(*, assistant: User, role: str, starts_at: datetime, ends_at: datetime, note: str, by: User) -> Shift:
    """A manual shift (the admin fills a gap by hand)."""
    with RotaChange((starts_at, ends_at), by=by, reason=note):
        shift = Shift(
            assistant=assistant,
            role=role,
            starts_at=starts_at,
            ends_at=ends_at,
            note=note,
            source=Shift.Source.MANUAL,
            created_by=by,
        )
        shift.full_clean()
        try:
            with transaction.atomic():
                shift.save()
        except IntegrityError as exc:
            raise _integrity_to_validation(exc) from exc
    return shift


@transaction.atomic
def remove_shift(shift: Shift, *, by: User, now: datetime | None = None) -> None:
    """Take a future shift off the rota (it leaves a gap, which the coverage check reports). A shift
    already running is cut at ``now``: the past stays."""
    now = now or timezone.now()
    shift = Shift.all_objects.select_for_update().get(pk=shift.pk)
    if not shift.is_live or shift.ends_at <= now:
        raise ValidationError(_("Only a shift that is not over can be removed."))
    with RotaChange((shift.starts_at, shift.ends_at), by=by):
        if shift.starts_at < now:
            shift.ends_at = now
            shift.save(update_fields=["ends_at"])
        else:
            shift.supersede(at=now)


# --- swap requests -----------------------------------------------------------------------------------


def _swap_url(swap: SwapRequest) -> str:
    return settings.SITE_URL + reverse("oncall:swap_detail", kwargs={"pk": swap.pk})


def _swap_context(swap: SwapRequest) -> dict:
    return {
        "requester": str(swap.requester),
        "taker": str(swap.taken_by) if swap.taken_by_id else "",
        "starts_at": swap.starts_at,
        "ends_at": swap.ends_at,
        "role": swap.role,
        "reason": swap.reason,
        "status": swap.status,
        "url": _swap_url(swap),
    }


def _admins():
    return User.objects.active().with_role(roles.ADMIN)


def _tell(users, swap: SwapRequest, *, kind: str, event: str, exclude=()) -> None:
    from notifications.services import notify

    seen = set(exclude)
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        notify(
            user,
            kind=kind,
            template="oncall/swap",
            context={**_swap_context(swap), "event": event},
            dedupe_key=f"oncall:swap:{swap.pk}:{event}:{user.pk}",
            about=swap,
        )


def covering_shift(user: User, role: str, starts_at: datetime, ends_at: datetime) -> Shift | None:
    return Shift.objects.of(user).filter(role=role, starts_at__lte=starts_at, ends_at__gte=ends_at).first()


def swap_remind_at(starts_at: datetime, now: datetime) -> datetime | None:
    """Remind a day before the start; for a request made later than that, halfway to the start."""
    lead = timedelta(hours=settings.SWAP_REMINDER_HOURS)
    if starts_at - lead > now:
        return starts_at - lead
    if starts_at - now > timedelta(hours=2):
        return now + (starts_at - now) / 2
    return None


@transaction.atomic
def request_swap(
    shift: Shift,
    *,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    by: User,
    absence: Absence | None = None,
    now: datetime | None = None,
) -> SwapRequest:
    now = now or timezone.now()
    starts_at = max(starts_at, now.replace(second=0, microsecond=0))
    if not (shift.starts_at <= starts_at < ends_at <= shift.ends_at):
        raise ValidationError(_("Choose a part of the shift that is not over: between its start and its end."))
    if (
        SwapRequest.objects.pending()
        .filter(requester_id=shift.assistant_id, role=shift.role)
        .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exists()
    ):
        raise ValidationError(_("A swap request for part of this time is already open."))
    swap = SwapRequest.objects.create(
        shift=shift,
        requester=shift.assistant,
        role=shift.role,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        absence=absence,
        remind_at=swap_remind_at(starts_at, now),
        created_by=by,
    )
    _tell(
        eligible_colleagues(starts_at, ends_at, exclude=[shift.assistant_id]),
        swap,
        kind="swap_offered",
        event="offered",
    )
    if by.pk != shift.assistant_id:
        _tell([shift.assistant], swap, kind="swap_update", event="opened_for_you")
    return swap


def _apply_swap(swap: SwapRequest, *, by: User, now: datetime) -> None:
    shift = covering_shift(swap.requester, swap.role, swap.starts_at, swap.ends_at)
    if shift is None:
        raise ValidationError(_("The shift changed since the request was made: it can no longer be swapped."))
    swap.override = override_shift(
        shift,
        starts_at=swap.starts_at,
        ends_at=swap.ends_at,
        to=swap.taken_by,
        by=by,
        note=_("Swap: %(reason)s") % {"reason": swap.reason},
        now=now,
        swap=swap,
    )
    swap.status = SwapRequest.Status.ACCEPTED


def _lock(swap: SwapRequest) -> SwapRequest:
    return SwapRequest.objects.select_for_update(of=("self",)).select_related("requester", "taken_by").get(pk=swap.pk)


@transaction.atomic
def take_swap(swap: SwapRequest, *, by: User, now: datetime | None = None) -> SwapRequest:
    now = now or timezone.now()
    swap = _lock(swap)
    if swap.status != SwapRequest.Status.OPEN or swap.starts_at <= now:
        raise ValidationError(_("This request is no longer open."))
    if by.pk == swap.requester_id:
        raise ValidationError(_("You cannot take your own request."))
    check_free(by, swap.starts_at, swap.ends_at)
    swap.taken_by = by
    swap.taken_at = now
    if settings.SWAP_REQUIRES_APPROVAL:
        swap.status = SwapRequest.Status.TAKEN
        swap.save()
        _tell(_admins(), swap, kind="swap_approval", event="needs_approval")
        _tell([swap.requester], swap, kind="swap_update", event="taken")
        return swap
    _apply_swap(swap, by=by, now=now)
    swap.save()
    _tell([swap.requester, *_admins()], swap, kind="swap_update", event="done", exclude=[by.pk])
    return swap


@transaction.atomic
def approve_swap(swap: SwapRequest, *, by: User, now: datetime | None = None) -> SwapRequest:
    now = now or timezone.now()
    swap = _lock(swap)
    if swap.status != SwapRequest.Status.TAKEN:
        raise ValidationError(_("This request is not waiting for approval."))
    check_free(swap.taken_by, swap.starts_at, swap.ends_at)
    _apply_swap(swap, by=by, now=now)
    swap.decided_by, swap.decided_at = by, now
    swap.save()
    _tell([swap.requester, swap.taken_by], swap, kind="swap_update", event="done", exclude=[by.pk])
    return swap


@transaction.atomic
def decline_swap(swap: SwapRequest, *, by: User, now: datetime | None = None) -> SwapRequest:
    now = now or timezone.now()
    swap = _lock(swap)
    if swap.status != SwapRequest.Status.TAKEN:
        raise ValidationError(_("This request is not waiting for approval."))
    swap.status = SwapRequest.Status.DECLINED
    swap.decided_by, swap.decided_at = by, now
    swap.save()
    _tell([swap.requester, swap.taken_by], swap, kind="swap_update", event="declined", exclude=[by.pk])
    return swap


@transaction.atomic
def withdraw_swap(swap: SwapRequest, *, by: User, now: datetime | None = None) -> SwapRequest:
    now = now or timezone.now()
    swap = _lock(swap)
    if not swap.is_pending:
        raise ValidationError(_("This request is no longer open."))
    swap.status = SwapRequest.Status.CANCELLED
    swap.decided_by, swap.decided_at = by, now
    swap.save()
    from notifications.services import cancel_pending

    cancel_pending(about=swap)
    if swap.taken_by_id:
        _tell([swap.taken_by], swap, kind="swap_update", event="withdrawn", exclude=[by.pk])
    return swap


def sweep_swaps(now: datetime | None = None) -> tuple[int, int]:
    """Remind once before the start, expire at the start. Each row is claimed with
    SELECT … FOR UPDATE SKIP LOCKED and its due column cleared in the same transaction, so two
    sweepers never act on one request and a rerun finds nothing left to do."""
    now = now or timezone.now()
    reminded = expired = 0
    while True:
        with transaction.atomic():
            swap = (
                SwapRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status__in=[SwapRequest.Status.OPEN, SwapRequest.Status.TAKEN], starts_at__lte=now)
                .select_related("requester", "taken_by")
                .first()
            )
            if swap is None:
                break
            swap.status = SwapRequest.Status.EXPIRED
            swap.decided_at = now
            swap.save(update_fields=["status", "decided_at"])
            _tell([swap.requester, *_admins()], swap, kind="swap_update", event="expired")
            expired += 1
    while True:
        with transaction.atomic():
            swap = (
                SwapRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=SwapRequest.Status.OPEN, remind_at__lte=now, reminded_at__isnull=True)
                .select_related("requester")
                .first()
            )
            if swap is None:
                break
            swap.reminded_at = now
            swap.save(update_fields=["reminded_at"])
            _tell(
                [*eligible_colleagues(swap.starts_at, swap.ends_at, exclude=[swap.requester_id]), *_admins()],
                swap,
                kind="swap_offered",
                event="reminder",
                exclude=[swap.requester_id],
            )
            reminded += 1
    return reminded, expired


# --- absences -------------------------------------------------------------------------------------------


def conflicting_shifts(absence: Absence, now: datetime | None = None):
    now = now or timezone.now()
    return (
        Shift.objects.of(absence.assistant_id)
        .overlapping(absence.starts_at, absence.ends_at)
        .filter(ends_at__gt=now)
        .order_by("starts_at")
    )


def flagged_shifts(now: datetime | None = None, *, user: User | None = None) -> list[tuple[Shift, Absence]]:
    """Future shifts whose assistant is absent for part of them (the rota's banner). One query."""
    now = now or timezone.now()
    # Only what the pairing needs: the rota's week page runs this on every view.
    absences = Absence.objects.filter(ends_at__gt=now).only("assistant_id", "starts_at", "ends_at")
    if user is not None:
        absences = absences.filter(assistant=user)
    pairs = []
    absences = list(absences[:100])
    if not absences:
        return pairs
    from django.db.models import Q

    condition = Q()
    for absence in absences:
        condition |= Q(assistant_id=absence.assistant_id, starts_at__lt=absence.ends_at, ends_at__gt=absence.starts_at)
    for shift in Shift.objects.filter(condition, ends_at__gt=now).select_related("assistant").order_by("starts_at"):
        for absence in absences:
            if (
                absence.assistant_id == shift.assistant_id
                and absence.starts_at < shift.ends_at
                and absence.ends_at > shift.starts_at
            ):
                pairs.append((shift, absence))
                break
    return pairs


@transaction.atomic
def record_absence(
    *, assistant: User, kind: str, starts_at: datetime, ends_at: datetime, note: str, by: User
) -> tuple[Absence, list[Shift]]:
    absence = Absence.objects.create(
        assistant=assistant, kind=kind, starts_at=starts_at, ends_at=ends_at, note=note, created_by=by
    )
    conflicts = list(conflicting_shifts(absence))
    if conflicts:
        from notifications.services import notify

        context = {
            "assistant": str(assistant),
            "kind": absence.get_kind_display(),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "shifts": [{"starts_at": s.starts_at, "ends_at": s.ends_at, "role": s.role} for s in conflicts[:10]],
            "count": len(conflicts),
            "url": settings.SITE_URL + reverse("oncall:absence_list"),
        }
        for admin in _admins().exclude(pk=by.pk):
            notify(
                admin,
                kind="absence_conflict",
                template="oncall/absence_conflict",
                context=context,
                dedupe_key=f"oncall:absence:{absence.pk}:{admin.pk}",
                about=absence,
            )
    return absence, conflicts


def swap_for_absence(absence: Absence, shift: Shift, *, by: User) -> SwapRequest:
    """The one-click offer: the part of ``shift`` the absence covers, with the absence as reason."""
    now = timezone.now()
    span = timeline.intersect((shift.starts_at, shift.ends_at), (max(absence.starts_at, now), absence.ends_at))
    if span is None or shift.assistant_id != absence.assistant_id:
        raise ValidationError(_("This shift does not overlap the absence."))
    reason = absence.get_kind_display()
    if absence.note and by.pk == absence.assistant_id:
        reason = f"{reason} – {absence.note}"
    return request_swap(shift, starts_at=span[0], ends_at=span[1], reason=reason[:300], by=by, absence=absence)


# --- coverage -------------------------------------------------------------------------------------------


def layer_gaps(
    start: datetime, end: datetime, roles=(Layer.PRIMARY, Layer.BACKUP)
) -> dict[str, list[timeline.Interval]]:
    """Uncovered intervals of each layer in ``roles`` within [start, end), in order. One query:
    PostgreSQL merges each layer's live shifts into a multirange and subtracts it from the window, so
    only the gaps come back (90 days are some 270 shifts, whose times cost more to read into Python
    than the whole coverage page should). The range conditions use the shifts' GiST index."""
    table = connection.ops.quote_name(Shift._meta.db_table)
    layers = ", ".join(["(%s)"] * len(roles))
    sql = (
        "SELECT layer.role, lower(gap), upper(gap) "  # noqa: S608 - the table name comes from our model
        f"FROM (VALUES {layers}) AS layer(role) CROSS JOIN LATERAL unnest("
        "  tstzmultirange(tstzrange(%s, %s, '[)')) - COALESCE(("
        "    SELECT range_agg(tstzrange(s.starts_at, s.ends_at, '[)')) "
        f"   FROM {table} s WHERE s.superseded_at IS NULL AND s.role = layer.role "
        "    AND tstzrange(s.starts_at, s.ends_at, '[)') && tstzrange(%s, %s, '[)')"
        "  ), '{}'::tstzmultirange)"
        ") AS gap ORDER BY layer.role, lower(gap)"
    )
    gaps = {role: [] for role in roles}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*roles, start, end, start, end])
        for role, gap_start, gap_end in cursor.fetchall():
            gaps[role].append((gap_start, gap_end))
    return gaps


def coverage_gaps(start: datetime, end: datetime, *, role: str = Layer.PRIMARY) -> list[timeline.Interval]:
    """Uncovered intervals of ``role`` in [start, end), in order. One query."""
    return layer_gaps(start, end, roles=(role,))[role]


def check_coverage(*, days: int | None = None, now: datetime | None = None) -> list[CoverageGap]:
    """Tell the admins about each new gap of the primary layer in the next ``days`` days, once.

    A gap inside an unresolved reported gap was already told; a reported gap now covered is
    resolved (so if it opens again it is news). An advisory lock serialises concurrent checks.
    """
    now = now or timezone.now()
    days = days or settings.COVERAGE_ALERT_DAYS
    gaps = coverage_gaps(now, now + timedelta(days=days))
    reported = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x0C0FE7A9])
        open_records = list(CoverageGap.objects.filter(resolved_at__isnull=True))
        for record in open_records:
            if not any(timeline.intersect((record.starts_at, record.ends_at), gap) for gap in gaps):
                record.resolved_at = now
                record.save(update_fields=["resolved_at"])
        still_open = [r for r in open_records if r.resolved_at is None]
        for start, end in gaps:
            if any(r.starts_at <= start and end <= r.ends_at for r in still_open):
                continue
            record = CoverageGap.objects.create(starts_at=start, ends_at=end, reported_at=now)
            still_open.append(record)
            reported.append(record)
        if reported:
            from notifications.services import notify

            context = {
                "gaps": [{"starts_at": r.starts_at, "ends_at": r.ends_at} for r in reported[:10]],
                "count": len(reported),
                "url": settings.SITE_URL + reverse("oncall:coverage"),
            }
            key = "-".join(str(r.pk) for r in reported[:20])
            for admin in _admins():
                notify(
                    admin,
                    kind="coverage_gap",
                    template="oncall/coverage_gap",
                    context=context,
                    dedupe_key=f"oncall:gap:{key}:{admin.pk}",
                    about=reported[0],
                )
    return reported


# --- fairness -------------------------------------------------------------------------------------------


@dataclass
class FairnessRow:
    assistant: User
    hours: timeline.Hours
    shifts: int = 0
    primary: timedelta = timedelta()
    backup: timedelta = timedelta()


def fairness(start: datetime, end: datetime) -> list[FairnessRow]:
    """Per assistant over [start, end): hours on call (primary + backup), at night, at weekends, on
    public holidays, and the number of shifts. One query for shifts, one for people."""
    rows: dict[int, FairnessRow] = {}
    for user in User.objects.active().with_role(roles.ASSISTANT).order_by("full_name"):
        rows[user.pk] = FairnessRow(user, timeline.Hours())
    for shift in Shift.objects.overlapping(start, end).select_related("assistant").order_by("starts_at"):
        span = timeline.intersect((shift.starts_at, shift.ends_at), (start, end))
        row = rows.setdefault(shift.assistant_id, FairnessRow(shift.assistant, timeline.Hours()))
        hours = timeline.hours_of(span)
        row.hours.add(hours)
        row.shifts += 1
        if shift.role == Layer.PRIMARY:
            row.primary += hours.total
        else:
            row.backup += hours.total
    return sorted(rows.values(), key=lambda r: r.assistant.full_name)


# --- reminders and the handover digest -------------------------------------------------------------


def _continuing(shifts: list[Shift]) -> set[int]:
    """Ids of shifts that simply continue the same person's previous shift (no new start for them)."""
    if not shifts:
        return set()
    starts = {s.starts_at for s in shifts}
    before = set(Shift.objects.filter(ends_at__in=starts).values_list("assistant_id", "ends_at"))
    return {s.pk for s in shifts if (s.assistant_id, s.starts_at) in before}


def schedule_reminders(now: datetime | None = None, *, ahead: timedelta = timedelta(minutes=2)) -> int:
    """Queue each shift's reminder when it falls due (beat: every minute).

    For every shift starting in the next eight days, the reminders the assistant asked for (lead
    times, the evening before an early shift) that are due by now + ``ahead`` are handed to the
    outbox. Only the latest due one is sent: after an outage nobody gets a stale "in 24 hours".
    Idempotent through the dedupe key (assistant, layer, start, lead): rerunning creates nothing,
    and a shift cut in two keeps the reminders already sent for its start.
    """
    from notifications.services import notify, reminder_preferences

    now = now or timezone.now()
    shifts = list(
        Shift.objects.filter(starts_at__gt=now, starts_at__lte=now + timedelta(days=8))
        .select_related("assistant")
        .order_by("starts_at")
    )
    skip = _continuing(shifts)
    preferences = {}
    queued = 0
    for shift in shifts:
        if shift.pk in skip or not shift.assistant.is_active:
            continue
        if shift.assistant_id not in preferences:
            preferences[shift.assistant_id] = reminder_preferences(shift.assistant)
        prefs = preferences[shift.assistant_id]
        due = [(shift.starts_at - lead, f"{int(lead.total_seconds() // 60)}m") for lead in prefs.lead_times]
        local_start = timeline.wall(shift.starts_at)
        if prefs.evening_before_early_shift and local_start.hour < 9:
            evening = timeline.aware(local_start.replace(hour=20, minute=0) - timedelta(days=1))
            due.append((evening, "evening"))
        ready = [(at, label) for at, label in due if at <= now + ahead]
        if not ready:
            continue
        at, label = max(ready)
        notify(
            shift.assistant,
            kind="shift_reminder",
            template="oncall/shift_reminder",
            context={
                "starts_at": shift.starts_at,
                "ends_at": shift.ends_at,
                "role": shift.role,
                "url": settings.SITE_URL + reverse("oncall:shift_detail", kwargs={"pk": shift.pk}),
            },
            dedupe_key=reminder_prefix(shift.assistant_id, shift.role, shift.starts_at) + label,
            about=shift,
            due_at=max(at, now - timedelta(minutes=5)),
        )
        queued += 1
    return queued


def _previous(shift: Shift) -> Shift | None:
    return Shift.objects.filter(role=shift.role, ends_at=shift.starts_at).select_related("assistant").first()


def send_handovers(now: datetime | None = None, *, grace: timedelta = timedelta(hours=6)) -> int:
    """Send the handover digest to each incoming AC when their shift starts (beat: every minute).

    The due-time column is ``handover_sent_at``: a shift is claimed with SELECT … FOR UPDATE SKIP
    LOCKED and stamped in the same transaction as the digest is queued, so it is sent once even
    with two sweepers. Shifts that started more than ``grace`` ago are left alone (a beat outage
    must not flood people with stale digests).
    """
    from notifications.services import notify

    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            shift = (
                Shift.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(handover_sent_at__isnull=True, starts_at__lte=now, starts_at__gt=now - grace, ends_at__gt=now)
                .select_related("assistant")
                .order_by("starts_at")
                .first()
            )
            if shift is None:
                return sent
            shift.handover_sent_at = now
            shift.save(update_fields=["handover_sent_at"])
            previous = _previous(shift)
            if previous is not None and previous.assistant_id == shift.assistant_id:
                continue
            notify(
                shift.assistant,
                kind="handover",
                template="oncall/handover",
                context={
                    "starts_at": shift.starts_at,
                    "ends_at": shift.ends_at,
                    "role": shift.role,
                    "outgoing": str(previous.assistant) if previous else "",
                    "sections": handover_sections(shift),
                    "url": settings.SITE_URL + reverse("oncall:shift_detail", kwargs={"pk": shift.pk}),
                },
                dedupe_key=reminder_prefix(shift.assistant_id, shift.role, shift.starts_at) + "handover",
                about=shift,
            )
            sent += 1
