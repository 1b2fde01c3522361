"""Planner statistics: refreshed after a bulk load, so the embedded default picks the right indexes."""

import pytest
from django.db import connection

from liuke.core.maintenance import refresh_planner_statistics
from liuke.customers.models import Customer

pytestmark = pytest.mark.django_db


def _has_statistics() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone():
                return False
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'customers_customer' AND attname = 'kind'")
        return cursor.fetchone()[0] > 0


def test_refresh_gives_the_planner_statistics_of_the_customer_table():
    Customer.objects.bulk_create(Customer(code=f"S{i:04d}", name=f"统计{i}", kind="clinic") for i in range(50))
    refresh_planner_statistics()
    assert _has_statistics()
