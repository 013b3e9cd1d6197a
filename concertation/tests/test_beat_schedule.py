"""The static beat schedule names only tasks a worker knows."""

from django.conf import settings

from concertation.celery import app


def test_every_task_of_the_beat_schedule_exists():
    app.loader.import_default_modules()

    missing = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in app.tasks]

    assert not missing, f"beat would send tasks no worker knows: {missing}"
