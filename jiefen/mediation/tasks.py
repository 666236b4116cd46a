from django_tasks import task

from .services.agreements import performance_sweep


@task()
def performance_sweep_task():
    return performance_sweep()
