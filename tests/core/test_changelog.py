"""The change log: one chained entry per write, refused edits, and every kind of tampering caught."""

import json
import re

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from liuke.core import changelog
from liuke.core.changelog import change_context, verify_chain
from liuke.core.choices import ChangeAction, ChangeSource
from liuke.core.models import ArchiveInsteadOfDelete, ChangeLogEntry
from liuke.customers.models import Customer
from liuke.org import services
from liuke.org.models import Department, Employee

pytestmark = pytest.mark.django_db


def _entries_for(obj):
    return list(changelog.entries_for(obj))


def test_create_update_archive_each_write_one_entry_with_before_and_after(world):
    dept = world.sh_team
    start = ChangeLogEntry.objects.count()
    services.department_update(department=dept, name="一组（浦东）", code=dept.code, manager=None)
    dept.refresh_from_db()
    entries = _entries_for(dept)
    assert ChangeLogEntry.objects.count() == start + 1
    assert entries[0].action == ChangeAction.UPDATE
    assert entries[0].before["name"] == "一组"
    assert entries[0].after["name"] == "一组（浦东）"
    assert entries[-1].action == ChangeAction.CREATE
    assert entries[-1].before is None

    from django.utils import timezone

    dept.archived_at = timezone.now()
    dept.save()
    assert _entries_for(dept)[0].action == ChangeAction.ARCHIVE
    dept.archived_at = None
    dept.save()
    assert _entries_for(dept)[0].action == ChangeAction.RESTORE


def test_saving_without_a_change_writes_no_entry(world):
    before = ChangeLogEntry.objects.count()
    emp = Employee.objects.get(pk=world.rep_a.pk)
    emp.save()
    assert ChangeLogEntry.objects.count() == before


def test_entry_records_actor_source_and_request_id(world):
    with change_context(source=ChangeSource.CLI, actor=world.admin.user) as ctx:
        services.employee_update(employee=world.rep_b, phone="13900000000")
    entry = _entries_for(world.rep_b)[0]
    assert entry.actor == world.admin.user
    assert "管理员乙" in entry.actor_name
    assert entry.source == ChangeSource.CLI
    assert entry.request_id == ctx.request_id
    assert entry.after["phone"] == "13900000000"


def test_web_edit_is_attributed_to_the_user_with_source_web(world, login):
    client = login(world.admin)
    response = client.post(
        f"/org/departments/{world.js_team.pk}/edit/",
        {"name": "二组", "code": "JS-1", "parent": world.jiangsu.pk, "manager": ""},
    )
    assert response.status_code == 302
    entry = _entries_for(world.js_team)[0]
    assert entry.source == ChangeSource.WEB
    assert entry.actor == world.admin.user
    assert entry.request_id == response["X-Request-ID"]


def test_bulk_create_logs_every_row_in_the_chain(world):
    before = ChangeLogEntry.objects.count()
    changelog.bulk_create(Customer, [Customer(code=f"B{i}", name=f"批量{i}", kind="clinic") for i in range(25)])
    assert ChangeLogEntry.objects.count() == before + 25
    assert verify_chain().ok


def test_bulk_update_logs_only_rows_that_changed(world):
    customers = list(Customer.objects.order_by("code"))
    customers[0].name = "改名医院"
    before = ChangeLogEntry.objects.count()
    assert changelog.bulk_update(Customer, customers, ["name"]) == 1
    assert ChangeLogEntry.objects.count() == before + 1
    assert _entries_for(customers[0])[0].after["name"] == "改名医院"


def test_business_records_cannot_be_deleted(world):
    with pytest.raises(ArchiveInsteadOfDelete):
        world.customer_a.delete()
    with pytest.raises(ArchiveInsteadOfDelete):
        Customer.objects.filter(pk=world.customer_a.pk).delete()
    assert Customer.objects.filter(pk=world.customer_a.pk).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_changelogentry SET object_repr = 'forged'",
        "DELETE FROM core_changelogentry",
    ],
)
def test_database_refuses_update_and_delete_of_the_log(world, sql):
    count = ChangeLogEntry.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    assert ChangeLogEntry.objects.count() == count
    assert not ChangeLogEntry.objects.filter(object_repr="forged").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_postgresql_refuses_truncate_of_the_log(world):
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the test transaction's deferred FK checks
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("TRUNCATE core_changelogentry CASCADE")
    assert ChangeLogEntry.objects.exists()


# --- tampering: the attacker has database rights and drops the guards first -------------------


@pytest.fixture
def attacker(world):
    changelog.remove_guards()
    yield connection
    changelog.install_guards()


def _seq_of(n):
    return ChangeLogEntry.objects.order_by("seq").values_list("pk", "seq")[n - 1]


def test_intact_log_verifies(world):
    result = verify_chain()
    assert result.ok
    assert result.checked == ChangeLogEntry.objects.count() > 20


def test_edited_payload_is_caught_at_that_entry(attacker):
    pk, seq = _seq_of(10)
    entry = ChangeLogEntry.objects.get(pk=pk)
    after = dict(entry.after or {})
    after["name"] = "篡改"
    with connection.cursor() as cur:
        cur.execute("UPDATE core_changelogentry SET after = %s WHERE id = %s", [json.dumps(after), pk])
    result = verify_chain()
    assert not result.ok
    assert result.broken_seq == seq
    assert "hash" in result.reason


