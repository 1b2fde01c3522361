"""`liuke import employees`: CSV/XLSX, English or Chinese headers, row-level errors, dry runs."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from liuke.core.models import ChangeLogEntry
from liuke.org.importers import employee_import_run
from liuke.org.models import Department, Employee

pytestmark = pytest.mark.django_db

HEADER_EN = "employee_no,name,department,role,email,phone,hire_date"
HEADER_ZH = "工号,姓名,部门,角色,邮箱,手机,入职日期"


def write_csv(tmp_path: Path, text: str, encoding="utf-8", name="staff.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, dry_run=False):
    return employee_import_run(path=str(path), dry_run=dry_run)


def test_csv_with_english_headers_creates_employees_and_departments(tmp_path):
    path = write_csv(
        tmp_path,
        f"{HEADER_EN}\nE1,张伟,华东大区/上海区/一组,rep,zw@example.com,13800000001,2023-03-01\n"
        "E2,李娜,华东大区/上海区,manager,,,2021/7/15\n",
    )
    result = run(path)
    assert (result.rows, result.created, result.rejected) == (2, 2, 0)
    team = Department.objects.get(name="一组")
    assert team.parent.name == "上海区"
    assert team.parent.parent.name == "华东大区"
    e1 = Employee.objects.get(employee_no="E1")
    assert e1.department == team
    assert e1.hire_date == dt.date(2023, 3, 1)
    assert e1.user.username == "E1"
    assert not e1.user.has_usable_password()
    assert Employee.objects.get(employee_no="E2").hire_date == dt.date(2021, 7, 15)


def test_gbk_csv_with_chinese_headers_and_chinese_roles(tmp_path):
    path = write_csv(
        tmp_path, f"{HEADER_ZH}\nZ1,王芳,华北大区/北京区,销售代表,,,2020年5月6日\nZ2,赵强,华北大区,总监,,,\n", "gbk"
    )
    result = run(path)
    assert result.created == 2
    assert not result.errors
    assert Employee.objects.get(employee_no="Z1").role == "rep"
    assert Employee.objects.get(employee_no="Z2").role == "director"


def test_bad_rows_are_reported_with_row_field_and_reason_and_good_rows_still_land(tmp_path):
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    path = write_csv(
        tmp_path,
        f"{HEADER_EN}\n"
        "G1,好人,华东/上海,rep,,,2020-01-01\n"  # row 2: fine
        ",无号,华东/上海,rep,,,\n"  # row 3: no number
        "G3,坏角色,华东/上海,boss,,,\n"  # row 4: unknown role
        "G4,未来,华东/上海,rep,,,{future}\n"  # row 5: future date
        "G5,坏邮箱,华东/上海,rep,not-an-email,,\n"  # row 6
        "G1,重复,华东/上海,rep,,,\n"  # row 7: duplicate number in the file
        "G7,坏日期,华东/上海,rep,,,32/13/2020\n".replace("{future}", future),  # row 8
    )
    result = run(path)
    reasons = {(e.row, e.field) for e in result.errors}
    assert reasons == {
        (3, "employee_no"),
        (4, "role"),
        (5, "hire_date"),
        (6, "email"),
        (7, "employee_no"),
        (8, "hire_date"),
    }
    assert result.created == 1
    assert result.rejected == 6
    assert set(Employee.objects.values_list("employee_no", flat=True)) == {"G1"}
    assert Employee.objects.get(employee_no="G1").name == "好人"


def test_same_file_twice_creates_nothing_new_and_changes_are_updates(tmp_path):
    path = write_csv(tmp_path, f"{HEADER_EN}\nS1,孙一,华南/广州,rep,,,\nS2,孙二,华南/广州,rep,,,\n")
    run(path)
    entries = ChangeLogEntry.objects.count()
    again = run(path)
    assert (again.created, again.updated, again.duplicates) == (0, 0, 2)
    assert ChangeLogEntry.objects.count() == entries
    changed = write_csv(tmp_path, f"{HEADER_EN}\nS1,孙一,华南/深圳,rep,,,\n", name="v2.csv")
    result = run(changed)
    assert result.updated == 1
    assert Employee.objects.get(employee_no="S1").department.name == "深圳"


def test_dry_run_checks_everything_and_keeps_nothing(tmp_path):
    path = write_csv(tmp_path, f"{HEADER_EN}\nD1,丁一,华西/成都,rep,,,\nD2,丁二,华西/成都,nope,,,\n")
    entries = ChangeLogEntry.objects.count()
    result = run(path, dry_run=True)
    assert result.created == 1
    assert result.rejected == 1
    assert result.dry_run
    assert not Employee.objects.exists()
    assert not Department.objects.exists()
    assert ChangeLogEntry.objects.count() == entries


def test_xlsx_with_date_cells_serial_dates_and_numeric_employee_numbers(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["工号", "姓名", "部门", "角色", "入职日期", "备注"])
    excel_cell = dt.datetime(2022, 2, 2)  # noqa: DTZ001 - Excel cells carry no time zone
    ws.append([1001, "钱七", "华东/杭州", "rep", excel_cell])
    ws.append([1002, "孙八", "华东/杭州", "rep", 44000])  # an Excel serial date
    path = tmp_path / "staff.xlsx"
    wb.save(path)
    result = run(path)
    assert result.created == 2, result.errors
    assert result.warnings
    assert "备注" in result.warnings[0]
    assert Employee.objects.get(employee_no="1001").hire_date == dt.date(2022, 2, 2)
    assert Employee.objects.get(employee_no="1002").hire_date == dt.date(2020, 6, 18)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,department,role\n张三,华东,rep\n", "employee_no"),
        ("", "empty"),
    ],
)
def test_unusable_files_exit_2_and_change_nothing(tmp_path, content, message):
    path = write_csv(tmp_path, content)
    with pytest.raises(CommandError) as exc, translation.override("en"):
        call_command("liuke_import", "employees", str(path))
    assert exc.value.returncode == 2
    assert message in str(exc.value)
    assert not Employee.objects.exists()


def test_a_corrupt_excel_file_is_unusable(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(CommandError) as exc:
        call_command("liuke_import", "employees", str(path))
    assert exc.value.returncode == 2


def test_command_json_summary_and_exit_1_on_rejected_rows(tmp_path, capsys):
    path = write_csv(tmp_path, f"{HEADER_EN}\nJ1,甲,华东,rep,,,\nJ2,乙,华东,wizard,,,\n")
    with pytest.raises(SystemExit) as exc:
        call_command("liuke_import", "employees", str(path), "--format", "json")
    assert exc.value.code == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["file"] == "staff.csv"
    assert summary["kind"] == "employees"
    assert (summary["rows"], summary["imported"], summary["rejected"], summary["duplicates"]) == (2, 1, 1, 0)
    assert summary["errors"] == [{"row": 3, "field": "role", "reason": summary["errors"][0]["reason"]}]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(
        st.tuples(
            st.one_of(st.text(max_size=8), st.from_regex(r"[A-Z]\d{1,4}", fullmatch=True)),
            st.text(max_size=6),
            st.one_of(st.just("华东/上海"), st.text(max_size=10)),
            st.sampled_from(["rep", "manager", "经理", "", "x", "ADMIN"]),
            st.one_of(st.just(""), st.dates().map(str), st.text(max_size=10)),
        ),
        max_size=8,
    )
)
def test_every_row_is_imported_or_rejected_with_a_reason_never_lost(tmp_path_factory, cells):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["employee_no", "name", "department", "role", "hire_date"])
    writer.writerows(cells)
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = run(path, dry_run=True)
    accounted = result.created + result.updated + result.duplicates + result.rejected
    assert accounted == result.rows
    assert all(e.reason and e.row >= 2 for e in result.errors)


def test_liuke_console_script_runs_the_import(tmp_path):
    """The real console script, as a nightly job would call it (on its own SQLite data dir)."""
    path = write_csv(tmp_path, f"{HEADER_EN}\nK1,康一,华东/苏州,rep,,,\n")
    env = {"LIUKE_DATA_DIR": str(tmp_path / "data"), "PATH": str(Path(sys.executable).parent)}
    liuke = str(Path(sys.executable).parent / "liuke")
    subprocess.run([liuke, "manage", "migrate", "-v", "0"], env=env, check=True)
    done = subprocess.run(
        [liuke, "import", "employees", str(path), "--format", "json"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"] == 1
    missing = subprocess.run(
        [liuke, "import", "employees", str(tmp_path / "nope.csv")], env=env, capture_output=True, text=True
    )
    assert missing.returncode == 2
    assert "nope.csv" in missing.stderr
