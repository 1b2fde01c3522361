"""The customer rules of issue 11 on the test world: who fires and who must not (archived customers, people who
left, boundary days, the licence window's edge), one alert per problem, a re-run that adds nothing, and a fixed
cause that moves the alert to "no longer observed" on the next full run.

The world: CA (RA develop, MA manager: covered), CA2 (RA2 only) and CB (RB only): single-threaded, CX (nobody):
uncovered. Key contacts 王主任 at CA (known by RA) and 李科长 at CB (known by RB).
"""

import datetime as dt
import functools

import pytest
from django.utils import timezone

from liuke.alerts import engine, services
from liuke.alerts.choices import AlertStatus, RunMode
from liuke.alerts.models import Alert
from liuke.alerts.registry import RunContext
from liuke.core import visibility
from liuke.core.changelog import change_context
from liuke.customers import rules
from liuke.customers import services as customer_services
from liuke.customers.importers import account_team_import_run, customer_import_run
from liuke.customers.models import AccountTeamMember, Contact, ContactKnower, Customer, FieldDefinition
from liuke.org import services as org_services

pytestmark = pytest.mark.django_db

CUSTOMER_RULES = [
    "uncovered",
    "single_threaded",
    "key_contact_single",
    "archive_incomplete",
    "licence_expiring",
    "contact_overdue",
]


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> str:
    return (today() + dt.timedelta(days=n)).isoformat()


def customer(code, *members, status="active", kind="hospital", **columns) -> Customer:
    c = Customer.objects.create(code=code, name=f"客户{code}", kind=kind, status=status, **columns)
    for employee, role in members:
        AccountTeamMember.objects.create(customer=c, employee=employee, role=role)
    return c


def live(rule: str) -> dict[str, Alert]:
    """The rule's open alerts, by the customer code they are about."""
    alerts = Alert.objects.filter(rule=rule, status=AlertStatus.OPEN).select_related("customer")
    return {a.customer.code: a for a in alerts}


def keys(rule: str) -> set[str]:
    return set(Alert.objects.filter(rule=rule, status=AlertStatus.OPEN).values_list("key", flat=True))


def set_param(rule: str, **params):
    services.rule_setting_save(rule=rule, enabled=True, params={k: str(v) for k, v in params.items()})


def test_every_customer_rule_is_registered_with_its_area_and_severity(world):
    from liuke.alerts import registry

    got = {r.name: (r.area, r.severity) for r in registry.all_rules() if r.name in CUSTOMER_RULES}
    assert got == {
        "uncovered": ("customers", "high"),
        "single_threaded": ("customers", "medium"),
        "key_contact_single": ("customers", "medium"),
        "archive_incomplete": ("customers", "low"),
        "licence_expiring": ("customers", "medium"),
        "contact_overdue": ("work", "low"),
    }


# --- uncovered / single_threaded ---------------------------------------------------------------------


def test_uncovered_names_customers_without_a_current_team_member_still_with_us(world):
    customer("GONE", (world.rep_b, "develop"))
    ended = customer("ENDED")
    AccountTeamMember.objects.create(
        customer=ended, employee=world.rep_a2, role="develop", until=today() - dt.timedelta(days=1)
    )
    last_day = customer("LASTDAY")  # the membership ends today: still covered today
    AccountTeamMember.objects.create(customer=last_day, employee=world.rep_a2, role="develop", until=today())
    customer("ARCH").archive()
    customer("LOST", status="lost")
    customer("PROS", status="prospect")
    with change_context(source="system"):
        org_services.employee_leave(employee=world.rep_b, leave_date=today())  # CB and GONE lose their only rep

    engine.screen(["uncovered", "single_threaded"])

    uncovered = live("uncovered")
    assert set(uncovered) == {"CX", "CB", "GONE", "ENDED"}
    assert uncovered["CX"].evidence == [{"type": "customer", "code": "CX"}]
    assert uncovered["CX"].employee_id is None
    # The last person on the team is named, so their manager sees the alert and hands the customer on.
    assert uncovered["GONE"].employee_id == world.rep_b.pk
    assert uncovered["GONE"].evidence[1] == {"type": "employee", "employee_no": "RB", "last_on_team": True}
    assert uncovered["ENDED"].employee_id == world.rep_a2.pk
    assert uncovered["CX"].severity == "high"
    assert uncovered["CX"].title == "无人医院（CX）无人负责"
    # One alert per problem: nobody at all is "uncovered", not also "single-threaded".
    assert set(live("single_threaded")) == {"CA2", "LASTDAY"}


