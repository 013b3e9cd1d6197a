"""Sign-in: password, then the second factor; enrolment at the first sign-in; backup codes; replay
and throttling of codes; trusted devices; sign-out. Everything through the real views."""

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessEvent, TrustedDevice, UserSession
from accounts.testing import current_code
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login_verify")
ENROL = reverse("accounts:enrol")
HOME = reverse("accounts:home")
BACKUP = reverse("accounts:backup_codes")


def give_password(client, user, password=PASSWORD, **extra):
    return client.post(LOGIN, {"email": user.email, "password": password}, **extra)


def give_code(client, code, *, trust=False):
    data = {"code": code}
    if trust:
        data["trust_device"] = "on"
    return client.post(VERIFY, data)


def signed_in(client) -> bool:
    return SESSION_KEY in client.session and client.get(HOME).status_code == 200


def journal_of(user, action):
    return AccessEvent.objects.filter(actor=user, action=action)


# --- password, then the code -------------------------------------------------------------------------


def test_the_right_password_leads_to_the_code_step_without_opening_a_session(make_user):
    user = make_user("assistant")
    client = Client()

    response = give_password(client, user)

    assert response.status_code == 302 and response["Location"] == VERIFY
    assert SESSION_KEY not in client.session
    assert client.get(HOME)["Location"].startswith(f"{LOGIN}?next=")


def test_a_wrong_password_is_refused_with_a_message_and_journaled(make_user):
    user = make_user("assistant")
    client = Client()

    response = give_password(client, user, password="not the password at all")

    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()
    assert SESSION_KEY not in client.session
    failure = AccessEvent.objects.get(action=AccessEvent.Action.SIGN_IN_FAILED)
    assert failure.actor is None and failure.actor_label == user.email
    assert failure.ip == "127.0.0.1"


def test_the_email_address_is_not_case_sensitive(make_user):
    make_user("assistant", email="marie.dupont@example.org")
    client = Client()

    response = client.post(LOGIN, {"email": "  Marie.Dupont@Example.ORG ", "password": PASSWORD})

    assert response["Location"] == VERIFY


def test_a_deactivated_account_cannot_sign_in(make_user):
    user = make_user("assistant", is_active=False)

    response = give_password(Client(), user)

    assert response.status_code == 200
    assert "incorrect" in response.content.decode()


def test_the_authenticator_code_opens_the_session_and_journals_the_sign_in(make_user):
    user = make_user("assistant")
    client = Client()
    give_password(client, user)

    response = give_code(client, current_code(user))

    assert response.status_code == 302 and response["Location"] == HOME
    assert signed_in(client)
    event = journal_of(user, AccessEvent.Action.SIGN_IN).get()
    assert event.code == "sign_in.authenticator"
    assert UserSession.objects.filter(user=user, session_key=client.session.session_key).exists()


def test_signing_in_gives_a_new_session_key(make_user):
    user = make_user("assistant")
    client = Client()
    client.get(LOGIN)
    client.post(reverse("set_language"), {"language": "nl"})  # an anonymous session exists
    give_password(client, user)
    key_at_code_step = client.session.session_key
    assert key_at_code_step

    give_code(client, current_code(user))

    assert client.session.session_key != key_at_code_step


def test_the_password_step_also_changes_the_session_key(make_user):
    user = make_user("assistant")
    client = Client()
    client.get(LOGIN)
    session = client.session
    session["anything"] = 1
    session.save()
    anonymous_key = session.session_key

    give_password(client, user)

    assert client.session.session_key != anonymous_key


