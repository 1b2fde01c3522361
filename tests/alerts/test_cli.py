"""`liuke screen` and `liuke alerts` as scripts use them (INTERFACES.md "Alerts")."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liuke.alerts import registry
from liuke.alerts.choices import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def toy_rule(world):
    def find(ctx):
        yield registry.Finding(
            key=f"c{world.customer_a.pk}",
            params={"name": world.customer_a.name},
            customer_id=world.customer_a.pk,
            evidence=[{"type": "customer", "code": world.customer_a.code}],
        )

    registry.register(
        registry.Rule(
            name="cli_toy", title="Toy", summary="%(name)s needs a look", description="", area=Area.CUSTOMERS, find=find
        )
    )
    yield
    registry._rules.pop("cli_toy", None)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_screen_twice_then_list_as_json(toy_rule, world):
    first = json.loads(run("liuke_screen", "cli_toy", "--format", "json"))
    assert first["opened"] == 1
    assert first["findings"] == 1
    second = json.loads(run("liuke_screen", "cli_toy", "--format", "json"))
    assert second["opened"] == 0
    assert second["reopened"] == 0

    doc = json.loads(run("liuke_alerts", "--rule", "cli_toy", "--format", "json"))
    (alert,) = doc["alerts"]
    assert alert["rule"] == "cli_toy"
    assert alert["status"] == "open"
    assert alert["severity"] == "medium"
    assert alert["subject"] == {"type": "customer", "code": world.customer_a.code}
    assert alert["evidence"] == [{"type": "customer", "code": world.customer_a.code}]
    assert alert["title"] == f"{world.customer_a.name} needs a look"
    assert alert["opened_at"].endswith("+08:00")  # local time of the company (Asia/Shanghai)
    assert json.loads(run("liuke_alerts", "--rule", "cli_toy", "--status", "dismissed", "--format", "json")) == {
        "alerts": []
    }


def test_unknown_rule_is_unusable_input(toy_rule):
    with pytest.raises(CommandError) as err:
        run("liuke_screen", "no_such_rule")
    assert err.value.returncode == 2
    assert "no_such_rule" in str(err.value)
    with pytest.raises(CommandError):
        run("liuke_alerts", "--status", "closed")
