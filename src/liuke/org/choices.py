from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    MANAGER = "manager", _("Manager")
    DIRECTOR = "director", _("Director")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class EmployeeStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("employee status", "Active")
    LEAVING = "leaving", _("Leaving")
    LEFT = "left", _("Left")


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class DivisionStatus(models.TextChoices):
    ACTIVE = "active", _("Current")
    ABOLISHED = "abolished", _("Abolished")
