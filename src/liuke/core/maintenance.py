"""Database upkeep that the embedded default has nobody else to do."""

from __future__ import annotations

from django.db import connection


def refresh_planner_statistics() -> None:
    """Give the query planner fresh statistics (after a bulk load, and nightly).

    PostgreSQL's autovacuum gets there eventually; SQLite never does on its own, and without
    ``sqlite_stat1`` it picks indexes that read every row of a big table (docs/BENCHMARKS.md).
    ``analysis_limit`` bounds the work per index, so this takes seconds even on the large demo.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
