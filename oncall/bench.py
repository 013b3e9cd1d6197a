"""Benchmark entries of the rota: ten years of shifts for six assistants (12-hour primary shifts and
24-hour backup shifts: about 11,000 rows per unit of scale), then the month calendar, "who is on call
now" and the coverage of the next 90 days."""

from datetime import datetime, timedelta

from bench import filler, page

ASSISTANTS = 6


@filler
def fill_rota(ctx):
    from accounts.tests.factories import UserFactory
    from oncall import timeline

    team = [
        UserFactory(email=f"rota-{n}@bench.invalid", roles=["assistant"], phone=f"+3247090000{n}")
        for n in range(ASSISTANTS)
    ]
    today = timeline.wall(ctx.now).date()
    first = today - timedelta(days=3650 * ctx.scale - 180)
    last = today + timedelta(days=180)
    created = ctx.now

    def rows():
        day = first
        index = 0
        while day < last:
            for hour in (7, 19):  # primary: 07:00–19:00 and 19:00–07:00, wall clock
                start = timeline.aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))
                end = timeline.aware(
                    datetime.combine(day, datetime.min.time()).replace(hour=hour) + timedelta(hours=12)
                )
                yield (team[index % ASSISTANTS].pk, start, end, "primary", "manual", "", created)
                index += 1
            # backup: one day each, from 07:00, someone who is not on primary that day
            start = timeline.aware(datetime.combine(day, datetime.min.time()).replace(hour=7))
            end = timeline.aware(datetime.combine(day + timedelta(days=1), datetime.min.time()).replace(hour=7))
            yield (team[(index + 2) % ASSISTANTS].pk, start, end, "backup", "manual", "", created)
            day += timedelta(days=1)

    count = ctx.copy(
        "oncall_shift", ["assistant_id", "starts_at", "ends_at", "role", "source", "note", "created_at"], rows()
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE oncall_shift")
    ctx.data["rota_shifts"] = count


@page("Rota, month calendar (10 years of shifts, 6 ACs)", role="assistant")
def rota_month(ctx):
    return f"/oncall/month/?date={ctx.now.date().isoformat()}"


@page("Rota, week calendar", role="assistant")
def rota_week(ctx):
    return f"/oncall/?date={ctx.now.date().isoformat()}"


@page("Who is on call now", role="dispatch")
def on_call_now(ctx):
    return "/oncall/now/"


@page("Rota coverage, next 90 days", role="admin")
def coverage(ctx):
    return "/oncall/coverage/?days=90"
