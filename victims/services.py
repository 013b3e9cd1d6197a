"""Work on callouts, persons, referrals and follow-ups that spans several rows or has side effects
(pages, e-mails, reminders). Views journal what the user did; these functions do the work.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from notifications.services import cancel_pending, notify, notify_address
from oncall.services import on_call_at
from victims.models import Callout, CalloutPage, FollowUp, Person, Referral, next_reference

User = get_user_model()

PAGE_CHANNELS = ("sms", "email", "in_app")
ACK_SALT = "victims.referral.acknowledgement"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def callout_url(callout: Callout) -> str:
    return absolute(reverse("victims:callout_detail", kwargs={"public_id": callout.public_id}))


# --- creating callouts ---------------------------------------------------------------------------------


def _existing_for(idempotency_key) -> Callout | None:
    if idempotency_key is None:
        return None
    return Callout.objects.filter(idempotency_key=idempotency_key).first()


def _create_callout(fields: dict, idempotency_key) -> tuple[Callout, bool]:
    """Insert a callout with its reference, or return the one the same form already created.

    The unique idempotency key settles a double tap on "Save" (or a resubmission after a network
    drop): the second INSERT fails inside a savepoint and we return the first callout.
    """
    existing = _existing_for(idempotency_key)
    if existing is not None:
        return existing, False
    received_at = fields["received_at"]
    reference = next_reference("INT", timezone.localtime(received_at).year)
    try:
        with transaction.atomic():
            callout = Callout.objects.create(reference=reference, idempotency_key=idempotency_key, **fields)
    except IntegrityError:
        existing = _existing_for(idempotency_key)
        if existing is None:
            raise
        return existing, False
    return callout, True


def page_on_call(*, by, fields: dict, idempotency_key=None, now: datetime | None = None) -> tuple[Callout, bool]:
    """Dispatch (or a colleague) pages the on-call AC: a callout in status *requested*, linked to
    the primary shift running now, and the primary paged at once by SMS, e-mail and in-app.
    Returns (callout, created)."""
    now = now or timezone.now()
    on_call = on_call_at(now)
    callout, created = _create_callout(
        {
            **fields,
            "received_at": now,
            "channel": Callout.Channel.PAGE,
            "status": Callout.Status.REQUESTED,
            "requested_by": by,
            "shift": on_call.primary,
        },
        idempotency_key,
    )
    if created:
        page_from(callout, CalloutPage.Step.PRIMARY, now=now)
    return callout, created


def open_callout(*, by, fields: dict, idempotency_key=None) -> tuple[Callout, bool]:
    """An AC logs a callout they took directly (a call on the duty phone): accepted by them."""
    received_at = fields.get("received_at") or timezone.now()
    on_call = on_call_at(received_at)
    mine = [shift for shift in (on_call.primary, on_call.backup) if shift and shift.assistant_id == by.pk]
    accepted_at = max(timezone.now(), received_at)
    return _create_callout(
        {
            **fields,
            "received_at": received_at,
            "status": Callout.Status.ACCEPTED,
            "assistant": by,
            "accepted_at": accepted_at,
            "shift": mine[0] if mine else on_call.primary,
            "escalation_step": 3,
        },
        idempotency_key,
    )


# --- paging and escalation ---------------------------------------------------------------------------------


def _recipients(step: int, now: datetime) -> list:
    if step == CalloutPage.Step.ADMINS:
        return list(User.objects.active().with_role(roles.ADMIN).order_by("pk"))
    on_call = on_call_at(now)
    shift = on_call.primary if step == CalloutPage.Step.PRIMARY else on_call.backup
    return [shift.assistant] if shift and shift.assistant.is_active else []


def page_context(callout: Callout) -> dict:
    from accounts.fields import display_phone

    officer = callout.requesting_officer.full_name if callout.requesting_officer else callout.requesting_officer_name
    return {
        "reference": callout.reference,
        "category_fr": callout.category.name_fr,
        "category_nl": callout.category.name_nl,
        "commune_fr": callout.commune.name_fr,
        "commune_nl": callout.commune.name_nl,
        "place": callout.place,
        "context": callout.context,
        "officer": officer,
        "unit": callout.requesting_unit.code if callout.requesting_unit else "",
        "callback_phone": display_phone(callout.callback_phone),
        "callback_tel": callout.callback_phone,
        "received_at": callout.received_at,
        "url": callout_url(callout),
    }


def page_from(callout: Callout, step: int, *, now: datetime) -> int:
    """Page the first step from ``step`` on that has someone to page (primary → backup → the
    admins), record it on the callout and set when the next step is due. Returns the step paged
    (3 when there was nobody left to page)."""
    already = set(callout.pages.values_list("recipient_id", flat=True))
    context = page_context(callout)
    for current in range(step, CalloutPage.Step.ADMINS + 1):
        recipients = [user for user in _recipients(current, now) if user.pk not in already]
        if not recipients:
            continue
        for user in recipients:
            CalloutPage.objects.get_or_create(callout=callout, step=current, recipient=user, defaults={"at": now})
            notify(
                user,
                kind="page",
                template="victims/page",
                context={**context, "step": current},
                dedupe_key=f"page:{callout.public_id}:{current}:{user.pk}",
                about=callout,
                channels=PAGE_CHANNELS,
            )
        callout.escalation_step = current
        callout.escalate_at = (
            now + timedelta(minutes=settings.PAGE_ESCALATION_MINUTES) if current < CalloutPage.Step.ADMINS else None
        )
        callout.save(update_fields=["escalation_step", "escalate_at"])
        return current
    callout.escalation_step = 3
    callout.escalate_at = None
    callout.save(update_fields=["escalation_step", "escalate_at"])
    return 3


def escalate_due_pages(now: datetime | None = None, limit: int = 200) -> int:
    """Page the next step of every requested callout whose escalation is due.

    Each callout is claimed in its own short transaction with SELECT … FOR UPDATE SKIP LOCKED, and
    paging moves ``escalate_at`` forward (or clears it) in that same transaction: two sweepers never
    page the same step twice, and a crash rolls back both the claim and the page.
    """
    now = now or timezone.now()
    done = 0
    for _ in range(limit):
        with transaction.atomic():
            callout = (
                Callout.objects.escalation_due(now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("category", "commune", "requesting_officer", "requesting_unit")
                .order_by("escalate_at")
                .first()
            )
            if callout is None:
                break
            page_from(callout, callout.escalation_step + 1, now=now)
            done += 1
    return done


# --- the lifecycle ---------------------------------------------------------------------------------------------

STEPS = {
    "accept": Callout.accept,
    "en_route": Callout.mark_en_route,
    "on_scene": Callout.mark_on_scene,
    "close": Callout.close,
    "cancel": Callout.cancel,
}


def take_step(callout: Callout, step: str, *, by) -> None:
    """One lifecycle button. The caller holds the row lock (select_for_update): two ACs tapping
    Accept at once are served one after the other, and the second gets a TransitionError."""
    was_requested = callout.status == Callout.Status.REQUESTED
    STEPS[step](callout, by=by)
    if was_requested:
        # Nobody else needs to be woken up any more: drop the pages the sweeper has not sent yet.
        cancel_pending(about=callout, kind="page")
        if step != "cancel" and callout.requested_by_id and callout.requested_by_id != by.pk:
            notify(
                callout.requested_by,
                kind="callout_accepted",
                template="victims/callout_accepted",
                context={"reference": callout.reference, "assistant": by.full_name, "url": callout_url(callout)},
                dedupe_key=f"callout:{callout.public_id}:accepted",
                about=callout,
            )


# --- referrals ---------------------------------------------------------------------------------------------------


class ConsentRequired(Exception):
    """A referral needs the person's consent, or a legal basis documented by an admin."""


