"""When someone leaves, the customers they covered are re-counted at once (org tells customers through a hook)."""

import pytest

from liuke.customers.models import Customer
from liuke.org import services

pytestmark = pytest.mark.django_db


def test_a_rep_leaving_makes_their_only_customer_uncovered_on_the_spot(world):
    a2 = Customer.objects.get(pk=world.customer_a2.pk)  # covered by rep_a2 alone
    assert a2.team_people == 1
    services.employee_update(employee=world.rep_a2, status="left")
    a2.refresh_from_db()
    assert a2.team_people == 0
    assert a2.single_threaded
