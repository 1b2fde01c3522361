"""Issue 11's "done when" on the demo company: every planted anomaly is found by its rule (about the right
customer or distributor, with the flow file and row, the sell-in document or the record behind it), nothing
planted as clean beside it is flagged, the inbox is work rather than a flood, and a second ``liuke screen`` adds
no alert. The demo lists what it planted (``DemoReport.plants``); the small demo is built (and screened, as
``liuke demo`` does) once for this module and rolled back at the end.
"""

import io
import json
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction

from liuke.alerts.choices import AlertStatus, Area, Severity
from liuke.alerts.models import Alert
from liuke.customers.models import Customer
from liuke.demo.generator import demo_build
from liuke.demo.plants import Plant, anomalies, cleans

# Builds the small demo company (about a minute); CI runs it on both databases (the issue asks for both).
pytestmark = [pytest.mark.demo_build, pytest.mark.both_databases]

# The rules issue 11 asks the demo to plant for (INTERFACES.md names): each gets anomalies and clean controls.
PLANTED_RULES = {
    "cross_region",
    "batch_out_of_region",
    "flow_exceeds_stock",
    "price_below_floor",
    "unauthorised_discount",
    "resale_below_floor",
    "suspicious_volume",
    "flow_file_missing",
    "uncovered",
    "single_threaded",
    "key_contact_single",
    "archive_incomplete",
    "licence_expiring",
    "contact_overdue",
    "follow_up_overdue",
    "problem_open_long",
}
FLOOD_SHARE = 0.1  # no customer or work rule flags more than this share of the active customers


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The small demo, screened at the end of its build, rolled back after the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        report = demo_build(scale="small", seed=2026)
        yield report
        transaction.set_rollback(True)


def _items(alert: Alert, kind: str) -> list[dict]:
    return [e for e in alert.evidence if e.get("type") == kind]


def _names(plant: Plant, alert: Alert) -> bool:
    """Whether the alert's evidence names the planted record, by the keys a person looks it up with."""
    if plant.file:
        return any(e["file"] == plant.file and e["row"] == plant.row for e in _items(alert, "flow_line"))
    if plant.doc_no:
        return any(e["doc_no"] == plant.doc_no for e in _items(alert, "shipment"))
    if plant.rule == "flow_exceeds_stock":
        stock = _items(alert, "stock")
        return (
            alert.distributor is not None
            and alert.distributor.code == plant.distributor
            and any(e["product"] == plant.product and e["batch"] == (plant.batch or None) for e in stock)
        )
    if plant.rule == "suspicious_volume":
        volume = _items(alert, "volume")
        return any(
            (e.get("distributor"), e["product"], e["month"]) == (plant.distributor, plant.product, plant.period)
            for e in volume
        )
    if plant.rule == "flow_file_missing":
        files = _items(alert, "flow_file")
        return any((e["distributor"], e["period"]) == (plant.distributor, plant.period) for e in files)
    if plant.ref is not None:
        kind = {"key_contact_single": "contact", "follow_up_overdue": "follow_up", "problem_open_long": "problem"}
        return any(e["id"] == plant.ref for e in _items(alert, kind[plant.rule]))
    return alert.customer is not None and alert.customer.code == plant.subject


def _live(rule: str) -> list[Alert]:
    return list(Alert.objects.filter(rule=rule, status=AlertStatus.OPEN).select_related("customer", "distributor"))


def _what(plant: Plant) -> str:
    where = f"{plant.file} row {plant.row}" if plant.file else plant.doc_no or plant.period or ""
    return f"{plant.rule}: {plant.what} ({plant.subject} {plant.product} {plant.batch} {where} {plant.ref or ''})"


@pytest.mark.django_db
def test_the_demo_plants_an_anomaly_and_a_clean_control_for_every_rule(demo):
    assert {p.rule for p in anomalies(demo.plants)} == PLANTED_RULES
    assert {p.rule for p in cleans(demo.plants)} == PLANTED_RULES
    # The build ended with a full screening: the inbox is full on the first login.
    assert demo.screening is not None
    assert len(demo.screening.opened) == Alert.objects.count() > 0


@pytest.mark.django_db
def test_every_planted_anomaly_is_found_by_its_rule_about_the_right_subject(demo):
    missed = []
    for plant in anomalies(demo.plants):
        found = [a for a in _live(plant.rule) if _names(plant, a)]
        if not found:
            missed.append(_what(plant))
            continue
        subject = found[0].customer.code if found[0].customer else None
        assert subject == plant.subject, f"{_what(plant)} is about {subject}"
        if plant.file:  # a flow line's evidence names the distributor's file, the row and the import it came in
            line = next(e for e in _items(found[0], "flow_line") if e["row"] == plant.row and e["file"] == plant.file)
            assert (line["distributor"], line["product"], line["batch"]) == (
                plant.distributor,
                plant.product,
                plant.batch,
            )
            assert line["import"]
    assert not missed, "planted but not found:\n" + "\n".join(missed)


@pytest.mark.django_db
def test_nothing_planted_as_clean_is_flagged(demo):
    flagged = [
        f"{_what(plant)} flagged by {a.key}"
        for plant in cleans(demo.plants)
        for a in _live(plant.rule)
        if _names(plant, a)
    ]
    assert not flagged, "planted clean but flagged:\n" + "\n".join(flagged)


@pytest.mark.django_db
def test_resale_prices_are_information_only(demo):
    resale = _live("resale_below_floor")
    assert resale
    assert {a.severity for a in resale} == {Severity.INFO}


@pytest.mark.django_db
def test_the_channel_inbox_holds_what_was_planted_and_what_follows_from_it(demo):
    """Every channel alert names a planted anomaly, or a flow line planted as one (a sale into another
    province is also a batch seen outside its distributor's area): the regular flow is clean."""
    planted_lines = {(p.file, p.row) for p in anomalies(demo.plants) if p.file}
    by_rule: dict[str, list[Plant]] = defaultdict(list)
    for plant in anomalies(demo.plants):
        by_rule[plant.rule].append(plant)
    unexplained = []
    for alert in Alert.objects.filter(area=Area.CHANNEL).select_related("customer", "distributor"):
        lines = {(e["file"], e["row"]) for e in _items(alert, "flow_line")}
        if not any(_names(p, alert) for p in by_rule[alert.rule]) and not lines & planted_lines:
            unexplained.append(f"{alert.rule} {alert.key}: {alert.title}")
    assert not unexplained, "channel alerts nobody planted:\n" + "\n".join(unexplained)


@pytest.mark.django_db
def test_the_inbox_is_work_not_a_flood(demo):
    active = Customer.objects.filter(status="active", archived_at__isnull=True).count()
    counts = defaultdict(int)
    for rule in Alert.objects.filter(area__in=[Area.CUSTOMERS, Area.WORK]).values_list("rule", flat=True):
        counts[rule] += 1
    floods = {rule: n for rule, n in counts.items() if n > FLOOD_SHARE * active}
    assert not floods, f"more than {FLOOD_SHARE:.0%} of {active} active customers flagged: {floods}"


@pytest.mark.django_db
def test_a_second_screening_adds_no_alert(demo):
    before = dict(Alert.objects.values_list("pk", "status"))
    out = io.StringIO()
    call_command("liuke_screen", "--format", "json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["opened"], result["reopened"], result["no_longer_observed"]) == (0, 0, 0)
    assert result["findings"] == len(before)
    assert dict(Alert.objects.values_list("pk", "status")) == before