def refer(
    person: Person,
    *,
    service,
    callout: Callout | None,
    message: str,
    by,
    consent_now: bool = False,
    legal_basis: str = "",
) -> Referral:
    """Propose a referral of ``person`` to ``service``. Consent comes from the person's record, or
    is given now (recorded on the person with date and author); otherwise an admin may document a
    legal basis. Anything else raises ConsentRequired, whatever the form said."""
    now = timezone.now()
    if not person.consent_referral and consent_now:
        person.record_consent("referral", True, by=by, at=now)
        person.save(update_fields=["consent_referral", "consent_referral_at", "consent_referral_by"])
    referral = Referral(person=person, service=service, callout=callout, message=message, created_by=by)
    if person.consent_referral:
        referral.consent_at = person.consent_referral_at
        referral.consent_by = person.consent_referral_by
    elif legal_basis.strip() and roles.can(by, "record_legal_basis"):
        referral.legal_basis = legal_basis.strip()
        referral.legal_basis_by = by
    else:
        raise ConsentRequired
    referral.save()
    return referral


def acknowledgement_token(referral: Referral) -> str:
    return signing.TimestampSigner(salt=ACK_SALT).sign(f"{referral.public_id}.{referral.link_nonce}")


@dataclass
class LinkProblem:
    reason: str  # "expired", "invalid", "replaced" or "closed"


