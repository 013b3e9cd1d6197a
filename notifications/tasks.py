from celery import shared_task

from notifications import services


@shared_task(ignore_result=True)
def send_due_notifications() -> str:
    """Send every notification that is due (beat: every minute; also enqueued after a due-now
    notify() commits).

    Safe to run twice, or twice at once: each run claims rows with SELECT … FOR UPDATE SKIP LOCKED
    and moves them to ``sending`` under a lease before sending, so two runs never take the same row;
    outcomes are written only while the lease is still ours. A run killed mid-send leaves rows in
    ``sending``; the next run after the lease takes them again.
    """
    counts = services.sweep()
    return " ".join(f"{status}={count}" for status, count in sorted(counts.items())) or "nothing due"


@shared_task(ignore_result=True)
def purge_old_notifications() -> str:
    """Delete finished notifications past the retention period (nightly).

    Safe to run twice: a second run finds nothing older than the cut-off left to delete.
    """
    return f"deleted={services.purge_finished()}"
