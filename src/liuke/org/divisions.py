"""The GB/T 2260 table shipped in ``org/data/divisions.csv`` (see its README): loading it, and reading codes."""

from __future__ import annotations

import csv
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "divisions.csv"
_PSEUDO = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def read_division_rows(path: Path = DATA_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def divisions_load(*, division_model=None, path: Path = DATA_FILE) -> int:
    """Insert or refresh every division from the data file (idempotent); returns the row count.

    Takes the model as an argument so data migrations can pass their historical model.
    """
    if division_model is None:
        from .models import Division as division_model
    rows = read_division_rows(path)
    by_code = {r["code"]: r for r in rows}

    def full_name(code: str) -> str:
        parts, seen = [], set()
        node = by_code.get(code)
        while node is not None and node["code"] not in seen:
            seen.add(node["code"])
            if node["name"] not in _PSEUDO:
                parts.append(node["name"])
            node = by_code.get(node["parent_code"]) if node["parent_code"] else None
        return "".join(reversed(parts)) or by_code[code]["name"]

    existing = set(division_model.objects.values_list("code", flat=True))
    fresh: list = []
    stale: list = []
    for r in rows:
        obj = division_model(
            code=r["code"], name=r["name"], full_name=full_name(r["code"])[:120], level=r["level"], status=r["status"]
        )
        (stale if r["code"] in existing else fresh).append(obj)
    division_model.objects.bulk_create(fresh, batch_size=1000)
    division_model.objects.bulk_update(stale, ["name", "full_name", "level", "status"], batch_size=1000)
    # Links second, once every code exists.
    linked = []
    for r in rows:
        linked.append(
            division_model(code=r["code"], parent_id=r["parent_code"] or None, successor_id=r["successor_code"] or None)
        )
    division_model.objects.bulk_update(linked, ["parent", "successor"], batch_size=1000)
    return len(rows)


def code_prefix(code: str) -> str:
    """The digits every division under a GB/T 2260 code starts with: 310000 → 31, 310100 → 3101, 310115
    → 310115 (a province or city covers everything below it)."""
    return code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code
