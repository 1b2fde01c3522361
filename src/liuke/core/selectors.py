"""Reads of the change log, through visibility: a viewer sees the history of what they may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from . import changelog, visibility
from .history import FieldChange, attach_display_changes
from .models import ChangeLogEntry

__all__ = ["FieldChange", "attach_display_changes", "changelog_list", "object_history"]


def object_history(*, viewer: Any, obj: Any, limit: int = 200) -> list[ChangeLogEntry]:
    """An object's history, newest first, each entry with ``display_changes`` a person can read
    (core.history): field labels, names instead of ids, local times, yes/no, lists and dicts as text."""
    if not visibility.can(viewer, obj):
        return []
    entries = list(changelog.entries_for(obj, limit=limit))
    attach_display_changes(type(obj), entries)
    return entries


def changelog_list(*, viewer: Any) -> QuerySet[ChangeLogEntry]:
    """The whole log, for the roles that oversee it (admin, director, auditor: core.policies)."""
    return visibility.restrict(viewer, ChangeLogEntry).select_related("content_type", "actor").order_by("-seq")
