"""Every list page (tests/lists.py), with more rows than a page and DEBUG off as in production:
the first, second and last pages answer 200 and show each row once; a page number or id that is
junk, negative or huge answers 200 too; and every table shows as many cells per row as its header
has columns."""

import re
from html.parser import HTMLParser
from math import ceil

import pytest
from django.conf import settings
from django.urls import reverse

from tests.lists import KEYSET_LISTS, LISTS
from tests.test_role_matrix import URL_NAMES

pytestmark = pytest.mark.django_db

BY_NAME = {spec.url_name: spec for spec in LISTS}
IDS = [f"{spec.url_name}{'-' + '-'.join(spec.kwargs.values()) if spec.kwargs else ''}" for spec in LISTS]
JUNK = ["abc", "-3", "0", "1.5", "", "２", "1\x00"]  # read as the first page, or the newest rows
HUGE = ["99999999999999999999", "9" * 5000]  # read as the last page, or the newest rows


def test_the_suite_runs_with_debug_off_as_in_production():
    assert settings.DEBUG is False


def test_every_list_page_is_registered():
    lists = {name for name in URL_NAMES if name.endswith("_list")} | KEYSET_LISTS

    assert not lists - set(BY_NAME), f"list pages missing from tests/lists.py: {sorted(lists - set(BY_NAME))}"


def _get(client, spec, **params):
    response = client.get(reverse(spec.url_name, kwargs=spec.kwargs), {**spec.params, **params})
    assert response.status_code == 200, f"{spec.url_name} {params}: {response.status_code}"
    return response.content.decode()


def _shown(html, markers):
    return [m for m in markers if m in html]


def _seed(spec, client_as):
    client = client_as(spec.role)
    others = spec.others(client.user)
    count = 2 * (spec.per_page or 2) + 3
    markers = spec.seed(client.user, count)
    assert len(markers) == count
    return client, markers, others


@pytest.mark.parametrize("spec", [s for s in LISTS if s.paging == "numbered"], ids=lambda s: s.url_name)
def test_a_numbered_list_shows_every_row_once_over_its_pages(spec, client_as):
    client, markers, others = _seed(spec, client_as)
    pages = ceil((len(markers) + others) / spec.per_page)

    seen = [_shown(_get(client, spec, page=number), markers) for number in range(1, pages + 1)]

    assert len(seen[0]) >= spec.per_page - others, f"first page shows {len(seen[0])} of {spec.per_page}"
    assert len(seen[-1]) >= len(markers) - (pages - 1) * spec.per_page
    assert sorted(m for page in seen for m in page) == sorted(markers), "a row missing or shown twice"
    assert "page=2" in _get(client, spec)


@pytest.mark.parametrize("spec", [s for s in LISTS if s.paging == "numbered"], ids=lambda s: s.url_name)
def test_a_junk_or_huge_page_number_shows_the_first_or_last_page(spec, client_as):
    client, markers, others = _seed(spec, client_as)
    pages = ceil((len(markers) + others) / spec.per_page)
    first = _shown(_get(client, spec), markers)
    last = _shown(_get(client, spec, page=pages), markers)

    for junk in JUNK:
        assert _shown(_get(client, spec, page=junk), markers) == first, f"page={junk!r}"
    for huge in [*HUGE, str(pages + 5)]:
        assert _shown(_get(client, spec, page=huge), markers) == last, f"page={huge[:30]}"


def _next_before(html):
    """The id of the page's link to older rows (the language switcher's "next" carries the current
    one: not a link)."""
    found = re.search(r'href="[^"]*[?&;]before=(\d+)"', html)
    return found.group(1) if found else None


@pytest.mark.parametrize("spec", [s for s in LISTS if s.paging == "keyset"], ids=lambda s: s.url_name)
def test_a_keyset_list_shows_every_row_once_following_its_older_links(spec, client_as):
    client, markers, others = _seed(spec, client_as)

    seen, before = [], None
    for _ in range(10):
        html = _get(client, spec, **({"before": before} if before else {}))
        seen.append(_shown(html, markers))
        before = _next_before(html)
        if before is None:
            break

    assert len(seen) == ceil((len(markers) + others) / spec.per_page)
    assert len(seen[0]) == spec.per_page
    assert sorted(m for page in seen for m in page) == sorted(markers), "a row missing or shown twice"


@pytest.mark.parametrize("spec", [s for s in LISTS if s.paging == "keyset"], ids=lambda s: s.url_name)
def test_a_junk_or_huge_keyset_id_shows_the_newest_rows(spec, client_as):
    client, markers, _others = _seed(spec, client_as)
    first = _shown(_get(client, spec), markers)

    for junk in [*JUNK, *HUGE]:
        assert _shown(_get(client, spec, before=junk), markers) == first, f"before={junk[:30]!r}"


@pytest.mark.parametrize("spec", [s for s in LISTS if s.paging == "none"], ids=lambda s: s.url_name)
def test_a_list_bounded_by_its_own_rule_shows_every_row(spec, client_as):
    client, markers, _others = _seed(spec, client_as)

    assert _shown(_get(client, spec), markers) == markers


class _Tables(HTMLParser):
    """Each <table>: the number of columns of its header's last row, and of each body row (a cell
    spanning n columns counts n)."""

    def __init__(self):
        super().__init__()
        self.tables, self._stack = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._stack.append({"head": None, "rows": [], "part": None, "row": None})
        elif not self._stack:
            return
        table = self._stack[-1] if self._stack else None
        if tag in ("thead", "tbody", "tfoot"):
            table["part"] = tag
        elif tag == "tr":
            table["row"] = 0
        elif tag in ("td", "th") and table["row"] is not None:
            table["row"] += int(attrs.get("colspan") or 1)

    def handle_endtag(self, tag):
        if not self._stack:
            return
        table = self._stack[-1]
        if tag == "tr" and table["row"] is not None:
            if table["part"] == "thead":
                table["head"] = table["row"]
            else:
                table["rows"].append(table["row"])
            table["row"] = None
        elif tag == "table":
            self.tables.append(self._stack.pop())


def table_shapes(html):
    parser = _Tables()
    parser.feed(html)
    return [(table["head"], table["rows"]) for table in parser.tables if table["head"]]


def test_the_table_reader_counts_spans_and_sees_a_missing_cell():
    html = (
        "<table><thead><tr><th>a</th><th>b</th><th>c</th></tr></thead><tbody>"
        "<tr><td>1</td><td colspan='2'>2</td></tr><tr><td>1</td><td>2</td></tr></tbody></table>"
    )
    assert table_shapes(html) == [(3, [3, 2])]


@pytest.mark.parametrize("spec", LISTS, ids=IDS)
def test_every_row_of_a_list_table_has_as_many_cells_as_the_header_has_columns(spec, client_as):
    client, markers, _others = _seed(spec, client_as)
    html = _get(client, spec)

    for head, rows in table_shapes(html):
        assert rows, "a table without rows"
        assert all(cells == head for cells in rows), f"{head} header columns, rows with {rows} cells"
