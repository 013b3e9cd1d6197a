import time

import pytest
from django.test import Client

from concertation.tasks import heartbeat


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_healthz_reports_ok_once_a_real_worker_has_run_the_heartbeat(celery_worker):
    heartbeat.delay()
    deadline = time.time() + 15
    response = Client().get("/healthz")
    while response.status_code != 200 and time.time() < deadline:
        time.sleep(0.2)
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}
