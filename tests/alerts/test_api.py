"""The alerts API: the INTERFACES.md document, the inbox's filters, the lifecycle as POST actions and the rules'
settings, under the same visibility as the pages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from liuke.alerts.choices import AlertStatus, Severity
from liuke.alerts.models import Alert, AlertNote, RuleSetting
from liuke.core.models import ChangeLogEntry

from .factories import make_alert, toy_rules

pytestmark = pytest.mark.django_db

DOCUMENT_KEYS = {"id", "rule", "severity", "status", "title", "subject", "opened_at", "assignee", "evidence",
                 "evidence_count"}  # fmt: skip


@pytest.fixture
def alerts(world):
    with toy_rules():
        yield {
            "a": make_alert(customer=world.customer_a, division="310101", product_code="P01"),
            "b": make_alert(customer=world.customer_b, division="320106", severity=Severity.HIGH),
            "cross": make_alert(rule="toy_cross", customer=world.customer_b, distributor=world.customer_b),
            "old": make_alert(customer=world.customer_a, status=AlertStatus.DISMISSED, days_old=20),
        }


def api(employee) -> APIClient:
    client = APIClient()
    client.force_authenticate(employee.user)
    return client


def test_the_list_gives_the_documented_alert_shape_to_those_who_may_see(world, alerts, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        listing = api(world.rep_a).get("/api/alerts/").json()
    assert listing["count"] == 1
    doc = listing["results"][0]
    assert set(doc) == DOCUMENT_KEYS
    assert doc["id"] == alerts["a"].pk
    assert doc["rule"] == "toy_cover"
    assert doc["status"] == "open"
    assert doc["subject"] == {"type": "customer", "code": "CA"}
    assert doc["evidence"] == [{"type": "customer", "code": "CA"}]
    assert doc["opened_at"].endswith("+08:00")
    assert doc["assignee"] is None
    assert api(world.rep_a).get(f"/api/alerts/{alerts['b'].pk}/").status_code == 404
    assert {d["id"] for d in api(world.director).get("/api/alerts/").json()["results"]} == {
        alerts[k].pk for k in ("a", "b", "cross")
    }
    assert {d["id"] for d in api(world.auditor).get("/api/alerts/").json()["results"]} == {alerts["cross"].pk}


def test_the_api_filters_like_the_inbox_and_refuses_bad_values(world, alerts):
    client = api(world.director)
    ids = lambda q: {d["id"] for d in client.get(f"/api/alerts/?{q}").json()["results"]}  # noqa: E731
    assert ids("severity=high") == {alerts["b"].pk}
    assert ids(f"status=all&customer={world.customer_a.pk}") == {alerts["a"].pk, alerts["old"].pk}
    assert ids("status=dismissed") == {alerts["old"].pk}
    assert ids("region=320000") == {alerts["b"].pk}
    assert ids("product=P01") == {alerts["a"].pk}
    assert ids("rule=toy_cross") == {alerts["cross"].pk}
    assert client.get("/api/alerts/?severity=grave").status_code == 400
    assert client.get("/api/alerts/?region=31").status_code == 400
    # One alert is found whatever its status.
    assert client.get(f"/api/alerts/{alerts['old'].pk}/").json()["status"] == "dismissed"


def test_the_lifecycle_through_the_api(world, alerts):
    client = api(world.rep_a)
    url = f"/api/alerts/{alerts['a'].pk}/"
    assert client.post(url + "acknowledge/", {"note": "seen"}, format="json").json()["status"] == "acknowledged"
    answer = client.post(url + "investigate/", {}, format="json").json()
    assert answer["status"] == "investigating"
    assert answer["assignee"] == "RA"
    refused = client.post(url + "resolve/", {"resolution": ""}, format="json")
    assert refused.status_code == 400
    assert refused.json()["detail"]
    assert Alert.objects.get(pk=alerts["a"].pk).status == "investigating"
    done = client.post(url + "resolve/", {"resolution": "price corrected"}, format="json").json()
    assert done["status"] == "resolved"
    assert Alert.objects.get(pk=alerts["a"].pk).resolution == "price corrected"
    assert client.post(url + "investigate/", {}, format="json").status_code == 400  # not from resolved
    assert client.post(url + "reopen/", {"note": "came back"}, format="json").json()["status"] == "open"
    assert (
        client.post(url + "dismiss/", {"note": "known, agreed with the region"}, format="json").json()["status"]
        == "dismissed"
    )
    notes = client.get(url + "notes/").json()
    assert [n["status_to"] for n in notes] == ["acknowledged", "investigating", "resolved", "open", "dismissed"]
    assert notes[0]["author"] == "RA"
    entry = ChangeLogEntry.objects.order_by("-seq").first()
    assert entry.source == "api"
    assert entry.actor == world.rep_a.user


def test_assign_and_notes_through_the_api(world, alerts):
    rep, manager = api(world.rep_a), api(world.manager_a)
    url = f"/api/alerts/{alerts['a'].pk}/"
    assert rep.post(url + "assign/", {"assignee": "RA2"}, format="json").status_code == 400
    assert rep.post(url + "assign/", {"assignee": "me"}, format="json").json()["assignee"] == "RA"
    assert manager.post(url + "assign/", {"assignee": "RA2"}, format="json").json()["assignee"] == "RA2"
    assert manager.post(url + "assign/", {"assignee": "RB"}, format="json").status_code == 400  # another region
    assert manager.post(url + "assign/", {"assignee": None}, format="json").json()["assignee"] is None
    created = rep.post(url + "notes/", {"text": "called them"}, format="json")
    assert created.status_code == 201
    assert created.json()["text"] == "called them"
    assert rep.post(url + "notes/", {"text": ""}, format="json").status_code == 400
    assert AlertNote.objects.filter(alert=alerts["a"], text="called them").count() == 1


def test_who_may_not_work_on_an_alert_is_refused_and_nothing_changes(world, alerts):
    before = ChangeLogEntry.objects.count()
    cross = f"/api/alerts/{alerts['cross'].pk}/"
    assert api(world.auditor).get(cross).status_code == 200
    assert api(world.auditor).post(cross + "acknowledge/", {}, format="json").status_code == 403
    assert api(world.auditor).post(cross + "notes/", {"text": "x"}, format="json").status_code == 403
    assert api(world.rep_a).post(cross + "acknowledge/", {}, format="json").status_code == 404
    assert api(world.director).post("/api/alerts/", {"rule": "toy_cover"}, format="json").status_code == 405
    assert api(world.director).patch(cross, {"status": "resolved"}, format="json").status_code == 405
    assert api(world.director).delete(cross).status_code == 405
    assert ChangeLogEntry.objects.count() == before


def test_rule_settings_read_by_managers_and_changed_by_admins(world, alerts):
    listing = api(world.director).get("/api/alert-rules/").json()
    toy = next(r for r in listing if r["rule"] == "toy_cover")
    assert toy["enabled"] is True
    assert toy["threshold_list"][0] == {"key": "days", "label": "Days", "default": "30", "value": "30"}
    assert api(world.rep_a).get("/api/alert-rules/").status_code == 403
    assert (
        api(world.director).patch("/api/alert-rules/toy_cover/", {"enabled": False}, format="json").status_code == 403
    )
    admin = api(world.admin)
    changed = admin.patch(
        "/api/alert-rules/toy_cover/", {"thresholds": {"days": "45"}, "watchers": ["MA"], "severity": "high"},
        format="json",
    ).json()  # fmt: skip
    assert changed["thresholds"] == {"days": "45"}
    assert changed["watchers"] == ["MA"]
    assert changed["severity"] == "high"
    setting = RuleSetting.objects.get(rule="toy_cover")
    assert (setting.params, setting.watcher_ids) == ({"days": 45}, [world.manager_a.pk])
    assert admin.patch("/api/alert-rules/toy_cover/", {"thresholds": {"days": "0"}}, format="json").status_code == 400
    assert admin.patch("/api/alert-rules/toy_cover/", {"watchers": ["NOPE"]}, format="json").status_code == 400
    assert admin.get("/api/alert-rules/nope/").status_code == 404
    resale = admin.patch("/api/alert-rules/toy_resale/", {"severity": "high"}, format="json").json()
    assert resale["severity"] == ""
    assert resale["default_severity"] == "info"


def test_the_schema_documents_the_filters_and_the_lifecycle(world, client):
    client.force_login(world.admin.user)
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for step in ("acknowledge", "investigate", "resolve", "dismiss", "reopen", "assign", "notes"):
        assert f"/api/alerts/{{id}}/{step}/" in paths
    params = {p["name"] for p in paths["/api/alerts/"]["get"]["parameters"]}
    assert {"rule", "severity", "status", "region", "distributor", "product", "age", "mine", "customer"} <= params
    assert "/api/alert-rules/{rule}/" in paths
    assert "400" in paths["/api/alerts/{id}/resolve/"]["post"]["responses"]
