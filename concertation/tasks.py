import time

from celery import shared_task
from django.core.cache import cache

HEARTBEAT_KEY = "worker-heartbeat"


@shared_task(ignore_result=True)
def heartbeat() -> str:
    """Stamp the time a worker last ran something; /healthz reads it.

    Safe to run twice: it only overwrites one timestamp.
    """
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)
    return "ok"