def test_edited_actor_is_caught(attacker):
    pk, seq = _seq_of(5)
    ChangeLogEntry.objects.filter(pk=pk).update(actor_name="someone else")
    assert verify_chain().broken_seq == seq


def test_deleted_entry_is_caught_at_the_gap(attacker):
    pk, seq = _seq_of(7)
    ChangeLogEntry.objects.filter(pk=pk).delete()
    result = verify_chain()
    assert not result.ok
    assert result.broken_seq == seq + 1
    assert "gap" in result.reason


def test_swapped_entries_are_caught(attacker):
    (pk3, seq3), (pk4, seq4) = _seq_of(3), _seq_of(4)
    ChangeLogEntry.objects.filter(pk=pk3).update(seq=10**9)
    ChangeLogEntry.objects.filter(pk=pk4).update(seq=seq3)
    ChangeLogEntry.objects.filter(pk=pk3).update(seq=seq4)
    result = verify_chain()
    assert not result.ok
    assert result.broken_seq == seq3


def test_truncated_tail_is_caught(attacker):
    total = ChangeLogEntry.objects.count()
    last_three = ChangeLogEntry.objects.order_by("-seq").values_list("pk", flat=True)[:3]
    ChangeLogEntry.objects.filter(pk__in=list(last_three)).delete()
    result = verify_chain()
    assert not result.ok
    assert result.checked == total - 3
    assert "tail" in result.reason


def test_verify_log_command_names_the_broken_entry_and_exits_1(attacker, capsys):
    pk, seq = _seq_of(2)
    ChangeLogEntry.objects.filter(pk=pk).update(object_repr="forged")
    with pytest.raises(SystemExit) as exc:
        call_command("verify_log", "--format", "json")
    assert exc.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert report == {"ok": False, "checked": 1, "broken_seq": seq, "broken_id": pk, "reason": report["reason"]}


def test_verify_log_command_passes_on_an_intact_log(world, capsys):
    call_command("verify_log", "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["checked"] == ChangeLogEntry.objects.count()


def test_move_department_keeps_history_and_rewrites_subtree(world):
    services.department_move(department=world.shanghai, parent=world.company)
    world.sh_team.refresh_from_db()
    world.shanghai.refresh_from_db()
    assert world.sh_team.path.startswith(world.shanghai.path)
    assert world.sh_team.depth == world.shanghai.depth + 1 == 2
    entry = _entries_for(world.shanghai)[0]
    assert entry.before["parent_id"] == world.region.pk
    assert entry.after["parent_id"] == world.company.pk


def test_department_cannot_move_under_its_own_subtree(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.department_move(department=world.region, parent=world.sh_team)
    assert Department.objects.get(pk=world.region.pk).parent_id == world.company.pk


def _verify_log_human_output(capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        call_command("verify_log")
    assert exc.value.code == 1
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_verify_log_reports_a_broken_chain_wholly_in_chinese(attacker, capsys):
    pk, seq = _seq_of(3)
    ChangeLogEntry.objects.filter(pk=pk).update(object_repr="forged")
    with translation.override("zh-hans"):
        text = _verify_log_human_output(capsys)
    assert f"变更日志在第 #{seq} 条记录处断链" in text
    assert "内容与其哈希值不符" in text
    assert not re.search(r"[A-Za-z]{2,}", text), text


def test_verify_log_reports_a_gap_wholly_in_chinese_and_in_english(attacker, capsys):
    pk, seq = _seq_of(7)
    ChangeLogEntry.objects.filter(pk=pk).delete()
    with translation.override("zh-hans"):
        text = _verify_log_human_output(capsys)
    assert f"序号不连续：应为 #{seq}，实为 #{seq + 1}" in text
    assert not re.search(r"[A-Za-z]{2,}", text), text
    with translation.override("en"):
        text = _verify_log_human_output(capsys)
    assert f"sequence gap: expected #{seq}, found #{seq + 1}" in text
    assert not re.search(r"[\u4e00-\u9fff]", text), text


def test_verify_log_reports_a_cut_tail_in_chinese(attacker, capsys):
    last = ChangeLogEntry.objects.order_by("-seq").values_list("pk", flat=True)[:2]
    ChangeLogEntry.objects.filter(pk__in=list(last)).delete()
    with translation.override("zh-hans"):
        text = _verify_log_human_output(capsys)
    assert "末尾的记录已被删除" in text
    assert not re.search(r"[A-Za-z]{2,}", text), text


def test_verify_log_json_keeps_english_keys_and_reason_in_chinese_mode(attacker, capsys):
    pk, _seq = _seq_of(3)
    ChangeLogEntry.objects.filter(pk=pk).update(object_repr="forged")
    with translation.override("zh-hans"), pytest.raises(SystemExit):
        call_command("verify_log", "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"ok", "checked", "broken_seq", "broken_id", "reason"}
    assert report["reason"] == "content does not match its hash"


def test_verify_log_says_the_log_is_intact_in_chinese(world, capsys):
    with translation.override("zh-hans"):
        call_command("verify_log")
    text = capsys.readouterr().out
    assert "变更日志完好" in text
    assert not re.search(r"[A-Za-z]{2,}", text), text
