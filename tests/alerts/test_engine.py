"""The engine's promises, with a rule whose findings the test controls: no duplicates on a re-run, a finding
that stops holding moves to "no longer observed", a dismissed one stays dismissed until its evidence changes,
and every status change is in the change log."""

import pytest

from liuke.alerts import engine, registry, services
from liuke.alerts.choices import AlertStatus, Area, RunMode
from liuke.alerts.models import Alert, AlertNote
from liuke.core import changelog, visibility
from liuke.core.changelog import change_context

pytestmark = pytest.mark.django_db

FOUND: dict[str, list] = {"now": []}


def _find(ctx):
    limit = ctx.value("limit")
    for key, customer_id, qty in FOUND["now"]:
        if qty > limit:
            yield registry.Finding(
                key=key,
                params={"qty": qty},
                customer_id=customer_id,
                evidence=[{"type": "customer", "qty": qty}],
            )


@pytest.fixture
def toy_rule():
    rule = registry.register(
        registry.Rule(
            name="toy_rule",
            title="Toy",
            summary="Toy rule saw %(qty)s",
            description="A rule for tests",
            area=Area.CUSTOMERS,
            find=_find,
            thresholds=(registry.Threshold("limit", "limit", 0),),
            scopes=frozenset({"customers"}),
        )
    )
    yield rule
    registry._rules.pop("toy_rule", None)
    FOUND["now"] = []


def test_rerun_never_duplicates_and_stale_findings_close(world, toy_rule):
    FOUND["now"] = [("a", world.customer_a.pk, 5), ("b", world.customer_b.pk, 7)]
    first = engine.screen(["toy_rule"])
    assert len(first.opened) == 2
    again = engine.screen(["toy_rule"])
    assert again.opened == []
    assert again.reopened == []
    assert again.closed == 0
    assert Alert.objects.filter(rule="toy_rule").count() == 2
    assert Alert.objects.get(key="a").title == "Toy rule saw 5"

    FOUND["now"] = [("a", world.customer_a.pk, 5)]
    closing = engine.screen(["toy_rule"])
    assert closing.closed == 1
    assert Alert.objects.get(key="b").status == AlertStatus.NO_LONGER_OBSERVED
    # Seen again: open again, the same alert.
    FOUND["now"] = [("a", world.customer_a.pk, 5), ("b", world.customer_b.pk, 7)]
    back = engine.screen(["toy_rule"])
    assert back.reopened == [Alert.objects.get(key="b").pk]
    assert Alert.objects.get(key="b").status == AlertStatus.OPEN


def test_dismissed_stays_dismissed_until_the_evidence_changes(world, toy_rule):
    FOUND["now"] = [("a", world.customer_a.pk, 5)]
    engine.screen(["toy_rule"])
    alert = Alert.objects.get(key="a")
    with change_context(source="web", actor=world.rep_a.user):
        services.alert_step(alert=alert, user=world.rep_a.user, status=AlertStatus.DISMISSED, note="known, agreed")
    engine.screen(["toy_rule"])
    assert Alert.objects.get(key="a").status == AlertStatus.DISMISSED
    FOUND["now"] = [("a", world.customer_a.pk, 9)]  # new evidence
    result = engine.screen(["toy_rule"])
    alert.refresh_from_db()
    assert result.reopened == [alert.pk]
    assert alert.status == AlertStatus.OPEN
    assert alert.params == {"qty": 9}
    statuses = [e.after.get("status") for e in changelog.entries_for(alert) if e.after]
    assert statuses[:3] == ["open", "dismissed", "open"]  # newest first: reopened, dismissed, opened


def test_incremental_runs_only_open_and_thresholds_come_from_settings(world, toy_rule):
    FOUND["now"] = [("a", world.customer_a.pk, 5)]
    engine.screen(["toy_rule"])
    FOUND["now"] = []
    result = engine.screen(mode=RunMode.INCREMENTAL, scope={"customers": [world.customer_a.pk]})
    assert result.closed == 0
    assert Alert.objects.get(key="a").status == AlertStatus.OPEN
    services.rule_setting_save(rule="toy_rule", enabled=True, params={"limit": "6"})
    FOUND["now"] = [("a", world.customer_a.pk, 5)]
    assert engine.screen(["toy_rule"]).closed == 1  # 5 is no longer above the limit
    with pytest.raises(services.AlertError):
        services.rule_setting_save(rule="toy_rule", enabled=True, params={"limit": "many"})


def test_lifecycle_needs_a_reason_and_follows_visibility(world, toy_rule):
    FOUND["now"] = [("a", world.customer_a.pk, 5), ("b", world.customer_b.pk, 7)]
    engine.screen(["toy_rule"])
    a, b = Alert.objects.get(key="a"), Alert.objects.get(key="b")
    rep = world.rep_a.user
    assert set(visibility.restrict(rep, Alert).values_list("key", flat=True)) == {"a"}
    with pytest.raises(services.AlertError):
        services.alert_step(alert=b, user=rep, status=AlertStatus.ACKNOWLEDGED)
    with pytest.raises(services.AlertError):
        services.alert_step(alert=a, user=rep, status=AlertStatus.RESOLVED)  # no reason
    assert Alert.objects.get(key="a").status == AlertStatus.OPEN
    services.alert_step(alert=a, user=rep, status=AlertStatus.INVESTIGATING, note="calling them")
    a.refresh_from_db()
    assert a.assignee == world.rep_a
    services.alert_step(alert=a, user=rep, status=AlertStatus.RESOLVED, resolution="order corrected")
    assert AlertNote.objects.filter(alert=a).count() == 2
    with pytest.raises(services.AlertError):
        services.alert_step(alert=a, user=rep, status=AlertStatus.INVESTIGATING)


def test_imports_in_one_transaction_are_screened_once_when_it_commits(
    world, toy_rule, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from liuke.alerts.models import ScreenRun
    from liuke.alerts.tasks import screen_after_import

    FOUND["now"] = [("a", world.customer_a.pk, 5)]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        screen_after_import(customers=[world.customer_a.pk])
        screen_after_import(customers=[world.customer_b.pk], flow_imports=[])
        assert not ScreenRun.objects.exists()  # nothing before the commit
    (run,) = ScreenRun.objects.all()
    assert run.mode == RunMode.INCREMENTAL
    assert run.scope == {"customers": sorted([world.customer_a.pk, world.customer_b.pk])}
    assert Alert.objects.filter(key="a").exists()
