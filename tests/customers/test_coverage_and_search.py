"""双线联系 evaluated in SQL, search by name/code/phone/pinyin, and contacts known to one person."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liuke.core.visibility import SYSTEM
from liuke.customers import services
from liuke.customers.models import AccountTeamMember, Customer
from liuke.customers.selectors import (
    CustomerFilters,
    coverage_by_department,
    customer_dossier,
    customer_list,
    single_threaded_q,
)
from liuke.org import services as org

pytestmark = pytest.mark.django_db


def _single(viewer=SYSTEM):
    return set(customer_list(viewer=viewer, filters=CustomerFilters(coverage="single")).values_list("code", flat=True))


def test_coverage_rule_on_hand_made_cases(world):
    # CA: rep (develop) + manager (manager) → covered. CA2, CB: one person → single. CX: nobody → single.
    assert _single() == {"CA2", "CB", "CX"}
    # A second person in the SAME role does not make two lines.
    services.team_assign(customer=world.customer_b, employee=world.manager_b, role="develop")
    assert "CB" in _single()
    services.team_assign(customer=world.customer_b, employee=world.manager_b, role="maintain")
    assert "CB" not in _single()
    # When one of the two leaves the company, the customer is single-threaded again.
    org.employee_leave(employee=world.rep_b, leave_date=timezone.localdate())
    assert "CB" in _single()


def test_ended_membership_and_inactive_customers(world):
    member = AccountTeamMember.objects.get(customer=world.customer_a, employee=world.manager_a)
    services.team_unassign(member=member)
    assert "CA" in _single()
    services.customer_update(customer=world.customer_x, data={"status": "dormant"})
    assert "CX" not in _single()  # the rule is about active customers


def test_memberships_that_end_by_date_are_caught_by_the_nightly_refresh(world):
    from liuke.customers.tasks import refresh_derived_task

    AccountTeamMember._base_manager.filter(customer=world.customer_a, employee=world.manager_a).update(
        until=timezone.localdate() - dt.timedelta(days=1)  # the end date passes without anyone saving
    )
    assert "CA" not in _single()
    refresh_derived_task.delay()
    assert "CA" in _single()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    teams=st.lists(
        st.lists(
            st.tuples(st.integers(0, 3), st.sampled_from(["develop", "maintain", "manager"]), st.booleans()), max_size=4
        ),
        min_size=1,
        max_size=6,
    )
)
def test_sql_rule_equals_the_rule_written_out(world, teams):
    from django.db import transaction

    people = [world.rep_a, world.rep_a2, world.rep_b, world.manager_a]
    with transaction.atomic():
        expected = {}
        for i, team in enumerate(teams):
            c = Customer.objects.create(code=f"H{i}", name=f"假设{i}", kind="clinic")
            current = set()
            for person, role, ended in team:
                AccountTeamMember.objects.create(
                    customer=c,
                    employee=people[person],
                    role=role,
                    until=timezone.localdate() - dt.timedelta(days=1) if ended else None,
                )
                if not ended:
                    current.add((person, role))
            expected[c.code] = len({p for p, _ in current}) < 2 or len({r for _, r in current}) < 2
        hypothetical = Customer.objects.filter(code__startswith="H")
        services.coverage_refresh(queryset=hypothetical)  # the set-based SQL path
        single = set(hypothetical.filter(single_threaded_q()).values_list("code", flat=True))
        assert single == {code for code, is_single in expected.items() if is_single}
        transaction.set_rollback(True)


def test_coverage_overview_rolls_teams_up_to_regions(world):
    rows = {r.department.code: (r.customers, r.single) for r in coverage_by_department(viewer=world.director.user)}
    assert rows["SH-1"] == (2, 1)  # CA covered, CA2 single
    assert rows["JS-1"] == (1, 1)
    assert rows["EAST"] == (3, 2)
    manager_rows = {r.department.code for r in coverage_by_department(viewer=world.manager_b.user)}
    assert "SH-1" not in manager_rows


@pytest.fixture
def searchable(world):
    services.customer_update(customer=world.customer_a, data={"short_name": "同仁", "phone": "010-58269911"})
    return world


@pytest.mark.parametrize(
    "query",
    ["北京同仁", "bjtryy", "BJTRYY", "ｂｊｔｒｙｙ", "beijingtongren", "同仁", "CA", "58269911", "bjtrhyy", "bjtrxy"],
)
def test_search_finds_by_name_pinyin_initials_code_and_phone(searchable, query):
    found = customer_list(viewer=SYSTEM, filters=CustomerFilters(q=query)).values_list("code", flat=True)
    assert "CA" in set(found)


def test_search_does_not_match_everything_and_respects_visibility(searchable):
    assert customer_list(viewer=SYSTEM, filters=CustomerFilters(q="shrjyy")).filter(code="CA").count() == 0
    assert set(customer_list(viewer=SYSTEM, filters=CustomerFilters(q="shrjyy")).values_list("code", flat=True)) == {
        "CA2"
    }
    assert not customer_list(viewer=searchable.rep_b.user, filters=CustomerFilters(q="bjtryy")).exists()


def test_list_filters_combine(searchable, client):
    client.force_login(searchable.director.user)
    page = client.get("/customers/", {"coverage": "single", "kind": "hospital", "q": "医院"}).content.decode()
    assert "上海瑞金医院" in page
    assert "南京鼓楼医院" in page
    assert "北京同仁医院" not in page  # covered


def test_key_contact_known_to_one_person_is_flagged(world):
    dossier = customer_dossier(viewer=world.director.user, customer=world.customer_a)
    (contact,) = dossier.contacts
    assert contact.single_knower
    services.contact_set_knower(contact=contact, employee=world.manager_a, familiarity=2)
    dossier = customer_dossier(viewer=world.director.user, customer=world.customer_a)
    assert not dossier.contacts[0].single_knower


def test_list_and_page_make_a_bounded_number_of_queries(searchable, client, django_assert_max_num_queries):
    for i in range(30):
        c = Customer.objects.create(code=f"Q{i:02d}", name=f"测试药房{i}", kind="pharmacy")
        AccountTeamMember.objects.create(customer=c, employee=searchable.rep_a, role="develop")
    client.force_login(searchable.rep_a.user)
    with django_assert_max_num_queries(14):
        assert client.get("/customers/", {"q": "测试"}).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(searchable.customer_a.get_absolute_url()).status_code == 200


def test_list_pages_keep_their_order_and_team_when_ids_come_first(searchable, client, django_assert_max_num_queries):
    # The list finds a page's ids first and loads those rows afterwards: order, paging and the team
    # column must be exactly what one query would have given.
    for i in range(60):
        c = Customer.objects.create(code=f"P{i:02d}", name=f"分页药房{59 - i:02d}", kind="pharmacy")
        AccountTeamMember.objects.create(customer=c, employee=searchable.rep_a, role="develop")
    services.customers_refresh_derived(queryset=Customer.objects.filter(code__startswith="P"))
    client.force_login(searchable.rep_a.user)
    with django_assert_max_num_queries(14):
        first = client.get("/customers/", {"q": "分页药房", "sort": "name"})
    second = client.get("/customers/", {"q": "分页药房", "sort": "name", "page": 2})
    names_1 = [c.name for c in first.context["object_list"]]
    names_2 = [c.name for c in second.context["object_list"]]
    assert names_1 == [f"分页药房{i:02d}" for i in range(50)]
    assert names_2 == [f"分页药房{i:02d}" for i in range(50, 60)]
    assert first.context["paginator"].count == 60
    assert searchable.rep_a.name in first.content.decode()  # the account team is still shown per row
    assert client.get("/customers/", {"q": "分页药房", "page": 3}).status_code == 404


def test_list_filters_customers_past_their_contact_cadence(world, client):
    now = timezone.now()
    Customer._base_manager.filter(pk=world.customer_a.pk).update(grade="A", last_contact_at=now - dt.timedelta(days=20))
    Customer._base_manager.filter(pk=world.customer_a2.pk).update(
        grade="C", last_contact_at=now - dt.timedelta(days=20)
    )
    Customer._base_manager.filter(pk=world.customer_b.pk).update(status="dormant", last_contact_at=None)
    overdue = set(
        customer_list(viewer=SYSTEM, filters=CustomerFilters(contact="overdue")).values_list("code", flat=True)
    )
    recent = set(customer_list(viewer=SYSTEM, filters=CustomerFilters(contact="recent")).values_list("code", flat=True))
    assert overdue == {"CA", "CX"}  # A after 20 days is late; CX was never contacted; dormant CB is not chased
    assert recent == {"CA2"}  # C within 60 days
    client.force_login(world.manager_a.user)
    page = client.get("/customers/", {"contact": "overdue"}).content.decode()
    assert "北京同仁医院" in page
    assert "上海瑞金医院" not in page
