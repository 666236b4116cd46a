from django_tasks import task

from .delivery import BATCH, outbox_deliver, outbox_purge


@task()
def outbox_deliver_task():
    """Send the due email and webhook deliveries; the scheduler enqueues it every minute."""
    counts = outbox_deliver()
    # A full batch means more is waiting: keep going rather than wait for the next minute.
    rounds = 1
    while counts["claimed"] and counts["claimed"] >= BATCH and rounds < 20:
        counts = outbox_deliver()
        rounds += 1
    return counts


@task()
def outbox_purge_task():
    """Forget sent deliveries after the retention period; daily."""
    return outbox_purge()
