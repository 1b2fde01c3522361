from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "liuke.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers visibility policies)
