from django.contrib.postgres.operations import BtreeGistExtension, TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """PostgreSQL extensions every app relies on: exclusion constraints over time ranges
    (btree_gist), typo-tolerant search (pg_trgm) and accent-insensitive search (unaccent)."""

    initial = True
    dependencies = []
    operations = [BtreeGistExtension(), TrigramExtension(), UnaccentExtension()]
