"""Navigation: the entries apps registered, each shown to the viewers core.visibility lets through."""

from django.urls import reverse

from liuke.core import registry
from liuke.core.visibility import scope_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = [
        {"label": entry.label, "url": reverse(entry.url_name), "active": current == entry.url_name}
        for entry in registry.menu_for(user)
    ]
    employee = getattr(user, "employee", None)
    return {
        "nav_items": items,
        "viewer_scope": scope_for(user),
        "viewer_employee": employee,
        "header_items": registry.header_for(request),
    }
