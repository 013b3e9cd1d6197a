"""``{% load notifications %}``: ``{{ starts_at|when }}`` renders a date-time stored in a
notification's JSON context (an ISO string) as a Brussels local time in the active language.

    {{ starts_at|when }}          mardi 31 mars 2026 à 08:00
    {{ starts_at|when:"short" }}  mar 31 mars, 08:00   (SMS, lists)
    {{ starts_at|when:"date" }}   mardi 31 mars 2026
    {{ starts_at|when:"time" }}   08:00
"""

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

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
    clock = date_format(local, "H:i")
    if style == "time":
        return clock
    if style == "date":
        return date_format(local, "l j F Y")
    if style == "short":
        return f"{date_format(local, 'D j F')}, {clock}"
    return _("%(date)s at %(time)s") % {"date": date_format(local, "l j F Y"), "time": clock}


@register.filter
def kind_label(code: str) -> str:
    """The label a kind of message was registered with (its code when unknown)."""
    from notifications import kinds

    kind = kinds.KINDS.get(code)
    return str(kind.label) if kind else code
