from django_tasks import task


@task()
def reports_produce_due_task():
    """Produce the written reports that are due and have no automatic version; idempotent."""
    from .written.services import reports_produce_due

    return [report.pk for report in reports_produce_due()]


@task()
def statistics_snapshot_refresh_task(key: str, view: dict):
    """Recompute one stale statistics snapshot (`view`: snapshots.View.as_args()), claimed by
    the reader who found it stale; stored under the claimed key, which releases the claim."""
    from .snapshots import View, snapshot_compute

    snapshot_compute(View.from_args(view), key)


@task()
def statistics_snapshots_warm_task():
    """Keep the default dashboard of every subdistrict fresh; idempotent."""
    from .snapshots import statistics_snapshots_warm

    return statistics_snapshots_warm()
