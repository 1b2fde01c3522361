from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    PHARMACY = "pharmacy", _("Pharmacy")
    CLINIC = "clinic", _("Clinic")
    DISTRIBUTOR = "distributor", _("Distributor")
    RETAILER = "retailer", _("Retailer")
    OTHER = "other", _("Other")


class CustomerGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", pgettext_lazy("customer status", "Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")


class TeamRole(models.TextChoices):
    DEVELOP = "develop", _("Develop")
    MAINTAIN = "maintain", _("Maintain")
    SUPPORT = "support", _("Support")
    LOGISTICS = "logistics", _("Logistics")
    MANAGER = "manager", _("Manager")


class DivisionMethod(models.TextChoices):
    GIVEN = "given", _("Given")
    EXACT = "exact", _("Parsed: full path")
    INFERRED = "inferred", _("Parsed: inferred")
    PARTIAL = "partial", _("Parsed: partial")
    AMBIGUOUS = "ambiguous", _("Ambiguous: needs a person")
    NONE = "none", _("Not found")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONGTEXT = "longtext", _("Long text")
    NUMBER = "number", pgettext_lazy("field type", "Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTICHOICE = "multichoice", _("Multiple choice")
    BOOLEAN = "boolean", _("Yes/no")
    PHONE = "phone", _("Phone")


class PurchaseRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    PURCHASER = "purchaser", _("Purchaser")
    USER = "user", _("User")
    INFLUENCER = "influencer", _("Influencer")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")
    FINANCE = "finance", _("Finance")


class Familiarity(models.IntegerChoices):
    ACQUAINTED = 1, _("Acquainted")
    FAMILIAR = 2, _("Familiar")
    TRUSTED = 3, _("Trusted")


class EventKind(models.TextChoices):
    CREATED = "created", _("Customer created")
    TEAM_ASSIGNED = "team_assigned", _("Joined the account team")
    TEAM_UNASSIGNED = "team_unassigned", _("Left the account team")
    MERGED = "merged", _("Merged")
    IMPORTED = "imported", _("Imported")
    CONTACT_ADDED = "contact_added", _("Contact added")
