"""The REST API base: token login, offline docs, schema, filters, the visibility rule."""

import re

import pytest
from rest_framework.test import APIClient

from tests.fixtures.world import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_login_then_token_authenticated_requests(world):
    api = APIClient()
    response = api.post("/api/auth/token/", {"username": "ra", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listing = api.get("/api/employees/").json()
    assert {row["employee_no"] for row in listing["results"]} == {"RA", "RA2"}


def test_wrong_password_gets_no_token(world):
    response = APIClient().post("/api/auth/token/", {"username": "ra", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_unauthenticated_requests_are_refused(world):
    assert APIClient().get("/api/employees/").status_code in (401, 403)


def test_schema_describes_the_endpoints(world, client):
    client.force_login(world.rep_a.user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/departments/", "/api/employees/", "/api/territories/"} <= set(schema["paths"])


def test_docs_page_loads_no_asset_from_the_internet(world, client):
    client.force_login(world.rep_a.user)
    html = client.get("/api/docs/").content.decode()
    assert "swagger" in html.lower()
    external = [
        u for u in re.findall(r"""(?:src|href)=["']([^"']+)""", html) if u.startswith(("http:", "https:", "//"))
    ]
    assert external == []


def test_employee_filter_by_department_subtree(world):
    api = APIClient()
    api.force_authenticate(world.director.user)
    rows = api.get("/api/employees/", {"department": world.shanghai.pk}).json()["results"]
    assert {r["employee_no"] for r in rows} == {"MA", "RA", "RA2"}
    rows = api.get("/api/employees/", {"role": "manager"}).json()["results"]
    assert {r["employee_no"] for r in rows} == {"R1", "MA", "MB"}


def test_token_user_is_the_change_log_actor(world):
    from liuke.core.models import ChangeLogEntry

    api = APIClient()
    token = api.post("/api/auth/token/", {"username": "a1", "password": PASSWORD}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.patch(f"/api/employees/{world.rep_b.pk}/", {"phone": "13700000000"}, format="json")
    assert response.status_code == 200
    entry = ChangeLogEntry.objects.order_by("-seq").first()
    assert entry.actor == world.admin.user
    assert entry.source == "api"


def test_api_create_employee_validates_and_logs(world):
    api = APIClient()
    api.force_authenticate(world.admin.user)
    bad = api.post(
        "/api/employees/",
        {"employee_no": "N9", "name": "", "department": world.sh_team.pk, "role": "rep"},
        format="json",
    )
    assert bad.status_code == 400
    ok = api.post(
        "/api/employees/",
        {"employee_no": "N9", "name": "新人", "department": world.sh_team.pk, "role": "rep"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["username"] == "N9"
    api.force_authenticate(world.manager_a.user)
    assert (
        api.post(
            "/api/employees/",
            {"employee_no": "N10", "name": "越权", "department": world.sh_team.pk, "role": "rep"},
            format="json",
        ).status_code
        == 403
    )
