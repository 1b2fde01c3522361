"""On a phone the customer page's cards section is screens down: "new record card" sits by the name."""

import pytest

from liuke.customers import services as customer_services

pytestmark = pytest.mark.django_db


def test_new_record_card_is_offered_at_the_top_of_the_customer_page(world, client):
    client.force_login(world.rep_a.user)
    page = client.get(world.customer_a.get_absolute_url()).content.decode()
    top = page.index('data-testid="new-card-top"')
    assert top < page.index('id="completeness"')  # before the archive, not after it
    assert f'href="/cards/new/?customer={world.customer_a.pk}"' in page[top - 200 : top]


def test_no_new_card_action_on_an_archived_customer(world, client):
    customer_services.customer_archive(customer=world.customer_a)
    client.force_login(world.director.user)
    response = client.get(world.customer_a.get_absolute_url())
    assert response.status_code == 200
    assert 'data-testid="new-card-top"' not in response.content.decode()
