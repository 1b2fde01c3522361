"""Alerts: what a screening rule found, its lifecycle, the settings of the rules, and notifications.

An :class:`Alert` is a business record: every step of its lifecycle (acknowledged, assigned, resolved,
dismissed, reopened by new evidence) is change-logged. Its ``(rule, key)`` is the finding's stable
deduplication key, so re-running a rule never duplicates an alert. The evidence and the time it was last
seen are refreshed by each screening and carry no history of their own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liuke.core.models import BusinessModel

from .choices import AlertStatus, Area, DeliveryStatus, NotifyChannel, RunMode, Severity


class Alert(BusinessModel):
    rule = models.CharField(_("rule"), max_length=40)
    key = models.CharField(_("deduplication key"), max_length=200)
    area = models.CharField(_("area"), max_length=16, choices=Area.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    # What the rule's title is filled with (names, numbers); the title itself is translated when shown.
    params = models.JSONField(_("details"), default=dict, blank=True)
    # The subject: the customer (or distributor) the alert is about, or an employee.
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("employee"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the inbox filters by.
    distributor = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("distributor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    division = models.ForeignKey(
        "org.Division", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product_code = models.CharField(_("product"), max_length=50, blank=True)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    evidence_count = models.PositiveIntegerField(_("records behind it"), default=0)
    fingerprint = models.CharField(max_length=64, editable=False)
    opened_at = models.DateTimeField(_("opened at"))
    last_seen_at = models.DateTimeField(_("last seen"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    assignee = models.ForeignKey(
        "org.Employee", verbose_name=_("assignee"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(_("resolution"), blank=True)

    # Refreshed by every screening; a change of evidence that matters (a dismissed alert's) reopens the alert,
    # and that status change is logged.
    changelog_exclude = ("params", "evidence", "evidence_count", "fingerprint", "last_seen_at")

    class Meta:
        ordering = ("-opened_at", "-pk")
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="alerts_alert_unique_key")]
        indexes = [
            models.Index(fields=["status", "opened_at"], name="alerts_status_opened_idx"),
            models.Index(fields=["customer", "status"], name="alerts_customer_status_idx"),
            models.Index(fields=["distributor", "status"], name="alerts_distributor_status_idx"),
            models.Index(fields=["employee", "status"], name="alerts_employee_status_idx"),
            models.Index(fields=["assignee", "status"], name="alerts_assignee_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert_detail", args=[self.pk])

    @property
    def rule_def(self):
        from . import registry

        return registry.get(self.rule)

    @property
    def title(self) -> str:
        rule = self.rule_def
        return rule.title_for(self.params) if rule is not None else self.rule

    @property
    def rule_title(self) -> str:
        rule = self.rule_def
        return str(rule.title) if rule is not None else self.rule

    @property
    def is_live(self) -> bool:
        return self.status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.INVESTIGATING)


class AlertNote(BusinessModel):
    """A step in an alert's lifecycle or a remark on it, by a person."""

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    status_from = models.CharField(_("from"), max_length=20, choices=AlertStatus.choices, blank=True)
    status_to = models.CharField(_("to"), max_length=20, choices=AlertStatus.choices, blank=True)
    text = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ("created_at", "pk")
        verbose_name = _("alert note")
        verbose_name_plural = _("alert notes")

    def __str__(self) -> str:
        return self.text[:60] or f"{self.status_from} → {self.status_to}"

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert_detail", args=[self.alert_id])


class RuleSetting(BusinessModel):
    """An admin's settings for one rule: on or off, its severity, its thresholds, who watches it."""

    rule = models.CharField(_("rule"), max_length=40, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, blank=True)
    params = models.JSONField(_("thresholds"), default=dict, blank=True)
    # Employee ids who see and are told of every alert of the rule (the channel settings name the
    # channel manager here), beyond those who see the alert's customer.
    watcher_ids = models.JSONField(_("watchers"), default=list, blank=True)

    class Meta:
        ordering = ("rule",)
        verbose_name = _("rule setting")
        verbose_name_plural = _("rule settings")

    def __str__(self) -> str:
        from . import registry

        rule = registry.get(self.rule)
        return str(rule.title) if rule is not None else self.rule

    def get_absolute_url(self) -> str:
        return reverse("alerts:rule_list")


