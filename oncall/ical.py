"""iCalendar (RFC 5545) feeds of the rota, with an explicit VTIMEZONE for Europe/Brussels.

The VTIMEZONE states the EU rule (last Sunday of March 02:00 → CEST, last Sunday of October 03:00
→ CET) as RRULEs, as Outlook and Google Calendar write it, so it stays right after 2038.
"""

from datetime import datetime, timedelta

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from oncall.models import Layer, Shift

PRODID = "-//Police zone 5344//Concertation on-call rota//FR"
TZID = "Europe/Brussels"


def brussels_vtimezone() -> icalendar.Timezone:
    zone = icalendar.Timezone()
    zone.add("tzid", TZID)
    zone.add("x-lic-location", TZID)
    summer = icalendar.TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", timedelta(hours=1))
    summer.add("tzoffsetto", timedelta(hours=2))
    summer.add("dtstart", datetime(1981, 3, 29, 2, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = icalendar.TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", timedelta(hours=2))
    winter.add("tzoffsetto", timedelta(hours=1))
    winter.add("dtstart", datetime(1996, 10, 27, 3, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def feed(shifts, *, language: str, personal: bool) -> bytes:
    """A VCALENDAR with one VEVENT per shift; times are local with TZID=Europe/Brussels."""
    with translation.override(language):
        name = _("My permanences") if personal else _("On-call rota")
        calendar = icalendar.Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", TZID)
        calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add_component(brussels_vtimezone())
        stamp = timezone.now()
        for shift in shifts:
            event = icalendar.Event()
            event.add("uid", f"shift-{shift.pk}@{settings.SITE_URL.split('://')[-1]}")
            event.add("dtstamp", stamp)
            event.add("dtstart", _local(shift.starts_at))
            event.add("dtend", _local(shift.ends_at))
            event.add("last-modified", shift.created_at)
            layer = _("Permanence") if shift.role == Layer.PRIMARY else _("Backup permanence")
            event.add("summary", layer if personal else f"{layer} – {shift.assistant.full_name}")
            event.add("categories", [_("On call")])
            event.add("transp", "OPAQUE")
            event.add("url", settings.SITE_URL + reverse("oncall:shift_detail", kwargs={"pk": shift.pk}))
            if shift.note:
                event.add("description", shift.note)
            calendar.add_component(event)
        return calendar.to_ical()


def feed_shifts(*, user=None):
    """Shifts in a feed: from 60 days ago to a year ahead (calendar apps re-read the whole feed)."""
    now = timezone.now()
    shifts = Shift.objects.overlapping(now - timedelta(days=60), now + timedelta(days=366)).select_related("assistant")
    if user is not None:
        shifts = shifts.of(user)
    return shifts.order_by("starts_at")
