"""Victim assistance: callouts of the on-call AC, persons assisted, help given, referrals, follow-ups.

Personal data lives in Person (names, contacts, notes) and in free-text fields (Callout.summary,
place, notes). Who may see it: accounts.roles.can(user, "see_identities"). Every model here is
tracked by django-pghistory triggers; retention (victims.retention) scrubs the history too.
"""

import functools
import uuid
from datetime import timedelta

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection, models
from django.db.models import F, Func, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from directory.models import Bilingual, Commune, Officer, PartnerService, PoliceUnit

E164 = r"^\+[1-9][0-9]{6,14}$"


def trackers():
    """Fresh tracker instances per model: inserts, changes and deletions all leave a trace."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


# --- database helpers -----------------------------------------------------------------------------


class SubqueryCount(models.Subquery):
    """The number of rows of a correlated subquery, as a column: ``(SELECT count(*) FROM (…))``.
    On a sorted, limited list PostgreSQL computes it after the LIMIT, for the shown rows only."""

    template = "(SELECT count(*) FROM (%(subquery)s) _count)"
    output_field = models.IntegerField()

    def __init__(self, queryset, **extra):
        super().__init__(queryset.order_by().values("pk"), **extra)


class ImmutableUnaccent(Func):
    """victims_unaccent(text): unaccent() declared IMMUTABLE (migration 0001), so that indexes and
    generated columns may use it. PostgreSQL's own unaccent() is only STABLE."""

    function = "victims_unaccent"
    output_field = models.TextField()


class NameKey(Func):
    """The accent- and case-free "first last" name of a person, as indexed (GIN trigram)."""

    template = "victims_unaccent(lower(%(expressions)s))"
    arg_joiner = " || ' ' || "
    output_field = models.TextField()

    def __init__(self, **extra):
        super().__init__(F("first_name"), F("last_name"), **extra)


class SearchDocument(Func):
    """to_tsvector('simple', victims_unaccent(a || ' ' || b …)): accent-free, language-neutral
    (FR and NL texts side by side), without parameters so it can define a generated column."""

    template = "to_tsvector('simple'::regconfig, victims_unaccent(%(expressions)s))"
    arg_joiner = " || ' ' || "
    output_field = SearchVectorField()


def text_query(text: str) -> SearchQuery:
    """A web-search style query (words, "phrases", -excluded) matched accent-insensitively."""
    return SearchQuery(ImmutableUnaccent(models.Value(text)), config="simple", search_type="websearch")


def named_like(rows, text: str):
    """Reference data (FR/NL names) whose name in either language contains ``text``, accents and
    case aside."""
    return rows.filter(Q(name_fr__unaccent__icontains=text) | Q(name_nl__unaccent__icontains=text))


def next_reference(prefix: str, year: int) -> str:
    """INT-2026-0042: the next number of ``prefix`` in ``year``.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING: the row lock it takes serialises concurrent
    callers, so two pages sent in the same second never get the same number, and a rolled-back
    transaction gives its number back.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO victims_referencecounter (prefix, year, last_value) VALUES (%s, %s, 1) "
            "ON CONFLICT (prefix, year) DO UPDATE SET last_value = victims_referencecounter.last_value + 1 "
            "RETURNING last_value",
            [prefix, year],
        )
        number = cursor.fetchone()[0]
    return f"{prefix}-{year}-{number:04d}"


class ReferenceCounter(models.Model):
    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="referencecounter_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_value}"


# --- reference data --------------------------------------------------------------------------------


class IncidentCategory(Bilingual):
    """The kind of event behind a callout (domain-research.md §7), managed by the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name_fr"]
        verbose_name = _("incident category")
        verbose_name_plural = _("incident categories")


# --- callouts ----------------------------------------------------------------------------------------


