"""A page nobody accepts goes to the backup after PAGE_ESCALATION_MINUTES, then to the admins;
every step shows on the callout."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from victims.models import Callout, CalloutPage
from victims.services import escalate_due_pages, page_on_call
from victims.tests.factories import category, commune

pytestmark = pytest.mark.django_db

PAGED_AT = timezone.make_aware(timezone.datetime(2026, 11, 20, 3, 0))


def fields():
    return {"category": category("suicide"), "commune": commune("evere"), "place": "Rue Stroobants 4"}


def paged(user):
    return set(Notification.objects.filter(kind="page", recipient=user).values_list("channel", flat=True))


def test_nobody_accepts_within_ten_minutes_so_the_backup_then_the_admins_are_paged(on_call, make_user, settings):
    settings.PAGE_ESCALATION_MINUTES = 10
    people = on_call(PAGED_AT)
    admin = make_user("admin", "assistant")
    dispatch = make_user("dispatch")
    with time_machine.travel(PAGED_AT, tick=False):
        callout, _created = page_on_call(by=dispatch, fields=fields())
    assert paged(people["primary"]) == {"sms", "email", "in_app"}
    assert paged(people["backup"]) == set()

    with time_machine.travel(PAGED_AT + timedelta(minutes=9, seconds=59), tick=False):
        assert escalate_due_pages() == 0
    assert paged(people["backup"]) == set()

    with time_machine.travel(PAGED_AT + timedelta(minutes=10), tick=False):
        assert escalate_due_pages() == 1
        assert escalate_due_pages() == 0  # run twice: nothing more
    assert paged(people["backup"]) == {"sms", "email", "in_app"}
    assert paged(admin) == set()
    callout.refresh_from_db()
    assert callout.escalation_step == CalloutPage.Step.BACKUP
    assert callout.escalate_at == PAGED_AT + timedelta(minutes=20)

    with time_machine.travel(PAGED_AT + timedelta(minutes=20), tick=False):
        assert escalate_due_pages() == 1
    assert paged(admin) == {"sms", "email", "in_app"}
    callout.refresh_from_db()
    assert callout.escalation_step == CalloutPage.Step.ADMINS and callout.escalate_at is None
    assert list(callout.pages.values_list("step", "recipient")) == [
        (0, people["primary"].pk),
        (1, people["backup"].pk),
        (2, admin.pk),
    ]


def test_every_paging_step_is_visible_on_the_callout(on_call, make_user, client_as):
    people = on_call(PAGED_AT)
    with time_machine.travel(PAGED_AT, tick=False):
        callout, _created = page_on_call(by=make_user("dispatch"), fields=fields())
    with time_machine.travel(PAGED_AT + timedelta(minutes=10), tick=False):
        escalate_due_pages()
        html = (
            client_as(user=people["backup"])
            .get(reverse("victims:callout_detail", kwargs={"public_id": callout.public_id}))
            .content.decode()
        )
    # The paging card's steps, read from the card itself (the navbar names who is on call, and the
    # "next step at" line gives a time, whether or not the escalation fired).
    steps = [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in html.split('class="list-unstyled small mb-0 paging-steps"')[1].split("</ol>")[0].split("<li")[1:]
    ]
    assert "03:00" in steps[0] and people["primary"].full_name in steps[0], steps
    assert "03:10" in steps[1] and people["backup"].full_name in steps[1], steps
    assert "03:20" in steps[2], "and the coordination is next, ten minutes later"


def test_an_accepted_callout_is_not_escalated(on_call, make_user):
    people = on_call(PAGED_AT)
    with time_machine.travel(PAGED_AT, tick=False):
        callout, _created = page_on_call(by=make_user("dispatch"), fields=fields())
    with time_machine.travel(PAGED_AT + timedelta(minutes=4), tick=False):
        callout.accept(by=people["primary"])
    with time_machine.travel(PAGED_AT + timedelta(minutes=30), tick=False):
        assert escalate_due_pages() == 0
    assert paged(people["backup"]) == set()


def test_without_a_primary_on_duty_the_backup_is_paged_at_once(on_call, make_user):
    people = on_call(PAGED_AT, primary=False)
    with time_machine.travel(PAGED_AT, tick=False):
        callout, _created = page_on_call(by=make_user("dispatch"), fields=fields())
    assert paged(people["backup"]) == {"sms", "email", "in_app"}
    assert callout.shift is None
    assert callout.escalation_step == CalloutPage.Step.BACKUP


def test_with_nobody_on_the_rota_the_admins_are_paged_at_once(make_user):
    admin = make_user("admin")
    with time_machine.travel(PAGED_AT, tick=False):
        callout, _created = page_on_call(by=make_user("dispatch"), fields=fields())
    assert paged(admin) == {"sms", "email", "in_app"}
    assert callout.escalate_at is None


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_celery_beat_task_escalates_through_a_real_worker(on_call, make_user, celery_worker, settings):
    """The sweeper as beat runs it: a real worker on Redis takes the task and pages the backup."""
    from victims.tasks import escalate_pages

    settings.PAGE_ESCALATION_MINUTES = 1
    people = on_call()
    callout, _created = page_on_call(by=make_user("dispatch"), fields=fields())
    Callout.objects.filter(pk=callout.pk).update(escalate_at=timezone.now() - timedelta(seconds=1))

    result = escalate_pages.delay()
    deadline = timezone.now() + timedelta(seconds=20)
    while timezone.now() < deadline and not paged(people["backup"]):
        import time

        time.sleep(0.2)

    assert paged(people["backup"]) == {"sms", "email", "in_app"}
    assert result.id
