"""Every write to the org tree, employees and territories."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from liuke.core import changelog, visibility
from liuke.core.choices import ChangeAction

from . import hooks
from .choices import EmployeeStatus, Role
from .models import Department, Division, Employee, Territory


def _path_for(dept: Department) -> tuple[str, int]:
    # Zero-padded ids keep a path-ordered list in tree order (creation order among siblings).
    if dept.parent_id is None:
        return f"/{dept.pk:07d}/", 0
    parent = dept.parent
    assert parent is not None
    return f"{parent.path}{dept.pk:07d}/", parent.depth + 1


@transaction.atomic
def department_create(
    *, name: str, code: str, parent: Department | None = None, manager: Employee | None = None
) -> Department:
    """Create a department under ``parent`` (``None`` for a root, such as the company itself)."""
    dept = Department(name=name, code=code, parent=parent, manager=manager)
    dept.full_clean()
    dept.save()
    dept.path, dept.depth = _path_for(dept)
    Department.objects.filter(pk=dept.pk).update(path=dept.path, depth=dept.depth)  # derived, not history
    return dept


@transaction.atomic
def department_update(*, department: Department, name: str, code: str, manager: Employee | None) -> Department:
    """Rename a department or change its manager."""
    department.name, department.code, department.manager = name, code, manager
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def department_move(*, department: Department, parent: Department | None) -> Department:
    """Move a department (and its whole subtree) under another parent."""
    if parent is not None and parent.path.startswith(department.path):
        raise ValidationError(_("A department cannot be moved under itself or one of its sub-departments."))
    old_path = department.path
    department.parent = parent
    department.save()
    new_path, new_depth = _path_for(department)
    shift = new_depth - department.depth
    for sub in Department.objects.filter(path__startswith=old_path).only("pk", "path", "depth"):
        Department.objects.filter(pk=sub.pk).update(path=new_path + sub.path[len(old_path) :], depth=sub.depth + shift)
    department.path, department.depth = new_path, new_depth
    return department


def department_ensure_path(*, names: list[str]) -> Department:
    """Find or create the departments along a path such as 华东大区/上海区/一组."""
    parent = None
    for name in names:
        dept = Department.objects.filter(parent=parent, name=name, archived_at__isnull=True).first()
        if dept is None:
            code = "/".join(names[: names.index(name) + 1]) if parent is None else f"{parent.code}/{name}"
            dept = department_create(name=name, code=code[:50], parent=parent)
        parent = dept
    assert parent is not None
    return parent


@transaction.atomic
def employee_hire(
    *,
    employee_no: str,
    name: str,
    department: Department,
    role: str = Role.REP,
    email: str = "",
    phone: str = "",
    hire_date: dt.date | None = None,
    username: str | None = None,
    password: str | None = None,
) -> Employee:
    """Create an employee with their login (username defaults to the employee number)."""
    User = get_user_model()
    username = username or employee_no
    if User.objects.filter(username=username).exists():
        raise ValidationError({"employee_no": _("A login named %(name)s already exists.") % {"name": username}})
    user = User(username=username, email=email, first_name=name[:150])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_staff = visibility.opens_admin_site(role)
    user.save()
    employee = Employee(
        user=user,
        employee_no=employee_no,
        name=name,
        department=department,
        role=role,
        email=email,
        phone=phone,
        hire_date=hire_date,
    )
    employee.full_clean()
    employee.save()
    return employee


@transaction.atomic
def employee_update(*, employee: Employee, **fields) -> Employee:
    """Change an employee's facts (name, role, department, contact details, status, dates)."""
    allowed = {"name", "role", "department", "email", "phone", "hire_date", "leave_date", "status"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"employee_update does not change {sorted(unknown)}")
    status_changed = "status" in fields and fields["status"] != employee.status
    for key, value in fields.items():
        setattr(employee, key, value)
    employee.full_clean()
    employee.save()
    if status_changed:
        # Whether they count on account teams changed: so did their customers' coverage and completeness.
        hooks.status_changed(employee=employee)
    user = employee.user
    user.is_active = employee.status != EmployeeStatus.LEFT
    user.is_staff = visibility.opens_admin_site(employee.role)
    user.first_name = employee.name[:150]
    user.email = employee.email
    user.save(update_fields=["is_active", "is_staff", "first_name", "email"])
    return employee


def employee_transfer(*, employee: Employee, department: Department) -> Employee:
    """Move an employee to another department."""
    return employee_update(employee=employee, department=department)


def employee_leave(*, employee: Employee, leave_date: dt.date) -> Employee:
    """Record that an employee has left: their login stops working and they see nothing."""
    return employee_update(employee=employee, status=EmployeeStatus.LEFT, leave_date=leave_date)


@transaction.atomic
def territory_create(
    *, name: str, code: str, parent: Territory | None = None, department: Department | None = None
) -> Territory:
    """Create a territory; give it divisions with :func:`territory_set_divisions`."""
    territory = Territory(name=name, code=code, parent=parent, department=department)
    territory.full_clean()
    territory.save()
    return territory


@transaction.atomic
def territory_update(
    *, territory: Territory, name: str, code: str, parent: Territory | None, department: Department | None
) -> Territory:
    """Rename a territory or change its parent or owning department."""
    node = parent
    while node is not None:
        if node.pk == territory.pk:
            raise ValidationError(_("A territory cannot be placed under itself."))
        node = node.parent
    territory.name, territory.code, territory.parent, territory.department = name, code, parent, department
    territory.full_clean()
    territory.save()
    return territory


@transaction.atomic
def territory_set_divisions(*, territory: Territory, divisions: list[Division]) -> Territory:
    """Replace the set of divisions a territory owns; the change is logged with both sets."""
    before = sorted(territory.divisions.values_list("code", flat=True))
    after = sorted({d.code for d in divisions})
    if before != after:
        territory.divisions.set(divisions)
        changelog.record(
            territory, action=ChangeAction.UPDATE, before={"divisions": before}, after={"divisions": after}
        )
    return territory
