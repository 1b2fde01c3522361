from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "liuke.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from . import notify, pages, policies  # noqa: F401  (policies register visibility)

        pages.register()  # the inbox: URLs, menu, API, cards on customer, distributor and employee pages
        notify.register()  # the bell in the top bar, the preferences API
