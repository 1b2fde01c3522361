"""The same list/detail/edit/API checks for every business model (NetBox ViewTestCases style)."""

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from liuke.core.models import BusinessModel, ChangeLogEntry
from liuke.org import services

from . import cases  # noqa: F401  (registers the cases)
from .generic import CASES

pytestmark = pytest.mark.django_db


def _ids(selected):
    return [c.model.__name__ for c in selected]


@pytest.fixture
def w(world):
    world.territory = services.territory_create(name="上海片区", code="T-SH", department=world.shanghai)
    return world


def test_every_business_model_has_a_generic_case():
    business = {m for m in apps.get_models() if issubclass(m, BusinessModel)}
    assert business == {c.model for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_list_shows_what_the_viewer_may_see_and_nothing_else(w, client, case, django_assert_max_num_queries):
    viewer, visible, hidden = case.scoped(w)
    client.force_login(viewer.user)
    # 28: a customer page (the list of its contacts) carries the cards of other apps: open alerts, the bell.
    with django_assert_max_num_queries(28):
        response = client.get(case.url(case.list_url, w))
    assert response.status_code == 200
    body = response.content.decode()
    assert case.label(visible) in body
    if hidden is not None:
        assert case.label(hidden) not in body


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_detail_is_404_for_what_the_viewer_may_not_see(w, client, case, django_assert_max_num_queries):
    viewer, visible, hidden = case.scoped(w)
    client.force_login(viewer.user)
    with django_assert_max_num_queries(30):
        assert client.get(case.detail_url(visible)).status_code == 200
    if hidden is not None:
        assert client.get(case.detail_url(hidden)).status_code == 404


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_anonymous_is_sent_to_login(w, client, case):
    _, visible, _ = case.scoped(w)
    response = client.get(case.detail_url(visible))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


EDITABLE = [c for c in CASES if c.edit_url]


@pytest.mark.parametrize("case", EDITABLE, ids=_ids(EDITABLE))
def test_edit_writes_exactly_one_change_log_entry_and_shows_in_history(w, client, case):
    _, obj, _ = case.scoped(w)
    editor = case.editor(w)
    client.force_login(editor.user)
    before = ChangeLogEntry.objects.count()
    response = client.post(case.edit_url(obj), case.edit_data(w, obj))
    assert response.status_code == 302, response.content.decode()[:3000]
    obj.refresh_from_db()
    field, value = case.edit_check
    assert getattr(obj, field) == value
    assert ChangeLogEntry.objects.count() - before == case.entries_per_edit
    entry = ChangeLogEntry.objects.order_by("-seq").first()
    assert entry.actor == editor.user
    assert entry.source == "web"
    assert str(value) in client.get(case.detail_url(obj)).content.decode()


@pytest.mark.parametrize("case", EDITABLE, ids=_ids(EDITABLE))
def test_edit_is_refused_to_those_who_may_not_change_and_changes_nothing(w, client, case):
    viewer, obj, hidden = case.scoped(w)
    before = ChangeLogEntry.objects.count()
    for employee in case.edit_denied(w):
        client.force_login(employee.user)
        assert client.get(case.edit_url(obj)).status_code in (403, 404), employee
        assert client.post(case.edit_url(obj), case.edit_data(w, obj)).status_code in (403, 404), employee
    for employee in case.add_denied(w):
        client.force_login(employee.user)
        assert client.get(case.url(case.add_url, w)).status_code in (403, 404), employee
    if hidden is not None:
        client.force_login(viewer.user)
        assert client.post(case.edit_url(hidden), case.edit_data(w, hidden)).status_code == 404
    assert ChangeLogEntry.objects.count() == before


@pytest.mark.parametrize("case", EDITABLE, ids=_ids(EDITABLE))
def test_invalid_edit_shows_errors_and_changes_nothing(w, client, case):
    _, obj, _ = case.scoped(w)
    client.force_login(case.editor(w).user)
    before = ChangeLogEntry.objects.count()
    data = case.edit_data(w, obj)
    data[next(k for k in ("name", "label_zh") if k in data)] = ""
    response = client.post(case.edit_url(obj), data)
    assert response.status_code == 400
    assert ChangeLogEntry.objects.count() == before


WITH_API = [c for c in CASES if c.api_url]


@pytest.mark.parametrize("case", WITH_API, ids=_ids(WITH_API))
def test_api_lists_and_details_under_the_same_rule(w, case, django_assert_max_num_queries):
    viewer, visible, hidden = case.scoped(w)
    api = APIClient()
    api.force_authenticate(viewer.user)
    with django_assert_max_num_queries(15):
        listing = api.get(case.api_url).json()
    ids = {row["id"] for row in listing["results"]}
    assert visible.pk in ids
    assert api.get(f"{case.api_url}{visible.pk}/").status_code == 200
    if hidden is not None:
        assert hidden.pk not in ids
        assert api.get(f"{case.api_url}{hidden.pk}/").status_code == 404


PATCHABLE = [c for c in CASES if c.api_patch]


@pytest.mark.parametrize("case", PATCHABLE, ids=_ids(PATCHABLE))
def test_api_write_needs_change_rights_and_logs_once(w, case):
    _, obj, _ = case.scoped(w)
    api = APIClient()
    before = ChangeLogEntry.objects.count()
    api.force_authenticate(case.api_denied(w).user)
    assert api.patch(f"{case.api_url}{obj.pk}/", case.api_patch(w, obj), format="json").status_code == 403
    assert ChangeLogEntry.objects.count() == before
    api.force_authenticate(w.admin.user)
    response = api.patch(f"{case.api_url}{obj.pk}/", case.api_patch(w, obj), format="json")
    assert response.status_code == 200, response.content
    assert ChangeLogEntry.objects.count() == before + 1
    entry = ChangeLogEntry.objects.order_by("-seq").first()
    assert entry.source == "api"
    assert entry.actor == w.admin.user


@pytest.mark.parametrize("case", WITH_API, ids=_ids(WITH_API))
def test_api_refuses_delete(w, case):
    _, obj, _ = case.scoped(w)
    api = APIClient()
    api.force_authenticate(w.admin.user)
    assert api.delete(f"{case.api_url}{obj.pk}/").status_code == 405
    assert case.model.objects.filter(pk=obj.pk).exists()


# Routes that are not a model's list, detail or edit page: each is tested where its behaviour lives.
ROUTES_TESTED_ELSEWHERE = {
    "home": "tests/test_crawler.py",
    "login": "tests/e2e/test_customer_journey.py",
    "logout": "tests/e2e/test_customer_journey.py",
    "set_language": "tests/test_i18n.py",
    "org:division_list": "tests/org/test_address.py",
    "customers:coverage": "tests/customers/test_coverage_and_search.py",
    "customers:export": "tests/customers/test_import_export.py",
    "customers:import": "tests/customers/test_import_export.py",
    "customers:customer_merge": "tests/customers/test_archive.py",
    "customers:team_assign": "tests/customers/test_archive.py",
    "customers:team_unassign": "tests/customers/test_archive.py",
    "customers:contact_knower": "tests/customers/test_archive.py",
    "customers:contact_archive": "tests/customers/test_archive.py",
    "channel:distributor_list": "tests/channel/test_pages.py",
    "channel:distributor_detail": "tests/channel/test_pages.py",
    "channel:flow_upload": "tests/channel/test_pages.py",
    "channel:flow_progress": "tests/channel/test_pages.py",
    "channel:import_errors": "tests/channel/test_pages.py",
    "channel:review_list": "tests/channel/test_pages.py",
    "channel:review_resolve": "tests/channel/test_pages.py",
    "channel:flowline_list": "tests/core/test_permissions.py",
    "channel:flow_export": "tests/channel/test_pages.py",
    "interactions:my_day": "tests/interactions/test_pages_and_api.py",
    "interactions:card_new": "tests/interactions/test_pages_and_api.py",
    "interactions:card_edit": "tests/interactions/test_pages_and_api.py",
    "interactions:card_amend": "tests/interactions/test_pages_and_api.py",
    "interactions:attachment": "tests/interactions/test_pages_and_api.py",
    "interactions:follow_up_add": "tests/interactions/test_pages_and_api.py",
    "interactions:plan_team": "tests/interactions/test_pages_and_api.py",
    "recordcard-amend": "tests/interactions/test_pages_and_api.py",
    "recordcard-submit": "tests/interactions/test_pages_and_api.py",
    "core:changelog_list": "tests/core/test_changelog.py",
    "flowline-list": "tests/core/test_permissions.py",
    "flowline-detail": "tests/core/test_permissions.py",
    "api-token": "tests/api/test_api_base.py",
    "api-schema": "tests/api/test_api_base.py",
    "api-docs": "tests/api/test_api_base.py",
    "api-root": "tests/api/test_api_base.py",
    "alerts:alert_bulk": "tests/alerts/test_pages.py",
    "alerts:alert_export": "tests/alerts/test_pages.py",
    "alerts:alert_step": "tests/alerts/test_pages.py",
    "alerts:alert_assign": "tests/alerts/test_pages.py",
    "alerts:alert_note": "tests/alerts/test_pages.py",
    "alerts:rule_edit": "tests/alerts/test_pages.py",
    "alerts:screen": "tests/alerts/test_pages.py",
    "alerts:charts": "tests/alerts/test_charts.py",
    "alert-acknowledge": "tests/alerts/test_api.py",
    "alert-investigate": "tests/alerts/test_api.py",
    "alert-resolve": "tests/alerts/test_api.py",
    "alert-dismiss": "tests/alerts/test_api.py",
    "alert-reopen": "tests/alerts/test_api.py",
    "alert-assign": "tests/alerts/test_api.py",
    "alert-notes": "tests/alerts/test_api.py",
    "alert-rule-list": "tests/alerts/test_api.py",
    "alert-rule-detail": "tests/alerts/test_api.py",
    "channel:import_row": "tests/alerts/test_channel_rules.py",
    "channel:distributor_due_day": "tests/alerts/test_channel_rules.py",
    "alerts:notification_list": "tests/alerts/test_notify_pages.py",
    "alerts:notification_menu": "tests/alerts/test_notify_pages.py",
    "alerts:notification_open": "tests/alerts/test_notify_pages.py",
    "alerts:notification_read_all": "tests/alerts/test_notify_pages.py",
    "alerts:webhook_test": "tests/alerts/test_notify_pages.py",
    "notification-list": "tests/alerts/test_notify_pages.py",
    "notification-detail": "tests/alerts/test_notify_pages.py",
    "notification-read": "tests/alerts/test_notify_pages.py",
    "notification-read-all": "tests/alerts/test_notify_pages.py",
    "notificationpreference-me": "tests/alerts/test_notify_pages.py",
}


def _route_names() -> set[str]:
    from django.urls import URLResolver, get_resolver

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif p.name:
                yield f"{namespace}:{p.name}" if namespace else p.name

    return set(walk(get_resolver().url_patterns))


def test_every_route_has_a_case_or_a_named_test(w):
    """A new page or endpoint fails here until a ModelCase (or a named test module) covers it."""
    from pathlib import Path

    from django.urls import resolve

    covered = set(ROUTES_TESTED_ELSEWHERE)
    for case in CASES:
        _, obj, _ = case.scoped(w)
        urls = [case.url(case.list_url, w), case.detail_url(obj)]
        urls += [case.edit_url(obj)] if case.edit_url else []
        urls += [case.url(case.add_url, w)] if case.add_url else []
        urls += [case.api_url, f"{case.api_url}{obj.pk}/"] if case.api_url else []
        covered |= {resolve(u.split("?")[0].split("#")[0]).view_name for u in urls}
    assert _route_names() - covered == set()
    root = Path(__file__).parent.parent
    assert [f for f in set(ROUTES_TESTED_ELSEWHERE.values()) if not (root / f).exists()] == []


def test_no_model_with_an_edit_page_is_left_pending():
    from django.urls import URLResolver, get_resolver

    from liuke.core.generic import ObjectEditView

    def edit_views(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from edit_views(p.url_patterns)
            elif issubclass(getattr(p.callback, "view_class", object), ObjectEditView):
                yield p.callback.view_class

    with_pages = {view.model for view in edit_views(get_resolver().url_patterns)}
    complete = {c.model for c in CASES if (c.edit_url or c.add_url) and not c.pending}
    assert sorted(m.__name__ for m in with_pages - complete) == []


ADDABLE = [c for c in CASES if c.add_data]


@pytest.mark.parametrize("case", ADDABLE, ids=_ids(ADDABLE))
def test_add_creates_one_record_with_its_change_log_and_is_refused_to_others(w, client, case):
    case.scoped(w)  # builds what the form refers to
    rows, entries = case.model.objects.count(), ChangeLogEntry.objects.count()
    for employee in case.add_denied(w):
        client.force_login(employee.user)
        assert client.post(case.url(case.add_url, w), case.add_data(w)).status_code in (403, 404), employee
    assert (case.model.objects.count(), ChangeLogEntry.objects.count()) == (rows, entries)
    client.force_login(case.editor(w).user)
    response = client.post(case.url(case.add_url, w), case.add_data(w))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert case.model.objects.count() == rows + 1
    assert ChangeLogEntry.objects.count() - entries == case.entries_per_add
    assert ChangeLogEntry.objects.order_by("-seq").first().actor == case.editor(w).user
