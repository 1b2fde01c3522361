from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "liuke.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from liuke.core import registry, visibility
        from liuke.org import hooks as org_hooks
        from liuke.org.models import Employee

        from . import policies, rules, selectors, services  # noqa: F401  (visibility and alert rules register)
        from .models import FieldDefinition

        registry.urls("customers/", "liuke.customers.urls")
        registry.api("customers", "liuke.customers.api:CustomerViewSet")
        registry.api("contacts", "liuke.customers.api:ContactViewSet")
        registry.api("account-team", "liuke.customers.api:AccountTeamMemberViewSet")
        registry.menu(_("Customers"), "customers:customer_list", order=20)
        registry.menu(
            _("Archive fields"),
            "customers:field_list",
            order=70,
            allowed=lambda user: visibility.can(user, FieldDefinition, visibility.CHANGE),
        )
        registry.home_figure(
            "customers",
            _("Customers you can see"),
            "customers:customer_list",
            lambda viewer: selectors.customer_list(viewer=viewer).count(),
            order=10,
        )
        registry.home_section(
            "customers/_home_team.html",
            lambda viewer: (
                {"team": selectors.team_overview(viewer=viewer)} if visibility.can(viewer, Employee, "lead") else None
            ),
            order=10,
        )
        org_hooks.on_status_changed(services.customers_of_employee_refresh)
        registry.importer("customers", "liuke.customers.importers:customer_import_run")
        registry.importer("account-team", "liuke.customers.importers:account_team_import_run")
        registry.exporter("customers", "liuke.customers.exports:customer_export")

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
