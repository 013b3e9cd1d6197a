"""The week and month calendars as a reader sees them: each day's shifts cut at local midnight, with
the right wall-clock labels on the nights the clocks change, primary before backup, links only for
those who may open a shift, and names escaped."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from oncall.models import Shift
from oncall.tests.factories import AssistantFactory, ShiftFactory, local

pytestmark = pytest.mark.django_db


class Grid(HTMLParser):
    """{day: [(time label, name, layer label, link or "")]} read from the calendar's day sections."""

    def __init__(self):
        super().__init__()
        self.days, self.day, self.segment, self.part, self.holidays = {}, None, None, None, set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section" and "oc-day" in classes:
            self.day = attrs["aria-labelledby"].split("-", 1)[1]
            self.days[self.day] = []
        elif "oc-seg" in classes:
            self.segment = {"time": "", "name": "", "layer": "", "href": attrs.get("href", "")}
            self.segment["backup"] = "oc-backup" in classes
        elif self.segment is not None and tag == "span":
            self.part = classes[0].removeprefix("oc-seg-")
        elif "oc-holiday" in classes:
            self.holidays.add(self.day)

    def handle_endtag(self, tag):
        if self.segment is not None and tag in ("a", "div"):
            s = self.segment
            self.days[self.day].append((s["time"], s["name"], s["layer"], s["href"]))
            self.segment = None
        self.part = None

    def handle_data(self, data):
        if self.segment is not None and self.part:
            self.segment[self.part] += data


def grid(client, url) -> Grid:
    response = client.get(url)
    assert response.status_code == 200
    parser = Grid()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def people():
    return {
        name.split()[0]: AssistantFactory(full_name=name)
        for name in ("Anne Dubois", "Bart Peeters", "Chloé Lambert", "Driss Benali")
    }


def shift(assistant, start, end, role="primary", source=Shift.Source.MANUAL) -> Shift:
    return ShiftFactory(assistant=assistant, starts_at=start, ends_at=end, role=role, source=source)


@time_machine.travel(local(2026, 3, 25, 14), tick=False)
def test_the_week_of_the_spring_change_cuts_shifts_at_local_midnight(client_as, people):
    anne, bart, chloe, driss = people.values()
    s1 = shift(anne, local(2026, 3, 28, 7), local(2026, 3, 28, 19))
    s2 = shift(bart, local(2026, 3, 28, 19), local(2026, 3, 29, 7))  # eleven real hours
    s3 = shift(anne, local(2026, 3, 29, 7), local(2026, 3, 29, 19))
    s4 = shift(bart, local(2026, 3, 29, 19), local(2026, 3, 30, 7))
    s5 = shift(anne, local(2026, 3, 27, 12), local(2026, 3, 28, 0), source=Shift.Source.OVERRIDE)
    b1 = shift(driss, local(2026, 3, 25, 7), local(2026, 3, 27, 7), role="backup")
    b2 = shift(chloe, local(2026, 3, 28, 7), local(2026, 3, 29, 7), role="backup")
    b3 = shift(driss, local(2026, 3, 29, 7), local(2026, 3, 30, 7), role="backup")

    days = grid(client_as("assistant"), reverse("oncall:rota") + "?date=2026-03-25").days

    def link(s):
        return reverse("oncall:shift_detail", kwargs={"pk": s.pk})

    assert list(days) == [f"2026-03-{n}" for n in range(23, 30)]
    assert days["2026-03-23"] == days["2026-03-24"] == []
    assert days["2026-03-25"] == [("dès 07:00", "Driss Benali", "réserve", link(b1))]
    assert days["2026-03-26"] == [("toute la journée", "Driss Benali", "réserve", link(b1))]
    assert days["2026-03-27"] == [
        ("12:00–00:00", "Anne Dubois", "principale · remplacement", link(s5)),
        ("jusqu'à 07:00", "Driss Benali", "réserve", link(b1)),
    ]
    assert days["2026-03-28"] == [
        ("07:00–19:00", "Anne Dubois", "principale", link(s1)),
        ("dès 19:00", "Bart Peeters", "principale", link(s2)),
        ("dès 07:00", "Chloé Lambert", "réserve", link(b2)),
    ]
    assert days["2026-03-29"] == [  # 23 hours long: 02:00 does not exist
        ("jusqu'à 07:00", "Bart Peeters", "principale", link(s2)),
        ("07:00–19:00", "Anne Dubois", "principale", link(s3)),
        ("dès 19:00", "Bart Peeters", "principale", link(s4)),
        ("jusqu'à 07:00", "Chloé Lambert", "réserve", link(b2)),
        ("dès 07:00", "Driss Benali", "réserve", link(b3)),
    ]


