"""The work rules of issue 11: follow-ups past their due day and problems open too long. Rows that must fire and
rows that must not (due today, done, cancelled, archived, the threshold's boundary day), who sees the alert, a
re-run that adds nothing, and the alert leaving once the work is done."""

import datetime as dt

import pytest
from django.utils import timezone

from liuke.alerts import engine, services
from liuke.alerts.choices import AlertStatus
from liuke.alerts.models import Alert
from liuke.alerts.registry import RunContext
from liuke.core import visibility
from liuke.core.changelog import change_context
from liuke.interactions import services as work
from liuke.interactions.models import FollowUp, Problem
from tests.interactions.factories import write_card

pytestmark = pytest.mark.django_db


def ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def follow_up(world, description, due, *, customer=None, owner=None) -> FollowUp:
    with change_context(source="web", actor=world.rep_a.user):
        return work.follow_up_create(
            customer=customer or world.customer_a, owner=owner or world.rep_a, description=description, due=due
        )


def open_alerts(rule: str) -> dict[str, Alert]:
    return {a.key: a for a in Alert.objects.filter(rule=rule, status=AlertStatus.OPEN)}


# --- follow_up_overdue -------------------------------------------------------------------------------


def test_open_follow_ups_past_their_due_day(world):
    late = follow_up(world, "送临床资料给王主任", ago(1))
    follow_up(world, "今天要回电话", ago(0))  # due today: not yet overdue
    follow_up(world, "下周拜访", ago(-7))
    done = follow_up(world, "已经送过样品", ago(5))
    cancelled = follow_up(world, "取消的会议", ago(5))
    with change_context(source="web", actor=world.rep_a.user):
        work.follow_up_close(follow_up=done)
        work.follow_up_close(follow_up=cancelled, status="cancelled", note="科室会取消")
        follow_up(world, "已归档的事项", ago(9)).archive()
    on_archived = follow_up(world, "已归档客户的事项", ago(9), customer=world.customer_x)
    world.customer_x.archive()
    jiangsu = follow_up(world, "江苏的事项", ago(3), customer=world.customer_b, owner=world.rep_b)

    engine.screen(["follow_up_overdue"])

    found = open_alerts("follow_up_overdue")
    assert set(found) == {str(late.pk), str(jiangsu.pk)}
    assert str(on_archived.pk) not in found
    alert = found[str(late.pk)]
    assert (alert.customer_id, alert.employee_id) == (world.customer_a.pk, world.rep_a.pk)
    assert (alert.area, alert.severity) == ("work", "medium")
    assert alert.evidence == [
        {"type": "follow_up", "id": late.pk, "text": "送临床资料给王主任", "due": ago(1).isoformat()},
        {"type": "customer", "code": "CA"},
        {"type": "employee", "employee_no": "RA"},
    ]
    assert alert.title == f"北京同仁医院（CA）：{ago(1).isoformat()} 到期的跟进事项未完成：送临床资料给王主任"

    again = engine.screen(["follow_up_overdue"])
    assert (again.opened, again.reopened, again.closed) == ([], [], 0)

    with change_context(source="web", actor=world.rep_a.user):
        work.follow_up_close(follow_up=late, note="已送达")
    assert engine.screen(["follow_up_overdue"]).closed == 1
    assert Alert.objects.get(rule="follow_up_overdue", key=str(late.pk)).status == AlertStatus.NO_LONGER_OBSERVED


def test_an_overdue_follow_up_is_seen_by_its_customer_and_its_owners_manager(world):
    a = follow_up(world, "上海的事项", ago(2))
    b = follow_up(world, "江苏的事项", ago(2), customer=world.customer_b, owner=world.rep_b)
    engine.screen(["follow_up_overdue"])

    def seen(employee):
        return set(visibility.restrict(employee.user, Alert).values_list("key", flat=True))

    assert seen(world.rep_a) == {str(a.pk)}
    assert seen(world.manager_b) == {str(b.pk)}
    assert seen(world.region_head) == {str(a.pk), str(b.pk)}


def test_a_long_text_is_shortened_in_the_title_only(world):
    text = "整理" + "并核对" * 40 + "全部资料"
    f = follow_up(world, text, ago(3))
    engine.screen(["follow_up_overdue"])
    alert = Alert.objects.get(rule="follow_up_overdue", key=str(f.pk))
    assert alert.params["text"].endswith("…")
    assert len(alert.params["text"]) == 60
    assert alert.evidence[0]["text"] == text


# --- problem_open_long -------------------------------------------------------------------------------


def _problem(world, text, raised_days_ago, *, customer=None, author=None) -> Problem:
    card = write_card(author or world.rep_a, customer or world.customer_a, problems_raised=[text], next_steps=[])
    problem = card.problems.get()
    Problem._base_manager.filter(pk=problem.pk).update(raised_on=ago(raised_days_ago))
    problem.refresh_from_db()
    return problem


def test_problems_open_longer_than_the_set_days(world):
    old = _problem(world, "配送经常延迟", 31)
    _problem(world, "发票抬头错误", 30)  # exactly 30 days: not yet too long
    in_progress = _problem(world, "科室会场地难定", 45)
    solved = _problem(world, "样品不足", 60)
    with change_context(source="web", actor=world.rep_a.user):
        work.problem_set_status(problem=in_progress, status="in_progress")
        work.problem_set_status(problem=solved, status="resolved", note="已补送样品")
    _problem(world, "已归档的问题", 90).archive()

    engine.screen(["problem_open_long"])

    found = open_alerts("problem_open_long")
    assert set(found) == {str(old.pk), str(in_progress.pk)}
    alert = found[str(old.pk)]
    assert (alert.customer_id, alert.employee_id) == (world.customer_a.pk, old.owner_id)
    assert alert.evidence[0] == {
        "type": "problem",
        "id": old.pk,
        "text": "配送经常延迟",
        "raised_on": ago(31).isoformat(),
    }
    assert alert.evidence[1:] == [
        {"type": "customer", "code": "CA"},
        {"type": "employee", "employee_no": old.owner.employee_no},
    ]
    assert alert.title == f"北京同仁医院（CA）：{ago(31).isoformat()} 提出的问题仍未解决：配送经常延迟"

    services.rule_setting_save(rule="problem_open_long", enabled=True, params={"days": "29"})
    engine.screen(["problem_open_long"])
    assert len(open_alerts("problem_open_long")) == 3

    with change_context(source="web", actor=world.rep_a.user):
        work.problem_set_status(problem=old, status="resolved", note="换了配送商")
    assert engine.screen(["problem_open_long"]).closed == 1
    assert Alert.objects.get(rule="problem_open_long", key=str(old.pk)).status == AlertStatus.NO_LONGER_OBSERVED


@pytest.mark.parametrize("rule", ["follow_up_overdue", "problem_open_long"])
def test_each_work_rule_runs_one_query(world, rule, django_assert_num_queries):
    from liuke.alerts import registry

    for i in range(15):
        follow_up(world, f"事项{i}", ago(i + 1))
        _problem(world, f"问题{i}", 40 + i)
    definition = registry.get(rule)
    with django_assert_num_queries(1):
        found = list(definition.find(RunContext(rule=definition, settings={})))
    assert len(found) >= 15
