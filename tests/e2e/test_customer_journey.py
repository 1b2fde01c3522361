"""Journey: a rep goes from the customer list to a customer, edits an archive field and sees it in the history."""

from __future__ import annotations

import time

from playwright.sync_api import expect

MIN_SCREENSHOT_BYTES = 10_000


def test_rep_edits_an_archive_field_and_sees_it_in_the_history(page, log_in_as, shot, site_query):
    label = site_query(
        "from liuke.customers.models import FieldDefinition\n"
        "result = FieldDefinition.objects.get(key='handover_notes').label_zh"
    )
    log_in_as(page, "rep")
    page.goto("/customers/")
    table = page.get_by_test_id("customer-table")
    expect(table).to_be_visible()
    first = table.locator("tbody tr a").first
    name = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_contain_text(name)
    assert shot(page, "customer-page.png").stat().st_size > MIN_SCREENSHOT_BYTES

    page.get_by_role("link", name="编辑档案").click()
    note = f"前任代表交接：每周二上午拜访药剂科 #{int(time.time())}"
    field = page.locator("#id_f_handover_notes")
    field.scroll_into_view_if_needed()
    if not field.is_visible():  # its group is folded: open it
        field.locator("xpath=ancestor::details[1]/summary").click()
    field.fill(note)
    assert shot(page, "customer-edit.png").stat().st_size > MIN_SCREENSHOT_BYTES
    page.get_by_role("button", name="保存").click()

    expect(page.locator(".alert-success")).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text(label)
    expect(timeline).to_contain_text(note)
    expect(page.locator(".archive-value", has_text=note)).to_be_visible()
    assert shot(page, "customer-history.png").stat().st_size > MIN_SCREENSHOT_BYTES


def test_customer_search_by_pinyin_initials_on_a_phone(phone_page, log_in_as, shot, site_query):
    target = site_query(
        "from liuke.core.text import pinyin_initials, name_key\n"
        "from liuke.customers.models import AccountTeamMember\n"
        "m = AccountTeamMember.objects.filter(employee__user__username='rep').select_related('customer')"
        ".order_by('customer__code').first()\n"
        "result = {'name': m.customer.name, 'initials': pinyin_initials(name_key(m.customer.name))}"
    )
    log_in_as(phone_page, "rep")
    phone_page.goto("/customers/?q=" + target["initials"])
    expect(phone_page.get_by_test_id("customer-table")).to_contain_text(target["name"])
    assert shot(phone_page, "customer-search-phone.png").stat().st_size > MIN_SCREENSHOT_BYTES