class CalloutQuerySet(models.QuerySet):
    def open(self):
        # Named positively so that PostgreSQL reads the few open callouts through the index on
        # (status, received_at); "not closed nor cancelled" made it read every callout.
        return self.filter(status__in=Callout.OPEN_STATUSES)

    def awaiting_acceptance(self):
        return self.filter(status=Callout.Status.REQUESTED)

    def visible_to(self, user):
        """The callouts ``user`` may see (the rule: ``callout_visibility``)."""
        scope = callout_visibility(user)
        if scope == "all":
            return self
        if scope == "paged":
            return self.filter(requested_by=user)
        return self.none()

    def search(self, text: str, *, free_text: bool = True):
        """Full text over the callout's summary, place and context and the notes of the help given
        and follow-ups, accent-insensitive (PostgreSQL tsvector + GIN).

        ``free_text=False`` for readers who may not read what the ACs typed (chefs de corps): a
        match in a note would tell them what the note says — that a named person was involved,
        when and where. They search the reference, the incident category and the commune."""
        text = (text or "").strip()
        if not text:
            return self
        if not free_text:
            return self.filter(
                Q(reference__icontains=text)
                | Q(category__in=named_like(IncidentCategory.objects.all(), text))
                | Q(commune__in=named_like(Commune.objects.all(), text))
            )
        sql, params = _search_sql()
        return self.filter(pk__in=RawSQL(sql, [text if param == _SEARCH_TEXT else param for param in params]))

    def escalation_due(self, now):
        return self.filter(status=Callout.Status.REQUESTED, escalate_at__lte=now)


def callout_visibility(user) -> str:
    """Which callouts ``user`` may see: "all" (ACs, admins, chefs: four ACs share one on-call duty
    and hand over to each other), "paged" (dispatch: only the callouts it paged) or "none".
    CalloutQuerySet.visible_to filters by it, Callout.is_visible_to checks one callout already read."""
    from accounts import roles

    codes = roles.roles_of(user)
    if codes & {roles.ASSISTANT, roles.ADMIN, roles.CHEF}:
        return "all"
    return "paged" if roles.DISPATCH in codes else "none"


# Stands for the searched text in the compiled search (a NUL never comes from a form).
_SEARCH_TEXT = "\x00search\x00"


@functools.cache
def _search_sql() -> tuple[str, tuple]:
    """The ids of the callouts matching a text: a UNION of three index scans (one GIN index per
    table), not an OR across tables, which PostgreSQL can only answer by reading every callout.
    Built and compiled once (the three querysets cost the ORM a millisecond on every search), the
    text is a parameter."""
    query = text_query(_SEARCH_TEXT)
    matching = (
        Callout.objects.filter(search_vector=query)
        .order_by()
        .values("pk")
        .union(
            AssistanceAction.objects.filter(search_vector=query).order_by().values("callout_id"),
            FollowUp.objects.filter(search_vector=query, callout__isnull=False).order_by().values("callout_id"),
        )
    )
    return matching.query.sql_with_params()


class TransitionError(Exception):
    """A lifecycle step that does not apply to the callout's current status."""


