"""What the card views answer the phone's outbox: one unambiguous outcome per card, so a card the server
refused is never reported as sent."""

import datetime as dt

import pytest
from django.utils import timezone

from liuke.interactions.models import RecordCard

pytestmark = pytest.mark.django_db

OUTBOX = {"HTTP_X_REQUESTED_WITH": "liuke-outbox"}


def _post(client, customer, *, days_ago=0, key="phone-key-1", action="submit", **extra):
    when = timezone.localtime() - dt.timedelta(days=days_ago, hours=1)
    fields = {
        "customer": customer.pk,
        "occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "kind": "visit",
        "summary": "与王主任面谈，药事会下月12日召开，需补两份临床资料。",
        "client_key": key,
        "action": action,
        **extra,
    }
    return client.post(f"/cards/new/?customer={customer.pk}", fields, **OUTBOX)


def test_an_outbox_card_the_server_accepts_is_answered_as_submitted(world, client):
    client.force_login(world.rep_a.user)
    response = _post(client, world.customer_a)
    assert response.status_code == 200
    answer = response.json()
    card = RecordCard.objects.get(client_key="phone-key-1")
    assert card.status == "submitted"
    assert answer["outcome"] == "submitted"
    assert answer["url"] == card.get_absolute_url()
    assert world.customer_a.name in answer["message"]
    # Sent again (the answer was lost on the way): the same card, still "submitted".
    again = _post(client, world.customer_a)
    assert again.json()["outcome"] == "submitted"
    assert again.json()["id"] == card.pk


def test_an_outbox_card_refused_on_submission_is_answered_as_kept_as_draft_with_the_reason(world, client):
    client.force_login(world.rep_a.user)
    response = _post(client, world.customer_a, days_ago=6)  # back-dated, no reason given
    assert response.status_code == 422
    answer = response.json()
    card = RecordCard.objects.get(client_key="phone-key-1")
    assert card.status == "draft"  # the text is kept, not submitted
    assert answer["ok"] is False
    assert answer["outcome"] == "kept_as_draft"
    assert answer["id"] == card.pk
    assert answer["url"] == f"/cards/{card.pk}/edit/"
    assert "backdate_reason" in answer["errors"]
    assert answer["errors"]["backdate_reason"][0] in answer["message"]
    assert client.get(answer["url"]).status_code == 200  # the draft opens to be fixed
    # Fixed and sent again with the same key: the same card is submitted.
    fixed = _post(client, world.customer_a, days_ago=6, backdate_reason="在外地开会，今天才补录")
    assert fixed.json()["outcome"] == "submitted"
    assert RecordCard.objects.filter(client_key="phone-key-1").count() == 1


def test_an_outbox_card_that_cannot_even_be_a_draft_is_answered_as_refused(world, client):
    client.force_login(world.rep_a.user)
    response = _post(client, world.customer_a, days_ago=-2)  # in the future: not even a draft
    assert response.status_code == 400
    answer = response.json()
    assert answer["outcome"] == "refused"
    assert "occurred_at" in answer["errors"]
    assert answer["url"] == f"/cards/new/?customer={world.customer_a.pk}"
    assert not RecordCard.objects.filter(client_key="phone-key-1").exists()


def test_an_outbox_draft_is_answered_as_a_draft_not_as_submitted(world, client):
    client.force_login(world.rep_a.user)
    answer = _post(client, world.customer_a, action="draft").json()
    assert answer["outcome"] == "draft"
    assert RecordCard.objects.get(client_key="phone-key-1").status == "draft"
