"""Swap requests: offered to free colleagues, taken (with optional approval), reminded, expired."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from notifications.models import Notification
from oncall import services
from oncall.models import Shift, SwapRequest
from oncall.services import on_call_at
from oncall.tests.factories import AbsenceFactory, AssistantFactory, ShiftFactory, local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "english")]


@pytest.fixture
def frozen():
    with time_machine.travel(local(2026, 1, 1, 12), tick=False):
        yield


@pytest.fixture
def team():
    people = {name: AssistantFactory(full_name=name) for name in ("Anne", "Bart", "Chloé", "Driss")}
    people["Admin"] = AssistantFactory(full_name="Admin", roles=["admin"])
    ShiftFactory(assistant=people["Anne"], starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    # Driss is absent, the admin is on the backup layer: neither is eligible for Anne's Wednesday.
    AbsenceFactory(assistant=people["Driss"], starts_at=local(2026, 1, 6), ends_at=local(2026, 1, 9))
    ShiftFactory(
        assistant=people["Admin"], role="backup", starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9)
    )
    return people


def recipients(kind, **filters):
    rows = Notification.objects.filter(kind=kind, channel="in_app", **filters)
    return sorted(n.recipient.full_name for n in rows)


def offer(team):
    shift = Shift.objects.get(assistant=team["Anne"])
    return services.request_swap(
        shift, starts_at=local(2026, 1, 7, 9), ends_at=local(2026, 1, 8, 9), reason="family event", by=team["Anne"]
    )


def test_only_free_colleagues_are_told_of_a_swap_request(team):
    swap = offer(team)

    assert swap.status == SwapRequest.Status.OPEN
    assert recipients("swap_offered") == ["Bart", "Chloé"]
    assert swap.remind_at == local(2026, 1, 6, 9)  # a day before the start


def test_a_colleague_takes_it_and_it_becomes_an_override(team):
    swap = offer(team)

    services.take_swap(swap, by=team["Bart"])

    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ACCEPTED and swap.taken_by == team["Bart"]
    assert swap.override.assistant == team["Bart"] and swap.override.source == "override"
    assert on_call_at(local(2026, 1, 7, 12)).primary.assistant == team["Bart"]
    assert on_call_at(local(2026, 1, 8, 12)).primary.assistant == team["Anne"]
    # The requester and the admin are told; the taker did it and is not.
    assert recipients("swap_update") == ["Admin", "Anne"]
    assert recipients("shift_changed") == []  # no second message about the same change


def test_nobody_can_take_a_request_twice_or_their_own(team):
    swap = offer(team)
    with pytest.raises(ValidationError, match="own request"):
        services.take_swap(swap, by=team["Anne"])
    services.take_swap(swap, by=team["Bart"])
    with pytest.raises(ValidationError, match="no longer open"):
        services.take_swap(swap, by=team["Chloé"])


def test_an_absent_colleague_cannot_take_it(team):
    swap = offer(team)
    with pytest.raises(ValidationError, match="absent"):
        services.take_swap(swap, by=team["Driss"])


def test_with_approval_required_the_admin_decides(team, settings):
    settings.SWAP_REQUIRES_APPROVAL = True
    swap = offer(team)

    services.take_swap(swap, by=team["Chloé"])
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.TAKEN
    assert on_call_at(local(2026, 1, 7, 12)).primary.assistant == team["Anne"]  # not yet
    assert recipients("swap_approval") == ["Admin"]

    services.approve_swap(swap, by=team["Admin"])
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ACCEPTED and swap.decided_by == team["Admin"]
    assert on_call_at(local(2026, 1, 7, 12)).primary.assistant == team["Chloé"]


def test_a_declined_swap_changes_nothing(team, settings):
    settings.SWAP_REQUIRES_APPROVAL = True
    swap = offer(team)
    services.take_swap(swap, by=team["Chloé"])
    services.decline_swap(swap, by=team["Admin"])
    assert on_call_at(local(2026, 1, 7, 12)).primary.assistant == team["Anne"]
    assert "Chloé" in recipients("swap_update", context__event="declined")


def test_an_untaken_request_is_reminded_once_then_expires_at_its_start(team):
    swap = offer(team)

    with time_machine.travel(local(2026, 1, 6, 9, 1), tick=False):
        assert services.sweep_swaps() == (1, 0)
        assert services.sweep_swaps() == (0, 0)  # once
    # Free colleagues again, and the admins: it is getting urgent.
    assert recipients("swap_offered", context__event="reminder") == ["Admin", "Bart", "Chloé"]

    with time_machine.travel(local(2026, 1, 7, 9), tick=False):
        assert services.sweep_swaps() == (0, 1)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.EXPIRED
    assert recipients("swap_update", context__event="expired") == ["Admin", "Anne"]
    assert on_call_at(local(2026, 1, 7, 12)).primary.assistant == team["Anne"]


def test_a_request_made_less_than_a_day_ahead_is_reminded_halfway():
    now = local(2026, 1, 1, 12)
    assert services.swap_remind_at(now + timedelta(hours=10), now) == now + timedelta(hours=5)
    assert services.swap_remind_at(now + timedelta(hours=1), now) is None


def test_withdrawing_cancels_the_pending_messages(team):
    swap = offer(team)
    with time_machine.travel(local(2026, 1, 1, 11), tick=False):  # offers still waiting to be sent
        Notification.objects.filter(kind="swap_offered").update(status="pending")
    services.withdraw_swap(swap, by=team["Anne"])
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.CANCELLED
    assert not Notification.objects.filter(kind="swap_offered", status="pending").exists()


def test_a_second_overlapping_request_is_refused(team):
    offer(team)
    with pytest.raises(ValidationError, match="already open"):
        offer(team)


def test_an_override_by_the_admin_makes_an_open_request_for_that_time_moot(team):
    swap = offer(team)
    shift = Shift.objects.get(assistant=team["Anne"])
    services.override_shift(
        shift, starts_at=local(2026, 1, 7, 9), ends_at=local(2026, 1, 8, 9), to=team["Chloé"], by=team["Admin"]
    )
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.CANCELLED
