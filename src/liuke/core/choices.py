from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeSource(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    CLI = "cli", _("Command line")
    AUDIT = "audit", _("Audit")
    SYSTEM = "system", _("System")


class ChangeAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    ARCHIVE = "archive", _("Archived")
    RESTORE = "restore", _("Restored")
