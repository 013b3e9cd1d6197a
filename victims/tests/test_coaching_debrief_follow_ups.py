"""The officer-coaching log, the debrief an AC asks for after a hard callout, and follow-ups: each
saved where the user put it, shown where they look for it, and reminded when it falls due."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Officer, PoliceUnit
from notifications.models import Notification
from victims.models import CoachedOfficer, FollowUp
from victims.tests.factories import AcceptedCalloutFactory, FollowUpFactory, PersonFactory

pytestmark = pytest.mark.django_db


def detail(callout):
    return reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})


def section(html: str, section_id: str) -> str:
    return html.split(f'id="{section_id}"')[1].split("</section>")[0]


# --- officers coached ------------------------------------------------------------------------------------


def test_an_officer_coached_is_saved_and_shown_on_the_callout(client_as):
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)

    response = ac.post(
        reverse("victims:coaching_add", kwargs={"public_id": callout.public_id}),
        {"coach-officer_text": "Inspectrice Dupont", "coach-explained": "Le rôle du BAV et du CAW"},
    )

    assert response.status_code == 302
    coached = CoachedOfficer.objects.get(callout=callout)
    assert (coached.officer_name, coached.explained) == ("Inspectrice Dupont", "Le rôle du BAV et du CAW")
    coaching = section(ac.get(detail(callout)).content.decode(), "coaching")
    assert "Inspectrice Dupont" in coaching and "Le rôle du BAV et du CAW" in coaching


def test_an_officer_picked_from_the_directory_is_logged_with_their_unit(client_as):
    unit = PoliceUnit.objects.create(code="PROX-E", name_fr="Proximité Evere", name_nl="Wijkwerking Evere")
    officer = Officer.objects.create(first_name="Nadia", last_name="Coach-Test", unit=unit)
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)

    ac.post(
        reverse("victims:coaching_add", kwargs={"public_id": callout.public_id}),
        {"coach-officer": officer.pk, "coach-officer_text": "Nadia Coach-Test", "coach-explained": ""},
    )

    assert CoachedOfficer.objects.get(callout=callout).officer == officer
    coaching = section(ac.get(detail(callout)).content.decode(), "coaching")
    assert "Nadia Coach-Test" in coaching and "PROX-E" in coaching


def test_a_chef_sees_that_officers_were_coached_but_not_who_or_what(client_as):
    callout = AcceptedCalloutFactory()
    CoachedOfficer.objects.create(callout=callout, officer_name="Inspectrice Dupont", explained="Le rôle du BAV")
    coaching = section(client_as("chef").get(detail(callout)).content.decode(), "coaching")
    assert coaching.count("<li") == 1
    assert "Inspectrice Dupont" not in coaching and "Le rôle du BAV" not in coaching


# --- the debrief ------------------------------------------------------------------------------------------------


def edit(client, callout, **changes):
    data = {
        "summary": callout.summary,
        "category": callout.category_id,
        "commune": callout.commune_id,
        "received_at": timezone.localtime(callout.received_at).strftime("%Y-%m-%dT%H:%M"),
        "version": callout.version,
        **changes,
    }
    return client.post(reverse("victims:callout_edit", kwargs={"public_id": callout.public_id}), data)


def test_the_ac_asks_for_a_debrief_in_the_callout_form_and_can_take_it_back(client_as):
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)

    assert edit(ac, callout, debrief_needed="on").status_code == 302
    callout.refresh_from_db()
    assert callout.debrief_needed

    assert edit(ac, callout).status_code == 302
    callout.refresh_from_db()
    assert not callout.debrief_needed


def test_the_coordination_home_lists_pending_debriefs_only(client_as, make_user):
    held = AcceptedCalloutFactory(debrief_needed=True, assistant=make_user("assistant", full_name="Aline Tenu"))
    AcceptedCalloutFactory(debrief_needed=True, assistant=make_user("assistant", full_name="Bruno Attente"))
    admin = client_as("admin", "assistant")

    before = section(admin.get(reverse("accounts:home")).content.decode(), "debriefs-card")
    assert "Aline Tenu" in before and "Bruno Attente" in before

    admin.post(reverse("victims:callout_debrief_done", kwargs={"public_id": held.public_id}))

    after = section(admin.get(reverse("accounts:home")).content.decode(), "debriefs-card")
    assert "Aline Tenu" not in after and "Bruno Attente" in after


# --- follow-ups ----------------------------------------------------------------------------------------------------


def test_a_follow_up_added_on_the_callout_page_is_reminded_on_its_due_day(client_as):
    callout = AcceptedCalloutFactory()
    ac = client_as(user=callout.assistant)
    due_on = timezone.localdate() + timedelta(days=2)

    response = ac.post(
        reverse("victims:followup_add", kwargs={"public_id": callout.public_id}),
        {"followup-due_on": due_on.isoformat(), "followup-assignee": ac.user.pk, "followup-note": "Rappeler"},
    )

    assert response.status_code == 302
    follow_up = FollowUp.objects.get(callout=callout)
    reminders = Notification.objects.filter(kind="follow_up_due", recipient=ac.user)
    assert set(reminders.values_list("channel", flat=True)) == {"email", "in_app"}
    for reminder in reminders:
        due = timezone.localtime(reminder.due_at)
        assert (due.date(), due.hour) == (due_on, 8)
        assert reminder.about_id == str(follow_up.pk)


def test_my_follow_ups_never_lists_the_done_ones(client_as):
    ac = client_as("assistant")
    FollowUpFactory(assignee=ac.user, note="SUIVI-EN-ATTENTE")
    done = FollowUpFactory(assignee=ac.user, note="SUIVI-FAIT")
    ac.post(reverse("victims:followup_done", kwargs={"pk": done.pk}))

    html = ac.get(reverse("victims:followup_list")).content.decode()
    assert "SUIVI-EN-ATTENTE" in html and "SUIVI-FAIT" not in html


def due_marks(html: str) -> dict[str, bool]:
    """Each follow-up note on the page → whether its line is marked as due."""
    marks = {}
    for line in html.split("<li")[1:]:
        for note in ("SUIVI-EN-RETARD", "SUIVI-DU-JOUR", "SUIVI-A-VENIR"):
            if note in line.split("</li>")[0]:
                marks[note] = "followup-due" in line.split(">")[0]
    return marks


@pytest.fixture
def three_follow_ups(client_as):
    ac = client_as("assistant")
    today = timezone.localdate()
    for note, due_on in (
        ("SUIVI-EN-RETARD", today - timedelta(days=2)),
        ("SUIVI-DU-JOUR", today),
        ("SUIVI-A-VENIR", today + timedelta(days=3)),
    ):
        FollowUpFactory(assignee=ac.user, person=PersonFactory(), callout=None, due_on=due_on, note=note)
    return ac


@pytest.mark.parametrize("url_name", ["victims:followup_list", "accounts:home"])
def test_a_follow_up_is_marked_due_from_its_due_day_on_and_not_before(three_follow_ups, url_name):
    html = three_follow_ups.get(reverse(url_name)).content.decode()
    assert due_marks(html) == {"SUIVI-EN-RETARD": True, "SUIVI-DU-JOUR": True, "SUIVI-A-VENIR": False}
