"""The same list/detail/edit/API checks for every business model (NetBox ViewTestCases style)."""

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from liuke.core.models import BusinessModel, ChangeLogEntry
from liuke.org import services

from . import cases  # noqa: F401  (registers the cases)
from .generic import CASES

pytestmark = pytest.mark.django_db
IDS = [c.model.__name__ for c in CASES]


@pytest.fixture
def w(world):
    world.territory = services.territory_create(name="上海片区", code="T-SH", department=world.shanghai)
    return world


def test_every_business_model_has_a_generic_case():
    business = {m for m in apps.get_models() if issubclass(m, BusinessModel)}
    assert business == {c.model for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_list_shows_what_the_viewer_may_see_and_nothing_else(w, client, case, django_assert_max_num_queries):
    viewer, visible, hidden = case.scoped(w)
    client.force_login(viewer.user)
    with django_assert_max_num_queries(15):
        response = client.get(case.list_url)
    assert response.status_code == 200
    body = response.content.decode()
    assert case.label(visible) in body
    if hidden is not None:
        assert case.label(hidden) not in body


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_detail_is_404_for_what_the_viewer_may_not_see(w, client, case, django_assert_max_num_queries):
    viewer, visible, hidden = case.scoped(w)
    client.force_login(viewer.user)
    with django_assert_max_num_queries(15):
        assert client.get(case.detail_url(visible)).status_code == 200
    if hidden is not None:
        assert client.get(case.detail_url(hidden)).status_code == 404


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_anonymous_is_sent_to_login(w, client, case):
    _, visible, _ = case.scoped(w)
    response = client.get(case.detail_url(visible))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


EDITABLE = [c for c in CASES if c.edit_url]


@pytest.mark.parametrize("case", EDITABLE, ids=[c.model.__name__ for c in EDITABLE])
def test_edit_by_admin_writes_exactly_one_change_log_entry(w, client, case):
    _, obj, _ = case.scoped(w)
    client.force_login(w.admin.user)
    before = ChangeLogEntry.objects.count()
    response = client.post(case.edit_url(obj), case.edit_data(w, obj))
    assert response.status_code == 302, response.content.decode()[:2000]
    obj.refresh_from_db()
    field, value = case.edit_check
    assert getattr(obj, field) == value
    written = ChangeLogEntry.objects.filter(seq__gt=0).count() - before
    expected = 2 if case.model.__name__ == "Territory" else 1  # the territory's fields, then its division set
    assert written == expected
    assert client.get(obj.get_absolute_url()).content.decode().count(str(value)) >= 1  # shown in history too


@pytest.mark.parametrize("case", EDITABLE, ids=[c.model.__name__ for c in EDITABLE])
def test_edit_is_forbidden_for_non_admins_and_changes_nothing(w, client, case):
    viewer, obj, hidden = case.scoped(w)
    before = ChangeLogEntry.objects.count()
    for user in (viewer.user, w.manager_a.user, w.director.user):
        client.force_login(user)
        assert client.get(case.edit_url(obj)).status_code == 403
        assert client.post(case.edit_url(obj), case.edit_data(w, obj)).status_code == 403
        assert client.get(case.add_url).status_code == 403
    if hidden is not None:
        client.force_login(viewer.user)
        assert client.post(case.edit_url(hidden), case.edit_data(w, hidden)).status_code == 404
    assert ChangeLogEntry.objects.count() == before


@pytest.mark.parametrize("case", EDITABLE, ids=[c.model.__name__ for c in EDITABLE])
def test_invalid_edit_shows_errors_and_changes_nothing(w, client, case):
    _, obj, _ = case.scoped(w)
    client.force_login(w.admin.user)
    before = ChangeLogEntry.objects.count()
    data = case.edit_data(w, obj)
    data["name"] = ""
    response = client.post(case.edit_url(obj), data)
    assert response.status_code == 400
    assert ChangeLogEntry.objects.count() == before


WITH_API = [c for c in CASES if c.api_url]


@pytest.mark.parametrize("case", WITH_API, ids=[c.model.__name__ for c in WITH_API])
def test_api_lists_and_details_under_the_same_rule(w, case, django_assert_max_num_queries):
    viewer, visible, hidden = case.scoped(w)
    api = APIClient()
    api.force_authenticate(viewer.user)
    with django_assert_max_num_queries(12):
        listing = api.get(case.api_url).json()
    ids = {row["id"] for row in listing["results"]}
    assert visible.pk in ids
    assert api.get(f"{case.api_url}{visible.pk}/").status_code == 200
    if hidden is not None:
        assert hidden.pk not in ids
        assert api.get(f"{case.api_url}{hidden.pk}/").status_code == 404


PATCHABLE = [c for c in CASES if c.api_patch]


@pytest.mark.parametrize("case", PATCHABLE, ids=[c.model.__name__ for c in PATCHABLE])
def test_api_write_needs_change_rights_and_logs_once(w, case):
    viewer, obj, _ = case.scoped(w)
    api = APIClient()
    before = ChangeLogEntry.objects.count()
    api.force_authenticate(viewer.user)
    assert api.patch(f"{case.api_url}{obj.pk}/", case.api_patch(w, obj), format="json").status_code == 403
    assert ChangeLogEntry.objects.count() == before
    api.force_authenticate(w.admin.user)
    response = api.patch(f"{case.api_url}{obj.pk}/", case.api_patch(w, obj), format="json")
    assert response.status_code == 200, response.content
    assert ChangeLogEntry.objects.count() == before + 1
    entry = ChangeLogEntry.objects.order_by("-seq").first()
    assert entry.source == "api"
    assert entry.actor == w.admin.user


@pytest.mark.parametrize("case", WITH_API, ids=[c.model.__name__ for c in WITH_API])
def test_api_refuses_delete(w, case):
    _, obj, _ = case.scoped(w)
    api = APIClient()
    api.force_authenticate(w.admin.user)
    assert api.delete(f"{case.api_url}{obj.pk}/").status_code == 405
    assert case.model.objects.filter(pk=obj.pk).exists()
