"""The channel pages: distributor, imports, upload, review queue, flow lines and the flow export."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from liuke.channel import services, tasks, uploads
from liuke.channel.apps import shared_cache_check
from liuke.channel.models import BuyerReview, FlowImport, FlowLine, TerminalAlias
from liuke.core.models import ExportLog

from .factories import write_csv

pytestmark = pytest.mark.django_db

HEADER = ["日期", "品名", "批号", "数量", "单位", "单价", "客户名称", "地址"]
ROWS = [
    HEADER,
    ["2024-01-05", "复方丹参片", "B2401", "2", "件", "1500", "上海交通大学医学院附属瑞金医院", ""],
    ["2024-01-06", "复方丹参片", "B2401", "3", "盒", "25", "瑞金", ""],
    ["2024-01-07", "复方丹参片", "B2401", "x", "盒", "25", "复旦大学附属中山医院", ""],
]


@pytest.fixture
def imported(channel, tmp_path):
    return services.flow_import_run(
        path=str(write_csv(tmp_path / "sh.csv", ROWS)), distributor_code="D-SH", period="2024-01"
    )


def test_distributor_page_shows_area_sell_in_against_sell_out_and_stock(
    channel, imported, login, django_assert_max_num_queries
):
    from liuke.channel.models import DistributorAuthorization

    DistributorAuthorization.objects.create(distributor=channel.dist_sh, division_id="310000")
    client = login(channel.world.manager_a)
    with django_assert_max_num_queries(20):
        body = client.get(f"/channel/distributors/{channel.dist_sh.pk}/").content.decode()
    assert "上海市" in body
    assert "1000" in body
    assert "103" in body  # sell-in 1000 盒, sell-out 100 + 3 盒
    assert "897" in body  # estimated stock
    assert client.get(f"/channel/distributors/{channel.dist_js.pk}/").status_code == 404


def test_import_page_lists_rejected_rows_and_the_error_report_downloads(channel, imported, login):
    client = login(channel.world.admin)
    body = client.get(f"/channel/imports/{imported.import_id}/").content.decode()
    assert "&#x27;x&#x27; is not a number" in body or "'x' is not a number" in body
    response = client.get(f"/channel/imports/{imported.import_id}/errors.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:3] == ["4", "quantity", "'x' is not a number"]
    assert rows[1][3:] == ["2024-01-07", "复方丹参片", "B2401", "x", "盒", "25", "复旦大学附属中山医院", ""]
    assert ExportLog.objects.filter(kind="flow-errors").count() == 1


def test_review_queue_confirms_a_match_and_remembers_it(channel, imported, login, django_assert_max_num_queries):
    review = BuyerReview.objects.get(raw_name="瑞金")
    client = login(channel.world.manager_a)
    with django_assert_max_num_queries(20):
        body = client.get("/channel/review/").content.decode()
    assert "瑞金" in body
    # The rep sees the queue of their distributor but may not decide.
    rep = login(channel.world.rep_a)
    assert rep.post(f"/channel/review/{review.pk}/", {"action": "match", "terminal_code": "H-RJ"}).status_code == 403
    client = login(channel.world.manager_a)
    client.post(f"/channel/review/{review.pk}/", {"action": "match", "terminal_code": "H-RJ"})
    assert TerminalAlias.objects.get().terminal == channel.terminals["H-RJ"]
    assert FlowLine.objects.filter(terminal__isnull=True).count() == 0


def test_review_queue_creates_a_terminal(channel, imported, login):
    review = BuyerReview.objects.get(raw_name="瑞金")
    client = login(channel.world.admin)
    client.post(f"/channel/review/{review.pk}/", {"action": "create", "kind": "hospital", "division_code": "310101"})
    line = FlowLine.objects.get(buyer_name="瑞金")
    assert line.terminal.name == "瑞金"
    assert line.terminal.division_id == "310101"


def test_flow_lines_search_by_product_batch_buyer_and_division(channel, imported, login, django_assert_max_num_queries):
    client = login(channel.world.manager_a)
    with django_assert_max_num_queries(20):
        body = client.get("/channel/flow/?product=丹参&batch=B2401&buyer=瑞金医院").content.decode()
    assert "上海交通大学医学院附属瑞金医院" in body
    assert "瑞金</td>" not in body
    # Jiangsu's manager sees neither the Shanghai distributor nor its terminals.
    body = login(channel.world.manager_b).get("/channel/flow/").content.decode()
    assert "瑞金医院" not in body


def test_upload_page_imports_a_file_and_answers_json_to_the_progress_script(channel, login, tmp_path):
    client = login(channel.world.admin)
    assert client.get("/channel/imports/upload/").status_code == 200
    with write_csv(tmp_path / "up.csv", ROWS).open("rb") as fh:
        response = client.post("/channel/imports/upload/", {"distributor": "D-SH", "period": "2024-01", "file": fh,
                               "token": "abc123"}, headers={"x-requested-with": "XMLHttpRequest"})  # fmt: skip
    data = response.json()
    assert data["result"]["imported"] == 2
    assert data["result"]["rejected"] == 1
    assert client.get(data["url"]).status_code == 200
    assert client.get("/channel/imports/progress/abc123/").json()["done"] is True


def test_upload_asks_for_a_mapping_when_headers_are_unknown(channel, login, tmp_path):
    client = login(channel.world.admin)
    rows = [["开单日", "货品", "件数", "往来单位"], ["2024-01-05", "复方丹参片", "3", "南京鼓楼医院"]]
    with write_csv(tmp_path / "odd.csv", rows).open("rb") as fh:
        response = client.post("/channel/imports/upload/", {"distributor": "D-SH", "period": "2024-01", "file": fh})
    assert response.status_code == 400
    assert 'name="map:往来单位"' in response.content.decode()
    with write_csv(tmp_path / "odd.csv", rows).open("rb") as fh:
        response = client.post("/channel/imports/upload/", {
            "distributor": "D-SH", "period": "2024-01", "file": fh, "map:开单日": "date", "map:货品": "product",
            "map:件数": "quantity", "map:往来单位": "buyer_name"})  # fmt: skip
    assert response.status_code == 302
    assert FlowLine.objects.count() == 1


@pytest.fixture
def with_workers(settings, monkeypatch):
    """Background jobs go to Celery workers: the upload only queues its job (kept here for the test to run)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.import_flow_task, "delay", lambda **job: queued.append(job))
    return queued


