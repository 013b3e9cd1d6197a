"""Rendering a notification in its recipient's language and handing it to its channel.

Everything here runs in the sweeper's send threads: no database access (the rows arrive with
their recipient and preferences loaded), and never an exception out — every outcome is a value
the sweeper records.
"""

import logging
import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.template import Engine, TemplateDoesNotExist
from django.template.backends.django import get_installed_libraries
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications import sms
from notifications.models import Notification

logger = logging.getLogger(__name__)

SMS_MAX_LENGTH = 300
LINE_MAX_LENGTH = 300


@dataclass
class Outcome:
    status: str  # "sent", "retry", "failed", "cancelled", "skipped"
    error: str = ""
    subject: str = ""
    link: str = ""


@cache
def _text_engine() -> Engine:
    """The project's templates without HTML escaping, for subjects, text bodies and SMS."""
    return Engine(
        dirs=[str(path) for path in settings.TEMPLATES[0]["DIRS"]],
        app_dirs=True,
        autoescape=False,
        libraries=get_installed_libraries(),
    )


def _text(name: str, context: dict) -> str:
    return _text_engine().get_template(name).render(_template_context(context))


def _template_context(context: dict):
    from django.template import Context

    return Context(context, autoescape=False)


def _one_line(value: str, limit: int = LINE_MAX_LENGTH) -> str:
    value = re.sub(r"\s+", " ", value).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _first_existing(notification: Notification, *names: str) -> str:
    for name in names:
        path = f"notifications/{notification.template}/{name}"
        try:
            _text_engine().get_template(path)
        except TemplateDoesNotExist:
            continue
        return path
    raise TemplateDoesNotExist(f"notifications/{notification.template}/{names[0]}")


def recipient_language(notification: Notification) -> str:
    if notification.recipient_id and notification.recipient.language:
        return notification.recipient.language
    return notification.language


def build_context(notification: Notification) -> dict:
    recipient = notification.recipient
    if recipient is None:
        recipient = {"address": notification.address, "language": notification.language}
    return {
        **notification.context,
        "recipient": recipient,
        "site_url": settings.SITE_URL,
        "site_name": str(settings.SITE_NAME),
        "LANGUAGE_CODE": recipient_language(notification),
    }


def address_of(notification: Notification) -> str:
    if notification.recipient_id is None:
        return notification.address
    if notification.channel == Notification.Channel.EMAIL:
        return notification.recipient.email
    if notification.channel == Notification.Channel.SMS:
        return notification.recipient.phone
    return ""


def _still_wanted(notification: Notification) -> str:
    """Why a message should no longer go out ("" when it should)."""
    user = notification.recipient
    if user is None:
        return ""
    if not user.is_active:
        return "account deactivated"
    if notification.follows_preferences:
        from notifications.services import channels_for

        try:
            preference = user.notification_preference  # loaded with the row (select_related)
        except ObjectDoesNotExist:
            preference = None
        if notification.channel not in channels_for(user, notification.kind, preference=preference):
            return "channel switched off in the recipient's preferences"
    return ""


def deliver(notification: Notification) -> Outcome:
    """Render and send one claimed notification. Never raises; never touches the database."""
    if notification.claimed_until is None or timezone.now() >= notification.claimed_until:
        # Our lease ran out while earlier messages of the batch were sent: another sweeper may
        # own the row now. Leave it to that one rather than risk sending twice.
        return Outcome("skipped", "lease expired before sending")
    try:
        reason = _still_wanted(notification)
        if reason:
            return Outcome("cancelled", reason)
        with translation.override(recipient_language(notification)):
            context = build_context(notification)
            link = str(notification.context.get("url", ""))[:500]
            if notification.channel == Notification.Channel.EMAIL:
                subject = _send_email(notification, context)
            elif notification.channel == Notification.Channel.SMS:
                subject = _send_sms(notification, context)
            else:
                subject = _one_line(_text(_first_existing(notification, "in_app.txt", "subject.txt"), context))
        return Outcome("sent", subject=subject, link=link)
    except TemplateDoesNotExist as exc:
        return Outcome("failed", f"template missing: {exc}")
    except sms.DeliveryError as exc:
        return Outcome("retry" if exc.transient else "failed", str(exc))
    except Exception as exc:  # noqa: BLE001 - an SMTP or network error, retried with backoff
        logger.warning("notification %s: %s", notification.pk, type(exc).__name__)
        return Outcome("retry", f"{type(exc).__name__}: {exc}")


def _send_email(notification: Notification, context: dict) -> str:
    to = address_of(notification)
    if not to:
        raise sms.PermanentError("no e-mail address")
    base = f"notifications/{notification.template}/"
    subject = _one_line(_text(base + "subject.txt", context), 200)
    text = _text(base + "body.txt", context)
    message = EmailMultiAlternatives(
        subject=f"[{context['site_name']}] {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Auto-Submitted": "auto-generated", "X-Concertation-Reference": str(notification.pk)},
    )
    try:
        html = render_to_string(base + "body.html", context)
    except TemplateDoesNotExist:
        html = ""
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send(fail_silently=False)
    except Exception as exc:
        if type(exc).__name__ == "SMTPRecipientsRefused":
            raise sms.PermanentError(f"address refused by the mail server: {exc}") from exc
        raise
    return subject


def _send_sms(notification: Notification, context: dict) -> str:
    to = address_of(notification)
    if not to:
        raise sms.PermanentError("no mobile phone number in the profile")
    text = _text(_first_existing(notification, "sms.txt", "subject.txt"), context).strip()
    text = re.sub(r"[ \t]+", " ", text)
    if len(text) > SMS_MAX_LENGTH:
        text = text[: SMS_MAX_LENGTH - 1].rstrip() + "…"
    # The same reference on every attempt: a gateway that deduplicates drops a retried duplicate.
    sms.get_backend().send(to, text, reference=f"notification-{notification.pk}")
    return _subject_line(notification, context)


def _subject_line(notification: Notification, context: dict) -> str:
    """What the admin's delivery list may show of an SMS: its subject, never its text."""
    try:
        return _one_line(_text(f"notifications/{notification.template}/subject.txt", context), 200)
    except TemplateDoesNotExist:
        return ""
