"""``{% load notifications %}``: ``{{ starts_at|when }}`` renders a date-time stored in a
notification's JSON context (an ISO string) as a Brussels local time in the active language.

    {{ starts_at|when }}          mardi 31 mars 2026 à 08:00
    {{ starts_at|when:"short" }}  mar 31 mars, 08:00   (SMS, lists)
    {{ starts_at|when:"date" }}   mardi 31 mars 2026
    {{ starts_at|when:"time" }}   08:00
"""

from datetime import date, datetime
from functools import lru_cache
from html import escape
from urllib.parse import quote as urlquote

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from core.templatetags.ui import field

register = template.Library()


def _parse(value):
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_date(value) if len(value) == 10 else parse_datetime(value)
    except ValueError:
        return None


@lru_cache(maxsize=16)
def _short_names(language: str | None) -> tuple[list[str], dict[int, str]]:
    """The abbreviated weekdays and the month names of ``language`` (the active one), as the date
    format characters "D" and "F" write them: read once per language, not twice per date."""
    return [str(WEEKDAYS_ABBR[n]) for n in range(7)], {n: str(MONTHS[n]) for n in range(1, 13)}


def _short(local: datetime, names) -> str:
    """date_format(local, "D j F") + ", " + date_format(local, "H:i"), without parsing the format."""
    days, months = names
    return f"{days[local.weekday()]} {local.day} {months[local.month]}, {local.hour:02d}:{local.minute:02d}"


@register.filter
def when(value, style: str = "long") -> str:
    moment = _parse(value)
    if moment is None:
        return "" if value in (None, "") else str(value)
    if not isinstance(moment, datetime):
        return date_format(moment, "D j F" if style == "short" else "l j F Y")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    local = timezone.localtime(moment)
    # The short form and the time are written without date_format's per-call format parsing: the
    # short form is on every row of the inbox and of the delivery list.
    if style == "short":
        return _short(local, _short_names(get_language()))
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if style == "time":
        return clock
    if style == "date":
        return date_format(local, "l j F Y")
    return _("%(date)s at %(time)s") % {"date": date_format(local, "l j F Y"), "time": clock}


@register.filter
def kind_label(code: str) -> str:
    """The label a kind of message was registered with (its code when unknown)."""
    from notifications import kinds

    kind = kinds.KINDS.get(code)
    return str(kind.label) if kind else code


# --- rows of the inbox and of the delivery list -------------------------------------------------------------
# Built in Python rather than in the template: the template engine spent 40–50 µs per row on them
# (a dozen lookups, translations, URLs and two forms each), more than the whole framework floor for a
# page of 20 or 25 rows. The markup is what the templates rendered; every value is escaped.


def _csrf_input(context) -> str:
    token = context.get("csrf_token")
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">' if token else ""


class _Moments:
    """The <time> element of a date-time in a list: its Brussels ISO form and its short label. The
    time zone and the language's names are looked up once per list, not per value."""

    def __init__(self):
        self.tz, self.names = timezone.get_current_timezone(), _short_names(get_language())

    def __call__(self, moment) -> str:
        if moment is None:
            return '<time datetime=""></time>'
        local = moment.astimezone(self.tz)
        return f'<time datetime="{local.isoformat()}">{escape(_short(local, self.names))}</time>'


