from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VictimsConfig(AppConfig):
    name = "victims"
    verbose_name = _("Victim assistance")

    def ready(self):
        from victims import hooks

        hooks.register()
