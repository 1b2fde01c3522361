"""The `liuke` command line and the demo company."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liuke.core.changelog import verify_chain
from liuke.core.visibility import restrict
from liuke.customers.models import Customer
from liuke.demo.generator import demo_build
from liuke.org.models import Department, Employee

LIUKE = str(Path(sys.executable).parent / "liuke")


def test_help_lists_the_built_commands_only():
    out = subprocess.run([LIUKE, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("serve", "demo", "import", "export", "verify-log", "screen", "alerts"):
        assert f"  {command} " in out
    for later in ("backup", "restore"):
        assert f"  {later} " not in out


def test_unknown_command_exits_2():
    done = subprocess.run([LIUKE, "frobnicate"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "frobnicate" in done.stderr


def _fingerprint():
    return (
        list(Employee.objects.order_by("employee_no").values_list("employee_no", "name", "role", "department__code")),
        list(Customer.objects.order_by("code").values_list("code", "name", "division_id")),
    )


@pytest.mark.demo_build
@pytest.mark.django_db
def test_demo_is_deterministic_for_a_seed_and_differs_across_seeds(django_db_blocker):
    from django.db import transaction

    def build(seed):
        with transaction.atomic():
            demo_build(scale="small", seed=seed)
            fp = _fingerprint()
            transaction.set_rollback(True)
        return fp

    first, again, other = build(7), build(7), build(8)
    assert first == again
    assert first != other


@pytest.mark.django_db
def test_small_demo_has_every_role_login_and_a_sound_chain():
    report = demo_build(scale="small", seed=2026)
    assert 40 <= report.employees <= 60
    assert set(report.logins) == {"admin", "director", "manager", "rep", "auditor"}
    for username in report.logins:
        assert Employee.objects.get(user__username=username).user.check_password("liuke-demo")
    assert Department.objects.filter(depth=3).count() >= 4  # company → region → district → team
    rep = Employee.objects.get(user__username="rep").user
    manager = Employee.objects.get(user__username="manager").user
    assert 0 < restrict(rep, Customer).count() < restrict(manager, Customer).count() < Customer.objects.count()
    assert verify_chain().ok


@pytest.mark.django_db
def test_demo_refuses_a_database_with_data_unless_if_empty(world, capsys):
    with pytest.raises(CommandError) as exc:
        call_command("demo")
    assert exc.value.returncode == 2
    call_command("demo", "--if-empty")
    assert "liuke-demo" in capsys.readouterr().out
