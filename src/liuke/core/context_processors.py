"""Navigation by role: each entry names the roles that see it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liuke.core.visibility import scope_for

NAV = [
    # (label, url name, roles or None for everyone)
    (_("Home"), "home", None),
    (_("My day"), "interactions:my_day", {"rep", "manager"}),
    (_("Customers"), "customers:customer_list", None),
    (_("Follow-ups"), "interactions:follow_up_list", None),
    (_("Visit plan"), "interactions:plan", {"rep"}),
    (_("Planned vs actual"), "interactions:plan_team", {"manager", "director", "admin"}),
    (_("Channel"), "channel:distributor_list", None),
    (_("Departments"), "org:department_list", None),
    (_("Employees"), "org:employee_list", None),
    (_("Territories"), "org:territory_list", None),
    (_("Archive fields"), "customers:field_list", {"admin"}),
    (_("Change log"), "core:changelog_list", {"admin", "director", "auditor"}),
    (_("API"), "api-docs", None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = []
    for label, name, roles in NAV:
        if roles is not None and scope.role not in roles:
            continue
        items.append({"label": label, "url": reverse(name), "active": current == name})
    employee = getattr(user, "employee", None)
    return {"nav_items": items, "viewer_scope": scope, "viewer_employee": employee}
