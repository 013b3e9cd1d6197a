"""The rota's additions to the home page and the profile (accounts.extensions)."""

from datetime import timedelta

from django.utils import timezone

from accounts import roles
from accounts.extensions import home_card, profile_section
from oncall.models import CalendarFeed, Shift, SwapRequest


@home_card(order=10)
def my_next_shifts(request):
    """An assistant's shifts of the next 90 days (a continuing piece of the same shift is merged)."""
    user = request.user
    if not user.has_role(roles.ASSISTANT):
        return None
    now = timezone.now()
    shifts = list(Shift.objects.of(user).upcoming(now).filter(starts_at__lt=now + timedelta(days=90))[:12])
    merged = []
    for shift in shifts:
        if merged and merged[-1]["role"] == shift.role and merged[-1]["ends_at"] == shift.starts_at:
            merged[-1]["ends_at"] = shift.ends_at
        else:
            merged.append(
                {
                    "pk": shift.pk,
                    "role": shift.role,
                    "role_label": shift.get_role_display(),
                    "starts_at": shift.starts_at,
                    "ends_at": shift.ends_at,
                    "is_now": shift.starts_at <= now,
                }
            )
    open_swaps = SwapRequest.objects.open().filter(starts_at__gt=now).exclude(requester=user).count()
    return {"template": "oncall/_home_card.html", "shifts": merged[:8], "open_swaps": open_swaps}


@profile_section(order=20)
def calendar_link(request):
    if not roles.can_open(request.user, "oncall:calendar_feeds"):
        return None
    feed = CalendarFeed.objects.valid().filter(user=request.user).first()
    return {"template": "oncall/_profile_calendar.html", "feed": feed}
