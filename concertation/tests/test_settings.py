"""A bad or missing setting stops the process at start with one line naming the variable."""

import subprocess
import sys

import pytest
from django.conf import settings

from concertation.tests.test_headers import production_environment


def start(**changes) -> subprocess.CompletedProcess:
    env = production_environment()
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_environment_itself_starts():
    result = start()

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"SESSION_IDLE_MINUTES": "abc"},
            "Configuration error: SESSION_IDLE_MINUTES must be a whole number, not 'abc'.",
        ),
        ({"SESSION_IDLE_MINUTES": "0"}, "Configuration error: SESSION_IDLE_MINUTES must be at least 1, not 0."),
        ({"SECRET_KEY": ""}, "Configuration error: SECRET_KEY is required and not set (see .env.example)."),
        ({"SECRET_KEY": "short"}, "Configuration error: SECRET_KEY must be at least 50 random characters"),
        ({"DEBUG": "maybe"}, "Configuration error: DEBUG must be true or false, not 'maybe'."),
        ({"DATABASE_URL": "mysql://user:pw@db/concertation"}, "Configuration error: DATABASE_URL must be a URL"),
        ({"REDIS_URL": None}, "Configuration error: REDIS_URL is required and not set (see .env.example)."),
        ({"REDIS_URL": "http://redis:6379/0"}, "Configuration error: REDIS_URL must be a URL starting with"),
        ({"ALLOWED_HOSTS": ""}, "Configuration error: ALLOWED_HOSTS is required when DEBUG is off"),
        ({"SITE_URL": ""}, "Configuration error: SITE_URL is required when DEBUG is off"),
        ({"EMAIL_URL": "carrier-pigeon://loft"}, "Configuration error: EMAIL_URL cannot be read"),
        ({"SMS_BACKEND": "fax"}, "Configuration error: SMS_BACKEND must be console or http, not 'fax'."),
        ({"SMS_BACKEND": "http"}, "Configuration error: SMS_GATEWAY_URL is required when SMS_BACKEND is http."),
        ({"TIME_ZONE": "UTC"}, "Configuration error: TIME_ZONE must be one of Europe/Brussels, not 'UTC'."),
        ({"TRUSTED_DEVICE_DAYS": "365"}, "Configuration error: TRUSTED_DEVICE_DAYS must be at most 90, not 365."),
        ({"LOCKOUT_FAILURES": "1"}, "Configuration error: LOCKOUT_FAILURES must be at least 3, not 1."),
    ],
)
def test_a_bad_value_stops_the_start_with_one_line_naming_it(changes, message):
    result = start(**changes)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(message), lines[0]
    assert "Traceback" not in result.stderr


def test_a_database_url_with_a_password_is_not_printed_whole():
    result = start(DATABASE_URL="mysql://concertation:s3cr3t-pass@db.internal/concertation")

    assert result.returncode == 1
    assert "s3cr3t-pass" not in result.stderr


def test_a_missing_secret_key_is_fine_in_debug_for_local_work():
    result = start(DEBUG="true", SECRET_KEY=None, HTTPS="false", SITE_URL=None, ALLOWED_HOSTS=None)

    assert result.returncode == 0, result.stderr
