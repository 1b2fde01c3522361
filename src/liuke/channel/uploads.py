"""Flow files uploaded on the web page: imported by a background job, with progress and outcome in the cache.

The upload request stores the file and queues :func:`liuke.channel.tasks.import_flow_task`. With a broker,
a Celery worker runs it and the page polls :func:`progress_get` until the outcome is there. In the embedded
default, tasks run eagerly and the request answers with the outcome. Progress and outcome must be in a
cache every process shares (``LIUKE_CACHE_URL``) once web and workers are separate processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from liuke.core.tabular import MissingColumns, UnusableFile

from .flow import flow_import_run

PROGRESS_TTL = 6 * 3600  # seconds an upload's progress and outcome stay readable


def progress_key(token: str) -> str:
    return f"liuke:flow-progress:{token}"


def progress_get(token: str) -> dict[str, Any]:
    return cache.get(progress_key(token)) or {"rows": 0}


def progress_set(token: str, state: dict[str, Any]) -> None:
    cache.set(progress_key(token), state, PROGRESS_TTL)


def upload_import(
    *,
    token: str,
    path: str,
    distributor_code: str,
    period: str | None,
    actor_id: int | None,
    mapping: dict[str, str] | None,
    file_name: str,
) -> dict[str, Any]:
    """Import an uploaded flow file and keep its outcome under ``token``.

    The outcome is a JSON-ready dict: ``done`` and ``rows``, then either ``result`` (the import's
    summary) and ``url`` (its page), or ``error``, with ``mapping_needed`` (the headers found) when
    required columns were not recognised. A file that cannot be imported is deleted again.
    """
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    progress_set(token, {"rows": 0})

    def progress(done: int) -> None:
        progress_set(token, {"rows": done})

    outcome: dict[str, Any] = {"done": True, "rows": 0}
    try:
        result = flow_import_run(
            path=path, distributor_code=distributor_code, period=period, actor=actor, mapping=mapping,
            file_name=file_name, stored_file=Path(path).name, progress=progress,
        )  # fmt: skip
    except UnusableFile as exc:
        Path(path).unlink(missing_ok=True)
        outcome["error"] = str(exc)
        if isinstance(exc, MissingColumns):
            outcome["mapping_needed"] = exc.headers
    except Exception:
        Path(path).unlink(missing_ok=True)
        progress_set(token, {**outcome, "error": _("The import failed; nothing was imported.")})
        raise
    else:
        outcome["rows"] = result.rows
        outcome["result"] = result.as_dict()
        outcome["url"] = reverse("channel:import_detail", args=[result.import_id]) if result.import_id else ""
    progress_set(token, outcome)
    return outcome
