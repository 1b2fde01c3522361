"""Journey: what a rep meets on a phone — the outbox's report, the customer page, my day, the visit plan,
and the lists' tables — checked at 375 px, in Chinese and in English, with screenshots."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS_DIR

if TYPE_CHECKING:
    from playwright.sync_api import Page

PHONE_WIDTH = 375
PHONE_HEIGHT = 740
SITE_ZONE = ZoneInfo("Asia/Shanghai")  # the site's TIME_ZONE: its "today" and its form's local times

_REP_CUSTOMER = (
    "from liuke.customers.models import AccountTeamMember\n"
    "m = AccountTeamMember.objects.filter(employee__user__username='rep', until__isnull=True)"
    ".select_related('customer').order_by('customer__code')[{n}]\n"
    "result = {{'id': m.customer_id, 'name': m.customer.name}}"
)

# Cells narrower than this many characters while holding more text were squeezed by the table.
_SQUEEZED_CELLS = """(selector) => {
  const bad = [];
  for (const cell of document.querySelectorAll(selector + " th, " + selector + " td")) {
    if (!cell.offsetParent) continue;  // a column hidden at this width
    const text = cell.innerText.trim();
    if (text.length < 2) continue;
    const style = getComputedStyle(cell);
    const width = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (width < Math.min(3, text.length) * parseFloat(style.fontSize) * 0.9) bad.push(text.slice(0, 12));
  }
  return bad;
}"""


def _screen(page: Page, name: str) -> None:
    """Keep what is on the screen, unscrolled (the full-page ``shot`` shows what is below it)."""
    page.screenshot(path=str(ARTIFACTS_DIR / name))


def _english(page: Page) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.url}])


def _cards(site_query, summary: str) -> list[dict]:
    return site_query(
        "from liuke.interactions.models import RecordCard\n"
        f"result = list(RecordCard.objects.filter(summary={summary!r}).values('id', 'status'))"
    )


def test_a_card_the_server_refuses_is_reported_with_its_reason_and_a_link_to_the_draft(
    phone_page, log_in_as, shot, site_query
):
    customer = site_query(_REP_CUSTOMER.format(n=2))
    page = phone_page
    log_in_as(page, "rep")
    page.goto(f"/cards/new/?customer={customer['id']}")
    summary = f"补录：上周一拜访药剂科，主任同意下月上会讨论 #{int(time.time())}"
    six_days_ago = (dt.datetime.now(SITE_ZONE) - dt.timedelta(days=6)).strftime("%Y-%m-%dT10:00")
    page.locator("[name=occurred_at]").fill(six_days_ago)  # back-dated, and no reason given
    page.locator("[name=summary]").fill(summary)

    page.context.set_offline(True)
    page.get_by_test_id("submit-card").click()
    expect(page.get_by_test_id("outbox-banner")).to_be_visible()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")

    refused = page.get_by_test_id("outbox-refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text(customer["name"])
    expect(refused).to_contain_text("3")  # the reason: more than 3 days back needs a reason
    expect(page.get_by_test_id("outbox-sent")).to_have_count(0)
    expect(page.get_by_test_id("outbox-banner")).to_be_hidden()  # "kept on this phone" is over
    assert "已发送" not in page.inner_text("main")
    [card] = _cards(site_query, summary)
    assert card["status"] == "draft"
    link = refused.get_by_role("link")
    expect(link).to_have_attribute("href", f"/cards/{card['id']}/edit/")
    assert page.evaluate("JSON.parse(localStorage.getItem('liuke-outbox') || '[]').length") == 0
    shot(page, "outbox-refused-phone.png")

    # The report stays on any page until the rep opens the draft.
    page.goto("/my-day/")
    expect(page.get_by_test_id("outbox-refused")).to_be_visible()
    page.get_by_test_id("outbox-refused").get_by_role("link").click()
    expect(page.locator("[name=summary]")).to_have_value(summary)
    expect(page.get_by_test_id("outbox-refused")).to_have_count(0)


def test_a_card_the_server_accepts_is_reported_as_sent(phone_page, log_in_as, site_query):
    customer = site_query(_REP_CUSTOMER.format(n=3))
    page = phone_page
    log_in_as(page, "rep")
    page.goto(f"/cards/new/?customer={customer['id']}")
    summary = f"电话确认：下周二送样品到药剂科，主任已同意 #{int(time.time())}"
    page.locator("[name=summary]").fill(summary)
    page.context.set_offline(True)
    page.get_by_test_id("submit-card").click()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_test_id("outbox-sent")).to_contain_text(customer["name"])
    expect(page.get_by_test_id("outbox-refused")).to_have_count(0)
    assert [c["status"] for c in _cards(site_query, summary)] == ["submitted"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_list_tables_scroll_sideways_on_a_phone_instead_of_one_character_per_line(
    phone_page, log_in_as, shot, language
):
    page = phone_page
    log_in_as(page, "director")
    if language == "en":
        _english(page)
    for name, url in (
        ("customers", "/customers/"),
        ("follow-ups", "/follow-ups/?overdue=0"),
        ("flow", "/channel/flow/"),
        ("employees", "/org/employees/"),
    ):
        page.goto(url)
        table = "main .table-responsive table"
        expect(page.locator(table).first).to_be_visible()
        assert page.evaluate(_SQUEEZED_CELLS, table) == [], f"{url}: columns squeezed"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, f"{url}: the page is too wide"
        page.locator(table).first.scroll_into_view_if_needed()
        _screen(page, f"table-{name}-phone-{language}.png")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_new_record_card_is_one_tap_from_the_top_of_a_customer_page(
    phone_page, log_in_as, shot, site_query, language
):
    customer = site_query(_REP_CUSTOMER.format(n=0))
    page = phone_page
    log_in_as(page, "rep")
    if language == "en":
        _english(page)
    page.goto(f"/customers/{customer['id']}/")
    button = page.get_by_test_id("new-card-top")
    box = button.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE_HEIGHT  # on the first screen, no scrolling
    _screen(page, f"customer-top-phone-{language}.png")
    button.click()
    expect(page).to_have_url(re.compile(rf"/cards/new/\?customer={customer['id']}$"))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_my_day_tiles_open_the_lists_they_count(phone_page, log_in_as, shot, language):
    page = phone_page
    log_in_as(page, "rep")
    if language == "en":
        _english(page)
    page.goto("/my-day/")
    shot(page, f"my-day-tiles-phone-{language}.png")
    overdue = int(page.get_by_test_id("overdue-count").inner_text())
    page.get_by_test_id("tile-overdue").click()
    expect(page.get_by_test_id("follow-up-count")).to_have_text(str(overdue))
    page.goto("/my-day/")
    due = int(page.get_by_test_id("cadence-count").inner_text())
    page.get_by_test_id("tile-cadence").click()
    expect(page.get_by_test_id("customer-count")).to_have_text(str(due))


@pytest.mark.parametrize(("language", "width"), [("zh", PHONE_WIDTH), ("en", PHONE_WIDTH), ("zh", 1280)])
def test_visit_plan_suggestions_are_chosen_one_by_one_and_added_from_within_reach(
    browser, live_site, log_in_as, shot, language, width
):
    context = browser.new_context(viewport={"width": width, "height": PHONE_HEIGHT}, locale="zh-CN", base_url=live_site)
    page = context.new_page()
    try:
        log_in_as(page, "rep")
        if language == "en":
            _english(page)
        today = dt.datetime.now(SITE_ZONE).date()
        weeks_ahead = {("zh", PHONE_WIDTH): 2, ("en", PHONE_WIDTH): 3}.get((language, width), 4)  # fresh weeks
        week = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=weeks_ahead)
        page.goto(f"/plan/?week={week:%Y-%m-%d}")
        boxes = page.locator("[data-testid=suggestions] input[name=customer]")
        assert boxes.count() >= 3
        assert page.locator("[data-testid=suggestions] input[name=customer]:checked").count() == 0
        days = page.locator("[data-testid=suggestions] select").evaluate_all("els => els.map(e => e.value)")
        working = {(week + dt.timedelta(days=i)).isoformat() for i in range(5)}
        assert set(days) - {""} <= working
        assert max(days.count(d) for d in working) <= 4
        add = page.get_by_test_id("plan-add")
        expect(add).to_be_disabled()
        # Ticking the third suggestion, low on the page: the add button is still on screen.
        boxes.nth(2).scroll_into_view_if_needed()
        boxes.nth(2).check()
        boxes.nth(0).check()
        box = add.bounding_box()
        assert box is not None
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= PHONE_HEIGHT
        shot(page, f"plan-suggestions-{width}-{language}.png")
        _screen(page, f"plan-suggestions-{width}-{language}-screen.png")
        before = int(page.get_by_test_id("planned-count").inner_text())
        add.click()
        expect(page.get_by_test_id("planned-count")).to_have_text(str(before + 2))
    finally:
        context.close()
