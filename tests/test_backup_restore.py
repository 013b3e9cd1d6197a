"""deploy/backup.sh and deploy/restore.sh: a backup restored into a fresh database gives back every row
of every table, the triggers that protect the access journal, and every uploaded file."""

import os
import subprocess
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

DEPLOY = settings.BASE_DIR / "deploy"


def _url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _server():
    return psycopg.connect(_url("postgres").replace("postgres://", "postgresql://", 1), autocommit=True)


def _tables_and_triggers(name: str) -> tuple[dict, set]:
    """Every table's row count and a digest of its rows in a stable order; every user trigger."""
    with psycopg.connect(_url(name).replace("postgres://", "postgresql://", 1)) as database:
        tables = [
            row[0]
            for row in database.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        contents = {}
        for table in tables:
            contents[table] = database.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"
            ).fetchone()
        triggers = set(
            database.execute(
                "SELECT tgrelid::regclass::text, tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal"
            ).fetchall()
        )
    return contents, triggers


def _files(root) -> dict:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _run(script: str, *args: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DEPLOY / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_a_fresh_database_has_the_same_rows_triggers_and_files(settings, tmp_path, client_as):
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open(os.devnull, "w"))
    assert client_as("dispatch").get(reverse("accounts:user_list")).status_code == 403  # journaled
    media = tmp_path / "media"
    (media / "sheets" / "2026").mkdir(parents=True)
    (media / "sheets" / "2026" / "referral.pdf").write_bytes(os.urandom(50_000))
    (media / "note — été.txt").write_text("accentué\n", encoding="utf-8")
    source = connection.settings_dict["NAME"]
    fresh = f"restore_{uuid.uuid4().hex[:12]}"
    before = _tables_and_triggers(source)
    assert before[0]["accounts_user"][0] > 0 and before[0]["accounts_accessevent"][0] > 0  # the demo's rows

    backed_up = _run("backup.sh", str(tmp_path / "backups"), DATABASE_URL=_url(source), MEDIA_ROOT=str(media))
    assert backed_up.returncode == 0, backed_up.stderr
    backup = backed_up.stdout.strip().splitlines()[-1]

    with _server() as server:
        server.execute(f'CREATE DATABASE "{fresh}"')
    try:
        restored_media = tmp_path / "restored-media"
        restored = _run("restore.sh", backup, DATABASE_URL=_url(fresh), MEDIA_ROOT=str(restored_media))
        assert restored.returncode == 0, restored.stderr

        assert _tables_and_triggers(fresh) == before
        assert _files(restored_media) == _files(media)

        again = _run("restore.sh", backup, DATABASE_URL=_url(fresh), MEDIA_ROOT=str(tmp_path / "elsewhere"))
        assert again.returncode != 0
        assert "restore into a new, empty database" in again.stderr
    finally:
        with _server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def test_a_damaged_backup_is_refused_before_anything_is_restored(tmp_path):
    backup = tmp_path / "concertation-20260101-000000"
    backup.mkdir()
    (backup / "database.dump").write_bytes(b"dump")
    (backup / "media.tar.gz").write_bytes(b"files")
    subprocess.run(
        ["sha256sum", "database.dump", "media.tar.gz"], cwd=backup, check=True, stdout=open(backup / "SHA256SUMS", "w")
    )
    (backup / "database.dump").write_bytes(b"dump, changed")

    result = _run("restore.sh", str(backup), DATABASE_URL=_url("unused"), MEDIA_ROOT=str(tmp_path / "media"))

    assert result.returncode != 0
    assert "is damaged" in result.stderr
    assert not (tmp_path / "media").exists()
