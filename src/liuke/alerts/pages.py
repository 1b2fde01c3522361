"""How the inbox plugs into the site: URLs, menu, API, the home figure, ``liuke export alerts`` and the alert
cards on the customer, distributor and employee pages (each shows the subject's open alerts, or nothing)."""

from __future__ import annotations

from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from liuke.core import registry, visibility


def _section(alerts: list, *, about: Any, more_url: str) -> registry.Section | None:
    if not alerts:
        return None
    from .views import SEVERITY_STYLE

    for a in alerts:
        a.severity_style = SEVERITY_STYLE.get(a.severity, "secondary")
    return registry.Section(
        template="alerts/_section.html",
        context={"alerts": alerts, "about": about, "more_url": more_url},
        column="main",
        order=5,
    )


SECTION_LIMIT = 10


def customer_alerts(viewer: Any, customer: Any) -> registry.Section | None:
    """The customer's (or, for a distributor, its channel's) open alerts."""
    from django.urls import reverse

    from . import selectors

    alerts = selectors.alerts_about_customer(viewer=viewer, customer_id=customer.pk, limit=SECTION_LIMIT + 1)
    return _section(alerts, about=customer, more_url=reverse("alerts:alert_list") + f"?customer={customer.pk}")


def employee_alerts(viewer: Any, employee: Any) -> registry.Section | None:
    """Open alerts about the employee or assigned to them."""
    from django.urls import reverse

    from . import selectors

    alerts = selectors.alerts_about_employee(viewer=viewer, employee_id=employee.pk, limit=SECTION_LIMIT + 1)
    return _section(alerts, about=employee, more_url=reverse("alerts:alert_list") + f"?employee={employee.pk}")


def open_alert_count(viewer: Any) -> int:
    from . import selectors

    return selectors.live_alerts(viewer=viewer).count()


def alert_export(*, viewer: Any, fmt: str, out: IO[bytes], filterset: Any = None):
    """Export the alerts ``viewer`` may see (every one for the system, the live ones unless a filter says
    otherwise) through core.exports: logged, with the filters used."""
    from liuke.core.exports import export_write

    from . import selectors
    from .exports import columns, export_rows
    from .filtersets import AlertFilterSet

    base = selectors.alert_list(viewer=viewer)
    if filterset is None:
        filterset = AlertFilterSet({}, queryset=base)
    rows = export_rows(filterset.qs.iterator(chunk_size=2000))
    filters = {k: v for k, v in filterset.values().items() if v not in (None, "", False)}
    return export_write(kind="alerts", columns=columns(), rows=rows, fmt=fmt, out=out, filters=filters)


def register() -> None:
    from .models import Alert

    registry.urls("alerts/", "liuke.alerts.urls")
    registry.api("alerts", "liuke.alerts.api:AlertViewSet")
    registry.api("alert-rules", "liuke.alerts.api:RuleSettingViewSet", basename="alert-rule")
    registry.menu(
        _("Alerts"), "alerts:alert_list", order=15, allowed=lambda u: visibility.can(u, Alert, visibility.VIEW)
    )
    registry.home_figure(
        "alerts",
        _("Open alerts"),
        "alerts:alert_list",
        open_alert_count,
        order=5,
        allowed=lambda u: visibility.can(u, Alert, visibility.VIEW),
    )
    registry.exporter("alerts", "liuke.alerts.pages:alert_export")
    registry.page_section("customer", customer_alerts)
    registry.page_section("distributor", customer_alerts)
    registry.page_section("employee", employee_alerts)
