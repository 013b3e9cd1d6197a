from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts import journal, roles
from accounts.decorators import access_required
from accounts.fields import display_phone
from core.history import history_for
from oncall import calendar, ical, services, timeline
from oncall.forms import (
    AbsenceForm,
    ApiTokenForm,
    FairnessForm,
    GenerateForm,
    OverrideForm,
    RotationForm,
    ShiftForm,
    SwapRequestForm,
)
from oncall.models import Absence, ApiToken, CalendarFeed, Layer, Rotation, Shift, SwapRequest

# --- helpers ----------------------------------------------------------------------------------------------


def _is_admin(user) -> bool:
    return user.has_role(roles.ADMIN)


def _errors(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _parse_date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _links_shifts(user) -> bool:
    return roles.can_open(user, "oncall:shift_detail")


def _mine(request) -> bool:
    return request.GET.get("mine") == "1"


def _rota_context(request, view: str, *, anchor: date, previous: date, next: date, **extra) -> dict:
    mine = _mine(request)
    # The absence banner is on the rota's main page (the week); the month and the day stay lean.
    flagged = []
    if view == "week" and (_is_admin(request.user) or request.user.has_role(roles.ASSISTANT)):
        flagged = services.flagged_shifts()
    return {
        "view": view,
        "mine": mine,
        "mine_suffix": "&mine=1" if mine else "",
        "can_filter_mine": request.user.has_role(roles.ASSISTANT),
        "flagged": flagged,
        "rota_links": _rota_links(request.user),
        "anchor_iso": anchor.isoformat(),
        "previous_iso": previous.isoformat(),
        "next_iso": next.isoformat(),
        **extra,
    }


def _rota_links(user) -> list[dict]:
    links = [
        ("oncall:swap_list", _("Swaps"), "arrow-left-right"),
        ("oncall:absence_list", _("Absences"), "person-dash"),
        ("oncall:rotation_list", _("Rotations"), "arrow-repeat"),
        ("oncall:coverage", _("Coverage"), "shield-check"),
        ("oncall:fairness", _("Fairness"), "bar-chart"),
        ("oncall:calendar_feeds", _("Calendar link"), "calendar-plus"),
    ]
    return [
        {"url": reverse(name), "label": label, "icon": icon}
        for name, label, icon in links
        if roles.can_open(user, name)
    ]


# --- calendars -----------------------------------------------------------------------------------------------


@access_required
def rota(request):
    """The week calendar (the rota's home): seven days, a list per day on a phone."""
    day = _parse_date(request.GET.get("date"), timezone.localdate())
    monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    mine = _mine(request)
    shifts = calendar.shifts_between(monday, sunday, user=request.user if mine else None)
    days = calendar.build_days(monday, sunday, shifts, link=_links_shifts(request.user))
    context = _rota_context(
        request,
        "week",
        grid=calendar.render_days(days, day_url=reverse("oncall:day"), mine=mine, month=False),
        anchor=monday,
        first=monday,
        last=sunday,
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        week_number=monday.isocalendar()[1],
        changes=calendar.recent_changes(show_absence_kind=_is_admin(request.user)),
    )
    return render(request, "oncall/rota.html", context)


@access_required
def month(request):
    day = _parse_date(request.GET.get("date"), timezone.localdate()).replace(day=1)
    last_of_month = (day + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    first = day - timedelta(days=day.weekday())
    last = last_of_month + timedelta(days=6 - last_of_month.weekday())
    mine = _mine(request)
    shifts = calendar.shifts_between(first, last, user=request.user if mine else None)
    days = calendar.build_days(first, last, shifts, month=day.month, link=_links_shifts(request.user))
    context = _rota_context(
        request,
        "month",
        grid=calendar.render_days(days, day_url=reverse("oncall:day"), mine=mine, month=True),
        anchor=day,
        month_start=day,
        previous=(day - timedelta(days=1)).replace(day=1),
        next=last_of_month + timedelta(days=1),
    )
    return render(request, "oncall/month.html", context)


@access_required
def day(request):
    current = _parse_date(request.GET.get("date"), timezone.localdate())
    mine = _mine(request)
    shifts = calendar.shifts_between(current, current, user=request.user if mine else None)
    entry = calendar.build_days(current, current, shifts, link=_links_shifts(request.user))[0]
    context = _rota_context(
        request,
        "day",
        entry=entry,
        primary=[s for s in entry.segments if s.is_primary],
        backup=[s for s in entry.segments if not s.is_primary],
        anchor=current,
        current=current,
        previous=current - timedelta(days=1),
        next=current + timedelta(days=1),
        hours=[0, 3, 6, 9, 12, 15, 18, 21],
    )
    return render(request, "oncall/day.html", context)


# --- who is on call now ---------------------------------------------------------------------------------


def _person(duty: services.Duty | None) -> dict | None:
    if duty is None:
        return None
    return {
        "name": duty.name,
        "phone": duty.phone,
        "phone_display": display_phone(duty.phone),
        "starts_at": duty.starts_at,
        "ends_at": duty.ends_at,
    }


def _next(layer: services.LayerNow) -> dict | None:
    if layer.handover_at is None:
        return None
    incoming = layer.incoming
    return {
        "at": layer.handover_at,
        "name": incoming.name if incoming else "",
        "phone": incoming.phone if incoming else "",
        "phone_display": display_phone(incoming.phone) if incoming else "",
    }


def _now_data(now: datetime) -> dict:
    layers = services.on_call_now(now)
    primary, backup = _person(layers[Layer.PRIMARY].current), _person(layers[Layer.BACKUP].current)
    next_primary, next_backup = _next(layers[Layer.PRIMARY]), _next(layers[Layer.BACKUP])
    return {
        "now": now,
        "primary": primary,
        "backup": backup,
        "next_primary": next_primary,
        "next_backup": next_backup,
        "layers": [(primary, _("Primary"), next_primary), (backup, _("Backup"), next_backup)],
    }


@access_required
def now(request):
    from oncall.extensions import now_actions

    context = {**_now_data(timezone.now()), "actions": now_actions(request)}
    template = "oncall/_now.html" if request.htmx else "oncall/now.html"
    return render(request, template, context)


def _bearer(request) -> ApiToken | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return ApiToken.objects.matching(token.strip()).first()


def _json_person(person: dict | None) -> dict | None:
    if person is None:
        return None
    return {
        "name": person["name"],
        "phone": person["phone"],
        "starts_at": person["starts_at"].isoformat(),
        "ends_at": person["ends_at"].isoformat(),
    }


def _json_handover(handover: dict | None) -> dict | None:
    if handover is None:
        return None
    return {
        "at": handover["at"].isoformat(),
        "next": {"name": handover["name"], "phone": handover["phone"]} if handover["name"] else None,
    }


@access_required
@require_GET
def now_api(request):
    """JSON for the dispatch system, behind a revocable bearer token; every use is journaled."""
    token = _bearer(request)
    if token is None:
        response = JsonResponse({"error": "invalid or revoked token"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="concertation"'
        return response
    data = _now_data(timezone.now())
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=data["now"])
    journal.record(request, journal.VIEW, token, "oncall.api_now", actor_label=token.journal_label())
    return JsonResponse(
        {
            "at": data["now"].isoformat(),
            "primary": _json_person(data["primary"]),
            "backup": _json_person(data["backup"]),
            "next_handover": {
                "primary": _json_handover(data["next_primary"]),
                "backup": _json_handover(data["next_backup"]),
            },
        }
    )


@access_required
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    context = {"api_url": settings.SITE_URL + reverse("oncall:now_api")}
    if request.method == "POST" and form.is_valid():
        token, secret = ApiToken.issue(name=form.cleaned_data["name"], by=request.user)
        journal.record(
            request, journal.SECURITY, token, "api_token.created", params={"prefix": token.prefix, "name": token.name}
        )
        messages.success(request, _("Token created. Copy it now: it will not be shown again."))
        tokens = ApiToken.objects.select_related("created_by")
        context.update(form=ApiTokenForm(), tokens=tokens, secret=secret)
        return render(request, "oncall/api_tokens.html", context)
    context.update(form=form, tokens=ApiToken.objects.select_related("created_by"))
    return render(request, "oncall/api_tokens.html", context)


@access_required
@require_POST
def api_token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.valid(), pk=pk)
    token.revoke()
    journal.record(
        request, journal.SECURITY, token, "api_token.revoked", params={"prefix": token.prefix, "name": token.name}
    )
    messages.success(request, _("Token revoked: the system using it can no longer read the rota."))
    return redirect("oncall:api_tokens")


# --- rotations -----------------------------------------------------------------------------------------------


@access_required
def rotation_list(request):
    rotations = Rotation.objects.prefetch_related("memberships__assistant")
    perms_create = roles.can_open(request.user, "oncall:rotation_create")
    return render(request, "oncall/rotation_list.html", {"rotations": rotations, "perms_create": perms_create})


def _save_members(rotation: Rotation, members: list) -> None:
    rotation.memberships.all().delete()
    for position, user in enumerate(members):
        rotation.memberships.create(assistant=user, position=position)


@access_required
def rotation_create(request):
    form = RotationForm(request.POST or None, initial={"start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        rotation = form.save(commit=False)
        rotation.created_by = request.user
        rotation.save()
        _save_members(rotation, form.cleaned_data["members"])
        messages.success(request, _("Rotation created. Now generate its shifts."))
        return redirect("oncall:rotation_detail", pk=rotation.pk)
    return render(request, "oncall/rotation_form.html", {"form": form})


@access_required
def rotation_edit(request, pk):
    rotation = get_object_or_404(Rotation, pk=pk)
    form = RotationForm(request.POST or None, instance=rotation, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
                _save_members(rotation, form.cleaned_data["members"])
                result = _regenerate(rotation, form.cleaned_data["apply_from"], request.user)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            _report(request, result)
            return redirect("oncall:rotation_detail", pk=rotation.pk)
    return render(request, "oncall/rotation_form.html", {"form": form, "rotation": rotation})


def _regenerate(rotation: Rotation, from_day: date, by, weeks: int | None = None):
    from_at = timeline.local_midnight(from_day)
    if weeks is not None:
        until = from_at + timedelta(weeks=weeks)
    else:
        until = max(rotation.generated_until or from_at, from_at + timedelta(weeks=settings.ROTA_HORIZON_WEEKS))
    if not rotation.is_active:
        until = from_at  # an inactive rotation only clears its future
    return services.generate_shifts(rotation, from_at=from_at, until=until, by=by)


def _report(request, result) -> None:
    messages.success(
        request,
        # Counts after a colon: the words agree with any number in every language.
        _("Rota updated. Shifts created: %(created)s, removed: %(removed)s, unchanged: %(kept)s.")
        % {"created": result.created, "removed": result.removed, "kept": result.kept},
    )
    if result.skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)s part was left free because the assistant is already on duty or someone else holds it.",
                "%(count)s parts were left free because the assistant is already on duty or someone else holds them.",
                len(result.skipped),
            )
            % {"count": len(result.skipped)},
        )


@access_required
def rotation_detail(request, pk):
    rotation = get_object_or_404(Rotation.objects.prefetch_related("memberships__assistant"), pk=pk)
    start = max(timezone.localdate(), rotation.start_date)
    if rotation.generated_until and rotation.generated_until > timezone.now():
        start = timezone.localtime(rotation.generated_until).date()
    form = GenerateForm(request.POST or None, initial={"from_date": start, "weeks": 9})
    if request.method == "POST":
        if not _is_admin(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                result = _regenerate(rotation, form.cleaned_data["from_date"], request.user, form.cleaned_data["weeks"])
            except ValidationError as exc:
                _errors(form, exc)
            else:
                _report(request, result)
                return redirect("oncall:rotation_detail", pk=rotation.pk)
    upcoming = rotation.shifts.upcoming().select_related("assistant")[:12]
    return render(
        request,
        "oncall/rotation_detail.html",
        {
            "rotation": rotation,
            "form": form,
            "upcoming": upcoming,
            "can_edit": _is_admin(request.user),
            "history": history_for(rotation, limit=20),
        },
    )


# --- shifts ----------------------------------------------------------------------------------------------------


@access_required
def shift_detail(request, pk):
    shift = get_object_or_404(Shift.all_objects.select_related("assistant", "rotation", "replaces__assistant"), pk=pk)
    pieces = Shift.objects.filter(replaces=shift).select_related("assistant") if not shift.is_live else []
    now = timezone.now()
    context = {
        "shift": shift,
        "pieces": pieces,
        "can_change": shift.is_live and shift.ends_at > now and services.can_override(request.user, shift),
        "can_remove": shift.is_live and shift.ends_at > now and roles.can_open(request.user, "oncall:shift_remove"),
        "swaps": shift.swap_requests.select_related("taken_by").order_by("-created_at")[:5],
        "history": history_for(shift, limit=20),
    }
    return render(request, "oncall/shift_detail.html", context)


def _changeable_shift(request, pk) -> Shift:
    shift = get_object_or_404(Shift.objects.select_related("assistant"), pk=pk)
    if not services.can_override(request.user, shift):
        raise PermissionDenied
    if shift.ends_at <= timezone.now():
        raise PermissionDenied
    return shift


def _span_initial(shift: Shift) -> dict:
    start = max(shift.starts_at, timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1))
    return {
        "starts_at": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(shift.ends_at).strftime("%Y-%m-%dT%H:%M"),
    }


@access_required
def shift_override(request, pk):
    """Hand part of a shift to a colleague (the admin, or the assistant who holds it)."""
    shift = _changeable_shift(request, pk)
    form = OverrideForm(request.POST or None, shift=shift, initial=_span_initial(shift))
    if request.method == "POST" and form.is_valid():
        try:
            override = services.override_shift(shift, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(
                request, _("Done: %(name)s takes over this part of the shift.") % {"name": override.assistant}
            )
            return redirect("oncall:shift_detail", pk=override.pk)
    return render(request, "oncall/shift_override.html", {"shift": shift, "form": form})


@access_required
def shift_create(request):
    form = ShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shift = services.add_shift(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Shift added."))
            return redirect("oncall:shift_detail", pk=shift.pk)
    return render(request, "oncall/shift_form.html", {"form": form})


@access_required
@require_POST
def shift_remove(request, pk):
    shift = get_object_or_404(Shift, pk=pk)
    try:
        services.remove_shift(shift, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("oncall:shift_detail", pk=shift.pk)
    messages.warning(request, _("Shift removed. The coverage check will report the gap if nobody fills it."))
    return redirect("oncall:rota")


# --- swap requests ------------------------------------------------------------------------------------------


@access_required
def swap_list(request):
    now = timezone.now()
    pending = SwapRequest.objects.pending().filter(starts_at__gt=now).select_related("requester", "taken_by")
    mine = (
        SwapRequest.objects.filter(requester=request.user)
        .exclude(pk__in=pending.values("pk"))
        .select_related("taken_by")
        .order_by("-created_at")[:10]
    )
    return render(request, "oncall/swap_list.html", {"pending": pending, "mine": mine})


@access_required
def swap_create(request, pk):
    shift = _changeable_shift(request, pk)
    form = SwapRequestForm(request.POST or None, within=(shift.starts_at, shift.ends_at), initial=_span_initial(shift))
    if request.method == "POST" and form.is_valid():
        try:
            swap = services.request_swap(shift, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Your request is posted. Free colleagues have been told."))
            return redirect("oncall:swap_detail", pk=swap.pk)
    eligible = services.eligible_colleagues(shift.starts_at, shift.ends_at, exclude=[shift.assistant_id])
    return render(request, "oncall/swap_form.html", {"shift": shift, "form": form, "eligible": eligible})


@access_required
def swap_detail(request, pk):
    swap = get_object_or_404(SwapRequest.objects.select_related("requester", "taken_by", "shift", "override"), pk=pk)
    user = request.user
    now = timezone.now()
    is_open = swap.status == SwapRequest.Status.OPEN and swap.starts_at > now
    context = {
        "swap": swap,
        "can_take": is_open and user.pk != swap.requester_id and user.has_role(roles.ASSISTANT),
        "can_withdraw": swap.is_pending and (user.pk == swap.requester_id or _is_admin(user)),
        "can_decide": swap.status == SwapRequest.Status.TAKEN and _is_admin(user),
        "history": history_for(swap, limit=20),
    }
    return render(request, "oncall/swap_detail.html", context)


def _swap_action(request, pk, action, success: str):
    swap = get_object_or_404(SwapRequest, pk=pk)
    try:
        action(swap, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("oncall:swap_detail", pk=pk)


@access_required
@require_POST
def swap_take(request, pk):
    swap = get_object_or_404(SwapRequest, pk=pk)
    try:
        swap = services.take_swap(swap, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if swap.status == SwapRequest.Status.TAKEN:
            messages.success(request, _("Thank you. The swap now waits for an administrator's approval."))
        else:
            messages.success(request, _("Thank you: the shift is yours for that time."))
    return redirect("oncall:swap_detail", pk=pk)


@access_required
@require_POST
def swap_withdraw(request, pk):
    swap = get_object_or_404(SwapRequest, pk=pk)
    if not (request.user.pk == swap.requester_id or _is_admin(request.user)):
        raise PermissionDenied
    return _swap_action(request, pk, services.withdraw_swap, _("Request withdrawn."))


@access_required
@require_POST
def swap_approve(request, pk):
    return _swap_action(request, pk, services.approve_swap, _("Swap approved: the rota is updated."))


@access_required
@require_POST
def swap_decline(request, pk):
    return _swap_action(request, pk, services.decline_swap, _("Swap declined."))


# --- absences ----------------------------------------------------------------------------------------------


def _absences_for(user):
    absences = Absence.objects.filter(ends_at__gt=timezone.now() - timedelta(days=30)).select_related("assistant")
    return absences if _is_admin(user) else absences.of(user)


@access_required
def absence_list(request):
    absences = list(_absences_for(request.user))
    flagged = services.flagged_shifts(user=None if _is_admin(request.user) else request.user)
    journal.record(
        request, journal.LIST, code="absences.list", params={"count": len(absences)}, object_type="oncall.absence"
    )
    return render(request, "oncall/absence_list.html", {"absences": absences, "flagged": flagged})


@access_required
def absence_create(request):
    form = AbsenceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        absence, conflicts = services.record_absence(
            assistant=data.get("assistant") or request.user,
            kind=data["kind"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            note=data["note"],
            by=request.user,
        )
        journal.record(request, journal.CREATE, absence, "absence.created")
        if conflicts:
            messages.warning(
                request,
                ngettext(
                    "Absence recorded. It overlaps %(count)s shift: offer it to colleagues below.",
                    "Absence recorded. It overlaps %(count)s shifts: offer them to colleagues below.",
                    len(conflicts),
                )
                % {"count": len(conflicts)},
            )
        else:
            messages.success(request, _("Absence recorded."))
        return redirect("oncall:absence_list")
    return render(request, "oncall/absence_form.html", {"form": form})


def _own_absence(request, pk) -> Absence:
    absence = get_object_or_404(Absence.objects.select_related("assistant"), pk=pk)
    if not (_is_admin(request.user) or absence.assistant_id == request.user.pk):
        raise PermissionDenied
    return absence


@access_required
@require_POST
def absence_delete(request, pk):
    absence = _own_absence(request, pk)
    journal.record(request, journal.DELETE, absence, "absence.deleted")
    absence.delete()
    messages.success(request, _("Absence deleted."))
    return redirect("oncall:absence_list")


@access_required
@require_POST
def absence_swap(request, pk, shift_pk):
    """The one-click offer of the part of a shift an absence covers."""
    absence = _own_absence(request, pk)
    shift = get_object_or_404(Shift, pk=shift_pk, assistant_id=absence.assistant_id)
    try:
        swap = services.swap_for_absence(absence, shift, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("oncall:absence_list")
    messages.success(request, _("Swap request posted. Free colleagues have been told."))
    return redirect("oncall:swap_detail", pk=swap.pk)


# --- coverage and fairness ----------------------------------------------------------------------------------


@access_required
def coverage(request):
    try:
        days = min(max(int(request.GET.get("days", 30)), 1), 90)
    except ValueError:
        days = 30
    now = timezone.now()
    end = now + timedelta(days=days)
    gaps_by_layer = services.layer_gaps(now, end)
    gaps, backup_gaps = gaps_by_layer[Layer.PRIMARY], gaps_by_layer[Layer.BACKUP]
    context = {
        "days": days,
        "gaps": [(start, stop, _hours(stop - start)) for start, stop in gaps],
        "backup_hours": _hours(timeline.total(backup_gaps)),
        "choices": [7, 14, 30, 90],
        "can_add": roles.can_open(request.user, "oncall:shift_create"),
    }
    return render(request, "oncall/coverage.html", context)


@access_required
def fairness(request):
    form = FairnessForm(request.GET or FairnessForm.defaults())
    rows, table, chart = [], [], None
    if form.is_valid():
        start = timeline.local_midnight(form.cleaned_data["start"])
        end = timeline.local_midnight(form.cleaned_data["end"] + timedelta(days=1))
        rows = services.fairness(start, end)
        table = [
            {
                "name": row.assistant.full_name,
                "shifts": row.shifts,
                "total": _hours(row.hours.total),
                "backup": _hours(row.backup),
                "night": _hours(row.hours.night),
                "weekend": _hours(row.hours.weekend),
                "holiday": _hours(row.hours.holiday),
            }
            for row in rows
        ]
        chart = {
            "labels": [row["name"] for row in table],
            "series": [
                {"label": _("Hours on call"), "data": [row["total"] for row in table]},
                {"label": _("Night hours"), "data": [row["night"] for row in table]},
                {"label": _("Weekend hours"), "data": [row["weekend"] for row in table]},
                {"label": _("Public holiday hours"), "data": [row["holiday"] for row in table]},
            ],
        }
    return render(request, "oncall/fairness.html", {"form": form, "rows": rows, "table": table, "chart": chart})


def _hours(value: timedelta) -> float:
    return round(value.total_seconds() / 3600, 1)


# --- calendar feeds -----------------------------------------------------------------------------------------


@access_required
def calendar_feeds(request):
    feed = CalendarFeed.objects.valid().filter(user=request.user).first()
    return render(request, "oncall/calendar_feeds.html", {"feed": feed})


def _feed_links(token: str) -> dict:
    return {
        "mine": settings.SITE_URL + reverse("oncall:ical_mine", kwargs={"token": token}),
        "rota": settings.SITE_URL + reverse("oncall:ical_rota", kwargs={"token": token}),
    }


@access_required
@require_POST
def calendar_feed_create(request):
    feed, token = CalendarFeed.issue(request.user)
    journal.record(request, journal.SECURITY, feed, "calendar.created")
    messages.success(request, _("New calendar links made. Copy them now: they will not be shown again."))
    return render(request, "oncall/calendar_feeds.html", {"feed": feed, "links": _feed_links(token)})


@access_required
@require_POST
def calendar_feed_revoke(request):
    for feed in CalendarFeed.objects.valid().filter(user=request.user):
        feed.revoke()
        journal.record(request, journal.SECURITY, feed, "calendar.revoked")
    messages.success(request, _("Calendar links revoked: calendar apps using them get nothing any more."))
    return redirect("oncall:calendar_feeds")


def _feed_owner(token: str) -> CalendarFeed | None:
    feed = CalendarFeed.objects.matching(token).select_related("user").first()
    if feed is None or not roles.can_open(feed.user, "oncall:calendar_feeds"):
        return None
    return feed


def _ics(request, token: str, *, personal: bool):
    feed = _feed_owner(token)
    if feed is None:
        return HttpResponse(status=404)
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    journal.record(
        request,
        journal.VIEW,
        feed,
        "calendar.read_own" if personal else "calendar.read_rota",
        actor=feed.user,
    )
    user = feed.user
    body = ical.feed(ical.feed_shifts(user=user if personal else None), language=user.language, personal=personal)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="permanence.ics"'
    return response


@access_required
@require_GET
def ical_mine(request, token):
    return _ics(request, token, personal=True)


@access_required
@require_GET
def ical_rota(request, token):
    return _ics(request, token, personal=False)
