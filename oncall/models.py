"""The 24/7 rota: rotations, the shifts they generate, overrides, swap requests and absences.

Shifts are materialised rows (one per person per span) so that "who is on call at T" is one indexed
query and PostgreSQL can refuse overlaps itself. An override never edits history: the shift it
cuts is kept as a *superseded* row (``superseded_at``) and replaced by up to three live pieces
(before / override / after). The default manager shows only live rows; ``Shift.all_objects`` shows
everything.
"""

import hashlib
import secrets
from datetime import datetime, time, timedelta

import pghistory
from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from psycopg.types.range import Range as DateTimeTZRange


def tracked(name: str):
    """Change history by triggers (insert, update, delete), with the event table indexed by time so
    the rota page's "latest changes" reads a few rows, not the whole history."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        meta={"indexes": [models.Index(fields=["-pgh_created_at", "-pgh_id"], name=f"{name}_event_recent")]},
    )


class TsTzRange(Func):
    """tstzrange(starts_at, ends_at, '[)'): the half-open span the exclusion constraints compare."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def _span():
    return TsTzRange("starts_at", "ends_at", RangeBoundary(inclusive_lower=True, inclusive_upper=False))


class Layer(models.TextChoices):
    PRIMARY = "primary", _("primary")
    BACKUP = "backup", _("backup")


class Restriction(models.TextChoices):
    NONE = "", _("around the clock")
    NIGHTS = "nights", _("nights only")
    WEEKENDS = "weekends", _("weekends only")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class RotationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