def test_a_wrong_code_is_refused_next_to_the_field_and_journaled(make_user):
    user = make_user("assistant")
    client = Client()
    give_password(client, user)
    right = current_code(user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = give_code(client, wrong)

    assert response.status_code == 200
    assert "Ce code n&#x27;est pas valide ou a déjà été utilisé." in response.content.decode()
    assert SESSION_KEY not in client.session
    failure = journal_of(user, AccessEvent.Action.SIGN_IN_FAILED).get()
    assert failure.code == "second_factor.invalid"


def test_a_code_already_used_is_refused(make_user):
    user = make_user("assistant")
    code = current_code(user)
    first = Client()
    give_password(first, user)
    assert give_code(first, code).status_code == 302

    second = Client()
    give_password(second, user)
    response = give_code(second, code)

    assert response.status_code == 200
    assert SESSION_KEY not in second.session
    assert "déjà été utilisé" in response.content.decode()


def test_wrong_codes_in_a_row_are_throttled_even_when_the_right_one_follows(make_user):
    user = make_user("assistant")
    client = Client()
    give_password(client, user)
    with time_machine.travel(timezone.now(), tick=False):
        right = current_code(user)
        for wrong in ("000000", "111111"):
            if wrong != right:
                give_code(client, wrong)

        response = give_code(client, right)

        assert response.status_code == 200
        assert "Trop de codes erronés" in response.content.decode()
        assert SESSION_KEY not in client.session


def test_after_the_throttle_delay_the_right_code_works_again(make_user):
    user = make_user("assistant")
    client = Client()
    give_password(client, user)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        give_code(client, "000000" if current_code(user) != "000000" else "111111")
    with time_machine.travel(start + timedelta(seconds=35), tick=False):
        response = give_code(client, current_code(user))
    assert response.status_code == 302
    assert signed_in(client)


def test_the_code_step_without_a_password_sends_back_to_sign_in(make_user):
    response = Client().get(VERIFY)

    assert response.status_code == 302 and response["Location"] == LOGIN


def test_an_unfinished_sign_in_expires_after_a_few_minutes(make_user):
    user = make_user("assistant")
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        give_password(client, user)
    later = start + timedelta(seconds=settings.PENDING_SIGN_IN_SECONDS + 5)
    with time_machine.travel(later, tick=False):
        response = give_code(client, current_code(user))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert SESSION_KEY not in client.session


def test_sign_in_returns_to_the_page_asked_for(make_user):
    user = make_user("admin")
    client = Client()
    target = reverse("accounts:user_list")
    client.post(f"{LOGIN}?next={target}", {"email": user.email, "password": PASSWORD})

    response = give_code(client, current_code(user))

    assert response["Location"] == target


def test_sign_in_never_returns_to_another_site(make_user):
    user = make_user("assistant")
    client = Client()
    client.post(f"{LOGIN}?next=https://evil.example/", {"email": user.email, "password": PASSWORD})

    response = give_code(client, current_code(user))

    assert response["Location"] == HOME


# --- enrolment at the first sign-in ---------------------------------------------------------------------


def manual_key_on(page_html: str) -> str:
    match = re.search(r'data-testid="manual-key">([A-Z2-7 ]+)<', page_html)
    assert match, "the manual key is on the page"
    return match.group(1).replace(" ", "")


def code_from_key(key: str) -> str:
    """What an authenticator app set up with this manual key shows right now."""
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    return f"{totp(secret, step=30, t0=0, digits=6):06d}"


def test_a_first_sign_in_shows_a_qr_code_and_a_manual_key_then_asks_for_a_code(make_user):
    user = make_user("assistant", authenticator=False)
    client = Client()

    response = give_password(client, user)
    assert response["Location"] == ENROL
    page = client.get(ENROL).content.decode()

    assert 'src="data:image/svg+xml;base64,' in page
    assert "Configurez votre application d'authentification" in page
    key = manual_key_on(page)
    assert len(key) == 32
    assert SESSION_KEY not in client.session
    # reloading the page keeps the same key (the person may be half-way through scanning)
    assert manual_key_on(client.get(ENROL).content.decode()) == key


def test_enrolment_confirmed_by_a_code_opens_the_session_and_shows_backup_codes_once(make_user):
    user = make_user("assistant", authenticator=False)
    client = Client()
    give_password(client, user)
    key = manual_key_on(client.get(ENROL).content.decode())

    response = client.post(ENROL, {"code": code_from_key(key)})

    assert response.status_code == 302 and response["Location"] == BACKUP
    assert signed_in(client)
    assert TOTPDevice.objects.get(user=user).confirmed
    page = client.get(BACKUP).content.decode()
    codes = re.findall(r'<li class="col">([a-z2-7]{8})</li>', page)
    assert len(codes) == settings.BACKUP_CODE_COUNT
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    again = client.get(BACKUP).content.decode()
    assert not any(code in again for code in codes)
    assert "Il vous reste 10 codes de secours inutilisés." in again
    assert journal_of(user, AccessEvent.Action.SECURITY).filter(code="second_factor.enrolled").exists()
    assert journal_of(user, AccessEvent.Action.SIGN_IN).get().code == "sign_in.enrolled"


def test_a_wrong_enrolment_code_is_refused_and_nothing_is_confirmed(make_user):
    user = make_user("assistant", authenticator=False)
    client = Client()
    give_password(client, user)
    key = manual_key_on(client.get(ENROL).content.decode())
    right = code_from_key(key)

    response = client.post(ENROL, {"code": f"{(int(right) + 7) % 1_000_000:06d}"})

    assert response.status_code == 200
    assert "Ce code ne correspond pas." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert SESSION_KEY not in client.session


def test_an_enrolment_code_that_is_not_six_digits_gets_a_clear_message(make_user):
    user = make_user("assistant", authenticator=False)
    client = Client()
    give_password(client, user)
    client.get(ENROL)

    response = client.post(ENROL, {"code": "12ab"})

    assert "Saisissez les 6 chiffres affichés par l&#x27;application." in response.content.decode()


def test_enrolment_is_not_offered_to_someone_who_only_knows_the_url(make_user):
    response = Client().get(ENROL)

    assert response.status_code == 302 and response["Location"] == LOGIN


def test_an_account_with_an_authenticator_cannot_enrol_another_one_with_the_password_alone(make_user):
    user = make_user("assistant")
    client = Client()
    give_password(client, user)

    response = client.get(ENROL)

    assert response.status_code == 302 and response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_the_enrolment_code_cannot_be_replayed_at_the_next_sign_in(make_user):
    user = make_user("assistant", authenticator=False)
    client = Client()
    give_password(client, user)
    key = manual_key_on(client.get(ENROL).content.decode())
    with time_machine.travel(timezone.now(), tick=False):
        code = code_from_key(key)
        client.post(ENROL, {"code": code})
        other = Client()
        give_password(other, user)

        response = give_code(other, code)

    assert response.status_code == 200
    assert SESSION_KEY not in other.session


def test_a_signed_in_user_sets_up_a_new_phone_with_their_password_and_the_old_app_stops(client_as):
    client = client_as("assistant")
    user = client.user
    old = TOTPDevice.objects.get(user=user)
    page = client.get(ENROL).content.decode()
    key = manual_key_on(page)

    wrong_password = client.post(ENROL, {"code": code_from_key(key), "password": "nope nope nope"})
    assert "Votre mot de passe actuel est incorrect." in wrong_password.content.decode()

    response = client.post(ENROL, {"code": code_from_key(key), "password": PASSWORD})

    assert response["Location"] == BACKUP
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert TOTPDevice.objects.get(user=user).confirmed


# --- backup codes -------------------------------------------------------------------------------------------


def make_backup_codes(user):
    from accounts import services

    return services.new_backup_codes(user)


def test_a_backup_code_opens_a_session_once(make_user):
    user = make_user("assistant")
    codes = make_backup_codes(user)
    client = Client()
    give_password(client, user)

    response = give_code(client, codes[0].upper()[:4] + " " + codes[0].upper()[4:])

    assert response.status_code == 302
    assert signed_in(client)
    assert journal_of(user, AccessEvent.Action.SIGN_IN).get().code == "sign_in.backup"
    assert StaticToken.objects.filter(device__user=user).count() == settings.BACKUP_CODE_COUNT - 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"Vous avez utilisé un code de secours. Il en reste {settings.BACKUP_CODE_COUNT - 1}."]

    again = Client()
    give_password(again, user)
    refused = give_code(again, codes[0])
    assert refused.status_code == 200
    assert SESSION_KEY not in again.session


