"""Background tasks the benchmark feeds the worker; real report and statistics code, no archive.

`manage.py run_worker` imports them by path (the repository root is on its sys.path), so the
benchmark needs nothing registered in the project itself.
"""

from django_tasks import task


@task()
def bench_report_draft(kind: str, period: str, fmt: str = "pdf") -> int:
    """Gather and render a written report as the scheduler's report duty does, without archiving it."""
    from jiefen.reports.written.builders import gather
    from jiefen.reports.written.kinds import report_period
    from jiefen.reports.written.services import report_render, single_subdistrict

    inputs = gather(single_subdistrict(), kind, report_period(kind, period))
    rendered = report_render(inputs, number="BENCH", version=1, automatic=True, judgement="", formats=(fmt,))
    return len(rendered.files[fmt])


@task()
def bench_village_month(village_id: int, period: str) -> int:
    """One unit of statistics work: a village's headline figures and type breakdown for a month."""
    from jiefen.cases.models import Case
    from jiefen.reports import indicators as ind
    from jiefen.reports.written.kinds import report_period

    month = report_period("monthly", period)
    cases = Case.objects.filter(village_id=village_id)
    summary = ind.summary(cases, month)
    rows = ind.breakdown(cases, month, "dispute_type")
    return summary.new_cases + len(rows)


@task()
def bench_remote_wait(milliseconds: int) -> int:
    """A task that mostly waits, as delivering a webhook or an e-mail waits on the far side:
    one database read, then the wait. Shows what a second worker adds when CPU is not the limit."""
    import time

    from jiefen.cases.models import Case

    count = Case.objects.filter(state="registered").count()
    time.sleep(milliseconds / 1000)
    return count