def test_single_threaded_counts_people_and_roles_live(world):
    one_in_two_roles = customer("ONE2", (world.rep_a, "develop"), (world.rep_a, "maintain"))
    customer("TWO1", (world.rep_a, "develop"), (world.rep_a2, "develop"))
    customer("FINE", (world.rep_a, "develop"), (world.rep_a2, "support"))
    customer("HALF", (world.rep_a, "develop"), (world.rep_b, "support"))
    customer("ARCH1", (world.rep_a, "develop")).archive()
    customer("DORM", (world.rep_a, "develop"), status="dormant")
    with change_context(source="system"):
        org_services.employee_leave(employee=world.rep_b, leave_date=today())

    engine.screen(["single_threaded"])

    found = live("single_threaded")
    assert set(found) == {"CA2", "ONE2", "TWO1", "HALF"}
    assert found["ONE2"].employee_id == world.rep_a.pk  # everything rests on one person
    assert found["TWO1"].employee_id is None
    assert found["ONE2"].customer_id == one_in_two_roles.pk
    assert found["TWO1"].evidence == [
        {"type": "customer", "code": "TWO1"},
        {"type": "employee", "employee_no": "RA", "role": "develop"},
        {"type": "employee", "employee_no": "RA2", "role": "develop"},
    ]
    assert found["HALF"].evidence == [
        {"type": "customer", "code": "HALF"},
        {"type": "employee", "employee_no": "RA", "role": "develop"},
    ]


def test_a_second_team_member_moves_the_alert_to_no_longer_observed(world):
    first = engine.screen(["uncovered", "single_threaded"])
    assert first.opened
    assert set(live("single_threaded")) == {"CA2", "CB"}
    again = engine.screen(["uncovered", "single_threaded"])
    assert (again.opened, again.reopened, again.closed) == ([], [], 0)
    assert Alert.objects.filter(rule__in=["uncovered", "single_threaded"]).count() == 3

    with change_context(source="web", actor=world.manager_b.user):
        customer_services.team_assign(customer=world.customer_b, employee=world.manager_b, role="manager")
    result = engine.screen(["uncovered", "single_threaded"])
    assert result.closed == 1
    assert Alert.objects.get(rule="single_threaded", customer=world.customer_b).status == (
        AlertStatus.NO_LONGER_OBSERVED
    )
    assert set(live("single_threaded")) == {"CA2"}


def test_coverage_alerts_follow_the_customer_and_the_people_they_name(world):
    engine.screen(["uncovered", "single_threaded", "key_contact_single"])

    def seen(employee):
        return {(a.rule, a.customer.code) for a in visibility.restrict(employee.user, Alert).select_related("customer")}

    assert seen(world.rep_a2) == {("single_threaded", "CA2")}
    assert seen(world.rep_a) == {("key_contact_single", "CA")}
    assert ("single_threaded", "CB") in seen(world.manager_b)
    assert not {code for _, code in seen(world.manager_b)} & {"CA", "CA2", "CX"}
    assert ("uncovered", "CX") in seen(world.director)


# --- key_contact_single ------------------------------------------------------------------------------


