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
    with django_assert_max_num_queries(25):
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
