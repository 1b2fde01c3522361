from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, serializers

from liuke.core import visibility
from liuke.core.api import VisibleViewSet, _api_error

from . import selectors, services
from .filtersets import CustomerFilterSet
from .models import AccountTeamMember, Contact, ContactKnower, Customer


class CustomerSerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=6)
    division_name = serializers.CharField(source="division.full_name", read_only=True, default=None)
    team_people = serializers.IntegerField(read_only=True, required=False)
    team_roles = serializers.IntegerField(read_only=True, required=False)
    confirm_duplicate = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = Customer
        fields = [
            "id", "code", "name", "short_name", "kind", "grade", "status", "address", "phone", "division",
            "division_code", "division_name", "division_method", "division_confidence", "latitude", "longitude",
            "fields", "completeness", "team_people", "team_roles", "version", "confirm_duplicate", "archived_at",
        ]  # fmt: skip
        read_only_fields = [
            "division",
            "division_method",
            "division_confidence",
            "completeness",
            "version",
            "archived_at",
        ]


class ContactSerializer(serializers.ModelSerializer):
    known_by = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "name",
            "title",
            "purchase_role",
            "department",
            "mobile",
            "phone",
            "wechat",
            "birthday",
            "preferences",
            "notes",
            "is_key",
            "known_by",
            "version",
        ]
        read_only_fields = ["version"]

    def get_known_by(self, obj) -> list[dict]:
        return [
            {"employee": k.employee_id, "familiarity": k.familiarity}
            for k in obj.knowers.all()
            if k.archived_at is None
        ]


class AccountTeamMemberSerializer(serializers.ModelSerializer):
    employee_name = serializers.CharField(source="employee.name", read_only=True)

    class Meta:
        model = AccountTeamMember
        fields = ["id", "customer", "employee", "employee_name", "role", "since", "until", "version"]
        read_only_fields = ["version"]


class CustomerViewSet(VisibleViewSet):
    queryset = Customer.objects.all()
    serializer_class = CustomerSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CustomerFilterSet  # the same filters as the web list and its export

    def get_queryset(self):
        if self.action == "list":
            return selectors.visible_customers(viewer=self.request.user).select_related("division")
        return super().get_queryset().select_related("division")

    def create_via_service(self, data):
        data = dict(data)
        fields, division_code = data.pop("fields", None), data.pop("division_code", None) or None
        confirm = data.pop("confirm_duplicate", False)
        try:
            customer = services.customer_create(
                data=data,
                fields=fields,
                division_code=division_code,
                confirm_duplicate=confirm,
                opened_by=self.request.user,
            )
        except services.DuplicateSuspected as exc:
            raise exceptions.ValidationError(
                {"name": exc.messages, "duplicate_of": exc.existing.code, "hint": "send confirm_duplicate=true"}
            ) from exc
        return customer

    def update_via_service(self, instance, data):
        data = dict(data)
        data.pop("confirm_duplicate", None)
        fields, division_code = data.pop("fields", None), data.pop("division_code", None)
        expected = self.request.data.get("version") if isinstance(self.request.data, dict) else None
        try:
            return services.customer_update(
                customer=instance,
                data=data,
                fields=fields,
                division_code=division_code,
                expected_version=int(expected) if str(expected or "").isdigit() else None,
            )
        except services.EditConflict as exc:
            raise exceptions.ValidationError(
                {"version": f"changed by someone else; the current version is {exc.current.version}"}
            ) from exc


class ContactViewSet(VisibleViewSet):
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    filterset_fields = ["customer", "is_key", "purchase_role"]
    search_fields = ["name", "title", "department", "mobile"]

    def get_queryset(self):
        knowers = ContactKnower.objects.filter(archived_at__isnull=True)
        from django.db.models import Prefetch

        return (
            super()
            .get_queryset()
            .filter(archived_at__isnull=True)
            .prefetch_related(Prefetch("knowers", queryset=knowers))
        )

    def check_create_permission(self) -> None:
        customer = self.request.data.get("customer") if isinstance(self.request.data, dict) else None
        if (
            not str(customer or "").isdigit()
            or not visibility.restrict(self.request.user, Customer, visibility.CHANGE).filter(pk=customer).exists()
        ):
            raise exceptions.PermissionDenied

    def create_via_service(self, data):
        data = dict(data)
        customer = data.pop("customer")
        return services.contact_save(customer=customer, data=data)

    def update_via_service(self, instance, data):
        data = {k: v for k, v in data.items() if k != "customer"}
        return services.contact_save(customer=instance.customer, data=data, contact=instance)


class AccountTeamMemberViewSet(VisibleViewSet):
    """Assign with POST; end a membership by PATCHing ``until``."""

    queryset = AccountTeamMember.objects.select_related("employee")
    serializer_class = AccountTeamMemberSerializer
    filterset_fields = ["customer", "employee", "role"]

    def get_queryset(self):
        return super().get_queryset().select_related("employee")

    def check_create_permission(self) -> None:
        pk = str(self.request.data.get("customer") or "") if isinstance(self.request.data, dict) else ""
        customer = Customer.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
        if customer is None or not visibility.can(self.request.user, customer, visibility.MANAGE_TEAM):
            raise exceptions.PermissionDenied

    def create_via_service(self, data):
        return services.team_assign(
            customer=data["customer"], employee=data["employee"], role=data["role"], since=data.get("since")
        )

    def update_via_service(self, instance, data):
        if set(data) - {"until"}:
            raise exceptions.ValidationError({"detail": "only `until` can change; assign a new member instead"})
        with transaction.atomic():
            try:
                return services.team_unassign(member=instance, until=data.get("until"))
            except DjangoValidationError as exc:
                raise _api_error(exc) from exc
