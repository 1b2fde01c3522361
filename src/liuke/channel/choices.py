from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ChannelLevel(models.TextChoices):
    DISTRIBUTOR = "distributor", pgettext_lazy("channel level", "Distributor")
    TERMINAL = "terminal", pgettext_lazy("channel level", "Terminal")


class ImportStatus(models.TextChoices):
    IMPORTING = "importing", _("Importing")
    ACTIVE = "active", pgettext_lazy("import status", "Active")
    SUPERSEDED = "superseded", _("Replaced by a corrected file")


class MatchMethod(models.TextChoices):
    ALIAS = "alias", _("Remembered alias")
    EXACT = "exact", _("Exact name")
    NORMALISED = "normalised", _("Normalised name")
    FUZZY = "fuzzy", _("Fuzzy")
    REVIEW = "review", _("Confirmed by a person")
    NONE = "none", _("Not matched")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Matched")
    CREATED = "created", _("Terminal created")
    DISMISSED = "dismissed", _("Dismissed")


class FlowFlag(models.IntegerChoices):
    """Bits of FlowLine.flags: evidence for people to judge, never a reason to drop a line."""

    OUT_OF_PERIOD = 1, _("Date outside the declared period")
    FUTURE = 2, _("Date in the future")
    BATCH_LIFE = 4, _("Date outside the batch's life")
    UNKNOWN_BATCH = 8, _("Batch never shipped by the company")
    BEFORE_SELL_IN = 16, _("Sold before the batch was shipped to this distributor")


def flag_labels(flags: int) -> list[str]:
    return [str(label) for value, label in FlowFlag.choices if flags & value]
