from django_tasks import task


@task()
def reports_produce_due_task():
    """Produce the written reports that are due and have no automatic version; idempotent."""
    from .written.services import reports_produce_due

    return [report.pk for report in reports_produce_due()]


@task()
def statistics_snapshot_refresh_task(holder: dict, period_code: str, filters: dict, language: str):
    """Recompute one stale statistics snapshot, claimed by the reader who found it stale."""
    from .snapshots import snapshot_refresh_in_background

    snapshot_refresh_in_background(holder, period_code, filters, language)


@task()
def statistics_snapshots_warm_task():
    """Keep the default dashboard of every subdistrict fresh; idempotent."""
    from .snapshots import statistics_snapshots_warm

    return statistics_snapshots_warm()
