"""The shape every import reports (INTERFACES.md), and the dry-run wrapper they share."""

from __future__ import annotations

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


class DryRunRollback(Exception):
    """Raised inside the import transaction to undo a dry run."""
