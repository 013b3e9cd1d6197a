from celery import shared_task


@shared_task(ignore_result=True)
def escalate_pages() -> str:
    """Page the next step (backup, then the admins) of callouts nobody accepted in time.

    Safe to run twice, or in two workers at once: each callout is claimed with SELECT … FOR UPDATE
    SKIP LOCKED and its due time moves forward in the same transaction, so a step is paged once.
    """
    from victims.services import escalate_due_pages

    return f"escalated {escalate_due_pages()}"


@shared_task(ignore_result=True)
def anonymise_old_persons() -> str:
    """Nightly retention run: anonymise persons of callouts closed more than RETENTION_VICTIMS_YEARS ago.

    Safe to run twice: an anonymised person or callout is skipped (anonymised_at is set), so a
    second run finds nothing left to do.
    """
    from victims.retention import anonymise

    report = anonymise(dry_run=False)
    return f"anonymised {report.persons} persons, {report.callouts} callouts"
