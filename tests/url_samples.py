"""Arguments for URL patterns that take some, used by the role × URL matrix test.

Each entry builds what the URL needs (with factories) and returns its kwargs. A URL with
parameters and no entry here fails the matrix test: add one when you add such a URL.
"""

from accounts.models import TrustedDevice, UserSession


def _user_pk():
    from accounts.tests.factories import UserFactory

    return {"pk": UserFactory().pk}


def _trusted_device():
    from accounts.tests.factories import UserFactory

    device, _token = TrustedDevice.issue(UserFactory(), label="test")
    return {"pk": device.pk}


def _session():
    from accounts.tests.factories import UserFactory

    return {"pk": UserSession.objects.create(user=UserFactory(), session_key="x" * 32).pk}


def _reference_row():
    from directory.models import Commune

    return {"kind": "communes", "pk": Commune.objects.first().pk}


def _notification():
    from accounts.tests.factories import UserFactory
    from notifications.tests.factories import NotificationFactory

    return {"pk": NotificationFactory(recipient=UserFactory(), status="failed").pk}


def _latest_user():
    """The user the matrix test signed in just before building the sample (None when anonymous)."""
    from accounts.models import User

    return User.objects.order_by("-pk").first()


def _future_shift():
    """A future shift held by the signed-in user when they are an assistant (object-level checks
    let the holder or an admin change a shift), else by a new assistant."""
    from datetime import timedelta

    from django.utils import timezone

    from oncall.tests.factories import AssistantFactory, ShiftFactory

    user = _latest_user()
    holder = user if user is not None and user.has_role("assistant") else AssistantFactory()
    start = timezone.now() + timedelta(days=3)
    return ShiftFactory(assistant=holder, starts_at=start, ends_at=start + timedelta(days=1))


def _shift_pk():
    return {"pk": _future_shift().pk}


def _rotation_pk():
    from oncall.tests.factories import RotationFactory

    return {"pk": RotationFactory().pk}


def _swap_pk():
    from oncall.models import SwapRequest

    shift = _future_shift()
    swap = SwapRequest.objects.create(
        shift=shift, requester=shift.assistant, starts_at=shift.starts_at, ends_at=shift.ends_at, reason="test"
    )
    return {"pk": swap.pk}


def _absence_swap():
    from oncall.tests.factories import AbsenceFactory

    shift = _future_shift()
    absence = AbsenceFactory(assistant=shift.assistant, starts_at=shift.starts_at, ends_at=shift.ends_at)
    return {"pk": absence.pk, "shift_pk": shift.pk}


def _absence_pk():
    from oncall.tests.factories import AbsenceFactory

    return {"pk": AbsenceFactory().pk}


def _api_token_pk():
    from oncall.models import ApiToken

    return {"pk": ApiToken.issue(name="test")[0].pk}


def _callout():
    from victims.tests.factories import AcceptedCalloutFactory

    return {"public_id": AcceptedCalloutFactory().public_id}


def _involvement():
    from victims.tests.factories import InvolvementFactory

    involvement = InvolvementFactory()
    return {"public_id": involvement.callout.public_id, "pk": involvement.pk}


def _callout_person():
    from victims.tests.factories import InvolvementFactory

    involvement = InvolvementFactory()
    return {"public_id": involvement.callout.public_id, "person_id": involvement.person.public_id}


def _person():
    from victims.tests.factories import PersonFactory

    return {"public_id": PersonFactory().public_id}


def _referral():
    from victims.tests.factories import ReferralFactory

    return {"public_id": ReferralFactory().public_id}


def _referral_token():
    from victims import services
    from victims.tests.factories import ReferralFactory

    referral = ReferralFactory()
    services.send_referral(referral, method="email", by=referral.callout.assistant)
    return {"token": services.acknowledgement_token(referral)}


def _follow_up():
    from victims.tests.factories import FollowUpFactory

    return {"pk": FollowUpFactory().pk}


SAMPLES = {
    "oncall:api_token_revoke": _api_token_pk,
    "oncall:rotation_detail": _rotation_pk,
    "oncall:rotation_edit": _rotation_pk,
    "oncall:shift_detail": _shift_pk,
    "oncall:shift_override": _shift_pk,
    "oncall:shift_remove": _shift_pk,
    "oncall:swap_create": _shift_pk,
    "oncall:swap_detail": _swap_pk,
    "oncall:swap_take": _swap_pk,
    "oncall:swap_withdraw": _swap_pk,
    "oncall:swap_approve": _swap_pk,
    "oncall:swap_decline": _swap_pk,
    "oncall:absence_delete": _absence_pk,
    "oncall:absence_swap": _absence_swap,
    "oncall:ical_mine": lambda: {"token": "not-a-valid-token"},
    "oncall:ical_rota": lambda: {"token": "not-a-valid-token"},
    "accounts:password_reset_confirm": lambda: {"uidb64": "MQ", "token": "set-password"},
    "accounts:trusted_device_revoke": _trusted_device,
    "accounts:session_end": _session,
    "accounts:user_detail": _user_pk,
    "accounts:user_edit": _user_pk,
    "accounts:user_deactivate": _user_pk,
    "accounts:user_reactivate": _user_pk,
    "accounts:user_reset_second_factor": _user_pk,
    "accounts:user_send_link": _user_pk,
    "directory:reference_list": lambda: {"kind": "services"},
    "directory:reference_create": lambda: {"kind": "officers"},
    "directory:reference_edit": _reference_row,
    "notifications:open_message": _notification,
    "notifications:mark_read": _notification,
    "notifications:admin_retry": _notification,
    "victims:callout_detail": _callout,
    "victims:callout_edit": _callout,
    "victims:callout_history": _callout,
    "victims:callout_step": _callout,
    "victims:callout_debrief_done": _callout,
    "victims:person_add": _callout,
    "victims:involvement_remove": _involvement,
    "victims:action_add": _callout,
    "victims:coaching_add": _callout,
    "victims:followup_add": _callout,
    "victims:referral_create": _callout_person,
    "victims:person_detail": _person,
    "victims:person_edit": _person,
    "victims:person_followup_add": _person,
    "victims:followup_done": _follow_up,
    "victims:referral_detail": _referral,
    "victims:referral_send": _referral,
    "victims:referral_answer": _referral,
    "victims:referral_sheet": _referral,
    "victims:referral_pdf": _referral,
    "victims:referral_ack": _referral_token,
    "victims:referral_ack_pdf": _referral_token,
}
