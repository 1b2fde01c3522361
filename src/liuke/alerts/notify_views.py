"""Notification pages: the bell's list, a person's preferences, the group robots (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from liuke.core import visibility
from liuke.core.forms import apply_service_errors
from liuke.core.generic import ObjectEditView, ObjectListView
from liuke.core.history import list_text

from . import notify, registry, services
from .choices import DeliveryStatus
from .models import Notification, NotificationPreference, WebhookTarget
from .notify_filtersets import NotificationFilterSet
from .notify_forms import PreferenceForm, WebhookForm

MENU_SIZE = 8  # notifications in the bell's drop-down


class NotificationListView(ObjectListView):
    model = Notification
    template_name = "alerts/notify/notification_list.html"
    paginate_by = 30

    def get_queryset(self):
        self.filterset = NotificationFilterSet(
            self.request.GET, queryset=notify.notifications_for(viewer=self.request.user)
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["unread_only"] = self.filterset.values().get("unread") is True
        ctx["has_unread"] = notify.notifications_for(viewer=self.request.user).filter(read_at__isnull=True).exists()
        return ctx


class NotificationMenuView(LoginRequiredMixin, View):
    """The bell's drop-down (loaded when it opens, so pages pay only for the unread count)."""

    def get(self, request):
        recent = list(notify.notifications_for(viewer=request.user)[:MENU_SIZE])
        return render(request, "alerts/notify/_menu.html", {"notifications": recent})


class NotificationOpenView(LoginRequiredMixin, View):
    """Opening an alert from the bell: the notification is read, and the alert's page opens."""

    def get(self, request, pk: int):
        found = notify.notification_open(viewer=request.user, pk=pk)
        if found is None:
            raise Http404
        if not visibility.can(request.user, found.alert):
            messages.info(request, _("You can no longer see this alert."))
            return HttpResponseRedirect(reverse("alerts:notification_list"))
        return HttpResponseRedirect(found.alert.get_absolute_url())


class NotificationReadAllView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        count = notify.notifications_mark_read(viewer=request.user)
        if count:
            messages.success(request, _("All notifications marked read."))
        return HttpResponseRedirect(reverse("alerts:notification_list"))


class PreferenceView(LoginRequiredMixin, View):
    """Your own notification preferences: channels, from which severity, the language of e-mails."""

    template_name = "alerts/notify/preferences.html"

    def _allowed(self, request) -> NotificationPreference:
        if not visibility.can(request.user, NotificationPreference):
            raise PermissionDenied
        return services.preference_for(request.user)

    def render_form(self, request, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "email_address": notify.email_address(request.user),
                "can_see_robots": visibility.can(request.user, WebhookTarget),
            },
            status=status,
        )

    def get(self, request):
        pref = self._allowed(request)
        return self.render_form(request, PreferenceForm(instance=pref, viewer=request.user))

    def post(self, request):
        pref = self._allowed(request)
        form = PreferenceForm(data=request.POST, instance=pref, viewer=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    services.preference_save(
                        user=request.user,
                        in_app=data["in_app"],
                        email=data["email"],
                        digest=data["digest"],
                        min_severity=data["min_severity"],
                        language=data["language"],
                    )
            except services.AlertError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your notification preferences are saved."))
                return HttpResponseRedirect(reverse("alerts:preferences"))
        return self.render_form(request, form, status=400)


class WebhookListView(ObjectListView):
    model = WebhookTarget
    template_name = "alerts/notify/webhook_list.html"

    def get(self, request, *args, **kwargs):
        visibility.require(request.user, WebhookTarget)  # the robots are the admins' (directors read them)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("department").order_by("name", "pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        may_change = visibility.can(self.request.user, WebhookTarget, visibility.CHANGE)  # admins: every robot
        for target in ctx["object_list"]:
            target.may_change = may_change and visibility.can(self.request.user, target, visibility.CHANGE)
            rules = [registry.get(name) for name in target.rules or []]
            target.rule_titles = list_text(str(r.title) if r else "" for r in rules)
        ctx["deliveries"] = notify.recent_deliveries(viewer=self.request.user)
        ctx["failed"] = DeliveryStatus.FAILED
        ctx["sent"] = DeliveryStatus.SENT
        return ctx


class WebhookEditView(ObjectEditView):
    model = WebhookTarget
    form_class = WebhookForm
    template_name = "alerts/notify/webhook_form.html"
    success_message = None

    def save(self, form, obj):
        data = form.cleaned_data
        return notify.webhook_save(
            target=obj,
            name=data["name"],
            kind=data["kind"],
            url=data["url"],
            secret=form.secret_value(),
            department=data["department"],
            min_severity=data["min_severity"],
            rules=data["rules"],
            enabled=data["enabled"],
        )

    def apply_errors(self, form, exc: ValidationError) -> None:
        apply_service_errors(form, exc)


class WebhookTestView(LoginRequiredMixin, View):
    """Send a test message to a robot now, and say what happened."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        target = visibility.visible_object(request.user, WebhookTarget, pk)
        if target is None:
            raise Http404
        if not visibility.can(request.user, target, visibility.CHANGE):
            raise PermissionDenied
        delivery = notify.webhook_test(target=target, user=request.user)
        if delivery.status == DeliveryStatus.SENT:
            messages.success(request, _("The test message reached %(name)s.") % {"name": target.name})
        else:
            messages.error(
                request,
                _("The test message did not reach %(name)s: %(error)s")
                % {"name": target.name, "error": delivery.last_error},
            )
        return HttpResponseRedirect(reverse("alerts:webhook_list"))
