"""/healthz: for the load balancer and monitoring. No sign-in, no data, 503 naming what is down."""

import time

import pytest
from django.core.cache import cache

from concertation.tasks import HEARTBEAT_KEY, heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_redis_and_a_recent_heartbeat_are_there(client):
    heartbeat()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}


def test_healthz_is_503_naming_the_worker_when_the_heartbeat_is_stale(client, settings):
    cache.set(HEARTBEAT_KEY, time.time() - settings.HEARTBEAT_MAX_AGE - 5, timeout=None)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "redis": "ok", "worker": "down"}


def test_healthz_is_503_naming_the_worker_when_no_heartbeat_ever_came(client):
    cache.delete(HEARTBEAT_KEY)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["worker"] == "down"


@pytest.mark.parametrize(
    "location",
    [
        "redis://127.0.0.1:9/0",  # the discard port: nothing listens there, the connection is refused
        "redis://10.255.255.1:6379/0",  # a non-routable address: nothing answers at all
    ],
)
def test_healthz_is_503_naming_redis_when_redis_is_unreachable(client, settings, location):
    heartbeat()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}

    started = time.monotonic()
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "redis": "down", "worker": "unknown"}
    assert time.monotonic() - started < 10


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_naming_the_database_when_it_is_unreachable(client):
    from django.db import connection

    heartbeat()
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "9"  # nothing listens there: the database is "down"
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "down", "redis": "ok", "worker": "ok"}


def test_healthz_gives_no_data_sets_no_cookie_and_writes_no_journal(client):
    from accounts.models import AccessEvent

    heartbeat()

    response = client.get("/healthz", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert set(response.json()) == {"status", "database", "redis", "worker"}
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
    assert not AccessEvent.objects.exists()
