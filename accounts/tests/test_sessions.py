"""Lockout after repeated failures (a cool-off, never permanent), idle and absolute session limits,
ending sessions (deactivation, the profile), all with real clocks moved by time-machine."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessEvent, UserSession
from accounts.testing import current_code
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BRUSSELS = ZoneInfo("Europe/Brussels")


def brussels(*wall) -> datetime:
    """The instant at this Brussels wall-clock time, in UTC so that adding a timedelta adds real
    time (aware arithmetic in a ZoneInfo zone adds wall-clock time, which is wrong across DST)."""
    return datetime(*wall, tzinfo=BRUSSELS).astimezone(UTC)


LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:login_verify")
HOME = reverse("accounts:home")


def attempt(client, user, password, ip="192.0.2.7"):
    return client.post(LOGIN, {"email": user.email, "password": password}, REMOTE_ADDR=ip)


def full_sign_in(client, user, ip="192.0.2.7"):
    response = attempt(client, user, PASSWORD, ip)
    assert response["Location"] == VERIFY, response.status_code
    response = client.post(VERIFY, {"code": current_code(user)}, REMOTE_ADDR=ip)
    assert response.status_code == 302
    return response


def sign_in_another_device(client, user, ip="192.0.2.7"):
    """A second sign-in needs the app's next code: the one just used is refused as a replay."""
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=True):
        return full_sign_in(client, user, ip)


# --- lockout --------------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_that_email_from_that_address(make_user):
    user = make_user("assistant")
    client = Client()
    for _n in range(4):
        assert attempt(client, user, "wrong password!").status_code == 200

    fifth = attempt(client, user, "wrong password!")
    with_the_right_password = attempt(client, user, PASSWORD)

    assert fifth.status_code == 429
    assert with_the_right_password.status_code == 429
    page = with_the_right_password.content.decode()
    assert "Trop de tentatives échouées depuis cette connexion. Attendez 15 minutes, puis réessayez." in page
    assert "Appelez l'AC coordinateur ou le dispatching." in page
    assert SESSION_KEY not in client.session


def test_the_lockout_is_journaled(make_user):
    user = make_user("assistant")
    client = Client()
    for _n in range(5):
        attempt(client, user, "wrong password!")
    attempt(client, user, PASSWORD)

    failures = AccessEvent.objects.filter(action=AccessEvent.Action.SIGN_IN_FAILED, actor_label=user.email)
    lockouts = AccessEvent.objects.filter(action=AccessEvent.Action.LOCKOUT, actor_label=user.email)
    assert failures.count() == 4
    assert lockouts.count() == 2
    assert {event.ip for event in lockouts} == {"192.0.2.7"}


def test_the_lockout_does_not_stop_the_same_person_from_another_address(make_user):
    user = make_user("assistant")
    for _n in range(5):
        attempt(Client(), user, "wrong password!", ip="203.0.113.66")

    response = attempt(Client(), user, PASSWORD, ip="192.0.2.7")

    assert response["Location"] == VERIFY


def test_the_lockout_does_not_stop_a_colleague_on_the_same_address(make_user):
    user, colleague = make_user("assistant"), make_user("assistant")
    for _n in range(5):
        attempt(Client(), user, "wrong password!")

    assert attempt(Client(), colleague, PASSWORD)["Location"] == VERIFY


def test_the_lockout_ends_after_fifteen_minutes_and_is_never_permanent(make_user):
    user = make_user("assistant")
    start = brussels(2026, 10, 25, 2, 50)  # across the end of summer time
    with time_machine.travel(start, tick=False):
        for _n in range(5):
            attempt(Client(), user, "wrong password!")
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert attempt(Client(), user, PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=15, seconds=5), tick=False):
        assert attempt(Client(), user, PASSWORD)["Location"] == VERIFY
    # A new round of failures locks again for 15 minutes only, however often it happens.
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        for _n in range(5):
            attempt(Client(), user, "wrong password!")
        assert attempt(Client(), user, PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(hours=1, minutes=16), tick=False):
        assert attempt(Client(), user, PASSWORD)["Location"] == VERIFY


def test_failures_during_the_lockout_do_not_extend_it(make_user):
    user = make_user("assistant")
    start = brussels(2026, 5, 4, 9, 0)
    with time_machine.travel(start, tick=False):
        for _n in range(5):
            attempt(Client(), user, "wrong password!")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        attempt(Client(), user, "still wrong!")
    with time_machine.travel(start + timedelta(minutes=15, seconds=5), tick=False):
        assert attempt(Client(), user, PASSWORD)["Location"] == VERIFY


def test_a_successful_sign_in_resets_the_failure_count(make_user):
    user = make_user("assistant")
    for _n in range(4):
        attempt(Client(), user, "wrong password!")
    full_sign_in(Client(), user)

    for _n in range(4):
        attempt(Client(), user, "wrong password!")

    assert attempt(Client(), user, PASSWORD)["Location"] == VERIFY


# --- idle and absolute timeouts --------------------------------------------------------------------------------


def test_a_session_idle_for_thirty_minutes_ends(make_user):
    user = make_user("assistant")
    start = brussels(2026, 3, 29, 1, 40)  # across the start of summer time
    client = Client()
    with time_machine.travel(start, tick=False):
        full_sign_in(client, user)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get(HOME).status_code == 200
    with time_machine.travel(start + timedelta(minutes=29 + 31), tick=False):
        response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(f"{LOGIN}?next=")
    assert SESSION_KEY not in client.session
    assert not UserSession.objects.filter(user=user).exists()  # no longer listed in the profile
    page = client.get(LOGIN).content.decode()
    assert "Votre session a expiré après une période d&#x27;inactivité. Veuillez vous reconnecter." in page


