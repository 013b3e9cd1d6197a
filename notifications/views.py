from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import journal
from accounts.decorators import access_required
from core.pagination import keyset_page
from notifications import services
from notifications.forms import NotificationFilter, PreferenceForm
from notifications.models import Notification, NotificationPreference

INBOX_PAGE_SIZE = 20
# A phone screen's worth of rows; "Older messages" loads the next ones in place.
ADMIN_PAGE_SIZE = 25
DELIVERY_COLUMNS = (
    *("pk", "recipient__full_name", "recipient__email", "address", "channel", "kind", "due_at", "status"),
    *("attempts", "last_error", "sent_at", "subject"),
)
# A pending message this late means no sweeper is running: the admin list says so.
OVERDUE_AFTER = timedelta(minutes=5)
FAILED_COUNT_CAP = 999  # the card then reads "999+"


def _own_message(request, pk) -> Notification:
    # Someone else's message is "not found", not "forbidden": its existence is not ours to reveal.
    return get_object_or_404(Notification.objects.inbox_of(request.user), pk=pk)


# --- the bell and the inbox ------------------------------------------------------------------------------


@access_required
def bell(request):
    """The navbar bell alone, polled by htmx every minute (X-Background: not user activity)."""
    return render(request, "notifications/_bell.html")


def _render_inbox(request, *, rows_only: bool):
    """Newest first, paged by id (keyset, no COUNT): as quick with years of messages as with ten."""
    # The page's ids first, from the inbox index alone (an index-only scan), then their rows: asked
    # for whole rows newest first, PostgreSQL may walk the primary key backwards expecting the
    # user's messages to be spread evenly among everyone's, and read 200,000 rows of others'
    # messages to find 51 (37 ms for an AC with 5,000 messages among 20 million; 0.3 ms this way).
    page = keyset_page(
        Notification.objects.inbox_of(request.user),
        request.GET.get("before"),
        INBOX_PAGE_SIZE,
        fetch=lambda ids: Notification.objects.filter(id__in=ids.values("id")).order_by("-id"),
    )
    context = {"items": page.object_list, "next_before": page.next_before, "is_first_page": page.is_first}
    return render(request, "notifications/_inbox_rows.html" if rows_only else "notifications/inbox.html", context)


@access_required
def inbox(request):
    return _render_inbox(request, rows_only=bool(request.htmx))


def _safe_link(request, link: str) -> str:
    """Follow a message's link only inside this site (a message must not become an open redirect)."""
    local = link.removeprefix(settings.SITE_URL) if link.startswith(settings.SITE_URL + "/") else link
    if local and url_has_allowed_host_and_scheme(local, allowed_hosts={request.get_host()}, require_https=False):
        return local
    return reverse("notifications:inbox")


@access_required
@require_POST
def open_message(request, pk):
    message = _own_message(request, pk)
    message.mark_read()
    return redirect(_safe_link(request, message.link))


@access_required
@require_POST
def mark_read(request, pk):
    _own_message(request, pk).mark_read()
    if request.htmx:
        return _render_inbox(request, rows_only=True)
    return redirect("notifications:inbox")


@access_required
@require_POST
def mark_all_read(request):
    count = Notification.objects.inbox_of(request.user).unread().update(read_at=timezone.now())
    if count:
        messages.success(request, _("All messages are marked as read."))
    return redirect("notifications:inbox")


# --- preferences ---------------------------------------------------------------------------------------------


@access_required
def preferences(request):
    """The form also sits in the profile page (a profile section); this page shows its errors."""
    preference = NotificationPreference.objects.filter(user=request.user).first()
    form = PreferenceForm(request.POST or None, user=request.user, preference=preference)
    if request.method == "POST" and form.is_valid():
        form.save_to(preference or NotificationPreference(user=request.user)).save()
        messages.success(request, _("Your notification preferences are saved."))
        return redirect(reverse("accounts:profile") + "#notifications-title")
    return render(request, "notifications/preferences.html", {"form": form})


@access_required
@require_POST
def send_test(request):
    """Send a test message on every channel the person can receive (at most one a minute)."""
    user = request.user
    now = timezone.now()
    channels = ["email", "in_app"] + (["sms"] if user.phone else [])
    services.notify(
        user,
        kind="test_message",
        template="test_message",
        context={"requested_at": now, "url": settings.SITE_URL + reverse("notifications:inbox")},
        dedupe_key=f"test:{user.pk}:{timezone.localtime(now):%Y%m%d%H%M}",
        channels=channels,
    )
    messages.success(request, _("A test message is on its way. It arrives within a minute."))
    return redirect(reverse("accounts:profile") + "#notifications-title")


# --- the admin's delivery list ---------------------------------------------------------------------------------


def _delivery_summary() -> dict:
    """Three numbers that say whether delivery works, in one query over the small partial indexes.

    Failed messages stay (until the retention purge): their count is capped like the bell's, so the
    card costs the same after ten years of them (2,000 entries of the index at scale 1, 40,000 at
    scale 20). Pending and interrupted messages are few by nature."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT
                (SELECT count(*) FROM notifications_notification
                  WHERE status = 'pending' AND next_attempt_at <= %s),
                (SELECT count(*) FROM notifications_notification
                  WHERE status = 'sending' AND claimed_until < %s),
                (SELECT count(*) FROM (SELECT 1 FROM notifications_notification WHERE status = 'failed'
                  LIMIT %s) AS failed)""",
            [now - OVERDUE_AFTER, now, FAILED_COUNT_CAP + 1],
        )
        overdue, stuck, failed = cursor.fetchone()
    return {"overdue": overdue, "stuck": stuck, "failed": failed, "failed_cap": FAILED_COUNT_CAP}


@access_required
def admin_list(request):
    """Newest first, paged by id (keyset): as fast over millions of rows as over ten.

    Shows delivery facts (to whom, when, which channel, status, error) and the subject line —
    never bodies or the stored context of other people's messages.
    """
    filters = NotificationFilter(request.GET or None, queryset=Notification.objects.all())
    # Plain rows of the columns the list shows (never the stored context), rendered by
    # {% delivery_rows %}: model instances of messages and recipients cost a third of the page.
    # Fields with an invalid value are shown with their error and not applied (filters.qs).
    page = keyset_page(
        filters.qs,
        request.GET.get("before"),
        ADMIN_PAGE_SIZE,
        fetch=lambda window: window.values_list(*DELIVERY_COLUMNS, named=True),
    )
    applied = {key: value for key, value in request.GET.items() if value and key in filters.filters}
    journal.record(
        request,
        journal.SEARCH if applied else journal.LIST,
        code="notifications.search" if applied else "notifications.list",
        params={"filters": applied} if applied else None,
    )
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "filter": filters,
        "rows": page.object_list,
        "next_before": page.next_before,
        "query": query.urlencode(),
        "summary": _delivery_summary() if page.is_first else None,
    }
    template = (
        "notifications/_admin_rows.html" if request.htmx and not page.is_first else "notifications/admin_list.html"
    )
    return render(request, template, context)


@access_required
@require_POST
def admin_retry(request, pk):
    notification = get_object_or_404(Notification, pk=pk)
    if notification.status != Notification.Status.FAILED:
        messages.error(request, _("Only a failed message can be sent again."))
    else:
        services.retry(notification)
        journal.record(
            request,
            journal.UPDATE,
            notification,
            "notification.retry",
            params={"id": notification.pk, "channel": journal.choice(notification, "channel")},
        )
        messages.success(request, _("The message will be sent again within a minute."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("notifications:admin_list")
    return redirect(target)
