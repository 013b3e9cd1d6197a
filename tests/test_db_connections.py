"""Database connections stay bounded however the app runs: each process keeps a pool of at most
DB_POOL_SIZE connections, whatever the number of threads, requests and keep-alive sockets it serves.

Once, `make run`'s development server kept one connection per thread and per browser socket, and ten
users exhausted PostgreSQL's 100 connections: sign-in answered 500 for ten minutes. These tests start
the real servers in their own processes, against the test database, and count their connections in
pg_stat_activity while 50 clients send 200 requests.
"""

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from concertation.tasks import heartbeat

POOL_SIZE = 4
CLIENTS = 50
REQUESTS_EACH = 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(application_name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        f"?application_name={application_name}"
    )


def _connections_of(application_name: str) -> int:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=True,
    ) as probe:
        return probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [application_name]
        ).fetchone()[0]


def _serve(command: list[str], port: int, application_name: str, log: Path, **extra_env):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "concertation.settings",
        "DATABASE_URL": _database_url(application_name),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "true",
        "HTTPS": "false",
        "SECRET_KEY": "pool-test-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DB_POOL_SIZE": str(POOL_SIZE),
        **extra_env,
    }
    with open(log, "w") as output:
        server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"{command[1]} stopped: {log.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.2)
    server.kill()
    pytest.fail(f"{command[1]} did not listen on {port} within 60 s")


def _hammer(port: int, application_name: str) -> tuple[dict, int]:
    """50 clients, each on its own keep-alive socket (as a browser does), 4 requests each, sockets held
    open a moment after; returns the answers and the most connections seen at once meanwhile."""
    statuses, peak, done = {}, [0], threading.Event()
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client():
        link = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        for _ in range(REQUESTS_EACH):
            link.request("GET", "/healthz")
            answer = link.getresponse()
            answer.read()
            with lock:
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
        time.sleep(1)
        link.close()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], _connections_of(application_name))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    clients = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=120)
    done.set()
    watcher.join()
    return statuses, peak[0]


@pytest.mark.django_db(transaction=True)
def test_the_development_server_holds_at_most_the_pool_size_under_200_requests_on_50_threads(tmp_path):
    heartbeat()  # /healthz also wants a recent worker heartbeat
    port, name = _free_port(), f"pool-test-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    server = _serve(command, port, name, tmp_path / "server.log")
    try:
        statuses, peak = _hammer(port, name)
        after = _connections_of(name)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert statuses == {200: CLIENTS * REQUESTS_EACH}
    assert 1 <= peak <= POOL_SIZE
    assert after <= POOL_SIZE


@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_the_deployment_settings_holds_at_most_workers_times_the_pool(tmp_path):
    heartbeat()
    port, name = _free_port(), f"pool-test-{uuid.uuid4().hex[:8]}"
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "concertation.wsgi"]
    server = _serve(
        command,
        port,
        name,
        tmp_path / "server.log",
        DEBUG="false",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS=str(POOL_SIZE),
    )
    try:
        statuses, peak = _hammer(port, name)
        after = _connections_of(name)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert statuses == {200: CLIENTS * REQUESTS_EACH}
    assert 1 <= peak <= 2 * POOL_SIZE
    assert after <= 2 * POOL_SIZE
