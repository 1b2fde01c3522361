"""Screening in the background: nightly in full (Celery beat), and after each import for the rows it touched."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import transaction

from .choices import RunMode

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

    A failing screening is logged, never raised into the import that triggered it.
    """

    def run() -> None:
        try:
            screen_incremental_task.delay({k: list(v) for k, v in scope.items() if v})
        except Exception:  # the import is done and kept; the nightly run catches up
            log.exception("incremental screening after an import failed")

    transaction.on_commit(run)
