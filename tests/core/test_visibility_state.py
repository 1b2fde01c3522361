"""A hypothesis state machine hires, transfers and removes people in a random org tree and, after every
step, checks that each user's visible customers and colleagues are exactly what the rule says."""

import itertools

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from liuke.core import visibility
from liuke.customers.models import AccountTeamMember, Customer
from liuke.org import services
from liuke.org.choices import Role
from liuke.org.models import Department, Employee

ROLES = [Role.REP, Role.REP, Role.REP, Role.MANAGER, Role.MANAGER, Role.DIRECTOR, Role.AUDITOR, Role.ADMIN]


class OrgMachine(RuleBasedStateMachine):
    departments = Bundle("departments")
    employees = Bundle("employees")
    customers = Bundle("customers")

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.counter = itertools.count(1)
        # The oracle: a plain-Python picture of the company.
        self.parent: dict[int, int | None] = {}
        self.manager_of: dict[int, int | None] = {}
        self.emp: dict[int, dict] = {}  # id -> {"dept", "role", "left"}
        self.team: dict[int, set[int]] = {}  # customer id -> employee ids

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- rules ---------------------------------------------------------------------------------

    @initialize(target=departments)
    def company(self):
        return self.add_root()

    @initialize(target=customers)
    def first_customer(self):
        return self.add_customer()

    @rule(target=departments)
    def add_root(self):
        n = next(self.counter)
        dept = services.department_create(name=f"根{n}", code=f"ROOT{n}")
        self.parent[dept.pk], self.manager_of[dept.pk] = None, None
        return dept.pk

    @rule(target=departments, parent=departments)
    def add_department(self, parent):
        n = next(self.counter)
        dept = services.department_create(name=f"部{n}", code=f"D{n}", parent=Department.objects.get(pk=parent))
        self.parent[dept.pk], self.manager_of[dept.pk] = parent, None
        return dept.pk

    @rule(target=employees, dept=departments, role=st.sampled_from(ROLES))
    def hire(self, dept, role):
        n = next(self.counter)
        e = services.employee_hire(
            employee_no=f"N{n}", name=f"员工{n}", department=Department.objects.get(pk=dept), role=role
        )
        self.emp[e.pk] = {"dept": dept, "role": role, "left": False}
        return e.pk

    @rule(emp=employees, dept=departments)
    def transfer(self, emp, dept):
        services.employee_transfer(employee=Employee.objects.get(pk=emp), department=Department.objects.get(pk=dept))
        self.emp[emp]["dept"] = dept

    @rule(emp=consumes(employees))
    def remove(self, emp):
        services.employee_leave(employee=Employee.objects.get(pk=emp), leave_date=timezone.localdate())
        self.emp[emp]["left"] = True

    @rule(dept=departments, emp=employees)
    def set_manager(self, dept, emp):
        d = Department.objects.get(pk=dept)
        services.department_update(department=d, name=d.name, code=d.code, manager=Employee.objects.get(pk=emp))
        self.manager_of[dept] = emp

    @rule(dept=departments, new_parent=departments)
    def move(self, dept, new_parent):
        if dept in self._ancestors_and_self(new_parent):
            return  # moving under itself is refused (tested elsewhere)
        services.department_move(
            department=Department.objects.get(pk=dept), parent=Department.objects.get(pk=new_parent)
        )
        self.parent[dept] = new_parent

    @rule(target=customers)
    def add_customer(self):
        n = next(self.counter)
        c = Customer.objects.create(code=f"C{n}", name=f"客户{n}", kind="pharmacy")
        self.team[c.pk] = set()
        return c.pk

    @rule(customer=customers, emp=employees)
    def assign(self, customer, emp):
        if emp not in self.team[customer]:
            AccountTeamMember.objects.create(customer_id=customer, employee_id=emp, role="maintain")
            self.team[customer].add(emp)

    @rule(customer=customers, emp=employees)
    def unassign(self, customer, emp):
        for m in AccountTeamMember.objects.filter(customer_id=customer, employee_id=emp, until__isnull=True):
            m.until = timezone.localdate() - timezone.timedelta(days=1)
            m.save()
        self.team[customer].discard(emp)

    # --- the rule, computed independently ----------------------------------------------------

    def _ancestors_and_self(self, dept):
        chain = []
        while dept is not None:
            chain.append(dept)
            dept = self.parent[dept]
        return chain

    def _subtree(self, roots):
        return {d for d in self.parent if set(self._ancestors_and_self(d)) & roots}

    def expected(self, viewer):
        me = self.emp[viewer]
        all_emps, all_customers = set(self.emp), set(self.team)
        if me["left"]:
            return set(), set()
        if me["role"] in (Role.DIRECTOR, Role.ADMIN):
            return all_customers, all_emps
        if me["role"] == Role.AUDITOR:
            return set(), all_emps
        if me["role"] == Role.REP:
            customers = {c for c, members in self.team.items() if viewer in members}
            return customers, {e for e, v in self.emp.items() if v["dept"] == me["dept"]} | {viewer}
        roots = {d for d, m in self.manager_of.items() if m == viewer} | {me["dept"]}
        subtree = self._subtree(roots)
        staff = {e for e, v in self.emp.items() if v["dept"] in subtree}
        customers = {
            c for c, members in self.team.items() if any(m in staff and not self.emp[m]["left"] for m in members)
        }
        return customers, staff

    @invariant()
    def everyone_sees_exactly_what_the_rule_says(self):
        for employee in Employee.objects.select_related("user"):
            user = employee.user  # fresh object: no cached scope
            customers, colleagues = self.expected(employee.pk)
            assert set(visibility.restrict(user, Customer).values_list("pk", flat=True)) == customers, employee
            assert set(visibility.restrict(user, Employee).values_list("pk", flat=True)) == colleagues, employee


@pytest.mark.django_db
def test_visibility_state_machine():
    run_state_machine_as_test(
        OrgMachine,
        settings=settings(
            max_examples=100,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
