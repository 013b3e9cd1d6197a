"""One-time codes under concurrency: the same TOTP code or backup code posted by several browsers at
the same instant opens one session, never several (the check and the consumption are one step)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from accounts import services
from accounts.models import AccessEvent, UserSession
from accounts.testing import at_once, current_code
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login_verify")
BROWSERS = 4


def browsers_at_the_code_step(user, count=BROWSERS) -> list[Client]:
    """``count`` browsers that each gave the right password and wait at the code step."""
    clients = []
    for _n in range(count):
        client = Client()
        assert client.post(LOGIN, {"email": user.email, "password": PASSWORD})["Location"] == VERIFY
        clients.append(client)
    return clients


def post_at_once(clients, code) -> list[bool]:
    """Every browser posts ``code`` at the same instant; True for each that got a session."""

    def post(index):
        response = clients[index].post(VERIFY, {"code": code})
        return response.status_code == 302 and SESSION_KEY in clients[index].session

    return at_once(len(clients), post)


def test_one_authenticator_code_posted_four_times_at_once_opens_one_session(make_user):
    user = make_user("assistant")
    clients = browsers_at_the_code_step(user)

    opened = post_at_once(clients, current_code(user))

    assert opened.count(True) == 1
    assert UserSession.objects.filter(user=user).count() == 1
    assert AccessEvent.objects.filter(actor=user, action=AccessEvent.Action.SIGN_IN).count() == 1
    assert AccessEvent.objects.filter(actor=user, action=AccessEvent.Action.SIGN_IN_FAILED).count() == BROWSERS - 1


def test_one_backup_code_posted_four_times_at_once_opens_one_session(make_user):
    user = make_user("assistant")
    codes = services.new_backup_codes(user)
    clients = browsers_at_the_code_step(user)

    opened = post_at_once(clients, codes[0])

    assert opened.count(True) == 1
    assert UserSession.objects.filter(user=user).count() == 1
    assert not StaticToken.objects.filter(device__user=user, token=codes[0]).exists()
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 1
