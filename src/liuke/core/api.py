"""API base: viewsets take their queryset from core.visibility, writes go through services."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import exceptions, viewsets

from . import visibility


def _api_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    """A service's validation error, as the API's 400 answer."""
    return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class VisibleViewSet(viewsets.ModelViewSet):
    """Reads follow the visibility rule (forbidden → 404); writes need the CHANGE rule (→ 403)."""

    http_method_names = ["get", "post", "patch", "head", "options"]  # no DELETE: records are archived

    def get_queryset(self):
        return visibility.restrict(self.request.user, self.queryset.all())

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not visibility.can(
            request.user, obj, visibility.CHANGE
        ):
            raise exceptions.PermissionDenied

    def check_create_permission(self) -> None:
        if not visibility.can(self.request.user, self.get_queryset().model, visibility.ADD):
            raise exceptions.PermissionDenied

    def perform_create(self, serializer):
        self.check_create_permission()
        with transaction.atomic():
            try:
                serializer.instance = self.create_via_service(serializer.validated_data)
            except DjangoValidationError as exc:
                raise _api_error(exc) from exc

    def perform_update(self, serializer):
        with transaction.atomic():
            try:
                serializer.instance = self.update_via_service(serializer.instance, serializer.validated_data)
            except DjangoValidationError as exc:
                raise _api_error(exc) from exc
            if not visibility.can(self.request.user, serializer.instance):
                raise exceptions.PermissionDenied

    def create_via_service(self, data):
        raise exceptions.MethodNotAllowed(self.request.method)

    def update_via_service(self, instance, data):
        raise exceptions.MethodNotAllowed(self.request.method)