@register.simple_tag(takes_context=True)
def inbox_items(context, items) -> str:
    """The inbox's list items: the subject, when it arrived, "Open" when it has a link and "Mark as
    read" (htmx in place) while it is unread."""
    request = context.get("request")
    csrf = _csrf_input(context)
    # gettext calls outside the f-strings: makemessages does not look inside them.
    unread, open_label, read_label = escape(_("Unread:")), escape(_("Open")), escape(_("Mark as read"))
    unread_mark = f'<span class="visually-hidden">{unread}</span>'
    open_button = (
        '<button type="submit" class="btn btn-primary"><i class="bi bi-box-arrow-up-right" aria-hidden="true"></i> '
        f"{open_label}</button>"
    )
    read_button = (
        '<button type="submit" class="btn btn-outline-secondary"><i class="bi bi-check2" aria-hidden="true"></i> '
        f"{read_label}</button>"
    )
    open_url = reverse("notifications:open_message", kwargs={"pk": 0}).replace("/0/", "/{}/")
    read_url = reverse("notifications:mark_read", kwargs={"pk": 0}).replace("/0/", "/{}/")
    before = request.GET.get("before", "") if request is not None else ""
    keep_page = f"?before={escape(urlquote(before))}" if before else ""
    parts, moment = [], _Moments()
    for item in items:
        is_unread = item.read_at is None
        buttons = ""
        if item.link:
            buttons += f'<form method="post" action="{open_url.format(item.pk)}">{csrf}{open_button}</form>'
        if is_unread:
            url = read_url.format(item.pk)
            buttons += (
                f'<form method="post" action="{url}" hx-post="{url}{keep_page}" hx-target="#inbox-rows">'
                f"{csrf}{read_button}</form>"
            )
        parts.append(
            f'<li class="list-group-item inbox-item{" is-unread" if is_unread else ""}">'
            '<div class="d-flex gap-2 align-items-start"><span class="inbox-dot mt-2" aria-hidden="true"></span>'
            '<div class="flex-grow-1 min-w-0"><p class="mb-1 inbox-line text-break">'
            f"{unread_mark if is_unread else ''}{escape(item.subject)}</p>"
            f'<p class="small text-body-secondary mb-2">{moment(item.sent_at)}</p>'
            f'<div class="d-flex flex-wrap gap-2">{buttons}</div></div></div></li>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _recipient(row) -> str:
    """Notification.recipient_label for a row read with values_list."""
    if row.recipient__email is not None:  # a recipient account
        return row.recipient__full_name or row.recipient__email
    return row.address


@register.simple_tag(takes_context=True)
def delivery_rows(context, rows) -> str:
    """The delivery list's table rows (read with the view's DELIVERY_COLUMNS): due, status, channel,
    recipient, kind and subject, sent, attempts and error, with "Send again" on failed messages
    (back to the same list)."""
    from notifications import kinds
    from notifications.models import Notification

    statuses = {code: escape(str(label)) for code, label in Notification.Status.choices}
    channels = {code: escape(str(label)) for code, label in Notification.Channel.choices}
    kind_labels = {code: escape(str(kind.label)) for code, kind in kinds.KINDS.items()}
    due, status, channel, recipient = (
        escape(_("Due")),
        escape(_("Status")),
        escape(_("Channel")),
        escape(_("Recipient")),
    )
    kind, sent, attempts = (
        escape(_("Kind and subject")),
        escape(pgettext("message status", "Sent")),
        escape(_("Attempts and error")),
    )
    retry_url = reverse("notifications:admin_retry", kwargs={"pk": 0}).replace("/0/", "/{}/")
    request, retry_label = context.get("request"), escape(_("Send again"))
    retry_form = (
        '<form method="post" action="{url}" class="mt-1">'
        + _csrf_input(context)
        + f'<input type="hidden" name="next" value="{escape(request.get_full_path() if request else "")}">'
        '<button type="submit" class="btn btn-outline-primary"><i class="bi bi-arrow-clockwise" aria-hidden="true">'
        f"</i> {retry_label}</button></form>"
    )
    parts, moment = [], _Moments()
    for row in rows:
        error = f" · {escape(Truncator(row.last_error).chars(160))}" if row.last_error else ""
        retry = retry_form.format(url=retry_url.format(row.pk)) if row.status == Notification.Status.FAILED else ""
        parts.append(
            f'<tr><td class="text-nowrap small" data-label="{due}">{moment(row.due_at)}</td>'
            f'<td data-label="{status}"><span class="badge delivery-{escape(row.status)}">'
            f"{statuses.get(row.status, escape(row.status))}</span></td>"
            f'<td class="small" data-label="{channel}">{channels.get(row.channel, escape(row.channel))}</td>'
            f'<td class="text-break small" data-label="{recipient}">{escape(_recipient(row))}</td>'
            f'<td class="text-break small" data-label="{kind}"><div><span class="d-block text-body-secondary">'
            f"{kind_labels.get(row.kind) or escape(row.kind)}</span> {escape(row.subject)}</div></td>"
            f'<td class="text-nowrap small" data-label="{sent}">{moment(row.sent_at) if row.sent_at else "—"}</td>'
            f'<td class="text-break small" data-label="{attempts}"><div>{row.attempts}{error}{retry}</div></td></tr>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


# Bootstrap columns of the delivery list's six filters (status, channel, kind, recipient, from, until).
FILTER_COLUMNS = (
    "col-6 col-md-4 col-lg-2",
    "col-6 col-md-4 col-lg-1",
    "col-12 col-md-4 col-lg-2",
    "col-12 col-md-4 col-lg-2",
    "col-6 col-md-4 col-lg-2",
    "col-6 col-md-4 col-lg-2",
)


@register.simple_tag
def delivery_filter_fields(form) -> str:
    """The delivery list's six filters in their Bootstrap columns, each as ``{% field %}`` renders
    it (label, widget in Python, errors tied to it by aria-describedby)."""
    return format_html_join(
        "", '<div class="{}">{}</div>', zip(FILTER_COLUMNS, (field(bound) for bound in form), strict=True)
    )
