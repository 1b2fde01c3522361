"""Role × relationship matrix: who sees which customers and employees, through every door."""

import pytest
from django.utils import timezone

from liuke.core import visibility
from liuke.customers.models import AccountTeamMember, Customer
from liuke.org import services
from liuke.org.models import Employee

pytestmark = pytest.mark.django_db

ALL_CUSTOMERS = {"CA", "CA2", "CB", "CX"}

# viewer -> customers they must see (exactly)
CUSTOMER_MATRIX = {
    "director": ALL_CUSTOMERS,
    "admin": ALL_CUSTOMERS,
    "auditor": set(),  # until audit tasks grant them customers
    "region_head": {"CA", "CA2", "CB"},  # everything visible to anyone in 华东
    "manager_a": {"CA", "CA2"},  # own subtree (上海) only; also on CA's team
    "manager_b": {"CB"},
    "rep_a": {"CA"},  # only what they are on the account team of
    "rep_a2": {"CA2"},
    "rep_b": {"CB"},
}


def _codes(user):
    return set(visibility.restrict(user, Customer).values_list("code", flat=True))


@pytest.mark.parametrize("viewer", sorted(CUSTOMER_MATRIX))
def test_customer_visibility_matrix(world, viewer):
    assert _codes(world.user(viewer)) == CUSTOMER_MATRIX[viewer]


@pytest.mark.parametrize("viewer", sorted(CUSTOMER_MATRIX))
def test_customer_pages_follow_the_matrix(world, client, viewer):
    client.force_login(world.user(viewer))
    listing = client.get("/customers/").content.decode()
    for code, customer in (("CA", world.customer_a), ("CB", world.customer_b), ("CX", world.customer_x)):
        detail = client.get(f"/customers/{customer.pk}/")
        if code in CUSTOMER_MATRIX[viewer]:
            assert detail.status_code == 200
            assert customer.name in listing
        else:
            assert detail.status_code == 404
            assert customer.name not in listing


def test_ended_membership_no_longer_grants_visibility(world):
    member = AccountTeamMember.objects.get(customer=world.customer_a, employee=world.rep_a)
    member.until = timezone.localdate() - timezone.timedelta(days=1)
    member.save()
    assert _codes(world.rep_a.user) == set()
    assert _codes(world.manager_a.user) == {"CA", "CA2"}  # still on CA's team as manager


def test_rep_who_left_sees_nothing_and_manager_loses_what_only_they_brought(world):
    services.employee_leave(employee=world.rep_a2, leave_date=timezone.localdate())
    user = Employee.objects.get(pk=world.rep_a2.pk).user
    assert not user.is_active
    assert visibility.restrict(user, Customer).count() == 0
    assert _codes(world.manager_a.user) == {"CA"}


def test_transfer_moves_visibility_to_the_new_manager(world):
    services.employee_transfer(employee=world.rep_b, department=world.sh_team)
    assert _codes(world.manager_a.user) == {"CA", "CA2", "CB"}
    assert _codes(world.manager_b.user) == set()


def test_managing_a_department_elsewhere_adds_that_subtree(world):
    services.department_update(
        department=world.jiangsu, name=world.jiangsu.name, code=world.jiangsu.code, manager=world.manager_a
    )
    assert _codes(world.manager_a.user) == {"CA", "CA2", "CB"}


EMPLOYEE_MATRIX = {
    "rep_a": {"RA", "RA2"},  # own team
    "rep_b": {"RB"},
    "manager_a": {"MA", "RA", "RA2"},
    "manager_b": {"MB", "RB"},
    "region_head": {"R1", "MA", "MB", "RA", "RA2", "RB"},
}


@pytest.mark.parametrize("viewer", sorted(EMPLOYEE_MATRIX))
def test_employee_visibility_matrix(world, viewer):
    seen = set(visibility.restrict(world.user(viewer), Employee).values_list("employee_no", flat=True))
    assert seen == EMPLOYEE_MATRIX[viewer]


@pytest.mark.parametrize("viewer", ["director", "admin", "auditor"])
def test_oversight_roles_see_every_employee(world, viewer):
    assert visibility.restrict(world.user(viewer), Employee).count() == Employee.objects.count()


@pytest.mark.parametrize("viewer", ["rep_a", "manager_a", "director", "auditor", "region_head"])
def test_only_admins_may_change_org_records(world, viewer):
    assert not visibility.can(world.user(viewer), world.rep_a, visibility.CHANGE)
    assert visibility.can(world.admin.user, world.rep_a, visibility.CHANGE)


def test_anonymous_and_unlinked_logins_see_nothing(world, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    stray = django_user_model.objects.create_user("stray", password="x")
    for user in (AnonymousUser(), stray, None):
        assert visibility.restrict(user, Customer).count() == 0
        assert visibility.restrict(user, Employee).count() == 0


def test_unregistered_model_is_refused_loudly(world):
    from django.contrib.auth.models import Group

    with pytest.raises(LookupError):
        visibility.restrict(world.admin.user, Group)
