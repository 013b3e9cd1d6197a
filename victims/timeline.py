"""The change history of callouts and persons, readable: labels instead of codes, names instead of
ids, Brussels times instead of ISO strings, and without the bookkeeping columns."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format

from core.history import LABELS, history_for

# Columns people do not need to see change (paging bookkeeping, technical keys).
HIDDEN = {
    "updated_at",
    "created_at",
    "escalate_at",
    "escalation_step",
    "idempotency_key",
    "public_id",
    "link_nonce",
    "reference",
    "pgh_obj",
}


class _Names:
    """id → label of one model, loaded once on first use (a constant number of queries)."""

    def __init__(self, label: str, text):
        self.label = label
        self.text = text
        self.rows = None

    def __call__(self, value):
        if value in (None, ""):
            return None
        if self.rows is None:
            model = apps.get_model(self.label) if "." in self.label else get_user_model()
            self.rows = {str(pk): self.text(row) for pk, row in model.objects.in_bulk().items()}
        return self.rows.get(str(value), value)


def _when(value):
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return value
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _choices(*sources: tuple[str, str]):
    """Labels of a choice field; several (model, field) sources when two models share the column
    name (the status of a callout and of a referral)."""
    labels = {}
    for model_label, field in sources:
        labels.update(dict(apps.get_model(model_label)._meta.get_field(field).flatchoices))

    def show(value):
        if isinstance(value, list):
            return ", ".join(str(labels.get(item, item)) for item in value)
        return labels.get(value, value) if value not in (None, "") else None

    return show


def formatters() -> dict:
    users = _Names("user", lambda user: user.full_name)
    by_field = {
        "assistant": users,
        "requested_by": users,
        "recipient": users,
        "assignee": users,
        "done_by": users,
        "by": users,
        "created_by": users,
        "consent_by": users,
        "legal_basis_by": users,
        "consent_contact_by": users,
        "consent_referral_by": users,
        "category": _Names("victims.IncidentCategory", str),
        "commune": _Names("directory.Commune", str),
        "requesting_unit": _Names("directory.PoliceUnit", lambda unit: unit.code),
        "requesting_officer": _Names("directory.Officer", lambda officer: officer.full_name),
        "officer": _Names("directory.Officer", lambda officer: officer.full_name),
        "service": _Names("directory.PartnerService", str),
        "status": _choices(("victims.Callout", "status"), ("victims.Referral", "status")),
        "channel": _choices(("victims.Callout", "channel")),
        "mode": _choices(("victims.Callout", "mode")),
        "role": _choices(("victims.Involvement", "role")),
        "kind": _choices(("victims.AssistanceAction", "kind")),
        "method": _choices(("victims.Referral", "method")),
        "language": _choices(("victims.Person", "language")),
        "age_band": _choices(("victims.Person", "age_band")),
        "vulnerabilities": _choices(("victims.Person", "vulnerabilities")),
        "step": _choices(("victims.CalloutPage", "step")),
    }
    for name in (
        "received_at",
        "accepted_at",
        "departed_at",
        "arrived_at",
        "ended_at",
        "cancelled_at",
        "debrief_done_at",
        "anonymised_at",
        "consent_at",
        "sent_at",
        "acknowledged_at",
        "answered_at",
        "closed_at",
        "done_at",
        "at",
        "consent_contact_at",
        "consent_referral_at",
    ):
        by_field[name] = _when
    # pghistory keys foreign keys by their column (assistant_id): format both spellings.
    return {**by_field, **{f"{name}_id": function for name, function in by_field.items()}}


# What a "created" entry shows of the new row (the rest is in the record itself).
SHOWN_ON_CREATION = {"role", "kind", "status", "service", "step", "recipient", "assignee", "due_on", "officer"}


def _labels_shown_on_creation() -> set[str]:
    labels = set()
    for model in apps.get_app_config("victims").get_models():
        for field in model._meta.get_fields():
            if field.name in SHOWN_ON_CREATION and hasattr(field, "verbose_name"):
                labels.add(str(field.verbose_name))
    return labels


def history(*objs, limit: int = 40):
    entries = history_for(
        *objs, limit=limit, hidden=HIDDEN | {f"{name}_id" for name in HIDDEN}, formatters=formatters()
    )
    shown = _labels_shown_on_creation()
    changed = str(LABELS["update"])
    kept = []
    for entry in entries:
        if entry.label == changed and not entry.changes:
            continue  # only bookkeeping columns changed (the paging due time…)
        entry.data = {} if entry.changes else {k: v for k, v in entry.data.items() if k in shown and v}
        kept.append(entry)
    return kept
