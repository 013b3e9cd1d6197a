"""Every list page of the project, with a way to fill it, for the generic list tests (test_lists.py).

A list is a page whose URL name ends in ``_list``, or one named in KEYSET_LISTS. Each registers
here once: who may read it, how many rows a page shows, and a ``seed`` that creates ``count`` rows
the signed-in user sees, each showing a text of its own (``marker(n)``), and returns those texts.
A new list page without an entry fails test_every_list_page_is_registered.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone


def marker(n: int) -> str:
    """A text no other row contains (no marker is a part of another)."""
    return f"Qx{n:04d}zq"


@dataclass
class ListPage:
    url_name: str
    role: str
    seed: Callable  # seed(user, count) → the markers of the rows created, one per row
    # Rows a page shows; None: every row on one page (a list bounded by its own rule).
    per_page: int | None
    paging: str = "numbered"  # "numbered" (?page=N), "keyset" (?before=id) or "none"
    kwargs: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)  # query parameters every request carries
    # Rows the list shows besides the seeded ones (the signed-in admin in the user list…).
    others: Callable = lambda user: 0


# --- seeds ------------------------------------------------------------------------------------------------------


def _callouts(user, count):
    from victims.tests.factories import AcceptedCalloutFactory

    return [AcceptedCalloutFactory(place=marker(n), summary=marker(n)).reference for n in range(count)]


def _referrals(user, count):
    from victims.tests.factories import ReferralFactory

    for n in range(count):
        ReferralFactory(service__name_fr=marker(n))
    return [marker(n) for n in range(count)]


def _follow_ups(user, count):
    from victims.tests.factories import FollowUpFactory

    for n in range(count):
        FollowUpFactory(assignee=user, note=marker(n))
    return [marker(n) for n in range(count)]


def _users(user, count):
    from accounts.tests.factories import UserFactory

    for n in range(count):
        UserFactory(full_name=marker(n))
    return [marker(n) for n in range(count)]


def _services(user, count):
    from victims.tests.factories import ServiceFactory

    for n in range(count):
        ServiceFactory(name_fr=marker(n))
    return [marker(n) for n in range(count)]


def _journal(user, count):
    from accounts.models import AccessEvent

    AccessEvent.objects.bulk_create(
        AccessEvent(action=AccessEvent.Action.VIEW, object_type="tests.row", description=marker(n))
        for n in range(count)
    )
    return [marker(n) for n in range(count)]


def _deliveries(user, count):
    from notifications.tests.factories import NotificationFactory

    for n in range(count):
        NotificationFactory(subject=marker(n))
    return [marker(n) for n in range(count)]


def _inbox(user, count):
    from notifications.tests.factories import NotificationFactory

    for n in range(count):
        NotificationFactory(recipient=user, subject=marker(n))
    return [marker(n) for n in range(count)]


def _rotations(user, count):
    from oncall.tests.factories import RotationFactory

    for n in range(count):
        RotationFactory(name=marker(n))
    return [marker(n) for n in range(count)]


def _absences(user, count):
    from oncall.tests.factories import AbsenceFactory

    start = timezone.now() + timedelta(days=2)
    for n in range(count):
        AbsenceFactory(note=marker(n), starts_at=start + timedelta(days=n), ends_at=start + timedelta(days=n, hours=8))
    return [marker(n) for n in range(count)]


def _swaps(user, count):
    from oncall.models import SwapRequest
    from oncall.tests.factories import ShiftFactory

    start = timezone.now() + timedelta(days=3)
    for n in range(count):
        shift = ShiftFactory(starts_at=start + timedelta(days=n), ends_at=start + timedelta(days=n, hours=12))
        SwapRequest.objects.create(
            shift=shift,
            requester=shift.assistant,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            reason=marker(n),
        )
    return [marker(n) for n in range(count)]


def _count_users(user):
    from accounts.models import User

    return User.objects.filter(is_active=True).count()


def _count_services(user):
    from directory.models import PartnerService

    return PartnerService.objects.count()


def _count_active_services(user):
    from directory.models import PartnerService

    return PartnerService.objects.active().count()


# Lists paged by id (``?before=``) whose URL name does not end in _list.
KEYSET_LISTS = {"accounts:journal", "notifications:inbox"}

LISTS = [
    ListPage("victims:callout_list", "assistant", _callouts, per_page=25),
    ListPage("victims:referral_list", "assistant", _referrals, per_page=30),
    ListPage("victims:followup_list", "assistant", _follow_ups, per_page=50),
    ListPage("accounts:user_list", "admin", _users, per_page=25, others=_count_users),
    ListPage(
        "directory:reference_list", "admin", _services, per_page=30, kwargs={"kind": "services"}, others=_count_services
    ),
    ListPage("accounts:journal", "dpo", _journal, per_page=50, paging="keyset", params={"object_type": "tests.row"}),
    ListPage("notifications:admin_list", "admin", _deliveries, per_page=25, paging="keyset"),
    ListPage("notifications:inbox", "assistant", _inbox, per_page=20, paging="keyset"),
    ListPage(
        "directory:service_list", "assistant", _services, per_page=None, paging="none", others=_count_active_services
    ),
    ListPage("oncall:rotation_list", "admin", _rotations, per_page=None, paging="none"),
    ListPage("oncall:absence_list", "admin", _absences, per_page=None, paging="none"),
    ListPage("oncall:swap_list", "admin", _swaps, per_page=None, paging="none"),
]
