"""Journey: a manager uploads a distributor's messy flow file, sees every row's fate, then the review queue."""

from __future__ import annotations

import csv

from playwright.sync_api import expect

MIN_SCREENSHOT_BYTES = 10_000


def test_manager_uploads_a_messy_flow_file_and_reviews_its_buyers(page, log_in_as, shot, site_query, tmp_path):
    target = site_query(
        "from django.contrib.auth import get_user_model\n"
        "from liuke.channel.selectors import distributors\n"
        "from liuke.customers.models import Customer\n"
        "u = get_user_model().objects.get(username='manager')\n"
        "d = distributors(viewer=u).first()\n"
        "t = Customer.objects.filter(kind='hospital', division__isnull=False).order_by('code').first()\n"
        "result = {'code': d.code, 'name': d.name, 'terminal': t.name, 'address': t.address}"
    )
    path = tmp_path / "流向2024年6月.csv"
    with path.open("w", encoding="gbk", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([f"{target['name']} 2024年6月 销售流向"])
        out.writerow(["出库日期", "药品名称", "规格", "批号", "实发数量", "单位", "收货单位", "送货地址"])
        out.writerow(
            ["2024/6/3", "复方丹参片", "0.3g*10片*3板/盒", "P012506A", "2", "件", target["terminal"], target["address"]]
        )
        out.writerow(["2024/6/4", "复方丹参片", "0.3g*10片*3板/盒", "P012506A", "abc", "盒", target["terminal"], ""])
        out.writerow(["2024/6/5", "小儿止咳糖浆", "100ml/瓶", "P022506A", "-3", "瓶", "城西无名诊所", ""])
        out.writerow(["合计", "", "", "", "", "", "", ""])

    log_in_as(page, "manager")
    page.goto("/channel/imports/upload/")
    page.select_option("#id_distributor", target["code"])
    page.fill("#id_period", "2024-06")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_test_id("import-status")).to_be_visible(timeout=30_000)
    counts = page.get_by_test_id("import-counts")
    expect(counts).to_contain_text("3")
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("abc")
    expect(page.get_by_role("link", name="错误报告")).to_be_visible()
    assert shot(page, "flow-import-result.png").stat().st_size > MIN_SCREENSHOT_BYTES

    page.goto("/channel/review/")
    expect(page.get_by_test_id("review-list")).to_contain_text("城西无名诊所")
    assert shot(page, "flow-review-queue.png").stat().st_size > MIN_SCREENSHOT_BYTES
