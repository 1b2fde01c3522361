from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import registry, selectors, visibility
from .filtersets import ChangeLogFilterSet
from .models import ChangeLogEntry


@login_required
def home(request):
    """Each app's figures and sections for this viewer (``liuke.core.registry``)."""
    viewer = request.user
    figures = [
        {"key": f.key, "label": f.label, "url_name": f.url_name, "value": f.count(viewer)}
        for f in registry.figures_for(viewer)
    ]
    return render(request, "core/home.html", {"figures": figures, "sections": registry.sections_for(viewer)})


@login_required
def changelog_list(request):
    visibility.require(request.user, ChangeLogEntry)  # those who oversee the log (core.policies)
    filterset = ChangeLogFilterSet(request.GET, queryset=selectors.changelog_list(viewer=request.user))
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/changelog_list.html", {"page": page})
