"""Fixtures shared by every app's tests: accounts per role, signed-in clients, the browser."""

import os

import pytest
from django.conf import settings
from django.test import Client

from accounts.testing import sign_in

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told this is safe (it is: one thread, no concurrency).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROLE_CODES = ["assistant", "admin", "chef", "dispatch", "dpo"]


def pytest_sessionstart(session):
    """Compile the catalogues when a .po is newer than its .mo (the .mo files are not in git)."""
    import polib

    for po_path in (settings.BASE_DIR / "locale").glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            temporary = mo_path.with_suffix(f".mo.{os.getpid()}")
            polib.pofile(str(po_path)).save_as_mofile(str(temporary))
            os.replace(temporary, mo_path)  # atomic: parallel test processes may compile at once


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


@pytest.fixture(scope="session")  # pytest-playwright's own fixture is session-scoped
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


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (in-process thread, real Redis broker) for integration tests.

    Tests using it must be ``@pytest.mark.django_db(transaction=True)``: the worker thread opens
    its own database connection and sees only committed rows. Each pytest-xdist process has its own
    Redis database (settings_test), so parallel runs never take each other's tasks.
    """
    from celery.contrib.testing.worker import start_worker

    from concertation.celery import app

    app.control.purge()
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20) as worker:
        yield worker
