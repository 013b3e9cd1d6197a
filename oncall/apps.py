from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = _("On-call rota")

    def ready(self):
        from notifications import kinds
        from oncall import cards  # noqa: F401 - registers the home card and profile section

        kinds.register("shift_reminder", _("Reminder before my shift"), ("email", "in_app"))
        kinds.register("shift_changed", _("My shifts were changed"), ("email", "in_app"))
        kinds.register("handover", _("Handover digest when my shift starts"), ("email", "in_app"))
        kinds.register("swap_offered", _("A colleague offers a shift"), ("email", "in_app"))
        kinds.register("swap_update", _("News about a swap request"), ("email", "in_app"))
        kinds.register("swap_approval", _("A swap waits for my approval (admins)"), ("email", "in_app"))
        kinds.register("absence_conflict", _("An absence conflicts with shifts (admins)"), ("email", "in_app"))
        kinds.register("coverage_gap", _("A gap in the on-call rota (admins)"), ("email", "sms", "in_app"))
