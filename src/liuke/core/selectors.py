"""Reads of the change log, through visibility: a viewer sees the history of what they may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet

from . import changelog, visibility
from .models import ChangeLogEntry


@dataclass
class FieldChange:
    label: str
    old: Any
    new: Any


def object_history(*, viewer: Any, obj: Any, limit: int = 200) -> list[ChangeLogEntry]:
    """An object's history, newest first, each entry with ``display_changes`` a person can read:
    field labels instead of column names, and related records by name instead of by id."""
    if not visibility.can(viewer, obj):
        return []
    entries = list(changelog.entries_for(obj, limit=limit))
    attach_display_changes(type(obj), entries)
    return entries


def _readable(value: Any) -> Any:
    if isinstance(value, list):
        return "、".join(str(v) for v in value) if value else None
    return value


def attach_display_changes(model: type[models.Model], entries: list[ChangeLogEntry]) -> None:
    by_attname: dict[str, Any] = {f.attname: f for f in model._meta.concrete_fields}
    by_attname.update({f.name: f for f in model._meta.many_to_many})
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for entry in entries:
        for key, old, new in entry.changed_fields():
            field = by_attname.get(key)
            if field is not None and field.is_relation and not field.many_to_many and field.related_model is not None:
                wanted[field.related_model].update(v for v in (old, new) if v is not None)
    # One query per related model, however many entries name it.
    names = {
        related: {str(o.pk): str(o) for o in related._default_manager.filter(pk__in=pks)}
        for related, pks in wanted.items()
    }
    expand = getattr(model, "changelog_expand", None)  # a model may spell out a JSON column itself
    expand_context = model.changelog_expand_context() if expand is not None and entries else None  # type: ignore[attr-defined]
    for entry in entries:
        changes: list[FieldChange] = []
        for key, old, new in entry.changed_fields():
            field = by_attname.get(key)
            if field is not None and field.primary_key:
                continue  # the record's own id says nothing to a reader
            if expand is not None and (expanded := expand(key, old, new, expand_context)) is not None:
                changes.extend(FieldChange(label, o, n) for label, o, n in expanded)
                continue
            if field is None:
                changes.append(FieldChange(key, _readable(old), _readable(new)))
                continue
            if field.many_to_many:
                old, new = _readable(old), _readable(new)
            elif field.is_relation and field.related_model in names:
                lookup = names[field.related_model]
                old = lookup.get(str(old), old) if old is not None else None
                new = lookup.get(str(new), new) if new is not None else None
            elif field.choices:
                display = {str(k): v for k, v in field.flatchoices}
                old, new = display.get(str(old), old), display.get(str(new), new)
            changes.append(FieldChange(str(field.verbose_name), old, new))
        entry.display_changes = changes  # type: ignore[attr-defined]


def changelog_list(*, viewer: Any) -> QuerySet[ChangeLogEntry]:
    """The whole log, for the roles that oversee it (admin, director, auditor)."""
    scope = visibility.scope_for(viewer)
    if not (scope.sees_all or scope.role == "auditor"):
        return ChangeLogEntry.objects.none()
    return ChangeLogEntry.objects.select_related("content_type", "actor").order_by("-seq")
