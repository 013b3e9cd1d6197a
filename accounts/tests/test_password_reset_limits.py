"""Password-reset e-mails are limited per account and per IP address, also when the requests come
all at once; the page answers the same in every case, so it tells nobody whether an account exists
or whether a limit was reached."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessEvent
from accounts.testing import at_once

RESET = reverse("accounts:password_reset")
SENT = reverse("accounts:password_reset_sent")


def ask(email, *, ip="192.0.2.1"):
    return Client(REMOTE_ADDR=ip).post(RESET, {"email": email})


@pytest.fixture
def limits(settings):
    settings.PASSWORD_RESETS_PER_ACCOUNT = 3
    settings.PASSWORD_RESETS_PER_ADDRESS = 5
    return settings


@pytest.mark.django_db
def test_links_for_one_account_stop_at_the_hourly_limit_and_the_page_does_not_tell(
    limits, make_user, django_capture_on_commit_callbacks
):
    user = make_user("assistant")

    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask(user.email, ip=f"192.0.2.{n}") for n in range(1, 6)]

    assert [answer["Location"] for answer in answers] == [SENT] * 5
    assert len(mail.outbox) == 3 and {message.to[0] for message in mail.outbox} == {user.email}
    codes = list(AccessEvent.objects.filter(object_id=str(user.pk)).order_by("id").values_list("code", flat=True))
    assert codes == ["password_reset.sent"] * 3 + ["password_reset.refused"] * 2


@pytest.mark.django_db
def test_an_hour_later_the_account_gets_a_link_again(limits, make_user, django_capture_on_commit_callbacks):
    user = make_user("assistant")
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            ask(user.email, ip=f"192.0.2.{n + 1}")
    assert len(mail.outbox) == 3

    with (
        time_machine.travel(start + timedelta(minutes=61), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ask(user.email)

    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_one_address_is_served_up_to_its_limit_whether_the_accounts_exist_or_not(
    limits, make_user, django_capture_on_commit_callbacks
):
    people = [make_user("assistant") for _n in range(3)]
    emails = [people[0].email, "nobody-1@example.org", people[1].email, "nobody-2@example.org", "nobody-3@example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        answers = [ask(email) for email in emails]
        refused = ask(people[2].email)
        elsewhere = ask(people[2].email, ip="198.51.100.7")

    assert {answer["Location"] for answer in [*answers, refused, elsewhere]} == {SENT}
    assert [message.to[0] for message in mail.outbox] == [people[0].email, people[1].email, people[2].email]
    from_the_first = AccessEvent.objects.filter(ip="192.0.2.1").order_by("id").values_list("code", flat=True)
    assert list(from_the_first)[-1] == "password_reset.refused"


@pytest.mark.django_db(transaction=True)
def test_eight_requests_at_once_for_one_account_send_no_more_than_the_limit(limits, make_user):
    user = make_user("assistant")

    answers = at_once(8, lambda n: ask(user.email, ip=f"192.0.2.{n + 1}")["Location"])

    assert answers == [SENT] * 8
    assert len(mail.outbox) == 3
    assert AccessEvent.objects.filter(code="password_reset.sent").count() == 3
    assert AccessEvent.objects.filter(code="password_reset.refused").count() == 5


@pytest.mark.django_db(transaction=True)
def test_eight_requests_at_once_from_one_address_are_served_no_more_than_the_limit(limits, make_user):
    people = [make_user("assistant") for _n in range(8)]

    answers = at_once(8, lambda n: ask(people[n].email)["Location"])

    assert answers == [SENT] * 8
    assert len(mail.outbox) == 5
    assert AccessEvent.objects.filter(code="password_reset.refused").count() == 3
