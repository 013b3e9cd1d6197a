"""The interface other apps code against (../briefs/contracts.md § oncall)."""

import pytest
from django.db import IntegrityError, transaction

from oncall.extensions import handover_section, handover_sections, now_action, now_actions
from oncall.models import Layer, Shift
from oncall.services import on_call_at
from oncall.tests.factories import AssistantFactory, ShiftFactory, local

pytestmark = pytest.mark.django_db


def test_on_call_at_names_the_primary_and_the_backup_covering_that_instant():
    alice, bob = AssistantFactory(), AssistantFactory()
    primary = ShiftFactory(assistant=alice, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    backup = ShiftFactory(
        assistant=bob, role=Layer.BACKUP, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9)
    )

    on_call = on_call_at(local(2026, 1, 8, 3))

    assert on_call.primary == primary and on_call.backup == backup
    assert on_call_at(local(2026, 1, 12, 9)).primary is None  # [starts_at, ends_at): the end is excluded
    assert on_call_at(local(2026, 1, 5, 9)).primary == primary


def test_shift_queryset_reads_chain():
    alice = AssistantFactory()
    past = ShiftFactory(assistant=alice, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 6, 9))
    future = ShiftFactory(assistant=alice, starts_at=local(2026, 2, 5, 9), ends_at=local(2026, 2, 6, 9))
    ShiftFactory(role=Layer.BACKUP, starts_at=local(2026, 2, 5, 9), ends_at=local(2026, 2, 6, 9))

    assert list(Shift.objects.of(alice).upcoming(local(2026, 1, 20))) == [future]
    assert list(Shift.objects.primary().covering(local(2026, 1, 5, 12))) == [past]
    assert Shift.objects.backup().count() == 1


def test_a_superseded_shift_is_no_longer_on_call_but_stays_in_history():
    shift = ShiftFactory(starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    shift.supersede()

    assert on_call_at(local(2026, 1, 6)).primary is None
    assert Shift.all_objects.filter(pk=shift.pk).exists()


def test_overlapping_primary_shift_is_refused_by_the_database():
    ShiftFactory(starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftFactory(starts_at=local(2026, 1, 11, 9), ends_at=local(2026, 1, 19, 9))
    # touching is not overlapping: [a, b) then [b, c)
    ShiftFactory(starts_at=local(2026, 1, 12, 9), ends_at=local(2026, 1, 19, 9))


def test_overlapping_backup_shift_is_refused_but_a_primary_and_a_backup_may_run_together():
    ShiftFactory(role=Layer.BACKUP, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    ShiftFactory(role=Layer.PRIMARY, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftFactory(role=Layer.BACKUP, starts_at=local(2026, 1, 6, 9), ends_at=local(2026, 1, 7, 9))


def test_an_assistant_cannot_hold_two_shifts_at_once_even_in_two_layers():
    alice = AssistantFactory()
    ShiftFactory(assistant=alice, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftFactory(assistant=alice, role=Layer.BACKUP, starts_at=local(2026, 1, 6), ends_at=local(2026, 1, 7))


def test_a_shift_must_end_after_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        ShiftFactory(starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 5, 9))


def test_superseded_rows_do_not_block_the_pieces_that_replace_them():
    shift = ShiftFactory(starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 12, 9))
    shift.supersede()
    ShiftFactory(assistant=shift.assistant, starts_at=local(2026, 1, 5, 9), ends_at=local(2026, 1, 8, 9))


def test_extension_registries_collect_what_later_apps_register(monkeypatch, rf):
    from oncall import extensions

    monkeypatch.setattr(extensions, "HANDOVER_SECTIONS", [])
    monkeypatch.setattr(extensions, "NOW_ACTIONS", [])
    shift = ShiftFactory()

    @handover_section
    def open_things(s):
        return {"title": "Open", "items": [{"text": f"shift {s.pk}", "url": "https://x/1"}]}

    @handover_section
    def nothing(s):
        return None

    @handover_section
    def broken(s):
        raise RuntimeError("boom")

    @now_action
    def page(request):
        return {"label": "Page", "url": "/victims/page/", "icon": "megaphone"}

    assert handover_sections(shift) == [
        {"title": "Open", "items": [{"text": f"shift {shift.pk}", "url": "https://x/1"}]}
    ]
    assert now_actions(rf.get("/")) == [{"label": "Page", "url": "/victims/page/", "icon": "megaphone"}]
