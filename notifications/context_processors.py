"""The bell's unread count, for the navbar on every page.

Lazy: the query runs only when a template reads the count, once per request. A plain COUNT whose
condition is exactly the partial index of unread in-app messages: PostgreSQL always reads that small
index. (A capped "COUNT over LIMIT 100" let the planner walk the primary key backwards through
every row of the table for someone with no unread message.)
"""

from functools import cache

from notifications.models import Notification

BADGE_CAP = 99


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread_notifications() -> int:
        return Notification.objects.filter(
            recipient=user, channel=Notification.Channel.IN_APP, status=Notification.Status.SENT, read_at__isnull=True
        ).count()

    return {"unread_notifications": unread_notifications, "unread_badge_cap": BADGE_CAP}
