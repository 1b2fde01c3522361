"""Who is told of an alert, through which channel, and what arrives at the group robots (a local fake server).

The toy rule of ``fake_webhook`` raises alerts the test chooses; the fake robot records every request."""

import base64
import datetime as dt
import hashlib
import hmac
import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from liuke.alerts import notify, services
from liuke.alerts.choices import AlertStatus, DeliveryStatus, NotifyChannel, Severity
from liuke.alerts.models import Alert, Delivery, Notification
from liuke.core import changelog, visibility
from liuke.core.changelog import change_context
from liuke.core.models import ChangeLogEntry
from liuke.customers.models import AccountTeamMember, Customer
from liuke.org.choices import EmployeeStatus
from liuke.org.models import Employee

from .fake_webhook import TOY, closed_port, robot_running, screening, toy_rule_registered

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
def screen(django_capture_on_commit_callbacks):
    return screening(django_capture_on_commit_callbacks)


def told(alert_key: str) -> set[str]:
    """Employee numbers with an in-app notification of the toy alert ``alert_key``."""
    alert = Alert.objects.get(rule=TOY, key=alert_key)
    users = Notification.objects.filter(alert=alert).values_list("user_id", flat=True)
    return set(Employee.objects.filter(user_id__in=users).values_list("employee_no", flat=True))


def zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def set_email(employee, address):
    Employee._base_manager.filter(pk=employee.pk).update(email=address)


def prefer(employee, **fields):
    current = services.preference_for(employee.user)
    values = {
        "in_app": current.in_app,
        "email": current.email,
        "digest": current.digest,
        "min_severity": current.min_severity,
        "language": current.language,
        **fields,
    }
    with change_context(source="web", actor=employee.user):
        services.preference_save(user=employee.user, **values)


def robot_target(url, *, kind=NotifyChannel.WECOM, **fields):
    with change_context(source="system"):
        return notify.webhook_save(
            target=None,
            name=fields.pop("name", "销售群"),
            kind=kind,
            url=url,
            secret=fields.pop("secret", None),
            department=fields.pop("department", None),
            min_severity=fields.pop("min_severity", "medium"),
            rules=fields.pop("rules", []),
            enabled=fields.pop("enabled", True),
        )


# --- who is told ---------------------------------------------------------------------------------------------


def test_the_account_team_and_the_managers_over_it_are_told_and_directors_are_not_flooded(world, toy_rule, screen):
    screen(
        {"key": "a", "customer_id": world.customer_a.pk},
        {"key": "b", "customer_id": world.customer_b.pk},
        {"key": "x", "customer_id": world.customer_x.pk},
    )
    assert told("a") == {"RA", "MA", "R1"}  # rep and manager on the team, the region's head over them
    assert told("b") == {"RB", "MB", "R1"}
    assert told("x") == set()  # nobody's customer: it waits in the inbox (directors see it there)
    assert not Notification.objects.filter(user__in=[world.director.user, world.admin.user, world.auditor.user])


def test_everyone_told_may_see_the_alert_and_every_rep_or_manager_who_sees_it_is_told(world, toy_rule, screen):
    screen(
        {"key": "a", "customer_id": world.customer_a.pk},
        {"key": "a2", "customer_id": world.customer_a2.pk},
        {"key": "b", "customer_id": world.customer_b.pk},
        {"key": "emp", "employee_id": world.rep_b.pk},
    )
    staff = [world.rep_a, world.rep_a2, world.rep_b, world.manager_a, world.manager_b, world.region_head]
    for alert in Alert.objects.filter(rule=TOY):
        heard = told(alert.key)
        for employee in staff:
            sees = visibility.can(employee.user, alert)
            if employee.employee_no in heard:
                assert sees, (alert.key, employee.employee_no)
            elif employee.pk != alert.employee_id:
                assert not sees, (alert.key, employee.employee_no)


def test_an_alert_about_an_employee_reaches_their_managers_never_themself(world, toy_rule, screen):
    screen({"key": "e", "employee_id": world.rep_a.pk})
    assert told("e") == {"MA", "R1"}


