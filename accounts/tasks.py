from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone

from accounts.models import UserSession


@shared_task(ignore_result=True)
def clear_expired_sessions() -> str:
    """Delete sessions past their expiry or past the absolute limit, and the rows listing them in
    profiles. Safe to run twice: it only deletes what can no longer be used."""
    now = timezone.now()
    too_old = UserSession.objects.filter(created_at__lt=now - timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT))
    Session.objects.filter(Q(expire_date__lt=now) | Q(session_key__in=too_old.values("session_key"))).delete()
    ended, _detail = UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    return f"{ended} sessions ended"
