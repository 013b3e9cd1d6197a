"""Security headers on every URL, and the production settings (HTTPS, HSTS, __Host- cookies,
`check --deploy`) built in a separate process, as the server would start."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from tests.test_role_matrix import URL_NAMES, all_url_patterns
from tests.url_samples import SAMPLES

PATTERNS = dict(all_url_patterns())


def _url(url_name: str) -> str:
    builder = SAMPLES.get(url_name)
    if builder is None and "<" in str(PATTERNS[url_name].pattern):
        pytest.skip("no sample in tests/url_samples.py (the role matrix test reports it)")
    return reverse(url_name, kwargs=builder() if builder else None)


def _csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response, where: str) -> None:
    csp = _csp(response)
    assert csp, f"{where}: no Content-Security-Policy"
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert "'unsafe-inline'" not in csp.get("style-src", []), where
    assert csp.get("frame-ancestors") == ["'none'"], where
    assert csp.get("object-src") == ["'none'"], where
    assert csp.get("base-uri") == ["'none'"], where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Cross-Origin-Opener-Policy") == "same-origin", where


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_every_url_sends_the_security_headers_to_anonymous_visitors(url_name, client):
    response = client.get(_url(url_name))

    assert_security_headers(response, url_name)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_every_url_forbids_caching_for_a_signed_in_user(url_name, client_as):
    client = client_as("assistant", "admin", "chef", "dispatch", "dpo")

    response = client.get(_url(url_name))

    assert_security_headers(response, url_name)
    cache_control = response.headers.get("Cache-Control", "")
    assert "no-store" in cache_control and "private" in cache_control, f"{url_name}: {cache_control!r}"


@pytest.mark.django_db
def test_error_pages_send_the_security_headers_too(client_as):
    client = client_as("chef")

    for response in (client.get("/no-such-page/"), client.get(reverse("accounts:journal"))):
        assert response.status_code in (403, 404)
        assert_security_headers(response, str(response.status_code))
        assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_pages_load_no_inline_script_and_no_inline_style(client_as):
    client = client_as("assistant", "admin", "dpo")
    import re

    for url_name in ("accounts:home", "accounts:profile", "accounts:user_list", "accounts:journal", "accounts:login"):
        page = client.get(_url(url_name)).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url_name
        assert " style=" not in page and " hx-on" not in page, url_name


def test_static_files_are_served_by_whitenoise_with_long_caching():
    assert settings.MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") < settings.MIDDLEWARE.index(
        "core.middleware.NoStoreMiddleware"
    )


# --- production settings, in a separate process -------------------------------------------------------------


def production_environment(**extra) -> dict[str, str]:
    """The environment of a production server, pointed at the test database."""
    database = connection.settings_dict  # the test database, under the `db` fixture
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "PYTHONPATH"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "concertation.settings",
            "DEBUG": "false",
            "DEMO_MODE": "false",
            "HTTPS": "true",
            "BEHIND_PROXY": "true",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "concertation.example.be,testserver",
            "SITE_URL": "https://concertation.example.be",
            "DATABASE_URL": (
                f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
                f"{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_URL": "smtp://mail.example.be:25",
        }
    )
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_REQUESTS = r"""
import json
import django
django.setup()
from django.conf import settings
from django.db import transaction
from django.test import Client
from accounts.testing import current_code
from accounts.tests.factories import UserFactory, PASSWORD

def cookies(response):
    return {name: {"secure": bool(m["secure"]), "httponly": bool(m["httponly"]), "path": m["path"],
                   "domain": m["domain"], "samesite": m["samesite"]} for name, m in response.cookies.items()}

out = {}
plain = Client().get("/sign-in/")
out["http_status"], out["http_location"] = plain.status_code, plain.get("Location", "")
health = Client().get("/healthz")
out["healthz_over_http"] = health.status_code
with transaction.atomic():
    user = UserFactory(roles=["assistant"])
    client = Client()
    page = client.get("/sign-in/", secure=True, HTTP_HOST="concertation.example.be")
    out["anonymous"] = {"status": page.status_code, "headers": dict(page.headers), "cookies": cookies(page)}
    step = client.post("/sign-in/", {"email": user.email, "password": PASSWORD}, secure=True,
                       HTTP_HOST="concertation.example.be")
    out["password_step"] = {"status": step.status_code, "cookies": cookies(step)}
    done = client.post("/sign-in/code/", {"code": current_code(user), "trust_device": "on"}, secure=True,
                       HTTP_HOST="concertation.example.be")
    out["code_step"] = {"status": done.status_code, "location": done.get("Location"), "cookies": cookies(done)}
    home = client.get("/directory/services/", secure=True, HTTP_HOST="concertation.example.be")
    out["home"] = {"status": home.status_code, "headers": dict(home.headers)}
    transaction.set_rollback(True)
print(json.dumps(out))
"""


_PRODUCTION_RUN = {}


@pytest.fixture
def production(db, tmp_path_factory):
    """What a production server answered (run once per test process, against the test database).

    Production serves hashed static files from a manifest, so `collectstatic` runs first, as in a
    deployment (it also proves every referenced file, source maps included, exists)."""
    if not _PRODUCTION_RUN:
        env = production_environment(STATIC_ROOT=str(tmp_path_factory.mktemp("static")))
        collected = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert collected.returncode == 0, collected.stderr[-3000:]
        result = run_python(PRODUCTION_REQUESTS, env)
        assert result.returncode == 0, result.stderr[-3000:]
        _PRODUCTION_RUN.update(json.loads(result.stdout.strip().splitlines()[-1]))
    return _PRODUCTION_RUN


def test_production_redirects_plain_http_to_https_except_the_health_check(production):
    assert production["http_status"] == 301
    assert production["http_location"] == "https://testserver/sign-in/"
    assert production["healthz_over_http"] in (200, 503)


def test_production_sends_hsts_for_a_year_with_subdomains_and_preload(production):
    hsts = production["anonymous"]["headers"]["Strict-Transport-Security"]

    assert hsts == "max-age=31536000; includeSubDomains; preload"


def test_production_cookies_are_secure_host_cookies(production):
    csrf = production["anonymous"]["cookies"]["__Host-csrftoken"]
    session = production["password_step"]["cookies"]["__Host-sessionid"]
    trusted = production["code_step"]["cookies"]["__Host-trusted"]

    for cookie in (csrf, session, trusted):
        assert cookie["secure"] and cookie["path"] == "/" and cookie["domain"] == ""
    assert session["httponly"] and trusted["httponly"]
    assert session["samesite"] == trusted["samesite"] == "Lax"


def test_production_signed_in_pages_are_never_stored(production):
    assert production["code_step"]["status"] == 302 and production["code_step"]["location"] == "/"
    home = production["home"]

    assert home["status"] == 200
    assert "no-store" in home["headers"]["Cache-Control"]
    assert "Strict-Transport-Security" in home["headers"]


def test_check_deploy_finds_nothing_in_production_settings(db):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
