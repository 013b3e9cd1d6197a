from django.core.management.commands import flush
from django.db import transaction

from accounts import journal_protection


class Command(flush.Command):
    help = (
        f"{flush.Command.help} The access journal refuses TRUNCATE from everyone: the owner of the tables "
        "lifts that refusal for this flush only (any other role is refused, as it should be)."
    )

    def handle(self, **options):
        database = options["database"]
        if not journal_protection.table_exists(database):
            return super().handle(**options)
        with (
            transaction.atomic(using=database),
            journal_protection.lifted(journal_protection.TRUNCATE_TRIGGER, using=database),
        ):
            return super().handle(**options)
