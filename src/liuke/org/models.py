"""Departments (a tree of any depth), employees, administrative divisions and territories."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from liuke.core.models import BusinessModel

from .choices import DivisionLevel, DivisionStatus, EmployeeStatus, Role


class Department(BusinessModel):
    """A node of the org tree: company → region → district → team, any depth."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    manager = models.ForeignKey(
        "org.Employee",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_departments",
    )
    # Materialised path of zero-padded primary keys, e.g. "/0000001/0000004/": subtree = path__startswith.
    path = models.CharField(max_length=500, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    changelog_exclude = ("path", "depth")

    class Meta:
        ordering = ("path",)
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="org_department_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:department_detail", args=[self.pk])


class Employee(BusinessModel):
    """A member of staff; one login each."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employee")
    employee_no = models.CharField(_("employee number"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="employees"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)
    status = models.CharField(_("status"), max_length=16, choices=EmployeeStatus.choices, default=EmployeeStatus.ACTIVE)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    leave_date = models.DateField(_("leave date"), null=True, blank=True)

    class Meta:
        ordering = ("employee_no",)
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        indexes = [models.Index(fields=["department", "status"], name="org_employee_dept_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_no})"

    def get_absolute_url(self) -> str:
        return reverse("org:employee_detail", args=[self.pk])


class Division(models.Model):
    """A GB/T 2260 administrative division (reference data shipped with liuke, not edited)."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=60)
    full_name = models.CharField(_("full name"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    status = models.CharField(_("status"), max_length=10, choices=DivisionStatus.choices)
    successor = models.ForeignKey(
        "self", verbose_name=_("successor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("code",)
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"

    @property
    def code_prefix(self) -> str:
        """The code digits shared by everything under this division (GB/T 2260 is hierarchical)."""
        if self.level == DivisionLevel.PROVINCE:
            return self.code[:2]
        if self.level == DivisionLevel.CITY:
            return self.code[:4]
        return self.code


class Territory(BusinessModel):
    """A sales territory: a tree node owning a set of administrative divisions."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="territories",
    )
    divisions = models.ManyToManyField(Division, verbose_name=_("divisions"), blank=True, related_name="territories")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ("code",)
        verbose_name = _("territory")
        verbose_name_plural = _("territories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:territory_detail", args=[self.pk])