@pghistory.track(*trackers(), exclude=["search_vector"])
class Callout(models.Model):
    """One intervention (tussenkomst) of the on-call AC: paged by dispatch or opened by the AC."""

    class Status(models.TextChoices):
        # A context: French agrees these with "intervention" (feminine), other apps' statuses differ.
        REQUESTED = "requested", pgettext_lazy("callout status", "Requested")
        ACCEPTED = "accepted", pgettext_lazy("callout status", "Accepted")
        EN_ROUTE = "en_route", pgettext_lazy("callout status", "On the way")
        ON_SCENE = "on_scene", pgettext_lazy("callout status", "On scene")
        CLOSED = "closed", pgettext_lazy("callout status", "Closed")
        CANCELLED = "cancelled", pgettext_lazy("callout status", "Cancelled")

    class Channel(models.TextChoices):
        PAGE = "page", _("Paged through Concertation")
        DUTY_PHONE = "duty_phone", _("Call on the duty phone")
        STATION = "station", _("Police station")
        PROSECUTOR = "prosecutor", _("Public prosecutor")
        OTHER = "other", _("Other")

    class Mode(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        PHONE = "phone", _("By phone")
        STATION = "station", _("At the police station")
        HOSPITAL = "hospital", _("At the hospital")
        HOME = "home", _("At home")

    OPEN_STATUSES = (Status.REQUESTED, Status.ACCEPTED, Status.EN_ROUTE, Status.ON_SCENE)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    # The hidden token of the form that created it: saving the same form twice creates one callout.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED)
    channel = models.CharField(_("received through"), max_length=12, choices=Channel.choices, default=Channel.PAGE)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callouts_requested",
    )
    requesting_officer = models.ForeignKey(
        Officer,
        verbose_name=_("requesting officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callouts_requested",
    )
    requesting_officer_name = models.CharField(_("requesting officer (free text)"), max_length=150, blank=True)
    requesting_unit = models.ForeignKey(
        PoliceUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    callback_phone = models.CharField(_("call-back number"), max_length=20, blank=True)
    category = models.ForeignKey(
        IncidentCategory, verbose_name=_("incident category"), on_delete=models.PROTECT, related_name="callouts"
    )
    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("place"), max_length=300, blank=True)
    context = models.CharField(_("context"), max_length=300, blank=True)
    pv_number = models.CharField(_("police report number (PV)"), max_length=40, blank=True)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, blank=True)
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assistant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callouts",
    )
    shift = models.ForeignKey(
        "oncall.Shift", verbose_name=_("shift"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    departed_at = models.DateTimeField(_("departed"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    debrief_needed = models.BooleanField(_("debrief needed for me"), default=False)
    debrief_done_at = models.DateTimeField(_("debrief held"), null=True, blank=True)
    # Paging escalation: which step was last paged (0 primary, 1 backup, 2 admins) and when the
    # next is due; the every-minute sweeper (victims.tasks.escalate_pages) reads escalate_at.
    escalation_step = models.PositiveSmallIntegerField(default=0)
    escalate_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    search_vector = models.GeneratedField(
        expression=SearchDocument(F("summary"), F("place"), F("context")),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = CalloutQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("callout")
        verbose_name_plural = _("callouts")
        indexes = [
            models.Index(fields=["-received_at"], name="callout_received"),
            models.Index(fields=["status", "-received_at"], name="callout_status_received"),
            models.Index(fields=["escalate_at"], condition=Q(status="requested"), name="callout_escalation_due"),
            GinIndex(fields=["search_vector"], name="callout_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(callback_phone="") | Q(callback_phone__regex=E164), name="callout_phone_e164"
            ),
            # The order of the times: received ≤ accepted, received ≤ departed ≤ arrived ≤ ended
            # (a step may be skipped: a callout handled by phone has no departure).
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{later}__isnull": True})
                    | Q(**{f"{earlier}__isnull": True})
                    | Q(**{f"{later}__gte": F(earlier)}),
                    name=f"callout_{earlier[:-3]}_before_{later[:-3]}",
                )
                for earlier, later in [
                    ("received_at", "accepted_at"),
                    ("received_at", "departed_at"),
                    ("received_at", "arrived_at"),
                    ("received_at", "ended_at"),
                    ("departed_at", "arrived_at"),
                    ("departed_at", "ended_at"),
                    ("arrived_at", "ended_at"),
                ]
            ],
            # Each status carries the stamps of the steps it implies.
            models.CheckConstraint(
                condition=Q(status="requested")
                | Q(assistant__isnull=False, accepted_at__isnull=False)
                | Q(status="cancelled"),
                name="callout_accepted_has_assistant",
            ),
            models.CheckConstraint(
                condition=~Q(status="en_route") | Q(departed_at__isnull=False), name="callout_en_route_departed"
            ),
            models.CheckConstraint(
                condition=~Q(status="on_scene") | Q(arrived_at__isnull=False), name="callout_on_scene_arrived"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(ended_at__isnull=False), name="callout_closed_ended"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False), name="callout_cancelled_stamped"
            ),
            models.CheckConstraint(condition=Q(escalation_step__lte=3), name="callout_escalation_step_range"),
        ]

    def __str__(self) -> str:
        return self.reference

    def journal_label(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_visible_to(self, user) -> bool:
        """Whether ``user`` may see this callout (the rule: ``callout_visibility``)."""
        scope = callout_visibility(user)
        return scope == "all" or (scope == "paged" and self.requested_by_id == user.pk)

    # --- the lifecycle: each step stamps its time (editable afterwards, order checked) -------------

    def _step(self, allowed, status, *, fields: dict) -> None:
        if self.status not in allowed:
            raise TransitionError(f"{self.reference}: cannot go from {self.status} to {status}")
        for name, value in fields.items():
            setattr(self, name, value)
        self.status = status
        self.escalate_at = None
        self.version += 1
        self.updated_at = timezone.now()
        self.save(update_fields=[*fields, "status", "escalate_at", "version", "updated_at"])

    def accept(self, *, by, at=None) -> None:
        at = max(at or timezone.now(), self.received_at)
        self._step([self.Status.REQUESTED], self.Status.ACCEPTED, fields={"assistant": by, "accepted_at": at})

    def _ensure_accepted(self, by, at) -> dict:
        """Tapping a later step on a callout nobody accepted yet accepts it on the way."""
        if self.status == self.Status.REQUESTED:
            return {"assistant": by, "accepted_at": at}
        return {}

    def mark_en_route(self, *, by, at=None) -> None:
        at = max(at or timezone.now(), self.received_at)
        self._step(
            [self.Status.REQUESTED, self.Status.ACCEPTED],
            self.Status.EN_ROUTE,
            fields={**self._ensure_accepted(by, at), "departed_at": at},
        )

    def mark_on_scene(self, *, by, at=None) -> None:
        at = max(at or timezone.now(), self.departed_at or self.received_at)
        self._step(
            [self.Status.REQUESTED, self.Status.ACCEPTED, self.Status.EN_ROUTE],
            self.Status.ON_SCENE,
            fields={**self._ensure_accepted(by, at), "arrived_at": at},
        )

    def close(self, *, by, at=None) -> None:
        at = max(at or timezone.now(), self.arrived_at or self.departed_at or self.received_at)
        self._step(
            [self.Status.ACCEPTED, self.Status.EN_ROUTE, self.Status.ON_SCENE],
            self.Status.CLOSED,
            fields={"ended_at": at},
        )

    def cancel(self, *, by, at=None) -> None:
        at = max(at or timezone.now(), self.received_at)
        self._step(
            [self.Status.REQUESTED, self.Status.ACCEPTED, self.Status.EN_ROUTE],
            self.Status.CANCELLED,
            fields={"cancelled_at": at},
        )

    def next_steps(self) -> list[str]:
        """The lifecycle buttons to offer, most likely first."""
        return {
            self.Status.REQUESTED: ["accept", "cancel"],
            self.Status.ACCEPTED: ["en_route", "on_scene", "close", "cancel"],
            self.Status.EN_ROUTE: ["on_scene", "close", "cancel"],
            self.Status.ON_SCENE: ["close"],
        }.get(self.status, [])

    def mark_debrief_done(self, *, at=None) -> None:
        self.debrief_done_at = at or timezone.now()
        self.save(update_fields=["debrief_done_at"])

    @property
    def debrief_pending(self) -> bool:
        return self.debrief_needed and self.debrief_done_at is None

    @property
    def duration(self) -> timedelta | None:
        start = self.arrived_at or self.departed_at or self.accepted_at
        if start and self.ended_at:
            return self.ended_at - start
        return None


@pghistory.track(*trackers())
class CalloutPage(models.Model):
    """One step of paging: who was paged for a callout, and when (shown on the callout)."""

    class Step(models.IntegerChoices):
        PRIMARY = 0, _("on-call AC")
        BACKUP = 1, _("backup AC")
        ADMINS = 2, _("coordination")

    callout = models.ForeignKey(Callout, on_delete=models.CASCADE, related_name="pages")
    step = models.PositiveSmallIntegerField(_("step"), choices=Step.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("paged"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("paged at"), default=timezone.now)

    class Meta:
        ordering = ["at", "step", "id"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        constraints = [
            models.UniqueConstraint(fields=["callout", "step", "recipient"], name="calloutpage_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.callout} {self.get_step_display()} {self.recipient}"


@pghistory.track(*trackers())
class CoachedOfficer(models.Model):
    """An officer the AC coached at the scene (on-the-job training), and what was explained."""

    callout = models.ForeignKey(Callout, on_delete=models.CASCADE, related_name="coached_officers")
    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer_name = models.CharField(_("officer (free text)"), max_length=150, blank=True)
    explained = models.TextField(_("what was explained"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("officer coached")
        verbose_name_plural = _("officers coached")
        constraints = [
            models.CheckConstraint(
                condition=Q(officer__isnull=False) | ~Q(officer_name=""), name="coachedofficer_named"
            ),
        ]

    def __str__(self) -> str:
        return self.officer.full_name if self.officer else self.officer_name


# --- persons ---------------------------------------------------------------------------------------------


class PersonQuerySet(models.QuerySet):
    def similar_to(self, first_name: str, last_name: str, birth_year: int | None = None):
        """Persons already known under a close name (pg_trgm on unaccented "first last"), with the
        same birth year (±1) when one is given: the duplicates to propose before creating one."""
        from django.contrib.postgres.search import TrigramSimilarity

        text = f"{first_name or ''} {last_name or ''}".strip()
        if len(text) < 3:
            return self.none()
        wanted = ImmutableUnaccent(Lower(models.Value(text)))
        rows = (
            self.filter(anonymised_at__isnull=True)
            .annotate(similarity=TrigramSimilarity("name_key", wanted))
            .filter(name_key__trigram_similar=wanted, similarity__gte=0.45)
        )
        if birth_year:
            rows = rows.filter(Q(birth_year__isnull=True) | Q(birth_year__range=(birth_year - 1, birth_year + 1)))
        return rows.order_by("-similarity", "last_name")

    def search(self, text: str):
        """Name search for the persons page: typo-tolerant word match on the unaccented name
        (pg_trgm word similarity: a part of a name, a missing accent or a typo still matches)."""
        text = (text or "").strip()
        if not text:
            return self.none()
        wanted = ImmutableUnaccent(Lower(models.Value(text)))
        return self.filter(anonymised_at__isnull=True, name_key__trigram_word_similar=wanted)


@pghistory.track(*trackers(), exclude=["name_key"])
class Person(models.Model):
    """Someone the AC assisted (victim, relative, bereaved, witness, police officer). Every field is
    optional: at 3 a.m. a first name and a role are often all there is."""

    class AgeBand(models.TextChoices):
        CHILD = "0-11", _("0–11")
        TEEN = "12-17", _("12–17")
        YOUNG = "18-29", _("18–29")
        ADULT = "30-49", _("30–49")
        MIDDLE = "50-64", _("50–64")
        SENIOR = "65+", _("65 and over")

    class Language(models.TextChoices):
        FR = "fr", _("French")
        NL = "nl", _("Dutch")
        OTHER = "other", _("Other language")

    class Vulnerability(models.TextChoices):
        DISABILITY = "disability", _("Disability")
        ELDERLY = "elderly", _("Elderly, isolated")
        PREGNANT = "pregnant", _("Pregnancy")
        MENTAL_HEALTH = "mental_health", _("Mental-health difficulties")
        HOMELESS = "homeless", _("Without a home")
        UNACCOMPANIED_MINOR = "unaccompanied_minor", _("Unaccompanied minor")
        OTHER = "other", _("Other vulnerability")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    age_band = models.CharField(_("age band"), max_length=5, choices=AgeBand.choices, blank=True)
    is_minor = models.BooleanField(_("minor"), default=False)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.FR)
    language_other = models.CharField(_("other language"), max_length=60, blank=True)
    needs_interpreter = models.BooleanField(_("interpreter needed"), default=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    commune = models.ForeignKey(
        Commune,
        verbose_name=_("commune of residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    vulnerabilities = ArrayField(
        models.CharField(max_length=30, choices=Vulnerability.choices),
        verbose_name=_("vulnerability"),
        default=list,
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True)
    consent_contact = models.BooleanField(_("agrees to be contacted"), default=False)
    consent_contact_at = models.DateTimeField(_("consent to contact given"), null=True, blank=True)
    consent_contact_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_referral = models.BooleanField(_("agrees to be referred"), default=False)
    consent_referral_at = models.DateTimeField(_("consent to referral given"), null=True, blank=True)
    consent_referral_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # The accent- and case-free "first last" the name searches match (GIN trigram index), stored:
    # checking a candidate row reads it instead of unaccenting the name again (at 400,000 persons
    # a common name has a thousand candidates, and unaccent() was 2 ms of the search).
    name_key = models.GeneratedField(expression=NameKey(), output_field=models.TextField(), db_persist=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("person assisted")
        verbose_name_plural = _("persons assisted")
        indexes = [
            GinIndex(OpClass(F("name_key"), name="gin_trgm_ops"), name="person_name_key_trgm"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(phone="") | Q(phone__regex=E164), name="person_phone_e164"),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="person_birth_year_range",
            ),
            # A consent is a fact with a date and a witness, or it is not given.
            models.CheckConstraint(
                condition=Q(consent_contact=False) | Q(consent_contact_at__isnull=False),
                name="person_consent_contact_dated",
            ),
            models.CheckConstraint(
                condition=Q(consent_referral=False) | Q(consent_referral_at__isnull=False),
                name="person_consent_referral_dated",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def journal_label(self) -> str:
        return f"PERS-{self.pk:06d}"

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or str(_("(name not known)"))

    @property
    def age_description(self) -> str:
        if self.birth_year:
            return str(self.birth_year)
        return self.get_age_band_display() if self.age_band else ""

    def record_consent(self, kind: str, given: bool, *, by, at=None) -> bool:
        """Set consent ``kind`` ("contact" or "referral"); stamp who and when only when it changes.
        Returns True when something changed."""
        if getattr(self, f"consent_{kind}") == given:
            return False
        setattr(self, f"consent_{kind}", given)
        setattr(self, f"consent_{kind}_at", (at or timezone.now()) if given else None)
        setattr(self, f"consent_{kind}_by", by if given else None)
        return True


@pghistory.track(*trackers())
class Involvement(models.Model):
    """A person's part in one callout."""

    class Role(models.TextChoices):
        VICTIM = "victim", _("Victim")
        RELATIVE = "relative", _("Relative")
        BEREAVED = "bereaved", _("Bereaved")
        WITNESS = "witness", _("Witness")
        OFFICER = "officer", _("Police officer")

    callout = models.ForeignKey(Callout, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="involvements")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VICTIM)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("person involved")
        verbose_name_plural = _("persons involved")
        constraints = [models.UniqueConstraint(fields=["callout", "person"], name="involvement_once")]

    def __str__(self) -> str:
        return f"{self.callout} – {self.get_role_display()}"


@pghistory.track(*trackers(), exclude=["search_vector"])
class AssistanceAction(models.Model):
    """Help given at a callout, to one person or to the officers."""

    class Kind(models.TextChoices):
        INFORMATION = "information", _("Information")
        EMOTIONAL = "emotional", _("Emotional support")
        PRACTICAL = "practical", _("Practical help")
        DEATH_NOTIFICATION = "death_notification", _("Death-notification accompaniment")
        HEARING = "hearing", _("Hearing accompaniment")
        SHELTER = "shelter", _("Shelter or transport")
        OFFICER_DEBRIEF = "officer_debrief", _("Officer debriefing")
        OTHER = "other", _("Other help")

    callout = models.ForeignKey(Callout, on_delete=models.CASCADE, related_name="actions")
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(_("help given"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    search_vector = models.GeneratedField(
        expression=SearchDocument(F("note")), output_field=SearchVectorField(), db_persist=True
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("help given")
        verbose_name_plural = _("help given")
        indexes = [GinIndex(fields=["search_vector"], name="action_search")]

    def __str__(self) -> str:
        return self.get_kind_display()


# --- referrals ------------------------------------------------------------------------------------------------


class ReferralQuerySet(models.QuerySet):
    def awaiting_acknowledgement(self):
        return self.filter(status=Referral.Status.SENT)

    def waiting(self):
        """What still waits for someone: not sent yet, or sent and not acknowledged."""
        return self.filter(status__in=[Referral.Status.PROPOSED, Referral.Status.SENT])


@pghistory.track(*trackers(), exclude=["link_nonce"])
class Referral(models.Model):
    """An orientation / doorverwijzing of a person to a partner service, with the person's consent
    (or a documented legal basis recorded by an admin), closed by the service's acknowledgement."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("referral status", "Proposed")
        SENT = "sent", pgettext_lazy("referral status", "Sent")
        RECEIVED = "received", pgettext_lazy("referral status", "Received by the service")
        TAKEN_IN_CHARGE = "taken", pgettext_lazy("referral status", "Taken in charge")
        DECLINED = "declined", pgettext_lazy("referral status", "Declined by the service")
        UNREACHABLE = "unreachable", pgettext_lazy("referral status", "Person unreachable")
        CLOSED = "closed", pgettext_lazy("referral status", "Closed")

    class Method(models.TextChoices):
        EMAIL = "email", _("Referral sheet by e-mail")
        HANDED = "handed", _("Sheet handed to the person")
        PHONE = "phone", _("By phone to the service")

    # What the service may answer through its link.
    SERVICE_ANSWERS = (Status.RECEIVED, Status.TAKEN_IN_CHARGE, Status.DECLINED, Status.UNREACHABLE)
    ACKNOWLEDGED = (Status.RECEIVED, Status.TAKEN_IN_CHARGE, Status.DECLINED, Status.UNREACHABLE, Status.CLOSED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    callout = models.ForeignKey(
        Callout, verbose_name=_("callout"), null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(
        PartnerService, verbose_name=_("service"), on_delete=models.PROTECT, related_name="referrals"
    )
    method = models.CharField(_("how"), max_length=10, choices=Method.choices, default=Method.EMAIL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED)
    message = models.TextField(
        _("message for the service"),
        blank=True,
        help_text=_("What the service needs to know to contact the person. It is printed on the referral sheet."),
    )
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    legal_basis_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Changing the nonce invalidates every acknowledgement link sent before (a new link replaces them).
    link_nonce = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    service_note = models.TextField(_("note from the service"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals_made"
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["status", "sent_at"], name="referral_status_sent")]
        constraints = [
            # Consent of the person, or a legal basis documented by an admin: never neither.
            models.CheckConstraint(
                condition=Q(consent_at__isnull=False) | (~Q(legal_basis="") & Q(legal_basis_by__isnull=False)),
                name="referral_consent_or_legal_basis",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed") | Q(sent_at__isnull=False), name="referral_sent_stamped"
            ),
        ]

    def __str__(self) -> str:
        return self.journal_label()

    def journal_label(self) -> str:
        return f"REF-{self.pk:06d}"

    @property
    def is_waiting(self) -> bool:
        return self.status in (self.Status.PROPOSED, self.Status.SENT)

    def mark_sent(self, *, method: str, at=None) -> None:
        if self.status != self.Status.PROPOSED:
            raise TransitionError(f"{self.journal_label()} was already sent")
        self.status = self.Status.SENT
        self.method = method
        self.sent_at = at or timezone.now()
        self.save(update_fields=["status", "method", "sent_at", "link_nonce"])

    def acknowledge(self, status: str, *, note: str = "", at=None) -> None:
        """The service's answer through its link (or recorded by the AC after a phone call)."""
        if status not in self.SERVICE_ANSWERS:
            raise TransitionError(f"{status} is not an answer of the service")
        if self.status in (self.Status.PROPOSED, self.Status.CLOSED):
            raise TransitionError(f"{self.journal_label()} is {self.status}")
        at = at or timezone.now()
        self.status = status
        self.acknowledged_at = self.acknowledged_at or at
        self.answered_at = at
        if note:
            self.service_note = note
        self.save(update_fields=["status", "acknowledged_at", "answered_at", "service_note"])

    def close(self, *, at=None) -> None:
        self.status = self.Status.CLOSED
        self.closed_at = at or timezone.now()
        self.save(update_fields=["status", "closed_at"])


# --- follow-ups --------------------------------------------------------------------------------------------------


class FollowUpQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(done_at__isnull=True)

    def due_by(self, day):
        return self.pending().filter(due_on__lte=day)

    def assigned_to(self, user):
        return self.filter(assignee=user)


@pghistory.track(*trackers(), exclude=["search_vector"])
class FollowUp(models.Model):
    """Something to do later about a callout or a person (call back, check the BAV took over…)."""

    callout = models.ForeignKey(
        Callout, verbose_name=_("callout"), null=True, blank=True, on_delete=models.CASCADE, related_name="followups"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="followups"
    )
    due_on = models.DateField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), on_delete=models.PROTECT, related_name="followups"
    )
    note = models.TextField(_("what to do"), blank=True)
    done_at = models.DateTimeField(pgettext_lazy("follow-up", "done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    search_vector = models.GeneratedField(
        expression=SearchDocument(F("note")), output_field=SearchVectorField(), db_persist=True
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["assignee", "due_on"], condition=Q(done_at__isnull=True), name="followup_open_due"),
            GinIndex(fields=["search_vector"], name="followup_search"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(callout__isnull=False) | Q(person__isnull=False), name="followup_about_something"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_on} {self.assignee}"

    def journal_label(self) -> str:
        about = self.callout.reference if self.callout_id else self.person.journal_label()
        return f"follow-up {self.pk} of {about}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def mark_done(self, *, by, at=None) -> None:
        self.done_at = at or timezone.now()
        self.done_by = by
        self.save(update_fields=["done_at", "done_by"])
