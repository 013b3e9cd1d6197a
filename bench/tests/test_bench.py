"""The benchmark's verdicts: a budget per scale, the table's ✅/❌ against the floor."""

import random
from datetime import UTC, datetime

import pytest

from bench import Context, Page
from bench.harness import Command


def page(budget):
    return Page("A page", lambda ctx: "/", budget=budget)


def test_a_budget_may_differ_by_scale():
    by_scale = page({1: 2.0, 20: 3.0})
    assert [by_scale.budget_at(scale) for scale in (1, 5, 20, 100)] == [2.0, 2.0, 3.0, 3.0]
    assert page(2.0).budget_at(20) == 2.0 and page(None).budget_at(1) is None


@pytest.mark.django_db
@pytest.mark.parametrize(("scale", "verdict"), [(1, "≤ 2× ❌"), (20, "≤ 3× ✅")])
def test_the_table_judges_each_page_against_the_floor_at_its_scale(scale, verdict):
    floor = Page("Framework floor", lambda ctx: "/")
    ctx = Context(scale=scale, seed=1, now=datetime(2026, 11, 25, tzinfo=UTC), rng=random.Random(1))
    rows = [(floor, (5.0, 6.0, 7), None), (page({1: 2.0, 20: 3.0}), (12.5, 14.0, 9), (5.0, 6.0, 7))]

    table = Command()._table(rows, [], ctx, requests=50)

    assert f"| A page | assistant | 9 | 12.5 | 14.0 | 5.0 | 2.50 | {verdict} |" in table
    assert f"## Scale {scale}" in table
