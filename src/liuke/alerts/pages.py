"""How the inbox plugs into the site: URLs, menu, API and the alert cards on other apps' pages."""

from django.utils.translation import gettext_lazy as _

from liuke.core import registry, visibility


def register() -> None:
    from .models import Alert

    registry.urls("alerts/", "liuke.alerts.urls")
    registry.api("alerts", "liuke.alerts.api:AlertViewSet")
    registry.menu(
        _("Alerts"), "alerts:alert_list", order=15, allowed=lambda u: visibility.can(u, Alert, visibility.VIEW)
    )
