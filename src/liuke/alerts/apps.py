from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "liuke.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from liuke.core import registry, visibility

        from . import policies  # noqa: F401  (visibility rules)
        from .models import Alert

        registry.urls("alerts/", "liuke.alerts.urls")
        registry.api("alerts", "liuke.alerts.api:AlertViewSet")
        registry.menu(
            _("Alerts"), "alerts:alert_list", order=15, allowed=lambda u: visibility.can(u, Alert, visibility.VIEW)
        )
