"""One home for every permission decision (core.visibility): actions beyond view and change, rules that
bind directors and admins too, channel data by role and territory, and no role compared anywhere else."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

import liuke
from liuke.channel.models import FlowImport, FlowLine, PriceFloor, Product
from liuke.core import visibility
from liuke.customers.models import AccountTeamMember, Customer
from liuke.interactions.models import RecordCard
from liuke.org.models import Territory
from tests.channel.factories import build_channel

SRC = Path(liuke.__file__).parent

pytestmark = pytest.mark.django_db


# --- actions ------------------------------------------------------------------------------------------


def test_adding_customers_is_for_reps_and_managers_and_admins(world):
    may_add = {
        name: visibility.can(world.user(name), Customer, visibility.ADD)
        for name in ("rep_a", "manager_a", "director", "auditor", "admin")
    }
    assert may_add == {"rep_a": True, "manager_a": True, "director": False, "auditor": False, "admin": True}


def test_a_rep_meets_403_on_the_customer_import_and_the_product_form(world, login):
    client = login(world.rep_a)
    assert client.get("/customers/import/").status_code == 403
    assert client.get("/channel/products/new/").status_code == 403
    assert client.get("/customers/fields/new/").status_code == 403


def test_managing_a_team_is_for_the_manager_over_the_customer(world):
    a, b = world.customer_a, world.customer_b
    assert visibility.can(world.manager_a.user, a, visibility.MANAGE_TEAM)
    assert not visibility.can(world.manager_a.user, b, visibility.MANAGE_TEAM)  # another manager's region
    assert not visibility.can(world.rep_a.user, a, visibility.MANAGE_TEAM)  # reps see it but do not staff it
    assert visibility.can(world.admin.user, b, visibility.MANAGE_TEAM)


def test_a_manager_cannot_staff_another_regions_customer_through_the_api(world, login):
    client = login(world.manager_a)
    before = AccountTeamMember.objects.count()
    response = client.post(
        "/api/account-team/",
        {"customer": world.customer_b.pk, "employee": world.rep_a.pk, "role": "maintain"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert AccountTeamMember.objects.count() == before


def test_drafts_stay_private_from_directors_and_admins_too(world):
    draft = RecordCard.objects.create(
        customer=world.customer_a, author=world.rep_a, kind="visit", occurred_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    )
    for viewer in (world.director, world.admin, world.manager_a):
        assert not visibility.restrict(viewer.user, RecordCard).filter(pk=draft.pk).exists()
        assert visibility.visible_object(viewer.user, RecordCard, draft.pk) is None
        assert not visibility.can(viewer.user, draft)
    assert visibility.can(world.rep_a.user, draft)


def test_restrict_and_the_single_object_check_agree_for_every_registered_model(world):
    build_channel(world)
    viewers = [world.rep_a, world.manager_a, world.director, world.auditor, world.admin]
    for model in visibility.registered_models():
        rows = list(model._default_manager.all()[:20])
        for viewer in viewers:
            listed = set(
                visibility.restrict(viewer.user, model).filter(pk__in=[r.pk for r in rows]).values_list("pk", flat=True)
            )
            one_by_one = {r.pk for r in rows if visibility.visible_object(viewer.user, model, r.pk) is not None}
            assert listed == one_by_one, (model.__name__, viewer.employee_no)
            assert listed == {r.pk for r in rows if visibility.can(viewer.user, r)}, (
                model.__name__,
                viewer.employee_no,
            )


# --- channel data by role and territory ----------------------------------------------------------------


def _line(imp, dist, terminal, division, row):
    return FlowLine.objects.create(
        flow_import=imp, distributor=dist, row_no=row, date=dt.date(2024, 1, 5), product=imp._product,
        quantity=Decimal(1), buyer_name=terminal.name, buyer_key=terminal.name, division_id=division,
        terminal=terminal, match_method="exact", dedup_key=row,
    )  # fmt: skip


@pytest.fixture
def flow(world):
    ch = build_channel(world)
    # 上海一组 (rep_a's department) covers 浦东 (310115).
    pudong = Territory.objects.create(code="T-PD", name="浦东", department=world.sh_team)
    pudong.divisions.set(["310115"])
    lines = {}
    for dist in (ch.dist_sh, ch.dist_js):
        imp = FlowImport.objects.create(
            distributor=dist, period=dt.date(2024, 1, 1), file_name=f"{dist.code}.csv", sha256=dist.code * 16,
            status="active",
        )  # fmt: skip
        imp._product = ch.tablets
        lines[dist.code] = imp
    t = ch.terminals
    return {
        "own_distributor": _line(lines["D-SH"], ch.dist_sh, t["H-GL"], "320106", 1),
        "territory": _line(lines["D-JS"], ch.dist_js, t["H-PD"], "310115", 2),
        "elsewhere": _line(lines["D-JS"], ch.dist_js, t["H-NJ1"], "320104", 3),
        "channel": ch,
    }


def test_a_rep_sees_the_flow_of_own_customers_and_territory_and_no_other(world, flow, login):
    seen = set(visibility.restrict(world.rep_a.user, FlowLine).values_list("pk", flat=True))
    # rep_a covers D-SH, but where D-SH's goods went outside rep_a's customers and territory is not theirs.
    assert seen == {flow["territory"].pk}
    managed = set(visibility.restrict(world.manager_a.user, FlowLine).values_list("pk", flat=True))
    assert managed == {flow["own_distributor"].pk, flow["territory"].pk}
    api = login(world.rep_a)
    assert {r["id"] for r in api.get("/api/flow-lines/").json()["results"]} == seen
    assert api.get(f"/api/flow-lines/{flow['territory'].pk}/").status_code == 200
    assert api.get(f"/api/flow-lines/{flow['elsewhere'].pk}/").status_code == 404


def test_the_flow_list_shows_a_rep_only_their_lines(world, flow, login):
    body = login(world.rep_a).get("/channel/flow/").content.decode()
    assert flow["territory"].buyer_name in body
    assert flow["elsewhere"].buyer_name not in body


def test_a_rep_never_sees_floor_prices_but_a_manager_does(world, login):
    ch = build_channel(world)
    floor = PriceFloor.objects.create(product=ch.tablets, channel_level="distributor", floor_price=Decimal("21.5"))
    assert not visibility.restrict(world.rep_a.user, PriceFloor).exists()
    assert visibility.restrict(world.manager_a.user, PriceFloor).filter(pk=floor.pk).exists()
    assert login(world.rep_a).get(f"/channel/prices/{floor.pk}/").status_code == 404
    product_page = login(world.rep_a).get(f"/channel/products/{ch.tablets.pk}/").content.decode()
    assert "21.5" not in product_page


def test_only_directors_and_admins_edit_products(world):
    build_channel(world)
    product = Product.objects.first()
    allowed = {
        e: visibility.can(getattr(world, e).user, product, visibility.CHANGE)
        for e in ("rep_a", "manager_a", "director", "admin")
    }
    assert allowed == {"rep_a": False, "manager_a": False, "director": True, "admin": True}


@pytest.mark.parametrize("division", ["310000", "310100", "310115", "abc", "31", "３１００００", "²"])
def test_the_flow_lists_division_filter_never_fails(world, flow, login, division):
    response = login(world.director).get("/channel/flow/", {"division": division})
    assert response.status_code == 200


def test_the_division_filter_narrows_to_everything_under_the_division(world, flow, login):
    body = login(world.director).get("/channel/flow/", {"division": "310000"}).content.decode()
    assert flow["territory"].buyer_name in body
    assert flow["elsewhere"].buyer_name not in body
    api = login(world.director).get("/api/flow-lines/", {"division": "320000"}).json()
    assert {r["id"] for r in api["results"]} == {flow["own_distributor"].pk, flow["elsewhere"].pk}


# --- no permission decided outside core.visibility ----------------------------------------------------

_ROLE_COMPARE = re.compile(
    r"\brole\s*(==|!=)|\brole\s+(not\s+)?in\s*[(\[{]|\brole\s+(not\s+)?in\s+[A-Z]|\bis_admin\b|\bis_superuser\b"
)
_ALLOWED = {
    "core/visibility.py",  # the one home
    "org/scopes.py",  # says who a login is (their role), for core.visibility
    "org/importers.py",  # maps the words of an org chart to roles (data, not permission)
}


def test_no_role_is_compared_outside_core_visibility():
    offenders = []
    for path in sorted(SRC.rglob("*")):
        if path.suffix not in (".py", ".html") or "migrations" in path.parts or "demo" in path.parts:
            continue
        rel = path.relative_to(SRC).as_posix()
        if rel in _ALLOWED:
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0] if path.suffix == ".py" else line
            if _ROLE_COMPARE.search(code) and "GET.role" not in code:
                offenders.append(f"{rel}:{no}: {line.strip()}")
    assert offenders == []


def test_core_names_no_domain_app():
    offenders = []
    for path in [*sorted((SRC / "core").rglob("*.py")), SRC / "urls.py"]:
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for app in ("org", "customers", "channel", "interactions", "demo"):
            if re.search(rf"liuke\.{app}\b|from \.\.{app}\b", text):
                offenders.append(f"{path.relative_to(SRC)} names liuke.{app}")
    assert offenders == []


def test_every_where_the_goods_went_link_of_a_distributor_opens_its_lines(world, flow, login):
    client = login(world.director)
    dist = flow["channel"].dist_js
    FlowLine.objects.filter(pk=flow["elsewhere"].pk).update(division=None)  # a buyer with no known division
    page = client.get(f"/channel/distributors/{dist.pk}/").content.decode()
    links = [u.replace("&amp;", "&") for u in re.findall(r'href="(/channel/flow/\?distributor=[^"]+)"', page)]
    assert len(links) >= 2
    shown = set()
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        body = response.content.decode()
        shown |= {k for k in ("territory", "elsewhere") if flow[k].buyer_name in body}
        if "division=none" in link:
            assert flow["elsewhere"].buyer_name in body
            assert flow["territory"].buyer_name not in body
    assert shown == {"territory", "elsewhere"}


# --- no query string parsed outside filtersets.py -----------------------------------------------------

_QUERY_READ = re.compile(r"""(request\.GET|query_params)(\.get\(|\[|\.getlist\()\s*["']([a-z_]+)["']""")
# Keys that are not filters: the page of a paginated list, and the file format of an export (checked
# against the formats core.exports writes).
_NOT_FILTERS = {"page", "format"}


def test_no_query_string_is_parsed_outside_filtersets():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "filtersets.py" or "migrations" in path.parts:
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in _QUERY_READ.finditer(line):
                if match.group(3) not in _NOT_FILTERS:
                    offenders.append(f"{path.relative_to(SRC)}:{no}: {line.strip()}")
    assert offenders == []


def test_the_change_log_is_refused_to_those_who_do_not_oversee_it(world, login):
    for employee, status in ((world.rep_a, 403), (world.manager_a, 403), (world.auditor, 200), (world.director, 200)):
        assert login(employee).get("/core/changelog/").status_code == status, employee.employee_no


def test_an_auditor_sees_a_flow_lines_buyer_but_no_link_into_an_archive_they_cannot_open(world, flow, login):
    body = login(world.auditor).get("/channel/flow/").content.decode()
    terminal = flow["territory"].terminal
    assert terminal.name in body
    assert f'href="{terminal.get_absolute_url()}"' not in body
    director_view = login(world.director).get("/channel/flow/").content.decode()
    assert f'href="{terminal.get_absolute_url()}"' in director_view


def test_org_names_none_of_the_apps_built_on_it():
    """No import cycle: customers, channel and interactions build on org, never the other way round."""
    offenders = [
        f"{path.relative_to(SRC)} names liuke.{app}"
        for path in sorted((SRC / "org").rglob("*.py"))
        for app in ("customers", "channel", "interactions")
        if re.search(rf"liuke\.{app}\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
