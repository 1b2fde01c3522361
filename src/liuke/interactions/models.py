"""Record cards (信息记录卡), the problems and next steps they raise, and weekly visit plans.

A card is a draft until submitted; a submitted card is never changed again (``services`` enforce it):
later corrections are ``CardAmendment`` rows that keep the original. Who was present and what was
raised are kept on the card itself (JSON lists), so the card's one change-log entry on submission
freezes all of it; the tracked items (``Problem``, ``FollowUp``, ``MarketIntel``) are made from it.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liuke.core.models import BusinessModel

from .choices import (
    OPEN_PROBLEM_STATUSES,
    AttachmentKind,
    CardKind,
    CardStatus,
    FollowUpStatus,
    PlanReason,
    ProblemStatus,
)

# An open problem is one without a resolution date: a check constraint keeps ``resolved_on`` set exactly
# when the status is resolved or closed. Filtering on ``IS NULL`` (no bound parameter) is what lets
# SQLite use the partial indexes below; it cannot prove ``status NOT IN (?, ?)`` implies them.
OPEN_PROBLEM_Q = models.Q(resolved_on__isnull=True)
# The open items the lists count and page through: the index holds them all, so a COUNT never reads rows.
_LISTED_PROBLEMS = OPEN_PROBLEM_Q & models.Q(archived_at__isnull=True)
_LISTED_FOLLOW_UPS = models.Q(status="open", archived_at__isnull=True)


class RecordCard(BusinessModel):
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="cards"
    )
    author = models.ForeignKey("org.Employee", verbose_name=_("author"), on_delete=models.PROTECT, related_name="cards")
    occurred_at = models.DateTimeField(_("when"))
    kind = models.CharField(_("kind"), max_length=16, choices=CardKind.choices, default=CardKind.VISIT)
    colleague_ids = models.JSONField(_("colleagues present"), default=list, blank=True)  # Employee ids
    contact_ids = models.JSONField(_("contacts met"), default=list, blank=True)  # Contact ids
    purpose = models.TextField(_("purpose"), blank=True)
    summary = models.TextField(_("what happened"), blank=True)
    problems_raised = models.JSONField(_("problems raised"), default=list, blank=True)  # [str]
    solutions = models.TextField(_("solutions offered"), blank=True)
    resolved_problem_ids = models.JSONField(_("problems resolved"), default=list, blank=True)  # Problem ids
    done_follow_up_ids = models.JSONField(_("follow-ups done"), default=list, blank=True)  # FollowUp ids
    next_steps = models.JSONField(_("next steps"), default=list, blank=True)  # [{"text", "due", "owner"}]
    suggestions = models.TextField(_("suggestions"), blank=True)
    intel = models.JSONField(_("market intelligence"), default=list, blank=True)  # [{competitor, product, ...}]
    status = models.CharField(_("status"), max_length=16, choices=CardStatus.choices, default=CardStatus.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    backdate_reason = models.CharField(_("reason for back-dating"), max_length=300, blank=True)
    checkin_lat = models.DecimalField(_("check-in latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_lng = models.DecimalField(_("check-in longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_accuracy = models.PositiveIntegerField(_("check-in accuracy (m)"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance from the customer (m)"), null=True, blank=True)
    far_from_customer = models.BooleanField(_("far from the customer"), default=False)
    quality = models.PositiveSmallIntegerField(_("quality"), null=True, blank=True)
    quality_items = models.JSONField(_("quality breakdown"), default=list, blank=True, editable=False)
    # Set by the phone when it keeps a draft offline: sending it twice never makes two cards.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    # Derived from the card's content (recomputable) or technical: no history of their own.
    changelog_exclude = ("quality_items", "client_key")
    # History names the people and items these lists point to (core.history), not their ids.
    changelog_id_lists = {
        "colleague_ids": "org.Employee",
        "contact_ids": "customers.Contact",
        "resolved_problem_ids": "interactions.Problem",
        "done_follow_up_ids": "interactions.FollowUp",
    }

    class Meta:
        ordering = ("-occurred_at", "-id")
        verbose_name = _("record card")
        verbose_name_plural = _("record cards")
        indexes = [
            models.Index(fields=["customer", "status", "occurred_at"], name="card_customer_time_idx"),
            models.Index(fields=["author", "status", "occurred_at"], name="card_author_time_idx"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.occurred_at).strftime("%Y-%m-%d") if self.occurred_at else ""
        return f"{when} {self.get_kind_display()} · {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("interactions:card_detail", args=[self.pk])

    @property
    def quality_shown(self) -> list[dict]:
        """The quality breakdown labelled in the reader's language (the stored label is the writer's)."""
        from .quality import LABELS

        return [{**item, "label": LABELS.get(item.get("key"), item.get("label"))} for item in self.quality_items or []]

    @property
    def is_submitted(self) -> bool:
        return self.status == CardStatus.SUBMITTED

    @classmethod
    def changelog_expand_context(cls) -> dict:
        return {}

    @classmethod
    def changelog_expand(cls, key: str, old, new, context: dict) -> list[tuple[str, object, object]] | None:
        """History shows the card's lists as a person reads them, not as JSON."""
        if key not in _LIST_FIELDS:
            return None
        label = str(cls._meta.get_field(key).verbose_name)  # type: ignore[union-attr]
        return [(label, _list_text(key, old), _list_text(key, new))]


_LIST_FIELDS = {"problems_raised", "next_steps", "intel"}


def _list_text(key: str, value) -> str | None:
    if not value:
        return None
    parts = []
    for item in value:
        if key == "next_steps" and isinstance(item, dict):
            parts.append(f"{item.get('text', '')} ({item.get('due', '')})")
        elif key == "intel" and isinstance(item, dict):
            parts.append(
                " ".join(str(item.get(k) or "") for k in ("competitor", "product", "price", "activity")).strip()
            )
        else:
            parts.append(str(item))
    return "；".join(parts)


