"""Scheduling, cancelling and delivering notifications (the single outbox).

Other apps call three functions:

    notify(user, kind="shift_reminder", template="oncall/shift_reminder",
           context={"starts_at": shift.starts_at, "url": settings.SITE_URL + reverse(...)},
           dedupe_key=f"shift:{shift.pk}:reminder:1440", about=shift, due_at=shift.starts_at - timedelta(days=1))
    notify_address(email=service.email, language=service.language, kind="referral_sent", ...)
    cancel_pending(about=shift)

The context is stored as JSON and rendered at send time in the recipient's language; a ``url``
key, when present, is the link the in-app message opens. Nothing waits in Redis: a row with a
``due_at`` is all there is, and the every-minute sweeper (``tasks.send_due_notifications``) sends
what is due.
"""

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from accounts.fields import normalise_phone
from notifications import kinds
from notifications.models import Notification, NotificationPreference

logger = logging.getLogger(__name__)

Channel = Notification.Channel
Status = Notification.Status
_NOT_LOADED = object()


# --- preferences -----------------------------------------------------------------------------------


@dataclass
class ReminderPreferences:
    lead_times: list[timedelta]  # before each shift; default [24 h, 1 h]
    evening_before_early_shift: bool  # default True: 20:00 the evening before a shift starting before 09:00


def _preference(user) -> NotificationPreference | None:
    return NotificationPreference.objects.filter(user=user).first()


def reminder_preferences(user) -> ReminderPreferences:
    preference = _preference(user)
    if preference is None:
        return ReminderPreferences(
            lead_times=[timedelta(minutes=m) for m in NotificationPreference._meta.get_field("lead_minutes").default()],
            evening_before_early_shift=True,
        )
    return ReminderPreferences(
        lead_times=preference.lead_times, evening_before_early_shift=preference.evening_before_early_shift
    )


def channels_for(user, kind: str, *, preference=_NOT_LOADED) -> tuple[str, ...]:
    """The channels ``user`` chose for ``kind`` (its defaults until they choose)."""
    declared = kinds.get(kind)
    if not declared.configurable:
        return declared.default_channels
    if preference is _NOT_LOADED:
        preference = _preference(user)
    chosen = (preference.channels or {}).get(kind) if preference is not None else None
    if chosen is None:
        return declared.default_channels
    return tuple(channel for channel in kinds.CHANNELS if channel in chosen)


# --- scheduling --------------------------------------------------------------------------------------


def _about_fields(about: models.Model | None) -> dict:
    if about is None:
        return {"about_type": None, "about_id": ""}
    if about.pk is None:
        raise ValueError("`about` must be saved before a notification can refer to it.")
    return {"about_type": ContentType.objects.get_for_model(about), "about_id": str(about.pk)}


def _as_json(context: dict) -> dict:
    # Fail now, in the caller's code, rather than at send time; and return what the row will
    # hold (datetimes become ISO strings) so the caller sees the same thing as the templates.
    return json.loads(json.dumps(context or {}, cls=DjangoJSONEncoder))


def _check_key(dedupe_key: str) -> None:
    if not dedupe_key or len(dedupe_key) > 240:
        raise ValueError("dedupe_key must be 1 to 240 characters long.")


def _schedule(rows: list[Notification], revive: dict) -> list[Notification]:
    """Insert ``rows`` unless their key exists (idempotent, race-free: ON CONFLICT DO NOTHING).

    A key that exists but was cancelled (a shift moved away and back) is scheduled again with the
    new time and context: cancelling must not block the same message for ever.
    """
    keys = [row.dedupe_key for row in rows]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    Notification.objects.filter(dedupe_key__in=keys, status=Status.CANCELLED).update(
        status=Status.PENDING, attempts=0, last_error="", claimed_until=None, **revive
    )
    scheduled = list(Notification.objects.filter(dedupe_key__in=keys).order_by("id"))
    now = timezone.now()
    if any(row.status == Status.PENDING and row.next_attempt_at <= now for row in scheduled):
        sweep_soon()
    return scheduled


