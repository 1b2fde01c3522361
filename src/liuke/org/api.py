from rest_framework import serializers

from liuke.core.api import VisibleViewSet

from . import services
from .filtersets import EmployeeFilterSet
from .models import Department, Employee, Territory


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "code", "parent", "manager", "depth", "path", "archived_at", "version"]
        read_only_fields = ["depth", "path", "archived_at", "version"]


class EmployeeSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Employee
        fields = [
            "id",
            "employee_no",
            "name",
            "username",
            "department",
            "department_name",
            "role",
            "status",
            "email",
            "phone",
            "hire_date",
            "leave_date",
            "version",
        ]
        read_only_fields = ["version"]


class TerritorySerializer(serializers.ModelSerializer):
    divisions: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Territory
        fields = ["id", "name", "code", "parent", "department", "divisions", "valid_from", "valid_to", "version"]
        read_only_fields = fields


class DepartmentViewSet(VisibleViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_fields = ["parent", "code"]
    search_fields = ["name", "code"]
    ordering = ["path"]

    def create_via_service(self, data):
        return services.department_create(
            name=data["name"], code=data["code"], parent=data.get("parent"), manager=data.get("manager")
        )

    def update_via_service(self, instance, data):
        if "parent" in data and data["parent"] != instance.parent:
            services.department_move(department=instance, parent=data["parent"])
        return services.department_update(
            department=instance,
            name=data.get("name", instance.name),
            code=data.get("code", instance.code),
            manager=data.get("manager", instance.manager),
        )


class EmployeeViewSet(VisibleViewSet):
    queryset = Employee.objects.select_related("user", "department")
    serializer_class = EmployeeSerializer
    filterset_class = EmployeeFilterSet  # the same filters as the employee list
    ordering = ["employee_no"]

    def get_queryset(self):
        return super().get_queryset().select_related("user", "department")

    def create_via_service(self, data):
        fields = {k: v for k, v in data.items() if k in {"email", "phone", "hire_date"}}
        employee = services.employee_hire(
            employee_no=data["employee_no"],
            name=data["name"],
            department=data["department"],
            role=data["role"],
            **fields,
        )
        if data.get("status") or data.get("leave_date"):
            services.employee_update(
                employee=employee, status=data.get("status", employee.status), leave_date=data.get("leave_date")
            )
        return employee

    def update_via_service(self, instance, data):
        data = {k: v for k, v in data.items() if k != "employee_no"}
        return services.employee_update(employee=instance, **data)


class TerritoryViewSet(VisibleViewSet):
    queryset = Territory.objects.all()
    serializer_class = TerritorySerializer
    http_method_names = ["get", "head", "options"]
    filterset_fields = ["department", "parent"]
    search_fields = ["name", "code"]
    ordering = ["code"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("divisions")
