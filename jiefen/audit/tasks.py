from django_tasks import task

from .chain import events_seal


@task()
def events_seal_task():
    return events_seal()