def test_making_new_backup_codes_voids_the_old_ones(client_as):
    client = client_as("assistant")
    user = client.user
    old = make_backup_codes(user)

    response = client.post(BACKUP)

    assert response["Location"] == BACKUP
    fresh = re.findall(r'<li class="col">([a-z2-7]{8})</li>', client.get(BACKUP).content.decode())
    assert len(fresh) == settings.BACKUP_CODE_COUNT
    assert not set(old) & set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert journal_of(user, AccessEvent.Action.SECURITY).filter(code="backup_codes.new").exists()


def test_backup_codes_are_never_all_digits_so_they_cannot_be_taken_for_an_app_code(make_user):
    user = make_user("assistant")
    for _round in range(5):
        assert not any(code.isdigit() for code in make_backup_codes(user))


# --- trusted devices ----------------------------------------------------------------------------------------


def sign_in_trusting(client, user):
    give_password(client, user)
    response = give_code(client, current_code(user), trust=True)
    assert response.status_code == 302
    return response


def trusted_cookie(client) -> str:
    return client.cookies[settings.TRUSTED_DEVICE_COOKIE_NAME].value


def browser_with_cookie(value: str) -> Client:
    client = Client()
    client.cookies[settings.TRUSTED_DEVICE_COOKIE_NAME] = value
    return client


