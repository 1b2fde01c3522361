from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "liuke.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import policies  # noqa: F401  (registers visibility policies)

        post_migrate.connect(_load_default_fields, sender=self, dispatch_uid="liuke.customers.default_fields")


def _load_default_fields(sender, using="default", **kwargs) -> None:
    """A new installation starts with the pharma archive template (admins change it afterwards)."""
    from liuke.core.changelog import change_context

    from .models import FieldGroup
    from .services import field_template_load

    if FieldGroup.objects.using(using).exists():
        return
    with change_context(source="system"):
        field_template_load()
