"""The inbox, an alert's page, the rules page and the alert cards on other pages, as each role sees them.

rep_a covers CA; manager_a is over rep_a and rep_a2 (CA, CA2); CB is Jiangsu's (rep_b, manager_b); the auditor
sees channel alerts only, and changes none; directors and admins see every alert.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pytest

from liuke.alerts.choices import AlertStatus, Area, Severity
from liuke.alerts.models import Alert, AlertNote, RuleSetting, ScreenRun
from liuke.core.models import ChangeLogEntry, ExportLog

from .factories import FOUND, INFO_REASON, make_alert, toy_rules

pytestmark = pytest.mark.django_db

INBOX = "/alerts/"


@dataclass
class Alerts:
    a: Alert  # about CA (rep_a's), Shanghai Huangpu
    a2: Alert  # about CA2 (rep_a2's), Pudong
    b: Alert  # about CB (Jiangsu)
    cross: Alert  # channel: a Jiangsu distributor's line sold into Shanghai
    resale: Alert  # channel, information only
    about_rep: Alert  # about rep_a themself (their manager sees it, they do not)
    old: Alert  # about CA, resolved 40 days ago


@pytest.fixture
def alerts(world):
    with toy_rules():
        yield Alerts(
            a=make_alert(customer=world.customer_a, division="310101", days_old=3),
            a2=make_alert(customer=world.customer_a2, division="310115", severity=Severity.HIGH, days_old=12),
            b=make_alert(customer=world.customer_b, division="320106", days_old=1),
            cross=make_alert(
                rule="toy_cross",
                distributor=world.customer_b,
                division="310115",
                product_code="P01",
                severity=Severity.HIGH,
                evidence=[
                    {
                        "type": "flow_line",
                        "file": "江苏华康_2025-01.xlsx",
                        "row": 17,
                        "distributor": "CB",
                        "product": "P01",
                        "batch": "B1",
                        "buyer": "CA",
                        "buyer_name": "北京同仁医院",
                        "doc_no": None,
                        "quantity": 12.0,
                        "import": 4242,
                        "date": "2025-01-09",
                    },
                    {
                        "type": "flow_line",
                        "file": "江苏华康_2025-02.xlsx",
                        "row": 5,
                        "distributor": "CB",
                        "product": "P01",
                        "batch": "B1",
                        "buyer": "CA2",
                        "buyer_name": "上海瑞金医院",
                        "doc_no": "X9",
                        "quantity": 8.0,
                        "import": 4243,
                        "date": "2025-02-02",
                    },
                ],
                evidence_count=7,
            ),
            resale=make_alert(rule="toy_resale", distributor=world.customer_b, severity=Severity.INFO),
            about_rep=make_alert(employee=world.rep_a, evidence=[{"type": "employee", "employee_no": "RA"}]),
            old=make_alert(customer=world.customer_a, status=AlertStatus.RESOLVED, days_old=40),
        )


def _ids(response) -> set[int]:
    return {a.pk for a in response.context["alerts"]}


# --- who sees what ---------------------------------------------------------------------------------------------


def test_a_rep_sees_only_the_alerts_about_their_customers(world, alerts, login):
    client = login(world.rep_a)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert _ids(response) == {alerts.a.pk}  # not CA2's, not Jiangsu's, not the channel's, not about themself
    assert response.context["total"] == 1
    for hidden in (alerts.a2, alerts.b, alerts.cross, alerts.about_rep):
        assert client.get(f"/alerts/{hidden.pk}/").status_code == 404
    assert client.get(f"/alerts/{alerts.a.pk}/").status_code == 200


def test_a_manager_sees_their_subtree_and_their_reps(world, alerts, login):
    response = login(world.manager_a).get(INBOX)
    assert _ids(response) == {alerts.a.pk, alerts.a2.pk, alerts.about_rep.pk}
    assert login(world.manager_b).get(f"/alerts/{alerts.a.pk}/").status_code == 404


def test_an_auditor_reads_channel_alerts_and_changes_none(world, alerts, login):
    client = login(world.auditor)
    response = client.get(INBOX)
    assert _ids(response) == {alerts.cross.pk, alerts.resale.pk}
    body = response.content.decode()
    assert 'name="ids"' not in body  # no bulk steps
    page = client.get(f"/alerts/{alerts.cross.pk}/").content.decode()
    assert 'data-testid="lifecycle"' not in page
    assert client.post(f"/alerts/{alerts.cross.pk}/step/", {"status": "acknowledged"}).status_code == 403
    assert client.post(f"/alerts/{alerts.cross.pk}/notes/", {"text": "seen"}).status_code == 403
    assert client.get(f"/alerts/{alerts.a.pk}/").status_code == 404
    alerts.cross.refresh_from_db()
    assert alerts.cross.status == AlertStatus.OPEN


def test_a_director_sees_every_live_alert_and_the_closed_ones_when_asked(world, alerts, login):
    client = login(world.director)
    live = {alerts.a.pk, alerts.a2.pk, alerts.b.pk, alerts.cross.pk, alerts.resale.pk, alerts.about_rep.pk}
    assert _ids(client.get(INBOX)) == live
    assert _ids(client.get(INBOX + "?status=all")) == live | {alerts.old.pk}
    assert _ids(client.get(INBOX + "?status=resolved")) == {alerts.old.pk}


def test_anonymous_is_sent_to_log_in(alerts, client):
    for url in (INBOX, f"/alerts/{alerts.a.pk}/", "/alerts/rules/", "/alerts/map/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


# --- filters and chips -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rule=toy_cross", {"cross"}),
        ("severity=high", {"a2", "cross"}),
        ("area=channel", {"cross", "resale"}),
        ("region=310000", {"a", "a2", "cross"}),  # a province: everything under it
        ("region=320100", {"b"}),  # a city
        ("region=310115", {"a2", "cross"}),  # a county
        ("product=P01", {"cross"}),
        ("age=10", {"a2"}),
        ("unassigned=true&rule=toy_resale", {"resale"}),
        ("status=resolved&age=30", {"old"}),
    ],
)
def test_the_inbox_filters(world, alerts, login, query, expected):
    response = login(world.director).get(f"{INBOX}?{query}")
    assert _ids(response) == {getattr(alerts, name).pk for name in expected}
    assert response.context["total"] == len(expected)


def test_filters_by_distributor_customer_employee_and_mine(world, alerts, login):
    from liuke.alerts import services

    client = login(world.director)
    assert _ids(client.get(f"{INBOX}?distributor={world.customer_b.pk}")) == {alerts.cross.pk, alerts.resale.pk}
    assert _ids(client.get(f"{INBOX}?customer={world.customer_b.pk}")) == {
        alerts.b.pk,
        alerts.cross.pk,
        alerts.resale.pk,
    }
    assert _ids(client.get(f"{INBOX}?employee={world.rep_a.pk}")) == {alerts.about_rep.pk}
    services.alert_assign(alert=alerts.a, user=world.rep_a.user, assignee=world.rep_a)
    assert _ids(client.get(f"{INBOX}?employee={world.rep_a.pk}")) == {alerts.about_rep.pk, alerts.a.pk}
    assert _ids(login(world.rep_a).get(f"{INBOX}?mine=true")) == {alerts.a.pk}
    assert _ids(login(world.director).get(f"{INBOX}?mine=true")) == set()


@pytest.mark.parametrize(
    "query", ["region=31", "region=²²²²²²", "age=-1", "age=ab", "severity=grave", "rule=nope", "distributor=%C2%B2",
              "assignee=99999999999999999999", "status=lost", "sort=random", "page=999", "customer=0"],
)  # fmt: skip
def test_odd_filter_values_are_dropped_never_a_server_error(world, alerts, login, query):
    assert login(world.manager_a).get(f"{INBOX}?{query}").status_code == 200


def test_chips_count_by_rule_and_by_severity_under_the_other_filters(world, alerts, login):
    client = login(world.director)
    response = client.get(f"{INBOX}?severity=high")
    rules = {c["name"]: c["n"] for c in response.context["rule_chips"]}
    assert rules == {"toy_cover": 1, "toy_cross": 1}  # the high ones, across every rule
    severities = {c["value"]: c["n"] for c in response.context["severity_chips"]}
    assert severities == {"high": 2, "medium": 3, "low": 0, "info": 1}  # every severity, live
    body = response.content.decode()
    assert 'data-rule="toy_cross"' in body
    chip = next(c for c in response.context["rule_chips"] if c["name"] == "toy_cross")
    assert "rule=toy_cross" in chip["url"]
    assert "severity=high" in chip["url"]


def test_sorting_and_pages(world, login):
    with toy_rules():
        made = [make_alert(customer=world.customer_a, days_old=i) for i in range(55)]
        client = login(world.rep_a)
        first = client.get(INBOX)
        assert first.context["total"] == 55
        assert [a.pk for a in first.context["alerts"]][:2] == [made[0].pk, made[1].pk]  # newest first
        assert len(first.context["alerts"]) == 50
        assert [a.pk for a in client.get(f"{INBOX}?page=2").context["alerts"]] == [a.pk for a in made[50:]]
        assert client.get(f"{INBOX}?sort=opened").context["alerts"][0].pk == made[-1].pk


# --- bulk steps ------------------------------------------------------------------------------------------------


def test_a_manager_acknowledges_several_at_once_and_each_step_is_logged(world, alerts, login):
    client = login(world.manager_a)
    before = ChangeLogEntry.objects.count()
    response = client.post(
        "/alerts/bulk/",
        {"ids": [alerts.a.pk, alerts.a2.pk, alerts.b.pk], "action": "acknowledge", "next": "/alerts/?severity=high"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/alerts/?severity=high"
    statuses = dict(Alert.objects.filter(pk__in=[alerts.a.pk, alerts.a2.pk, alerts.b.pk]).values_list("pk", "status"))
    assert statuses == {alerts.a.pk: "acknowledged", alerts.a2.pk: "acknowledged", alerts.b.pk: "open"}  # b: not theirs
    assert AlertNote.objects.filter(status_to="acknowledged").count() == 2
    assert ChangeLogEntry.objects.count() - before == 4  # each alert and each note


def test_bulk_names_the_alerts_it_left_as_they_were(world, alerts, login):
    client = login(world.rep_a)
    response = client.post("/alerts/bulk/", {"ids": [alerts.a.pk, alerts.old.pk], "action": "acknowledge"}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert f"#{alerts.old.pk}" in text  # a resolved alert cannot be acknowledged
    assert Alert.objects.get(pk=alerts.a.pk).status == AlertStatus.ACKNOWLEDGED


def test_only_a_manager_assigns_to_someone_else(world, alerts, login):
    rep = login(world.rep_a)
    rep.post("/alerts/bulk/", {"ids": [alerts.a.pk], "action": "assign", "assignee": world.rep_a2.pk})
    assert Alert.objects.get(pk=alerts.a.pk).assignee_id is None
    rep.post("/alerts/bulk/", {"ids": [alerts.a.pk], "action": "assign_me"})
    assert Alert.objects.get(pk=alerts.a.pk).assignee_id == world.rep_a.pk
    manager = login(world.manager_a)
    assert 'value="assign"' in manager.get(INBOX).content.decode()
    manager.post("/alerts/bulk/", {"ids": [alerts.a.pk, alerts.a2.pk], "action": "assign", "assignee": world.rep_a2.pk})
    assert set(Alert.objects.filter(assignee=world.rep_a2).values_list("pk", flat=True)) == {alerts.a.pk, alerts.a2.pk}
    # Someone outside the manager's subtree is not offered, and a forged post changes nothing.
    manager.post("/alerts/bulk/", {"ids": [alerts.a.pk], "action": "assign", "assignee": world.rep_b.pk})
    assert Alert.objects.get(pk=alerts.a.pk).assignee_id == world.rep_a2.pk


def test_bulk_without_ticks_or_to_an_outside_address_changes_nothing(world, alerts, login):
    client = login(world.manager_a)
    response = client.post("/alerts/bulk/", {"action": "acknowledge", "next": "https://example.org/"})
    assert response["Location"] == "/alerts/"
    assert not Alert.objects.filter(status="acknowledged").exists()
    assert client.get("/alerts/bulk/").status_code == 405


# --- export ----------------------------------------------------------------------------------------------------


def test_export_is_what_the_viewer_sees_filtered_and_logged(world, alerts, login):
    client = login(world.manager_a)
    response = client.get("/alerts/export/?format=csv&severity=high")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][0] == str(alerts.a2.pk)
    log = ExportLog.objects.get()
    assert (log.kind, log.format, log.rows, log.actor) == ("alerts", "csv", 1, world.manager_a.user)
    assert log.filters == {"severity": "high"}
    data = json.loads(client.get("/alerts/export/?format=json&status=all").content)
    assert {row["id"] for row in data} == {alerts.a.pk, alerts.a2.pk, alerts.about_rep.pk, alerts.old.pk}
    xlsx = client.get("/alerts/export/?format=xlsx")
    assert xlsx.content[:2] == b"PK"
    assert ExportLog.objects.count() == 3
    assert client.get("/alerts/export/?format=pdf").status_code == 404


# --- one alert -------------------------------------------------------------------------------------------------


def test_the_alert_page_reads_the_evidence_with_file_row_and_links(world, alerts, login):
    from liuke.customers.models import Customer

    client = login(world.director)
    response = client.get(f"/alerts/{alerts.cross.pk}/")
    body = response.content.decode()
    assert "江苏华康_2025-01.xlsx" in body
    assert ">17<" in body.replace("</a>", "<")
    assert "北京同仁医院" in body
    ca = Customer.objects.get(code="CA")
    assert f'href="/customers/{ca.pk}/"' in body  # the buyer, by code
    assert 'data-testid="more-evidence"' in body  # 7 records behind it, 2 listed
    assert "Toy cross-region" in body
    assert "A channel rule for tests." in body
    # The file's page is linked only when the flow file exists and the viewer may open it.
    assert "/channel/imports/4242/" not in body
    assert 'data-testid="evidence-picture"' in body  # quantities by month and buyer
    assert '"by_month": [12.0, 8.0]' in body


def test_flow_lines_link_to_the_row_as_it_was_imported(world, login):
    import datetime as dt

    from liuke.alerts import evidence
    from liuke.channel.models import FlowImport

    from ..channel.factories import channel_for

    ch = channel_for(world)
    imp = FlowImport.objects.create(
        distributor=ch.dist_sh, period=dt.date(2025, 1, 1), file_name="sh.csv", sha256="a" * 64, status="active"
    )
    with toy_rules():
        alert = make_alert(
            rule="toy_cross", customer=ch.dist_sh, distributor=ch.dist_sh,
            evidence=[{"type": "flow_line", "file": "sh.csv", "row": 20, "import": imp.pk, "quantity": 1.0}],
        )  # fmt: skip
        body = login(world.rep_a).get(f"/alerts/{alert.pk}/")
    url = evidence.import_row_url(imp.pk, 20)
    assert url in body.content.decode()
    assert body.status_code == 200


def test_the_information_only_rule_says_why_on_its_page(world, alerts, login):
    body = login(world.director).get(f"/alerts/{alerts.resale.pk}/").content.decode()
    assert 'data-testid="info-reason"' in body
    assert INFO_REASON.replace("'", "&#x27;") in body


def test_lifecycle_on_the_page_resolve_needs_a_reason(world, alerts, login):
    client = login(world.rep_a)
    url = f"/alerts/{alerts.a.pk}/"
    page = client.get(url).content.decode()
    for step in ("acknowledged", "investigating", "resolved", "dismissed"):
        assert f'value="{step}"' in page
    client.post(url + "step/", {"status": "acknowledged", "note": "seen it"})
    client.post(url + "step/", {"status": "investigating"})
    alerts.a.refresh_from_db()
    assert (alerts.a.status, alerts.a.assignee_id) == ("investigating", world.rep_a.pk)
    refused = client.post(url + "step/", {"status": "resolved", "note": " "}, follow=True)
    assert any("resolved" in str(m) or "解决" in str(m) for m in refused.context["messages"])
    assert Alert.objects.get(pk=alerts.a.pk).status == "investigating"
    client.post(url + "step/", {"status": "resolved", "note": "the distributor corrected the file"})
    alerts.a.refresh_from_db()
    assert alerts.a.status == "resolved"
    assert alerts.a.resolution == "the distributor corrected the file"
    page = client.get(url).content.decode()
    assert "the distributor corrected the file" in page
    assert 'value="open"' in page  # reopen
    assert 'id="history"' in page
    notes = list(AlertNote.objects.filter(alert=alerts.a).values_list("status_to", flat=True))
    assert notes == ["acknowledged", "investigating", "resolved"]
    # A step the lifecycle does not allow is refused with its reason.
    client.post(url + "step/", {"status": "investigating"})
    assert Alert.objects.get(pk=alerts.a.pk).status == "resolved"


def test_assign_and_notes_on_the_page(world, alerts, login):
    rep = login(world.rep_a)
    url = f"/alerts/{alerts.a.pk}/"
    assert 'name="assignee" aria-label' not in rep.get(url).content.decode()  # no one else to choose
    rep.post(url + "assign/", {"assignee": world.rep_a2.pk})
    assert Alert.objects.get(pk=alerts.a.pk).assignee_id is None
    rep.post(url + "assign/", {"assignee": "me"})
    assert Alert.objects.get(pk=alerts.a.pk).assignee_id == world.rep_a.pk
    rep.post(url + "notes/", {"text": "called the pharmacy"})
    rep.post(url + "notes/", {"text": "   "})
    assert list(AlertNote.objects.filter(alert=alerts.a, status_to="").values_list("text", flat=True)) == [
        "",
        "called the pharmacy",
    ]  # the assignment's note, then the remark
    manager = login(world.manager_a)
    manager.post(url + "assign/", {"assignee": world.rep_a2.pk})
    assert Alert.objects.get(pk=alerts.a.pk).assignee_id == world.rep_a2.pk
    body = manager.get(url).content.decode()
    assert "called the pharmacy" in body
    assert world.rep_a.name in body
    manager.post(url + "assign/", {"assignee": "nobody"})
    assert Alert.objects.get(pk=alerts.a.pk).assignee_id is None


def test_alert_pages_answer_in_a_bounded_number_of_queries(world, login, django_assert_max_num_queries):
    with toy_rules():
        for i in range(60):
            make_alert(customer=world.customer_a if i % 2 else world.customer_a2, division="310101", days_old=i)
        make_alert(
            customer=world.customer_a,
            evidence=[{"type": "customer", "code": "CA"}, {"type": "employee", "employee_no": "RA"}],
        )
        one = Alert.objects.filter(customer=world.customer_a).first()
        for who in (world.rep_a, world.manager_a, world.director, world.auditor):
            client = login(who)
            with django_assert_max_num_queries(24):
                assert client.get(INBOX + "?severity=medium&region=310000").status_code == 200
            with django_assert_max_num_queries(24):
                assert client.get(INBOX).status_code == 200
        for who in (world.rep_a, world.manager_a, world.director):
            client = login(who)
            with django_assert_max_num_queries(30):
                assert client.get(f"/alerts/{one.pk}/").status_code == 200


# --- the rules page --------------------------------------------------------------------------------------------


def test_the_rules_page_shows_every_rule_with_its_settings_and_counts(world, alerts, login):
    RuleSetting.objects.create(rule="toy_cover", params={"days": 45}, watcher_ids=[world.manager_b.pk])
    ScreenRun.objects.create(mode="full", timings={"toy_cover": 0.25})
    response = login(world.director).get("/alerts/rules/")
    assert response.status_code == 200
    rows = {r["rule"].name: r for r in response.context["rows"]}
    assert rows["toy_cover"]["thresholds"][0]["value"] == 45
    assert rows["toy_cover"]["open"] == 4
    assert [e.pk for e in rows["toy_cover"]["watchers"]] == [world.manager_b.pk]
    assert rows["toy_cover"]["seconds"] == 0.25
    assert rows["toy_resale"]["severity"] == Severity.INFO
    body = response.content.decode()
    assert INFO_REASON.replace("'", "&#x27;") in body
    assert "/alerts/rules/toy_cover/" not in body  # directors read, admins change
    assert 'data-testid="screen-now"' not in body
    assert login(world.rep_a).get("/alerts/rules/").status_code == 403
    assert login(world.manager_a).get("/alerts/rules/").status_code == 200


def test_an_admin_changes_a_rule_and_the_change_is_logged(world, alerts, login):
    client = login(world.admin)
    assert "/alerts/rules/toy_cover/" in client.get("/alerts/rules/").content.decode()
    page = client.get("/alerts/rules/toy_cross/").content.decode()
    assert "channel manager" in page or "渠道经理" in page
    response = client.post(
        "/alerts/rules/toy_cover/", {"enabled": "", "severity": "high", "t_days": "60", "watchers": "MB, RA2"}
    )
    assert response.status_code == 302
    setting = RuleSetting.objects.get(rule="toy_cover")
    assert (setting.enabled, setting.severity, setting.params) == (False, "high", {"days": 60})
    assert setting.watcher_ids == sorted([world.manager_b.pk, world.rep_a2.pk])
    entry = ChangeLogEntry.objects.order_by("-seq").first()
    assert entry.actor == world.admin.user
    assert entry.source == "web"
    # Bad input: shown, nothing saved.
    for data in ({"enabled": "on", "t_days": "0", "watchers": ""}, {"enabled": "on", "t_days": "x", "watchers": ""},
                 {"enabled": "on", "t_days": "", "watchers": "NOBODY"}):  # fmt: skip
        assert client.post("/alerts/rules/toy_cover/", data).status_code == 400
    assert RuleSetting.objects.get(rule="toy_cover").params == {"days": 60}
    # An information-only rule has no severity to choose.
    assert 'name="severity"' not in client.get("/alerts/rules/toy_resale/").content.decode()
    assert client.get("/alerts/rules/no_such_rule/").status_code == 404


def test_only_admins_change_rules_or_screen(world, alerts, login):
    for who in (world.director, world.manager_a, world.rep_a, world.auditor):
        client = login(who)
        assert client.get("/alerts/rules/toy_cover/").status_code == 403
        assert client.post("/alerts/rules/toy_cover/", {"enabled": ""}).status_code == 403
        assert client.post("/alerts/rules/screen/").status_code == 403
    assert not RuleSetting.objects.exists()
    assert not ScreenRun.objects.exists()


def test_screen_now_runs_the_rules_and_says_what_it_found(world, login):
    from liuke.alerts.registry import Finding

    with toy_rules():
        FOUND["toy_cover"] = [Finding(key="cx", params={"customer": "无人医院"}, customer_id=world.customer_x.pk)]
        client = login(world.admin)
        assert client.get("/alerts/rules/screen/").status_code == 405
        response = client.post("/alerts/rules/screen/", follow=True)
        assert Alert.objects.filter(rule="toy_cover", key="cx").exists()
        run = ScreenRun.objects.get()
        assert run.mode == "manual"
        assert run.opened >= 1
        text = " ".join(str(m) for m in response.context["messages"])
        assert f"{run.findings}" in text
        assert f"{run.opened}" in text
        assert 'id="runs"' in response.content.decode()


# --- cards on other pages and the home figure ------------------------------------------------------------------


def test_customer_employee_and_home_pages_show_open_alerts(world, alerts, login):
    client = login(world.manager_a)
    customer_page = client.get(world.customer_a.get_absolute_url()).content.decode()
    assert 'data-testid="open-alerts"' in customer_page
    assert alerts.a.get_absolute_url() in customer_page
    assert alerts.old.get_absolute_url() not in customer_page  # resolved
    employee_page = client.get(world.rep_a.get_absolute_url()).content.decode()
    assert alerts.about_rep.get_absolute_url() in employee_page
    assert f"?employee={world.rep_a.pk}" in employee_page
    home = client.get("/")
    figure = next(f for f in home.context["figures"] if f["key"] == "alerts")
    assert figure["value"] == 3
    # Nothing open: no card at all.
    quiet = login(world.rep_a2).get(world.customer_a2.get_absolute_url()).content.decode()
    assert 'data-testid="open-alerts"' in quiet
    Alert._base_manager.filter(pk=alerts.a2.pk).update(status=AlertStatus.RESOLVED)
    assert (
        'data-testid="open-alerts"'
        not in login(world.rep_a2).get(world.customer_a2.get_absolute_url()).content.decode()
    )


def test_the_distributor_page_shows_its_channel_alerts(world, login):
    from ..channel.factories import channel_for

    ch = channel_for(world)
    with toy_rules():
        alert = make_alert(rule="toy_cross", customer=ch.dist_sh, distributor=ch.dist_sh, area=Area.CHANNEL)
        body = login(world.manager_a).get(f"/channel/distributors/{ch.dist_sh.pk}/").content.decode()
        assert alert.get_absolute_url() in body
        body = login(world.director).get(f"/channel/distributors/{ch.dist_js.pk}/").content.decode()
        assert 'data-testid="open-alerts"' not in body


def test_english_pages_read_in_english(world, alerts, client):
    client.force_login(world.director.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    inbox = client.get(INBOX).content.decode()
    assert "Needs attention" in inbox
    assert "待处理" not in inbox
    page = client.get(f"/alerts/{alerts.cross.pk}/").content.decode()
    assert "Evidence" in page
    assert "Flow lines" in page
    assert "证据" not in page