@time_machine.travel(local(2026, 10, 20, 14), tick=False)
def test_the_month_of_the_autumn_change_labels_the_long_night_in_wall_clock_time(client_as, people):
    anne, bart, chloe, _driss = people.values()
    shift(anne, local(2026, 10, 24, 19), local(2026, 10, 25, 7))  # thirteen real hours
    # 01:00 summer time → 05:00 winter time: the hour from 02:00 to 03:00 is lived twice.
    shift(chloe, local(2026, 10, 25, 1), local(2026, 10, 25, 5), role="backup")
    shift(bart, local(2026, 10, 25, 7), local(2026, 10, 27, 7))
    shift(anne, local(2026, 9, 30, 19), local(2026, 10, 1, 7))

    parsed = grid(client_as("chef"), reverse("oncall:month") + "?date=2026-10-01")
    days = parsed.days

    assert list(days)[0] == "2026-09-28" and list(days)[-1] == "2026-11-01" and len(days) == 35
    assert days["2026-09-30"] == [("dès 19:00", "Anne Dubois", "principale", "")]
    assert days["2026-10-01"] == [("jusqu'à 07:00", "Anne Dubois", "principale", "")]
    assert days["2026-10-24"] == [("dès 19:00", "Anne Dubois", "principale", "")]
    assert days["2026-10-25"] == [  # 25 hours long
        ("jusqu'à 07:00", "Anne Dubois", "principale", ""),
        ("dès 07:00", "Bart Peeters", "principale", ""),
        ("01:00–05:00", "Chloé Lambert", "réserve", ""),
    ]
    assert days["2026-10-26"] == [("toute la journée", "Bart Peeters", "principale", "")]
    assert days["2026-10-27"] == [("jusqu'à 07:00", "Bart Peeters", "principale", "")]
    assert parsed.holidays == {"2026-11-01"}  # All Saints' Day


@time_machine.travel(local(2026, 10, 20, 14), tick=False)
def test_a_shift_starting_at_midnight_shows_its_start_not_a_continuation(client_as, people):
    shift(people["Anne"], local(2026, 10, 21, 0), local(2026, 10, 21, 7))
    shift(people["Bart"], local(2026, 10, 23, 0), local(2026, 10, 24, 7))
    shift(people["Chloé"], local(2026, 10, 24, 7), local(2026, 10, 25, 7), role="backup")

    days = grid(client_as("chef"), reverse("oncall:rota") + "?date=2026-10-21").days

    assert days["2026-10-21"] == [("00:00–07:00", "Anne Dubois", "principale", "")]
    assert days["2026-10-23"] == [("dès 00:00", "Bart Peeters", "principale", "")]
    assert days["2026-10-24"] == [
        ("jusqu'à 07:00", "Bart Peeters", "principale", ""),
        ("dès 07:00", "Chloé Lambert", "réserve", ""),
    ]


@time_machine.travel(local(2026, 10, 20, 14), tick=False)
def test_a_day_without_anyone_says_so_and_names_are_escaped(client_as, people):
    odd = AssistantFactory(full_name="Eve <b>O'Neil</b> & co")
    shift(odd, local(2026, 10, 21, 9), local(2026, 10, 21, 17))

    response = client_as("assistant").get(reverse("oncall:rota") + "?date=2026-10-21")
    text = response.content.decode()

    assert "Eve &lt;b&gt;O&#x27;Neil&lt;/b&gt; &amp; co" in text and "<b>O'Neil" not in text
    assert text.count("Personne de garde") == 6
    assert grid(client_as("assistant"), reverse("oncall:rota") + "?date=2026-10-21").days["2026-10-21"] == [
        (
            "09:00–17:00",
            "Eve <b>O'Neil</b> & co",
            "principale",
            reverse("oncall:shift_detail", args=[odd.shifts.get().pk]),
        )
    ]


@time_machine.travel(local(2026, 3, 25, 14), tick=False)
def test_the_calendar_reads_in_dutch_and_marks_today(client_as, people):
    shift(people["Anne"], local(2026, 3, 24, 19), local(2026, 3, 25, 7))
    shift(people["Bart"], local(2026, 3, 25, 7), local(2026, 3, 28, 7), role="backup")

    client = client_as("assistant", language="nl")
    days = grid(client, reverse("oncall:rota") + "?date=2026-03-25").days
    text = client.get(reverse("oncall:rota") + "?date=2026-03-25").content.decode()

    assert days["2026-03-25"][0][:3] == ("tot 07:00", "Anne Dubois", "hoofd")
    assert days["2026-03-26"][0][:3] == ("hele dag", "Bart Peeters", "reserve")
    assert "woensdag 25 maart" in text and "vandaag" in text


@time_machine.travel(local(2026, 3, 25, 14), tick=False)
def test_mine_keeps_only_my_shifts_and_the_filter_in_the_links(client_as, people):
    shift(people["Anne"], local(2026, 3, 25, 7), local(2026, 3, 25, 19))
    shift(people["Bart"], local(2026, 3, 25, 19), local(2026, 3, 26, 7))
    client = client_as(user=people["Bart"])

    days = grid(client, reverse("oncall:month") + "?date=2026-03-01&mine=1").days

    assert [s[1] for d in days.values() for s in d] == ["Bart Peeters", "Bart Peeters"]
    text = client.get(reverse("oncall:month") + "?date=2026-03-01&mine=1").content.decode()
    assert 'href="/oncall/day/?date=2026-03-25&amp;mine=1"' in text


def test_the_calendars_stay_within_their_query_budget(client_as, people, django_assert_max_num_queries):
    start = local(2026, 3, 2, 7)
    for n in range(10):
        shift(
            people["Anne" if n % 2 else "Bart"], start + timedelta(hours=12 * n), start + timedelta(hours=12 * n + 12)
        )
    client = client_as("assistant")
    for url in (reverse("oncall:rota") + "?date=2026-03-02", reverse("oncall:month") + "?date=2026-03-01"):
        client.get(url)
        with django_assert_max_num_queries(10):
            client.get(url)
