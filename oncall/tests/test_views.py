"""The rota's pages as each user sees them: content, permissions, journal, query budgets."""

from datetime import date, time, timedelta

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccessEvent
from oncall import services
from oncall.models import Absence, ApiToken, CalendarFeed, Rotation, Shift
from oncall.tests.factories import AbsenceFactory, AssistantFactory, RotationFactory, ShiftFactory, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
NOW = local(2026, 3, 25, 14)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team():
    names = ("Anne Dubois", "Bart Peeters", "Chloé Lambert", "Driss Benali")
    return [AssistantFactory(full_name=name, phone=f"+3247012345{i}") for i, name in enumerate(names)]


@pytest.fixture
def rota(team):
    rotation = RotationFactory(
        name="Permanence", handover_weekday=0, handover_time=time(9), start_date=date(2026, 3, 2), assistants=team
    )
    backup = RotationFactory(
        name="Backup",
        layer="backup",
        handover_weekday=0,
        handover_time=time(9),
        start_date=date(2026, 3, 2),
        assistants=[team[2], team[3], team[0], team[1]],
    )
    for r in (rotation, backup):
        services.generate_shifts(r, from_at=local(2026, 3, 2), until=local(2026, 5, 4, 9), backfill=True)
    return rotation


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_week_calendar_shows_each_day_with_names_and_layers(client_as, rota, team):
    response = client_as("assistant").get(reverse("oncall:rota") + "?date=2026-03-25")
    text = response.content.decode()
    assert "Driss Benali" in text and "Bart Peeters" in text  # primary and backup of week 13
    assert text.count('<section class="oc-day') == 7
    assert "oc-c" in text


def test_calendar_pages_keep_a_constant_query_count_as_the_rota_grows(client_as, team):
    client = client_as("assistant")
    urls = [reverse(name) + "?date=2026-03-25" for name in ("oncall:rota", "oncall:month", "oncall:day")]
    ShiftFactory(assistant=team[0], starts_at=local(2026, 3, 23, 9), ends_at=local(2026, 3, 30, 9))
    small = [queries(client, url) for url in urls]
    start = local(2026, 3, 30, 9)
    for week in range(60):
        ShiftFactory(
            assistant=team[week % 4],
            starts_at=start + timedelta(weeks=week),
            ends_at=start + timedelta(weeks=week + 1),
        )
        ShiftFactory(
            assistant=team[(week + 1) % 4],
            role="backup",
            starts_at=local(2026, 3, 2) + timedelta(hours=week),
            ends_at=local(2026, 3, 2) + timedelta(hours=week + 1),
        )
    large = [queries(client, url) for url in urls]
    assert large == small
    assert max(large) <= 20


def test_month_calendar_lists_the_days_of_the_month(client_as, rota):
    text = client_as("chef").get(reverse("oncall:month") + "?date=2026-03-01").content.decode()
    assert "mars 2026" in text.lower() or "march 2026" in text.lower()
    assert "Driss Benali" in text


def test_day_timeline_draws_bars_for_both_layers(client_as, rota):
    text = client_as("assistant").get(reverse("oncall:day") + "?date=2026-03-29").content.decode()
    assert text.count("<rect") == 2
    assert "Driss Benali" in text and "Bart Peeters" in text
    assert 'x="0.000%"' in text and 'width="100.000%"' in text  # the whole 23-hour day
    assert '<span class="oc-seg-name">Driss Benali</span>' in text  # the lists below, as HTML
    assert "&lt;span" not in text


def test_mine_shows_only_my_shifts(client_as, rota, team):
    client = client_as(user=team[1])
    text = client.get(reverse("oncall:month") + "?date=2026-03-01&mine=1").content.decode()
    assert "Bart Peeters" in text and "Chloé Lambert" not in text


def test_dispatch_sees_who_is_on_call_with_tap_to_call_numbers_and_the_next_handover(client_as, rota, team):
    text = client_as("dispatch").get(reverse("oncall:now")).content.decode()
    primary, backup = text.split("Backup", 1) if "Backup" in text else text.split("Réserve", 1)
    assert "Driss Benali" in primary and 'href="tel:+32470123453"' in primary  # week of 23 March
    assert "Anne Dubois" in primary  # next primary from Monday 30 March 09:00
    assert "Bart Peeters" in backup and 'href="tel:+32470123451"' in backup
    assert "Chloé Lambert" in backup  # next backup
    assert "30 mar" in primary.lower() and "09:00" in primary


