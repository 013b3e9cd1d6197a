"""The callout list's filters (django-filter): period, category, commune, status, assistant,
service referred to, and accent-insensitive full text."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import roles
from concertation.widgets import speed_up_selects
from directory.models import Commune, PartnerService
from victims.models import Callout, IncidentCategory

User = get_user_model()


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class CalloutFilter(django_filters.FilterSet):
    # Choices come from values_list() (tuples, no model instances) and are rendered by FastSelect:
    # the filter bar costs about a millisecond instead of ten.
    q = django_filters.CharFilter(label=_("Search the summaries and notes"), method="filter_text")
    since = django_filters.DateFilter(
        label=_("From"), method="filter_since", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("Until"), method="filter_until", widget=forms.DateInput(attrs={"type": "date"})
    )
    category = django_filters.ChoiceFilter(
        label=_("Incident category"), field_name="category_id", empty_label=_("All categories")
    )
    commune = django_filters.ChoiceFilter(label=_("Commune"), field_name="commune_id", empty_label=_("All communes"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Callout.Status.choices, empty_label=_("All statuses")
    )
    assistant = django_filters.ChoiceFilter(
        label=_("Assistant"), field_name="assistant_id", empty_label=_("All assistants")
    )
    service = django_filters.ChoiceFilter(
        label=_("Referred to"), method="filter_service", empty_label=_("All services")
    )

    class Meta:
        model = Callout
        fields = ["q", "since", "until", "category", "commune", "status", "assistant", "service"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        nl = (get_language() or "fr").startswith("nl")
        name = "name_nl" if nl else "name_fr"
        self.filters["category"].extra["choices"] = list(IncidentCategory.objects.values_list("pk", name))
        self.filters["commune"].extra["choices"] = list(Commune.objects.values_list("pk", name))
        self.filters["service"].extra["choices"] = list(PartnerService.objects.values_list("pk", name))
        self.filters["assistant"].extra["choices"] = list(
            User.objects.filter(roles__code=roles.ASSISTANT)
            .distinct()
            .order_by("full_name")
            .values_list("pk", "full_name")
        )
        speed_up_selects(self.form)

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_since(self, queryset, name, value):
        return queryset.filter(received_at__gte=_start_of(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(received_at__lt=_start_of(value + timedelta(days=1)))

    def filter_service(self, queryset, name, value):
        from victims.models import Referral

        referred = Referral.objects.filter(service_id=value, callout__isnull=False).values("callout_id")
        return queryset.filter(pk__in=referred)

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
