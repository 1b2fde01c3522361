"""Journey: a manager logs in and sees their team — and a rep sees no one beyond their own team."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

MIN_SCREENSHOT_BYTES = 10_000
EMPLOYEE_URL = re.compile(r"/org/employees/(\d+)/$")

# What the manager should see, read from the site's own database rather than hard-coded.
MANAGER_FACTS = """
from liuke.org.choices import EmployeeStatus
from liuke.org.models import Department, Employee

viewer = Employee.objects.select_related("department").get(user__username="manager")
district = Department.objects.get(manager=viewer)
other = Department.objects.get(name="江苏区")
current = Employee.objects.exclude(status=EmployeeStatus.LEFT)
result = {
    "viewer": viewer.name,
    "district": {"pk": district.pk, "name": district.name},
    "team": {str(e.pk): e.name for e in current.filter(department__path__startswith=district.path)},
    "outsiders": {str(e.pk): e.name for e in current.filter(department__path__startswith=other.path)},
}
"""

REP_FACTS = """
from liuke.org.choices import EmployeeStatus
from liuke.org.models import Department, Employee

viewer = Employee.objects.select_related("department").get(user__username="rep")
current = Employee.objects.exclude(status=EmployeeStatus.LEFT)
team = current.filter(department=viewer.department)
other_district = Department.objects.get(name="江苏区")
outsider = current.filter(department__path__startswith=other_district.path).order_by("employee_no").first()
sibling_team = (
    current.filter(department__parent=viewer.department.parent_id)
    .exclude(department=viewer.department)
    .order_by("employee_no")
    .first()
)
result = {
    "viewer": viewer.name,
    "team": {str(e.pk): e.name for e in team},
    "outsider": {"pk": outsider.pk, "name": outsider.name, "url": outsider.get_absolute_url()},
    "sibling": {"pk": sibling_team.pk, "name": sibling_team.name, "url": sibling_team.get_absolute_url()},
}
"""


def _listed_people(table: Locator) -> dict[str, str]:
    """``{pk: name}`` of the employees linked from a table's rows (pk taken from each row's employee link)."""
    links = table.locator("tbody tr a[href*='/org/employees/']").evaluate_all(
        "links => links.map(a => [a.getAttribute('href'), a.textContent.trim()])"
    )
    people = {}
    for href, name in links:
        match = EMPLOYEE_URL.search(urlsplit(href).path)
        assert match, f"unexpected employee link {href!r}"
        people[match.group(1)] = name
    return people


def _assert_kept(path: Path) -> None:
    assert path.is_file(), f"screenshot {path} was not written"
    assert path.stat().st_size > MIN_SCREENSHOT_BYTES, f"screenshot {path} is suspiciously small"


def test_manager_logs_in_and_sees_their_team(
    page: Page,
    phone_page: Page,
    log_in_as: Callable[..., None],
    site_query: Callable[[str], Any],
    shot: Callable[[Page, str], Path],
) -> None:
    facts = site_query(MANAGER_FACTS)
    district, team, outsiders = facts["district"], facts["team"], facts["outsiders"]
    assert district["name"] == "上海区"
    assert len(team) == 11, f"demo data changed: 上海区 should have a manager, 2 team leads and 8 reps, got {team}"
    assert outsiders, "demo data changed: 江苏区 should have people"

    log_in_as(page, "manager")
    assert urlsplit(page.url).path == "/"
    expect(page.get_by_test_id("viewer")).to_contain_text(facts["viewer"])
    my_team = page.get_by_test_id("my-team")
    expect(my_team.locator("tbody tr")).to_have_count(len(team))
    listed = _listed_people(my_team)
    assert listed == team
    assert not set(listed) & set(outsiders)
    assert not set(listed.values()) & set(outsiders.values()), "someone from 江苏区 is listed on the manager's home"
    _assert_kept(shot(page, "manager-home.png"))

    log_in_as(phone_page, "manager")
    expect(phone_page.get_by_test_id("my-team").locator("tbody tr")).to_have_count(len(team))
    _assert_kept(shot(phone_page, "manager-home-phone.png"))

    page.locator("#mainnav a[href='/org/departments/']").click()
    page.wait_for_url("**/org/departments/")
    page.get_by_test_id("department-tree").get_by_role("link", name=district["name"], exact=True).click()
    page.wait_for_url(f"**/org/departments/{district['pk']}/")
    expect(page.locator("h1")).to_contain_text(district["name"])
    team_table = page.get_by_test_id("team-table")
    expect(team_table.locator("tbody tr")).to_have_count(len(team))
    assert _listed_people(team_table) == team
    _assert_kept(shot(page, "manager-department.png"))


def test_rep_sees_only_their_own_team(
    page: Page,
    log_in_as: Callable[..., None],
    site_query: Callable[[str], Any],
    shot: Callable[[Page, str], Path],
) -> None:
    facts = site_query(REP_FACTS)
    team = facts["team"]
    assert facts["viewer"] in team.values()

    log_in_as(page, "rep")
    page.goto("/org/employees/")
    employees = page.get_by_test_id("employee-table")
    expect(employees.locator("tbody tr")).to_have_count(len(team))
    assert _listed_people(employees) == team
    shot(page, "rep-employees.png")

    for stranger in (facts["outsider"], facts["sibling"]):
        response = page.goto(stranger["url"])
        assert response is not None
        assert response.status == 404, f"the rep opened {stranger['name']}'s page ({stranger['url']})"


def test_language_switch_to_english(page: Page, log_in_as: Callable[..., None]) -> None:
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    log_in_as(page, "manager")
    language = page.locator("nav select[name='language']")
    language.select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert urlsplit(page.url).path == "/", "switching the language should stay on the same page"
    expect(page.locator("nav").get_by_role("button", name="Log out")).to_be_visible()

    language.select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("my-team")).to_be_visible()


def test_login_rejects_a_wrong_password(page: Page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "not-the-password")
    page.locator("form:has(#id_password) [type=submit]").click()

    expect(page.locator(".alert-danger")).to_be_visible()
    assert urlsplit(page.url).path == "/login/"
    expect(page.locator("#id_username")).to_have_value("manager")
    expect(page.get_by_test_id("viewer")).to_have_count(0)

    page.goto("/")
    assert urlsplit(page.url).path == "/login/", "a failed login must not open the site"
