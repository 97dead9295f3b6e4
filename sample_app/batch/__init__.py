"""Celery tasks, one module per worker kind; make_celery() builds the app that runs them."""

from celery import Celery
from config import settings

TASK_MODULES = ["batch.notes", "batch.ping"]


def make_celery() -> Celery:
    """A Celery app on config.redis.url (broker and result backend); config.load() must have run."""
    app = Celery(
        settings.app.get("name", "sample"),
        broker=settings.redis.url,
        backend=settings.redis.url,
        include=TASK_MODULES,
    )
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        task_acks_late=True,  # a task cut short by a restart is delivered again
        worker_prefetch_multiplier=1,
    )
    return app
