"""留客 liuke — transparent sales management."""

from .celery import app as celery_app

__all__ = ["celery_app"]
