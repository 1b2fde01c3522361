"""The alerts API: the INTERFACES.md ALERT document, the inbox's filters, the lifecycle as POST actions, and the
rules' settings. The same visibility and the same services as the pages (a step that cannot be taken: 400
with the reason; an alert the caller may see but not work on: 403; one they may not see: 404)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from liuke.core import visibility
from liuke.core.api import VisibleViewSet
from liuke.customers.selectors import employees_for_assignment
from liuke.org.choices import EmployeeStatus
from liuke.org.models import Employee

from . import registry, selectors, services
from .choices import AlertStatus, Area, Severity
from .exports import alert_document
from .filtersets import AlertFilterSet
from .models import Alert, AlertNote, RuleSetting

# --- alerts ----------------------------------------------------------------------------------------------------


class SubjectSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["customer", "employee"])
    code = serializers.CharField(help_text="customer code or employee number")


class AlertSerializer(serializers.Serializer):
    """One ALERT of INTERFACES.md (``liuke alerts --format json`` gives the same)."""

    id = serializers.IntegerField()
    rule = serializers.CharField(help_text="stable machine name, e.g. cross_region")
    severity = serializers.ChoiceField(choices=Severity.values)
    status = serializers.ChoiceField(choices=AlertStatus.values)
    title = serializers.CharField(help_text="in the request's language")
    subject = SubjectSerializer(allow_null=True)
    opened_at = serializers.DateTimeField()
    assignee = serializers.CharField(allow_null=True, help_text="employee number")
    evidence = serializers.ListField(
        child=serializers.DictField(),
        help_text="records a person can look up: flow lines by file and row, sell-in by doc_no, customers by "
        "code, employees by employee_no",
    )
    evidence_count = serializers.IntegerField(help_text="records behind the alert (evidence lists the first ones)")

    def to_representation(self, instance: Alert) -> dict[str, Any]:
        return alert_document(instance)


class StepSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class JudgeSerializer(serializers.Serializer):
    resolution = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="how it was resolved, or why it is dismissed"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        allow_null=True, max_length=50, help_text='employee number, "me", or null to take the alert from its assignee'
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    text = serializers.CharField(max_length=2000)
    # The alert's status before and after a step (empty for a remark); one enum of statuses in the schema.
    status_from = serializers.CharField(read_only=True, help_text="an alert status, or empty for a remark")
    status_to = serializers.CharField(read_only=True, help_text="an alert status, or empty for a remark")

    class Meta:
        model = AlertNote
        fields = ["id", "author", "status_from", "status_to", "text", "created_at"]
        read_only_fields = ["id", "author", "status_from", "status_to", "created_at"]

    def get_author(self, obj: AlertNote) -> str | None:
        employee = getattr(obj.author, "employee", None) if obj.author_id else None
        return employee.employee_no if employee is not None else (obj.author.get_username() if obj.author else None)


_ERROR = inline_serializer("AlertError", {"detail": serializers.CharField()})


def _step_schema(request, summary: str):
    return extend_schema(
        request=request,
        responses={200: AlertSerializer, 400: OpenApiResponse(_ERROR, description="the step cannot be taken")},
        summary=summary,
    )


@extend_schema_view(
    list=extend_schema(summary="Alerts the caller may see (those that need attention unless status says otherwise)"),
    retrieve=extend_schema(summary="One alert"),
)
class AlertViewSet(VisibleViewSet):
    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    filter_backends = [DjangoFilterBackend]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return selectors.alert_list(viewer=self.request.user).order_by("-opened_at", "-pk")

    def filter_queryset(self, queryset):
        if self.action != "list":  # one alert is found by its id whatever its status
            return queryset
        return super().filter_queryset(queryset)

    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method)  # screening opens alerts, people never do

    def _changeable(self) -> Alert:
        alert = self.get_object()
        if not visibility.can(self.request.user, alert, visibility.CHANGE):
            raise exceptions.PermissionDenied
        return alert

    def _answer(self, alert: Alert) -> Response:
        alert = selectors.alert_get(viewer=self.request.user, pk=alert.pk) or alert
        return Response(AlertSerializer(alert).data)

    def _step(self, request, status: str, judged: bool = False) -> Response:
        alert = self._changeable()
        body = (JudgeSerializer if judged else StepSerializer)(data=request.data)
        body.is_valid(raise_exception=True)
        note = body.validated_data.get("note", "")
        resolution = body.validated_data.get("resolution", "") if judged else ""
        try:
            with transaction.atomic():
                services.alert_step(alert=alert, user=request.user, status=status, note=note, resolution=resolution)
        except services.AlertError as exc:
            raise exceptions.ValidationError({"detail": str(exc)}) from exc
        return self._answer(alert)

    @_step_schema(StepSerializer, "Acknowledge: somebody has seen it")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._step(request, AlertStatus.ACKNOWLEDGED)

    @_step_schema(StepSerializer, "Start investigating (the caller becomes the assignee when there is none)")
    @action(detail=True, methods=["post"])
    def investigate(self, request, pk=None):
        return self._step(request, AlertStatus.INVESTIGATING)

    @_step_schema(JudgeSerializer, "Resolve, saying how")
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._step(request, AlertStatus.RESOLVED, judged=True)

    @_step_schema(JudgeSerializer, "Dismiss, saying why (it stays dismissed until its evidence changes)")
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._step(request, AlertStatus.DISMISSED, judged=True)

    @_step_schema(StepSerializer, "Reopen a closed alert")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._step(request, AlertStatus.OPEN)

    @_step_schema(AssignSerializer, "Give the alert to someone (yourself always; others when you manage it)")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        alert = self._changeable()
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        wanted = body.validated_data.get("assignee")
        assignee: Employee | None = None
        if wanted == "me":
            assignee = getattr(request.user, "employee", None)
            if assignee is None:
                raise exceptions.ValidationError({"detail": "only an employee can take alerts"})
        elif wanted:
            assignee = (
                employees_for_assignment(viewer=request.user).filter(employee_no=wanted).first()
                or Employee.objects.filter(employee_no=wanted, user=request.user).first()
            )
            if assignee is None:
                raise exceptions.ValidationError({"assignee": f"no employee {wanted} that you may assign to"})
        try:
            with transaction.atomic():
                services.alert_assign(
                    alert=alert, user=request.user, assignee=assignee, note=body.validated_data.get("note", "")
                )
        except services.AlertError as exc:
            raise exceptions.ValidationError({"detail": str(exc)}) from exc
        return self._answer(alert)

    @extend_schema(methods=["get"], request=None, responses=NoteSerializer(many=True), summary="The notes and steps")
    @extend_schema(
        methods=["post"],
        request=inline_serializer("AlertNoteText", {"text": serializers.CharField(max_length=2000)}),
        responses={201: NoteSerializer, 400: OpenApiResponse(_ERROR)},
        summary="Add a note",
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def notes(self, request, pk=None):
        if request.method == "GET":
            alert = self.get_object()
            return Response(NoteSerializer(selectors.alert_notes(viewer=request.user, alert=alert), many=True).data)
        alert = self._changeable()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                note = services.alert_note_add(alert=alert, user=request.user, text=body.validated_data["text"])
        except services.AlertError as exc:
            raise exceptions.ValidationError({"detail": str(exc)}) from exc
        return Response(NoteSerializer(note).data, status=201)


# --- the rules' settings ---------------------------------------------------------------------------------------


class ThresholdSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    default = serializers.CharField()
    value = serializers.CharField(help_text="the current value (the default unless an admin changed it)")


class RuleSerializer(serializers.Serializer):
    rule = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    area = serializers.ChoiceField(choices=Area.values, read_only=True)
    info_only = serializers.BooleanField(read_only=True)
    info_reason = serializers.CharField(read_only=True)
    enabled = serializers.BooleanField(required=False)
    severity = serializers.ChoiceField(
        choices=["", *Severity.values], required=False, help_text='"" (or absent): the rule\'s own'
    )
    default_severity = serializers.CharField(read_only=True)
    thresholds = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="threshold key → value (empty: the default)",
    )
    threshold_list = ThresholdSerializer(many=True, read_only=True)
    watchers = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="employee numbers who see every alert of the rule"
    )


def _rule_document(rule: registry.Rule, setting: RuleSetting | None, numbers: dict[int, str]) -> dict[str, Any]:
    params = (setting.params if setting else {}) or {}
    return {
        "rule": rule.name,
        "title": str(rule.title),
        "description": str(rule.description),
        "area": rule.area,
        "info_only": rule.info_only,
        "info_reason": str(rule.info_reason or ""),
        "enabled": setting.enabled if setting else True,
        "severity": (setting.severity if setting else "") or "",
        "default_severity": "info" if rule.info_only else rule.severity,
        "thresholds": {t.key: str(params.get(t.key, "")) for t in rule.thresholds},
        "threshold_list": [
            {
                "key": t.key,
                "label": str(t.label),
                "default": str(t.default),
                "value": str(params.get(t.key) or t.default),
            }
            for t in rule.thresholds
        ],
        "watchers": [numbers[i] for i in ((setting.watcher_ids if setting else []) or []) if i in numbers],
    }


class RuleSettingViewSet(viewsets.ViewSet):
    """Every registered rule with its settings; admins change them (``PATCH``)."""

    lookup_field = "rule"
    lookup_value_regex = "[a-z0-9_]+"
    serializer_class = RuleSerializer

    def _require(self, action_name: str = visibility.VIEW) -> None:
        if not visibility.can(self.request.user, RuleSetting, action_name):
            raise exceptions.PermissionDenied

    def _documents(self, rules: list[registry.Rule]) -> list[dict[str, Any]]:
        settings = {s.rule: s for s in RuleSetting.objects.filter(rule__in=[r.name for r in rules])}
        ids = {i for s in settings.values() for i in (s.watcher_ids or [])}
        numbers = dict(Employee.objects.filter(pk__in=ids).values_list("pk", "employee_no")) if ids else {}
        return [_rule_document(r, settings.get(r.name), numbers) for r in rules]

    def _rule(self, name: str) -> registry.Rule:
        rule = registry.get(name)
        if rule is None:
            raise exceptions.NotFound
        return rule

    @extend_schema(responses=RuleSerializer(many=True), summary="Every rule and its settings")
    def list(self, request):
        self._require()
        return Response(self._documents(registry.all_rules()))

    @extend_schema(responses=RuleSerializer, summary="One rule and its settings")
    def retrieve(self, request, rule=None):
        self._require()
        return Response(self._documents([self._rule(rule)])[0])

    @extend_schema(
        request=RuleSerializer,
        responses={200: RuleSerializer, 400: OpenApiResponse(_ERROR)},
        summary="Change a rule's settings (admins)",
    )
    def partial_update(self, request, rule=None):
        self._require(visibility.CHANGE)
        definition = self._rule(rule)
        body = RuleSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        current = self._documents([definition])[0]
        numbers = d.get("watchers", current["watchers"])
        found = dict(
            Employee.objects.filter(employee_no__in=numbers)
            .exclude(status=EmployeeStatus.LEFT)
            .values_list("employee_no", "pk")
        )
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise exceptions.ValidationError({"watchers": f"no current employee numbered {', '.join(unknown)}"})
        try:
            with transaction.atomic():
                services.rule_setting_save(
                    rule=definition.name,
                    enabled=d.get("enabled", current["enabled"]),
                    severity=d.get("severity", current["severity"]),
                    params={**current["thresholds"], **d.get("thresholds", {})},
                    watcher_ids=[found[n] for n in numbers],
                )
        except services.AlertError as exc:
            raise exceptions.ValidationError({"detail": str(exc)}) from exc
        return Response(self._documents([definition])[0])
