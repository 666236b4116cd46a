from django_tasks import task


@task()
def reports_produce_due_task():
    """Produce the written reports that are due and have no automatic version; idempotent."""
    from .written.services import reports_produce_due

    return [report.pk for report in reports_produce_due()]
