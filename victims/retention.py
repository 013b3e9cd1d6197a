"""Retention of victim data: persons and free texts of callouts closed long ago are anonymised.

What goes: names, contacts, address, birth year (kept as an age band), notes, free texts of the
callout (summary, place, context, PV number, call-back number), notes of the help given, referral
messages and follow-up notes — and the change history (pghistory events) that still holds them.
What stays: categories, communes, times, roles, age bands, language, kinds of help, referrals by
service and their outcome: the statistics. A person also linked to a callout that is still open,
or closed more recently than the retention period, is left alone.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import journal
from victims.models import AssistanceAction, Callout, FollowUp, Involvement, Person, Referral

SYSTEM_LABEL = "retention task (victims)"
FINISHED = [Callout.Status.CLOSED, Callout.Status.CANCELLED]


@dataclass
class Report:
    cutoff: datetime
    dry_run: bool
    persons: int = 0
    callouts: int = 0
    references: list[str] = field(default_factory=list)


def cutoff_for(now: datetime) -> datetime:
    years = settings.RETENTION_VICTIMS_YEARS
    local = timezone.localtime(now)
    try:
        return local.replace(year=local.year - years)
    except ValueError:  # 29 February
        return local.replace(year=local.year - years, day=28)


def _finished_at():
    return Coalesce("ended_at", "cancelled_at", "updated_at")


def expired_callouts(cutoff: datetime):
    return (
        Callout.objects.filter(status__in=FINISHED, anonymised_at__isnull=True)
        .alias(finished_at=_finished_at())
        .filter(finished_at__lt=cutoff)
    )


def persons_to_anonymise(cutoff: datetime):
    """Persons whose every callout finished before ``cutoff`` (and persons on no callout at all,
    recorded before it)."""
    recent = (
        Involvement.objects.filter(person=OuterRef("pk"))
        .alias(finished_at=Coalesce("callout__ended_at", "callout__cancelled_at", "callout__updated_at"))
        .filter(~Q(callout__status__in=FINISHED) | Q(finished_at__gte=cutoff))
    )
    any_callout = Involvement.objects.filter(person=OuterRef("pk"))
    return (
        Person.objects.filter(anonymised_at__isnull=True)
        .filter(~Exists(recent))
        .filter(Exists(any_callout) | Q(created_at__lt=cutoff))
    )


def _age_band(birth_year: int, at: datetime) -> str:
    age = timezone.localtime(at).year - birth_year
    for band, upper in (("0-11", 11), ("12-17", 17), ("18-29", 29), ("30-49", 49), ("50-64", 64)):
        if age <= upper:
            return band
    return "65+"


def _forget_history(model_name: str, ids: list[int]) -> None:
    """Delete the change-history rows of ``ids``: they hold the values being erased."""
    if ids:
        apps.get_model("victims", f"{model_name}Event").objects.filter(pgh_obj_id__in=ids).delete()


@transaction.atomic
def anonymise(*, now: datetime | None = None, dry_run: bool = False) -> Report:
    now = now or timezone.now()
    cutoff = cutoff_for(now)
    report = Report(cutoff=cutoff, dry_run=dry_run)
    callouts = list(expired_callouts(cutoff).select_for_update().only("pk", "reference"))
    persons = list(persons_to_anonymise(cutoff).select_for_update())
    report.callouts = len(callouts)
    report.persons = len(persons)
    report.references = [callout.reference for callout in callouts]
    if not dry_run:
        callout_ids = [callout.pk for callout in callouts]
        person_ids = [person.pk for person in persons]
        for person in persons:
            if person.birth_year and not person.age_band:
                person.age_band = _age_band(person.birth_year, person.created_at)
            for name in ("first_name", "last_name", "phone", "email", "address", "notes", "language_other"):
                setattr(person, name, "")
            person.birth_year = None
            person.anonymised_at = now
        Person.objects.bulk_update(
            persons,
            [
                "first_name",
                "last_name",
                "phone",
                "email",
                "address",
                "notes",
                "language_other",
                "birth_year",
                "age_band",
                "anonymised_at",
            ],
            batch_size=500,
        )
        Callout.objects.filter(pk__in=callout_ids).update(
            summary="", place="", context="", pv_number="", callback_phone="", anonymised_at=now
        )
        action_ids = list(
            AssistanceAction.objects.filter(Q(callout_id__in=callout_ids) | Q(person_id__in=person_ids)).values_list(
                "pk", flat=True
            )
        )
        AssistanceAction.objects.filter(pk__in=action_ids).update(note="")
        referral_ids = list(Referral.objects.filter(person_id__in=person_ids).values_list("pk", flat=True))
        Referral.objects.filter(pk__in=referral_ids).update(message="", service_note="")
        # The legal basis stays documented as such (the constraint wants one), without its details.
        Referral.objects.filter(pk__in=referral_ids).exclude(legal_basis="").update(legal_basis="—")
        followup_ids = list(
            FollowUp.objects.filter(Q(callout_id__in=callout_ids) | Q(person_id__in=person_ids)).values_list(
                "pk", flat=True
            )
        )
        FollowUp.objects.filter(pk__in=followup_ids).update(note="")
        _forget_history("Person", person_ids)
        _forget_history("Callout", callout_ids)
        _forget_history("AssistanceAction", action_ids)
        _forget_history("Referral", referral_ids)
        _forget_history("FollowUp", followup_ids)
    journal.record_system(
        journal.ANONYMISE,
        code="retention.dry_run" if dry_run else "retention.anonymised",
        params={"persons": report.persons, "callouts": report.callouts, "cutoff": f"{cutoff:%Y-%m-%d}"},
        object_type="victims.person",
        label=SYSTEM_LABEL,
    )
    return report
