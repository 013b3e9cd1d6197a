from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from notifications import kinds

        # "Send me a test message" in the profile: every channel the person can receive, always.
        kinds.register("test_message", _("Test message"), ("email", "sms", "in_app"), configurable=False)
