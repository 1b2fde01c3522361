"""API of notifications: your own preferences (GET/PATCH) and your notifications (list, mark read)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from liuke.core import visibility
from liuke.core.api import VisibleViewSet

from . import notify, services
from .models import Notification, NotificationPreference
from .notify_filtersets import NotificationFilterSet


class NotificationPreferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationPreference
        fields = ["id", "in_app", "email", "digest", "min_severity", "language"]
        read_only_fields = ["id"]


class NotificationPreferenceViewSet(VisibleViewSet):
    """Your notification preference. ``/me/`` answers even before you ever saved one (the defaults)."""

    queryset = NotificationPreference.objects.all()
    serializer_class = NotificationPreferenceSerializer
    http_method_names = ["get", "patch", "head", "options"]
    filter_backends: list = []

    def get_queryset(self):
        return super().get_queryset().order_by("pk")

    def _save(self, pref: NotificationPreference, data: dict) -> NotificationPreference:
        try:
            return services.preference_save(
                user=self.request.user,
                in_app=data.get("in_app", pref.in_app),
                email=data.get("email", pref.email),
                digest=data.get("digest", pref.digest),
                min_severity=data.get("min_severity", pref.min_severity),
                language=data.get("language", pref.language),
            )
        except services.AlertError as exc:
            raise serializers.ValidationError({"detail": str(exc)}) from exc

    def update_via_service(self, instance, data):
        return self._save(instance, data)

    @extend_schema(request=NotificationPreferenceSerializer, responses=NotificationPreferenceSerializer)
    @action(detail=False, methods=["get", "patch"])
    def me(self, request):
        if not visibility.can(request.user, NotificationPreference):
            self.permission_denied(request)
        pref = services.preference_for(request.user)
        if request.method == "PATCH":
            serializer = self.get_serializer(pref, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            pref = self._save(pref, serializer.validated_data)
        return Response(self.get_serializer(pref).data)


class NotificationSerializer(serializers.ModelSerializer):
    alert_title = serializers.CharField(source="alert.title", read_only=True)
    severity = serializers.CharField(source="alert.severity", read_only=True)
    alert_url = serializers.CharField(source="alert.get_absolute_url", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "alert", "alert_title", "severity", "alert_url", "reason", "created_at", "read_at"]
        read_only_fields = fields


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your notifications, newest first (``?unread=true`` for the unread ones); mark one or all read."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    search_fields: list[str] = []
    ordering_fields: list[str] = []

    def get_queryset(self):
        return notify.notifications_for(viewer=self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        found = notify.notification_open(viewer=request.user, pk=pk)
        if found is None:
            from django.http import Http404

            raise Http404
        found.refresh_from_db()
        return Response(self.get_serializer(found).data)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notify.notifications_mark_read(viewer=request.user)})
