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


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A browser set up as in the zone: Belgian French, Brussels time."""
    return {**browser_context_args, "locale": "fr-BE", "timezone_id": "Europe/Brussels"}


_DATA_LOADERS = []


def _data_migration_loaders():
    """The RunPython functions of our own migrations, in order (they load roles, communes, kinds of
    service, incident categories… and are idempotent)."""
    if not _DATA_LOADERS:
        from django.db import connection
        from django.db.migrations.loader import MigrationLoader
        from django.db.migrations.operations import RunPython

        loader = MigrationLoader(connection)
        ours = {config.label for config in apps_under_base_dir()}
        plan = []
        for leaf in loader.graph.leaf_nodes():
            plan += [key for key in loader.graph.forwards_plan(leaf) if key not in plan]
        for key in plan:
            if key[0] not in ours:
                continue
            for operation in loader.graph.nodes[key].operations:
                if isinstance(operation, RunPython):
                    _DATA_LOADERS.append(operation.code)
    return _DATA_LOADERS


def apps_under_base_dir():
    from django.apps import apps

    return [config for config in apps.get_app_configs() if str(config.path).startswith(str(settings.BASE_DIR))]


@pytest.fixture(autouse=True)
def _rows_of_data_migrations(request):
    """A transactional test (live_server, celery_worker…) starts after another one's flush, which
    TRUNCATEs every table, the rows of data migrations included: put them back first."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps
    from django.db import connection

    with connection.schema_editor(atomic=True) as editor:
        for load in _data_migration_loaders():
            load(apps, editor)


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
