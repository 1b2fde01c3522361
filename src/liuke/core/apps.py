from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "liuke.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import changelog, lookups, policies  # noqa: F401  (the LIKE lookup, the change log's visibility)

        changelog.connect_signals()

        from django.utils.translation import gettext_lazy as _

        from . import registry, visibility
        from .models import ChangeLogEntry

        registry.menu(_("Home"), "home", order=0)
        registry.menu(
            _("Change log"), "core:changelog_list", order=80, allowed=lambda u: visibility.can(u, ChangeLogEntry)
        )
        registry.menu(_("API"), "api-docs", order=90)
