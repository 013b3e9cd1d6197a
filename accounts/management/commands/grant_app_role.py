from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from accounts import journal_protection


class Command(BaseCommand):
    help = (
        "Give ROLE (the role the app runs as) read and write access to every table, except the access "
        "journal where it may only insert and read. Run it as the owner of the tables (the role that runs "
        "the migrations), after each migrate. See docs/journal-protection.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("role")
        parser.add_argument("--database", default="default")

    def handle(self, *args, role, database, **options):
        try:
            statements = journal_protection.grant_statements(role)
        except ValueError as error:
            raise CommandError(str(error)) from error
        with transaction.atomic(using=database), connections[database].cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(f"{role} may now read and write the app's tables, and only insert into and read the journal.")
