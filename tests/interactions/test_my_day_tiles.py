"""Each figure on "my day" opens the list it counts, and that list shows the same number."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from liuke.customers.models import Customer
from liuke.interactions import services

from .factories import write_card

pytestmark = pytest.mark.django_db


def _tile(page, name):
    """The tile's link and its number."""
    m = re.search(rf'<a [^>]*href="([^"]+)"[^>]*data-testid="tile-{name}".*?>(\d+)</div>', page, re.S)
    assert m, f"tile {name} is not a link"
    return m[1].replace("&amp;", "&"), int(m[2])


def _badge(page, testid):
    return int(page.split(f'data-testid="{testid}">')[1].split("<")[0])


def test_every_my_day_tile_links_to_its_list_showing_the_same_number(world, client):
    today = timezone.localdate()
    for n in range(3):
        services.follow_up_create(
            customer=world.customer_a, owner=world.rep_a, description=f"逾期{n}", due=today - dt.timedelta(days=2 + n)
        )
    services.follow_up_create(customer=world.customer_a, owner=world.rep_a, description="今天的事", due=today)
    services.follow_up_create(
        customer=world.customer_a2, owner=world.rep_a2, description="别人的逾期", due=today - dt.timedelta(days=3)
    )
    write_card(world.rep_a, world.customer_a, problems_raised=["缺资料", "价格高"], next_steps=[])
    write_card(world.rep_a2, world.customer_a2, problems_raised=["别人的问题"], next_steps=[])
    Customer._base_manager.filter(pk=world.customer_a.pk).update(
        grade="A", last_contact_at=timezone.now() - dt.timedelta(days=20)
    )
    services.plan_add(employee=world.rep_a, week_start=today, customer=world.customer_a, day=today)
    client.force_login(world.rep_a.user)
    page = client.get("/my-day/").content.decode()

    for tile, expected, list_count in (
        ("overdue", 3, "follow-up-count"),
        ("problems", 2, "problem-count"),
        ("cadence", 1, "customer-count"),
        ("visits-today", 1, "planned-count"),
    ):
        url, n = _tile(page, tile)
        assert n == expected, tile
        assert _badge(client.get(url).content.decode(), list_count) == n, tile

    url, n = _tile(page, "due-today")
    assert (url, n) == ("#due-today", 1)
    assert 'id="due-today"' in page


def test_the_plan_for_one_day_lists_only_that_days_visits(world, client):
    week = services.week_start_of(timezone.localdate())
    services.plan_add(employee=world.rep_a, week_start=week, customer=world.customer_a, day=week)
    services.plan_add(employee=world.rep_a, week_start=week, customer=world.customer_x, day=week + dt.timedelta(days=1))
    client.force_login(world.rep_a.user)
    page = client.get(f"/plan/?day={week:%Y-%m-%d}").content.decode()
    planned = page.split('data-testid="planned"')[1].split("</ul>")[0]
    assert world.customer_a.name in planned
    assert world.customer_x.name not in planned
    assert _badge(client.get("/plan/").content.decode(), "planned-count") == 2
