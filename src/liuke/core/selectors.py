"""Reads of the change log, through visibility: a viewer sees the history of what they may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from . import changelog, visibility
from .models import ChangeLogEntry


def object_history(*, viewer: Any, obj: Any, limit: int = 200) -> list[ChangeLogEntry]:
    if not visibility.can(viewer, obj):
        return []
    return list(changelog.entries_for(obj, limit=limit))


def changelog_list(*, viewer: Any) -> QuerySet[ChangeLogEntry]:
    """The whole log, for the roles that oversee it (admin, director, auditor)."""
    scope = visibility.scope_for(viewer)
    if not (scope.sees_all or scope.role == "auditor"):
        return ChangeLogEntry.objects.none()
    return ChangeLogEntry.objects.select_related("content_type", "actor").order_by("-seq")
