"""Background work of the alerts: screening (nightly in full through Celery beat, and after each import for the
rows it touched) and notifications (each message sent with retries; the daily digest)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction

from .choices import RunMode
from .notify import DeliveryRetry

log = logging.getLogger(__name__)


@shared_task(name="liuke.alerts.screen")
def screen_task(rules: list[str] | None = None, mode: str = RunMode.FULL) -> dict[str, Any]:
    from . import engine

    return engine.screen(rules, mode=mode).as_dict()


@shared_task(name="liuke.alerts.screen_incremental")
def screen_incremental_task(scope: dict[str, list[int]]) -> dict[str, Any]:
    from . import engine

    return engine.screen(mode=RunMode.INCREMENTAL, scope=scope).as_dict()


def screen_after_import(**scope: list[int]) -> None:
    """Queue an incremental screening of the rows an import touched, once its transaction commits.

    Imports inside one transaction (a demo build, a batch of files) add to one pending scope, screened once
    when it commits. A failing screening is logged, never raised into the import that triggered it.
    """
    conn = transaction.get_connection()
    if not any(getattr(entry[1], "liuke_screen", False) for entry in conn.run_on_commit):
        conn.__dict__.pop("_liuke_screen_pending", None)  # no commit waits for it: its transaction rolled back
    pending: dict[str, set[int]] = conn.__dict__.setdefault("_liuke_screen_pending", {})
    for key, ids in scope.items():
        if ids:
            pending.setdefault(key, set()).update(ids)

    def run() -> None:
        todo = conn.__dict__.pop("_liuke_screen_pending", None)
        if not todo:
            return  # an earlier callback of the same transaction took it
        try:
            screen_incremental_task.delay({k: sorted(v) for k, v in todo.items() if v})
        except Exception:  # the import is done and kept; the nightly run catches up
            log.exception("incremental screening after an import failed")

    run.liuke_screen = True  # type: ignore[attr-defined]
    transaction.on_commit(run)


@shared_task(
    bind=True,
    name="liuke.alerts.send_delivery",
    autoretry_for=(DeliveryRetry,),
    retry_backoff=60,  # 1, 2, 4, 8 ... minutes between tries
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=settings.LIUKE_NOTIFY_RETRIES,
)
def send_delivery_task(self, delivery_id: int) -> str:
    """Send one e-mail or group-robot message; retried with backoff, the last failure recorded on the row.

    Run eagerly (the embedded default, tests) there is no worker to come back later: the tries follow at once,
    as many as a worker would make, and nothing sleeps in-process.
    """
    from . import notify

    if self.request.is_eager:
        for attempt in range(self.max_retries + 1):
            try:
                return notify.deliver(delivery_id, final=attempt >= self.max_retries)
            except DeliveryRetry:
                continue
    return notify.deliver(delivery_id, final=self.request.retries >= self.max_retries)


@shared_task(name="liuke.alerts.send_digests")
def send_digests_task() -> int:
    """The daily digest e-mails (scheduled by Celery beat, settings.CELERY_BEAT_SCHEDULE)."""
    from . import notify

    return notify.digests_send()
