"""Generic list/detail/edit views: every one gets its queryset from core.visibility.

Forbidden reads answer 404 (the record's existence is not revealed); visible records that the
viewer may not change answer 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from . import registry, selectors, visibility
from .forms import apply_service_errors


class ObjectListView(LoginRequiredMixin, ListView):
    paginate_by = 50
    # Find the page's ids first (a query the narrow list indexes answer alone), then load those rows:
    # a company-wide list over wide rows never reads thousands of them for fifty.
    ids_first = False

    def get_queryset(self):
        return visibility.restrict(self.request.user, self.model)

    def paginate_queryset(self, queryset, page_size):
        if not self.ids_first:
            return super().paginate_queryset(queryset, page_size)
        ids = queryset.prefetch_related(None).values_list("pk", flat=True)
        paginator, page, id_page, is_paginated = super().paginate_queryset(ids, page_size)
        wanted = list(id_page)
        rows = {obj.pk: obj for obj in queryset.filter(pk__in=wanted).order_by()}
        page.object_list = [rows[pk] for pk in wanted if pk in rows]
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_add"] = visibility.can(self.request.user, self.model, visibility.ADD)
        return ctx


class ObjectDetailView(LoginRequiredMixin, DetailView):
    page_name: str | None = None  # other apps' cards on this page: core.registry.page_section(page_name, ...)

    def get_queryset(self):
        return visibility.restrict(self.request.user, self.model)

    def get_object(self, queryset=None):
        base = self.model._default_manager.all() if queryset is None else queryset
        base = base.select_related(*self.select_related) if getattr(self, "select_related", ()) else base
        obj = visibility.visible_object(self.request.user, base, self.kwargs.get(self.pk_url_kwarg))
        if obj is None:
            raise Http404
        return obj

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["history"] = selectors.object_history(viewer=self.request.user, obj=self.object)
        ctx["can_change"] = visibility.can(self.request.user, self.object, visibility.CHANGE)
        if self.page_name:
            ctx["sections"] = registry.sections_for_page(self.page_name, self.request.user, self.object)
        return ctx


class ObjectEditView(LoginRequiredMixin, View):
    """Create (no pk) or edit a record through a service; subclasses implement ``save``."""

    model: type[models.Model]
    form_class: Any
    template_name: str
    success_message: Any = None  # "Saved %(name)s." by default

    def get_object(self) -> models.Model | None:
        pk = self.kwargs.get("pk")
        if pk is None:
            visibility.require(self.request.user, self.model, visibility.ADD)
            return None
        obj = visibility.visible_object(self.request.user, self.model, pk)
        if obj is None:
            raise Http404
        if not visibility.can(self.request.user, obj, visibility.CHANGE):
            raise PermissionDenied
        return obj

    def get_form(self, obj, data=None):
        return self.form_class(data=data, instance=obj, viewer=self.request.user)

    def save(self, form, obj):  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def apply_errors(self, form, exc: ValidationError) -> None:
        """Put a service's ValidationError on the form (subclasses map service keys to field names)."""
        apply_service_errors(form, exc)

    def get_extra_context(self, obj) -> dict[str, Any]:
        return {}

    def render_form(self, form, obj, status=200):
        meta = self.model._meta
        return render(
            self.request,
            self.template_name,
            {"form": form, "object": obj, "verbose_name": meta.verbose_name, **self.get_extra_context(obj)},
            status=status,
        )

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_form(self.get_form(obj), obj)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.get_form(obj, data=request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    saved = self.save(form, obj)
                    # The saved record must still be one the editor may see (NetBox's re-check).
                    if not visibility.can(request.user, saved):
                        raise PermissionDenied
            except ValidationError as exc:
                self.apply_errors(form, exc)
            else:
                messages.success(request, (self.success_message or _("Saved %(name)s.")) % {"name": saved})
                return HttpResponseRedirect(saved.get_absolute_url())
        return self.render_form(form, obj, status=400)