def notify(
    user,
    *,
    kind: str,
    template: str,
    context: dict,
    dedupe_key: str,
    about: models.Model | None = None,
    due_at: datetime | None = None,
    channels: Iterable[str] | None = None,
) -> list[Notification]:
    """One Notification per channel — the user's chosen channels for ``kind``, or ``channels``
    when given (paging forces sms+email+in_app). Idempotent: the unique key is
    f"{dedupe_key}:{channel}" (calling twice creates nothing new). ``due_at`` defaults to now; a
    due-now message also enqueues one sweep after commit so it leaves within seconds.

    A deactivated user gets nothing (an empty list).
    """
    kinds.get(kind)
    _check_key(dedupe_key)
    if not user.is_active:
        return []
    chosen = tuple(channels) if channels is not None else channels_for(user, kind)
    unknown = set(chosen) - set(kinds.CHANNELS)
    if unknown:
        raise ValueError(f"Unknown channels: {sorted(unknown)}")
    due = due_at or timezone.now()
    if timezone.is_naive(due):
        raise ValueError("due_at must be an aware datetime.")
    stored = _as_json(context)
    common = {
        "kind": kind,
        "template": template,
        "context": stored,
        "due_at": due,
        "next_attempt_at": due,
        **_about_fields(about),
    }
    rows = [
        Notification(
            recipient=user,
            channel=channel,
            language=user.language or "fr",
            dedupe_key=f"{dedupe_key}:{channel}",
            follows_preferences=channels is None,
            **common,
        )
        for channel in chosen
    ]
    return _schedule(rows, common) if rows else []


def notify_address(
    *,
    email: str = "",
    phone: str = "",
    language: str,
    kind: str,
    template: str,
    context: dict,
    dedupe_key: str,
    about: models.Model | None = None,
    due_at: datetime | None = None,
) -> list[Notification]:
    """For people without an account (a partner service): e-mail and/or SMS in ``language``.

    Raises ValueError for an invalid address or number (check them in the form that took them).
    """
    kinds.get(kind)
    _check_key(dedupe_key)
    if language not in ("fr", "nl", "en"):
        raise ValueError(f"Unknown language {language!r}.")
    email = (email or "").strip()
    if email:
        validate_email(email)
    phone = normalise_phone(phone) if phone else ""
    if not email and not phone:
        raise ValueError("notify_address needs an e-mail address or a phone number.")
    due = due_at or timezone.now()
    common = {
        "kind": kind,
        "template": template,
        "context": _as_json(context),
        "due_at": due,
        "next_attempt_at": due,
        **_about_fields(about),
    }
    rows = [
        Notification(
            channel=channel, address=address, language=language, dedupe_key=f"{dedupe_key}:{channel}", **common
        )
        for channel, address in ((Channel.EMAIL, email), (Channel.SMS, phone))
        if address
    ]
    return _schedule(rows, common)


def cancel_pending(
    *, about: models.Model | None = None, dedupe_prefix: str | None = None, kind: str | None = None
) -> int:
    """Cancel pending (not yet sent) notifications about an object and/or whose key starts with
    the prefix (optionally only of one kind). Returns how many were cancelled.

    A message a sweeper has already claimed (``sending``) goes out: it may be on the wire.
    """
    if about is None and not dedupe_prefix:
        raise ValueError("cancel_pending needs `about` or `dedupe_prefix`: it never cancels everything.")
    rows = Notification.objects.filter(status=Status.PENDING)
    if about is not None:
        rows = rows.filter(**_about_fields(about))
    if dedupe_prefix:
        rows = rows.filter(dedupe_key__startswith=dedupe_prefix)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.update(status=Status.CANCELLED, last_error="cancelled before it was due")


def retry(notification: Notification) -> None:
    """The admin's retry of a failed message: pending again, swept within seconds."""
    notification.retry()
    sweep_soon()


# --- the sweeper -----------------------------------------------------------------------------------------


def _enqueue_sweep() -> None:
    from notifications.tasks import send_due_notifications

    send_due_notifications.delay()


