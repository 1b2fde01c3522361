from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "liuke.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from liuke.core import registry, visibility

        from . import policies, scopes, selectors  # noqa: F401  (policies register visibility)

        visibility.set_scope_provider(scopes.compute_scope)
        registry.urls("org/", "liuke.org.urls")
        registry.api("departments", "liuke.org.api:DepartmentViewSet")
        registry.api("employees", "liuke.org.api:EmployeeViewSet")
        registry.api("territories", "liuke.org.api:TerritoryViewSet")
        registry.menu(_("Departments"), "org:department_list", order=60)
        registry.menu(_("Employees"), "org:employee_list", order=62)
        registry.menu(_("Territories"), "org:territory_list", order=64)
        registry.home_figure(
            "employees", _("Colleagues you can see"), "org:employee_list",
            lambda viewer: selectors.employee_list(viewer=viewer).count(), order=20,
        )  # fmt: skip
        registry.home_figure(
            "departments", _("Departments"), "org:department_list",
            lambda viewer: selectors.department_list(viewer=viewer).count(), order=30,
        )  # fmt: skip
        registry.home_figure(
            "territories", _("Territories"), "org:territory_list",
            lambda viewer: selectors.territory_list(viewer=viewer).count(), order=40,
        )  # fmt: skip
        registry.importer("employees", "liuke.org.importers:employee_import_run")
