"""`liuke demo`, with the wall-clock time of its phases: where does building a big demo go?

Runs the same management command in-process, with timers around the change-log appends
(``changelog.record_many``: hashing and inserting the entries), the model rows' own inserts (the rest
of ``changelog.bulk_create``), and ``customers_refresh_derived`` (split into completeness, search keys
and the ``bulk_update`` of the derived columns). What is left is planning the company in Python.

    LIUKE_DATA_DIR=/tmp/demo-large .venv/bin/python bench/demo_phases.py --scale large
    DATABASE_URL=postgres://... .venv/bin/python bench/demo_phases.py --scale large --json-out phases.json
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

TOTALS: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TOTALS[name] += time.perf_counter() - started
            CALLS[name] += 1

    return wrapper


ORDER = [
    "changelog.bulk_create (rows + their log entries)",
    "  snapshots of the rows",
    "  record_many (change-log appends)",
    "    entry hashes (SHA-256 of canonical JSON)",
    "    INSERT of the entries",
    "customers_refresh_derived",
    "  completeness.breakdown",
    "  search_keys (pinyin)",
    "  bulk_update of derived columns",
]


def instrument() -> None:
    from liuke.core import changelog
    from liuke.core.models import ChangeLogEntry
    from liuke.customers import completeness, services
    from liuke.customers.models import Customer

    changelog.bulk_create = timed("changelog.bulk_create (rows + their log entries)", changelog.bulk_create)
    changelog.record_many = timed("  record_many (change-log appends)", changelog.record_many)
    log_manager = ChangeLogEntry.objects
    log_manager.bulk_create = timed("    INSERT of the entries", log_manager.bulk_create)
    changelog.entry_hash = timed("    entry hashes (SHA-256 of canonical JSON)", changelog.entry_hash)
    changelog.snapshot = timed("  snapshots of the rows", changelog.snapshot)
    services.customers_refresh_derived = timed("customers_refresh_derived", services.customers_refresh_derived)
    completeness.breakdown = timed("  completeness.breakdown", completeness.breakdown)
    services.search_keys = timed("  search_keys (pinyin)", services.search_keys)
    customer_manager = Customer.objects
    customer_manager.bulk_update = timed("  bulk_update of derived columns", customer_manager.bulk_update)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuke.settings")
    import django

    django.setup()
    from django.core.management import call_command

    instrument()
    started = time.perf_counter()
    call_command("demo", "--scale", args.scale, "--seed", str(args.seed))
    total = time.perf_counter() - started
    phases = {
        name.strip(): {"seconds": round(TOTALS[name], 1), "calls": CALLS[name]} for name in ORDER if name in TOTALS
    }
    accounted = TOTALS.get("changelog.bulk_create (rows + their log entries)", 0) + TOTALS.get(
        "customers_refresh_derived", 0
    )
    inserts = TOTALS.get("changelog.bulk_create (rows + their log entries)", 0) - TOTALS.get(
        "  record_many (change-log appends)", 0
    )
    result = {
        "total_seconds": round(total, 1),
        "phases": phases,
        "model_row_inserts_seconds": round(inserts, 1),
        "planning_and_org_seconds": round(total - accounted, 1),
    }
    print(f"demo --scale {args.scale}: {total:.1f} s")
    for name in sorted(TOTALS, key=ORDER.index):
        s = TOTALS[name]
        print(f"  {name:<52} {s:8.1f} s  {100 * s / total:5.1f}%  ({CALLS[name]} calls)")
    print(
        f"  {'model rows INSERT (bulk_create minus record_many)':<52} {inserts:8.1f} s  {100 * inserts / total:5.1f}%"
    )
    print(f"  {'everything else (planning in Python, the org tree)':<52} {total - accounted:8.1f} s")
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    main()
