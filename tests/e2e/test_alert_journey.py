"""Journey (issue 11): a distributor's file sells outside its area; the manager is told, in the app and in the
team's WeCom group, opens the alert from the bell, sees the file and the row, investigates and resolves it."""

from __future__ import annotations

import csv
import time

from playwright.sync_api import expect

from tests.alerts.fake_webhook import FakeRobot

MIN_SCREENSHOT_BYTES = 10_000

# A distributor the manager oversees, a month it has sent no file for, one of its products, and a hospital
# outside every area it is authorised for: read from the site's own database, never hard-coded.
SCENE = """
import datetime as dt
from django.contrib.auth import get_user_model
from liuke.channel.models import DistributorAuthorization, FlowImport, Product, Shipment
from liuke.channel.selectors import distributors
from liuke.customers.models import Customer
from liuke.org.divisions import code_prefix

manager = get_user_model().objects.get(username="manager")
chosen = None
for d in distributors(viewer=manager).order_by("code"):
    auths = list(DistributorAuthorization.objects.filter(distributor=d, archived_at__isnull=True))
    shipment = Shipment.objects.filter(distributor=d).select_related("product").order_by("-date").first()
    if auths and shipment is not None:
        chosen = (d, auths, shipment)
        break
d, auths, shipment = chosen
prefixes = [code_prefix(a.division_id) for a in auths]
outside = (
    Customer.objects.filter(kind="hospital", division__isnull=False, archived_at__isnull=True)
    .exclude(address="")
    .order_by("code")
)
terminal = next(t for t in outside if not any(t.division_id.startswith(p) for p in prefixes))
sent = set(FlowImport.objects.filter(distributor=d).values_list("period", flat=True))
today = dt.date.today()
month = today.replace(day=1)
while month in sent:
    month = (month - dt.timedelta(days=1)).replace(day=1)
result = {
    "code": d.code, "name": d.name, "terminal": terminal.name, "address": terminal.address,
    "product": shipment.product.name, "spec": shipment.product.spec, "batch": shipment.batch,
    "period": month.strftime("%Y-%m"), "day": month.isoformat(),
}
"""

ROBOT = """
from liuke.alerts.models import WebhookTarget
from liuke.core.changelog import change_context

with change_context(source="system"):
    robot = WebhookTarget.objects.create(name="华东渠道群", kind="wecom", url="{url}", min_severity="low")
result = robot.pk
"""

ROBOT_OFF = """
from liuke.alerts.models import WebhookTarget
from liuke.core.changelog import change_context

with change_context(source="system"):
    robot = WebhookTarget.objects.get(pk={pk})
    robot.enabled = False
    robot.save()
result = True
"""


def test_manager_is_told_opens_the_alert_from_the_bell_and_resolves_it(page, log_in_as, shot, site_query, tmp_path):
    scene = site_query(SCENE)
    robot = FakeRobot()
    robot_id = site_query(ROBOT.replace("{url}", robot.url("/cgi-bin/webhook/send?key=e2e")))
    try:
        path = tmp_path / f"{scene['code']}_{scene['period']}.csv"
        with path.open("w", encoding="gbk", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["销售日期", "商品名称", "规格", "批号", "数量", "购货单位", "收货地址"])
            out.writerow(
                [
                    scene["day"],
                    scene["product"],
                    scene["spec"],
                    scene["batch"],
                    "6",
                    scene["terminal"],
                    scene["address"],
                ]
            )

        log_in_as(page, "manager")
        page.goto("/channel/imports/upload/")
        page.select_option("#id_distributor", scene["code"])
        page.fill("#id_period", scene["period"])
        page.set_input_files("#id_file", str(path))
        page.get_by_role("button", name="导入").click()
        expect(page.get_by_test_id("import-status")).to_be_visible(timeout=30_000)

        # The bell says there is news; its list names the sale and opens the alert.
        page.goto("/")
        expect(page.get_by_test_id("bell-count")).to_be_visible()
        page.locator("#liuke-bell").click()
        news = (
            page.get_by_test_id("bell-menu").locator("xpath=..").get_by_role("link").filter(has_text=scene["terminal"])
        )
        expect(news.first).to_be_visible(timeout=10_000)
        assert shot(page, "alert-bell.png").stat().st_size > MIN_SCREENSHOT_BYTES
        news.first.click()

        expect(page.get_by_test_id("alert-title")).to_contain_text(scene["terminal"])
        evidence = page.get_by_test_id("evidence")
        expect(evidence).to_contain_text(path.name)
        expect(evidence.get_by_role("link", name="2", exact=True).first).to_be_visible()  # row 2 of the file
        assert shot(page, "alert-evidence.png").stat().st_size > MIN_SCREENSHOT_BYTES

        lifecycle = page.get_by_test_id("lifecycle")
        lifecycle.get_by_role("button", name="开始调查").click()
        expect(page.get_by_test_id("alert-status")).to_have_text("调查中")
        page.fill("#step-reason", "已与经销商核实：医院临时调货，已补授权。")
        page.get_by_test_id("lifecycle").get_by_role("button", name="解决", exact=True).click()
        expect(page.get_by_test_id("alert-status")).to_have_text("已解决")
        expect(page.get_by_test_id("alert-resolution")).to_contain_text("已补授权")
        expect(page.get_by_test_id("notes")).to_contain_text("已补授权")
        assert shot(page, "alert-resolved.png").stat().st_size > MIN_SCREENSHOT_BYTES

        # The team's WeCom group heard of it (sending happens after the import commits).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(scene["terminal"] in str(r.body) for r in robot.requests):
            time.sleep(0.2)
        heard = [r for r in robot.requests if scene["terminal"] in str(r.body)]
        assert heard, [r.body for r in robot.requests]
        assert heard[0].body["msgtype"] == "markdown"
        assert heard[0].query == {"key": "e2e"}
    finally:
        site_query(ROBOT_OFF.replace("{pk}", str(robot_id)))
        robot.close()
