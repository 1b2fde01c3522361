from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "liuke.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from . import policies  # noqa: F401  (registers visibility policies)