def sweep_soon() -> None:
    """Enqueue one sweep after the current transaction commits (once per transaction).

    If Redis is down the message still leaves: the beat sweeper finds the row within a minute.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is _enqueue_sweep for _ids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_sweep, robust=True)


def lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` tries: 1, 2, 4, 8… minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def claim_due(*, limit: int) -> list[Notification]:
    """Take up to ``limit`` due rows for this sweeper: lock them (skipping rows another sweeper
    holds), move them to ``sending`` with a lease, commit. Rows whose lease ran out (a sweeper died
    mid-send) are taken again first."""
    now = timezone.now()
    until = now + lease()
    with transaction.atomic():
        ids = list(
            Notification.objects.lease_expired(now)
            .order_by("claimed_until")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:limit]
        )
        if len(ids) < limit:
            ids += list(
                Notification.objects.due(now)
                .order_by("next_attempt_at")
                .select_for_update(skip_locked=True)
                .values_list("id", flat=True)[: limit - len(ids)]
            )
        if not ids:
            return []
        Notification.objects.filter(id__in=ids).update(
            status=Status.SENDING, claimed_until=until, attempts=F("attempts") + 1
        )
    return list(
        Notification.objects.filter(id__in=ids, status=Status.SENDING, claimed_until=until).select_related(
            "recipient", "recipient__notification_preference"
        )
    )


def record(notification: Notification, outcome) -> str:
    """Store what happened to a claimed row — only if we still hold its lease."""
    if outcome.status == "skipped":
        return "skipped"
    now = timezone.now()
    mine = Notification.objects.filter(
        pk=notification.pk, status=Status.SENDING, claimed_until=notification.claimed_until
    )
    status = outcome.status
    if status == "retry" and notification.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        status = "failed"
    if status == "sent":
        fields = {"status": Status.SENT, "sent_at": now, "subject": outcome.subject[:300], "link": outcome.link}
        fields["last_error"] = ""
    elif status == "retry":
        fields = {"status": Status.PENDING, "next_attempt_at": now + backoff(notification.attempts)}
        fields["last_error"] = outcome.error[:500]
    elif status == "cancelled":
        fields = {"status": Status.CANCELLED, "last_error": outcome.error[:500]}
    else:
        fields = {"status": Status.FAILED, "last_error": outcome.error[:500]}
        logger.warning("notification %s failed after %s attempts", notification.pk, notification.attempts)
    mine.update(claimed_until=None, **fields)
    return status


def sweep(*, max_seconds: float | None = None, threads: int | None = None, batch_size: int | None = None) -> Counter:
    """Send everything due, in batches, until nothing is due or ``max_seconds`` have passed.

    Sends run in a small thread pool (the network waits, not the CPU); claims and outcomes are
    written by this thread only, each outcome as soon as its send returns, so a crash loses at
    most the sends in flight (those are sent again after their lease: at-least-once).
    """
    from notifications.delivery import deliver

    max_seconds = settings.NOTIFICATIONS_SWEEP_SECONDS if max_seconds is None else max_seconds
    threads = threads or settings.NOTIFICATIONS_SEND_THREADS
    batch_size = batch_size or settings.NOTIFICATIONS_BATCH_SIZE
    deadline = time.monotonic() + max_seconds
    counts: Counter = Counter()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="notify") as pool:
        while time.monotonic() < deadline:
            batch = claim_due(limit=batch_size)
            if not batch:
                break
            futures = {pool.submit(deliver, notification): notification for notification in batch}
            for future in as_completed(futures):
                counts[record(futures[future], future.result())] += 1
    return counts


def purge_finished(*, older_than: timedelta | None = None, chunk: int = 5000) -> int:
    """Delete sent, failed and cancelled rows older than the retention period (their context may
    hold personal data). Pending and sending rows are never purged."""
    cutoff = timezone.now() - (older_than or timedelta(days=settings.NOTIFICATIONS_RETENTION_DAYS))
    total = 0
    while True:
        ids = list(
            Notification.objects.filter(
                created_at__lt=cutoff, status__in=[Status.SENT, Status.FAILED, Status.CANCELLED]
            ).values_list("id", flat=True)[:chunk]
        )
        if not ids:
            return total
        total += Notification.objects.filter(id__in=ids).delete()[0]
