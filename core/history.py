"""Change history of a record, from the rows django-pghistory's triggers write.

Triggers record every INSERT/UPDATE of a tracked model whatever the code path (form, shell, task);
the request middleware attaches the acting user and URL. ``history_for`` turns those rows into a
timeline a person can read on the record's page.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from pghistory.models import MiddlewareEvents

# Nouns, not participles: "Modification · Intervention" needs no gender agreement in French.
LABELS = {
    "insert": _("Creation"),
    "update": _("Change"),
    "delete": _("Deletion"),
    "role.granted": _("Role granted"),
    "role.removed": _("Role removed"),
}
# Never shown in a timeline, whatever the model.
ALWAYS_HIDDEN = {"id", "password", "last_login", "version", "search_vector"}


@dataclass
class Change:
    field: str
    old: object
    new: object


@dataclass
class HistoryEntry:
    at: object
    label: str
    who: str
    model: str
    changes: list[Change] = field(default_factory=list)
    data: dict = field(default_factory=dict)


def _verbose(model, name: str) -> str:
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a field removed since the event was written
        return name


def history_for(
    *objs,
    limit: int = 50,
    hidden: set[str] | None = None,
    formatters: dict[str, Callable[[object], str]] | None = None,
) -> list[HistoryEntry]:
    """The newest ``limit`` changes of ``objs`` and of rows that reference them, newest first."""
    hidden = ALWAYS_HIDDEN | (hidden or set())
    formatters = formatters or {}
    events = list(MiddlewareEvents.objects.references(*objs).order_by("-pgh_created_at", "-pgh_id")[:limit])
    user_ids = {(event.pgh_context or {}).get("user") for event in events} - {None}
    users = {user.pk: str(user) for user in get_user_model().objects.filter(pk__in=user_ids)}
    entries = []
    for event in events:
        event_model = apps.get_model(event.pgh_model)
        tracked = getattr(event_model, "pgh_tracked_model", None)
        context = event.pgh_context or {}
        user_id = context.get("user")
        # Someone without an account (a victim service answering through its signed link) is
        # named by the view with pghistory.context(actor=...); otherwise it was a background task.
        who = users.get(user_id) if user_id else None
        entry = HistoryEntry(
            at=event.pgh_created_at,
            label=str(LABELS.get(event.pgh_label, event.pgh_label)),
            who=who or context.get("actor") or str(_("system")),
            model=str(tracked._meta.verbose_name) if tracked else event.pgh_model,
        )
        for name, (old, new) in sorted((event.pgh_diff or {}).items()):
            if name in hidden:
                continue
            fmt = formatters.get(name, lambda value: value)
            entry.changes.append(Change(_verbose(tracked, name), fmt(old), fmt(new)))
        for name, value in sorted((event.pgh_data or {}).items()):
            if name in formatters and name not in hidden:
                entry.data[_verbose(tracked, name)] = formatters[name](value)
        entries.append(entry)
    return entries
