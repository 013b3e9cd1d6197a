"""Password links by e-mail: the reset asked by the person, the invitation sent by an administrator.
Both work once, end at the second-factor step (never with an open session) and speak the
person's language."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AccessEvent, TrustedDevice, UserSession
from accounts.testing import current_code

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login_verify")
ENROL = reverse("accounts:enrol")
HOME = reverse("accounts:home")
RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "lilas de Schaerbeek au printemps"


def link_in(message) -> str:
    match = re.search(r"https?://\S+/password/reset/\S+/\S+/", message.body)
    assert match, message.body
    return match.group(0).replace(settings.SITE_URL, "")


def ask_reset(client, email, capture):
    with capture(execute=True):
        return client.post(RESET, {"email": email})


def test_a_reset_link_is_mailed_and_the_page_says_the_same_whether_the_account_exists(
    make_user, django_capture_on_commit_callbacks
):
    user = make_user("assistant")
    client = Client()

    known = ask_reset(client, user.email.upper(), django_capture_on_commit_callbacks)
    unknown = ask_reset(client, "nobody@example.org", django_capture_on_commit_callbacks)

    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert mail.outbox[0].subject == "Choisir un nouveau mot de passe · Concertation"
    page = client.get(known["Location"]).content.decode()
    assert "Si un compte utilise cette adresse, un lien est en route." in page
    assert "pendant 24 heures" in page


def test_no_link_is_mailed_to_a_deactivated_account(make_user, django_capture_on_commit_callbacks):
    user = make_user("assistant", is_active=False)

    ask_reset(Client(), user.email, django_capture_on_commit_callbacks)

    assert mail.outbox == []


def test_the_reset_ends_at_the_second_factor_without_a_session(make_user, django_capture_on_commit_callbacks):
    user = make_user("assistant")
    client = Client()
    ask_reset(client, user.email, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])

    form = client.get(link)
    assert form.status_code == 200
    assert f"Pour le compte {user.email}." in form.content.decode()
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response["Location"] == VERIFY
    assert SESSION_KEY not in client.session
    assert client.get(HOME).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.post(VERIFY, {"code": current_code(user)})["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_a_reset_link_works_once(make_user, django_capture_on_commit_callbacks):
    user = make_user("assistant")
    ask_reset(Client(), user.email, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    Client().post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link)

    assert again.status_code == 400
    assert "Ce lien a déjà été utilisé ou a expiré." in again.content.decode()


def test_a_reset_link_expires_after_a_day(make_user, django_capture_on_commit_callbacks):
    import time_machine
    from django.utils import timezone

    user = make_user("assistant")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask_reset(Client(), user.email, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])

    with time_machine.travel(start + timezone.timedelta(hours=24, minutes=1), tick=False):
        assert Client().get(link).status_code == 400


def test_the_reset_ends_every_session_and_revokes_trusted_devices(make_user, django_capture_on_commit_callbacks):
    from accounts.testing import sign_in

    user = make_user("assistant")
    open_elsewhere = sign_in(Client(), user)
    TrustedDevice.issue(user, label="old phone")
    client = Client()
    ask_reset(client, user.email, django_capture_on_commit_callbacks)

    client.post(link_in(mail.outbox[0]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert open_elsewhere.get(HOME).status_code == 302
    assert not UserSession.objects.filter(user=user).exists()
    assert not TrustedDevice.objects.valid().filter(user=user).exists()
    assert AccessEvent.objects.filter(actor=user, code="password.set_by_link").exists()


def test_after_a_reset_an_account_without_authenticator_enrols(make_user, django_capture_on_commit_callbacks):
    user = make_user("assistant", authenticator=False)
    client = Client()
    ask_reset(client, user.email, django_capture_on_commit_callbacks)

    response = client.post(link_in(mail.outbox[0]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response["Location"] == ENROL
    assert SESSION_KEY not in client.session


def test_two_different_new_passwords_are_refused_next_to_the_field(make_user, django_capture_on_commit_callbacks):
    user = make_user("assistant")
    client = Client()
    ask_reset(client, user.email, django_capture_on_commit_callbacks)

    response = client.post(link_in(mail.outbox[0]), {"new_password1": NEW_PASSWORD, "new_password2": "other"})

    assert response.status_code == 200
    assert "Les deux mots de passe sont différents." in response.content.decode()
    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)


def test_the_reset_mail_is_in_the_language_of_the_account(make_user, django_capture_on_commit_callbacks):
    user = make_user("assistant", language="nl", full_name="Wim Van den Broeck")

    ask_reset(Client(), user.email, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    assert message.subject == "Een nieuw wachtwoord kiezen · Concertation"
    assert "Beste Wim Van den Broeck," in message.body
    assert "De link werkt één keer, gedurende 24 uur." in message.body
    html = message.alternatives[0][0]
    assert 'lang="nl"' in html


# --- invitation ----------------------------------------------------------------------------------------------


def create_account(admin, capture, **fields):
    from accounts.models import Role

    data = {"email": "nieuwe.collega@example.org", "full_name": "Nele D'Hooghe", "phone": "", "language": "nl"}
    data.update(fields)
    data.setdefault("roles", [Role.objects.get(code="assistant").pk])
    with capture(execute=True):
        return admin.post(reverse("accounts:user_create"), data)


def test_a_new_account_gets_an_invitation_in_its_own_language(client_as, django_capture_on_commit_callbacks):
    admin = client_as("admin", full_name="Sophie Lambert", language="fr")

    response = create_account(admin, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    message = mail.outbox[0]
    assert message.to == ["nieuwe.collega@example.org"]
    assert message.subject == "Uw account · Concertation"
    assert "Beste Nele D'Hooghe," in message.body  # plain text: no HTML entities
    assert "Sophie Lambert heeft een account voor u aangemaakt in Concertation" in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body
    html = message.alternatives[0][0]
    assert "Beste Nele D&#x27;Hooghe," in html
    # and the administrator still reads French
    assert "Compte créé." in admin.get(response["Location"]).content.decode()


def test_the_invitation_link_sets_the_password_then_asks_to_set_up_the_app(
    client_as, django_capture_on_commit_callbacks
):
    admin = client_as("admin")
    create_account(admin, django_capture_on_commit_callbacks, language="fr")
    client = Client()

    response = client.post(link_in(mail.outbox[0]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response["Location"] == ENROL
    assert SESSION_KEY not in client.session
    assert "Configurez votre application" in client.get(ENROL).content.decode()


def test_an_administrator_can_send_a_new_link(client_as, make_user, django_capture_on_commit_callbacks):
    admin = client_as("admin")
    user = make_user("assistant")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("accounts:user_send_link", args=[user.pk]))

    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert mail.outbox[0].to == [user.email]
    assert AccessEvent.objects.filter(actor=admin.user, code="user.link_sent", object_id=str(user.pk))


def test_no_mail_leaves_when_the_request_fails(client_as, django_capture_on_commit_callbacks):
    admin = client_as("admin")

    create_account(admin, django_capture_on_commit_callbacks, email="not an address")

    assert mail.outbox == []
