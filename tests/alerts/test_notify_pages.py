"""The bell, the notifications list, preferences, the group robots' pages and the notifications API, each opened
by a role allowed to and one that is not, in Chinese and in English."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from liuke.alerts import notify
from liuke.alerts.choices import DeliveryStatus, NotifyChannel
from liuke.alerts.models import Alert, Delivery, Notification, NotificationPreference, WebhookTarget
from liuke.core.changelog import change_context
from liuke.core.models import ChangeLogEntry
from liuke.org.choices import EmployeeStatus
from liuke.org.models import Employee

from .fake_webhook import TOY, robot_running, screening, toy_rule_registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def toy_rule():
    with toy_rule_registered() as rule:
        yield rule


@pytest.fixture
def robot():
    with robot_running() as server:
        yield server


@pytest.fixture
def raised(world, toy_rule, django_capture_on_commit_callbacks):
    """Two alerts about CA (rep_a, manager_a, region_head are told) and one about CB."""
    screening(django_capture_on_commit_callbacks)(
        {"key": "a1", "customer_id": world.customer_a.pk},
        {"key": "a2", "customer_id": world.customer_a.pk, "severity": "high"},
        {"key": "b1", "customer_id": world.customer_b.pk},
    )
    return {a.key: a for a in Alert.objects.filter(rule=TOY)}


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def bell_count(html: str) -> str | None:
    found = re.search(r'data-testid="bell-count"><span class="visually-hidden">[^<]*</span>([^<]+)</span>', html)
    return found.group(1) if found else None


def robot_form(url, **fields):
    return {
        "name": "华东销售群",
        "kind": NotifyChannel.WECOM,
        "url": url,
        "secret": "",
        "department": "",
        "min_severity": "medium",
        "enabled": "on",
        **fields,
    }


# --- the bell -----------------------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_for_one_count_query_per_page(world, raised, login):
    client = login(world.rep_a)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/org/employees/").content.decode()
    assert bell_count(html) == "2"
    touching = [q["sql"] for q in ctx.captured_queries if "alerts_notification" in q["sql"]]
    assert len(touching) == 1
    assert touching[0].upper().startswith("SELECT COUNT")
    assert bell_count(login(world.rep_a2).get("/org/employees/").content.decode()) is None  # nothing for CA2's rep
    assert 'data-testid="bell"' in login(world.director).get("/org/employees/").content.decode()  # and no count


def test_opening_an_alert_from_the_bell_marks_its_notification_read(world, raised, login):
    client = login(world.rep_a)
    mine = Notification.objects.get(user=world.rep_a.user, alert=raised["a2"])
    menu = client.get("/alerts/notifications/menu/").content.decode()
    assert f'href="/alerts/notifications/{mine.pk}/"' in menu
    assert "Toy finding a2" in menu
    assert "全部标为已读" in menu
    response = client.get(f"/alerts/notifications/{mine.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/alerts/{raised['a2'].pk}/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert bell_count(client.get("/org/employees/").content.decode()) == "1"
    # Someone else's notification is not there for the rep.
    others = Notification.objects.get(user=world.rep_b.user)
    assert client.get(f"/alerts/notifications/{others.pk}/").status_code == 404
    others.refresh_from_db()
    assert others.read_at is None


def test_an_alert_no_longer_visible_opens_the_list_with_a_word_instead(world, raised, login):
    mine = Notification.objects.get(user=world.rep_a.user, alert=raised["a1"])
    with change_context(source="system"):
        Employee._base_manager.filter(pk=world.manager_a.pk).update(department=world.js_team)
    client = login(world.rep_a)
    from liuke.customers.models import AccountTeamMember

    AccountTeamMember._base_manager.filter(customer=world.customer_a, employee=world.rep_a).update(until="2000-01-01")
    response = client.get(f"/alerts/notifications/{mine.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == "/alerts/notifications/"
    assert "您已无权查看这条预警" in response.content.decode()


def test_mark_all_read_touches_only_your_own(world, raised, login):
    client = login(world.rep_a)
    page = client.get("/alerts/notifications/").content.decode()
    assert 'data-testid="mark-all-read"' in page
    assert client.post("/alerts/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(user=world.rep_a.user, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.rep_b.user, read_at__isnull=True).count() == 1
    assert bell_count(client.get("/alerts/notifications/").content.decode()) is None
    assert client.get("/alerts/notifications/read-all/").status_code == 405


def test_the_notifications_list_filters_unread_in_both_languages(world, raised, login, django_assert_max_num_queries):
    client = login(world.manager_a)
    Notification.objects.filter(user=world.manager_a.user, alert=raised["a1"]).update(read_at="2026-01-01T00:00Z")
    with django_assert_max_num_queries(12):
        page = client.get("/alerts/notifications/").content.decode()
    assert "Toy finding a1" in page
    assert "Toy finding a2" in page
    assert "通知" in page
    unread = client.get("/alerts/notifications/?unread=true").content.decode()
    assert "Toy finding a2" in unread
    assert "Toy finding a1" not in unread
    assert client.get("/alerts/notifications/?unread=²").status_code == 200  # odd input is dropped, never a 500
    english_page = english(client).get("/alerts/notifications/").content.decode()
    assert "Mark all read" in english_page
    assert "New alert" in english_page
    assert login(world.rep_b).get("/alerts/notifications/").content.decode().count("Toy finding") == 1
    client.logout()
    assert client.get("/alerts/notifications/")["Location"].startswith("/login/")


# --- preferences --------------------------------------------------------------------------------------------


def test_a_person_sets_their_own_preferences_and_a_leaver_cannot(world, login, django_assert_max_num_queries):
    client = login(world.rep_a)
    with django_assert_max_num_queries(10):
        page = client.get("/alerts/preferences/").content.decode()
    assert "通知设置" in page
    assert "没有邮箱地址" in page
    assert "群机器人" not in page  # the robots are the admins'
    before = ChangeLogEntry.objects.count()
    data = {"in_app": "on", "email": "on", "min_severity": "high", "language": "en"}
    assert client.post("/alerts/preferences/", data).status_code == 302
    pref = NotificationPreference.objects.get(user=world.rep_a.user)
    assert (pref.in_app, pref.email, pref.digest, pref.min_severity, pref.language) == (True, True, False, "high", "en")
    assert ChangeLogEntry.objects.count() == before + 1
    assert client.post("/alerts/preferences/", {**data, "min_severity": "extreme"}).status_code == 400
    english_page = english(client).get("/alerts/preferences/").content.decode()
    assert "Daily digest e-mail" in english_page
    assert "Group robots" not in english_page
    assert "Group robots" in english(login(world.admin)).get("/alerts/preferences/").content.decode()

    with change_context(source="system"):
        Employee._base_manager.filter(pk=world.rep_b.pk).update(status=EmployeeStatus.LEFT)
    leaver = login(world.rep_b)
    assert leaver.get("/alerts/preferences/").status_code == 403
    assert leaver.post("/alerts/preferences/", data).status_code == 403
    assert not NotificationPreference.objects.filter(user=world.rep_b.user).exists()


# --- group robots ---------------------------------------------------------------------------------------------


def test_the_robots_are_listed_to_admins_and_directors_only(world, login, robot, django_assert_max_num_queries):
    with change_context(source="system"):
        notify.webhook_save(
            target=None, name="全国群", kind=NotifyChannel.DINGTALK,
            url=robot.url("/robot/send?access_token=t0ken9876"), secret="SECxyz", department=world.jiangsu,
            min_severity="high", rules=[], enabled=True,
        )  # fmt: skip
    admin = login(world.admin)
    with django_assert_max_num_queries(15):
        page = admin.get("/alerts/robots/").content.decode()
    assert "全国群" in page
    assert "钉钉群机器人" in page
    assert "t0ken9876" not in page  # the key is masked
    assert "…9876" in page
    assert "发送测试消息" in page
    assert 'data-testid="robot-add"' in page
    assert "Send a test message" in english(admin).get("/alerts/robots/").content.decode()
    director_page = login(world.director).get("/alerts/robots/")
    assert director_page.status_code == 200
    assert "发送测试消息" not in director_page.content.decode()  # directors read, admins change
    for employee in (world.rep_a, world.manager_a, world.auditor):
        assert login(employee).get("/alerts/robots/").status_code == 403, employee


def test_an_admin_adds_and_edits_a_robot_and_others_may_not(world, login, robot):
    admin = login(world.admin)
    assert admin.get("/alerts/robots/new/").status_code == 200
    for employee in (world.director, world.manager_a, world.rep_a):
        other = login(employee)
        assert other.get("/alerts/robots/new/").status_code == 403, employee
        assert other.post("/alerts/robots/new/", robot_form(robot.url("/x"))).status_code == 403, employee
    assert not WebhookTarget.objects.exists()

    admin = login(world.admin)
    form = robot_form(robot.url("/cgi-bin/webhook/send?key=k1"), department=world.shanghai.pk, rules=[TOY])
    with toy_rule_registered():
        response = admin.post("/alerts/robots/new/", form)
        assert response.status_code == 302, response.content.decode()[:2000]
        target = WebhookTarget.objects.get()
        assert (target.name, target.department, target.rules, target.secret) == (
            "华东销售群",
            world.shanghai,
            [TOY],
            "",
        )
        edit_url = f"/alerts/robots/{target.pk}/edit/"
        assert admin.get(edit_url).status_code == 200
        bad = admin.post(edit_url, {**form, "url": "ftp://example.com/x"})
        assert bad.status_code == 400
        done = admin.post(
            edit_url, {**form, "kind": NotifyChannel.DINGTALK, "secret": "SECnew", "min_severity": "high"}
        )
        assert done.status_code == 302
    target.refresh_from_db()
    assert (target.kind, target.secret, target.min_severity) == (NotifyChannel.DINGTALK, "SECnew", "high")
    assert login(world.director).get(edit_url).status_code == 403
    assert login(world.director).post(edit_url, form).status_code == 403
    assert login(world.rep_a).get(edit_url).status_code == 404
    target.refresh_from_db()
    assert target.min_severity == "high"


def test_the_test_button_sends_now_and_says_what_happened(world, login, robot):
    with change_context(source="system"):
        target = notify.webhook_save(
            target=None, name="测试群", kind=NotifyChannel.DINGTALK, url=robot.url("/robot/send?access_token=abc"),
            secret="SECabc", department=None, min_severity="medium", rules=[], enabled=True,
        )  # fmt: skip
    for employee, status in ((world.director, 403), (world.rep_a, 404)):
        assert login(employee).post(f"/alerts/robots/{target.pk}/test/").status_code == status
    assert robot.requests == []
    admin = login(world.admin)
    response = admin.post(f"/alerts/robots/{target.pk}/test/", follow=True)
    assert "测试消息已送达" in response.content.decode()
    assert len(robot.requests) == 1
    assert robot.requests[0].body["markdown"]["title"] == "留客：测试消息"
    assert "sign" in robot.requests[0].query
    robot.answer = (500, {})
    response = english(admin).post(f"/alerts/robots/{target.pk}/test/", follow=True)
    assert "did not reach 测试群: HTTP 500" in response.content.decode()
    assert list(Delivery.objects.order_by("pk").values_list("status", flat=True)) == [
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
    ]
    assert admin.get(f"/alerts/robots/{target.pk}/test/").status_code == 405


# --- the API -----------------------------------------------------------------------------------------------------


def test_the_preferences_api_reads_and_changes_only_your_own(world):
    api = APIClient()
    api.force_authenticate(world.rep_a.user)
    assert api.get("/api/notification-preferences/me/").json() == {
        "id": None, "in_app": True, "email": False, "digest": True, "min_severity": "low", "language": "",
    }  # fmt: skip
    changed = api.patch("/api/notification-preferences/me/", {"email": True, "min_severity": "medium"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["email"] is True
    mine = NotificationPreference.objects.get(user=world.rep_a.user)
    assert api.patch(f"/api/notification-preferences/{mine.pk}/", {"digest": False}, format="json").status_code == 200
    mine.refresh_from_db()
    assert (mine.email, mine.digest, mine.min_severity) == (True, False, "medium")
    assert api.patch("/api/notification-preferences/me/", {"min_severity": "huge"}, format="json").status_code == 400
    assert [row["id"] for row in api.get("/api/notification-preferences/").json()["results"]] == [mine.pk]

    other = APIClient()
    other.force_authenticate(world.admin.user)  # admins too: a preference is its owner's alone
    assert other.get(f"/api/notification-preferences/{mine.pk}/").status_code == 404
    assert other.patch(f"/api/notification-preferences/{mine.pk}/", {"email": False}, format="json").status_code == 404
    assert other.get("/api/notification-preferences/").json()["results"] == []
    mine.refresh_from_db()
    assert mine.email is True


def test_the_notifications_api_lists_and_marks_your_own(world, raised):
    api = APIClient()
    api.force_authenticate(world.rep_a.user)
    listing = api.get("/api/notifications/").json()
    assert {row["alert_title"] for row in listing["results"]} == {"Toy finding a1", "Toy finding a2"}
    first = listing["results"][0]
    assert first["alert_url"] == f"/alerts/{first['alert']}/"
    read = api.post(f"/api/notifications/{first['id']}/read/")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert len(api.get("/api/notifications/?unread=true").json()["results"]) == 1
    others = Notification.objects.get(user=world.rep_b.user)
    assert api.get(f"/api/notifications/{others.pk}/").status_code == 404
    assert api.post(f"/api/notifications/{others.pk}/read/").status_code == 404
    assert api.post("/api/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/notifications/?unread=true").json()["results"] == []
    others.refresh_from_db()
    assert others.read_at is None
    assert APIClient().get("/api/notifications/").status_code in (401, 403)