def test_key_contacts_known_to_fewer_than_two_colleagues(world):
    c = world.customer_a
    nobody = Contact.objects.create(customer=c, name="赵院长", is_key=True)
    known_twice = Contact.objects.create(customer=c, name="钱科长", is_key=True)
    for employee in (world.rep_a, world.manager_a):
        ContactKnower.objects.create(contact=known_twice, employee=employee)
    once_and_a_leaver = Contact.objects.create(customer=world.customer_b, name="孙主任", is_key=True)
    ContactKnower.objects.create(contact=once_and_a_leaver, employee=world.rep_a)
    ContactKnower.objects.create(contact=once_and_a_leaver, employee=world.rep_a2)
    once_archived = Contact.objects.create(customer=c, name="周药师", is_key=True)
    ContactKnower.objects.create(contact=once_archived, employee=world.rep_a)
    ContactKnower.objects.create(contact=once_archived, employee=world.manager_a).archive()  # no longer knows them
    Contact.objects.create(customer=c, name="吴干事")  # not a key contact
    Contact.objects.create(customer=c, name="郑主任", is_key=True).archive()
    on_archived = customer("ARCH")
    Contact.objects.create(customer=on_archived, name="冯主任", is_key=True)
    on_archived.archive()
    with change_context(source="system"):
        org_services.employee_leave(employee=world.rep_a2, leave_date=today())

    engine.screen(["key_contact_single"])

    found = {a.params["contact"]: a for a in Alert.objects.filter(rule="key_contact_single")}
    assert set(found) == {"王主任", "李科长", "赵院长", "孙主任", "周药师"}
    wang = found["王主任"]
    assert wang.key == str(world.contact_a.pk)
    assert (wang.employee_id, wang.customer_id) == (world.rep_a.pk, c.pk)
    assert wang.evidence == [
        {"type": "customer", "code": "CA"},
        {"type": "contact", "id": world.contact_a.pk, "name": "王主任"},
        {"type": "employee", "employee_no": "RA"},
    ]
    assert found["赵院长"].employee_id is None  # nobody knows them
    assert found["赵院长"].evidence[1] == {"type": "contact", "id": nobody.pk, "name": "赵院长"}
    assert len(found["赵院长"].evidence) == 2
    assert found["孙主任"].employee_id == world.rep_a.pk  # RA2 left
    assert found["周药师"].employee_id == world.rep_a.pk

    with change_context(source="web", actor=world.manager_a.user):
        customer_services.contact_set_knower(contact=world.contact_a, employee=world.manager_a, familiarity=2)
    assert engine.screen(["key_contact_single"]).closed == 1
    assert Alert.objects.get(rule="key_contact_single", key=str(world.contact_a.pk)).status == (
        AlertStatus.NO_LONGER_OBSERVED
    )


# --- archive_incomplete ------------------------------------------------------------------------------


def _score(c: Customer, value: int) -> None:
    Customer._base_manager.filter(pk=c.pk).update(completeness=value)


def test_archive_incomplete_below_the_handover_threshold(world, settings):
    assert rules.find_archive_incomplete  # the threshold defaults to LIUKE_HANDOVER_READY_THRESHOLD (80)
    for c, score in ((world.customer_a, 80), (world.customer_a2, 79), (world.customer_b, 100), (world.customer_x, 0)):
        _score(c, score)
    archived = customer("ARCH")
    _score(archived, 10)
    archived.archive()
    _score(customer("LOST", status="lost"), 10)

    engine.screen(["archive_incomplete"])
    assert set(live("archive_incomplete")) == {"CA2", "CX"}
    assert live("archive_incomplete")["CX"].evidence == [{"type": "customer", "code": "CX"}]

    set_param("archive_incomplete", threshold=81)
    engine.screen(["archive_incomplete"])
    assert set(live("archive_incomplete")) == {"CA", "CA2", "CX"}


def test_completing_the_archive_moves_the_alert_to_no_longer_observed(world):
    with change_context(source="web", actor=world.rep_a.user):
        c = customer_services.customer_create(data={"code": "OTH", "name": "上海某养老院", "kind": "other"})
        engine.screen(["archive_incomplete"])
        assert "OTH" in live("archive_incomplete")
        assert engine.screen(["archive_incomplete"]).opened == []  # nothing new on a re-run

        c = customer_services.customer_update(
            customer=c,
            data={"address": "上海市黄浦区南京东路1号", "phone": "021-63210000", "grade": "B"},
            division_code="310101",
            fields={"relationship_history": "2020年开始合作。", "handover_notes": "院长拍板，每月初拜访。"},
        )
        for name in ("王院长", "李护士长"):
            customer_services.contact_save(customer=c, data={"name": name})
        customer_services.team_assign(customer=c, employee=world.rep_a, role="develop")
        customer_services.team_assign(customer=c, employee=world.manager_a, role="manager")
    c.refresh_from_db()
    assert c.completeness >= 80

    result = engine.screen(["archive_incomplete"])
    assert result.closed >= 1
    assert Alert.objects.get(rule="archive_incomplete", customer=c).status == AlertStatus.NO_LONGER_OBSERVED


# --- licence_expiring --------------------------------------------------------------------------------


def _fields(c: Customer, **values) -> None:
    Customer._base_manager.filter(pk=c.pk).update(fields=values)


