"""``liuke import customers`` and ``liuke import account-team`` (INTERFACES.md), also behind the upload page."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from liuke.core.imports import ImportResult, run_import
from liuke.core.tabular import Column, clean_text, parse_date
from liuke.org.models import Employee

from . import services
from .choices import CustomerGrade, CustomerKind, TeamRole
from .fields import active_definitions
from .models import AccountTeamMember, Customer

KIND_WORDS = {
    **{v: v for v in CustomerKind.values},
    "医院": CustomerKind.HOSPITAL, "药店": CustomerKind.PHARMACY, "药房": CustomerKind.PHARMACY,
    "诊所": CustomerKind.CLINIC, "卫生院": CustomerKind.CLINIC, "社区卫生服务中心": CustomerKind.CLINIC,
    "经销商": CustomerKind.DISTRIBUTOR, "商业公司": CustomerKind.DISTRIBUTOR, "配送商": CustomerKind.DISTRIBUTOR,
    "零售": CustomerKind.RETAILER, "零售终端": CustomerKind.RETAILER, "其他": CustomerKind.OTHER,
}  # fmt: skip
ROLE_WORDS = {
    **{v: v for v in TeamRole.values},
    "开发": TeamRole.DEVELOP, "维护": TeamRole.MAINTAIN, "支持": TeamRole.SUPPORT, "物流": TeamRole.LOGISTICS,
    "经理": TeamRole.MANAGER,
}  # fmt: skip

CUSTOMER_COLUMNS = [
    Column("code", ("客户编码", "编码", "客户代码", "代码"), required=True),
    Column("name", ("客户名称", "名称", "客户"), required=True),
    Column("kind", ("客户类型", "类型", "类别"), required=True),
    Column("short_name", ("简称", "客户简称")),
    Column("grade", ("等级", "客户等级", "分级")),
    Column("address", ("地址", "详细地址")),
    Column("division_code", ("行政区划代码", "区划代码", "行政区划")),
    Column("phone", ("电话", "总机", "联系电话")),
    Column("confirm_duplicate", ("确认重名",)),
]
TEAM_COLUMNS = [
    Column("customer_code", ("客户编码", "客户代码"), required=True),
    Column("employee_no", ("工号", "员工编号"), required=True),
    Column("role", ("角色", "职责"), required=True),
    Column("since", ("开始日期", "起始日期")),
]


def customer_import_run(*, path: str, dry_run: bool = False, actor=None) -> ImportResult:
    """Create or update customers by code; extra columns that name archive fields fill those fields.

    A new customer with the same normalised name in the same division as an existing one is rejected as
    a possible duplicate unless its ``confirm_duplicate`` column says yes. The same file twice changes nothing.
    """
    definitions = active_definitions()
    field_columns = [Column(f"field:{d.key}", (d.key, d.label_zh, d.label_en)) for d in definitions]
    by_key = {d.key: d for d in definitions}
    touched: set[int] = set()

    def row(result: ImportResult, row_no: int, values: dict, state: dict) -> None:
        code = clean_text(values.get("code"))
        name = clean_text(values.get("name"))
        kind_text = clean_text(values.get("kind"))
        kind = KIND_WORDS.get(kind_text.lower()) or KIND_WORDS.get(kind_text)
        problems = []
        if not code:
            problems.append(("code", _("The customer code is empty.")))
        elif code in state.setdefault("seen", {}):
            problems.append(
                (
                    "code",
                    _("Customer %(code)s already appears in row %(row)d.") % {"code": code, "row": state["seen"][code]},
                )
            )
        if not name:
            problems.append(("name", _("The customer name is empty.")))
        if kind is None:
            problems.append(
                (
                    "kind",
                    _("Unknown kind %(kind)r: use hospital, pharmacy, clinic, distributor, retailer or other.")
                    % {"kind": kind_text},
                )
            )
        grade = clean_text(values.get("grade")).upper()
        if grade and grade not in CustomerGrade.values:
            problems.append(("grade", _("Grade must be A, B or C.")))
        for field_name, reason in problems:
            result.reject(row_no, field_name, reason)
        if problems:
            return
        state["seen"][code] = row_no
        data = {
            "code": code, "name": name, "kind": kind, "grade": grade,
            "short_name": clean_text(values.get("short_name")),
            "address": clean_text(values.get("address")), "phone": clean_text(values.get("phone")),
        }  # fmt: skip
        fields = {
            k.removeprefix("field:"): values[k]
            for k in values
            if k.startswith("field:") and k.removeprefix("field:") in by_key and clean_text(values[k])
        }
        division_code = clean_text(values.get("division_code")) or None
        existing = Customer.objects.filter(code=code).first()
        if existing is None:
            confirm = clean_text(values.get("confirm_duplicate")).lower() in {"1", "yes", "y", "是", "true"}
            try:
                created = services.customer_create(
                    data=data, fields=fields, division_code=division_code, confirm_duplicate=confirm
                )
            except services.DuplicateSuspected as exc:
                result.reject(
                    row_no,
                    "name",
                    _("%(reason)s Put yes in a confirm_duplicate column to import it anyway.")
                    % {"reason": exc.messages[0]},
                )
                return
            touched.add(created.pk)
            result.created += 1
            result.imported += 1
            return
        before = (existing.version, dict(existing.fields or {}))
        updated = (
            services.customer_update(customer=existing, data=data, fields=fields, division_code=division_code)
            if _differs(existing, data, fields, division_code)
            else existing
        )
        if (updated.version, updated.fields) == before:
            result.duplicates += 1
        else:
            touched.add(updated.pk)
            result.updated += 1
            result.imported += 1

    result = run_import(
        path=path,
        kind="customers",
        columns=CUSTOMER_COLUMNS + field_columns,
        dry_run=dry_run,
        actor=actor,
        handle_row=row,
    )
    _screen(result, touched)
    return result


def _screen(result: ImportResult, customers: set[int]) -> None:
    """The customer rules (coverage, archive, licences) look at the imported customers once the import is kept."""
    if result.dry_run or not customers:
        return
    from liuke.alerts.tasks import screen_after_import

    screen_after_import(customers=sorted(customers))


def _differs(customer: Customer, data: dict, fields: dict, division_code: str | None) -> bool:
    from .fields import clean_values

    if any((getattr(customer, k) or "") != (v or "") for k, v in data.items()):
        return True
    if division_code and division_code != customer.division_id:
        return True
    cleaned, errors = clean_values(active_definitions(), fields)
    return bool(errors) or any((customer.fields or {}).get(k) != v for k, v in cleaned.items())


def account_team_import_run(*, path: str, dry_run: bool = False, actor=None) -> ImportResult:
    """Put employees on customers' account teams; rows already true change nothing."""
    today = timezone.localdate()
    touched: set[int] = set()

    def row(result: ImportResult, row_no: int, values: dict, state: dict) -> None:
        code = clean_text(values.get("customer_code"))
        number = clean_text(values.get("employee_no"))
        role_text = clean_text(values.get("role"))
        role = ROLE_WORDS.get(role_text.lower()) or ROLE_WORDS.get(role_text)
        customer = Customer.objects.filter(code=code, archived_at__isnull=True).first() if code else None
        employee = Employee.objects.filter(employee_no=number).first() if number else None
        problems = []
        if customer is None:
            problems.append(("customer_code", _("No customer with code %(code)r.") % {"code": code}))
        if employee is None:
            problems.append(("employee_no", _("No employee with number %(no)r.") % {"no": number}))
        if role is None:
            problems.append(
                (
                    "role",
                    _("Unknown role %(role)r: use develop, maintain, support, logistics or manager.")
                    % {"role": role_text},
                )
            )
        since = None
        try:
            since = parse_date(values.get("since"))
        except ValueError as exc:
            problems.append(("since", str(exc)))
        if since and since > today:
            problems.append(("since", _("The date %(date)s is in the future.") % {"date": since}))
        for field_name, reason in problems:
            result.reject(row_no, field_name, reason)
        if problems or customer is None or employee is None or role is None:
            return
        current = AccountTeamMember.objects.filter(
            customer=customer, employee=employee, role=role, archived_at__isnull=True
        )
        if any(m.is_current for m in current):
            result.duplicates += 1
            return
        services.team_assign(customer=customer, employee=employee, role=role, since=since)
        touched.add(customer.pk)
        result.created += 1
        result.imported += 1

    result = run_import(
        path=path, kind="account-team", columns=TEAM_COLUMNS, dry_run=dry_run, actor=actor, handle_row=row
    )
    _screen(result, touched)
    return result
