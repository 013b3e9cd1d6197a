"""Test speed-ups only; behaviour stays that of settings.py."""

import os
from urllib.parse import urlparse

# The suite runs over plain HTTP (test client, live_server); production HTTPS is tested separately
# by tests that rebuild the settings with HTTPS on.
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("DEMO_MODE", "false")

from .settings import *  # noqa: E402,F403

# Parallel test processes (pytest-xdist) each get their own Redis database, so one process's Celery
# worker never takes another's tasks and cache keys never collide.
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
# TEST_REDIS_DB_BASE lets two checkouts run their suites at once against one Redis server.
_redis_db = int(os.environ.get("TEST_REDIS_DB_BASE", "1")) + (int(_xdist[2:] or 0) if _xdist.startswith("gw") else 0)
if REDIS_URL.startswith("redis"):  # noqa: F405
    REDIS_URL = urlparse(REDIS_URL)._replace(path=f"/{_redis_db}").geturl()  # noqa: F405
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # Argon2 costs ~0.1 s per hash
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests fork processes and repoint the connection at a dead port; a pool would hand out connections
# made before. The pool's bound is tested with real server processes (tests/test_db_connections.py).
DATABASES["default"]["OPTIONS"].pop("pool")  # noqa: F405
