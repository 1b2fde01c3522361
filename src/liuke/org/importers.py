"""``liuke import employees``: CSV or XLSX with English or Chinese headers (INTERFACES.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from liuke.core.imports import ImportResult, run_import
from liuke.core.tabular import Column, clean_text, parse_date

from . import services
from .choices import Role
from .models import Department, Employee

COLUMNS = [
    Column("employee_no", ("工号", "员工编号", "员工号", "编号"), required=True),
    Column("name", ("姓名", "名字", "员工姓名"), required=True),
    Column("department", ("部门", "部门路径", "所属部门"), required=True),
    Column("role", ("角色", "岗位", "职务"), required=True),
    Column("email", ("邮箱", "电子邮箱", "电子邮件", "e-mail", "mail")),
    Column("phone", ("电话", "手机", "手机号", "联系电话", "mobile")),
    Column("hire_date", ("入职日期", "入职时间", "hire date")),
]

ROLE_WORDS = {
    "rep": Role.REP, "代表": Role.REP, "销售代表": Role.REP, "医药代表": Role.REP, "业务员": Role.REP,
    "manager": Role.MANAGER, "经理": Role.MANAGER, "区域经理": Role.MANAGER, "主管": Role.MANAGER,
    "director": Role.DIRECTOR, "总监": Role.DIRECTOR, "大区总监": Role.DIRECTOR,
    "auditor": Role.AUDITOR, "稽核": Role.AUDITOR, "稽查": Role.AUDITOR,
    "admin": Role.ADMIN, "管理员": Role.ADMIN, "系统管理员": Role.ADMIN,
}  # fmt: skip


def _department_names(path: str) -> list[str]:
    return [p.strip() for p in path.replace("／", "/").replace("\\", "/").split("/") if p.strip()]


def employee_import_run(*, path: str, dry_run: bool = False, actor=None) -> ImportResult:
    """Create or update employees (and any missing departments) from a file.

    Good rows are applied together in one transaction; every bad row is reported with its row
    number, column and reason and changes nothing. ``dry_run`` checks everything and keeps nothing.
    """
    today = timezone.localdate()
    return run_import(
        path=path,
        kind="employees",
        columns=COLUMNS,
        dry_run=dry_run,
        actor=actor,
        handle_row=lambda result, row_no, values, state: _import_row(
            result, row_no, values, state.setdefault("seen", {}), today
        ),
    )


def _import_row(result: ImportResult, row_no: int, values: dict, seen: dict[str, int], today) -> None:
    employee_no = clean_text(values.get("employee_no"))
    name = clean_text(values.get("name"))
    dept_path = clean_text(values.get("department"))
    role_text = clean_text(values.get("role"))
    email = clean_text(values.get("email"))
    phone = clean_text(values.get("phone"))
    errors_before = len(result.errors)
    if not employee_no:
        result.reject(row_no, "employee_no", _("The employee number is empty."))
    elif employee_no in seen:
        result.reject(
            row_no,
            "employee_no",
            _("Employee %(no)s already appears in row %(row)d.") % {"no": employee_no, "row": seen[employee_no]},
        )
    if not name:
        result.reject(row_no, "name", _("The name is empty."))
    names = _department_names(dept_path)
    if not names:
        result.reject(row_no, "department", _("The department is empty."))
    role = ROLE_WORDS.get(role_text.lower()) if role_text else None
    if role is None:
        result.reject(
            row_no,
            "role",
            _("Unknown role %(role)r: use rep, manager, director, auditor or admin.") % {"role": role_text},
        )
    if email:
        try:
            validate_email(email)
        except ValidationError:
            result.reject(row_no, "email", _("%(email)s is not an email address.") % {"email": email})
    hire_date = None
    try:
        hire_date = parse_date(values.get("hire_date"))
    except ValueError as exc:
        result.reject(row_no, "hire_date", exc)
    if hire_date and hire_date > today:
        result.reject(row_no, "hire_date", _("The hire date %(date)s is in the future.") % {"date": hire_date})
    if len(result.errors) > errors_before:
        return
    seen[employee_no] = row_no
    department = services.department_ensure_path(names=names)
    _apply(
        result,
        employee_no=employee_no,
        name=name,
        department=department,
        role=role,
        email=email,
        phone=phone,
        hire_date=hire_date,
    )


def _apply(result: ImportResult, *, employee_no: str, department: Department, **fields) -> None:
    employee = Employee.objects.filter(employee_no=employee_no).select_related("department").first()
    if employee is None:
        services.employee_hire(employee_no=employee_no, department=department, **fields)
        result.created += 1
        result.imported += 1
        return
    changes = {k: v for k, v in {**fields, "department": department}.items() if getattr(employee, k) != v}
    if not changes:
        result.duplicates += 1
        return
    services.employee_update(employee=employee, **changes)
    result.updated += 1
    result.imported += 1
