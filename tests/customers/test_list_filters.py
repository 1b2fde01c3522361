"""The customer list's filters (one FilterSet for the page, the API and the export)."""

import re

import pytest

from liuke.core.changelog import change_context
from liuke.customers import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def huangpu(world):
    with change_context(source="system"):
        return services.customer_create(
            data={
                "code": "HP1",
                "name": "上海瑞金医院黄浦分院",
                "kind": "hospital",
                "address": "上海市黄浦区瑞金二路197号",
            }
        )


def test_two_words_find_the_customers_matching_every_word(world, huangpu, login):
    client = login(world.admin)
    found = {c["code"] for c in client.get("/api/customers/", {"q": "医院 黄浦"}).json()["results"]}
    assert found == {"HP1"}
    # The address counts too: 瑞金 is in the name, 瑞金二路 in the address; 北京 is in neither.
    assert client.get("/api/customers/", {"q": "瑞金 北京"}).json()["results"] == []
    page = client.get("/customers/", {"q": "医院 黄浦"}).content.decode()
    assert "上海瑞金医院黄浦分院" in page
    assert "北京同仁医院" not in page


def test_the_coverage_pages_nobody_link_opens_exactly_the_customers_with_nobody(world, login):
    client = login(world.director)
    coverage = client.get("/customers/coverage/").content.decode()
    link = re.search(r'href="(/customers/\?coverage=nobody[^"]*)"', coverage)
    assert link is not None
    listed = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert "无人医院" in listed  # customer_x: nobody on its team
    assert "上海瑞金医院" not in listed  # customer_a2: single-threaded, but covered by one rep
    api = client.get("/api/customers/", {"coverage": "nobody"}).json()
    assert [c["code"] for c in api["results"]] == ["CX"]


@pytest.mark.parametrize(
    "params",
    [
        {"member": "²"},
        {"department": "①"},
        {"territory": "9" * 30},
        {"cmin": "abc"},
        {"kind": "robot"},
        {"member": "٣"},
        {"q": "a" * 500},
        {"division": "'; --"},
    ],
)
def test_odd_filter_values_never_break_the_list_and_the_api_says_what_is_wrong(world, login, params):
    client = login(world.manager_a)
    assert client.get("/customers/", params).status_code == 200
    assert client.get("/customers/export/", {**params, "format": "csv"}).status_code == 200
    api = client.get("/api/customers/", params)
    assert api.status_code in (200, 400)
    if api.status_code == 400:
        assert set(api.json()) <= set(params)  # the error names the parameter
