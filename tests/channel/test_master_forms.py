"""Master data on the web: products, floor prices, discount approvals and distributor authorisations."""

import datetime as dt
from decimal import Decimal

import pytest

from liuke.channel.models import DiscountAuthorization, DistributorAuthorization, PriceFloor, Product
from liuke.core.models import ChangeLogEntry

pytestmark = pytest.mark.django_db


def test_a_director_adds_a_product_whose_units_come_from_its_pack_spec(channel, login):
    client = login(channel.world.director)
    assert 'data-testid="add-new"' in client.get("/channel/products/").content.decode()
    response = client.post("/channel/products/new/", {
        "code": "P009", "name": "银杏叶片", "spec": "9.6mg*12片*2板/盒", "base_unit": "", "units_text": "件=100",
        "aliases_text": "银杏叶；杏叶片"})  # fmt: skip
    product = Product.objects.get(code="P009")
    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url()
    assert product.base_unit == "盒"
    assert product.units["件"] == "100"
    assert Decimal(product.units["片"]) == round(Decimal(1) / 24, 8)  # 12 片 × 2 板 in a 盒
    assert product.aliases == ["银杏叶", "杏叶片"]
    entry = ChangeLogEntry.objects.filter(object_id=str(product.pk)).latest("seq")
    assert entry.actor_id == channel.world.director.user.pk


def test_a_product_with_a_bad_unit_or_a_taken_code_is_refused_and_nothing_saved(channel, login):
    client = login(channel.world.director)
    response = client.post("/channel/products/new/", {"code": "P010", "name": "某药", "spec": "",
                                                      "base_unit": "盒", "units_text": "件=abc"})  # fmt: skip
    assert response.status_code == 400
    assert "件=abc" in response.context["form"].errors["units_text"][0]
    response = client.post("/channel/products/new/", {"code": "P001", "name": "重复", "spec": "", "base_unit": "盒"})
    assert response.status_code == 400
    assert "code" in response.context["form"].errors
    assert not Product.objects.filter(code="P010").exists()
    assert Product.objects.get(code="P001").name == "复方丹参片"


def test_editing_a_product_keeps_its_units_and_logs_the_change(channel, login):
    client = login(channel.world.admin)
    url = f"/channel/products/{channel.tablets.pk}/edit/"
    form = client.get(url).context["form"]
    assert form.initial["units_text"] == channel.tablets.units_text()
    data = {**form.initial, "name": "复方丹参片（薄膜衣）"}
    assert client.post(url, data).status_code == 302
    channel.tablets.refresh_from_db()
    assert channel.tablets.name == "复方丹参片（薄膜衣）"
    assert channel.tablets.units["件"] == "50"
    entry = ChangeLogEntry.objects.filter(object_id=str(channel.tablets.pk)).latest("seq")
    assert (entry.before["name"], entry.after["name"]) == ("复方丹参片", "复方丹参片（薄膜衣）")


def test_floor_prices_must_be_positive_with_an_end_after_the_start(channel, login):
    client = login(channel.world.director)
    base = {"product": channel.tablets.pk, "channel_level": "terminal", "valid_from": "2025-01-01"}
    response = client.post("/channel/prices/new/", {**base, "floor_price": "-1"})
    assert response.status_code == 400
    assert "floor_price" in response.context["form"].errors
    response = client.post("/channel/prices/new/", {**base, "floor_price": "28", "valid_to": "2024-12-31"})
    assert "valid_to" in response.context["form"].errors
    assert not PriceFloor.objects.exists()
    response = client.post("/channel/prices/new/", {**base, "floor_price": "28.5"})
    floor = PriceFloor.objects.get()
    assert response["Location"] == f"/channel/prices/{floor.pk}/"
    assert (floor.floor_price, floor.valid_from) == (Decimal("28.5"), dt.date(2025, 1, 1))


def test_a_manager_approves_discounts_only_for_customers_they_see(channel, login):
    w = channel.world
    client = login(w.manager_a)
    assert 'data-testid="add-new"' in client.get("/channel/discounts/").content.decode()
    data = {"product": channel.tablets.pk, "net_price": "25", "quantity_cap": "500", "valid_from": "2025-01-01",
            "valid_to": "2025-06-30", "note": "年度协议"}  # fmt: skip
    response = client.post("/channel/discounts/new/", {**data, "customer_code": w.customer_b.code})
    assert response.status_code == 400
    assert w.customer_b.code in response.context["form"].errors["customer_code"][0]
    response = client.post("/channel/discounts/new/", {**data, "customer_code": w.customer_a.code})
    assert response.status_code == 302
    discount = DiscountAuthorization.objects.get()
    assert (discount.customer, discount.approver, discount.quantity_cap) == (w.customer_a, w.manager_a, Decimal(500))


def test_an_authorisation_names_a_known_division_and_may_cover_every_product(channel, login):
    client = login(channel.world.director)
    data = {"distributor": channel.dist_js.pk, "product": "", "valid_from": "2025-01-01"}
    response = client.post("/channel/authorizations/new/", {**data, "division_code": "999999"})
    assert response.status_code == 400
    assert "999999" in response.context["form"].errors["division_code"][0]
    response = client.post("/channel/authorizations/new/", {**data, "division_code": "320100"})
    assert response.status_code == 302
    record = DistributorAuthorization.objects.get()
    assert (record.distributor, record.product, record.division_id) == (channel.dist_js, None, "320100")


@pytest.mark.parametrize("url", ["/channel/products/new/", "/channel/prices/new/", "/channel/authorizations/new/",
                                 "/channel/discounts/new/"])  # fmt: skip
def test_reps_may_not_change_master_data(channel, login, url):
    client = login(channel.world.rep_a)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403
    assert 'data-testid="add-new"' not in client.get("/channel/products/").content.decode()


def test_managers_may_not_change_products_prices_or_authorisations(channel, login):
    client = login(channel.world.manager_a)
    for url in ("/channel/products/new/", "/channel/prices/new/", "/channel/authorizations/new/"):
        assert client.get(url).status_code == 403