def test_licences_expiring_within_the_window_or_expired(world):
    _fields(world.customer_a, drug_trading_license_expiry=days(30), gsp_certificate_expiry=days(-1))
    _fields(world.customer_a2, drug_trading_license_expiry=days(31))  # one day outside the window
    _fields(world.customer_b, gsp_certificate_expiry=days(0), next_tender_date=days(-100))  # expires today
    _fields(world.customer_x, next_tender_date=days(-5), last_tender_date=days(-300))  # dates, not licences
    arch = customer("ARCH")
    _fields(arch, drug_trading_license_expiry=days(-10))
    arch.archive()
    _fields(customer("LOST", status="lost"), drug_trading_license_expiry=days(-10))

    engine.screen(["licence_expiring"])

    found = {a.key: a for a in Alert.objects.filter(rule="licence_expiring")}
    a, b = world.customer_a.pk, world.customer_b.pk
    assert set(found) == {
        f"{a}:drug_trading_license_expiry",
        f"{a}:gsp_certificate_expiry",
        f"{b}:gsp_certificate_expiry",
    }
    soon, gone = found[f"{a}:drug_trading_license_expiry"], found[f"{a}:gsp_certificate_expiry"]
    assert (soon.severity, gone.severity) == ("medium", "high")
    assert found[f"{b}:gsp_certificate_expiry"].severity == "medium"  # valid through today
    assert soon.evidence == [
        {
            "type": "customer",
            "code": "CA",
            "field": "drug_trading_license_expiry",
            "expires": days(30),
            "expired": False,
        }
    ]
    assert soon.customer_id == a
    assert soon.title == f"北京同仁医院（CA）：药品经营许可证有效期至 {days(30)}"

    set_param("licence_expiring", days=31)
    engine.screen(["licence_expiring"])
    assert f"{world.customer_a2.pk}:drug_trading_license_expiry" in keys("licence_expiring")


def test_any_date_field_marked_as_an_expiry_is_watched(world):
    _fields(world.customer_x, next_tender_date=days(-5))
    engine.screen(["licence_expiring"])
    assert not keys("licence_expiring")
    with change_context(source="web", actor=world.admin.user):
        defn = FieldDefinition.objects.get(key="next_tender_date")
        customer_services.field_definition_save(data={"is_expiry": True}, definition=defn)
    engine.screen(["licence_expiring"])
    assert keys("licence_expiring") == {f"{world.customer_x.pk}:next_tender_date"}


def test_renewing_the_licence_closes_the_alert_and_a_dismissed_one_returns_once_expired(world, monkeypatch):
    _fields(world.customer_a, drug_trading_license_expiry=days(3))
    _fields(world.customer_b, drug_trading_license_expiry=days(3))
    engine.screen(["licence_expiring"])
    a_key = f"{world.customer_a.pk}:drug_trading_license_expiry"
    b_key = f"{world.customer_b.pk}:drug_trading_license_expiry"
    assert keys("licence_expiring") == {a_key, b_key}

    with change_context(source="web", actor=world.rep_a.user):
        customer_services.customer_update(
            customer=world.customer_a, data={}, fields={"drug_trading_license_expiry": days(1825)}
        )
    assert engine.screen(["licence_expiring"]).closed == 1
    assert Alert.objects.get(key=a_key).status == AlertStatus.NO_LONGER_OBSERVED

    b = Alert.objects.get(key=b_key)
    with change_context(source="web", actor=world.rep_b.user):
        services.alert_step(alert=b, user=world.rep_b.user, status=AlertStatus.DISMISSED, note="客户已在办理换证")
    engine.screen(["licence_expiring"])
    assert Alert.objects.get(key=b_key).status == AlertStatus.DISMISSED  # same evidence: stays dismissed

    later = timezone.now() + dt.timedelta(days=5)  # the licence has run out since
    monkeypatch.setattr(engine, "RunContext", functools.partial(RunContext, now=later))
    engine.screen(["licence_expiring"])
    b.refresh_from_db()
    assert (b.status, b.severity) == (AlertStatus.OPEN, "high")


# --- contact_overdue ---------------------------------------------------------------------------------


def _contacted(c: Customer, days_ago: int) -> None:
    noon = timezone.make_aware(dt.datetime.combine(today() - dt.timedelta(days=days_ago), dt.time(12)))
    Customer._base_manager.filter(pk=c.pk).update(last_contact_at=noon)


def _opened(c: Customer, days_ago: int) -> None:
    Customer._base_manager.filter(pk=c.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))


