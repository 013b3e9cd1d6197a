"""scripts/services.sh starts the private PostgreSQL and Redis of `make run`, `make test` and
`make bench` (when DATABASE_URL / REDIS_URL are not set). A command ending stops only the servers no
other command still uses; a checkout in a folder the database's user cannot enter (a clone in root's
home, mode 700) still gets its cluster; a failure stops the calling script at once, with one sentence.

Each test works on a copy of the scripts in a private folder, with servers on ports of its own.
"""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection

SCRIPTS = settings.BASE_DIR / "scripts"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def checkout(tmp_path):
    """A clone's scripts in a folder only its owner may enter, like a clone in root's home."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    root = private / "clone"
    (root / "scripts").mkdir(parents=True)
    for name in ("services.sh", "run.sh", "bench.sh"):
        shutil.copy2(SCRIPTS / name, root / "scripts" / name)
    (root / ".venv").symlink_to((settings.BASE_DIR / ".venv").resolve())
    return root


def _environment(**values) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL", "PORT"}}
    env.pop("BENCH_DATABASE_URL", None)
    return {**env, **values}


def _services(root: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(root / "scripts" / "services.sh"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def _answering(env: dict) -> tuple[bool, bool]:
    try:
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{env['PG_PORT']}/concertation", connect_timeout=3).close()
        database = True
    except psycopg.OperationalError:
        database = False
    try:
        redis.Redis(port=int(env["REDIS_PORT"]), socket_connect_timeout=3).ping()
        broker = True
    except redis.ConnectionError:
        broker = False
    return database, broker


def test_the_private_servers_run_until_the_last_command_using_them_ends(checkout):
    env = _environment(PG_PORT=str(_free_port()), REDIS_PORT=str(_free_port()))
    # Two commands using the servers (a `make run`, then a `make test`), as live processes.
    first, second = (subprocess.Popen(["sleep", "600"]) for _ in range(2))
    try:
        started = _services(checkout, env, "up", str(first.pid))
        assert started.returncode == 0, started.stderr
        assert f"export DATABASE_URL=postgres://postgres@127.0.0.1:{env['PG_PORT']}/concertation" in started.stdout
        assert f"export REDIS_URL=redis://127.0.0.1:{env['REDIS_PORT']}/0" in started.stdout
        assert _answering(env) == (True, True)
        if os.geteuid() == 0:
            # PostgreSQL runs as the postgres user, who cannot enter the private folder: the cluster
            # lives outside it, and var/postgres points there.
            assert (checkout / "var" / "postgres").is_symlink()
            assert checkout.parent not in (checkout / "var" / "postgres").resolve().parents

        joined = _services(checkout, env, "up", str(second.pid))
        assert joined.returncode == 0, joined.stderr

        assert _services(checkout, env, "down", str(first.pid)).returncode == 0
        assert _answering(env) == (True, True)  # the second command still uses them

        second.kill()  # it ends without saying so (killed, crashed)
        second.wait()
        assert _services(checkout, env, "down").returncode == 0  # `make clean`
        assert _answering(env) == (False, False)
    finally:
        for process in (first, second):
            process.kill()
            process.wait()
        _services(checkout, env, "down")
        cluster = (checkout / "var" / "postgres").resolve()
        if cluster.exists() and checkout not in cluster.parents:
            shutil.rmtree(cluster)


def test_a_command_ending_leaves_running_the_servers_another_command_started(checkout):
    env = _environment(PG_PORT=str(_free_port()), REDIS_PORT=str(_free_port()))
    running_app = subprocess.Popen(["sleep", "600"])
    try:
        assert _services(checkout, env, "up", str(running_app.pid)).returncode == 0
        tests = subprocess.run(  # `make test` after `make run`: it uses the servers, then ends
            ["bash", "-c", f"trap '{checkout}/scripts/services.sh down $$' EXIT; {checkout}/scripts/services.sh up $$"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert tests.returncode == 0, tests.stderr
        assert _answering(env) == (True, True)
    finally:
        running_app.kill()
        running_app.wait()
        _services(checkout, env, "down")
        cluster = (checkout / "var" / "postgres").resolve()
        if cluster.exists() and checkout not in cluster.parents:
            shutil.rmtree(cluster)


@pytest.mark.django_db
@pytest.mark.parametrize("script", ["run.sh", "bench.sh"])
def test_a_failure_to_start_a_server_stops_the_command_with_one_sentence(checkout, script):
    db = connection.settings_dict
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    env = _environment(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_PORT=str(port),
        PORT=str(_free_port()),
    )
    try:
        result = subprocess.run(
            [str(checkout / "scripts" / script)], cwd=checkout, env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        taken.close()

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        f"services: port {port} is taken by another program, so the private Redis cannot start. "
        "Free it, or choose another port: REDIS_PORT=56380 make …"
    )
    assert "Traceback" not in result.stdout + result.stderr
    assert "manage.py" not in result.stdout + result.stderr  # nothing ran after the failure
