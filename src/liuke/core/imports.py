"""The shape every import reports (INTERFACES.md), and the dry-run wrapper they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RowError:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": str(self.reason)}


@dataclass
class ImportResult:
    file: str
    kind: str
    dry_run: bool = False
    rows: int = 0
    imported: int = 0  # rows that created or changed a record
    created: int = 0
    updated: int = 0
    duplicates: int = 0  # rows identical to what is already stored
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({e.row for e in self.errors})

    def reject(self, row: int, field_name: str, reason: Any) -> None:
        self.errors.append(RowError(row, field_name, str(reason)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": Path(self.file).name,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "imported": self.imported,
            "created": self.created,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": self.warnings,
        }


# An import at least this big refreshes the planner's statistics afterwards.
BULK_ROWS = 1000


class DryRunRollback(Exception):
    """Raised inside the import transaction to undo a dry run."""


RowHandler = Callable[[ImportResult, int, dict[str, Any], dict[str, Any]], None]


def run_import(
    *, path: str, kind: str, columns: list, dry_run: bool, actor: Any, handle_row: RowHandler
) -> ImportResult:
    """Read a master-data file and hand each row to ``handle_row(result, row_no, values, state)``.

    All good rows land in one transaction (attributed to ``actor`` with source ``import``); a row whose
    handler raises ValidationError is rejected with its messages and leaves nothing behind (savepoint);
    a dry run rolls everything back. ``read_table`` raises UnusableFile for a file that cannot be used.
    """
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils.translation import gettext as _

    from .changelog import change_context
    from .choices import ChangeSource
    from .tabular import read_table

    table = read_table(path, columns)
    result = ImportResult(file=str(path), kind=kind, dry_run=dry_run)
    if table.unknown:
        result.warnings.append(_("Columns not used: %(cols)s") % {"cols": ", ".join(table.unknown)})
    state: dict[str, Any] = {}
    try:
        with change_context(source=ChangeSource.IMPORT, actor=actor), transaction.atomic():
            for row_no, values in table.rows:
                result.rows += 1
                try:
                    with transaction.atomic():
                        handle_row(result, row_no, values, state)
                except ValidationError as exc:
                    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
                    for field_name, messages in items:
                        field_name = "" if field_name == "__all__" else field_name.removeprefix("field_")
                        result.reject(row_no, field_name, "; ".join(messages))
            if dry_run:
                raise DryRunRollback
    except DryRunRollback:
        pass
    if not dry_run and result.imported >= BULK_ROWS:
        from .maintenance import refresh_planner_statistics

        refresh_planner_statistics()
    return result
