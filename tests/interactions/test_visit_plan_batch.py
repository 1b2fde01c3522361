"""Visit-plan suggestions a rep can use on a phone: nothing ticked until chosen, proposed days spread
over the week's working days, and a batch added all at once or not at all."""

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from liuke.customers.models import AccountTeamMember, Customer
from liuke.interactions import services
from liuke.interactions.models import PlannedVisit
from liuke.interactions.selectors import plan_suggestions
from liuke.interactions.services import PLAN_VISITS_PER_DAY, PlanEntry

pytestmark = pytest.mark.django_db


def _my_customers(world, n):
    """``n`` grade-A customers of rep_a never contacted: every one is due for a visit."""
    out = []
    for i in range(n):
        c = Customer.objects.create(code=f"P{i:02d}", name=f"计划医院{i:02d}", kind="hospital", grade="A")
        AccountTeamMember.objects.create(customer=c, employee=world.rep_a, role="develop")
        out.append(c)
    return out


def _next_week():
    return services.week_start_of(timezone.localdate()) + dt.timedelta(days=7)


def test_suggestions_come_unticked_each_with_its_own_day(world, client):
    _my_customers(world, 3)
    client.force_login(world.rep_a.user)
    page = client.get(f"/plan/?week={_next_week():%Y-%m-%d}").content.decode()
    suggestions = page.split('data-testid="suggestions"')[1].split("</ul>")[0]
    assert suggestions.count('name="customer"') == 4  # the three and customer_a
    assert "checked" not in suggestions
    for c in Customer.objects.filter(code__startswith="P"):
        assert f'name="day_{c.pk}"' in suggestions
    # The add button comes before the list, not after it.
    assert page.index('data-testid="plan-add"') < page.index('data-testid="suggestions"')


def test_suggested_days_are_spread_over_the_working_days_a_few_a_day(world):
    week = _next_week()
    _my_customers(world, 12)
    days = [s.day for s in plan_suggestions(employee=world.rep_a, week_start=week)]
    assert len(days) == 13
    per_day = Counter(days)
    assert set(per_day) <= {week + dt.timedelta(days=i) for i in range(5)}  # Monday to Friday
    assert max(per_day.values()) - min(per_day.values()) <= 1  # 13 over 5 days: 3 or 2 each
    assert max(per_day.values()) <= PLAN_VISITS_PER_DAY


def test_suggestions_beyond_a_full_week_get_no_day_and_planned_visits_count(world):
    week = _next_week()
    customers = _my_customers(world, 4 * PLAN_VISITS_PER_DAY + 3)
    services.plan_add(employee=world.rep_a, week_start=week, customer=customers[0], day=week)
    days = [s.day for s in plan_suggestions(employee=world.rep_a, week_start=week)]
    per_day = Counter(d for d in days if d is not None)
    assert per_day[week] == PLAN_VISITS_PER_DAY - 1  # Monday already has one planned visit
    assert all(n <= PLAN_VISITS_PER_DAY for n in per_day.values())
    assert days.count(None) == len(days) - (5 * PLAN_VISITS_PER_DAY - 1)


def test_a_follow_up_is_proposed_no_later_than_it_falls_due(world):
    week = _next_week()
    _my_customers(world, 8)
    wednesday = week + dt.timedelta(days=2)
    services.follow_up_create(customer=world.customer_a, owner=world.rep_a, description="送资料", due=wednesday)
    first = plan_suggestions(employee=world.rep_a, week_start=week)[0]
    assert first.customer == world.customer_a
    assert first.day is not None
    assert first.day <= wednesday


def test_ticked_suggestions_are_added_on_their_own_days(world, client):
    week = _next_week()
    one, two, _three = _my_customers(world, 3)
    client.force_login(world.rep_a.user)
    client.post(
        "/plan/",
        {
            "week": week.isoformat(),
            "customer": [one.pk, two.pk],
            f"day_{one.pk}": (week + dt.timedelta(days=1)).isoformat(),
            f"reason_{one.pk}": "cadence",
            f"day_{two.pk}": (week + dt.timedelta(days=3)).isoformat(),
            f"reason_{two.pk}": "cadence",
            f"day_{_three.pk}": week.isoformat(),  # not ticked: not added
        },
    )
    planned = {v.customer_id: v.day for v in PlannedVisit.objects.filter(plan__employee=world.rep_a)}
    assert planned == {one.pk: week + dt.timedelta(days=1), two.pk: week + dt.timedelta(days=3)}


@pytest.mark.parametrize(
    "problem",
    ["customer outside visibility", "day outside the week", "customer twice", "already planned"],
)
def test_a_batch_of_planned_visits_is_added_whole_or_not_at_all(world, problem):
    week = _next_week()
    one, two = _my_customers(world, 2)
    entries = [PlanEntry(one.pk, week), PlanEntry(two.pk, week + dt.timedelta(days=1))]
    if problem == "customer outside visibility":
        entries.append(PlanEntry(world.customer_b.pk, week))
    elif problem == "day outside the week":
        entries.append(PlanEntry(world.customer_a.pk, week + dt.timedelta(days=7)))
    elif problem == "customer twice":
        entries.append(PlanEntry(one.pk, week + dt.timedelta(days=2)))
    else:
        services.plan_add(employee=world.rep_a, week_start=week, customer=world.customer_a)
        entries.append(PlanEntry(world.customer_a.pk, week))
    before = PlannedVisit.objects.count()
    with pytest.raises(ValidationError):
        services.plan_add_visits(employee=world.rep_a, week_start=week, entries=entries)
    assert PlannedVisit.objects.count() == before
    assert not PlannedVisit.objects.filter(customer__in=[one, two]).exists()


def test_a_wrong_batch_posted_from_the_plan_page_adds_nothing(world, client):
    week = _next_week()
    one, two = _my_customers(world, 2)
    client.force_login(world.rep_a.user)
    response = client.post(
        "/plan/",
        {
            "week": week.isoformat(),
            "customer": [one.pk, two.pk, world.customer_b.pk],
            f"day_{one.pk}": week.isoformat(),
        },
        follow=True,
    )
    assert not PlannedVisit.objects.exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])
