"""Writing flow lines in bulk inside the import's transaction: COPY on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

from typing import Any

from django.db import connection

from .models import FlowLine

LINE_COLUMNS = (
    "flow_import_id", "distributor_id", "row_no", "date", "product_id", "batch", "quantity", "raw_quantity", "unit",
    "unit_price", "amount", "is_return", "buyer_name", "buyer_address", "buyer_key", "division_id", "terminal_id",
    "match_method", "match_confidence", "doc_no", "dedup_key", "flags",
)  # fmt: skip

SQLITE_IMPORT_CACHE_KB = -65_536  # SQLite page cache while lines are inserted: 64 MB (negative = KiB)


class LineWriter:
    """Bulk writer of flow lines inside the import's transaction: COPY on PostgreSQL, executemany on SQLite.

    On PostgreSQL the server stores and indexes the COPY stream while the import reads on; no other
    statement may use the connection while the COPY is open, so call :meth:`pause` before one.
    """

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.table = FlowLine._meta.db_table
        self.buffer: list[tuple] = []
        self._copy_cm: Any = None
        self._copy: Any = None
        self._cursor: Any = None
        self._sqlite_cache: int | None = None

    def flush(self) -> None:
        if not self.buffer:
            return
        if self.vendor == "postgresql":
            if self._copy is None:
                self._cursor = connection.cursor()
                self._copy_cm = self._cursor.cursor.copy(f"COPY {self.table} ({', '.join(LINE_COLUMNS)}) FROM STDIN")
                self._copy = self._copy_cm.__enter__()
            write_row = self._copy.write_row
            for row in self.buffer:
                write_row(row)
        else:
            if self._cursor is None:
                connection.ensure_connection()
                self._cursor = connection.connection.cursor()
                # A bigger page cache for the length of the import keeps the five indexes' hot pages in
                # memory (the 2 MB default makes a million-row insert a quarter slower).
                self._sqlite_cache = self._cursor.execute("PRAGMA cache_size").fetchone()[0]
                self._cursor.execute(f"PRAGMA cache_size = {SQLITE_IMPORT_CACHE_KB}")
            placeholders = ",".join("?" * len(LINE_COLUMNS))
            self._cursor.executemany(
                f"INSERT INTO {self.table} ({', '.join(LINE_COLUMNS)}) VALUES ({placeholders})", self.buffer
            )
        self.buffer.clear()

    def pause(self) -> None:
        """End the open COPY, so the connection is free for other statements (the next flush opens another)."""
        if self._copy_cm is not None:
            self._copy_cm.__exit__(None, None, None)
            self._copy_cm = self._copy = None

    def close(self) -> None:
        self.flush()
        self.pause()
        self._release()

    def abort(self) -> None:
        if self._copy_cm is not None:
            try:
                self._copy_cm.__exit__(RuntimeError, RuntimeError("import aborted"), None)
            except Exception:
                pass
            self._copy_cm = self._copy = None
        self._release()

    def _release(self) -> None:
        if self._cursor is None:
            return
        if self._sqlite_cache is not None:
            self._cursor.execute(f"PRAGMA cache_size = {int(self._sqlite_cache)}")
            self._sqlite_cache = None
        self._cursor.close()
        self._cursor = None
