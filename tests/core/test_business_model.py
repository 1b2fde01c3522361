"""Business records: no unlogged set-based change, one way to archive, one way to ask for active rows."""

import pytest

from liuke.core.models import ChangeLogEntry, UnloggedUpdate
from liuke.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_a_set_based_update_of_a_column_with_history_is_refused_and_changes_nothing(world):
    before = ChangeLogEntry.objects.count()
    with pytest.raises(UnloggedUpdate, match="phone"):
        Customer.objects.filter(pk=world.customer_a.pk).update(phone="021-00000000", completeness=1)
    world.customer_a.refresh_from_db()
    assert world.customer_a.phone != "021-00000000"
    assert world.customer_a.completeness != 1
    assert ChangeLogEntry.objects.count() == before


def test_derived_columns_still_change_set_based_without_history(world):
    before = ChangeLogEntry.objects.count()
    assert Customer.objects.filter(pk=world.customer_a.pk).update(completeness=7, search_text="x") == 1
    world.customer_a.refresh_from_db()
    assert world.customer_a.completeness == 7
    assert ChangeLogEntry.objects.count() == before


def test_archive_is_logged_and_takes_the_record_out_of_active_rows(world):
    customer = world.customer_x
    customer.archive()
    entry = ChangeLogEntry.objects.order_by("-seq").first()
    assert entry.object_id == str(customer.pk)
    assert entry.action == "archive"
    assert not Customer.objects.active().filter(pk=customer.pk).exists()
    assert Customer.objects.filter(pk=customer.pk).exists()  # kept, never deleted
