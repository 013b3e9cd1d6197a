"""Fixtures shared by every app's tests: accounts per role, signed-in clients, the browser."""

import os
import time

import pytest
from django.conf import settings
from django.test import Client

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is safe (it is: one thread, no concurrency).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROLE_CODES = ["assistant", "admin", "chef", "dispatch", "dpo"]


def sign_in(client: Client, user) -> Client:
    """Open a fully signed-in session (password and second factor given) for ``user``."""
    from accounts.middleware import AUTH_STARTED_AT, LAST_SEEN_AT
    from accounts.models import UserSession

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


@pytest.fixture
def make_user(db):
    from accounts.tests.factories import UserFactory

    def make(*roles, **fields):
        return UserFactory(roles=list(roles), **fields)

    return make


@pytest.fixture
def client_as(make_user):
    """client_as("admin") → a signed-in test client for a new user holding that role."""

    def make(*roles, user=None, **fields):
        user = user or make_user(*roles, **fields)
        client = Client()
        client.user = user
        return sign_in(client, user)

    return make


@pytest.fixture
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--headless=new",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def screenshot_dir():
    path = settings.BASE_DIR / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
