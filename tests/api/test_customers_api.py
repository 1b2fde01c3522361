"""Customers, contacts and account teams through the API, under the same rules as the web UI."""

import pytest
from rest_framework.test import APIClient

from liuke.core.visibility import restrict
from liuke.customers import services
from liuke.customers.models import AccountTeamMember, Customer

pytestmark = pytest.mark.django_db


def api_as(employee):
    api = APIClient()
    api.force_authenticate(employee.user)
    return api


def test_list_filters_are_the_web_list_filters(world):
    for c in Customer.objects.all():
        services.customer_refresh_derived(customer=c)
    api = api_as(world.director)
    codes = {r["code"] for r in api.get("/api/customers/", {"coverage": "single"}).json()["results"]}
    assert codes == {"CA2", "CB", "CX"}
    codes = {r["code"] for r in api.get("/api/customers/", {"q": "bjtryy"}).json()["results"]}
    assert codes == {"CA"}
    row = api.get("/api/customers/", {"q": "CA2"}).json()["results"][0]
    assert (row["team_people"], row["team_roles"]) == (1, 1)


def test_a_rep_creates_a_customer_and_is_put_on_its_team(world):
    api = api_as(world.rep_b)
    response = api.post(
        "/api/customers/",
        {
            "code": "N1",
            "name": "南京市第一医院",
            "kind": "hospital",
            "address": "江苏省南京市秦淮区长乐路68号",
            "fields": {"beds": 1500},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["division"] == "320104"
    assert body["fields"] == {"beds": 1500}
    customer = Customer.objects.get(code="N1")
    assert restrict(world.rep_b.user, Customer).filter(pk=customer.pk).exists()
    assert AccountTeamMember.objects.filter(customer=customer, employee=world.rep_b, role="develop").exists()


def test_duplicate_and_bad_fields_are_400_with_reasons(world):
    api = api_as(world.rep_b)
    api.post(
        "/api/customers/",
        {"code": "N1", "name": "秦淮诊所", "kind": "clinic", "address": "南京市秦淮区"},
        format="json",
    )
    again = api.post(
        "/api/customers/",
        {"code": "N2", "name": "秦淮诊所", "kind": "clinic", "address": "南京市秦淮区"},
        format="json",
    )
    assert again.status_code == 400
    assert again.json()["duplicate_of"] == "N1"
    bad = api.post(
        "/api/customers/",
        {"code": "N3", "name": "坏床位医院", "kind": "hospital", "fields": {"beds": "many"}},
        format="json",
    )
    assert bad.status_code == 400
    assert "field_beds" in bad.json()
    assert not Customer.objects.filter(code__in=["N2", "N3"]).exists()


def test_stale_version_is_refused(world):
    api = api_as(world.rep_a)
    url = f"/api/customers/{world.customer_a.pk}/"
    version = api.get(url).json()["version"]
    assert api.patch(url, {"phone": "1", "version": version}, format="json").status_code == 200
    stale = api.patch(url, {"phone": "2", "version": version}, format="json")
    assert stale.status_code == 400
    assert "version" in stale.json()
    assert Customer.objects.get(pk=world.customer_a.pk).phone == "1"


def test_only_managers_change_the_account_team(world):
    payload = {"customer": world.customer_a.pk, "employee": world.rep_a2.pk, "role": "maintain"}
    assert api_as(world.rep_a).post("/api/account-team/", payload, format="json").status_code == 403
    assert api_as(world.manager_b).post("/api/account-team/", payload, format="json").status_code == 403
    response = api_as(world.manager_a).post("/api/account-team/", payload, format="json")
    assert response.status_code == 201, response.content
    assert AccountTeamMember.objects.filter(customer=world.customer_a, employee=world.rep_a2).exists()


def test_contacts_follow_their_customer(world):
    api = api_as(world.rep_a)
    ok = api.post("/api/contacts/", {"customer": world.customer_a.pk, "name": "钱科长"}, format="json")
    assert ok.status_code == 201
    refused = api.post("/api/contacts/", {"customer": world.customer_b.pk, "name": "越权"}, format="json")
    assert refused.status_code == 403
    names = {r["name"] for r in api.get("/api/contacts/").json()["results"]}
    assert names == {"王主任", "钱科长"}