def test_watchers_and_assignees_are_told_as_far_as_they_may_see(
    world, toy_rule, screen, django_capture_on_commit_callbacks
):
    with change_context(source="system"):
        services.rule_setting_save(rule=TOY, enabled=True, watcher_ids=[world.director.pk, world.auditor.pk])
    screen({"key": "a", "customer_id": world.customer_a.pk})
    # The director watches the rule; the auditor sees only channel alerts, and this one is about a customer.
    assert told("a") == {"RA", "MA", "R1", "D1"}
    alert = Alert.objects.get(key="a")
    set_email(world.rep_a2, "ra2@example.com")
    prefer(world.rep_a2, email=True)
    with django_capture_on_commit_callbacks(execute=True), change_context(source="web", actor=world.manager_a.user):
        services.alert_assign(alert=alert, user=world.manager_a.user, assignee=world.rep_a2)
    note = Notification.objects.get(alert=alert, user=world.rep_a2.user)
    assert note.reason == "assigned"
    assert [m.to for m in mail.outbox] == [["ra2@example.com"]]
    assert "分配给您" in mail.outbox[0].subject
    assert alert.title in mail.outbox[0].subject


def test_people_who_left_are_not_told_nor_are_managers_who_only_saw_through_them(world, toy_rule, screen):
    with change_context(source="system"):
        Employee._base_manager.filter(pk__in=[world.rep_a.pk, world.rep_a2.pk]).update(status=EmployeeStatus.LEFT)
    screen({"key": "a", "customer_id": world.customer_a.pk}, {"key": "a2", "customer_id": world.customer_a2.pk})
    assert told("a") == {"MA", "R1"}  # the manager is on CA's team himself
    assert told("a2") == set()  # CA2's only rep left: uncovered, nobody over it is told


def test_preferences_choose_the_channels_and_the_lowest_severity(world, toy_rule, screen):
    prefer(world.rep_a, min_severity="high")
    prefer(world.manager_a, in_app=False, email=True, language="en")
    prefer(world.region_head, email=True)  # no address on record: nothing can be sent
    set_email(world.manager_a, "ma@example.com")
    screen({"key": "a", "customer_id": world.customer_a.pk})  # medium
    assert told("a") == {"R1"}
    assert [m.to for m in mail.outbox] == [["ma@example.com"]]
    message = mail.outbox[0]
    assert message.subject.startswith("[liuke] New alert: Toy finding a")  # manager_a reads English
    html = message.alternatives[0][0]
    assert "http://127.0.0.1:8000/alerts/" in message.body
    assert "Toy finding a" in html

    screen(
        {"key": "a", "customer_id": world.customer_a.pk},
        {"key": "h", "customer_id": world.customer_a.pk, "severity": "high"},
    )
    assert told("h") == {"RA", "R1"}
    assert "新预警" not in mail.outbox[-1].subject  # still English for manager_a


def test_e_mails_are_in_chinese_by_default_and_one_per_person_per_screening(world, toy_rule, screen):
    set_email(world.rep_a, "ra@example.com")
    prefer(world.rep_a, email=True)
    screen(*[{"key": f"k{i}", "customer_id": world.customer_a.pk} for i in range(3)])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[留客] 3 条新预警"
    assert "Toy finding k0" in message.body
    assert "预警收件箱" in message.body
    delivery = Delivery.objects.get(channel=NotifyChannel.EMAIL)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert len(delivery.alert_ids) == 3


def test_a_second_screening_does_not_tell_again_and_a_reopened_alert_does(world, toy_rule, screen):
    screen({"key": "a", "customer_id": world.customer_a.pk})
    screen({"key": "a", "customer_id": world.customer_a.pk})
    assert Notification.objects.count() == 3
    screen()  # no longer observed
    screen({"key": "a", "customer_id": world.customer_a.pk})  # back again: reopened, news even if unread
    reasons = sorted(Notification.objects.filter(read_at__isnull=True).values_list("reason", flat=True))
    assert reasons == ["opened"] * 3 + ["reopened"] * 3


def test_telling_a_large_screening_costs_the_same_queries_as_a_small_one(world, toy_rule):
    with change_context(source="system"):
        customers = [Customer.objects.create(code=f"Q{i:03}", name=f"医院{i}", kind="hospital") for i in range(120)]
        for c in customers:
            AccountTeamMember.objects.create(
                customer=c, employee=world.rep_a if c.pk % 2 else world.rep_b, role="develop"
            )
        now = timezone.now()
        alerts = changelog.bulk_create(
            Alert,
            [
                Alert(
                    rule=TOY,
                    key=f"q{c.pk}",
                    area="customers",
                    severity="medium",
                    customer=c,
                    opened_at=now,
                    last_seen_at=now,
                )
                for c in customers
            ],
        )

    def queries(ids):
        with CaptureQueriesContext(connection) as ctx:
            notify.alerts_raised(ids, reason="opened")
        return len(ctx.captured_queries)

    few = queries([a.pk for a in alerts[:4]])
    many = queries([a.pk for a in alerts[4:]])
    assert many <= few + 2, (few, many)  # nothing per alert or per person: a fixed handful per 500 alerts
    assert Notification.objects.count() == 120 * 3  # each: its rep, their manager, the region's head


