"""The PostgreSQL extensions migration moved from the configuration package to core: a database
migrated before the move must still migrate, with nothing to apply and no gap in its history."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder


@pytest.mark.django_db
def test_a_database_that_applied_the_extensions_under_their_old_name_migrates_cleanly():
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied("core", "0001_extensions")
    recorder.record_applied("concertation", "0001_extensions")

    loader = MigrationLoader(connection)
    loader.check_consistent_history(connection)  # raises InconsistentMigrationHistory on a gap
    assert ("core", "0001_extensions") in loader.applied_migrations
    # --check: exits with an error when a migration is left to apply.
    call_command("migrate", check_unapplied=True, stdout=io.StringIO())


@pytest.mark.django_db
def test_the_extensions_are_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        installed = {row[0] for row in cursor.fetchall()}

    assert {"btree_gist", "pg_trgm", "unaccent"} <= installed
