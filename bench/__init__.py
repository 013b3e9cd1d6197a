"""The benchmark behind `make bench`: a development tool, never imported by the app.

Each app may have a ``bench`` module with two kinds of entries, found in INSTALLED_APPS order:

    from bench import filler, page

    @filler
    def fill_journal(ctx):            # fills the bench database at ctx.scale (deterministic: ctx.rng)
        ctx.copy("accounts_accessevent", ["at", "action", ...], rows_iterable)

    @page("Access journal (1M events)", role="dpo", budget=2.0)
    def journal_page(ctx):            # returns the URL to request (may look rows up)
        return "/journal/"

``python -m bench`` (``make bench``) fills a separate database once per (scale, seed), then requests every page
through Django's test client (all middleware, a signed-in user with the given role) and compares
median and p95 server time with the framework floor: a bare signed-in page rendering base.html.
"""

import importlib
import importlib.util
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.db import connection

FILLERS: list[Callable] = []
PAGES: list["Page"] = []
TASKS: list["Task"] = []


@dataclass
class Page:
    name: str
    url: Callable[["Context"], str]
    role: str = "assistant"
    # Budget: median server time at most this many times the floor (None: measured, not judged);
    # by scale, {1: 2.0, 20: 3.0}: the entry of the largest scale not above the one measured.
    budget: float | dict[int, float] | None = 2.0
    method: str = "get"
    data: Callable[["Context"], dict] | None = None

    def budget_at(self, scale: int) -> float | None:
        if not isinstance(self.budget, dict):
            return self.budget
        return self.budget[max((s for s in self.budget if s <= scale), default=min(self.budget))]


@dataclass
class Task:
    """Something measured as a whole (a sweeper over 1,000 rows): ``run(ctx)`` returns
    (items processed, extra text); the harness reports items per second."""

    name: str
    run: Callable[["Context"], tuple[int, str]]
    minimum_per_second: float | None = None


@dataclass
class Context:
    scale: int
    seed: int
    now: datetime
    rng: random.Random
    users: dict = field(default_factory=dict)  # role → User
    data: dict = field(default_factory=dict)  # whatever fillers want to share with pages

    def copy(self, table: str, columns: list[str], rows: Iterable[tuple]) -> int:
        """Bulk-load rows with PostgreSQL COPY (10–50× faster than INSERTs).

        The table's own triggers (change history, append-only guards) are off during the load:
        pghistory's trigger opens a subtransaction per row, and one COPY of a million rows with a
        million subtransactions slows down quadratically. A live database writes a few rows per
        transaction and never meets this. Foreign keys and constraints still apply."""
        count = 0
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            try:
                with cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            finally:
                cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        return count


def filler(function):
    FILLERS.append(function)
    return function


def page(
    name: str, *, role: str = "assistant", budget: float | dict[int, float] | None = 2.0, method: str = "get", data=None
):
    def register(function):
        PAGES.append(Page(name, function, role=role, budget=budget, method=method, data=data))
        return function

    return register


def task(name: str, *, minimum_per_second: float | None = None):
    def register(function):
        TASKS.append(Task(name, function, minimum_per_second))
        return function

    return register


def discover() -> None:
    """Import every app's bench module once (their decorators register the entries)."""
    if FILLERS or PAGES or TASKS:
        return
    for config in apps.get_app_configs():
        name = f"{config.name}.bench"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