def referral_for_token(token: str) -> Referral | LinkProblem:
    """The referral a service's link points to, or why the link no longer opens it."""
    max_age = timedelta(days=settings.REFERRAL_LINK_DAYS)
    try:
        value = signing.TimestampSigner(salt=ACK_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        return LinkProblem("expired")
    except signing.BadSignature:
        return LinkProblem("invalid")
    public_id, _dot, nonce = value.partition(".")
    referral = (
        Referral.objects.select_related("service", "person", "callout__category", "callout__commune", "created_by")
        .filter(public_id=public_id)
        .first()
    )
    if referral is None:
        return LinkProblem("invalid")
    if not nonce or referral.link_nonce != nonce:
        return LinkProblem("replaced")
    if referral.status == Referral.Status.CLOSED:
        # The service answered and the AC closed the referral: nothing left to do through the link,
        # so it shows no more of the person (instead of until it expires).
        return LinkProblem("closed")
    return referral


def ack_url(referral: Referral) -> str:
    return absolute(reverse("victims:referral_ack", kwargs={"token": acknowledgement_token(referral)}))


def send_referral(referral: Referral, *, method: str, by) -> None:
    """Mark the referral sent. By e-mail: a new signed link (older links stop working) goes to the
    service through the outbox, in the service's language. In every case the AC who made it is
    reminded when the service has not answered after REFERRAL_ACK_HOURS."""
    now = timezone.now()
    if method == Referral.Method.EMAIL:
        if not referral.service.email:
            raise ValueError("this service has no e-mail address")
        referral.link_nonce = secrets.token_urlsafe(12)
    referral.mark_sent(method=method, at=now)
    if method == Referral.Method.EMAIL:
        notify_address(
            email=referral.service.email,
            language=referral.service.language,
            kind="referral_sent",
            template="victims/referral_sent",
            context={
                "service_fr": referral.service.name_fr,
                "service_nl": referral.service.name_nl,
                "reference": referral.journal_label(),
                "url": ack_url(referral),
                "expires_at": now + timedelta(days=settings.REFERRAL_LINK_DAYS),
                "sender": by.full_name,
                "sender_email": by.email,
            },
            dedupe_key=f"referral:{referral.public_id}:sent:{referral.link_nonce}",
            about=referral,
        )
    remind_ac_of_referral(referral, sent_at=now)


def remind_ac_of_referral(referral: Referral, *, sent_at: datetime) -> None:
    ac = referral.created_by
    if ac is None:
        return
    notify(
        ac,
        kind="referral_reminder",
        template="victims/referral_reminder",
        context={
            "reference": referral.journal_label(),
            "callout": referral.callout.reference if referral.callout_id else "",
            "service_fr": referral.service.name_fr,
            "service_nl": referral.service.name_nl,
            "sent_at": sent_at,
            "url": absolute(reverse("victims:referral_detail", kwargs={"public_id": referral.public_id})),
        },
        dedupe_key=f"referral:{referral.public_id}:ack-reminder:{sent_at.timestamp():.0f}",
        about=referral,
        due_at=sent_at + timedelta(hours=settings.REFERRAL_ACK_HOURS),
    )


def record_answer(referral: Referral, status: str, *, note: str = "") -> None:
    """The service's answer (through its link, or told to the AC): the reminder is no longer needed."""
    if status == Referral.Status.CLOSED:
        referral.close()
    else:
        referral.acknowledge(status, note=note)
    cancel_pending(about=referral, kind="referral_reminder")


def service_answers(referral: Referral, status: str, *, note: str = "") -> None:
    """The service answers through its link: recorded, and the AC who made the referral is told
    (bell, and e-mail per their preferences) — they no longer have to come and look."""
    record_answer(referral, status, note=note)
    if referral.created_by is None:
        return
    notify(
        referral.created_by,
        kind="referral_answered",
        template="victims/referral_answered",
        context={
            "reference": referral.journal_label(),
            "callout": referral.callout.reference if referral.callout_id else "",
            "service_fr": referral.service.name_fr,
            "service_nl": referral.service.name_nl,
            "status": referral.status,
            "note": bool(referral.service_note),
            "url": absolute(reverse("victims:referral_detail", kwargs={"public_id": referral.public_id})),
        },
        # Each answer once: the service may change it (received, then taken in charge).
        dedupe_key=f"referral:{referral.public_id}:answer:{referral.answered_at.timestamp():.0f}:{status}",
        about=referral,
    )


def suggested_services(person: Person, callout: Callout | None):
    """Partner services to propose, best first, with the reason: the BAV of the person's commune
    (or the callout's), CAW for Dutch speakers, the French-speaking SAV otherwise, the CPVS within
    7 days of sexual violence, EVA for domestic or older sexual violence."""
    from directory.models import PartnerService

    services = list(PartnerService.objects.active().select_related("kind", "commune"))
    commune_id = person.commune_id or (callout.commune_id if callout else None)
    category = callout.category.code if callout else ""
    recent = callout is not None and timezone.now() - callout.received_at <= timedelta(days=7)
    from django.utils.translation import gettext as _

    ranked = []
    for service in services:
        kind = service.kind.code
        reason = None
        if kind == "cpvs" and category == "sexual-violence" and recent:
            reason = (0, _("Sexual violence less than 7 days ago"))
        elif kind == "bav" and commune_id and service.commune_id == commune_id:
            reason = (1, _("BAV of the commune"))
        elif kind == "caw" and person.language == Person.Language.NL:
            reason = (2, _("Dutch-speaking person"))
        elif kind == "sav" and person.language != Person.Language.NL:
            reason = (3, _("French-speaking victim support"))
        elif kind == "eva" and category in ("domestic-violence", "sexual-violence"):
            reason = (4, _("Domestic or sexual violence"))
        if reason:
            ranked.append((reason[0], service, reason[1]))
    ranked.sort(key=lambda row: (row[0], row[1].name))
    return [(service, reason) for _order, service, reason in ranked]


# --- follow-ups -----------------------------------------------------------------------------------------------


def follow_up_due_at(due_on) -> datetime:
    """Reminders leave at 08:00 Brussels time on the due day (a wall-clock time, DST-proof)."""
    return timezone.make_aware(datetime.combine(due_on, time(settings.FOLLOW_UP_REMINDER_HOUR)))


def schedule_follow_up_reminder(follow_up: FollowUp) -> None:
    cancel_pending(about=follow_up, kind="follow_up_due")
    if follow_up.is_done:
        return
    about = follow_up.callout.reference if follow_up.callout_id else follow_up.person.journal_label()
    if follow_up.callout_id:
        url = callout_url(follow_up.callout)
    else:
        url = absolute(reverse("victims:person_detail", kwargs={"public_id": follow_up.person.public_id}))
    notify(
        follow_up.assignee,
        kind="follow_up_due",
        template="victims/follow_up_due",
        context={"about": about, "due_on": follow_up.due_on, "url": url},
        dedupe_key=f"followup:{follow_up.pk}:due:{follow_up.due_on.isoformat()}:{follow_up.assignee_id}",
        about=follow_up,
        due_at=max(follow_up_due_at(follow_up.due_on), timezone.now()),
    )


def complete_follow_up(follow_up: FollowUp, *, by) -> None:
    follow_up.mark_done(by=by)
    cancel_pending(about=follow_up, kind="follow_up_due")
