from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Severity(models.TextChoices):
    INFO = "info", pgettext_lazy("severity", "Information")
    LOW = "low", pgettext_lazy("severity", "Low")
    MEDIUM = "medium", pgettext_lazy("severity", "Medium")
    HIGH = "high", pgettext_lazy("severity", "High")


SEVERITY_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("alert status", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert status", "Acknowledged")
    INVESTIGATING = "investigating", pgettext_lazy("alert status", "Investigating")
    RESOLVED = "resolved", pgettext_lazy("alert status", "Resolved")
    DISMISSED = "dismissed", pgettext_lazy("alert status", "Dismissed")
    NO_LONGER_OBSERVED = "no_longer_observed", pgettext_lazy("alert status", "No longer observed")


# Alerts somebody still has to look at.
LIVE_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.INVESTIGATING)
# Closed by a person: the same evidence does not bring them back.
JUDGED_STATUSES = (AlertStatus.RESOLVED, AlertStatus.DISMISSED)

# The steps a person may take from each status (the lifecycle of the issue: open → acknowledged →
# investigating → resolved or dismissed; a closed alert may be reopened by hand).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    AlertStatus.OPEN: (
        AlertStatus.ACKNOWLEDGED,
        AlertStatus.INVESTIGATING,
        AlertStatus.RESOLVED,
        AlertStatus.DISMISSED,
    ),
    AlertStatus.ACKNOWLEDGED: (AlertStatus.INVESTIGATING, AlertStatus.RESOLVED, AlertStatus.DISMISSED),
    AlertStatus.INVESTIGATING: (AlertStatus.RESOLVED, AlertStatus.DISMISSED),
    AlertStatus.RESOLVED: (AlertStatus.OPEN,),
    AlertStatus.DISMISSED: (AlertStatus.OPEN,),
    AlertStatus.NO_LONGER_OBSERVED: (AlertStatus.OPEN, AlertStatus.RESOLVED, AlertStatus.DISMISSED),
}


class Area(models.TextChoices):
    """Which part of the business a rule watches (routes channel alerts to the people the settings name)."""

    CHANNEL = "channel", pgettext_lazy("alert area", "Channel")
    CUSTOMERS = "customers", pgettext_lazy("alert area", "Customers")
    WORK = "work", pgettext_lazy("alert area", "Follow-up work")
    SECURITY = "security", pgettext_lazy("alert area", "Data security")


class RunMode(models.TextChoices):
    FULL = "full", _("Full screening")
    INCREMENTAL = "incremental", _("After an import")
    MANUAL = "manual", _("On demand")


class NotifyChannel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    DIGEST = "digest", _("Daily digest")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
