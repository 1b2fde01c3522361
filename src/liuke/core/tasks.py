"""Background jobs of the core: eager in-process by default, Celery workers in production."""

import logging

from celery import shared_task

from . import changelog, maintenance

log = logging.getLogger(__name__)


@shared_task(name="liuke.core.verify_log")
def verify_log_task() -> dict:
    """Recompute the change log's hash chain (scheduled nightly by Celery beat)."""
    result = changelog.verify_chain()
    if not result.ok:
        log.error("change log broken at entry #%s: %s", result.broken_seq, result.reason)
    return result.as_dict()


@shared_task(name="liuke.core.refresh_statistics")
def refresh_statistics_task() -> None:
    """Fresh planner statistics after the day's writes (scheduled nightly by Celery beat)."""
    maintenance.refresh_planner_statistics()
