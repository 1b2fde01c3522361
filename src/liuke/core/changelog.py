"""The one home of history: an append-only, SHA-256 hash-chained change log.

Every create, update, archive and restore of a ``BusinessModel`` appends one entry, through the
post-save signal (single saves) or :func:`bulk_create` / :func:`record_many` (bulk paths). Who
did it, from where and in which request comes from the current :class:`ChangeContext`, set by the
web middleware, the API, the CLI and the importers.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from .choices import ChangeAction, ChangeSource
from .models import BusinessModel, ChainHead, ChangeLogEntry

GENESIS_HASH = "0" * 64


@dataclass
class ChangeContext:
    """Who is changing data, through which door, in which request."""

    source: str = ChangeSource.SYSTEM
    actor: Any = None  # a User, or None for the system
    request: Any = None  # a Django request; its (possibly token-authenticated) user is read late
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def resolve_actor(self) -> Any:
        if self.actor is not None:
            return self.actor
        user = getattr(self.request, "user", None) if self.request is not None else None
        if user is not None and getattr(user, "is_authenticated", False):
            return user
        return None


_context: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar("liuke_change_context", default=None)


def current_context() -> ChangeContext:
    return _context.get() or ChangeContext()


@contextlib.contextmanager
def change_context(*, source: str, actor: Any = None, request: Any = None) -> Iterator[ChangeContext]:
    """Attribute every change made inside the block to ``actor`` via ``source``."""
    ctx = ChangeContext(source=source, actor=actor, request=request)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


# --- snapshots -------------------------------------------------------------------------------


def to_json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_json_value(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


_SKIP = {"created_at", "updated_at", "version"}


def _logged_fields(model: type[models.Model]) -> list[models.Field]:
    exclude = set(getattr(model, "changelog_exclude", ())) | _SKIP
    return [f for f in model._meta.concrete_fields if f.name not in exclude]


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's logged fields as JSON-ready values (foreign keys by id)."""
    return {f.attname: to_json_value(f.value_from_object(instance)) for f in _logged_fields(type(instance))}


def _loaded_snapshot(instance: models.Model) -> dict[str, Any] | None:
    loaded = getattr(instance, "_changelog_loaded", None)
    if loaded is None:
        return None
    return {f.attname: to_json_value(loaded[f.attname]) for f in _logged_fields(type(instance)) if f.attname in loaded}


# --- hashing ---------------------------------------------------------------------------------


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(entry: ChangeLogEntry, model_label: str) -> str:
    """SHA-256 over the canonical JSON of everything an entry says, chained to its predecessor."""
    payload = {
        "seq": entry.seq,
        "time": _format_time(entry.time),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "source": entry.source,
        "request_id": entry.request_id,
        "model": model_label,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


# --- appending -------------------------------------------------------------------------------


@dataclass
class PendingChange:
    instance: models.Model
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _actor_name(actor: Any) -> str:
    if actor is None:
        return "system"
    employee = getattr(actor, "employee", None)  # hasattr-safe: a missing one-to-one raises AttributeError
    return f"{actor.get_username()} {employee.name}" if employee is not None else actor.get_username()


def record_many(changes: Sequence[PendingChange]) -> list[ChangeLogEntry]:
    """Append one chained entry per change, in order, under the chain lock."""
    if not changes:
        return []
    ctx = current_context()
    actor = ctx.resolve_actor()
    actor_name = _actor_name(actor)
    now = timezone.now()
    with transaction.atomic():
        # The head row is the chain's lock: appends are serialised (SQLite: IMMEDIATE transactions).
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = ChainHead.objects.create(pk=1)
        seq, prev = head.seq, head.hash
        entries = []
        for change in changes:
            obj = change.instance
            ct = ContentType.objects.get_for_model(type(obj), for_concrete_model=True)
            seq += 1
            entry = ChangeLogEntry(
                seq=seq,
                time=now,
                actor=actor,
                actor_name=actor_name[:150],
                source=ctx.source,
                request_id=ctx.request_id,
                content_type=ct,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                action=change.action,
                before=change.before,
                after=change.after,
                prev_hash=prev,
            )
            entry.hash = entry_hash(entry, f"{ct.app_label}.{ct.model}")
            prev = entry.hash
            entries.append(entry)
        if len(entries) >= FAST_INSERT_MIN:
            insert_with_ids(ChangeLogEntry, entries)  # under the chain lock: nobody else appends
        else:
            ChangeLogEntry.objects.bulk_create(entries, batch_size=500)
        ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    for change in changes:
        change.instance._changelog_loaded = None  # type: ignore[attr-defined]
        change.instance._changelog_saved = change.after  # type: ignore[attr-defined]
    return entries


def record(instance: models.Model, *, action: str, before: dict | None, after: dict | None) -> ChangeLogEntry:
    """Append one entry for a change the signal cannot see (e.g. a many-to-many set)."""
    return record_many([PendingChange(instance, action, before, after)])[0]


def _action_for(before: dict | None, after: dict, *, created: bool) -> str:
    if created:
        return ChangeAction.CREATE
    if before is None:
        return ChangeAction.UPDATE
    was, now = before.get("archived_at"), after.get("archived_at")
    if was is None and now is not None:
        return ChangeAction.ARCHIVE
    if was is not None and now is None:
        return ChangeAction.RESTORE
    return ChangeAction.UPDATE


def pending_for(instance: BusinessModel, *, created: bool) -> PendingChange | None:
    after = snapshot(instance)
    if created:
        before = None
    else:
        before = getattr(instance, "_changelog_saved", None) or _loaded_snapshot(instance)
        if before is not None and before == after:
            return None  # nothing that carries history changed
    return PendingChange(instance, _action_for(before, after, created=created), before, after)


def _on_save(sender, instance, created, raw=False, **kwargs) -> None:
    if not isinstance(instance, BusinessModel):
        return
    change = pending_for(instance, created=created)
    if change is not None:
        record_many([change])


def connect_signals() -> None:
    post_save.connect(_on_save, dispatch_uid="liuke.core.changelog")


# From this many rows on, bulk paths INSERT with executemany under reserved ids instead of the ORM's
# multi-row INSERTs: Django prepares every value through the SQL compiler and SQLite caps a statement at
# 999 parameters (30 rows of 30 columns), which made the row inserts and their log entries most of a big
# demo build (docs/BENCHMARKS.md). Same rows, same ids order, same entries.
FAST_INSERT_MIN = 200
_EXECUTEMANY_ROWS = 5000


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """``n`` new primary keys for ``model``, in increasing order, for rows about to be inserted with them.

    PostgreSQL draws them from the table's sequence (safe beside other writers); SQLite takes them past
    the highest id the table has used, which is safe because a SQLite writer holds the database lock
    (liuke opens IMMEDIATE transactions) and this must be called inside the inserting transaction.
    """
    if n <= 0:
        return []
    table: str = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [
                    table,
                    model._meta.pk.column,
                    n,
                ],
            )
            return sorted(r[0] for r in cur.fetchall())
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids must run inside the transaction that inserts the rows")
        qn = connection.ops.quote_name
        cur.execute(f"SELECT MAX({qn(str(model._meta.pk.column))}) FROM {qn(table)}")
        top = cur.fetchone()[0] or 0
        cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
        if cur.fetchone():
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cur.fetchone()
            top = max(top, row[0] if row else 0)
    return list(range(top + 1, top + 1 + n))


