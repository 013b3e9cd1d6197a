"""The callout list's filters (django-filter): period, category, commune, status, assistant,
service referred to, and accent-insensitive full text."""

import functools
from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F, IntegerField, Value
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import roles
from core.filtering import FormClassBuiltOnce
from core.onetrip import prepared_cursor
from directory.models import Commune, PartnerService
from victims.forms import within_service_years
from victims.models import Callout, IncidentCategory

User = get_user_model()


def _choices_queryset(name: str):
    """The four lists of the filter bar (categories, communes, services, assistants) as one UNION
    ALL of four small tables: one round trip instead of four. Each list keeps its own order (the
    models' ``ordering``; assistants by name)."""

    def tagged(queryset, list_name, order, label, tiebreak):
        return (
            queryset.order_by()
            .annotate(list_name=Value(list_name), label=F(label), list_order=order, list_tiebreak=F(tiebreak))
            .values_list("list_name", "pk", "label", "list_order", "list_tiebreak")
        )

    return tagged(IncidentCategory.objects, "category", F("sort_order"), name, "name_fr").union(
        tagged(Commune.objects, "commune", F("sort_order"), name, "name_fr"),
        tagged(PartnerService.objects, "service", F("kind__sort_order"), name, "name_fr"),
        tagged(
            User.objects.filter(roles__code=roles.ASSISTANT),
            "assistant",
            Value(0, output_field=IntegerField()),
            "full_name",
            "full_name",
        ),
        all=True,
    )


@functools.cache
def _choices_sql(name: str) -> tuple[str, tuple]:
    # Compiling this UNION costs the ORM about a millisecond on every list view, three times the
    # query itself; its SQL depends only on the language's column, so it is compiled once. Wrapped
    # in a SELECT: pghistory leaves reads alone only when they start with SELECT.
    sql, params = _choices_queryset(name).query.sql_with_params()
    return f"SELECT * FROM ({sql}) AS lists ORDER BY list_name, list_order, list_tiebreak, pk", params  # noqa: S608 - SQL of our own queryset, values as parameters


def filter_choices() -> dict[str, list[tuple[int, str]]]:
    """{"category": [(pk, name), …], "commune": …, "service": …, "assistant": …} in the active
    language, read in one query."""
    name = "name_nl" if (get_language() or "fr").startswith("nl") else "name_fr"
    sql, params = _choices_sql(name)
    choices = {"category": [], "commune": [], "service": [], "assistant": []}
    # Prepared: PostgreSQL planned this UNION of four tables in 0.3 to 0.8 ms on every list view.
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        for list_name, pk, label, _order, _tiebreak in cursor.fetchall():
            choices[list_name].append((pk, label))
    return choices


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class CalloutFilter(FormClassBuiltOnce, django_filters.FilterSet):
    # Choices come from one query of plain values (no model instances); {% field %} renders the
    # selects in Python (core.widgets.FastSelect): the filter bar costs about a millisecond
    # instead of ten.
    q = django_filters.CharFilter(label=_("Search the summaries and notes"), method="filter_text")
    since = django_filters.DateFilter(
        label=_("From"),
        method="filter_since",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[within_service_years],
    )
    until = django_filters.DateFilter(
        label=_("Until"),
        method="filter_until",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[within_service_years],
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
        # Kept for the rows: the list shows category and commune names without joining their tables.
        self.choices = filter_choices()
        for list_name, choices in self.choices.items():
            self.form.fields[list_name].choices = choices
        # Who may not read what the ACs typed may not search it either (see CalloutQuerySet.search).
        self.reads_free_text = self.request is not None and roles.can(self.request.user, "see_identities")
        if not self.reads_free_text:
            self.form.fields["q"].label = _("Search a reference, a category or a commune")

    def filter_text(self, queryset, name, value):
        return queryset.search(value, free_text=self.reads_free_text)

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