def card_field_label(name: str) -> str:
    return str(RecordCard._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


class CardAmendment(BusinessModel):
    """A later correction of a submitted card: the new texts, why, and by whom; the card keeps its original."""

    card = models.ForeignKey(RecordCard, verbose_name=_("card"), on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey("org.Employee", verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict)  # {field: new text}

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = _("card amendment")
        verbose_name_plural = _("card amendments")

    def __str__(self) -> str:
        return f"{self.card} · {self.reason}"

    def get_absolute_url(self) -> str:
        return self.card.get_absolute_url() + f"#amendment-{self.pk}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"cards/{instance.card_id}/{filename}"


class Attachment(BusinessModel):
    card = models.ForeignKey(RecordCard, verbose_name=_("card"), on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ("id",)
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("interactions:attachment", args=[self.pk])


class Problem(BusinessModel):
    """A problem a customer raised, tracked until a later card (or a person) resolves it."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="problems"
    )
    card = models.ForeignKey(RecordCard, verbose_name=_("raised on"), on_delete=models.PROTECT, related_name="problems")
    description = models.TextField(_("problem"))
    status = models.CharField(_("status"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    owner = models.ForeignKey(
        "org.Employee", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="problems"
    )
    raised_on = models.DateField(_("raised on"))
    resolved_by = models.ForeignKey(
        RecordCard,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolved_problems",
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ("raised_on", "id")
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [
            models.Index(fields=["customer", "status"], name="problem_customer_status_idx"),
            # Open problems only (most are resolved): the lists in age order, and each owner's count.
            models.Index(fields=["raised_on", "id"], name="problem_open_age_idx", condition=_LISTED_PROBLEMS),
            models.Index(fields=["owner", "raised_on"], name="problem_open_owner_idx", condition=_LISTED_PROBLEMS),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OPEN_PROBLEM_STATUSES, resolved_on__isnull=True)
                | models.Q(status__in=[ProblemStatus.RESOLVED, ProblemStatus.CLOSED], resolved_on__isnull=False),
                name="problem_resolved_on_iff_closed",
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]

    def get_absolute_url(self) -> str:
        return reverse("interactions:problem_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROBLEM_STATUSES

    @property
    def age_days(self) -> int:
        end = self.resolved_on if not self.is_open and self.resolved_on else timezone.localdate()
        return (end - self.raised_on).days


class FollowUp(BusinessModel):
    """A next step with an owner and a due date, done by a later card or by hand."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    card = models.ForeignKey(
        RecordCard,
        verbose_name=_("from card"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    description = models.TextField(_("next step"))
    owner = models.ForeignKey(
        "org.Employee", verbose_name=_("owner"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    due = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    done_by = models.ForeignKey(
        RecordCard,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="done_follow_ups",
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ("due", "id")
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["customer", "status"], name="followup_customer_status_idx"),
            # Open follow-ups only (most are done): the lists by due date, and each owner's day.
            # (status and archived_at ride along so that SQLite, which checks ``status = ?`` again, reads
            # only the index)
            models.Index(
                fields=["due", "id", "status", "archived_at"],
                name="followup_open_due_idx",
                condition=_LISTED_FOLLOW_UPS,
            ),
            models.Index(
                fields=["owner", "due", "status", "archived_at"],
                name="followup_open_owner_idx",
                condition=_LISTED_FOLLOW_UPS,
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    def get_absolute_url(self) -> str:
        return reverse("interactions:follow_up_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.status == FollowUpStatus.OPEN and self.due < timezone.localdate()

    @property
    def overdue_days(self) -> int:
        return max(0, (timezone.localdate() - self.due).days) if self.status == FollowUpStatus.OPEN else 0


class MarketIntel(BusinessModel):
    """What a card saw of the competition, one row per observation (for the reports)."""

    card = models.ForeignKey(RecordCard, verbose_name=_("card"), on_delete=models.PROTECT, related_name="intel_rows")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    competitor = models.CharField(_("competitor"), max_length=100)
    product = models.CharField(_("product"), max_length=100, blank=True)
    price_seen = models.DecimalField(_("price seen"), max_digits=12, decimal_places=2, null=True, blank=True)
    activity = models.CharField(_("activity"), max_length=300, blank=True)
    observed_on = models.DateField(_("observed on"))

    class Meta:
        ordering = ("-observed_on", "id")
        verbose_name = _("market intelligence")
        verbose_name_plural = _("market intelligence")

    def __str__(self) -> str:
        return f"{self.competitor} {self.product}".strip()

    def get_absolute_url(self) -> str:
        return self.card.get_absolute_url() + "#intel"


class VisitPlan(BusinessModel):
    """A rep's plan for one week (拜访计划), Monday to Sunday."""

    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("employee"), on_delete=models.PROTECT, related_name="visit_plans"
    )
    week_start = models.DateField(_("week of"))

    class Meta:
        ordering = ("-week_start", "employee")
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        constraints = [models.UniqueConstraint(fields=["employee", "week_start"], name="visitplan_one_per_week")]

    def __str__(self) -> str:
        return f"{self.employee} · {self.week_start:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("interactions:plan") + f"?week={self.week_start:%Y-%m-%d}&employee={self.employee_id}"


class PlannedVisit(BusinessModel):
    plan = models.ForeignKey(VisitPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="visits")
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=16, choices=PlanReason.choices, default=PlanReason.MANUAL)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ("day", "id")
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")

    def __str__(self) -> str:
        return f"{self.customer} · {self.day or ''}"

    def get_absolute_url(self) -> str:
        return self.plan.get_absolute_url()
