"""Paging the on-call AC and the callout's lifecycle, as dispatch and the AC live it."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessEvent
from notifications.models import Notification
from victims.models import Callout, CalloutPage, TransitionError
from victims.tests.factories import AcceptedCalloutFactory, CalloutFactory, category, commune

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 11, 20, 3, 2))


def page_data(**extra):
    return {
        "category": category("suicide").pk,
        "commune": commune("schaerbeek").pk,
        "place": "Avenue Louis Bertrand 12",
        "requesting_officer_text": "Inspecteur Dupuis",
        "callback_phone": "02 249 22 11",
        "context": "Personne décédée, famille sur place",
        "idempotency_key": "6f1c1b3e-6f7d-4a47-9c55-8b1b2b7d1a01",
        **extra,
    }


def detail(callout):
    return reverse("victims:callout_detail", kwargs={"public_id": callout.public_id})


def step(client, callout, name):
    return client.post(reverse("victims:callout_step", kwargs={"public_id": callout.public_id}), {"step": name})


@time_machine.travel(NOW, tick=False)
def test_dispatch_pages_the_primary_on_call_ac_by_sms_email_and_in_app(client_as, on_call):
    people = on_call()
    dispatch = client_as("dispatch")

    response = dispatch.post(reverse("victims:callout_page"), page_data())

    callout = Callout.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(callout)
    assert callout.status == Callout.Status.REQUESTED
    assert callout.reference == "INT-2026-0001"
    assert callout.requested_by == dispatch.user
    assert callout.shift.assistant == people["primary"]
    assert callout.callback_phone == "+3222492211"
    assert callout.requesting_officer_name == "Inspecteur Dupuis"
    assert callout.escalate_at == NOW + timedelta(minutes=10)
    pages = Notification.objects.filter(kind="page")
    assert {(n.recipient, n.channel) for n in pages} == {
        (people["primary"], "sms"),
        (people["primary"], "email"),
        (people["primary"], "in_app"),
    }
    assert all(n.context["url"].endswith(detail(callout)) for n in pages)
    assert CalloutPage.objects.get().recipient == people["primary"]
    assert AccessEvent.objects.filter(action="create", object_id=str(callout.public_id)).exists()


def test_the_page_message_reaches_the_ac_with_a_link_to_the_callout(client_as, on_call, mailoutbox):
    from notifications.services import sweep

    people = on_call()
    client_as("dispatch").post(reverse("victims:callout_page"), page_data())
    callout = Callout.objects.get()

    sweep()

    email = next(message for message in mailoutbox if people["primary"].email in message.to)
    assert callout.reference in email.subject
    assert "Suicide" in email.subject
    assert "http://testserver" + detail(callout) in email.body
    sms = Notification.objects.get(kind="page", channel="sms")
    assert sms.status == "sent"


def test_paging_twice_with_the_same_form_creates_one_callout(client_as, on_call):
    on_call()
    dispatch = client_as("dispatch")

    first = dispatch.post(reverse("victims:callout_page"), page_data())
    second = dispatch.post(reverse("victims:callout_page"), page_data())

    assert Callout.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert Notification.objects.filter(kind="page").count() == 3


def test_the_whole_lifecycle_stamps_each_step(client_as, on_call):
    people = on_call()
    client_as("dispatch").post(reverse("victims:callout_page"), page_data())
    callout = Callout.objects.get()
    ac = client_as(user=people["primary"])

    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert step(ac, callout, "accept").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        step(ac, callout, "en_route")
    with time_machine.travel(timezone.now() + timedelta(minutes=25), tick=False):
        step(ac, callout, "on_scene")
    with time_machine.travel(timezone.now() + timedelta(minutes=50), tick=False):
        response = step(ac, callout, "close")

    callout.refresh_from_db()
    assert callout.status == Callout.Status.CLOSED
    assert callout.assistant == people["primary"]
    assert callout.received_at <= callout.accepted_at <= callout.departed_at <= callout.arrived_at <= callout.ended_at
    assert callout.ended_at - callout.arrived_at >= timedelta(minutes=24)
    assert callout.escalate_at is None
    # Finished: straight to the completion form.
    assert response["Location"].startswith(reverse("victims:callout_edit", kwargs={"public_id": callout.public_id}))
    steps = AccessEvent.objects.filter(action="update", object_id=str(callout.public_id)).values_list("code", flat=True)
    assert set(steps) == {"callout.accept", "callout.en_route", "callout.on_scene", "callout.close"}


def test_accepting_tells_dispatch_and_drops_unsent_pages(client_as, on_call):
    people = on_call()
    dispatch = client_as("dispatch")
    dispatch.post(reverse("victims:callout_page"), page_data())
    callout = Callout.objects.get()

    step(client_as(user=people["primary"]), callout, "accept")

    pages = Notification.objects.filter(kind="page")
    assert set(pages.values_list("status", flat=True)) == {"cancelled"}
    told = Notification.objects.get(kind="callout_accepted")
    assert told.recipient == dispatch.user and told.channel == "in_app"


def test_a_second_ac_accepting_the_same_callout_is_told_it_is_taken(client_as, on_call):
    people = on_call()
    client_as("dispatch").post(reverse("victims:callout_page"), page_data())
    callout = Callout.objects.get()
    step(client_as(user=people["primary"]), callout, "accept")

    backup = client_as(user=people["backup"])
    response = step(backup, callout, "accept")

    callout.refresh_from_db()
    assert callout.assistant == people["primary"]
    follow = backup.get(response["Location"])
    warnings = [str(m) for m in follow.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 1 and callout.get_status_display() in warnings[0]


def test_an_ac_opens_a_callout_received_on_the_duty_phone(client_as, on_call):
    people = on_call()
    ac = client_as(user=people["backup"])
    received = timezone.localtime() - timedelta(minutes=15)

    response = ac.post(
        reverse("victims:callout_create"),
        {
            "received_at": received.strftime("%Y-%m-%dT%H:%M"),
            "category": category("death-notification").pk,
            "commune": commune("evere").pk,
            "channel": "duty_phone",
            "idempotency_key": "0d7c2f4e-8b58-4f6e-9f1a-2d1b9c1e5a77",
        },
    )

    callout = Callout.objects.get()
    assert response["Location"] == detail(callout)
    assert callout.status == Callout.Status.ACCEPTED
    assert callout.assistant == people["backup"]
    assert callout.shift.assistant == people["backup"]  # the AC's own (backup) shift
    assert callout.received_at == received.replace(second=0, microsecond=0)
    assert not Notification.objects.filter(kind="page").exists()


def test_opening_a_callout_needs_only_time_category_and_commune(client_as):
    response = client_as("assistant").post(reverse("victims:callout_create"), {"received_at": "", "category": ""})

    assert response.status_code == 200
    assert Callout.objects.count() == 0
    form = response.context["form"]
    assert {"received_at", "category", "commune"} <= set(form.errors)


def test_steps_out_of_order_are_refused_by_the_model():
    callout = CalloutFactory()
    with pytest.raises(TransitionError):
        callout.close(by=None)
    received = timezone.now() - timedelta(hours=1)
    callout = AcceptedCalloutFactory(status=Callout.Status.CLOSED, received_at=received, ended_at=timezone.now())
    with pytest.raises(TransitionError):
        callout.mark_en_route(by=callout.assistant)


def test_the_database_refuses_times_out_of_order():
    callout = AcceptedCalloutFactory()
    callout.departed_at = callout.received_at + timedelta(minutes=10)
    callout.arrived_at = callout.received_at + timedelta(minutes=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        callout.save()


def test_the_database_refuses_a_status_without_its_time():
    callout = AcceptedCalloutFactory()
    callout.status = Callout.Status.ON_SCENE
    with pytest.raises(IntegrityError), transaction.atomic():
        callout.save()


def test_references_count_per_year_without_gaps_or_duplicates():
    first = CalloutFactory(received_at=timezone.make_aware(timezone.datetime(2025, 12, 31, 23, 30)))
    second = CalloutFactory(received_at=timezone.make_aware(timezone.datetime(2026, 1, 1, 0, 30)))
    third = CalloutFactory(received_at=timezone.make_aware(timezone.datetime(2026, 1, 2, 8, 0)))
    assert first.reference == "INT-2025-0001"
    assert (second.reference, third.reference) == ("INT-2026-0001", "INT-2026-0002")


def test_dispatch_follows_only_the_callouts_it_paged(client_as, on_call):
    on_call()
    dispatch = client_as("dispatch")
    dispatch.post(reverse("victims:callout_page"), page_data())
    mine = Callout.objects.get()
    other = AcceptedCalloutFactory()

    assert dispatch.get(detail(mine)).status_code == 200
    assert dispatch.get(detail(other)).status_code == 404
    assert step(dispatch, mine, "accept").status_code == 403
    assert step(dispatch, other, "cancel").status_code == 404


def test_dispatch_takes_back_a_page_sent_by_mistake_while_nobody_accepted_it(client_as, on_call):
    on_call()
    dispatch = client_as("dispatch")
    dispatch.post(reverse("victims:callout_page"), page_data())
    callout = Callout.objects.get()
    assert "Annuler" in dispatch.get(detail(callout)).content.decode()

    assert step(dispatch, callout, "cancel").status_code == 302

    callout.refresh_from_db()
    assert callout.status == Callout.Status.CANCELLED and callout.cancelled_at
    assert set(Notification.objects.filter(kind="page").values_list("status", flat=True)) == {"cancelled"}
    assert not Notification.objects.filter(kind="callout_accepted").exists()


def test_lifecycle_buttons_answer_htmx_with_the_fragment(client_as, on_call):
    people = on_call()
    client_as("dispatch").post(reverse("victims:callout_page"), page_data())
    callout = Callout.objects.get()
    ac = client_as(user=people["primary"])

    response = ac.post(
        reverse("victims:callout_step", kwargs={"public_id": callout.public_id}),
        {"step": "accept"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="lifecycle"' in html and "<html" not in html
    assert "En route" in html or "Je pars" in html or "On my way" in html
