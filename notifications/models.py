"""The outbox: every e-mail, SMS and in-app message is one row here, delivered by a sweeper.

A row is scheduled (``pending``, ``next_attempt_at``), claimed by a sweeper (``sending`` with a
lease in ``claimed_until``), then ``sent``, retried (back to ``pending`` later) or ``failed``.
A sweeper that dies mid-send leaves the row in ``sending``; once the lease has passed another
sweeper takes it again (at-least-once; the unique ``dedupe_key`` and the status checks keep it to
one message in every case but a crash between the send and the next statement).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import BrinIndex
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Language

DEFAULT_LEAD_MINUTES = [24 * 60, 60]


class NotificationQuerySet(models.QuerySet):
    def due(self, now):
        """Pending rows whose (next) attempt time has come — the sweeper's query."""
        return self.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)

    def lease_expired(self, now):
        """Rows a sweeper claimed and never finished (it died, or its machine did)."""
        return self.filter(status=Notification.Status.SENDING, claimed_until__lt=now)

    def inbox_of(self, user):
        """The user's in-app messages that have arrived (sent), newest first."""
        return self.filter(
            recipient=user, channel=Notification.Channel.IN_APP, status=Notification.Status.SENT
        ).order_by("-id")

    def unread(self):
        return self.filter(read_at__isnull=True)

    def about(self, obj):
        return self.filter(about_type=ContentType.objects.get_for_model(obj), about_id=str(obj.pk))


class Notification(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        IN_APP = "in_app", _("In the application")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", pgettext_lazy("message status", "Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    # Whom: a user (address read from the profile at send time), or an address (a partner service).
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    address = models.CharField(
        _("address"), max_length=254, blank=True, help_text=_("E-mail address or phone number without an account.")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=50)
    template = models.CharField(_("template"), max_length=100)
    context = models.JSONField(_("context"), default=dict, encoder=DjangoJSONEncoder)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.FR)
    # Unique through a constraint, not unique=True: for that Django also builds a second index of
    # every key for LIKE (varchar_pattern_ops), 1.4 GB at scale 20, which only the prefix search of
    # pending rows needs (notification_key_prefix_idx, partial, a few kB).
    dedupe_key = models.CharField(_("key"), max_length=255)
    # True when the channel came from the user's preferences (checked again at send time, so a
    # channel switched off after scheduling stays quiet); False when the caller forced it (paging).
    follows_preferences = models.BooleanField(default=False)
    # What it is about (any app's object): content type + primary key as text.
    about_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    about_id = models.CharField(max_length=64, blank=True)
    about = GenericForeignKey("about_type", "about_id")

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    # When a sweeper may take it next: due_at at first, later after a transient failure (backoff).
    next_attempt_at = models.DateTimeField(_("next attempt"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Filled when sent: the subject (e-mail) or the line (in-app, SMS first line), in the
    # recipient's language, and the link the message points to. Bodies are not kept.
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(address=""), name="notification_has_recipient"
            ),
            models.CheckConstraint(
                condition=~Q(channel="in_app") | Q(recipient__isnull=False), name="notification_in_app_needs_user"
            ),
            models.CheckConstraint(condition=Q(channel__in=["email", "sms", "in_app"]), name="notification_channel"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "cancelled"]),
                name="notification_status",
            ),
            models.CheckConstraint(condition=Q(language__in=["fr", "nl", "en"]), name="notification_language"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notification_sent_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="sending") | Q(claimed_until__isnull=False), name="notification_sending_has_lease"
            ),
            models.CheckConstraint(
                condition=Q(about_type__isnull=True) | ~Q(about_id=""), name="notification_about_complete"
            ),
            models.CheckConstraint(condition=~Q(dedupe_key=""), name="notification_key_not_empty"),
            models.UniqueConstraint(fields=["dedupe_key"], name="notification_dedupe_key_unique"),
        ]
        indexes = [
            # The sweeper's two queries stay cheap with millions of sent rows: they only touch the
            # small partial indexes of rows still to do.
            models.Index(fields=["next_attempt_at"], name="notification_due_idx", condition=Q(status="pending")),
            models.Index(fields=["claimed_until"], name="notification_lease_idx", condition=Q(status="sending")),
            # The bell (unread count) and the inbox.
            models.Index(
                fields=["recipient"],
                name="notification_unread_idx",
                condition=Q(channel="in_app", status="sent", read_at__isnull=True),
            ),
            models.Index(
                fields=["recipient", "-id"], name="notification_inbox_idx", condition=Q(channel="in_app", status="sent")
            ),
            # cancel_pending(about=...) and cancel_pending(dedupe_prefix=...).
            models.Index(
                fields=["about_type", "about_id"], name="notification_about_idx", condition=Q(status="pending")
            ),
            models.Index(
                fields=["dedupe_key"],
                name="notification_key_prefix_idx",
                opclasses=["varchar_pattern_ops"],
                condition=Q(status="pending"),
            ),
            # The admin's "delivery problems" view.
            models.Index(fields=["-id"], name="notification_failed_idx", condition=Q(status="failed")),
            # Retention purge by age: an append-only table, so a tiny BRIN index suffices.
            BrinIndex(fields=["created_at"], name="notification_created_brin"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.get_channel_display()} · {self.get_status_display()}"

    def journal_label(self) -> str:
        return f"notification {self.pk} ({self.kind}, {self.channel})"

    @property
    def recipient_label(self) -> str:
        if self.recipient_id:
            return str(self.recipient)
        return self.address

    def mark_read(self, *, at=None) -> bool:
        """Mark an in-app message read; False when it already was."""
        if self.read_at is not None:
            return False
        self.read_at = at or timezone.now()
        self.save(update_fields=["read_at"])
        return True

    def retry(self, *, at=None) -> None:
        """Give a failed message another round of attempts (the admin's "retry")."""
        if self.status != self.Status.FAILED:
            raise ValueError("Only a failed notification can be retried.")
        now = at or timezone.now()
        self.status = self.Status.PENDING
        self.attempts = 0
        self.next_attempt_at = now
        self.claimed_until = None
        self.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until"])


def default_lead_minutes() -> list[int]:
    return list(DEFAULT_LEAD_MINUTES)


class NotificationPreference(models.Model):
    """A user's choices: channels per kind of message, and reminder lead times before shifts.

    No row = the defaults (each kind's default channels; 24 h and 1 h; the evening before an early
    shift). Kinds missing from ``channels`` use their defaults too, so a kind added later reaches
    people who never opened the page.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notification_preference"
    )
    channels = models.JSONField(_("channels per kind"), default=dict, blank=True)
    lead_minutes = ArrayField(
        models.PositiveIntegerField(), verbose_name=_("reminder lead times"), default=default_lead_minutes, blank=True
    )
    evening_before_early_shift = models.BooleanField(
        _("the evening before a shift that starts before 09:00"), default=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(condition=Q(lead_minutes__len__lte=8), name="preference_lead_times_few"),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def lead_times(self) -> list[timedelta]:
        return [timedelta(minutes=minutes) for minutes in sorted(self.lead_minutes, reverse=True)]