# --- group robots --------------------------------------------------------------------------------------------


def test_a_wecom_robot_receives_markdown_with_links_to_the_alerts(world, toy_rule, screen, robot):
    robot_target(robot.url("/cgi-bin/webhook/send?key=wecom-key-1234"))
    screen(
        {"key": "a", "customer_id": world.customer_a.pk},
        {"key": "b", "customer_id": world.customer_b.pk, "severity": "high"},
    )
    assert len(robot.requests) == 1
    got = robot.requests[0]
    assert got.path == "/cgi-bin/webhook/send"
    assert got.query == {"key": "wecom-key-1234"}
    assert got.headers["content-type"].startswith("application/json")
    assert got.body["msgtype"] == "markdown"
    content = got.body["markdown"]["content"]
    assert content.startswith("### 留客：2 条新预警")
    high, medium = Alert.objects.get(key="b"), Alert.objects.get(key="a")
    assert content.index("Toy finding b") < content.index("Toy finding a")  # the most severe first
    assert f"(http://127.0.0.1:8000/alerts/{high.pk}/)" in content
    assert f"/alerts/{medium.pk}/" in content
    assert f'<font color="warning">【{zh(Severity.HIGH.label)}】</font>' in content
    assert "北京同仁医院" in content
    assert len(content.encode()) <= 4096
    delivery = Delivery.objects.get(channel=NotifyChannel.WECOM)
    assert delivery.status == DeliveryStatus.SENT
    assert sorted(delivery.alert_ids) == sorted([high.pk, medium.pk])


def test_a_dingtalk_robot_signs_as_dingtalk_documents_and_hears_only_its_department(world, toy_rule, screen, robot):
    secret = "SECabcdef0123456789"
    robot_target(
        robot.url("/robot/send?access_token=ding-token"),
        kind=NotifyChannel.DINGTALK,
        secret=secret,
        department=world.jiangsu,
    )
    screen(
        {"key": "a", "customer_id": world.customer_a.pk},
        {"key": "b", "customer_id": world.customer_b.pk},
        {"key": "e", "employee_id": world.rep_b.pk},
    )
    assert len(robot.requests) == 1
    got = robot.requests[0]
    assert got.query["access_token"] == "ding-token"
    timestamp = got.query["timestamp"]
    assert abs(int(timestamp) - time.time() * 1000) < 60_000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert got.query["sign"] == expected  # parse_qs undid the URL encoding
    assert got.body["msgtype"] == "markdown"
    assert got.body["markdown"]["title"] == "留客：2 条新预警"
    text = got.body["markdown"]["text"]
    assert "Toy finding b" in text
    assert "Toy finding e" in text
    assert "Toy finding a" not in text
    assert f"**【{zh(Severity.MEDIUM.label)}】**" in text


def test_a_robot_hears_only_its_severity_and_rules(world, toy_rule, screen, robot):
    robot_target(robot.url("/high"), min_severity="high")
    robot_target(robot.url("/other-rule"), rules=["uncovered"], name="覆盖群")
    robot_target(robot.url("/off"), enabled=False, name="停用")
    screen({"key": "a", "customer_id": world.customer_a.pk})  # medium
    assert robot.requests == []
    screen(
        {"key": "a", "customer_id": world.customer_a.pk},
        {"key": "h", "customer_id": world.customer_a.pk, "severity": "high"},
    )
    assert [r.path for r in robot.requests] == ["/high"]
    assert "Toy finding h" in robot.requests[0].body["markdown"]["content"]
    assert "Toy finding a" not in robot.requests[0].body["markdown"]["content"]


def test_a_failing_robot_is_retried_then_recorded_and_the_screening_stands(world, toy_rule, screen, robot, settings):
    robot.answer = (500, {"errcode": -1, "errmsg": "down"})
    robot_target(robot.url("/down"), name="坏的")
    robot_target(f"http://127.0.0.1:{closed_port()}/nobody", name="没人", kind=NotifyChannel.DINGTALK, secret="SECx")
    started = time.monotonic()
    result = screen({"key": "a", "customer_id": world.customer_a.pk})
    assert time.monotonic() - started < 10  # retries follow at once in-process: nothing sleeps
    assert len(result.opened) == 1
    assert Alert.objects.filter(key="a", status=AlertStatus.OPEN).exists()
    assert told("a") == {"RA", "MA", "R1"}  # people are told all the same
    tries = settings.LIUKE_NOTIFY_RETRIES + 1
    assert len(robot.requests) == tries
    down = Delivery.objects.get(webhook__name="坏的")
    assert (down.status, down.attempts) == (DeliveryStatus.FAILED, tries)
    assert "HTTP 500" in down.last_error
    nobody = Delivery.objects.get(webhook__name="没人")
    assert (nobody.status, nobody.attempts) == (DeliveryStatus.FAILED, tries)
    assert "Connection refused" in nobody.last_error or "URLError" in nobody.last_error