@tracked("rotation")
class Rotation(models.Model):
    """A repeating pattern: the members take turns, one shift each, handing over at a wall-clock time.

    Times are wall-clock times in ``time_zone``: a weekly rotation handing over on Monday at 09:00
    hands over at 09:00 in winter and in summer (the week that contains a DST change is 167 or 169
    hours long).
    """

    class Length(models.IntegerChoices):
        HOURS_8 = 8, _("8 hours")
        HOURS_12 = 12, _("12 hours")
        DAY = 24, _("1 day")
        WEEK = 168, _("1 week")
        TWO_WEEKS = 336, _("2 weeks")

    name = models.CharField(_("name"), max_length=100)
    layer = models.CharField(_("layer"), max_length=10, choices=Layer.choices, default=Layer.PRIMARY)
    shift_hours = models.PositiveSmallIntegerField(_("shift length"), choices=Length.choices, default=Length.WEEK)
    handover_time = models.TimeField(_("handover time"), default=time(9, 0))
    handover_weekday = models.PositiveSmallIntegerField(
        _("handover day"),
        choices=Weekday.choices,
        null=True,
        blank=True,
        help_text=_("For rotations of one week or more: the day of the week the shift changes hands."),
    )
    start_date = models.DateField(_("start date"))
    time_zone = models.CharField(
        _("time zone"), max_length=40, default="Europe/Brussels", choices=[("Europe/Brussels", "Europe/Brussels")]
    )
    restriction = models.CharField(
        _("covers"), max_length=10, choices=Restriction.choices, default=Restriction.NONE, blank=True
    )
    restriction_starts = models.TimeField(
        _("from"), default=time(19, 0), help_text=_("Nights: every evening; weekends: on Friday.")
    )
    restriction_ends = models.TimeField(
        _("until"), default=time(7, 0), help_text=_("Nights: the next morning; weekends: on Monday.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="RotationMember", related_name="rotations", verbose_name=_("members")
    )
    generated_until = models.DateTimeField(_("generated until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RotationQuerySet.as_manager()

    class Meta:
        ordering = ["layer", "name"]
        verbose_name = _("rotation")
        verbose_name_plural = _("rotations")
        constraints = [
            models.CheckConstraint(
                condition=Q(handover_weekday__isnull=True) | Q(handover_weekday__gte=0, handover_weekday__lte=6),
                name="rotation_weekday_valid",
            ),
            models.CheckConstraint(condition=Q(shift_hours__gt=0), name="rotation_shift_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def shift_length(self) -> timedelta:
        """The shift length in wall-clock time (a week is 7 calendar days, whatever DST does)."""
        return timedelta(hours=self.shift_hours)

    def ordered_members(self) -> list:
        return [m.assistant for m in self.memberships.select_related("assistant").order_by("position")]


@tracked("rotationmember")
class RotationMember(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="memberships")
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rotation_memberships"
    )
    position = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        ordering = ["rotation", "position"]
        verbose_name = _("rotation member")
        verbose_name_plural = _("rotation members")
        constraints = [
            # Deferred: reordering swaps positions inside one transaction.
            models.UniqueConstraint(
                fields=["rotation", "position"],
                name="rotationmember_position_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(fields=["rotation", "assistant"], name="rotationmember_assistant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rotation} #{self.position} {self.assistant}"


class SpanQuerySet(models.QuerySet):
    """Rows with a half-open span [starts_at, ends_at) and an assistant.

    Reads compare tstzrange(starts_at, ends_at, '[)') with range operators: on shifts that is the
    expression of the exclusion constraints' GiST indexes, so "who is on call at T" is an index
    lookup instead of a scan of ten years of rows.
    """

    def covering(self, at: datetime):
        """Rows running at ``at``: starts_at <= at < ends_at."""
        return self.alias(span=_span()).filter(span__contains=at)

    def overlapping(self, starts_at: datetime, ends_at: datetime):
        """Rows sharing some time with [starts_at, ends_at)."""
        return self.alias(span=_span()).filter(span__overlap=DateTimeTZRange(starts_at, ends_at, "[)"))

    def of(self, user):
        return self.filter(assistant=user)


class ShiftQuerySet(SpanQuerySet):
    def primary(self):
        return self.filter(role=Layer.PRIMARY)

    def backup(self):
        return self.filter(role=Layer.BACKUP)

    def upcoming(self, now: datetime | None = None):
        """Shifts not yet over at ``now`` (the one running now included), soonest first."""
        return self.filter(ends_at__gt=now or timezone.now()).order_by("starts_at")

    def live(self):
        return self.filter(superseded_at__isnull=True)


class LiveShiftManager(models.Manager.from_queryset(ShiftQuerySet)):
    """Shift.objects: only live shifts (a superseded row is history, kept for its overrides)."""

    def get_queryset(self):
        return super().get_queryset().filter(superseded_at__isnull=True)


@tracked("shift")
class Shift(models.Model):
    """One assistant on duty in one layer (primary or backup) over [starts_at, ends_at)."""

    Role = Layer

    class Source(models.TextChoices):
        ROTATION = "rotation", _("rotation")
        OVERRIDE = "override", _("override")
        MANUAL = "manual", _("manual")

    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assistant"), on_delete=models.PROTECT, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    role = models.CharField(_("layer"), max_length=10, choices=Layer.choices, default=Layer.PRIMARY)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    rotation = models.ForeignKey(
        Rotation,
        verbose_name=_("rotation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shifts",
    )
    # The shift this one was cut from (an override, or a piece left before/after one).
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaced_by",
    )
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Due-time column of the handover digest: set once the digest to the incoming AC is queued.
    handover_sent_at = models.DateTimeField(null=True, blank=True)

    objects = LiveShiftManager()
    all_objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "role"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["starts_at", "ends_at"], name="shift_span"),
            models.Index(fields=["assistant", "starts_at"], name="shift_assistant_start"),
            models.Index(
                fields=["starts_at"],
                name="shift_handover_due",
                condition=Q(handover_sent_at__isnull=True, superseded_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="shift_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            ExclusionConstraint(
                name="shift_layer_no_overlap",
                expressions=[(_span(), RangeOperators.OVERLAPS), ("role", RangeOperators.EQUAL)],
                condition=Q(superseded_at__isnull=True),
                violation_error_message=_(
                    "Another shift of this layer already covers part of this time: one primary and "
                    "one backup at a time."
                ),
            ),
            ExclusionConstraint(
                name="shift_assistant_no_overlap",
                expressions=[(_span(), RangeOperators.OVERLAPS), ("assistant", RangeOperators.EQUAL)],
                condition=Q(superseded_at__isnull=True),
                violation_error_message=_("This assistant is already on another shift during this time."),
            ),
            models.CheckConstraint(
                condition=Q(source="rotation", rotation__isnull=False) | ~Q(source="rotation"),
                name="shift_rotation_source_has_rotation",
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.assistant} {start:%d/%m/%Y %H:%M} – {end:%d/%m/%Y %H:%M} ({self.get_role_display()})"

    def journal_label(self) -> str:
        return f"shift {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.superseded_at is None

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    def supersede(self, *, at: datetime | None = None) -> None:
        self.superseded_at = at or timezone.now()
        self.save(update_fields=["superseded_at"])


@tracked("absence")
class Absence(models.Model):
    class Kind(models.TextChoices):
        LEAVE = "leave", _("leave")
        SICK = "sick", _("sick leave")
        TRAINING = "training", _("training")
        OTHER = "other", _("other")

    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assistant"), on_delete=models.PROTECT, related_name="absences"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LEAVE)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SpanQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="absence_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assistant} {self.get_kind_display()}"

    def journal_label(self) -> str:
        return f"absence {self.pk}"


class SwapRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=SwapRequest.Status.OPEN)

    def pending(self):
        return self.filter(status__in=[SwapRequest.Status.OPEN, SwapRequest.Status.TAKEN])


@tracked("swaprequest")
class SwapRequest(models.Model):
    """An assistant offers a span of one of their shifts; a colleague takes it and it becomes an override."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        TAKEN = "taken", _("taken, awaiting approval")
        ACCEPTED = "accepted", pgettext_lazy("swap request status", "done")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("withdrawn")
        EXPIRED = "expired", _("expired")

    shift = models.ForeignKey(Shift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="swap_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("layer"), max_length=10, choices=Layer.choices, default=Layer.PRIMARY)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    override = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("override")
    )
    # Due-time columns for the sweeper: remind colleagues once before the start; expire at the start.
    remind_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    absence = models.ForeignKey(Absence, null=True, blank=True, on_delete=models.SET_NULL, related_name="swap_requests")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SwapRequestQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        indexes = [
            models.Index(fields=["status", "starts_at"], name="swap_status_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="swap_ends_after_start",
                violation_error_message=_("The end must be after the start."),
            ),
            models.CheckConstraint(
                condition=Q(taken_by__isnull=True) | ~Q(taken_by=F("requester")),
                name="swap_not_taken_by_requester",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["taken", "accepted"]) | Q(taken_by__isnull=False),
                name="swap_taken_has_taker",
            ),
        ]

    def __str__(self) -> str:
        return f"swap {self.pk}"

    def journal_label(self) -> str:
        return f"swap request {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.TAKEN)


class CoverageGap(models.Model):
    """A hole in the primary layer that the admins were told about, so the daily check warns once per gap.

    A gap found later is reported again only when it is not inside an unresolved reported gap; a
    reported gap that is covered again is marked resolved, so if it reopens it is reported anew.
    """

    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("coverage gap")
        verbose_name_plural = _("coverage gaps")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="coveragegap_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"gap {self.starts_at:%Y-%m-%d %H:%M} – {self.ends_at:%Y-%m-%d %H:%M}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True)

    def matching(self, token: str):
        return self.valid().filter(token_hash=_hash(token))


class ApiToken(models.Model):
    """A bearer token for the dispatch system's "who is on call now" JSON; only its SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses it, e.g. dispatch CAD."))
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("starts with"), max_length=8)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    def journal_label(self) -> str:
        return f"API token {self.prefix}… ({self.name})"

    @classmethod
    def issue(cls, *, name: str, by=None) -> tuple["ApiToken", str]:
        token = "oc_" + secrets.token_urlsafe(32)
        return cls.objects.create(name=name, token_hash=_hash(token), prefix=token[:8], created_by=by), token

    def revoke(self, *, at=None) -> None:
        self.revoked_at = at or timezone.now()
        self.save(update_fields=["revoked_at"])


class CalendarFeed(models.Model):
    """A secret iCal subscription link of one user; revoking it kills the link, a new one can be made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="calendarfeed_one_valid_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} calendar"

    def journal_label(self) -> str:
        return f"calendar link {self.pk}"

    @classmethod
    def issue(cls, user) -> tuple["CalendarFeed", str]:
        """Revoke the user's current link and make a new one (the token is shown once)."""
        now = timezone.now()
        cls.objects.valid().filter(user=user).update(revoked_at=now)
        token = secrets.token_urlsafe(32)
        return cls.objects.create(user=user, token_hash=_hash(token), created_at=now), token

    def revoke(self, *, at=None) -> None:
        self.revoked_at = at or timezone.now()
        self.save(update_fields=["revoked_at"])
