"""Journey: a rep on a phone writes a record card, with and without a connection."""

from __future__ import annotations

import time

from playwright.sync_api import expect

MIN_SCREENSHOT_BYTES = 10_000

_REP_CUSTOMER = (
    "from liuke.customers.models import AccountTeamMember\n"
    "m = AccountTeamMember.objects.filter(employee__user__username='rep', until__isnull=True)"
    ".select_related('customer').order_by('customer__code')[{n}]\n"
    "result = {{'id': m.customer_id, 'name': m.customer.name}}"
)


def _card_count(site_query, text: str) -> int:
    return site_query(
        "from liuke.interactions.models import RecordCard\n"
        f"result = RecordCard.objects.filter(summary__contains={text!r}, status='submitted').count()"
    )


def test_rep_fills_a_card_on_a_phone_and_its_problem_shows_on_the_customer(phone_page, log_in_as, shot, site_query):
    customer = site_query(_REP_CUSTOMER.format(n=0))
    page = phone_page
    log_in_as(page, "rep")
    page.goto(f"/cards/new/?customer={customer['id']}")
    expect(page.locator("h1")).to_contain_text("记录卡")
    stamp = int(time.time())
    summary = f"与药剂科主任面谈20分钟，确认下月药事会讨论新品进院，需补两份资料 #{stamp}"
    problem = f"缺少两份临床资料 #{stamp}"
    page.locator("[name=purpose]").fill("推进新品进院")
    page.locator("[name=summary]").fill(summary)
    page.locator("[name=problems_raised]").fill(problem)
    page.locator("[name=step_text]").first.fill("周五前送资料")
    page.locator("[name=step_due]").first.fill(time.strftime("%Y-%m-%d", time.localtime(time.time() + 3 * 86400)))
    # Nothing on the form is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert shot(page, "card-form-phone.png").stat().st_size > MIN_SCREENSHOT_BYTES
    page.get_by_test_id("submit-card").click()

    expect(page.get_by_test_id("card-locked")).to_be_visible()
    expect(page.get_by_test_id("card-summary")).to_contain_text(summary)
    expect(page.get_by_test_id("quality")).to_be_visible()
    assert shot(page, "card-submitted-phone.png").stat().st_size > MIN_SCREENSHOT_BYTES

    page.goto(f"/customers/{customer['id']}/")
    expect(page.get_by_test_id("open-problems")).to_contain_text(problem)
    expect(page.get_by_test_id("timeline")).to_contain_text("拜访")


def test_a_card_written_without_a_connection_is_sent_when_it_returns(phone_page, log_in_as, shot, site_query):
    customer = site_query(_REP_CUSTOMER.format(n=1))
    page = phone_page
    log_in_as(page, "rep")
    page.goto(f"/cards/new/?customer={customer['id']}")
    summary = f"电话回访：库房说上周断货已补，下次送货定在周三 #{int(time.time())}"
    page.locator("[name=kind]").select_option("phone")
    page.locator("[name=summary]").fill(summary)

    page.context.set_offline(True)
    page.get_by_test_id("submit-card").click()
    expect(page.get_by_test_id("outbox-banner")).to_be_visible()
    assert _card_count(site_query, summary) == 0  # still only on the phone
    assert shot(page, "card-offline-phone.png").stat().st_size > MIN_SCREENSHOT_BYTES

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    deadline = time.monotonic() + 15
    while _card_count(site_query, summary) == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _card_count(site_query, summary) == 1
    # Sending the outbox again (another page load) does not make a second card.
    page.goto("/my-day/")
    page.wait_for_timeout(1000)
    assert _card_count(site_query, summary) == 1
    assert page.evaluate("JSON.parse(localStorage.getItem('liuke-outbox') || '[]').length") == 0
    assert shot(page, "my-day-phone.png").stat().st_size > MIN_SCREENSHOT_BYTES