def test_now_shows_the_buttons_later_apps_register(client_as, rota, monkeypatch):
    from oncall import extensions

    monkeypatch.setattr(extensions, "NOW_ACTIONS", [])
    extensions.now_action(
        lambda request: {"label": "Page the on-call AC", "url": "/victims/page/", "icon": "megaphone"}
    )
    text = client_as("dispatch").get(reverse("oncall:now")).content.decode()
    assert 'href="/victims/page/"' in text and "Page the on-call AC" in text


def test_nobody_on_call_is_said_plainly(client_as):
    text = client_as("dispatch").get(reverse("oncall:now")).content.decode()
    assert "Nobody is on call." in text or "Personne n" in text


def test_the_dispatch_api_needs_a_valid_token_and_every_use_is_journaled(client, rota):
    token, secret = ApiToken.issue(name="CAD")
    url = reverse("oncall:now_api")

    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401

    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200
    data = response.json()
    assert data["primary"]["name"] == "Driss Benali" and data["primary"]["phone"] == "+32470123453"
    assert data["backup"]["name"] == "Bart Peeters"
    assert data["next_handover"]["primary"]["next"]["name"] == "Anne Dubois"
    assert data["next_handover"]["primary"]["at"] == "2026-03-30T07:00:00+00:00"
    event = AccessEvent.objects.get(object_type="oncall.apitoken")
    assert event.action == "view" and event.object_id == str(token.pk) and "CAD" in event.actor_label
    assert ApiToken.objects.get().token_hash != secret  # stored hashed

    token.revoke()
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_the_admin_creates_a_token_sees_it_once_and_revokes_it(client_as):
    client = client_as("admin")
    response = client.post(reverse("oncall:api_tokens"), {"name": "CAD dispatching"})
    token = ApiToken.objects.get()
    assert token.prefix in response.content.decode()
    assert client.get(reverse("oncall:api_tokens")).content.decode().count(token.prefix) == 1  # no longer the secret
    client.post(reverse("oncall:api_token_revoke", kwargs={"pk": token.pk}))
    token.refresh_from_db()
    assert token.revoked_at is not None


def _feed_links(client):
    response = client.post(reverse("oncall:calendar_feed_create"))
    text = response.content.decode()
    mine = text.split('id="link-mine" class="form-control" readonly value="')[1].split('"')[0]
    rota = text.split('id="link-rota" class="form-control" readonly value="')[1].split('"')[0]
    return mine.replace("http://testserver", ""), rota.replace("http://testserver", "")


def test_personal_ical_feed_is_valid_rfc5545_with_brussels_times_and_journaled(client_as, client, rota, team):
    owner = client_as(user=team[0])
    mine, whole = _feed_links(owner)

    response = client.get(mine)

    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    zones = [c for c in calendar.walk("VTIMEZONE")]
    assert [str(z["TZID"]) for z in zones] == ["Europe/Brussels"]
    events = calendar.walk("VEVENT")
    assert events and {str(e["SUMMARY"]) for e in events} == {"Permanence", "Permanence de réserve"}  # in her language
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert all(s.tzinfo is not None and s.strftime("%H:%M") == "09:00" for s in starts)  # summer and winter
    assert b"DTSTART;TZID=Europe/Brussels:20260302T090000" in response.content
    assert AccessEvent.objects.filter(object_type="oncall.calendarfeed", actor=team[0], action="view").count() == 1

    whole_rota = icalendar.Calendar.from_ical(client.get(whole).content)
    names = {str(e["SUMMARY"]).split(" – ")[-1] for e in whole_rota.walk("VEVENT")}
    assert names == {"Anne Dubois", "Bart Peeters", "Chloé Lambert", "Driss Benali"}


def test_a_revoked_or_orphaned_feed_gives_nothing(client_as, client, rota, team):
    owner = client_as(user=team[0])
    mine, _whole = _feed_links(owner)
    owner.post(reverse("oncall:calendar_feed_revoke"))
    assert client.get(mine).status_code == 404

    mine, _whole = _feed_links(owner)
    team[0].deactivate()
    assert client.get(mine).status_code == 404
    assert CalendarFeed.objects.count() == 2


