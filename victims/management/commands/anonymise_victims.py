from django.core.management.base import BaseCommand

from victims.retention import anonymise


class Command(BaseCommand):
    help = (
        "Anonymise persons assisted (names, contacts, notes) and free texts of callouts finished more "
        "than RETENTION_VICTIMS_YEARS ago, keeping the statistics. Journaled."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would be anonymised; change nothing.")

    def handle(self, *args, **options):
        report = anonymise(dry_run=options["dry_run"])
        verb = "Would anonymise" if report.dry_run else "Anonymised"
        self.stdout.write(
            f"{verb} {report.persons} persons and {report.callouts} callouts finished before {report.cutoff:%Y-%m-%d}."
        )
        for reference in report.references[:50]:
            self.stdout.write(f"  {reference}")
        if len(report.references) > 50:
            self.stdout.write(f"  … and {len(report.references) - 50} more")
