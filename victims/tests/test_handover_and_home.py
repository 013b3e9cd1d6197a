"""What victims adds elsewhere: the rota's handover digest, the home cards, "Page the on-call AC"
on "Who is on call now", and follow-ups reminded through the outbox."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from oncall.extensions import handover_sections, now_actions
from oncall.models import Shift
from victims import hooks, services
from victims.tests.factories import (
    AcceptedCalloutFactory,
    ClosedCalloutFactory,
    FollowUpFactory,
    PersonFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def handover_world(make_user):
    """The incoming AC's shift (today 09:00 until tomorrow 09:00) and what is open at the handover:
    an open callout, a closed one, a referral waiting for the service's answer, a follow-up due
    during the shift and one due after it."""
    incoming = make_user("assistant", full_name="Inès Entrante")
    now = timezone.now()
    shift = Shift.objects.create(assistant=incoming, starts_at=now, ends_at=now + timedelta(days=1), role="primary")
    open_callout = AcceptedCalloutFactory()
    closed = ClosedCalloutFactory()
    referral = ReferralFactory(callout=closed)
    services.send_referral(referral, method="email", by=closed.assistant)
    due = FollowUpFactory(callout=closed, due_on=timezone.localdate(), note="Rappeler Madame X")
    later = FollowUpFactory(callout=None, person=PersonFactory(), due_on=timezone.localdate() + timedelta(days=30))
    return {"shift": shift, "open": open_callout, "closed": closed, "referral": referral, "due": due, "later": later}


def lines(section, shift) -> list[str]:
    """The lines one of the victims' sections adds to ``shift``'s digest."""
    found = section(shift)
    return [item["text"] for item in found["items"]] if found else []


def test_the_handover_digest_lists_open_callouts_only(handover_world):
    w = handover_world
    shown = lines(hooks.handover_open_callouts, w["shift"])
    assert any(w["open"].reference in line for line in shown)
    assert not any(w["closed"].reference in line for line in shown), "a closed callout is not open"


def test_the_handover_digest_lists_referrals_waiting_for_the_service(handover_world):
    w = handover_world
    (line,) = lines(hooks.handover_waiting_referrals, w["shift"])
    assert w["referral"].journal_label() in line and w["referral"].service.name_fr in line
    assert w["closed"].reference in line


def test_the_handover_digest_lists_follow_ups_due_by_the_end_of_the_shift_only(handover_world):
    w = handover_world
    (line,) = lines(hooks.handover_due_follow_ups, w["shift"])
    assert w["due"].callout.reference in line and w["due"].assignee.full_name in line
    assert w["due"].due_on.strftime("%d/%m/%Y") in line  # in the incoming AC's French
    assert w["later"].person.journal_label() not in line
    assert "Madame X" not in line  # references, not what the note says


def test_the_digest_sent_to_the_incoming_ac_holds_each_line(handover_world, mailoutbox):
    from notifications.services import sweep
    from oncall.services import send_handovers

    w = handover_world
    assert send_handovers() == 1
    sweep()

    message = next(m for m in mailoutbox if m.to == [w["shift"].assistant.email])
    body = message.body
    lines = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(lines) == 3, body
    open_line, referral_line, follow_up_line = lines
    assert w["open"].reference in open_line and "/victims/c/" in open_line
    assert w["referral"].journal_label() in referral_line and "/victims/referrals/" in referral_line
    assert w["due"].callout.reference in follow_up_line
    assert w["closed"].reference not in open_line and w["later"].person.journal_label() not in body
    assert "Madame X" not in body and w["referral"].person.last_name not in body


def test_who_is_on_call_now_offers_to_page_to_dispatch_but_not_to_chefs(make_user):
    request = RequestFactory().get("/oncall/now/")
    request.user = make_user("dispatch")
    assert [action["url"] for action in now_actions(request)] == [reverse("victims:callout_page")]
    request.user = make_user("chef")
    assert now_actions(request) == []


def test_the_assistants_home_shows_open_callouts_and_my_follow_ups(client_as):
    ac = client_as("assistant")
    callout = AcceptedCalloutFactory()
    FollowUpFactory(assignee=ac.user, callout=callout, due_on=timezone.localdate(), note="Rappeler la famille")
    html = ac.get(reverse("accounts:home")).content.decode()
    assert 'id="open-callouts-card"' in html and callout.reference in html
    assert 'id="followups-card"' in html and "Rappeler la famille" in html


def test_the_assistants_home_keeps_a_constant_number_of_queries(client_as, django_assert_max_num_queries):
    ac = client_as("assistant")
    person = PersonFactory(first_name="Ilse", last_name="Peeters")
    FollowUpFactory(assignee=ac.user, person=person, callout=None, due_on=timezone.localdate())
    ClosedCalloutFactory()
    ac.get(reverse("accounts:home"))
    # Frame (session, user, device, savepoints, roles, the bell); sign-ins, second factor; shifts and
    # swaps; pages awaiting me; open callouts; follow-ups and waiting referrals.
    with django_assert_max_num_queries(15) as few:
        ac.get(reverse("accounts:home"))
    for _ in range(8):
        callout = AcceptedCalloutFactory()
        FollowUpFactory(assignee=ac.user, callout=callout, due_on=timezone.localdate())
        ReferralFactory(callout=callout, created_by=ac.user, status="sent", sent_at=timezone.now())
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = ac.get(reverse("accounts:home")).content.decode()
    assert html.count('class="border-bottom py-1 followup-due"') == 5
    assert "Ilse Peeters" in html


def test_dispatch_home_has_the_page_button(client_as):
    html = client_as("dispatch").get(reverse("accounts:home")).content.decode()
    assert reverse("victims:callout_page") in html and 'id="open-callouts-card"' not in html


def test_a_follow_up_is_reminded_on_its_due_day_and_done_cancels_it(client_as):
    ac = client_as("assistant")
    person = PersonFactory()
    due_on = timezone.localdate() + timedelta(days=3)

    ac.post(
        reverse("victims:person_followup_add", kwargs={"public_id": person.public_id}),
        {"followup-due_on": due_on.isoformat(), "followup-assignee": ac.user.pk, "followup-note": "Appeler"},
    )

    follow_up = person.followups.get()
    reminder = Notification.objects.get(kind="follow_up_due", channel="email")
    assert reminder.recipient == ac.user
    assert timezone.localtime(reminder.due_at).date() == due_on and timezone.localtime(reminder.due_at).hour == 8
    ac.post(reverse("victims:followup_done", kwargs={"pk": follow_up.pk}))
    reminder.refresh_from_db()
    follow_up.refresh_from_db()
    assert follow_up.is_done and reminder.status == "cancelled"


def test_my_follow_ups_lists_mine_due_first(client_as):
    ac = client_as("assistant")
    later = FollowUpFactory(assignee=ac.user, due_on=timezone.localdate() + timedelta(days=5))
    sooner = FollowUpFactory(assignee=ac.user, due_on=timezone.localdate())
    FollowUpFactory()  # someone else's
    response = ac.get(reverse("victims:followup_list"))
    assert list(response.context["page"]) == [sooner, later]


def test_done_buttons_never_redirect_off_site(client_as):
    ac = client_as("admin", "assistant")
    follow_up = FollowUpFactory(assignee=ac.user)
    response = ac.post(reverse("victims:followup_done", kwargs={"pk": follow_up.pk}), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("victims:followup_list")
    callout = AcceptedCalloutFactory(debrief_needed=True)
    response = ac.post(
        reverse("victims:callout_debrief_done", kwargs={"public_id": callout.public_id}), {"next": "//evil.example/"}
    )
    assert response["Location"] == reverse("accounts:home")
    callout.refresh_from_db()
    assert callout.debrief_done_at is not None


def test_the_handover_section_is_written_in_the_incoming_acs_language(make_user):
    incoming = make_user("assistant", language="nl")
    shift = Shift.objects.create(
        assistant=incoming, starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=7), role="primary"
    )
    AcceptedCalloutFactory()
    titles = [section["title"] for section in handover_sections(shift)]
    assert "Lopende tussenkomsten" in titles
