"""Work on the rota that spans several rows or has side effects (notifications, history)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from oncall.models import Layer, Shift


@dataclass
class OnCall:
    primary: Shift | None
    backup: Shift | None


def on_call_at(at: datetime | None = None) -> OnCall:
    """Who holds the primary and the backup permanence at ``at`` (one query; assistants loaded)."""
    at = at or timezone.now()
    found = {shift.role: shift for shift in Shift.objects.covering(at).select_related("assistant")}
    return OnCall(primary=found.get(Layer.PRIMARY), backup=found.get(Layer.BACKUP))
