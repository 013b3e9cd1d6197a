import platform
import random
import statistics
import time
from datetime import datetime

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

import bench


class Command(BaseCommand):
    help = "Fill the benchmark database (once per scale and seed) and measure the registered pages."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="1 = a realistic zone over ten years.")
        parser.add_argument("--seed", type=int, default=5344)
        parser.add_argument("--requests", type=int, default=50, help="Measured requests per page.")
        parser.add_argument("--refill", action="store_true", help="Empty and fill the database again.")
        parser.add_argument("--only", default="", help="Measure only pages whose name contains this text.")
        parser.add_argument("--write", action="store_true", help="Also write the table to bench/RESULTS.md.")

    def handle(self, *args, **options):
        database = settings.DATABASES["default"]["NAME"]
        if not database.endswith("_bench"):
            raise CommandError(f"Refusing to fill {database!r}: the benchmark database's name must end in _bench.")
        if settings.DEBUG:
            raise CommandError("Run the benchmark with DEBUG off (make bench does).")
        bench.discover()
        ctx = bench.Context(
            scale=options["scale"],
            seed=options["seed"],
            now=timezone.now().replace(minute=0, second=0, microsecond=0),
            rng=random.Random(options["seed"]),
        )
        wanted = f"scale={ctx.scale} seed={ctx.seed} migrations={self._migrations_fingerprint()}"
        if options["refill"] or self._state() != wanted:
            self._empty()
            started = time.perf_counter()
            for fill in bench.FILLERS:
                step = time.perf_counter()
                fill(ctx)
                self.stdout.write(f"  filled {fill.__module__}.{fill.__name__} in {time.perf_counter() - step:.1f} s")
            # As autovacuum would have done on a ten-year-old database: statistics for the planner
            # and visibility maps for index-only scans.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            self._set_state(wanted)
            self.stdout.write(f"Filled the bench database ({wanted}) in {time.perf_counter() - started:.0f} s.")
        else:
            self.stdout.write(f"Reusing the bench database ({wanted}).")
            for fill in bench.FILLERS:
                if getattr(fill, "reload", None):
                    fill.reload(ctx)
        self._load_users(ctx)
        rows = self._measure(ctx, options["requests"], options["only"])
        task_rows = self._run_tasks(ctx, options["only"])
        table = self._table(rows, task_rows, ctx, options["requests"])
        self.stdout.write("")
        self.stdout.write(table)
        if options["write"]:
            path = settings.BASE_DIR / "bench" / "RESULTS.md"
            path.parent.mkdir(exist_ok=True)
            path.write_text(self._merge(path, ctx.scale, table), encoding="utf-8")
            self.stdout.write(f"Written to {path.relative_to(settings.BASE_DIR)}")

    # --- database state ---------------------------------------------------------------------------

    def _migrations_fingerprint(self) -> str:
        """Changes when a migration is added, so a bench database of older code is refilled."""
        from django.db.migrations.loader import MigrationLoader

        return str(len(MigrationLoader(None, ignore_no_migrations=True).disk_migrations))

    def _state(self):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_state (state text)")
            cursor.execute("SELECT state FROM bench_state LIMIT 1")
            row = cursor.fetchone()
        return row[0] if row else None

    def _set_state(self, state):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_state (state text)")
            cursor.execute("DELETE FROM bench_state")
            cursor.execute("INSERT INTO bench_state VALUES (%s)", [state])

    def _empty(self):
        """Start from an empty schema and migrate again: data migrations (communes, roles, kinds…)
        run as in production, and no migration record can disagree with the tables."""
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        call_command("migrate", verbosity=0, interactive=False)

    def _load_users(self, ctx):
        from accounts.models import Role, User
        from accounts.tests.factories import UserFactory

        for role in Role.objects.all():
            email = f"bench-{role.code}@bench.invalid"
            user = User.objects.filter(email=email).first() or UserFactory(email=email, roles=[role.code])
            ctx.users[role.code] = user

    # --- measuring ---------------------------------------------------------------------------------

    def _timed(self, client, page, url, data, requests, floor=None):
        """Median and p95 of ``requests`` requests, and the query count. With ``floor`` (a function
        requesting the floor page), a floor request runs before each request of the page and the
        floor's median over the same seconds comes fourth: a machine that slows down or speeds up
        during the run (a virtual machine's neighbours) moves both and leaves the ratio alone."""
        call = getattr(client, page.method)
        for _ in range(3):  # warm caches, template loader, connection
            response = call(url, data) if data is not None else call(url)
        if response.status_code >= 400:
            raise CommandError(f"{page.name}: {url} answered {response.status_code}")
        # The request_started signal empties connection.queries: start from empty, or the count is 0.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            call(url, data) if data is not None else call(url)
        query_count = len(queries)  # read now: the captured list is computed lazily from the log
        timings, floor_timings = [], []
        for _ in range(requests):
            if floor is not None:
                started = time.perf_counter()
                floor()
                floor_timings.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            response = call(url, data) if data is not None else call(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        result = statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)], query_count
        return (*result, statistics.median(floor_timings)) if floor is not None else result

    def _measure(self, ctx, requests, only):
        from accounts.testing import sign_in

        floor_page = bench.Page(
            "Framework floor (base.html, signed in)", lambda ctx: "/__bench_floor__/", role="assistant"
        )
        rows = []
        with override_settings(ROOT_URLCONF="bench.urls"):
            floor_client = sign_in(Client(), ctx.users["assistant"])
            floor = self._timed(floor_client, floor_page, "/__bench_floor__/", None, requests)
            rows.append((floor_page, floor, None))
            for page in bench.PAGES:
                if only and only.lower() not in page.name.lower():
                    continue
                client = sign_in(Client(), ctx.users[page.role])
                *result, floor_median = self._timed(
                    client,
                    page,
                    page.url(ctx),
                    page.data(ctx) if page.data else None,
                    requests,
                    floor=lambda: floor_client.get("/__bench_floor__/"),
                )
                rows.append((page, tuple(result), (floor_median,)))
                self.stdout.write(
                    f"  {page.name}: median {result[0]:.1f} ms (floor meanwhile {floor_median:.1f} ms), "
                    f"{result[2]} queries"
                )
        return rows

    def _run_tasks(self, ctx, only):
        rows = []
        for task in bench.TASKS:
            if only and only.lower() not in task.name.lower():
                continue
            started = time.perf_counter()
            count, note = task.run(ctx)
            elapsed = time.perf_counter() - started
            rows.append((task, count, elapsed, note))
            self.stdout.write(f"  {task.name}: {count} in {elapsed:.2f} s")
        return rows

    def _merge(self, path, scale, table) -> str:
        """bench/RESULTS.md keeps the latest run of each scale: this run replaces its own section."""
        sections = {}
        if path.exists():
            for chunk in path.read_text(encoding="utf-8").split("\n## Scale ")[1:]:
                number, _, _rest = chunk.partition("\n")
                if number.strip().isdigit():
                    sections[int(number)] = "## Scale " + chunk.rstrip()
        sections[scale] = table.rstrip()
        intro = (
            "# Benchmark results\n\n"
            'Written by `make bench ARGS="--scale N --write"` (see bench/__init__.py). Budgets come from the '
            "issues: pages at most 2× the framework floor (3× at scale 20 for victim assistance), constant "
            "query counts, the outbox sweeper at least 100 messages a second.\n"
        )
        return intro + "\n" + "\n\n".join(sections[key] for key in sorted(sections)) + "\n"

    def _table(self, rows, task_rows, ctx, requests):
        lines = [
            f"## Scale {ctx.scale}",
            "",
            f"{datetime.now():%Y-%m-%d %H:%M}, scale {ctx.scale}, seed {ctx.seed}, {requests} requests per page "
            f"through Django's test client (all middleware, signed in), PostgreSQL "
            f"{connection.cursor().connection.info.server_version // 10000}, Python {platform.python_version()}, "
            f"{platform.machine()}. Server time only (no network, no browser). Ratio = page median / median of the "
            "floor requested alternately with the page (the floor row: measured alone, first).",
            "",
            "| page | role | queries | median ms | p95 ms | floor meanwhile ms | ratio | budget |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for page, (median, p95, queries), floor in rows:
            if floor is None:
                lines.append(
                    f"| {page.name} | {page.role} | {queries} | {median:.1f} | {p95:.1f} | {median:.1f} | 1.00 | floor |"
                )
                continue
            ratio = median / floor[0]
            budget = page.budget_at(ctx.scale)
            verdict = "—" if budget is None else (f"≤ {budget:g}× ✅" if ratio <= budget else f"≤ {budget:g}× ❌")
            lines.append(
                f"| {page.name} | {page.role} | {queries} | {median:.1f} | {p95:.1f} | {floor[0]:.1f} | {ratio:.2f} "
                f"| {verdict} |"
            )
        if task_rows:
            lines += [
                "",
                "| background work | items | seconds | per second | budget | note |",
                "|---|---:|---:|---:|---|---|",
            ]
            for task, count, elapsed, note in task_rows:
                rate = count / elapsed if elapsed else 0
                verdict = "—"
                if task.minimum_per_second is not None:
                    verdict = f"≥ {task.minimum_per_second:g}/s " + ("✅" if rate >= task.minimum_per_second else "❌")
                lines.append(f"| {task.name} | {count} | {elapsed:.2f} | {rate:.0f} | {verdict} | {note} |")
        return "\n".join(lines)
