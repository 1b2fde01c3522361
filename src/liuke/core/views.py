from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors, visibility


@login_required
def home(request):
    from liuke.customers.selectors import customer_list
    from liuke.org import selectors as org

    viewer = request.user
    scope = visibility.scope_for(viewer)
    stats = {
        "customers": customer_list(viewer=viewer).count(),
        "employees": org.employee_list(viewer=viewer).count(),
        "departments": org.department_list(viewer=viewer).count(),
        "territories": org.territory_list(viewer=viewer).count(),
    }
    team = org.team_overview(viewer=viewer) if scope.role == "manager" else []
    return render(request, "core/home.html", {"stats": stats, "team": team})


@login_required
def changelog_list(request):
    qs = selectors.changelog_list(viewer=request.user)
    model = request.GET.get("model", "")
    if model:
        app_label, _, name = model.partition(".")
        qs = qs.filter(content_type__app_label=app_label, content_type__model=name)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/changelog_list.html", {"page": page, "model": model})
