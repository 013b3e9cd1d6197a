"""Paging every list: numbered pages whose count stops at a cap, or keyset pages ("older") by id.

    page = CappedPaginator(rows, 25).get_page(request.GET.get("page"))   # any page number, never a 500
    {% include "components/pagination.html" %}                            # with ``page`` and ``query``

    older = keyset_page(rows, request.GET.get("before"), 50)              # newest first, no COUNT
    older.object_list, older.next_before                                  # next_before: None on the last page

A number read from the query string is never trusted: junk reads as the first page, a number below
1 as 1, a number past the last page as the last page, and no number reaches the database as an
OFFSET or an id that PostgreSQL cannot hold.
"""

from dataclasses import dataclass
from math import ceil

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

# Past this many rows a list says "more than 1,000" instead of counting every one: counting a
# hundred thousand rows costs more than the rest of the page, and nobody reads that far by hand.
COUNT_CAP = 1000
# The deepest page asked for by number (farther than anyone reads; keeps OFFSET small).
MAX_PAGE = 10_000
# The largest id a keyset link may carry (PostgreSQL's bigint).
MAX_ID = 2**63 - 1


def page_number(value) -> int:
    """A page number from the query string: 1 for anything but digits (a sign, a dot, a letter),
    at least 1 and at most MAX_PAGE (a number past the last page then reads as the last page)."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    return max(1, MAX_PAGE if len(text) > len(str(MAX_PAGE)) else min(int(text), MAX_PAGE))


def row_id(value) -> int | None:
    """An id from the query string, or None when it is not one (junk, negative, beyond bigint)."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class CappedPage(Page):
    """A Django Page that may know whether another follows without knowing how many do."""

    def __init__(self, object_list, number, paginator, more=None):
        super().__init__(object_list, number, paginator)
        self.more = more  # None: ask the paginator (the count is known)

    def has_next(self):
        return super().has_next() if self.more is None else self.more


class CappedPaginator(Paginator):
    """A Django Paginator whose count stops at ``cap`` (COUNT_CAP by default).

    Up to the cap it is Django's Paginator. Past it, ``capped`` is true, ``num_pages`` is None (the
    pagination component then says "Page 3" rather than "Page 3 of …"), and the pages go on: each
    reads one row more than it shows to know whether another follows.
    """

    def __init__(self, object_list, per_page, *, cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def count(self) -> int:
        """The number of rows if at most ``cap``; ``cap + 1`` stands for "more"."""
        return _size(self.object_list[: self.cap + 1])

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self):
        if self.capped:
            return None
        if self.count == 0 and not self.allow_empty_first_page:
            return 0
        return ceil(max(1, self.count - self.orphans) / self.per_page)

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(str(exc)) from exc
        if number < 1:
            raise EmptyPage(number)
        return number

    def page(self, number):
        if not self.capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def _get_page(self, *args, **kwargs):
        return CappedPage(*args, **kwargs)

    def get_page(self, number):
        """The page ``number`` names in a query string, never an error: junk or a number below 1
        is the first page, a number past the end the last page."""
        number = page_number(number)
        if not self.capped:
            return super().get_page(min(number, self.num_pages or 1))
        page = self.page(number)
        if page.object_list or number == 1:
            return page
        # Past the end of a list longer than the cap (an old link, a narrower filter): count the
        # whole list this once to find its last page.
        return self.page(max(1, ceil(_size(self.object_list) / self.per_page)))


@dataclass
class KeysetPage:
    """Rows newest first, and the id to ask for the next (older) ones with (None on the last)."""

    object_list: list
    next_before: int | None
    is_first: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def keyset_page(rows, before, size: int, *, fetch=None) -> KeysetPage:
    """The ``size`` rows of ``rows`` (a QuerySet) with the highest ids below ``before`` (read from
    the query string; anything but an id means the newest), newest first. No OFFSET and no COUNT:
    as quick on the thousandth page of a table of millions as on the first.

    ``fetch`` turns the page's QuerySet (already ordered and limited to size + 1 rows) into the rows
    to show, for a page read another way (ids first, or plain values)."""
    before = row_id(before)
    if before is not None:
        rows = rows.filter(id__lt=before)
    window = rows.order_by("-id")[: size + 1]
    found = list(fetch(window) if fetch else window)
    shown = found[:size]
    next_before = _id_of(shown[-1]) if len(found) > size else None
    return KeysetPage(shown, next_before, before is None)


def _size(rows) -> int:
    return rows.count() if isinstance(rows, QuerySet) else len(rows)


def _id_of(row) -> int:
    if isinstance(row, dict):
        return row["id"] if "id" in row else row["pk"]
    return row.pk if hasattr(row, "pk") else row.id
