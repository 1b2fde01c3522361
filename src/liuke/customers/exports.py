"""What a customer export holds: the rows come from the selectors (so from visibility), the file and the
log from core.exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

from liuke.core.exports import Column, export_write

from .fields import active_definitions, display_value
from .selectors import CustomerFilters, _current_members, customer_list


def customer_columns(definitions) -> list[Column]:
    core = [
        Column("code", _("code")),
        Column("name", _("name")),
        Column("short_name", _("short name")),
        Column("kind", _("kind")),
        Column("grade", _("grade")),
        Column("status", _("status")),
        Column("division_code", _("division code")),
        Column("division", _("division")),
        Column("address", _("address")),
        Column("phone", _("phone")),
        Column("completeness", _("completeness")),
        Column("account_team", _("account team")),
    ]
    return core + [Column(f"field:{d.key}", d.label) for d in definitions]


def customer_rows(*, viewer: Any, filters: CustomerFilters | None, definitions) -> Iterator[dict]:
    qs = customer_list(viewer=viewer, filters=filters)
    teams: dict[int, list[str]] = {}
    for m in (
        _current_members()
        .filter(customer__in=qs.values("pk"))
        .select_related("employee")
        .order_by("customer_id", "role")
        .iterator(chunk_size=5000)
    ):
        teams.setdefault(m.customer_id, []).append(f"{m.employee.name}({m.get_role_display()})")
    for c in qs.iterator(chunk_size=2000):
        row = {
            "code": c.code,
            "name": c.name,
            "short_name": c.short_name,
            "kind": c.get_kind_display(),
            "grade": c.grade,
            "status": c.get_status_display(),
            "division_code": c.division_id or "",
            "division": c.division.full_name if c.division else "",
            "address": c.address,
            "phone": c.phone,
            "completeness": c.completeness,
            "account_team": "、".join(teams.get(c.pk, [])),
        }
        values = c.fields or {}
        for d in definitions:
            row[f"field:{d.key}"] = display_value(d, values.get(d.key))
        yield row


def customer_export(*, viewer: Any, fmt: str, out: IO[bytes], filters: CustomerFilters | None = None):
    """Export the customers ``viewer`` may see (all of them for the system) through core.exports."""
    definitions = active_definitions()
    return export_write(
        kind="customers",
        columns=customer_columns(definitions),
        rows=customer_rows(viewer=viewer, filters=filters, definitions=definitions),
        fmt=fmt,
        out=out,
        filters={k: v for k, v in (filters.__dict__ if filters else {}).items() if v not in ("", None, {}, "code")},
    )
