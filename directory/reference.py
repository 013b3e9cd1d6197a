"""Reference lists the administrator keeps in the app (not in Django's admin site).

Each kind of reference data registers once (its model, form, columns and search); three views —
list, create, edit — serve them all. Later apps register their own (incident categories…) from
their AppConfig.ready(), since the directory must not import them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


@dataclass
class ReferenceKind:
    slug: str
    title: str
    model: type[models.Model]
    form: type
    # (column heading, function of a row → text)
    columns: list[tuple[str, Callable[[models.Model], object]]]
    search_fields: list[str]
    select_related: list[str] = field(default_factory=list)
    order_by: list[str] = field(default_factory=list)

    def rows(self, text: str = ""):
        rows = self.model.objects.select_related(*self.select_related)
        if self.order_by:
            rows = rows.order_by(*self.order_by)
        text = (text or "").strip()
        if text:
            condition = Q()
            for name in self.search_fields:
                condition |= Q(**{f"{name}__unaccent__icontains": text})
            rows = rows.filter(condition)
        return rows


REGISTRY: dict[str, ReferenceKind] = {}


def register(kind: ReferenceKind) -> None:
    REGISTRY[kind.slug] = kind


def _yes_no(value: bool) -> str:
    return str(_("yes")) if value else str(_("no"))


def register_directory_kinds() -> None:
    from directory import forms
    from directory.models import Commune, Officer, PartnerService, PartnerServiceKind, PoliceUnit

    register(
        ReferenceKind(
            "services",
            _("Victim services"),
            PartnerService,
            forms.PartnerServiceForm,
            columns=[
                (_("Name"), lambda row: row.name),
                (_("Kind"), lambda row: row.kind.name),
                (_("Commune"), lambda row: row.commune.name if row.commune else "—"),
                (_("Language"), lambda row: row.get_language_display()),
                (_("Active"), lambda row: _yes_no(row.is_active)),
            ],
            search_fields=["name_fr", "name_nl", "kind__name_fr", "kind__name_nl"],
            select_related=["kind", "commune"],
        )
    )
    register(
        ReferenceKind(
            "officers",
            _("Police officers"),
            Officer,
            forms.OfficerForm,
            columns=[
                (_("Name"), lambda row: row.full_name),
                (_("Grade"), lambda row: row.get_grade_display()),
                (_("Unit"), lambda row: row.unit.code if row.unit else "—"),
                (_("Active"), lambda row: _yes_no(row.is_active)),
            ],
            search_fields=["first_name", "last_name", "registration_number", "unit__code"],
            select_related=["unit"],
        )
    )
    register(
        ReferenceKind(
            "units",
            _("Police units"),
            PoliceUnit,
            forms.PoliceUnitForm,
            columns=[
                (_("Short name"), lambda row: row.code),
                (_("Name"), lambda row: row.name),
                (_("Active"), lambda row: _yes_no(row.is_active)),
            ],
            search_fields=["code", "name_fr", "name_nl"],
        )
    )
    register(
        ReferenceKind(
            "communes",
            _("Communes"),
            Commune,
            forms.CommuneForm,
            columns=[
                (_("Name"), lambda row: row.name),
                (_("Postal code"), lambda row: row.postal_code or "—"),
                (_("In the zone"), lambda row: _yes_no(row.is_in_zone)),
                (_("Active"), lambda row: _yes_no(row.is_active)),
            ],
            search_fields=["name_fr", "name_nl", "postal_code"],
        )
    )
    register(
        ReferenceKind(
            "service-kinds",
            _("Kinds of service"),
            PartnerServiceKind,
            forms.PartnerServiceKindForm,
            columns=[(_("Name"), lambda row: row.name), (_("Code"), lambda row: row.code)],
            search_fields=["name_fr", "name_nl", "code"],
        )
    )
