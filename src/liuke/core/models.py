"""Base models and the append-only change log."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import ChangeAction, ChangeSource


class ArchiveInsteadOfDelete(Exception):
    """Business records are archived, never deleted."""


class UnloggedUpdate(Exception):
    """A set-based UPDATE of a business record's history-carrying columns would bypass the change log."""


class BusinessQuerySet(models.QuerySet):
    def delete(self):  # type: ignore[override]
        raise ArchiveInsteadOfDelete(f"{self.model.__name__} records are archived, never deleted")

    def active(self):
        """The rows that are not archived (the one way to say it)."""
        return self.filter(archived_at__isnull=True)

    def update(self, **kwargs):
        """Only derived columns (``changelog_exclude``) change set-based; anything with history goes through
        ``changelog.bulk_update`` (one entry per row) or a single save, so nothing changes unlogged."""
        derived = {*getattr(self.model, "changelog_exclude", ()), "updated_at"}
        logged = sorted(set(kwargs) - derived)
        if logged:
            raise UnloggedUpdate(
                f"{self.model.__name__}.objects.update() would change {', '.join(logged)} without a change-log "
                "entry; use liuke.core.changelog.bulk_update or save()"
            )
        return super().update(**kwargs)


class BusinessModel(models.Model):
    """A business record: change-logged on every write, archived instead of deleted, versioned.

    The values kept when a row is loaded are the "before" of the next change-log entry, so a
    change costs no extra read. Derived columns (tree paths, search keys) are listed in
    ``changelog_exclude``: they carry no history of their own.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Not indexed: almost every row has it NULL, and SQLite would pick such an index for
    # ``archived_at IS NULL`` and then read every row (docs/BENCHMARKS.md).
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = BusinessQuerySet.as_manager()

    changelog_exclude: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Cheap: the loaded values are serialised only if the row is saved again.
        instance._changelog_loaded = dict(zip(field_names, values, strict=True))
        return instance

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ArchiveInsteadOfDelete(f"{type(self).__name__} records are archived, never deleted")

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def archive(self, *, when=None) -> None:
        """Archive this record (logged as an archive by the change log); the one way to take a record out."""
        from django.utils import timezone

        self.archived_at = when or timezone.now()
        self.save()


class ChangeLogEntry(models.Model):
    """One append-only, hash-chained entry per create/update/archive of a business record."""

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    time = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=ChangeSource.choices)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # core_changelog_object_idx starts with content_type: a second, single-column index only misleads
    # SQLite's planner into reading every entry of a model for one object's history.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    action = models.CharField(_("action"), max_length=16, choices=ChangeAction.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ("-seq",)
        indexes = [models.Index(fields=["content_type", "object_id", "seq"], name="core_changelog_object_idx")]
        verbose_name = _("change-log entry")
        verbose_name_plural = _("change log")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class ChainHead(models.Model):
    """The last link of the change-log chain; it locks appends and reveals a truncated tail."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("change-log head")


class ExportLog(models.Model):
    """Every export: who took which data, how many rows, when (core.exports is the only writer)."""

    time = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=ChangeSource.choices)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=40)
    format = models.CharField(_("format"), max_length=10)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    filters = models.JSONField(_("filters"), default=dict, blank=True)

    class Meta:
        ordering = ("-time",)
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.kind} · {self.rows} · {self.actor_name}"
