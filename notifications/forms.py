from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core import forms as core_forms
from core.filtering import FormClassBuiltOnce
from notifications import kinds
from notifications.models import Notification, NotificationPreference

# The lead times people may choose before each shift (minutes → label).
LEAD_TIME_CHOICES = [
    (2880, _("48 hours before")),
    (1440, _("24 hours before")),
    (720, _("12 hours before")),
    (240, _("4 hours before")),
    (120, _("2 hours before")),
    (60, _("1 hour before")),
    (30, _("30 minutes before")),
    (15, _("15 minutes before")),
]

CHANNEL_CHOICES = Notification.Channel.choices


class PreferenceForm(core_forms.Form):
    """Channels per kind of message and reminder lead times. Validates only; the view saves."""

    lead_minutes = forms.TypedMultipleChoiceField(
        label=_("Reminders before each of my shifts"),
        choices=LEAD_TIME_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evening_before_early_shift = forms.BooleanField(
        label=_("Also at 20:00 the evening before a shift that starts before 09:00"), required=False
    )

    def __init__(self, *args, user, preference: NotificationPreference | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        chosen = preference.channels if preference else {}
        self.kinds = kinds.configurable(user)
        for kind in self.kinds:
            self.fields[self.field_name(kind.code)] = forms.MultipleChoiceField(
                label=kind.label,
                choices=CHANNEL_CHOICES,
                widget=forms.CheckboxSelectMultiple,
                initial=list(chosen.get(kind.code, kind.default_channels)),
                error_messages={"required": _("Choose at least one channel: otherwise you would miss these messages.")},
            )
        self.fields["lead_minutes"].initial = (
            preference.lead_minutes if preference else NotificationPreference._meta.get_field("lead_minutes").default()
        )
        self.fields["evening_before_early_shift"].initial = (
            preference.evening_before_early_shift if preference else True
        )

    @staticmethod
    def field_name(code: str) -> str:
        return f"channels_{code}"

    def channel_fields(self):
        return [self[self.field_name(kind.code)] for kind in self.kinds]

    def clean_lead_minutes(self):
        return sorted(set(self.cleaned_data["lead_minutes"]), reverse=True)

    def save_to(self, preference: NotificationPreference) -> NotificationPreference:
        """Copy the cleaned choices onto ``preference`` (the caller saves it)."""
        channels = dict(preference.channels or {})
        for kind in self.kinds:
            channels[kind.code] = list(self.cleaned_data[self.field_name(kind.code)])
        preference.channels = channels
        preference.lead_minutes = self.cleaned_data["lead_minutes"]
        preference.evening_before_early_shift = self.cleaned_data["evening_before_early_shift"]
        return preference


def _recipient_choices():
    return [
        (pk, full_name or email)
        for pk, full_name, email in User.objects.order_by("full_name").values_list("pk", "full_name", "email")
    ]


def _kind_choices():
    return sorted(((kind.code, str(kind.label)) for kind in kinds.KINDS.values()), key=lambda choice: choice[1])


class NotificationFilter(FormClassBuiltOnce, django_filters.FilterSet):
    """The admin's delivery list: what went out, what is stuck, what failed."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Notification.Status.choices, empty_label=pgettext_lazy("messages", "All")
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=Notification.Channel.choices, empty_label=pgettext_lazy("messages", "All")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=_kind_choices, empty_label=pgettext_lazy("messages", "All")
    )
    # Choices from one plain query (a ModelChoiceFilter reads its queryset through a server-side
    # cursor: four round trips for the list of people).
    recipient = django_filters.ChoiceFilter(label=_("Recipient"), choices=_recipient_choices, empty_label=_("Everyone"))
    since = django_filters.DateFilter(
        label=_("Due from"), method="filter_since", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("Due until"), method="filter_until", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Notification
        fields = ["status", "channel", "kind", "recipient", "since", "until"]

    # Local (Brussels) days as a half-open range of instants, so the due_at index serves the query.
    def filter_since(self, queryset, name, value):
        return queryset.filter(due_at__gte=_start_of(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(due_at__lt=_start_of(value + timedelta(days=1)))


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))
