"""API of record cards, problems and follow-ups: the same visibility and the same services as the pages."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from liuke.core import visibility
from liuke.core.api import VisibleViewSet, _api_error
from liuke.customers.models import Customer
from liuke.org.models import Employee

from . import selectors, services
from .choices import AMENDABLE_FIELDS, FollowUpStatus
from .models import CardAmendment, FollowUp, Problem, RecordCard


def _employee(request) -> Employee:
    employee = selectors.viewer_employee(request.user)
    if employee is None:
        raise exceptions.PermissionDenied("only employees write record cards")
    return employee


def _visible_customer(request, pk) -> Customer:
    customer = visibility.visible_object(request.user, Customer.objects.all(), pk)
    if customer is None:
        raise exceptions.ValidationError({"customer": "no such customer, or not one you may see"})
    return customer


class NextStepSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    due = serializers.DateField()
    owner = serializers.IntegerField(required=False, allow_null=True)


class IntelSerializer(serializers.Serializer):
    competitor = serializers.CharField(max_length=100)
    product = serializers.CharField(max_length=100, required=False, allow_blank=True)
    price = serializers.CharField(max_length=20, required=False, allow_blank=True)
    activity = serializers.CharField(max_length=300, required=False, allow_blank=True)


class AmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = CardAmendment
        fields = ["id", "author", "reason", "changes", "created_at"]


class RecordCardSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    next_steps = NextStepSerializer(many=True, required=False)
    intel = IntelSerializer(many=True, required=False)
    problems_raised = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    colleague_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    contact_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    resolved_problem_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    done_follow_up_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
    submit = serializers.BooleanField(write_only=True, required=False, default=False)
    client_key = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=64)
    amendments = AmendmentSerializer(many=True, read_only=True)
    texts = serializers.SerializerMethodField(help_text="the card's texts as amended")

    class Meta:
        model = RecordCard
        fields = [
            "id", "customer", "author", "occurred_at", "kind", "colleague_ids", "contact_ids", "purpose", "summary",
            "problems_raised", "solutions", "resolved_problem_ids", "done_follow_up_ids", "next_steps",
            "suggestions", "intel", "status", "submitted_at", "backdate_reason", "checkin_lat", "checkin_lng",
            "checkin_accuracy", "distance_m", "far_from_customer", "quality", "quality_items", "amendments",
            "texts", "submit", "client_key", "version",
        ]  # fmt: skip
        read_only_fields = [
            "author", "status", "submitted_at", "distance_m", "far_from_customer", "quality", "quality_items",
            "version",
        ]  # fmt: skip

    def get_texts(self, obj) -> dict[str, str]:
        return services.effective_texts(obj, list(obj.amendments.all()))


class CardFilter(django_filters.FilterSet):
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = RecordCard
        fields = ["customer", "author", "status", "kind", "far_from_customer"]


class RecordCardViewSet(VisibleViewSet):
    """Cards the viewer may see: submitted cards of visible customers, and the viewer's own drafts.
    POST writes a draft (``submit: true`` submits it at once); a submitted card is changed only by
    ``POST /cards/{id}/amend/``."""

    queryset = RecordCard.objects.all()
    serializer_class = RecordCardSerializer
    filterset_class = CardFilter

    def get_queryset(self):
        return (
            selectors.visible_cards(viewer=self.request.user)
            .select_related("customer", "author")
            .prefetch_related("amendments")
            .order_by("-occurred_at", "-id")
        )

    def check_create_permission(self) -> None:
        _employee(self.request)

    def _data(self, data) -> dict:
        data = dict(data)
        for key in ("customer", "submit", "client_key"):
            data.pop(key, None)
        return data

    def create_via_service(self, data):
        author = _employee(self.request)
        customer = _visible_customer(self.request, data["customer"].pk)
        key = data.get("client_key") or None
        if data.get("submit"):
            return services.card_record(author=author, customer=customer, data=self._data(data), client_key=key)
        return services.card_save_draft(author=author, customer=customer, data=self._data(data), client_key=key)

    def update_via_service(self, instance, data):
        author = _employee(self.request)
        customer = instance.customer
        if "customer" in data and data["customer"].pk != instance.customer_id:
            customer = _visible_customer(self.request, data["customer"].pk)
        card = services.card_save_draft(author=author, customer=customer, data=self._data(data), card=instance)
        if data.get("submit"):
            card = services.card_submit(card=card, author=author)
        return card

    def _run(self, fn):
        with transaction.atomic():
            try:
                return fn()
            except DjangoValidationError as exc:
                raise _api_error(exc) from exc

    @extend_schema(request=None, responses=RecordCardSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        card = self.get_object()
        card = self._run(lambda: services.card_submit(card=card, author=_employee(request)))
        return Response(self.get_serializer(card).data)

    @extend_schema(
        request=inline_serializer(
            "CardAmendRequest",
            {"reason": serializers.CharField(), "changes": serializers.DictField(child=serializers.CharField())},
        ),
        responses=AmendmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        card = self.get_object()  # visible; the service checks the author
        changes = request.data.get("changes") or {}
        if not isinstance(changes, dict) or set(changes) - set(AMENDABLE_FIELDS):
            raise exceptions.ValidationError({"changes": f"an object with some of {', '.join(AMENDABLE_FIELDS)}"})
        amendment = self._run(
            lambda: services.card_amend(
                card=card, author=_employee(request), changes=changes, reason=request.data.get("reason", "")
            )
        )
        return Response(AmendmentSerializer(amendment).data, status=201)


class ProblemSerializer(serializers.ModelSerializer):
    age_days = serializers.IntegerField(read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id", "customer", "card", "description", "status", "owner", "raised_on", "resolved_by", "resolved_on",
            "note", "age_days", "version",
        ]  # fmt: skip
        read_only_fields = [
            "customer", "card", "description", "owner", "raised_on", "resolved_by", "resolved_on", "version",
        ]  # fmt: skip


class ProblemViewSet(VisibleViewSet):
    """Problems raised on cards. PATCH ``status`` (with a ``note`` to resolve or close by hand)."""

    queryset = Problem.objects.select_related("owner").order_by("raised_on", "id")
    serializer_class = ProblemSerializer
    filterset_fields = ["customer", "status", "owner"]

    def update_via_service(self, instance, data):
        return services.problem_set_status(
            problem=instance, status=data.get("status", instance.status), note=data.get("note", "")
        )


class FollowUpSerializer(serializers.ModelSerializer):
    overdue_days = serializers.IntegerField(read_only=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.all(), required=False)

    class Meta:
        model = FollowUp
        fields = [
            "id", "customer", "card", "description", "owner", "due", "status", "done_by", "done_on", "note",
            "overdue_days", "version",
        ]  # fmt: skip
        read_only_fields = ["card", "done_by", "done_on", "version"]


class FollowUpFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = FollowUp
        fields = ["customer", "owner", "status"]

    def filter_overdue(self, qs, name, value):
        from django.utils import timezone

        if value:
            return qs.filter(status=FollowUpStatus.OPEN, due__lt=timezone.localdate())
        return qs


class FollowUpViewSet(VisibleViewSet):
    """Follow-ups (next steps). POST adds one by hand; PATCH ``status`` done or cancelled closes it."""

    queryset = FollowUp.objects.select_related("owner").order_by("due", "id")
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter

    def check_create_permission(self) -> None:
        _employee(self.request)

    def create_via_service(self, data):
        customer = _visible_customer(self.request, data["customer"].pk)
        owner = data.get("owner") or _employee(self.request)
        return services.follow_up_create(
            customer=customer, owner=owner, description=data.get("description", ""), due=data["due"]
        )

    def update_via_service(self, instance, data):
        return services.follow_up_close(
            follow_up=instance, status=data.get("status", FollowUpStatus.DONE), note=data.get("note", "")
        )