def test_a_robot_that_refuses_the_message_counts_as_failed(world, toy_rule, screen, robot):
    robot.answer = (200, {"errcode": 310000, "errmsg": "sign not match"})
    robot_target(robot.url("/refuses"), kind=NotifyChannel.DINGTALK, secret="SECwrong")
    screen({"key": "a", "customer_id": world.customer_a.pk})
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "errcode 310000: sign not match"


def test_a_failing_mail_server_never_fails_the_screening(world, toy_rule, screen, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 1
    set_email(world.rep_a, "ra@example.com")
    prefer(world.rep_a, email=True)
    result = screen({"key": "a", "customer_id": world.customer_a.pk})
    assert len(result.opened) == 1
    delivery = Delivery.objects.get(channel=NotifyChannel.EMAIL)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == settings.LIUKE_NOTIFY_RETRIES + 1


def test_the_robots_secret_and_key_stay_out_of_the_change_log(world):
    before = ChangeLogEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    target = robot_target(
        "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef",
        kind=NotifyChannel.DINGTALK,
        secret="SECtopsecret",
    )
    entries = list(ChangeLogEntry.objects.filter(seq__gt=before))
    logged = str([e.after for e in entries])
    assert entries
    assert "SECtopsecret" not in logged
    assert "0123456789abcdef" not in logged
    assert "oapi.dingtalk.com/robot/send?access_token=…cdef" in logged  # that the address is set, and which
    with change_context(source="system"):
        notify.webhook_save(
            target=target, name=target.name, kind=target.kind, url=target.url, secret=None,
            department=None, min_severity="high", rules=[], enabled=True,
        )  # fmt: skip
    target.refresh_from_db()
    assert target.secret == "SECtopsecret"  # kept when the form leaves it empty


# --- the daily digest ------------------------------------------------------------------------------------------


def test_the_daily_digest_lists_what_opened_since_the_last_one_in_chinese(
    world, toy_rule, screen, django_capture_on_commit_callbacks
):
    from liuke.celery import app

    set_email(world.rep_a, "ra@example.com")
    set_email(world.rep_b, "rb@example.com")
    prefer(world.rep_b, digest=False)
    screen({"key": "a", "customer_id": world.customer_a.pk}, {"key": "b", "customer_id": world.customer_b.pk})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert app.tasks["liuke.alerts.send_digests"].delay().get() == 1
    assert [m.to for m in mail.outbox] == [["ra@example.com"]]
    digest = mail.outbox[0]
    assert digest.subject == "[留客] 每日预警摘要：1 条预警"
    assert "Toy finding a" in digest.body
    assert "Toy finding b" not in digest.body
    assert "仍待处理" in digest.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.digests_send() == 0  # nothing opened since
    assert mail.outbox == []

    screen({"key": "a", "customer_id": world.customer_a.pk}, {"key": "a-new", "customer_id": world.customer_a.pk},
           {"key": "a-done", "customer_id": world.customer_a.pk})  # fmt: skip
    done = Alert.objects.get(key="a-done")
    with change_context(source="web", actor=world.rep_a.user):
        services.alert_step(alert=done, user=world.rep_a.user, status=AlertStatus.RESOLVED, resolution="已处理")
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.digests_send(now=timezone.now() + dt.timedelta(seconds=1)) == 1
    body = mail.outbox[0].body
    assert "Toy finding a-new" in body
    assert "Toy finding a\n" not in body
    assert "Toy finding a-done" not in body


def test_a_digest_respects_the_severity_and_the_language_chosen(
    world, toy_rule, screen, django_capture_on_commit_callbacks
):
    set_email(world.manager_a, "ma@example.com")
    prefer(world.manager_a, language="en", min_severity="high")
    screen(
        {"key": "m", "customer_id": world.customer_a.pk},
        {"key": "h", "customer_id": world.customer_a.pk, "severity": "high"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify.digests_send()
    [digest] = [m for m in mail.outbox if m.to == ["ma@example.com"]]
    assert digest.subject == "[liuke] Daily digest: 1 alert"
    assert "Toy finding h" in digest.body
    assert "Toy finding m" not in digest.body
