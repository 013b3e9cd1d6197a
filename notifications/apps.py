from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from accounts.extensions import profile_section
        from notifications import kinds

        # "Send me a test message" in the profile: every channel the person can receive, always.
        kinds.register("test_message", _("Test message"), ("email", "sms", "in_app"), configurable=False)
        profile_section(order=20)(preferences_section)


def preferences_section(request):
    """The notification preferences card of the profile page (one query: the preferences row)."""
    from notifications.forms import PreferenceForm
    from notifications.models import NotificationPreference

    preference = NotificationPreference.objects.filter(user=request.user).first()
    return {
        "template": "notifications/_profile_section.html",
        "form": PreferenceForm(user=request.user, preference=preference),
    }
