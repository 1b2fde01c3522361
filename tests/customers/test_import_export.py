"""`liuke import customers|account-team` and `liuke export customers`, and the upload page."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from liuke.core.models import ChangeLogEntry, ExportLog
from liuke.customers.importers import account_team_import_run, customer_import_run
from liuke.customers.models import AccountTeamMember, Customer

pytestmark = pytest.mark.django_db

CSV_ZH = (
    "客户编码,客户名称,客户类型,等级,地址,电话,编制/开放床位数,医院等级,备注\n"
    "H001,北京协和医院,医院,A,北京市东城区帅府园1号,010-69156114,2000,三级甲等,老客户\n"
    "P001,老百姓大药房（朝阳店）,药店,B,北京市朝阳区建国路88号,,,,\n"
)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_chinese_headers_archive_field_columns_and_division_parsing(tmp_path, world):
    result = customer_import_run(path=str(write(tmp_path, "c.csv", CSV_ZH, "gbk")))
    assert (result.rows, result.created, result.rejected) == (2, 2, 0), result.errors
    assert "备注" in result.warnings[0]
    h = Customer.objects.get(code="H001")
    assert h.kind == "hospital"
    assert h.division_id == "110101"
    assert h.fields["beds"] == 2000
    assert h.fields["hospital_level"]
    assert h.completeness > 0
    assert Customer.objects.get(code="P001").division_id == "110105"


def test_the_same_file_twice_creates_nothing_new(tmp_path, world):
    path = write(tmp_path, "c.csv", CSV_ZH)
    customer_import_run(path=str(path))
    entries, customers = ChangeLogEntry.objects.count(), Customer.objects.count()
    again = customer_import_run(path=str(path))
    assert (again.created, again.updated, again.duplicates) == (0, 0, 2)
    assert ChangeLogEntry.objects.count() == entries
    assert Customer.objects.count() == customers


def test_bad_rows_are_explained_and_the_rest_lands(tmp_path, world):
    text = (
        "code,name,kind,grade,division_code,beds\n"
        "G1,好医院,hospital,A,110101,300\n"
        ",无编码,hospital,,,\n"
        "G3,坏类型,castle,,,\n"
        "G4,坏等级,clinic,Z,,\n"
        "G5,坏区划,clinic,,999999,\n"
        "G6,坏床位,hospital,,110101,-3\n"
        "G1,重复编码,hospital,,,\n"
    )
    result = customer_import_run(path=str(write(tmp_path, "bad.csv", text)))
    assert {(e.row, e.field) for e in result.errors} == {
        (3, "code"),
        (4, "kind"),
        (5, "grade"),
        (6, "division_code"),
        (7, "beds"),
        (8, "code"),
    }
    assert set(Customer.objects.filter(code__startswith="G").values_list("code", flat=True)) == {"G1"}


def test_possible_duplicates_need_a_confirm_column(tmp_path, world):
    customer_import_run(path=str(write(tmp_path, "a.csv", "code,name,kind,address\nD1,同名诊所,clinic,上海市黄浦区\n")))
    result = customer_import_run(
        path=str(write(tmp_path, "b.csv", "code,name,kind,address\nD2,同名诊所,clinic,上海市黄浦区\n"))
    )
    assert result.rejected == 1
    assert "D1" in result.errors[0].reason
    ok = customer_import_run(
        path=str(
            write(tmp_path, "c.csv", "code,name,kind,address,confirm_duplicate\nD2,同名诊所,clinic,上海市黄浦区,yes\n")
        )
    )
    assert ok.created == 1


def test_xlsx_import_and_dry_run(tmp_path, world):
    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "kind", "address"])
    ws.append(["X1", "杭州西湖诊所", "clinic", "浙江省杭州市西湖区"])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    dry = customer_import_run(path=str(path), dry_run=True)
    assert dry.created == 1
    assert not Customer.objects.filter(code="X1").exists()
    customer_import_run(path=str(path))
    assert Customer.objects.get(code="X1").division_id == "330106"


def test_account_team_import(tmp_path, world):
    text = (
        "客户编码,工号,角色,开始日期\n"
        "CX,RA,开发,2024-01-01\nCX,MA,manager,\nCX,NOPE,develop,\nZZ,RA,develop,\nCX,RA,develop,\n"
    )
    result = account_team_import_run(path=str(write(tmp_path, "t.csv", text)))
    assert result.created == 2
    assert result.duplicates == 1
    assert {(e.row, e.field) for e in result.errors} == {(4, "employee_no"), (5, "customer_code")}
    assert set(AccountTeamMember.objects.filter(customer__code="CX").values_list("role", flat=True)) == {
        "develop",
        "manager",
    }


def test_upload_page_dry_run_then_import(world, client):
    client.force_login(world.admin.user)
    upload = SimpleUploadedFile("c.csv", CSV_ZH.encode("utf-8"), content_type="text/csv")
    page = client.post("/customers/import/", {"kind": "customers", "file": upload, "dry_run": "on"})
    assert page.status_code == 200
    assert "import-result" in page.content.decode()
    assert not Customer.objects.filter(code="H001").exists()
    upload = SimpleUploadedFile("c.csv", CSV_ZH.encode("utf-8"), content_type="text/csv")
    client.post("/customers/import/", {"kind": "customers", "file": upload})
    assert Customer.objects.filter(code="H001").exists()
    bad = SimpleUploadedFile("c.csv", b"foo,bar\n1,2\n", content_type="text/csv")
    response = client.post("/customers/import/", {"kind": "customers", "file": bad})
    assert response.status_code == 400
    assert "code" in response.content.decode()
    client.force_login(world.rep_a.user)
    assert client.get("/customers/import/").status_code == 403


def test_cli_export_of_everything_is_logged(world, tmp_path, capsys):
    out = tmp_path / "all.json"
    call_command("liuke_export", "customers", "--format", "json", "--output", str(out))
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {r["code"] for r in rows} == {"CA", "CA2", "CB", "CX"}
    log = ExportLog.objects.get()
    assert (log.kind, log.rows, log.format, log.source) == ("customers", 4, "json", "cli")


def test_export_follows_the_viewer_and_the_filters(world, client):
    client.force_login(world.rep_a.user)
    response = client.get("/customers/export/", {"format": "csv"})
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    codes = {row[0] for row in list(csv.reader(io.StringIO(text)))[1:]}
    assert codes == {"CA"}
    client.force_login(world.director.user)
    response = client.get("/customers/export/", {"format": "xlsx", "coverage": "single"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)} == {"CA2", "CB", "CX"}
    logs = list(ExportLog.objects.order_by("time").values_list("actor__username", "rows", "source"))
    assert logs == [("ra", 1, "web"), ("d1", 3, "web")]


def test_export_as_a_user_exports_only_what_they_see(world, tmp_path):
    out = tmp_path / "rep.csv"
    call_command("liuke_export", "customers", "--as", "rb", "--output", str(out))
    assert "南京鼓楼医院" in out.read_text(encoding="utf-8-sig")
    assert "北京同仁医院" not in out.read_text(encoding="utf-8-sig")
