"""Completing and correcting a callout: two people editing at once get a clear conflict instead of
overwriting each other; times keep their order, across both daylight-saving changes; drafts are
dropped once the server has saved the form."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessEvent
from victims import drafts
from victims.forms import CalloutForm, normalise_pv, resolve_wall_clock, wall_clock_candidates
from victims.models import Callout
from victims.tests.factories import AcceptedCalloutFactory

pytestmark = pytest.mark.django_db
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def edit_url(callout):
    return reverse("victims:callout_edit", kwargs={"public_id": callout.public_id})


def form_data(callout, **changes):
    local = lambda value: timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""  # noqa: E731
    data = {
        "summary": callout.summary,
        "mode": callout.mode,
        "category": callout.category_id,
        "commune": callout.commune_id,
        "place": callout.place,
        "context": callout.context,
        "pv_number": callout.pv_number,
        "requesting_officer_text": callout.requesting_officer_name,
        "requesting_unit": "",
        "callback_phone": callout.callback_phone,
        "received_at": local(callout.received_at),
        "departed_at": local(callout.departed_at),
        "arrived_at": local(callout.arrived_at),
        "ended_at": local(callout.ended_at),
        "version": callout.version,
    }
    data.update(changes)
    return data


def test_completing_a_callout_saves_and_journals_the_change(client_as):
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)

    response = ac.post(edit_url(callout), form_data(callout, summary="Famille soutenue", mode="on_site"))

    assert response.status_code == 302
    callout.refresh_from_db()
    assert (callout.summary, callout.mode, callout.version) == ("Famille soutenue", "on_site", 2)
    event = AccessEvent.objects.get(action="update", object_id=str(callout.public_id))
    assert "summary" in event.params["fields"]["names"] and "Famille" not in event.text


def test_two_people_editing_the_same_callout_get_a_conflict_instead_of_overwriting(client_as):
    callout = AcceptedCalloutFactory(summary="")
    first = client_as(user=callout.assistant)
    second = client_as("assistant", full_name="Thomas Peeters")
    opened_by_first = form_data(callout)  # both open the form on version 1
    opened_by_second = form_data(callout)

    second.post(edit_url(callout), {**opened_by_second, "place": "Place Colignon", "summary": "Version de Thomas"})
    response = first.post(edit_url(callout), {**opened_by_first, "summary": "Version de Sofia"})

    assert response.status_code == 409
    callout.refresh_from_db()
    assert callout.summary == "Version de Thomas"  # nothing overwritten
    html = response.content.decode()
    assert "Thomas Peeters" in html
    conflict = response.context["conflict"]
    assert {str(name) for name in conflict["fields"]} >= {"place", "summary"} or len(conflict["fields"]) >= 2
    form = response.context["form"]
    assert form["summary"].value() == "Version de Sofia"  # your entries are kept
    assert str(form["version"].value()) == str(callout.version)

    # Saving again, knowingly, works.
    again = first.post(
        edit_url(callout), {**opened_by_first, "summary": "Version de Sofia", "version": callout.version}
    )
    assert again.status_code == 302
    callout.refresh_from_db()
    assert callout.summary == "Version de Sofia"


def test_times_out_of_order_are_refused_with_a_message(client_as):
    callout = AcceptedCalloutFactory(received_at=timezone.now() - timedelta(hours=3))
    start = timezone.localtime(callout.received_at)

    response = client_as(user=callout.assistant).post(
        edit_url(callout),
        form_data(
            callout,
            departed_at=(start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
            arrived_at=(start + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )

    assert response.status_code == 200
    assert "arrived_at" in response.context["form"].errors
    callout.refresh_from_db()
    assert callout.departed_at is None and callout.version == 1


def test_a_time_a_status_needs_cannot_be_removed(client_as):
    callout = AcceptedCalloutFactory()
    callout.mark_on_scene(by=callout.assistant)
    response = client_as(user=callout.assistant).post(edit_url(callout), form_data(callout, arrived_at=""))
    assert "arrived_at" in response.context["form"].errors


def test_the_night_clocks_go_back_the_second_0230_follows_the_first():
    # 25 October 2026: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
    first, second = wall_clock_candidates(datetime(2026, 10, 25, 2, 30))
    assert first.utcoffset() == timedelta(hours=2) and second.utcoffset() == timedelta(hours=1)
    arrived = datetime(2026, 10, 25, 2, 50, tzinfo=BRUSSELS)  # first 02:50 (CEST)
    ended = resolve_wall_clock(datetime(2026, 10, 25, 2, 20), after=arrived)
    assert timezone.localtime(ended).utcoffset() == timedelta(hours=1) and ended > arrived
    assert ended - arrived == timedelta(minutes=30)


def test_the_night_clocks_go_forward_0230_does_not_exist():
    # 29 March 2026: 02:00 CET becomes 03:00 CEST.
    assert wall_clock_candidates(datetime(2026, 3, 29, 2, 30)) == []
    with time_machine.travel(datetime(2026, 3, 29, 6, 0, tzinfo=BRUSSELS), tick=False):
        callout = AcceptedCalloutFactory(received_at=datetime(2026, 3, 29, 1, 40, tzinfo=BRUSSELS))
        form = CalloutForm(form_data(callout, departed_at="2026-03-29T02:30"), instance=callout)
        assert not form.is_valid() and "departed_at" in form.errors
        form = CalloutForm(form_data(callout, departed_at="2026-03-29T03:05"), instance=callout)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["departed_at"] - callout.received_at == timedelta(minutes=25)


def test_a_callout_across_the_october_change_keeps_its_unchanged_times(client_as):
    received = datetime(2026, 10, 25, 2, 40, tzinfo=BRUSSELS).replace(fold=1)  # second 02:40 (CET)
    with time_machine.travel(datetime(2026, 10, 25, 5, 0, tzinfo=BRUSSELS), tick=False):
        callout = AcceptedCalloutFactory(received_at=received, accepted_at=received)
        callout.refresh_from_db()
        form = CalloutForm(form_data(callout, summary="ok"), instance=callout)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["received_at"] == callout.received_at


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("BR.55.L7.012345/2026", "BR.55.L7.012345/2026"),
        ("br 55 l7 12345/26", "BR.55.L7.012345/2026"),
        ("BR-55-L7-12345 / 2025", "BR.55.L7.012345/2025"),
    ],
)
def test_pv_numbers_are_read_as_people_type_them(typed, stored):
    assert normalise_pv(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "BR.55.L7.012345", "BR.55.L7.0123456/2026", "BR.55.L7.012345/1950", "XX"])
def test_malformed_pv_numbers_are_refused(typed):
    with pytest.raises(ValueError):
        normalise_pv(typed)


def test_saving_twice_with_the_same_token_creates_one_callout(client_as):
    from victims.tests.factories import category, commune

    ac = client_as("assistant")
    data = {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "category": category().pk,
        "commune": commune().pk,
        "channel": "duty_phone",
        "idempotency_key": "3b0f8a4c-1d3e-4e0b-9a7e-5f2b1c9d8e70",
    }
    first = ac.post(reverse("victims:callout_create"), data)
    second = ac.post(reverse("victims:callout_create"), data)
    assert Callout.objects.count() == 1 and first["Location"] == second["Location"]


def test_after_saving_the_page_tells_the_browser_to_drop_the_draft(client_as):
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)

    page = ac.post(edit_url(callout), form_data(callout, summary="fini"), follow=True)

    html = page.content.decode()
    assert f'<meta name="victims-saved-drafts" content="callout-edit:{callout.public_id}">' in html
    assert f'<meta name="victims-draft-scope" content="{drafts.scope(callout.assistant)}">' in html
    # Only once: the next page has nothing to drop.
    again = ac.get(reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})).content.decode()
    assert '<meta name="victims-saved-drafts" content="">' in again


def test_draft_scopes_differ_per_user_and_reveal_no_id(make_user):
    one, two = make_user("assistant"), make_user("assistant")
    assert drafts.scope(one) != drafts.scope(two)
    assert str(one.pk) != drafts.scope(one)


def test_saving_the_form_keeps_the_officer_picked_from_the_directory(client_as):
    from directory.models import Officer

    officer = Officer.objects.create(first_name="Karim", last_name="El Amrani")
    callout = AcceptedCalloutFactory(requesting_officer=officer)
    ac = client_as(user=callout.assistant)
    form = ac.get(edit_url(callout)).context["form"]
    data = form_data(callout, requesting_officer=form["requesting_officer"].value(), summary="ok")
    data["requesting_officer_text"] = form["requesting_officer_text"].value()

    ac.post(edit_url(callout), data)

    callout.refresh_from_db()
    assert callout.requesting_officer == officer and callout.requesting_officer_name == ""
