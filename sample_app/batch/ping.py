"""ping: the smallest task, to check that a worker consumes from the broker."""

from celery import shared_task


@shared_task
def ping() -> str:
    return "pong"
