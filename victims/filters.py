"""The callout list's filters (django-filter): period, category, commune, status, assistant,
service referred to, and accent-insensitive full text."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import roles
from directory.models import Commune, PartnerService
from victims.models import Callout, IncidentCategory

User = get_user_model()


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class CalloutFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search the summaries and notes"), method="filter_text")
    since = django_filters.DateFilter(
        label=_("From"), method="filter_since", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("Until"), method="filter_until", widget=forms.DateInput(attrs={"type": "date"})
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Incident category"), queryset=IncidentCategory.objects.all(), empty_label=_("All categories")
    )
    commune = django_filters.ModelChoiceFilter(
        label=_("Commune"), queryset=Commune.objects.all(), empty_label=_("All communes")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Callout.Status.choices, empty_label=_("All statuses")
    )
    assistant = django_filters.ModelChoiceFilter(
        label=_("Assistant"),
        queryset=User.objects.filter(roles__code=roles.ASSISTANT).distinct().order_by("full_name"),
        empty_label=_("All assistants"),
    )
    service = django_filters.ModelChoiceFilter(
        label=_("Referred to"),
        queryset=PartnerService.objects.all(),
        method="filter_service",
        empty_label=_("All services"),
    )

    class Meta:
        model = Callout
        fields = ["q", "since", "until", "category", "commune", "status", "assistant", "service"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["assistant"].field.label_from_instance = lambda user: user.full_name

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_since(self, queryset, name, value):
        return queryset.filter(received_at__gte=_start_of(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(received_at__lt=_start_of(value + timedelta(days=1)))

    def filter_service(self, queryset, name, value):
        return queryset.filter(pk__in=value.referrals.exclude(callout=None).values("callout_id"))

    def description(self) -> str:
        """The filters in use, for the access journal (ids and dates, no free text beyond the query)."""
        if not self.is_bound or not self.form.is_valid():
            return ""
        parts = []
        for name, value in self.form.cleaned_data.items():
            if value in (None, ""):
                continue
            parts.append(f"{name}={getattr(value, 'pk', value)}")
        return " ".join(parts)
