"""The Celery app: Redis broker, JSON only, settings read from Django's CELERY_* values."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concertation.settings")

# The apps' tasks are found in each installed app's tasks module; the heartbeat is this package's
# own (it is configuration, not an installed app).
app = Celery("concertation", include=["concertation.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _first_heartbeat(sender, **kwargs):
    # /healthz reports a worker as soon as one is up, not a minute later at beat's first tick.
    from concertation.tasks import heartbeat

    heartbeat.delay()