def test_admin_creates_a_rotation_of_four_in_order(client_as, team):
    client = client_as("admin")
    data = {
        "name": "Permanence 2026",
        "layer": "primary",
        "shift_hours": 168,
        "handover_weekday": 0,
        "handover_time": "09:00",
        "start_date": "2026-03-30",
        "restriction": "",
        "restriction_starts": "19:00",
        "restriction_ends": "07:00",
        "is_active": "on",
        **{f"member_{i + 1}": user.pk for i, user in enumerate(team)},
    }
    response = client.post(reverse("oncall:rotation_create"), data)
    rotation = Rotation.objects.get()
    assert response.url == reverse("oncall:rotation_detail", kwargs={"pk": rotation.pk})
    assert rotation.ordered_members() == team

    response = client.post(
        reverse("oncall:rotation_detail", kwargs={"pk": rotation.pk}), {"from_date": "2026-03-30", "weeks": 9}
    )
    assert Shift.objects.count() == 9
    assert response.status_code == 302


def test_a_rotation_with_the_same_assistant_twice_is_refused_with_a_message(client_as, team):
    client = client_as("admin")
    data = {
        "name": "X",
        "layer": "primary",
        "shift_hours": 168,
        "handover_time": "09:00",
        "start_date": "2026-03-30",
        "restriction_starts": "19:00",
        "restriction_ends": "07:00",
        "member_1": team[0].pk,
        "member_2": team[0].pk,
    }
    response = client.post(reverse("oncall:rotation_create"), data)
    assert response.status_code == 200
    assert "only once" in response.content.decode() or "une seule fois" in response.content.decode()
    assert not Rotation.objects.exists()