def test_a_trusted_device_skips_the_code_for_that_user(make_user):
    user = make_user("assistant")
    first = Client()
    response = sign_in_trusting(first, user)
    morsel = response.cookies[settings.TRUSTED_DEVICE_COOKIE_NAME]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    assert int(morsel["max-age"]) == settings.TRUSTED_DEVICE_DAYS * 86400
    device = TrustedDevice.objects.get(user=user)
    assert device.expires_at - device.created_at == timedelta(days=30)

    phone = browser_with_cookie(trusted_cookie(first))
    response = give_password(phone, user)

    assert response["Location"] == HOME
    assert signed_in(phone)
    assert journal_of(user, AccessEvent.Action.SIGN_IN).latest("id").code == "sign_in.trusted_device"


def test_the_trusted_cookie_still_needs_the_password(make_user):
    user = make_user("assistant")
    first = Client()
    sign_in_trusting(first, user)
    phone = browser_with_cookie(trusted_cookie(first))

    response = give_password(phone, user, password="wrong password here")

    assert response.status_code == 200
    assert SESSION_KEY not in phone.session


def test_a_trusted_cookie_is_bound_to_its_user(make_user):
    owner = make_user("assistant")
    colleague = make_user("assistant")
    first = Client()
    sign_in_trusting(first, owner)
    shared = browser_with_cookie(trusted_cookie(first))

    response = give_password(shared, colleague)

    assert response["Location"] == VERIFY


def test_a_tampered_trusted_cookie_is_ignored(make_user):
    user = make_user("assistant")
    first = Client()
    sign_in_trusting(first, user)
    value = trusted_cookie(first)
    forged = browser_with_cookie(value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))

    assert give_password(forged, user)["Location"] == VERIFY


def test_a_revoked_device_asks_for_the_code_again(make_user):
    user = make_user("assistant")
    first = Client()
    sign_in_trusting(first, user)
    cookie = trusted_cookie(first)
    device = TrustedDevice.objects.get(user=user)
    profile = first.get(reverse("accounts:profile")).content.decode()
    assert "Appareils de confiance" in profile and "Révoquer" in profile

    response = first.post(reverse("accounts:trusted_device_revoke", args=[device.pk]))

    assert response["Location"] == reverse("accounts:profile")
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert "Aucun appareil de confiance." in first.get(reverse("accounts:profile")).content.decode()
    assert give_password(browser_with_cookie(cookie), user)["Location"] == VERIFY