def test_activity_keeps_the_session_alive(make_user):
    user = make_user("assistant")
    start = brussels(2026, 6, 1, 8, 0)
    client = Client()
    with time_machine.travel(start, tick=False):
        full_sign_in(client, user)
    for minutes in (25, 50, 75, 100):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(HOME).status_code == 200


def test_background_polling_does_not_count_as_activity(make_user):
    user = make_user("assistant")
    start = brussels(2026, 6, 1, 8, 0)
    client = Client()
    with time_machine.travel(start, tick=False):
        full_sign_in(client, user)
    for minutes in (10, 20, 29):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            client.get(HOME, HTTP_X_BACKGROUND="1")
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert client.get(HOME).status_code == 302


def test_a_session_ends_after_twelve_hours_however_active(make_user):
    user = make_user("assistant")
    start = brussels(2026, 10, 24, 20, 0)  # the night summer time ends: 13 h long
    client = Client()
    with time_machine.travel(start, tick=False):
        full_sign_in(client, user)
    moment = start
    while moment < start + timedelta(hours=11, minutes=50):
        moment += timedelta(minutes=20)
        with time_machine.travel(moment, tick=False):
            assert client.get(HOME).status_code == 200, moment
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        response = client.get(HOME)
    assert response.status_code == 302
    assert "Votre session a atteint sa durée maximale." in client.get(LOGIN).content.decode()


def test_the_session_cookie_does_not_outlive_the_browser(make_user):
    user = make_user("assistant")
    client = Client()

    response = full_sign_in(client, user)

    morsel = response.cookies[settings.SESSION_COOKIE_NAME]
    assert morsel["expires"] == "" and morsel["max-age"] == ""
    assert morsel["httponly"] and morsel["samesite"] == "Lax"


def test_a_timed_out_htmx_request_is_sent_to_the_sign_in_page_as_a_whole(make_user):
    user = make_user("assistant")
    start = brussels(2026, 6, 1, 8, 0)
    client = Client()
    with time_machine.travel(start, tick=False):
        full_sign_in(client, user)
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        response = client.get(reverse("directory:service_list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(f"{LOGIN}?next=")


# --- ending sessions ------------------------------------------------------------------------------------------------


def test_deactivating_a_user_ends_all_their_sessions(make_user, client_as):
    user = make_user("assistant")
    phone, laptop = Client(), Client()
    full_sign_in(phone, user)
    sign_in_another_device(laptop, user)
    assert UserSession.objects.filter(user=user).count() == 2
    admin = client_as("admin")

    response = admin.post(reverse("accounts:user_deactivate", args=[user.pk]))

    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert phone.get(HOME).status_code == 302
    assert laptop.get(HOME).status_code == 302
    assert not UserSession.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert not user.is_active and user.deactivated_at is not None
    assert attempt(Client(), user, PASSWORD).status_code == 200  # refused


def test_a_deactivated_user_with_a_surviving_session_row_is_still_refused(make_user):
    """Even if a session escaped the clean-up, the deactivated account is no longer signed in."""
    user = make_user("assistant")
    client = Client()
    full_sign_in(client, user)
    user.deactivate()

    assert client.get(HOME).status_code == 302


def test_an_administrator_cannot_deactivate_their_own_account(client_as):
    admin = client_as("admin")

    admin.post(reverse("accounts:user_deactivate", args=[admin.user.pk]))

    admin.user.refresh_from_db()
    assert admin.user.is_active
    assert admin.get(HOME).status_code == 200


def test_the_profile_lists_open_sessions_and_ends_another_one(make_user):
    user = make_user("assistant")
    phone, laptop = Client(), Client()
    full_sign_in(phone, user)
    sign_in_another_device(laptop, user, ip="198.51.100.9")
    phone_session = UserSession.objects.get(session_key=phone.session.session_key)

    page = laptop.get(reverse("accounts:profile")).content.decode()
    assert "Sessions ouvertes" in page and "cette session" in page and "198.51.100.9" in page

    response = laptop.post(reverse("accounts:session_end", args=[phone_session.pk]))

    assert response["Location"] == reverse("accounts:profile")
    assert phone.get(HOME).status_code == 302
    assert laptop.get(HOME).status_code == 200
    assert not Session.objects.filter(session_key=phone_session.session_key).exists()


def test_ending_ones_own_current_session_signs_out(make_user):
    user = make_user("assistant")
    client = Client()
    full_sign_in(client, user)
    mine = UserSession.objects.get(session_key=client.session.session_key)

    response = client.post(reverse("accounts:session_end", args=[mine.pk]))

    assert response["Location"] == LOGIN
    assert client.get(HOME).status_code == 302


def test_changing_the_password_ends_the_other_sessions_only(make_user):
    user = make_user("assistant")
    phone, laptop = Client(), Client()
    full_sign_in(phone, user)
    sign_in_another_device(laptop, user)
    new = "a brand new passphrase 2026"

    response = laptop.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response["Location"] == reverse("accounts:profile")
    assert laptop.get(HOME).status_code == 200
    assert phone.get(HOME).status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_a_weak_new_password_is_refused_next_to_the_field(client_as):
    client = client_as("assistant")

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "trop court" in page  # Django's own validator message, in French
    client.user.refresh_from_db()
    assert client.user.check_password(PASSWORD)


def test_the_expired_session_cleaner_is_a_real_task(make_user):
    from accounts.tasks import clear_expired_sessions

    user = make_user("assistant")
    start = brussels(2026, 6, 1, 8, 0)
    client = Client()
    with time_machine.travel(start, tick=False):
        full_sign_in(client, user)
    key = client.session.session_key
    with time_machine.travel(start + timedelta(hours=13), tick=False):
        result = clear_expired_sessions()
    assert "1" in result
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
