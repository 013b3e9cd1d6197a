"""Demo rota for `make run`: the four demo ACs take turns weekly (Monday 09:00) from four weeks ago
to three months ahead, a backup layer in another order, an absence and an open swap request.
Idempotent: rotations are found by name, generation leaves an identical rota untouched, and the
absence and the swap request are created only once."""

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from oncall import services, timeline
from oncall.models import Absence, Layer, Rotation, Shift, SwapRequest

ACS = [
    "coordination@demo.polbruno.be",
    "sofia.benali@demo.polbruno.be",
    "thomas.peeters@demo.polbruno.be",
    "julie.lambert@demo.polbruno.be",
]
DEMO_NOTE = "démo"


def _rotation(name: str, layer: str, members: list, start) -> Rotation:
    rotation, created = Rotation.objects.get_or_create(
        name=name,
        defaults={
            "layer": layer,
            "shift_hours": Rotation.Length.WEEK,
            "handover_weekday": 0,
            "handover_time": time(9, 0),
            "start_date": start,
        },
    )
    if created:
        for position, user in enumerate(members):
            rotation.memberships.create(assistant=user, position=position)
    return rotation


@transaction.atomic
def load(out) -> None:
    people = {user.email: user for user in User.objects.filter(email__in=ACS)}
    team = [people[email] for email in ACS if email in people]
    if len(team) < 4:
        out.write("  oncall: skipped (the demo accounts are missing)")
        return
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=4)
    begin = timeline.at_local(monday, time(9, 0))
    until = timezone.now() + timedelta(weeks=13)
    primary = _rotation("Permanence AC", Layer.PRIMARY, team, monday)
    backup = _rotation("Réserve AC", Layer.BACKUP, [team[2], team[3], team[0], team[1]], monday)
    for rotation in (primary, backup):
        services.generate_shifts(rotation, from_at=begin, until=until, backfill=True)

    julie, thomas = team[3], team[2]
    if not Absence.objects.filter(assistant=julie, note=DEMO_NOTE).exists():
        julie_next = Shift.objects.of(julie).filter(starts_at__gt=timezone.now() + timedelta(days=7)).first()
        if julie_next is not None:
            start = julie_next.starts_at + timedelta(days=2)
            services.record_absence(
                assistant=julie,
                kind=Absence.Kind.TRAINING,
                starts_at=start,
                ends_at=start + timedelta(days=2),
                note=DEMO_NOTE,
                by=team[0],
            )
    if not SwapRequest.objects.filter(requester=thomas, reason__startswith="Formation").exists():
        shift = Shift.objects.of(thomas).primary().filter(starts_at__gt=timezone.now() + timedelta(days=2)).first()
        if shift is not None:
            services.request_swap(
                shift,
                starts_at=shift.starts_at + timedelta(days=3, hours=10),  # Thursday 19:00
                ends_at=shift.starts_at + timedelta(days=4),  # Friday 09:00
                reason="Formation premiers secours",
                by=thomas,
            )
    out.write(f"  oncall: 2 rotations, {Shift.objects.count()} shifts, an absence and a swap request")
