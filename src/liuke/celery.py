"""The Celery app. In the embedded default tasks run eagerly, in-process (no broker needed)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuke.settings")

app = Celery("liuke")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
