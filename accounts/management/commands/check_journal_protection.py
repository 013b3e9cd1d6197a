from django.core.management.base import BaseCommand, CommandError

from accounts import journal_protection


class Command(BaseCommand):
    help = (
        "Check, with the app's own DATABASE_URL, that the app's database role cannot change or empty the "
        "access journal (see docs/journal-protection.md). Exits with an error naming each problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")

    def handle(self, *args, database, **options):
        role, problems = journal_protection.problems(database)
        if problems:
            lines = "\n".join(f"- {problem}" for problem in problems)
            raise CommandError(
                f"The access journal is NOT protected against the app's role {role}:\n{lines}\n"
                "See docs/journal-protection.md for the set-up."
            )
        self.stdout.write(
            f"The access journal is protected against the app's role {role}: it may only insert and read, "
            "and the triggers refusing UPDATE, DELETE and TRUNCATE are in place."
        )