def test_an_overlapping_manual_shift_shows_the_constraint_message_next_to_the_form(client_as, rota, team):
    client = client_as("admin")
    response = client.post(
        reverse("oncall:shift_create"),
        {"assistant": team[1].pk, "role": "primary", "starts_at": "2026-04-01T10:00", "ends_at": "2026-04-01T12:00"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "already" in text or "déjà" in text
    assert Shift.objects.filter(source="manual").count() == 0


def test_only_the_holder_or_an_admin_can_hand_a_shift_over(client_as, rota, team):
    shift = Shift.objects.get(role="primary", starts_at=local(2026, 4, 6, 9))
    url = reverse("oncall:shift_override", kwargs={"pk": shift.pk})
    free = list(services.eligible_colleagues(local(2026, 4, 8, 9), local(2026, 4, 9, 9)))
    assert client_as(user=free[0]).get(url).status_code == 403
    assert client_as("admin").get(url).status_code == 200
    holder = client_as(user=shift.assistant)
    response = holder.post(url, {"starts_at": "2026-04-08T09:00", "ends_at": "2026-04-09T09:00", "to": free[0].pk})
    assert response.status_code == 302
    assert Shift.objects.get(source="override").assistant == free[0]


def test_assistant_offers_a_swap_and_a_colleague_takes_it(client_as, rota, team):
    shift = Shift.objects.get(role="primary", starts_at=local(2026, 4, 6, 9))
    requester = client_as(user=shift.assistant)
    response = requester.post(
        reverse("oncall:swap_create", kwargs={"pk": shift.pk}),
        {"starts_at": "2026-04-10T19:00", "ends_at": "2026-04-11T09:00", "reason": "Anniversaire"},
    )
    swap_url = response.url
    colleague = services.eligible_colleagues(local(2026, 4, 10, 19), local(2026, 4, 11, 9)).first()
    client_as(user=colleague).post(swap_url + "take/")
    assert Shift.objects.get(source="override").assistant == colleague


def test_absences_are_journaled_and_one_cannot_delete_a_colleagues(client_as, rota, team):
    anne = client_as(user=team[0])
    response = anne.post(
        reverse("oncall:absence_create"),
        {"kind": "sick", "starts_at": "2026-04-06T00:00", "ends_at": "2026-04-08T00:00", "note": ""},
    )
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert absence.assistant == team[0]
    assert AccessEvent.objects.filter(action="create", object_type="oncall.absence").exists()
    listing = anne.get(reverse("oncall:absence_list")).content.decode()
    flagged = Shift.objects.of(team[0]).overlapping(absence.starts_at, absence.ends_at).get()
    assert reverse("oncall:absence_swap", kwargs={"pk": absence.pk, "shift_pk": flagged.pk}) in listing
    other = AbsenceFactory(assistant=team[1])
    assert anne.post(reverse("oncall:absence_delete", kwargs={"pk": other.pk})).status_code == 403


def test_home_card_lists_my_next_shifts(client_as, rota, team):
    text = client_as(user=team[0]).get(reverse("accounts:home")).content.decode()
    assert (
        reverse("oncall:shift_detail", kwargs={"pk": Shift.objects.filter(assistant=team[0]).upcoming().first().pk})
        in text
    )


def test_fairness_page_has_a_table_and_chart_data(client_as, rota):
    text = client_as("chef").get(reverse("oncall:fairness") + "?start=2026-03-01&end=2026-03-31").content.decode()
    assert "Anne Dubois" in text and 'id="fairness-data"' in text and "<table" in text


def test_coverage_page_lists_gaps(client_as, team):
    ShiftFactory(assistant=team[0], starts_at=local(2026, 3, 25), ends_at=local(2026, 3, 27))
    ShiftFactory(assistant=team[1], starts_at=local(2026, 3, 28, 9), ends_at=local(2026, 4, 4, 9))
    text = client_as("admin").get(reverse("oncall:coverage") + "?days=7").content.decode()
    assert "1 trou dans la permanence principale" in text
    assert "ven 27 mar 2026 00:00 → sam 28 mar 2026 09:00" in text and "33,0 h" in text
    assert "Réserve : 168,0 heures sans personne de réserve" in text  # seven days of 24 real hours


@pytest.mark.django_db(transaction=True)  # one transaction per request: the history's times differ
def test_the_rota_page_shows_who_changed_what(client_as, rota, team):
    admin = client_as("admin", full_name="Nadia Vermeulen")
    shift = Shift.objects.get(role="primary", starts_at=local(2026, 4, 6, 9))
    free = services.eligible_colleagues(local(2026, 4, 8, 9), local(2026, 4, 9, 9)).first()
    admin.post(
        reverse("oncall:shift_override", kwargs={"pk": shift.pk}),
        {"starts_at": "2026-04-08T09:00", "ends_at": "2026-04-09T09:00", "to": free.pk},
    )

    text = client_as("assistant").get(reverse("oncall:rota")).content.decode()
    changes = text.split("changes-title", 1)[1]
    assert "Nadia Vermeulen" in changes and free.full_name in changes
    assert "08/04 09:00 → 09/04 09:00" in changes


def test_extending_rotations_keeps_the_rota_generated_ahead(rota):
    before = Shift.objects.filter(rotation=rota).count()
    services.extend_rotations(horizon=timedelta(weeks=12))
    rota.refresh_from_db()
    assert rota.generated_until >= NOW + timedelta(weeks=12)
    assert Shift.objects.filter(rotation=rota).count() > before
    shifts = list(Shift.objects.filter(rotation=rota).order_by("starts_at"))
    assert all(a.ends_at == b.starts_at for a, b in zip(shifts, shifts[1:], strict=False))


def test_chefs_and_dispatch_read_the_calendar_without_links_to_shift_pages(client_as, rota):
    chef = client_as("chef").get(reverse("oncall:rota") + "?date=2026-03-25").content.decode()
    assert "Driss Benali" in chef and "/oncall/shifts/" not in chef
    admin = client_as("admin").get(reverse("oncall:rota") + "?date=2026-03-25").content.decode()
    assert "/oncall/shifts/" in admin


def test_who_is_on_call_skips_a_holder_who_simply_continues_and_says_when_nobody_follows(
    team, django_assert_num_queries
):
    anne, bart, chloe, _driss = team
    ShiftFactory(assistant=anne, starts_at=local(2026, 3, 25, 7), ends_at=local(2026, 3, 25, 19))
    ShiftFactory(assistant=anne, starts_at=local(2026, 3, 25, 19), ends_at=local(2026, 3, 26, 7))  # continues
    handed_over = ShiftFactory(assistant=chloe, starts_at=local(2026, 3, 26, 7), ends_at=local(2026, 3, 26, 19))
    handed_over.supersede(at=local(2026, 3, 20))  # history: not the next holder
    ShiftFactory(assistant=bart, starts_at=local(2026, 3, 26, 9), ends_at=local(2026, 3, 26, 19))
    ShiftFactory(assistant=chloe, role="backup", starts_at=local(2026, 3, 25, 9), ends_at=local(2026, 3, 27, 9))

    with django_assert_num_queries(1):
        layers = services.on_call_now(NOW)

    primary, backup = layers["primary"], layers["backup"]
    assert (primary.current.name, primary.current.phone) == ("Anne Dubois", "+32470123450")
    assert primary.current.ends_at == local(2026, 3, 25, 19)
    assert primary.incoming.name == "Bart Peeters" and primary.handover_at == local(2026, 3, 26, 9)
    assert backup.current.name == "Chloé Lambert" and backup.incoming is None
    assert backup.handover_at == local(2026, 3, 27, 9)  # the end of her shift: nobody planned after

    later = services.on_call_now(local(2026, 3, 27, 12))
    assert later["primary"].current is None and later["primary"].handover_at is None
    assert later["backup"].current is None and later["backup"].handover_at is None