def _has_auto_pk(model: type[models.Model]) -> bool:
    return isinstance(model._meta.pk, models.AutoField)


_TEXT = (models.CharField, models.TextField)
_INTEGER = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)


def _plain_types(f: models.Field) -> tuple[type, ...]:
    """The Python types whose values this field passes to the database unchanged (only Django's own
    field classes: a subclass may prepare values its own way)."""
    if type(f) is models.ForeignKey:
        f = f.target_field  # type: ignore[attr-defined]
    if type(f) in _TEXT:
        return (str,)
    if type(f) in _INTEGER:
        return (int,)
    if type(f) is models.BooleanField:
        return (bool,)
    return ()


def insert_with_ids(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERT ``objs`` as ``QuerySet.bulk_create`` would (each field's ``pre_save`` and database
    preparation, related objects' ids taken), giving those without a primary key a reserved one, in one
    prepared statement run with ``executemany``."""
    missing = [o for o in objs if o.pk is None]
    if missing:
        if not _has_auto_pk(model):
            raise RuntimeError(f"{model.__name__}: rows without a primary key need an auto-incrementing one")
        for obj, pk in zip(missing, reserve_ids(model, len(missing)), strict=True):
            obj.pk = pk
    conn = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a lookup per value
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not getattr(f, "generated", False)]
    qn = conn.ops.quote_name
    sql = (
        f"INSERT INTO {qn(str(opts.db_table))} ({', '.join(qn(str(f.column)) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    plain = [_plain_types(f) for f in fields]
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        row = []
        for f, types in zip(fields, plain, strict=True):
            value = f.pre_save(obj, True)
            # A str for a text column, an int for an integer one (or None): what get_db_prep_save returns.
            plain_value = type(value) in types or (value is None and bool(types))
            row.append(value if plain_value else f.get_db_prep_save(value, conn))
        rows.append(row)
    with conn.cursor() as cur:
        for start in range(0, len(rows), _EXECUTEMANY_ROWS):
            cur.executemany(sql, rows[start : start + _EXECUTEMANY_ROWS])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = conn.alias


def bulk_create(model: type[BusinessModel], objs: Iterable[BusinessModel], *, batch_size: int = 1000) -> list:
    """``bulk_create`` that still writes one change-log entry per row (bulk paths are logged too)."""
    objs = list(objs)
    with transaction.atomic():
        if len(objs) >= FAST_INSERT_MIN and _has_auto_pk(model):
            insert_with_ids(model, objs)
            created = objs
        else:
            created = model.objects.bulk_create(objs, batch_size=batch_size)
        if any(o.pk is None for o in created):
            raise RuntimeError("bulk_create did not return primary keys; cannot log the rows")
        record_many([PendingChange(o, ChangeAction.CREATE, None, snapshot(o)) for o in created])
    return created


def bulk_update(model: type[BusinessModel], objs: Iterable[BusinessModel], fields: list[str]) -> int:
    """``bulk_update`` with one change-log entry per row that really changed."""
    objs = list(objs)
    changes = [c for o in objs if (c := pending_for(o, created=False)) is not None]
    for change in changes:
        change.instance.version += 1  # type: ignore[attr-defined]
    with transaction.atomic():
        # The plain base manager: BusinessQuerySet.update() refuses logged columns, and these are logged above.
        model._base_manager.bulk_update([c.instance for c in changes], [*fields, "version"], batch_size=500)  # type: ignore[misc]
        record_many(changes)
    return len(changes)


# --- reading and verifying -------------------------------------------------------------------


def entries_for(instance: models.Model, *, limit: int = 200):
    """The history of one object, newest first."""
    ct = ContentType.objects.get_for_model(type(instance), for_concrete_model=True)
    return (
        ChangeLogEntry.objects.filter(content_type=ct, object_id=str(instance.pk))
        .select_related("actor")
        .order_by("-seq")[:limit]
    )


# Why an entry does not fit, in English (the JSON report's stable ``reason``); ``VerifyResult.message``
# says the same in the active language.
_REASONS = {
    "sequence_gap": gettext_noop("sequence gap: expected #%(expected)s, found #%(found)s"),
    "broken_link": gettext_noop("does not link to the previous entry"),
    "hash_mismatch": gettext_noop("content does not match its hash"),
    "truncated_tail": gettext_noop(
        "the chain ends at #%(checked)s but its head records #%(head)s: entries were removed from the tail"
    ),
}


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason_code: str = ""
    reason_params: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return _REASONS[self.reason_code] % self.reason_params if self.reason_code else ""

    def message(self) -> str:
        """The outcome for a person, wholly in the active language."""
        if self.ok:
            return gettext("Change log intact: %(n)d entries verified.") % {"n": self.checked}
        reason = gettext(_REASONS[self.reason_code]) % self.reason_params
        if self.broken_seq is None:
            return gettext("Change log BROKEN: %(reason)s.") % {"reason": reason}
        return gettext("Change log BROKEN at entry #%(seq)s: %(reason)s (%(n)d entries before it are intact).") % {
            "seq": self.broken_seq,
            "reason": reason,
            "n": self.checked,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "broken_seq": self.broken_seq,
            "broken_id": self.broken_id,
            "reason": self.reason,
        }


def verify_chain(*, chunk_size: int = 5000) -> VerifyResult:
    """Recompute the whole chain; name the first entry that does not fit."""
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    expected_seq, prev, checked = 1, GENESIS_HASH, 0
    qs = ChangeLogEntry.objects.order_by("seq")
    for entry in qs.iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            gap = {"expected": expected_seq, "found": entry.seq}
            return VerifyResult(False, checked, entry.seq, entry.pk, "sequence_gap", gap)
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, entry.seq, entry.pk, "broken_link")
        if entry_hash(entry, labels.get(entry.content_type_id, "?")) != entry.hash:
            return VerifyResult(False, checked, entry.seq, entry.pk, "hash_mismatch")
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq != checked or head_hash != prev:
        first_missing = checked + 1 if head_seq > checked else None
        tail = {"checked": checked, "head": head_seq}
        return VerifyResult(False, checked, first_missing, None, "truncated_tail", tail)
    return VerifyResult(True, checked)


# --- database guards -------------------------------------------------------------------------

_TABLE = "core_changelogentry"
_MESSAGE = "liuke: the change log is append-only"


def install_guards(conn=connection) -> None:
    """Make the database itself refuse UPDATE, DELETE (and TRUNCATE) on the change log."""
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                cur.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {_TABLE}_no_{op.lower()} BEFORE {op} ON {_TABLE} "
                    f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END;"
                )
        elif conn.vendor == "postgresql":
            cur.execute(
                "CREATE OR REPLACE FUNCTION liuke_changelog_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$;"
            )
            cur.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_no_change ON {_TABLE}")
            cur.execute(
                f"CREATE TRIGGER {_TABLE}_no_change BEFORE UPDATE OR DELETE ON {_TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION liuke_changelog_append_only()"
            )
            cur.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_no_truncate ON {_TABLE}")
            cur.execute(
                f"CREATE TRIGGER {_TABLE}_no_truncate BEFORE TRUNCATE ON {_TABLE} "
                "FOR EACH STATEMENT EXECUTE FUNCTION liuke_changelog_append_only()"
            )


def remove_guards(conn=connection) -> None:
    """Drop the guards (migrations rollback, and tests that play the attacker)."""
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            for op in ("update", "delete"):
                cur.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_no_{op}")
        elif conn.vendor == "postgresql":
            cur.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_no_change ON {_TABLE}")
            cur.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_no_truncate ON {_TABLE}")
