from django_tasks import task

from .deadlines import deadlines_sweep


@task()
def deadlines_sweep_task():
    return deadlines_sweep()
