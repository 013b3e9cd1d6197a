"""Helpers shared by the tests and the benchmark (not used by the running app)."""

import re
import time

from django.test import Client

from accounts.middleware import AUTH_STARTED_AT, LAST_SEEN_AT
from accounts.models import UserSession


def sign_in(client: Client, user) -> Client:
    """Open a fully signed-in session (password and second factor given) for ``user``."""
    client.force_login(user)
    device = user.totpdevice_set.filter(confirmed=True).first()
    session = client.session
    session["otp_device_id"] = device.persistent_id
    now = time.time()
    session[AUTH_STARTED_AT] = now
    session[LAST_SEEN_AT] = now
    session.save()
    UserSession.objects.get_or_create(session_key=session.session_key, defaults={"user": user})
    return client


def current_code(user) -> str:
    """The TOTP code the user's authenticator app shows right now."""
    from django_otp.oath import totp

    device = user.totpdevice_set.get(confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def browser_sign_in(page, live_server_url: str, user, password: str | None = None, *, language: str = "fr") -> None:
    """Sign in through the real pages, as a person would: e-mail, password, then the app's code.

    The labels are looked up in ``language`` (the page's language before sign-in is French unless
    the browser asks otherwise). Leaves the browser on the home page.
    """
    from accounts.tests.factories import PASSWORD

    labels = {
        "fr": ("Adresse e-mail", "Mot de passe", "Continuer", "Code", "Se connecter"),
        "nl": ("E-mailadres", "Wachtwoord", "Doorgaan", "Code", "Aanmelden"),
        "en": ("E-mail address", "Password", "Continue", "Code", "Sign in"),
    }[language]

    def field(label):
        # A required field's label ends with crispy-forms' asterisk ("Mot de passe*").
        return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))

    page.goto(f"{live_server_url}/sign-in/")
    field(labels[0]).fill(user.email)
    field(labels[1]).fill(password or PASSWORD)
    page.get_by_role("button", name=labels[2]).click()
    field(labels[3]).fill(current_code(user))
    page.get_by_role("button", name=labels[4]).click()
    page.wait_for_url(f"{live_server_url}/")


def at_once(count: int, function) -> list:
    """Run ``function(index)`` in ``count`` threads released together by a barrier, and return the
    results in thread order. Each thread has its own database connection (closed at its end), so
    the calls really overlap in PostgreSQL: the test must be ``django_db(transaction=True)``."""
    import threading

    from django.db import connection

    start = threading.Barrier(count)
    results: list = [None] * count
    errors: list = []

    def run(index):
        try:
            start.wait(timeout=30)
            results[index] = function(index)
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results
