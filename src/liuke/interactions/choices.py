from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CardKind(models.TextChoices):
    VISIT = "visit", pgettext_lazy("card kind", "Visit")
    PHONE = "phone", pgettext_lazy("card kind", "Phone call")
    WECHAT = "wechat", pgettext_lazy("card kind", "WeChat")
    MEETING = "meeting", pgettext_lazy("card kind", "Meeting")
    EVENT = "event", pgettext_lazy("card kind", "Event")
    DELIVERY = "delivery", pgettext_lazy("card kind", "Delivery")


class CardStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("card status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("card status", "Submitted")


class ProblemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("problem status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("problem status", "In progress")
    RESOLVED = "resolved", pgettext_lazy("problem status", "Resolved")
    CLOSED = "closed", pgettext_lazy("problem status", "Closed")


OPEN_PROBLEM_STATUSES = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS)


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("follow-up status", "Open")
    DONE = "done", pgettext_lazy("follow-up status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("follow-up status", "Cancelled")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DOCUMENT = "document", _("Document")


class PlanReason(models.TextChoices):
    CADENCE = "cadence", _("Due by cadence")
    FOLLOW_UP = "follow_up", _("Follow-up due")
    MANUAL = "manual", _("Added by hand")


# The card texts an amendment may change (the original stays on the card).
AMENDABLE_FIELDS = ("purpose", "summary", "solutions", "suggestions")