def test_contact_overdue_by_the_grade_cadence(world):
    on_time = customer("A14", grade="A")
    _contacted(on_time, 14)  # the last day of a 14-day cadence
    late = customer("A15", grade="A")
    _contacted(late, 15)
    _contacted(customer("B30", grade="B"), 30)
    _contacted(customer("B31", grade="B"), 31)
    _contacted(customer("C61", grade="C"), 61)
    _contacted(customer("N59"), 59)  # no grade: the loosest cadence (60 days)
    _contacted(customer("N61"), 61)
    _opened(customer("NEW", grade="A"), 10)  # never contacted, opened 10 days ago
    _opened(customer("OLD", grade="A"), 20)  # never contacted, opened 20 days ago
    _contacted(customer("PRO", grade="A", status="prospect"), 100)
    gone = customer("ARC", grade="A")
    _contacted(gone, 100)
    gone.archive()

    engine.screen(["contact_overdue"])

    found = live("contact_overdue")
    assert set(found) == {"A15", "B31", "C61", "N61", "OLD"}  # the world's customers were opened today
    assert found["A15"].params["since"] == (today() - dt.timedelta(days=15)).isoformat()
    assert (found["A15"].area, found["A15"].severity) == ("work", "low")
    assert found["OLD"].evidence == [{"type": "customer", "code": "OLD", "last_contact": None}]
    assert found["A15"].title == f"客户A15（A15）：自 {(today() - dt.timedelta(days=15)).isoformat()} 起未联系"

    set_param("contact_overdue", cadence_a=30)
    result = engine.screen(["contact_overdue"])
    assert set(live("contact_overdue")) == {"B31", "C61", "N61"}  # grade A now has 30 days; ungraded too: max
    assert result.closed == 2


def test_a_record_card_ends_the_overdue_contact(world):
    from tests.interactions.factories import write_card

    _opened(world.customer_a, 40)
    Customer._base_manager.filter(pk=world.customer_a.pk).update(grade="A")
    engine.screen(["contact_overdue"])
    assert "CA" in live("contact_overdue")
    write_card(world.rep_a, world.customer_a)
    assert engine.screen(["contact_overdue"]).closed == 1


# --- incremental screening after an import ------------------------------------------------------------


def test_an_incremental_run_looks_only_at_the_customers_named(world):
    result = engine.screen(mode=RunMode.INCREMENTAL, scope={"customers": [world.customer_x.pk, world.customer_b.pk]})
    assert set(result.timings) == set(CUSTOMER_RULES)  # the work rules do not understand the scope
    assert {(a.rule, a.customer.code) for a in Alert.objects.select_related("customer")} >= {
        ("uncovered", "CX"),
        ("single_threaded", "CB"),
        ("key_contact_single", "CB"),
    }
    assert not Alert.objects.filter(customer__in=[world.customer_a, world.customer_a2]).exists()


def test_imports_screen_the_customers_they_touched(world, tmp_path, django_capture_on_commit_callbacks):
    path = tmp_path / "c.csv"
    path.write_text(
        f"客户编码,客户名称,客户类型,药品经营许可证有效期至\nP9,新开药房,药店,{days(10)}\n", encoding="utf-8"
    )
    with django_capture_on_commit_callbacks(execute=True):
        customer_import_run(path=str(path))
    p9 = Customer.objects.get(code="P9")
    assert set(Alert.objects.filter(customer=p9).values_list("rule", flat=True)) >= {
        "uncovered",
        "licence_expiring",
        "archive_incomplete",
    }
    assert not Alert.objects.filter(customer=world.customer_x).exists()  # not in the file: not looked at

    team = tmp_path / "t.csv"
    team.write_text("客户编码,工号,角色\nP9,RA,开发\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        account_team_import_run(path=str(team))
    assert Alert.objects.filter(customer=p9, rule="single_threaded", status=AlertStatus.OPEN).exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        customer_import_run(path=str(path), dry_run=True)
    assert callbacks == []  # a dry run keeps nothing and screens nothing


# --- set-based: the number of queries does not grow with the customers -----------------------------------


@pytest.mark.parametrize("rule", CUSTOMER_RULES)
def test_each_rule_runs_a_fixed_number_of_queries(world, rule, django_assert_max_num_queries):
    from liuke.alerts import registry

    def findings():
        return list(registry.get(rule).find(RunContext(rule=registry.get(rule), settings={})))

    for i in range(40):  # forty more customers, each caught by every rule
        c = customer(f"M{i:02d}", (world.rep_a, "develop") if i % 2 else (world.rep_b, "develop"), grade="A")
        _fields(c, drug_trading_license_expiry=days(-i))
        _opened(c, 100)
        Contact.objects.create(customer=c, name=f"联系人{i}", is_key=True)
    if rule == "uncovered":
        with change_context(source="system"):
            org_services.employee_leave(employee=world.rep_b, leave_date=today())
    with django_assert_max_num_queries(3):
        found = findings()
    assert len(found) >= 20
