"""The registered cases: one per business model."""

from liuke.customers.models import AccountTeamMember, Customer
from liuke.org.models import Department, Employee, Territory

from .generic import ModelCase, register

register(
    ModelCase(
        model=Department,
        list_url="/org/departments/",
        api_url="/api/departments/",
        scoped=lambda w: (w.rep_a, w.jiangsu, None),
        edit_url=lambda obj: f"/org/departments/{obj.pk}/edit/",
        add_url="/org/departments/new/",
        edit_data=lambda w, obj: {"name": "江苏新区", "code": obj.code, "parent": obj.parent_id, "manager": ""},
        edit_check=("name", "江苏新区"),
        api_patch=lambda w, obj: {"name": "江苏新区"},
    )
)

register(
    ModelCase(
        model=Employee,
        list_url="/org/employees/",
        api_url="/api/employees/",
        scoped=lambda w: (w.rep_a, w.rep_a2, w.rep_b),
        label=lambda obj: obj.name,
        edit_url=lambda obj: f"/org/employees/{obj.pk}/edit/",
        add_url="/org/employees/new/",
        edit_data=lambda w, obj: {
            "employee_no": obj.employee_no,
            "name": obj.name,
            "department": obj.department_id,
            "role": obj.role,
            "status": obj.status,
            "email": "",
            "phone": "13812345678",
            "hire_date": "",
            "leave_date": "",
        },
        edit_check=("phone", "13812345678"),
        api_patch=lambda w, obj: {"phone": "13812345678"},
    )
)

register(
    ModelCase(
        model=Territory,
        list_url="/org/territories/",
        api_url="/api/territories/",
        scoped=lambda w: (w.rep_a, w.territory, None),
        edit_url=lambda obj: f"/org/territories/{obj.pk}/edit/",
        add_url="/org/territories/new/",
        edit_data=lambda w, obj: {
            "name": "浦东片区",
            "code": obj.code,
            "parent": "",
            "department": obj.department_id,
            "division_codes": "310115",
        },
        edit_check=("name", "浦东片区"),
    )
)

register(
    ModelCase(
        model=Customer,
        list_url="/customers/",
        api_url=None,
        scoped=lambda w: (w.rep_a, w.customer_a, w.customer_b),
        pending="edit view and API come with the customer archive (issue 3)",
    )
)

register(
    ModelCase(
        model=AccountTeamMember,
        list_url="/customers/",
        api_url=None,
        scoped=lambda w: (w.rep_a, w.customer_a.account_team.first(), w.customer_b.account_team.first()),
        detail_url=lambda obj: obj.customer.get_absolute_url(),
        label=lambda obj: obj.customer.name,
        pending="shown on the customer page; its own views and API come with the customer archive (issue 3)",
    )
)
