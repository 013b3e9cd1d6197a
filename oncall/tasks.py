from datetime import timedelta

from celery import shared_task
from django.conf import settings

from oncall import services


@shared_task(ignore_result=True)
def send_shift_reminders() -> str:
    """Queue shift reminders that fall due and the handover digests of shifts that just began
    (beat: every minute).

    Safe to run twice, or twice at once: reminders are keyed by (assistant, layer, start, lead) in
    the outbox, so a second run creates nothing; a digest is claimed with SKIP LOCKED and stamped
    (``handover_sent_at``) in the transaction that queues it.
    """
    reminders = services.schedule_reminders()
    handovers = services.send_handovers()
    return f"reminders={reminders} handovers={handovers}"


@shared_task(ignore_result=True)
def sweep_swap_requests() -> str:
    """Remind untaken swap requests once before their start and expire them at it (every minute).

    Safe to run twice: each request is claimed with SKIP LOCKED and its due column is updated in the
    same transaction, so a rerun finds nothing left to do.
    """
    reminded, expired = services.sweep_swaps()
    return f"reminded={reminded} expired={expired}"


@shared_task(ignore_result=True)
def check_coverage() -> str:
    """Warn the admins about new gaps in the primary layer (daily, and after every rota change).

    Safe to run twice: reported gaps are remembered (CoverageGap) under an advisory lock, and the
    message's dedupe key is the gap's id.
    """
    return f"new gaps={len(services.check_coverage())}"


@shared_task(ignore_result=True)
def extend_rotations() -> str:
    """Keep active rotations generated ROTA_HORIZON_WEEKS ahead (nightly).

    Safe to run twice: generation makes the rota match the rotation; an identical result changes
    nothing.
    """
    count = services.extend_rotations(horizon=timedelta(weeks=settings.ROTA_HORIZON_WEEKS))
    return f"extended={count}"
