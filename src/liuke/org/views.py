from django.http import Http404
from django.shortcuts import render

from liuke.core.generic import ObjectDetailView, ObjectEditView, ObjectListView

from . import selectors, services
from .choices import EmployeeStatus, Role
from .filtersets import DivisionFilterSet, EmployeeFilterSet
from .forms import DepartmentForm, EmployeeForm, TerritoryForm
from .models import Department, Employee, Territory


class DepartmentListView(ObjectListView):
    model = Department
    paginate_by = 0  # the whole tree on one page
    template_name = "org/department_list.html"

    def get_queryset(self):
        return selectors.department_list(viewer=self.request.user)


class DepartmentDetailView(ObjectDetailView):
    model = Department
    template_name = "org/department_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        viewer, dept = self.request.user, self.object
        ctx["subtree"] = selectors.department_subtree(viewer=viewer, department=dept)
        ctx["members"] = selectors.employee_list(viewer=viewer, department=dept)[:200]
        ctx["territories"] = selectors.territory_list(viewer=viewer).filter(department=dept)
        ctx["ancestors"] = Department.objects.filter(
            pk__in=[int(p) for p in dept.path.strip("/").split("/")[:-1]]
        ).order_by("depth")
        return ctx


class DepartmentEditView(ObjectEditView):
    model = Department
    form_class = DepartmentForm
    template_name = "core/object_edit.html"

    def save(self, form, obj):
        data = form.cleaned_data
        if obj is None:
            return services.department_create(
                name=data["name"], code=data["code"], parent=data["parent"], manager=data["manager"]
            )
        if obj.parent_id != getattr(data["parent"], "pk", None):
            services.department_move(department=obj, parent=data["parent"])
        return services.department_update(department=obj, name=data["name"], code=data["code"], manager=data["manager"])


class EmployeeListView(ObjectListView):
    model = Employee
    template_name = "org/employee_list.html"

    def get_queryset(self):
        base = selectors.employee_list(viewer=self.request.user, include_left=True)
        self.filterset = EmployeeFilterSet(self.request.GET, queryset=base, request=self.request)
        qs = self.filterset.qs
        return qs if self.filterset.include_left else qs.exclude(status=EmployeeStatus.LEFT)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["roles"] = Role.choices
        ctx["statuses"] = EmployeeStatus.choices
        ctx["departments"] = selectors.department_list(viewer=self.request.user)
        return ctx


class EmployeeDetailView(ObjectDetailView):
    model = Employee
    template_name = "org/employee_detail.html"
    page_name = "employee"

    select_related = ("department", "department__manager", "user")


class EmployeeEditView(ObjectEditView):
    model = Employee
    form_class = EmployeeForm
    template_name = "core/object_edit.html"

    def save(self, form, obj):
        data = dict(form.cleaned_data)
        if obj is None:
            employee = services.employee_hire(
                employee_no=data["employee_no"],
                name=data["name"],
                department=data["department"],
                role=data["role"],
                email=data["email"],
                phone=data["phone"],
                hire_date=data["hire_date"],
            )
            if data["status"] != EmployeeStatus.ACTIVE:
                services.employee_update(employee=employee, status=data["status"], leave_date=data["leave_date"])
            return employee
        data.pop("employee_no")
        return services.employee_update(employee=obj, **data)


class TerritoryListView(ObjectListView):
    model = Territory
    paginate_by = 100
    template_name = "org/territory_list.html"

    def get_queryset(self):
        return selectors.territory_list(viewer=self.request.user)


class TerritoryDetailView(ObjectDetailView):
    model = Territory
    template_name = "org/territory_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["divisions"] = self.object.divisions.select_related("parent").order_by("code")
        ctx["children"] = selectors.territory_list(viewer=self.request.user).filter(parent=self.object)
        return ctx


class TerritoryEditView(ObjectEditView):
    model = Territory
    form_class = TerritoryForm
    template_name = "core/object_edit.html"

    def save(self, form, obj):
        data = form.cleaned_data
        if obj is None:
            obj = services.territory_create(
                name=data["name"], code=data["code"], parent=data["parent"], department=data["department"]
            )
        else:
            obj = services.territory_update(
                territory=obj,
                name=data["name"],
                code=data["code"],
                parent=data["parent"],
                department=data["department"],
            )
        return services.territory_set_divisions(territory=obj, divisions=data["division_codes"])


def division_list(request):
    """Browse the GB/T 2260 table: provinces, or the children of one division."""
    filterset = DivisionFilterSet(request.GET, queryset=selectors.division_search(viewer=request.user))
    qs, parent, query = filterset.qs, filterset.parent_division, filterset.values().get("q") or ""
    if filterset.values().get("parent") and parent is None:
        raise Http404
    return render(request, "org/division_list.html", {"divisions": qs[:500], "parent": parent, "q": query})