def test_a_user_cannot_revoke_someone_elses_device(make_user, client_as):
    owner = make_user("assistant")
    device, _token = TrustedDevice.issue(owner, label="phone")
    client = client_as("assistant")

    response = client.post(reverse("accounts:trusted_device_revoke", args=[device.pk]))

    assert response.status_code == 404
    device.refresh_from_db()
    assert device.revoked_at is None


def test_a_trusted_device_expires_after_thirty_days(make_user):
    user = make_user("assistant")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = Client()
        sign_in_trusting(first, user)
        cookie = trusted_cookie(first)
    with time_machine.travel(start + timedelta(days=29), tick=False):
        assert give_password(browser_with_cookie(cookie), user)["Location"] == HOME
    with time_machine.travel(start + timedelta(days=30, minutes=1), tick=False):
        assert give_password(browser_with_cookie(cookie), user)["Location"] == VERIFY


def test_a_trusted_device_records_its_last_use(make_user):
    user = make_user("assistant")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = Client()
        sign_in_trusting(first, user)
        cookie = trusted_cookie(first)
    with time_machine.travel(start + timedelta(days=3), tick=False):
        give_password(browser_with_cookie(cookie), user)
    device = TrustedDevice.objects.get(user=user)
    assert device.last_used_at == start + timedelta(days=3)


def test_a_device_is_trusted_only_when_asked(make_user):
    user = make_user("assistant")
    client = Client()
    give_password(client, user)

    response = give_code(client, current_code(user))

    assert settings.TRUSTED_DEVICE_COOKIE_NAME not in response.cookies
    assert not TrustedDevice.objects.exists()


def test_resetting_the_second_factor_revokes_trusted_devices(make_user, client_as):
    user = make_user("assistant")
    first = Client()
    sign_in_trusting(first, user)
    cookie = trusted_cookie(first)
    admin = client_as("admin")

    admin.post(reverse("accounts:user_reset_second_factor", args=[user.pk]))

    assert give_password(browser_with_cookie(cookie), user)["Location"] == ENROL
    assert not signed_in(first)


# --- sign-out ------------------------------------------------------------------------------------------------


def test_signing_out_ends_the_session_and_is_journaled(make_user):
    user = make_user("assistant")
    client = Client()
    give_password(client, user)
    give_code(client, current_code(user))
    key = client.session.session_key

    response = client.post(reverse("accounts:logout"))

    assert response["Location"] == LOGIN
    assert "Vous êtes déconnecté(e)." in client.get(LOGIN).content.decode()
    assert not UserSession.objects.filter(session_key=key).exists()
    assert journal_of(user, AccessEvent.Action.SIGN_OUT).count() == 1
    assert client.get(HOME).status_code == 302


def test_signing_out_needs_a_post(client_as):
    client = client_as("assistant")

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(HOME).status_code == 200


def test_signing_out_needs_the_csrf_token(make_user):
    user = make_user("assistant")
    client = Client(enforce_csrf_checks=True)
    give_password_with_csrf(client, user)
    give_code_with_csrf(client, current_code(user))

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 403
    assert client.get(HOME).status_code == 200


def _csrf(client, url):
    client.get(url)
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def give_password_with_csrf(client, user):
    token = _csrf(client, LOGIN)
    return client.post(LOGIN, {"email": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token})


def give_code_with_csrf(client, code):
    token = _csrf(client, VERIFY)
    return client.post(VERIFY, {"code": code, "csrfmiddlewaretoken": token})


def test_the_sign_in_form_needs_the_csrf_token(make_user):
    user = make_user("assistant")
    client = Client(enforce_csrf_checks=True)

    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})

    assert response.status_code == 403
    assert give_password_with_csrf(client, user)["Location"] == VERIFY
