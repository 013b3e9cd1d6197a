from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from accounts.demo import demo_totp_key
from accounts.models import User


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo account. Refused unless DEMO_MODE is on."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("demo_code is refused unless DEMO_MODE is on.")
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"No account {options['email']}.")
        device = user.totpdevice_set.filter(confirmed=True).first()
        if device is None or device.key != demo_totp_key(user.email):
            raise CommandError("This account does not use a demo second factor.")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
