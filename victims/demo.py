"""Demo callouts for `make run`: a handful of realistic situations (invented people, no real names)
in every state, with persons, help given, referrals and follow-ups. Idempotent: each demo callout
has a fixed idempotency key, so loading twice changes nothing."""

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from directory.models import Commune, Officer, PartnerService, PoliceUnit
from victims.models import (
    AssistanceAction,
    Callout,
    CalloutPage,
    CoachedOfficer,
    FollowUp,
    IncidentCategory,
    Involvement,
    Person,
    Referral,
    next_reference,
)

NAMESPACE = uuid.UUID("5344a5a5-0000-4000-8000-000000000004")

# key, hours ago, category, commune, status, assistant e-mail, place, summary, mode
CALLOUTS = [
    ("requested", 0.2, "suicide-attempt", "schaerbeek", "requested", None, "Avenue Demo 14", "", ""),
    (
        "on-scene",
        1.5,
        "death-notification",
        "evere",
        "on_scene",
        "sofia.benali@demo.polbruno.be",
        "Rue Exemple 3",
        "Annonce du décès d'un jeune homme (accident) à sa mère, avec deux inspecteurs.",
        "home",
    ),
    (
        "closed-yesterday",
        26,
        "violent-theft",
        "schaerbeek",
        "closed",
        "thomas.peeters@demo.polbruno.be",
        "Place Fictive 1",
        "Vol avec violence en rue. Victime choquée, accompagnée au commissariat pour sa déposition.",
        "station",
    ),
    (
        "closed-last-week",
        170,
        "domestic-violence",
        "saint-josse",
        "closed",
        "julie.lambert@demo.polbruno.be",
        "Rue Imaginaire 22",
        "Violences intrafamiliales, deux enfants présents. Mise à l'abri chez une sœur.",
        "on_site",
    ),
    ("cancelled", 60, "disappearance", "evere", "cancelled", None, "", "", ""),
    (
        "closed-months-ago",
        24 * 60,
        "road-accident",
        "schaerbeek",
        "closed",
        "coordination@demo.polbruno.be",
        "Boulevard Démo",
        "Accident mortel. Débriefing de l'équipe d'intervention sur place.",
        "on_site",
    ),
]

PERSONS = {
    "on-scene": [("bereaved", "Martine", "Démo-Lambert", 1968, "fr", True)],
    "closed-yesterday": [("victim", "Youssef", "Exemple", 1991, "fr", True), ("witness", "", "", None, "nl", False)],
    "closed-last-week": [
        ("victim", "Nadia", "Fictive", 1987, "fr", True),
        ("relative", "Inès", "Fictive", 2014, "fr", False),
    ],
    "closed-months-ago": [("bereaved", "Pieter", "Voorbeeld", 1959, "nl", True)],
}


def _user(email):
    return User.objects.filter(email=email).first() if email else None


@transaction.atomic
def load(out) -> None:
    now = timezone.now()
    dispatch = _user("dispatch@demo.polbruno.be")
    categories = {category.code: category for category in IncidentCategory.objects.all()}
    communes = {commune.code: commune for commune in Commune.objects.all()}
    unit = PoliceUnit.objects.filter(code="INT").first()
    officer = Officer.objects.filter(last_name="El Amrani").first()
    created = 0
    for key, hours, category, commune, status, email, place, summary, mode in CALLOUTS:
        idempotency_key = uuid.uuid5(NAMESPACE, key)
        if Callout.objects.filter(idempotency_key=idempotency_key).exists():
            continue
        created += 1
        received = now - timedelta(hours=hours)
        assistant = _user(email)
        callout = Callout(
            reference=next_reference("INT", timezone.localtime(received).year),
            idempotency_key=idempotency_key,
            received_at=received,
            category=categories[category],
            commune=communes[commune],
            place=place,
            summary=summary,
            mode=mode,
            requested_by=dispatch,
            channel=Callout.Channel.PAGE if dispatch else Callout.Channel.DUTY_PHONE,
            requesting_unit=unit,
            requesting_officer=officer,
            callback_phone="+3222492211",
            context="Famille sur place" if key == "requested" else "",
            status=Callout.Status.REQUESTED,
        )
        if status == "requested":
            callout.escalate_at = now + timedelta(minutes=8)
        elif status == "cancelled":
            callout.status = status
            callout.cancelled_at = received + timedelta(minutes=20)
        else:
            callout.status = status
            callout.assistant = assistant
            callout.accepted_at = received + timedelta(minutes=3)
            callout.departed_at = received + timedelta(minutes=8)
            callout.arrived_at = received + timedelta(minutes=30)
            callout.escalation_step = 3
            if status == "closed":
                callout.ended_at = received + timedelta(hours=2, minutes=10)
                callout.debrief_needed = key == "closed-last-week"
        callout.save()
        if assistant:
            CalloutPage.objects.create(callout=callout, step=0, recipient=assistant, at=received)
        for role, first, last, year, language, consent in PERSONS.get(key, []):
            person = Person.objects.create(
                first_name=first,
                last_name=last,
                birth_year=year,
                is_minor=bool(year and year > timezone.localdate().year - 18),
                language=language,
                commune=communes[commune],
                phone="+32470000900" if consent else "",
                consent_contact=consent,
                consent_contact_at=received if consent else None,
                consent_contact_by=assistant if consent else None,
                consent_referral=consent,
                consent_referral_at=received if consent else None,
                consent_referral_by=assistant if consent else None,
                created_by=assistant,
            )
            Involvement.objects.create(callout=callout, person=person, role=role)
            if assistant:
                AssistanceAction.objects.create(
                    callout=callout, person=person, kind="emotional", at=callout.arrived_at, by=assistant
                )
            if consent and status == "closed" and assistant:
                service = (
                    PartnerService.objects.filter(kind__code="caw").first()
                    if language == "nl"
                    else PartnerService.objects.filter(kind__code="bav", commune=communes[commune]).first()
                )
                if service:
                    answered = key != "closed-yesterday"
                    Referral.objects.create(
                        person=person,
                        callout=callout,
                        service=service,
                        status=Referral.Status.TAKEN_IN_CHARGE if answered else Referral.Status.SENT,
                        method=Referral.Method.EMAIL,
                        message="Joignable en soirée.",
                        consent_at=received,
                        consent_by=assistant,
                        sent_at=callout.ended_at,
                        acknowledged_at=callout.ended_at + timedelta(hours=20) if answered else None,
                        answered_at=callout.ended_at + timedelta(hours=20) if answered else None,
                        created_by=assistant,
                    )
        if key == "closed-months-ago" and officer:
            CoachedOfficer.objects.create(
                callout=callout, officer=officer, explained="Annonce de décès : les mots, le lieu, le temps."
            )
        if key == "closed-yesterday" and assistant:
            FollowUp.objects.create(
                callout=callout,
                due_on=timezone.localdate() + timedelta(days=1),
                assignee=assistant,
                note="Rappeler la victime : plainte déposée ?",
                created_by=assistant,
            )
    out.write(f"  victims: {created} demo callouts (of {len(CALLOUTS)})")
