from datetime import datetime, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts import journal, journal_protection
from accounts.models import AccessEvent

SYSTEM_LABEL = "retention task (journal)"


def retention_cutoff(today=None) -> datetime:
    """Midnight in Brussels, JOURNAL_RETENTION_YEARS ago (29 February gives the 28th)."""
    today = today or timezone.localdate()
    years = settings.JOURNAL_RETENTION_YEARS
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class Command(BaseCommand):
    help = (
        "Delete access-journal entries older than JOURNAL_RETENTION_YEARS, and journal the deletion. "
        "The journal refuses deletions from everyone: run this as the owner of the tables (the role that "
        "runs the migrations), which lifts the refusal for this deletion only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would go, delete nothing.")

    def handle(self, *args, dry_run, **options):
        cutoff = retention_cutoff()
        old = AccessEvent.objects.filter(at__lt=cutoff)
        if dry_run:
            self.stdout.write(f"{old.count()} entries from before {cutoff:%Y-%m-%d} would be deleted.")
            return
        try:
            with transaction.atomic(), journal_protection.lifted(journal_protection.ROW_TRIGGER):
                count, _by_model = old.delete()
                journal.record_system(
                    journal.DELETE,
                    code="journal.purged",
                    params={"cutoff": f"{cutoff:%Y-%m-%d}", "count": count},
                    object_type=AccessEvent._meta.label_lower,
                    label=SYSTEM_LABEL,
                )
        except DatabaseError as error:
            raise CommandError(
                f"The journal was not purged ({error}). Run purge_journal with the DATABASE_URL of the tables' "
                "owner (the role that runs the migrations): see docs/journal-protection.md."
            ) from error
        self.stdout.write(f"{count} entries from before {cutoff:%Y-%m-%d} deleted.")