def test_with_workers_the_upload_is_queued_and_the_page_follows_it_to_the_outcome(channel, login, tmp_path,
                                                                                   with_workers):  # fmt: skip
    client = login(channel.world.admin)
    with write_csv(tmp_path / "up.csv", ROWS).open("rb") as fh:
        response = client.post("/channel/imports/upload/", {"distributor": "D-SH", "period": "2024-01", "file": fh,
                               "token": "feed01"}, headers={"x-requested-with": "XMLHttpRequest"})  # fmt: skip
    assert response.status_code == 202
    assert response.json() == {"queued": True, "token": "feed01"}
    assert len(with_workers) == 1
    assert not FlowImport.objects.exists()
    assert client.get("/channel/imports/progress/feed01/").json() == {"rows": 0, "queued": True}

    tasks.import_flow_task(**with_workers[0])  # what a worker does with the job

    outcome = client.get("/channel/imports/progress/feed01/").json()
    assert outcome["done"] is True
    assert (outcome["result"]["imported"], outcome["result"]["rejected"]) == (2, 1)
    assert client.get(outcome["url"]).status_code == 200
    assert FlowLine.objects.count() == 2
    assert FlowImport.objects.get().uploaded_by == channel.world.admin.user


def test_with_workers_unknown_headers_are_refused_at_once_and_not_queued(channel, login, tmp_path, with_workers,
                                                                          settings):  # fmt: skip
    client = login(channel.world.admin)
    rows = [["开单日", "货品", "件数", "往来单位"], ["2024-01-05", "复方丹参片", "3", "南京鼓楼医院"]]
    with write_csv(tmp_path / "odd.csv", rows).open("rb") as fh:
        response = client.post("/channel/imports/upload/", {"distributor": "D-SH", "period": "2024-01", "file": fh},
                               headers={"x-requested-with": "XMLHttpRequest"})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["mapping_needed"] == ["开单日", "货品", "件数", "往来单位"]
    assert with_workers == []
    assert list((Path(settings.MEDIA_ROOT) / "flow").glob("*.csv")) == []  # the refused file is not kept


def test_a_failed_background_import_says_so_on_the_progress_poll(channel, login, tmp_path, with_workers, monkeypatch):
    client = login(channel.world.admin)
    with write_csv(tmp_path / "up.csv", ROWS).open("rb") as fh:
        client.post("/channel/imports/upload/", {"distributor": "D-SH", "period": "2024-01", "file": fh,
                    "token": "dead01"}, headers={"x-requested-with": "XMLHttpRequest"})  # fmt: skip

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(uploads, "flow_import_run", broken)
    with pytest.raises(RuntimeError):
        tasks.import_flow_task(**with_workers[0])
    outcome = client.get("/channel/imports/progress/dead01/").json()
    assert outcome["done"] is True
    assert outcome["error"]
    assert not FlowImport.objects.exists()


def test_queued_imports_with_a_per_process_cache_are_a_configuration_warning(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [m.id for m in shared_cache_check(None)] == ["liuke.W001"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert shared_cache_check(None) == []
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert shared_cache_check(None) == []


def test_reps_may_not_upload(channel, login):
    assert login(channel.world.rep_a).get("/channel/imports/upload/").status_code == 403


def test_export_flow_command_writes_each_line_with_source_and_match(channel, imported, tmp_path):
    out = tmp_path / "flow.json"
    call_command("liuke_export", "flow", "--period", "2024-01", "--format", "json", "--output", str(out))
    rows = json.loads(out.read_text())
    assert len(rows) == 2
    first = next(r for r in rows if r["row"] == 2)
    assert first["file"] == "sh.csv"
    assert first["terminal_code"] == "H-RJ"
    assert first["match_method"] == "exact"
    assert first["quantity"] == "100" or float(first["quantity"]) == 100
    assert ExportLog.objects.filter(kind="flow").count() == 1
