import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def demo_modules():
    """Each app's optional ``demo`` module (``load(out)``, and optionally ``describe(out)``), in
    INSTALLED_APPS order (the order of dependencies)."""
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if importlib.util.find_spec(name) is not None:
            yield importlib.import_module(name)


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it twice changes nothing). Demo mode only."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not print the demo accounts.")

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is refused unless DEMO_MODE is on (never in production).")
        self.stdout.write("Loading demo data…")
        modules = list(demo_modules())
        for module in modules:
            module.load(self.stdout)
        if not options["quiet_accounts"]:
            # A demo module may say how to use what it loaded (the accounts: e-mails and keys).
            for module in modules:
                if hasattr(module, "describe"):
                    module.describe(self.stdout)
