from django_tasks import task

from .services import meeting_schedule_period, tasks_sweep


@task()
def meetings_schedule_task():
    """Create the meetings of the current periods; safe to run any number of times."""
    return [meeting.id for meeting in meeting_schedule_period()]


@task()
def tasks_sweep_task():
    """Record missed 督办 tasks as 不到位 incidents and remind owners; idempotent."""
    return tasks_sweep()
