"""How a change-log entry reads to a person: field labels instead of column names, names instead of ids,
yes/no instead of True/False, the company's time zone instead of UTC, lists and dicts as text.

The stored entries keep their JSON as it was hashed; everything here is presentation, in the active language.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import ChangeLogEntry


@dataclass
class FieldChange:
    label: str
    old: Any
    new: Any


def actor_label(entry: ChangeLogEntry) -> str:
    """Who made the change, as colleagues know them: the employee's name recorded with the entry.

    The log stores "username name" (changelog._actor_name), the name as it was at the time of the change.
    """
    if entry.actor_id is None:
        return _("System")
    username, _sep, name = entry.actor_name.partition(" ")
    return name or username


def list_text(items: Iterable[Any]) -> str | None:
    """Items joined the way the language lists them (、 in Chinese, ", " in English); None when empty."""
    parts = [text for item in items if (text := readable(item)) is not None]
    return pgettext("list separator", ", ").join(parts) if parts else None


def readable(value: Any) -> str | None:
    """A JSON value as text: yes/no, lists joined, dicts as "key: value" pairs; None for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return list_text(value)
    if isinstance(value, dict):
        pairs = [
            _("%(label)s: %(value)s") % {"label": key, "value": text}
            for key, item in value.items()
            if (text := readable(item)) is not None
        ]
        return pgettext("pair separator", "; ").join(pairs) if pairs else None
    return str(value)


def local_datetime(value: Any) -> str | None:
    """A stored timestamp (ISO 8601, UTC) in the company's time zone, in the language's format."""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(parsed, dt.datetime):
        return readable(value)
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return formats.date_format(parsed, "DATETIME_FORMAT")


def local_date(value: Any) -> str | None:
    parsed = parse_date(value) if isinstance(value, str) else value
    if not isinstance(parsed, dt.date):
        return readable(value)
    return formats.date_format(parsed, "DATE_FORMAT")


def field_label(field: models.Field | models.ForeignObjectRel) -> str:
    """The field's translated name; a relation without its own name is called after the model it points to."""
    verbose = getattr(field, "verbose_name", None) or field.name
    related = field.related_model if field.is_relation else None
    if related is not None and str(verbose) == field.name.replace("_", " "):
        verbose = related._meta.verbose_name  # e.g. Contact.customer: "客户", not "customer"
    return capfirst(str(verbose))


def _related_names(related: type[models.Model], pks: set[Any]) -> dict[str, str]:
    """Names of related records by id (as text), in one query; people by their employee's name."""
    qs = related._default_manager.filter(pk__in=pks)
    if related is get_user_model():
        has_employee = any(rel.name == "employee" for rel in related._meta.related_objects)
        if has_employee:
            qs = qs.select_related("employee")
        return {str(u.pk): getattr(getattr(u, "employee", None), "name", None) or str(u) for u in qs}
    return {str(o.pk): str(o) for o in qs.select_related()}  # what a __str__ reads (Contact: its customer)


def _id_lists(model: type[models.Model]) -> dict[str, type[models.Model]]:
    """JSON columns that hold lists of ids, and the model they point to (``changelog_id_lists``)."""
    declared = getattr(model, "changelog_id_lists", {})
    return {key: apps.get_model(label) for key, label in declared.items()}


def _ids(value: Any) -> list[Any]:
    return [v for v in value if v is not None] if isinstance(value, list) else []


def _field_value(field: Any, value: Any, names: dict[type[models.Model], dict[str, str]]) -> str | None:
    if value is None or value == "":
        return None
    if field.is_relation and not field.many_to_many and field.related_model in names:
        return names[field.related_model].get(str(value), str(value))
    if field.many_to_many:
        return list_text(value if isinstance(value, list) else [value])
    if field.choices:
        display = {str(k): v for k, v in field.flatchoices}
        return str(display.get(str(value), value))
    if isinstance(field, models.BooleanField):
        return readable(bool(value))
    if isinstance(field, models.DateTimeField):
        return local_datetime(value)
    if isinstance(field, models.DateField):
        return local_date(value)
    return readable(value)


def attach_display_changes(model: type[models.Model], entries: list[ChangeLogEntry]) -> None:
    """Give each entry ``display_changes``: (label, old, new) as a person reads them, in the model's field
    order. Related records are named with one query per related model, however many entries name them."""
    by_attname: dict[str, Any] = {f.attname: f for f in model._meta.concrete_fields}
    by_attname.update({f.name: f for f in model._meta.many_to_many})
    order = {key: i for i, key in enumerate(by_attname)}
    id_lists = _id_lists(model)
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for entry in entries:
        for key, old, new in entry.changed_fields():
            field = by_attname.get(key)
            if key in id_lists:
                wanted[id_lists[key]].update(v for value in (old, new) for v in _ids(value))
            elif field is not None and field.is_relation and not field.many_to_many and field.related_model:
                wanted[field.related_model].update(v for v in (old, new) if v is not None)
    names = {related: _related_names(related, pks) for related, pks in wanted.items()}
    expand = getattr(model, "changelog_expand", None)  # a model may spell out a JSON column itself
    expand_context = model.changelog_expand_context() if expand is not None and entries else None  # type: ignore[attr-defined]
    for entry in entries:
        changes: list[FieldChange] = []
        for key, old, new in sorted(entry.changed_fields(), key=lambda c: order.get(c[0], len(order))):
            field = by_attname.get(key)
            if field is not None and field.primary_key:
                continue  # the record's own id says nothing to a reader
            if key in id_lists:
                lookup = names.get(id_lists[key], {})
                label = field_label(field) if field is not None else key
                shown = [list_text(lookup.get(str(v), f"#{v}") for v in _ids(value)) for value in (old, new)]
                changes.append(FieldChange(label, *shown))
            elif expand is not None and (expanded := expand(key, old, new, expand_context)) is not None:
                changes.extend(FieldChange(str(lbl), readable(o), readable(n)) for lbl, o, n in expanded)
            elif field is None:
                changes.append(FieldChange(key, readable(old), readable(new)))
            else:
                shown_old, shown_new = _field_value(field, old, names), _field_value(field, new, names)
                changes.append(FieldChange(field_label(field), shown_old, shown_new))
        # A new record's empty fields are no news.
        entry.display_changes = [c for c in changes if c.old is not None or c.new is not None]  # type: ignore[attr-defined]
