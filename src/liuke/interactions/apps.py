from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "liuke.interactions"
    label = "interactions"
    verbose_name = _("Record cards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import customer_page, policies  # noqa: F401  (visibility rules, customer-page sections)
