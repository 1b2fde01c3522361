from django import forms
from django.utils.translation import gettext_lazy as _

from liuke.core.forms import DateInput, ServiceForm

from .choices import EmployeeStatus, Role
from .labels import department_labels
from .models import Department, Division, Employee, Territory


def _active_departments():
    return Department.objects.filter(archived_at__isnull=True).order_by("path")


class DepartmentChoiceField(forms.ModelChoiceField):
    """Active departments in tree order, each by its full path (华东大区 / 上海区 / 一组), not a row of 一组."""

    def __init__(self, **kwargs):
        super().__init__(queryset=_active_departments(), **kwargs)
        self._labels: dict[int, str] | None = None

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy._labels = None  # each form computes its own labels
        return copy

    def label_from_instance(self, obj):
        if self._labels is None:
            self._labels = department_labels(self.queryset)
        return self._labels.get(obj.pk, obj.name)


class DepartmentForm(ServiceForm):
    name = forms.CharField(label=_("name"), max_length=100)
    code = forms.CharField(label=_("code"), max_length=50)
    parent = DepartmentChoiceField(label=_("parent"), required=False)
    manager = forms.ModelChoiceField(label=_("manager"), queryset=Employee.objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = Employee.objects.exclude(status=EmployeeStatus.LEFT).order_by("name")


class EmployeeForm(ServiceForm):
    employee_no = forms.CharField(label=_("employee number"), max_length=50)
    name = forms.CharField(label=_("name"), max_length=100)
    department = DepartmentChoiceField(label=_("department"))
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    status = forms.ChoiceField(label=_("status"), choices=EmployeeStatus.choices, initial=EmployeeStatus.ACTIVE)
    email = forms.EmailField(label=_("email"), required=False)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    hire_date = forms.DateField(label=_("hire date"), required=False, widget=DateInput())
    leave_date = forms.DateField(label=_("leave date"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance is not None:
            self.fields["employee_no"].disabled = True  # the number identifies the person across systems

    def clean(self):
        data = super().clean()
        if data.get("status") == EmployeeStatus.LEFT and not data.get("leave_date"):
            self.add_error("leave_date", _("An employee who has left needs a leave date."))
        if data.get("hire_date") and data.get("leave_date") and data["leave_date"] < data["hire_date"]:
            self.add_error("leave_date", _("The leave date cannot be before the hire date."))
        if self.instance is None and Employee.objects.filter(employee_no=data.get("employee_no")).exists():
            self.add_error("employee_no", _("This employee number is already taken."))
        return data


class TerritoryForm(ServiceForm):
    name = forms.CharField(label=_("name"), max_length=100)
    code = forms.CharField(label=_("code"), max_length=50)
    parent = forms.ModelChoiceField(label=_("parent"), queryset=Territory.objects.none(), required=False)
    department = DepartmentChoiceField(label=_("department"), required=False)
    division_codes = forms.CharField(
        label=_("divisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("GB/T 2260 codes separated by spaces or commas, e.g. 310000 320100 330106."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Territory.objects.filter(archived_at__isnull=True)

    def initial_from(self, instance):
        initial = super().initial_from(instance)
        initial["division_codes"] = " ".join(instance.divisions.values_list("code", flat=True))
        return initial

    def clean_division_codes(self):
        codes = [c for c in self.cleaned_data["division_codes"].replace(",", " ").replace("，", " ").split() if c]
        found = {d.code: d for d in Division.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(_("Unknown division codes: %(codes)s") % {"codes": ", ".join(unknown)})
        abolished = [c for c in codes if found[c].status != "active"]
        if abolished:
            hints = ", ".join(f"{c} → {found[c].successor_id or '?'}" for c in abolished)
            raise forms.ValidationError(_("These codes are no longer in use: %(codes)s") % {"codes": hints})
        return list(found.values())
