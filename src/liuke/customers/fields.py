"""Archive field values: the one place they are validated (NetBox custom-field pattern)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from liuke.core.history import list_text
from liuke.core.tabular import parse_date

from .choices import CustomerKind, FieldType
from .models import FieldDefinition

_TRUE = {"1", "true", "yes", "y", "是", "有", "√", "✓", "对"}
_FALSE = {"0", "false", "no", "n", "否", "无", "×", "✗", "不"}
_PHONE = re.compile(r"^\+?[\d\- ()（）]{7,24}$")
_SPLIT = re.compile(r"[;；,，、/|]+")


class FieldValueError(ValueError):
    pass


def active_definitions() -> list[FieldDefinition]:
    return list(FieldDefinition.objects.filter(archived_at__isnull=True).select_related("group"))


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _choice_value(defn: FieldDefinition, raw: Any) -> str:
    text = str(raw).strip()
    for choice in defn.choices:
        if text in (choice.get("value"), choice.get("label_zh"), choice.get("label_en")):
            return choice["value"]
    allowed = "、".join(c.get("label_zh") or c["value"] for c in defn.choices)
    raise FieldValueError(_("%(value)s is not one of: %(allowed)s") % {"value": text, "allowed": allowed})


def clean_value(defn: FieldDefinition, raw: Any) -> Any:
    """The stored (JSON) form of a value, or FieldValueError with a message a person understands."""
    if is_blank(raw):
        return None
    kind = defn.type
    if kind in (FieldType.TEXT, FieldType.LONGTEXT):
        text = str(raw).strip()
        limit = 200 if kind == FieldType.TEXT else 4000
        if len(text) > limit:
            raise FieldValueError(_("At most %(n)d characters.") % {"n": limit})
        return text
    if kind == FieldType.NUMBER:
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            raise FieldValueError(_("%(value)s is not a number.") % {"value": raw}) from None
        if not number.is_finite():
            raise FieldValueError(_("%(value)s is not a number.") % {"value": raw})
        if defn.min_value is not None and number < defn.min_value:
            raise FieldValueError(_("At least %(min)s.") % {"min": defn.min_value.normalize()})
        if defn.max_value is not None and number > defn.max_value:
            raise FieldValueError(_("At most %(max)s.") % {"max": defn.max_value.normalize()})
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == FieldType.DATE:
        try:
            value = raw if isinstance(raw, dt.date) else parse_date(raw)
        except ValueError as exc:
            raise FieldValueError(str(exc)) from None
        return value.isoformat() if value else None
    if kind == FieldType.CHOICE:
        return _choice_value(defn, raw)
    if kind == FieldType.MULTICHOICE:
        items = raw if isinstance(raw, list | tuple) else _SPLIT.split(str(raw))
        values = [_choice_value(defn, item) for item in items if not is_blank(item)]
        return sorted(set(values), key=values.index) or None
    if kind == FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise FieldValueError(_("Answer yes or no (是/否)."))
    if kind == FieldType.PHONE:
        text = str(raw).strip()
        if not _PHONE.match(text):
            raise FieldValueError(_("%(value)s is not a phone number.") % {"value": text})
        return text
    raise FieldValueError(f"unknown field type {kind}")


def clean_values(definitions: list[FieldDefinition], raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the values given for known fields; unknown keys are errors too."""
    by_key = {d.key: d for d in definitions}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in raw.items():
        defn = by_key.get(key)
        if defn is None:
            errors[key] = _("Unknown archive field.")
            continue
        try:
            cleaned[key] = clean_value(defn, value)
        except FieldValueError as exc:
            errors[key] = str(exc)
    return cleaned, errors


def merge_values(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply cleaned changes; a blank clears the field."""
    merged = dict(current or {})
    for key, value in changes.items():
        if key in merged and value == merged[key]:
            continue  # 35 and 35.0 are one value: re-saving a form must not show a change
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def display_value(defn: FieldDefinition, value: Any) -> str:
    if is_blank(value):
        return ""
    if defn.type == FieldType.CHOICE:
        return defn.choice_label(value)
    if defn.type == FieldType.MULTICHOICE:
        return "、".join(defn.choice_label(v) for v in value)
    if defn.type == FieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if defn.type == FieldType.NUMBER and defn.unit:
        return f"{value} {defn.unit}"
    return str(value)


def kind_labels(kinds: list[str] | None) -> str:
    """Customer kinds as their labels, listed the language's way (医院、药店), e.g. a field's required_for."""
    labels = dict(CustomerKind.choices)
    return list_text(labels.get(kind, kind) for kind in kinds or []) or ""
