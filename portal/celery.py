"""The Celery app. Workers: `celery -A portal worker`, `celery -A portal beat`."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _declare_queues(sender: Celery, **kwargs: object) -> None:
    from django.conf import settings

    # Declaring every queue makes a plain `celery -A portal worker` consume
    # them all; a scaled-out deployment passes -Q to pick some.
    sender.conf.task_queues = [Queue(name) for name in settings.PORTAL_CELERY_QUEUES]