class ScreenRun(models.Model):
    """One screening: which rules ran over what, what they found and how long it took."""

    mode = models.CharField(_("mode"), max_length=12, choices=RunMode.choices)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    scope = models.JSONField(_("scope"), default=dict, blank=True)  # {"flow_imports": [...], "customers": [...]}
    findings = models.PositiveIntegerField(_("findings"), default=0)
    opened = models.PositiveIntegerField(_("new alerts"), default=0)
    reopened = models.PositiveIntegerField(_("reopened"), default=0)
    closed = models.PositiveIntegerField(_("no longer observed"), default=0)
    timings = models.JSONField(_("seconds per rule"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ("-started_at", "-pk")
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.started_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """An in-app notification: the bell's unread count is these, unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    reason = models.CharField(_("reason"), max_length=20)  # opened, reopened, assigned
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at"], name="alerts_notification_unread_idx"),
            models.Index(fields=["user", "-created_at"], name="alerts_notification_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.alert_id} · {self.reason}"

    @property
    def reason_label(self) -> str:
        return str(NOTIFICATION_REASONS.get(self.reason, self.reason))

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


# Why someone was told (``Notification.reason``), as the bell says it.
NOTIFICATION_REASONS = {
    "opened": _("New alert"),
    "reopened": _("Alert reopened"),
    "assigned": _("Assigned to you"),
}


class NotificationPreference(BusinessModel):
    """Which channels a person is told through, from which severity up."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("e-mail at once"), default=False)
    digest = models.BooleanField(_("daily digest e-mail"), default=True)
    min_severity = models.CharField(_("from severity"), max_length=8, choices=Severity.choices, default=Severity.LOW)
    # E-mails and digests are written in this language (empty: the company's, settings.LANGUAGE_CODE).
    language = models.CharField(
        _("language of e-mails"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def get_absolute_url(self) -> str:
        return reverse("alerts:preferences")


class WebhookTarget(BusinessModel):
    """A WeCom (企业微信) or DingTalk (钉钉) group robot that hears of a department's alerts."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=[
            (NotifyChannel.WECOM, NotifyChannel.WECOM.label),
            (NotifyChannel.DINGTALK, NotifyChannel.DINGTALK.label),
        ],
    )
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: the whole company"),
    )
    min_severity = models.CharField(_("from severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    rules = models.JSONField(_("rules"), default=list, blank=True, help_text=_("Empty: every rule"))
    enabled = models.BooleanField(_("enabled"), default=True)
    # The robot's address with its access key masked: what the change log keeps of ``url``.
    address = models.CharField(_("address"), max_length=200, blank=True, default="", editable=False)

    # The address carries the robot's access key and ``secret`` signs its messages: credentials stay out of the
    # append-only change log (which auditors read); ``address`` records that the address changed.
    changelog_exclude = ("url", "secret")

    class Meta:
        ordering = ("name",)
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.address = masked_address(self.url)
        if kwargs.get("update_fields") is not None and "url" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "address"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("alerts:webhook_list")


class Delivery(models.Model):
    """One message sent (or being retried) through e-mail or a group robot."""

    channel = models.CharField(_("channel"), max_length=10, choices=NotifyChannel.choices)
    webhook = models.ForeignKey(WebhookTarget, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.CharField(_("recipient"), max_length=300)
    alert_ids = models.JSONField(default=list, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            # The last digest of each person; a robot's last messages.
            models.Index(fields=["channel", "user", "created_at"], name="alerts_delivery_user_idx"),
            models.Index(fields=["webhook", "created_at"], name="alerts_delivery_webhook_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}"


def masked_address(url: str) -> str:
    """A robot's address with every query value cut to its last four characters (``key=…5aaa``)."""
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(url or "")
    query = "&".join(f"{k}=…{v[-4:]}" if len(v) > 4 else f"{k}=…" for k, v in parse_qsl(parts.query))
    shown = f"{parts.netloc}{parts.path}" + (f"?{query}" if query else "")
    return shown[:200]
