"""The one paginator and the one keyset helper of every list (core.pagination)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import MAX_ID, MAX_PAGE, CappedPaginator, keyset_page, page_number, row_id


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("3", 3),
        (" 3 ", 3),
        (None, 1),
        ("", 1),
        ("abc", 1),
        ("-3", 1),
        ("0", 1),
        ("1.5", 1),
        ("２", 1),
        ("1\x00", 1),
        ("99999999999999999999", MAX_PAGE),
        ("9" * 5000, MAX_PAGE),
    ],
)
def test_a_page_number_is_read_safely_and_clamped(value, number):
    assert page_number(value) == number


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("42", 42),
        ("0", None),
        ("-1", None),
        ("abc", None),
        (None, None),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
    ],
)
def test_an_id_is_read_safely_within_bigint(value, found):
    assert row_id(value) == found


def test_under_the_cap_it_is_djangos_paginator():
    paginator = CappedPaginator(list(range(55)), 25, cap=100)
    last = paginator.get_page(3)

    assert (paginator.count, paginator.num_pages, paginator.capped) == (55, 3, False)
    assert list(last) == list(range(50, 55)) and not last.has_next() and last.has_previous()
    assert paginator.get_page("junk").number == 1 and paginator.get_page("-2").number == 1
    assert paginator.get_page("999").number == 3


def test_past_the_cap_it_pages_on_without_a_total():
    paginator = CappedPaginator(list(range(55)), 10, cap=20)

    assert (paginator.count, paginator.num_pages, paginator.capped) == (21, None, True)
    fifth, sixth = paginator.get_page(5), paginator.get_page(6)
    assert list(fifth) == list(range(40, 50)) and fifth.has_next() and fifth.next_page_number() == 6
    assert list(sixth) == list(range(50, 55)) and not sixth.has_next() and sixth.has_other_pages()
    # Past the end: the last page, found by counting the whole list this once.
    assert paginator.get_page(40).number == 6 and paginator.get_page(MAX_PAGE).number == 6


@pytest.mark.django_db
def test_the_count_of_a_queryset_stops_at_the_cap():
    from accounts.models import Role

    rows = Role.objects.order_by("id")
    with CaptureQueriesContext(connection) as queries:
        count = CappedPaginator(rows, 2, cap=3).count

    assert count == min(Role.objects.count(), 4)
    assert "LIMIT 4" in queries[0]["sql"]


@pytest.mark.django_db
def test_a_keyset_page_goes_from_the_newest_to_the_oldest_rows():
    from accounts.models import AccessEvent

    AccessEvent.objects.bulk_create(
        AccessEvent(action=AccessEvent.Action.VIEW, object_type="tests.keyset", description=str(n)) for n in range(5)
    )
    rows = AccessEvent.objects.filter(object_type="tests.keyset")

    first = keyset_page(rows, None, 2)
    second = keyset_page(rows, str(first.next_before), 2)
    last = keyset_page(rows, str(second.next_before), 2)

    assert [[event.description for event in page] for page in (first, second, last)] == [["4", "3"], ["2", "1"], ["0"]]
    assert first.is_first and not second.is_first and last.next_before is None
    assert [e.description for e in keyset_page(rows, "99999999999999999999", 2)] == ["4", "3"]
