from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "liuke.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import changelog, lookups  # noqa: F401  (registers the LIKE lookup)

        changelog.connect_signals()
