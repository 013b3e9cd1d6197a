"""The bell's unread count, for the navbar on every page.

Lazy: the query runs only when a template reads the count, once per request, and counts at most
100 rows (the badge shows "99+") over the small partial index of unread in-app messages.
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
        return Notification.objects.inbox_of(user).unread().values("id")[: BADGE_CAP + 1].count()

    return {"unread_notifications": unread_notifications, "unread_badge_cap": BADGE_CAP}
