"""The deployment files of deploy/: the systemd units are valid and restart the services by
themselves, confined; the Compose file runs commands that exist, with the two database roles; the
proxy sets the headers the settings read. (No Docker engine or systemd as PID 1 in the test run: the
files are checked, and gunicorn's settings are run for real in tests/test_db_connections.py.)"""

import configparser
import re
import shutil
import subprocess

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

DEPLOY = settings.BASE_DIR / "deploy"
SERVICES = ["concertation-web", "concertation-worker", "concertation-beat"]


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / name)
    return parser


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_every_unit_and_finds_every_command(tmp_path):
    """Checked as installed: /opt/concertation replaced by a folder holding this checkout's virtualenv."""
    app = tmp_path / "opt" / "concertation"
    app.mkdir(parents=True)
    (app / ".venv").symlink_to((settings.BASE_DIR / ".venv").resolve())
    (app / "deploy").symlink_to(DEPLOY)
    units = []
    for path in sorted((DEPLOY / "systemd").iterdir()):
        (tmp_path / path.name).write_text(path.read_text().replace("/opt/concertation", str(app)))
        units.append(str(tmp_path / path.name))

    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, cwd=tmp_path)

    problems = [line for line in result.stderr.splitlines() if "concertation" in line]
    assert result.returncode == 0 and not problems, result.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_comes_back_by_itself_within_seconds_confined(name):
    service = _unit(f"{name}.service")

    assert service["Unit"]["StartLimitIntervalSec"] == "0"  # systemd never gives up restarting it
    assert service["Service"]["Restart"] == "always"
    assert int(service["Service"]["RestartSec"]) <= 5
    for setting, value in {
        "User": "concertation",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "CapabilityBoundingSet": "",
        "EnvironmentFile": "/etc/concertation/concertation.env",  # the app's role, never owner.env
    }.items():
        assert service["Service"][setting] == value, setting
    assert service["Install"]["WantedBy"] == "concertation.target"


def test_only_the_owners_jobs_read_the_owners_password():
    for path in (DEPLOY / "systemd").glob("*.service"):
        reads_owner = "owner.env" in path.read_text()
        assert reads_owner == (path.stem in {"concertation-purge-journal", "concertation-backup"}), path.name


def _compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_runs_commands_that_exist():
    compose = _compose()
    venv_bin = settings.BASE_DIR / ".venv" / "bin"
    for name in ("web", "worker", "beat", "migrate"):
        command = compose["services"][name]["command"]
        if command[0] == "sh":
            steps = [step.split() for step in command[2].split("&&")]
        else:
            steps = [command]
        for step in steps:
            program = step[0]
            assert (venv_bin / program).exists(), f"{name}: {program}"
            if program == "python":
                assert step[1] == "manage.py" and step[2] in get_commands(), f"{name}: {step}"
            if program == "gunicorn":
                assert (settings.BASE_DIR / step[step.index("-c") + 1]).is_file()
            if program == "celery":
                assert step[1:3] == ["-A", "concertation"] and step[3] in {"worker", "beat"}
    assert (DEPLOY / compose["x-app"]["build"]["dockerfile"].removeprefix("deploy/")).is_file()
    assert compose["services"]["db"]["volumes"][1].startswith("./compose/initdb.sh:")


def test_the_app_containers_use_the_app_role_and_only_migrate_uses_the_owner():
    compose = _compose()
    for name, service in compose["services"].items():
        url = (service.get("environment") or {}).get("DATABASE_URL", "")
        if name == "migrate":
            assert url.startswith("postgres://concertation_owner:")
        elif name in {"web", "worker", "beat"}:
            assert url.startswith("postgres://concertation_app:")
            assert service["restart"] == "always"
            assert "OWNER_DB_PASSWORD" not in str(service)
    assert compose["services"]["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_proxy_sets_the_forwarded_headers_the_settings_read():
    """BEHIND_PROXY trusts X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER), X-Forwarded-Host
    (USE_X_FORWARDED_HOST) and the right-most X-Forwarded-For (the journal's client address)."""
    nginx = (DEPLOY / "nginx" / "concertation.conf").read_text()
    https_server = nginx[nginx.index("listen 443") :]

    assert "proxy_set_header X-Forwarded-Proto https;" in https_server
    assert "proxy_set_header X-Forwarded-Host $host;" in https_server
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in https_server  # appends the client
    log_format = nginx[nginx.index("log_format") :].split(";")[0]
    assert "$concertation_logged_path" in log_format  # no query string, no link token
    assert not {"$request", "$request_uri", "$args", "$query_string", "$uri"} & set(re.findall(r"\$\w+", log_format))
    assert "reverse_proxy web:8000" in (DEPLOY / "Caddyfile").read_text()  # Caddy sets all three itself
