from django.contrib.postgres.operations import BtreeGistExtension, TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """PostgreSQL extensions every app relies on: exclusion constraints over time ranges
    (btree_gist), typo-tolerant search (pg_trgm) and accent-insensitive search (unaccent).

    This migration was first the configuration package's own (``concertation.0001_extensions``);
    ``replaces`` makes a database that applied it under that name count this one as applied, so it
    migrates without a gap in its history. Its operations are ``CREATE EXTENSION IF NOT EXISTS``
    either way."""

    initial = True
    replaces = [("concertation", "0001_extensions")]
    dependencies = []
    operations = [BtreeGistExtension(), TrigramExtension(), UnaccentExtension()]
